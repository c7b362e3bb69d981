"""SCORM run-time endpoints.

On the site's origin (``courses/packages/scorm/urls.py``): :func:`commit`, where the lesson
page posts what a SCO committed (session and CSRF token required). On the content origin
(``lms/content_urls.py``): the player shell and the package's files, for the holder of a
signed token (:mod:`courses.packages.scorm.player`).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import JSONField, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from courses.models import Enrolment, LessonProgress
from courses.views import _file_response, _json_error, _load_json

from . import cmi, player, services
from .models import ScormSlot
from .selectors import can_see_package

MAX_COMMIT_BYTES = 512 * 1024
"""A commit's body: suspend_data (64,000 characters in SCORM 2004) and the interactions
the SCO wrote in its session stay well below."""
MAX_SEQ = 2**53
_SESSION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _slot_for(request: HttpRequest, slot_id: int) -> ScormSlot:
    """The slot, in one query, only in a course the officer is enrolled in and of a
    package they may use (another administration's and a missing one: the same 404),
    with the officer's completed blocks of its lesson (``done_blocks``)."""
    done = LessonProgress.objects.filter(
        enrolment__user=request.user,
        enrolment__course_key=OuterRef("course_key"),
        lesson_key=OuterRef("lesson_key"),
    ).values("completed_blocks")[:1]
    slot = (
        ScormSlot.objects.select_related("package")
        .filter(
            pk=slot_id,
            course_key__in=Enrolment.objects.filter(user=request.user).values("course_key"),
        )
        .annotate(done_blocks=Subquery(done, output_field=JSONField()))
        .first()
    )
    if slot is None or not can_see_package(request.user, slot.package):
        raise Http404
    return slot


def _envelope_problem(body: Any) -> str | None:
    """What is wrong with the commit's envelope (not the CMI data), translated."""
    if not isinstance(body, dict):
        return _("The commit must be a JSON object.")
    seq = body.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq < MAX_SEQ:
        return _("The commit has no valid sequence number.")
    if not isinstance(body.get("item"), str) or not 0 < len(body["item"]) <= 255:
        return _("The commit names no item of the package.")
    if not isinstance(body.get("session"), str) or not _SESSION.match(body["session"]):
        return _("The commit names no valid session.")
    if not isinstance(body.get("final", False), bool):
        return _("The commit's 'final' must be true or false.")
    nav = body.get("nav", "")
    if not isinstance(nav, str) or (nav and not services.navigation_request_valid(nav)):
        return _("The navigation request is not one SCORM defines.")
    if not isinstance(body.get("cmi"), dict):
        return _("The commit carries no run-time data.")
    return None


@require_POST
def commit(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Store what a SCO committed for the signed-in officer: ``{"seq", "item",
    "session", "final", "nav", "cmi": {element: value}}``. Answers ``{"success", "seq",
    "navigation", "target", "completed", "launch"}``; 400 with ``problems`` when the data
    breaks the SCORM data model (nothing stored), 409 ``stale`` when a newer commit is
    stored, 413 when too large, 404 outside the officer's courses, 403 signed out."""
    if not request.user.is_authenticated:
        return _json_error(_("Sign in first."), status=403)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_COMMIT_BYTES:
        return _json_error(_("The data is too large."), status=413)
    slot = _slot_for(request, slot_id)
    try:
        body = _load_json(request.body, _("The data is not valid JSON."))
    except ValueError as error:
        return _json_error(str(error))
    problem = _envelope_problem(body)
    if problem:
        return _json_error(problem)
    package = slot.package
    items = player.launchable(package)
    if body["item"] not in items:
        return _json_error(_("The commit names no item of the package."))
    update = cmi.validate_commit(package.version, body["cmi"])
    if isinstance(update, list):
        messages = [p.message for p in update]
        return JsonResponse(
            {
                "success": False,
                "message": " ".join(messages[:5]),
                "problems": [
                    {"code": p.code, "element": p.element, "message": message}
                    for p, message in zip(update, messages, strict=True)
                ],
            },
            status=400,
        )
    try:
        outcome = services.scorm_commit(
            actor=request.user,
            slot=slot,
            item=body["item"],
            seq=body["seq"],
            session=body["session"],
            update=update,
            final=body.get("final", False),
            navigation_request=body.get("nav", ""),
            block_done=slot.block_id in (slot.done_blocks or []),  # type: ignore[attr-defined]
        )
    except services.CommitStale:
        return JsonResponse(
            {
                "success": False,
                "stale": True,
                "message": _("A newer save of this part is already stored: this one is ignored."),
            },
            status=409,
        )
    return JsonResponse(
        {
            "success": True,
            "seq": outcome.data.seq,
            "navigation": outcome.navigation.as_json(),
            "target": outcome.target,
            "completed": outcome.block_completed,
            "launch": player.launch_data(
                actor=request.user, package=package, item=items[body["item"]], row=outcome.data
            ),
        }
    )


# --- on the content origin (lms/content_urls.py) ----------------------------------------------


@require_GET
@xframe_options_exempt  # framed by the lesson page only: the policy's frame-ancestors says so
def player_shell(request: HttpRequest, token: str) -> HttpResponse:
    """The player shell of one SCORM block: scorm-again's API and the SCO's frame."""
    grant, package = player.access_slot(token)
    response = HttpResponse(
        render_to_string(
            "scorm/player.html",
            {
                "settings": player.shell_settings(token, grant, package),
                "scripts": player.shell_scripts(package.version),
                "title": package.title,
            },
        )
    )
    response._csp_config = player.frame_policy(main_origin=grant.main_origin)  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@xframe_options_exempt  # the SCO's pages are framed by the shell: see content_policy
def content_file(request: HttpRequest, token: str, package_uuid: Any, path: str) -> HttpResponse:
    """A file of the package, for the holder of a token of a block that places it."""
    grant, package = player.access_slot(token)
    if str(package.uuid) != str(package_uuid):
        raise Http404
    name = services.storage_name(package, path)
    response = _file_response(name, max_age=3600)
    response._csp_config = player.content_policy(main_origin=grant.main_origin)  # type: ignore[attr-defined]
    return response
