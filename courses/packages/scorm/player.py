"""Playing SCORM packages: the sandboxed frame on the content origin, as H5P plays.

The lesson page (site origin, strict policy) embeds one ``<iframe>`` per SCORM block whose
``src`` is the player shell on the content origin (:mod:`lms.content_origin`):
``<content origin>/c/<token>/scorm/player/``, token scope ``scorm:<slot id>``. The shell
(``templates/scorm/player.html``, ``static/js/scorm-frame.js``) provides the SCORM API
from scorm-again (npm, served as static files): ``window.API`` for SCORM 1.2,
``window.API_1484_11`` for SCORM 2004, and loads the SCO in a nested frame from the
package's files under ``/c/<token>/scorm/content/<uuid>/`` (same origin as the shell, so
the SCO finds the API in its parent). The shell never talks to the site: it sends what
the SCO commits to the lesson page by ``postMessage``; the page
(``static/js/scorm-player.js``) posts it to :func:`courses.packages.scorm.views.commit`
with the session and the CSRF token.

The frame's ``sandbox`` and permissions are H5P's (:data:`SANDBOX`, one definition);
the shell's policy allows only its own scripts; the SCO's files get
:func:`content_policy`, which allows what SCORM content is written with (inline scripts,
``eval``), from the content origin only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.csp import CSP

from lms.content_origin import (
    ContentGrant,
    ContentTokenRefused,
    content_origin_for,
    content_token_mint,
    content_token_read,
    main_origin_of,
)

from ..h5p.player import FRAME_ALLOW, SANDBOX
from . import sequencing
from .cmi import seconds_to_duration_2004, seconds_to_timespan_12
from .manifest import SCORM_12, walk_items
from .models import ScormPackage, ScormRuntimeData, ScormSlot
from .selectors import can_see_package
from .services import item_states

SCOPE_PREFIX = "scorm:"
SCORM_SANDBOX = f"{SANDBOX} allow-modals"
"""H5P's sandbox (:data:`courses.packages.h5p.player.SANDBOX`, where every flag is
explained) and ``allow-modals``: SCORM content asks with ``confirm()`` and warns with
``alert()`` (Rustici's Golf examples offer to resume that way); without it the browser
answers "no" silently and the officer never gets back to their place."""
ACCESS_CACHE_SECONDS = 60


def _content_path(name: str, **kwargs: Any) -> str:
    return reverse(name, urlconf=settings.LMS_CONTENT_URLCONF, kwargs=kwargs)


def frame_url(request: HttpRequest, slot: ScormSlot) -> str | None:
    """The player shell of a SCORM block for the signed-in officer, on the content
    origin; None when the site has no content origin."""
    origin = content_origin_for(request)
    if origin is None:
        return None
    token = content_token_mint(
        user_id=request.user.pk,
        scope=f"{SCOPE_PREFIX}{slot.pk}",
        main_origin=main_origin_of(request),
    )
    return origin + _content_path("scorm_player", token=token)


def access_slot(token: str) -> tuple[ContentGrant, ScormPackage]:
    """The grant and package a content-origin token opens, or Http404 (forged, for
    something else, officer no longer allowed) / PermissionDenied (expired)."""
    try:
        grant = content_token_read(token)
    except ContentTokenRefused as refusal:
        if refusal.expired:
            raise PermissionDenied from refusal
        raise Http404 from refusal
    slot_id = grant.scope.removeprefix(SCOPE_PREFIX)
    if not grant.scope.startswith(SCOPE_PREFIX) or not slot_id.isdigit():
        raise Http404
    key = f"lms:scorm:slot-access:{grant.user_id}:{slot_id}"
    package_id = cache.get(key)
    if package_id is None:
        package_id = _check_slot(grant.user_id, int(slot_id)) or 0
        cache.set(key, package_id, ACCESS_CACHE_SECONDS)
    if not package_id:
        raise Http404
    package = _package(package_id)
    if package is None:
        raise Http404
    return grant, package


def _package(package_id: int) -> ScormPackage | None:
    key = f"lms:scorm:package:{package_id}"
    found = cache.get(key)
    if found is None:
        found = ScormPackage.objects.filter(pk=package_id).only("pk", "uuid", "title").first()
        if found is not None:
            cache.set(key, found, ACCESS_CACHE_SECONDS)
    return found


def _check_slot(user_id: int, slot_id: int) -> int | None:
    from lms.accounts.models import User

    slot = ScormSlot.objects.select_related("package").filter(pk=slot_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if slot is None or user is None or not can_see_package(user, slot.package):
        return None
    return slot.package_id


def shell_settings(token: str, grant: ContentGrant, package: ScormPackage) -> dict[str, Any]:
    """What ``static/js/scorm-frame.js`` needs: nothing about the officer (the lesson page
    sends each SCO's data with the launch message)."""
    return {
        "mainOrigin": grant.main_origin,
        "contentBase": _content_path(
            "scorm_content_file", token=token, package_uuid=package.uuid, path="x"
        ).removesuffix("x"),
    }


def shell_scripts(version: str) -> list[str]:
    """scorm-again's API for the package's version, then the shell's script."""
    api = "scorm-again/scorm12.min.js" if version == SCORM_12 else "scorm-again/scorm2004.min.js"
    return [static(api), static("js/scorm-frame.js")]


def frame_policy(*, main_origin: str) -> dict[str, list[str]]:
    """The shell's policy: its own scripts only, the SCO's frame from the content origin,
    framed by the page that minted the token only."""
    return {
        "default-src": [CSP.NONE],
        "script-src": [CSP.SELF],
        "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
        "img-src": [CSP.SELF, "data:"],
        "frame-src": [CSP.SELF],
        "connect-src": [CSP.NONE],
        "frame-ancestors": [main_origin],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.NONE],
    }


def content_policy(*, main_origin: str) -> dict[str, list[str]]:
    """The policy of a package's files (the SCO's pages): SCORM content is written with
    inline scripts and handlers, sometimes ``eval``; it loads everything from its own
    package on the content origin, and is framed by the shell inside the lesson page."""
    return {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.UNSAFE_INLINE, CSP.UNSAFE_EVAL],
        "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
        "img-src": [CSP.SELF, "data:", "blob:"],
        "media-src": [CSP.SELF, "blob:"],
        "font-src": [CSP.SELF, "data:"],
        "connect-src": [CSP.SELF],
        "frame-src": [CSP.SELF],
        "frame-ancestors": [CSP.SELF, main_origin],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.SELF],
        "form-action": [CSP.SELF],
    }


# --- what the lesson page gives each SCO when it starts ---------------------------------------


def launch_data(
    *, actor: Any, package: ScormPackage, item: dict[str, Any], row: ScormRuntimeData | None
) -> dict[str, Any]:
    """The launch of one SCO: its address in the package, the run-time data the API
    starts with (flattened element names, read-only ones included: the API is loaded
    before the SCO initialises it), and the sequence number of the stored data.

    The SCO resumes (``entry`` ``resume``: location, suspend_data, statuses, score) when
    its last session was suspended or never ended (the page was closed), with its
    interactions and objectives; after a session
    that ended otherwise, a new attempt starts (``entry`` empty, nothing carried over);
    a SCO never launched starts ``ab-initio``."""
    resume = row is not None and (not row.ended or row.exit == "suspend")
    name = actor.get_full_name() or actor.get_username()
    learner = f"officer-{actor.pk}"
    data: dict[str, Any]
    if package.version == SCORM_12:
        total = (row.total_seconds + row.session_seconds) if row else 0
        data = {
            "cmi.core.student_id": learner,
            "cmi.core.student_name": name,
            "cmi.core.credit": "credit",
            "cmi.core.lesson_mode": "normal",
            "cmi.core.entry": "ab-initio" if row is None else ("resume" if resume else ""),
            "cmi.core.total_time": seconds_to_timespan_12(total),
            "cmi.launch_data": item.get("data_from_lms") or "",
        }
        if item.get("mastery_score") is not None:
            data["cmi.student_data.mastery_score"] = _number(item["mastery_score"])
        if resume and row is not None:
            data["cmi.core.lesson_location"] = row.location
            data["cmi.suspend_data"] = row.suspend_data
            data["cmi.core.lesson_status"] = row.lesson_status or "not attempted"
            for name_, value in (
                ("raw", row.score_raw),
                ("min", row.score_min),
                ("max", row.score_max),
            ):
                if value is not None:
                    data[f"cmi.core.score.{name_}"] = _number(value)
    else:
        total = (row.total_seconds + row.session_seconds) if row else 0
        data = {
            "cmi.learner_id": learner,
            "cmi.learner_name": name,
            "cmi.credit": "credit",
            "cmi.mode": "normal",
            "cmi.entry": "ab-initio" if row is None else ("resume" if resume else ""),
            "cmi.total_time": seconds_to_duration_2004(total),
            "cmi.launch_data": item.get("data_from_lms") or "",
        }
        threshold = (item.get("completion_threshold") or {}).get("min_progress_measure")
        if threshold is not None:
            data["cmi.completion_threshold"] = _number(threshold)
        if resume and row is not None:
            data["cmi.location"] = row.location
            data["cmi.suspend_data"] = row.suspend_data
            data["cmi.completion_status"] = row.completion_status
            data["cmi.success_status"] = row.success_status
            for name_, value in (
                ("scaled", row.score_scaled),
                ("raw", row.score_raw),
                ("min", row.score_min),
                ("max", row.score_max),
            ):
                if value is not None:
                    data[f"cmi.score.{name_}"] = _number(value)
            if row.progress_measure is not None:
                data["cmi.progress_measure"] = _number(row.progress_measure)
    if resume and row is not None:
        data.update(_entries("cmi.interactions", row.interactions))
        data.update(_entries("cmi.objectives", row.objectives))
    return {
        "launch": item.get("launch") or "",
        "asset": item.get("scorm_type") == "asset",
        "cmi": data,
        "seq": row.seq if row else 0,
        "resume": resume,
    }


def _entries(prefix: str, entries: list[Any]) -> dict[str, str]:
    """Stored interactions or objectives, flattened for the API, so that a resumed SCO's
    ``_count`` goes on from them (and new entries are added after, not over, them). Only
    the entries before the first one without an id (the API needs the id first)."""
    flat: dict[str, str] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or "id" not in entry:
            break
        flat[f"{prefix}.{index}.id"] = str(entry["id"])
        for key, value in entry.items():
            if key != "id":
                flat[f"{prefix}.{index}.{key}"] = str(value)
    return flat


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def outline(package: ScormPackage) -> list[dict[str, Any]]:
    """The default organization as the table of contents shows it: every visible item,
    with its depth, launchable or not."""
    rows = []

    def add(items: list[dict[str, Any]], depth: int) -> None:
        for item in items:
            if item.get("is_visible", True) is not False:
                rows.append(
                    {
                        "identifier": item["identifier"],
                        "title": item.get("title") or item["identifier"],
                        "depth": depth,
                        "launchable": bool(item.get("launchable")),
                    }
                )
                add(item.get("children") or [], depth + 1)
            else:
                add(item.get("children") or [], depth)

    add(package.outline(), 0)
    return rows


def launchable(package: ScormPackage) -> dict[str, dict[str, Any]]:
    return {
        item["identifier"]: item for item in walk_items(package.outline()) if item.get("launchable")
    }


# --- the lesson page ---------------------------------------------------------------------------


@dataclass
class LessonBlock:
    """One SCORM block of a lesson page, for the officer: its slot, frame, table of
    contents and what the page script starts each SCO with."""

    slot: ScormSlot
    frame_url: str | None
    toc: list[dict[str, Any]]
    settings: dict[str, Any]
    done: bool

    sandbox = SCORM_SANDBOX
    allow = FRAME_ALLOW

    @property
    def multi(self) -> bool:
        return sum(1 for row in self.toc if row["launchable"]) > 1


def lesson_blocks(request: HttpRequest, lesson: Any) -> dict[str, LessonBlock]:
    """The lesson's SCORM blocks the officer may play, by block id. No query for a lesson
    without SCORM blocks; otherwise two (the slots with their packages, the officer's
    run-time data of those packages)."""
    if not any(raw["type"] == "scorm" for raw in lesson.body.raw_data):
        return {}
    actor = request.user
    slots = [
        slot
        for slot in ScormSlot.objects.filter(lesson=lesson)
        .select_related("package")
        .order_by("position")
        if can_see_package(actor, slot.package)
    ]
    if not slots:
        return {}
    rows: dict[int, list[ScormRuntimeData]] = {}
    for row in ScormRuntimeData.objects.filter(
        user=actor, package_id__in={slot.package_id for slot in slots}
    ).order_by("updated_at", "pk"):
        rows.setdefault(row.package_id, []).append(row)
    blocks = {}
    for slot in slots:
        package = slot.package
        package_rows = rows.get(package.pk, [])
        by_item = {row.item: row for row in package_rows}
        navigation = sequencing.evaluate(package.manifest, item_states(package_rows))
        items = launchable(package)
        current = next(
            (
                row.item
                for row in reversed(package_rows)
                if row.item in items and (not row.ended or row.exit == "suspend")
            ),
            None,
        ) or sequencing.start_target(navigation, version=package.version)
        state = navigation.as_json()
        toc = [
            {
                **entry,
                **state["items"].get(entry["identifier"], {}),
                "current": entry["identifier"] == current,
            }
            for entry in outline(package)
        ]
        blocks[slot.block_id] = LessonBlock(
            slot=slot,
            frame_url=frame_url(request, slot),
            toc=toc,
            done=navigation.done,
            settings={
                "slot": str(slot.pk),
                "version": package.version,
                "start": current,
                "navigation": state,
                "items": {
                    identifier: launch_data(
                        actor=actor, package=package, item=item, row=by_item.get(identifier)
                    )
                    for identifier, item in items.items()
                },
            },
        )
    return blocks


def page_settings(request: HttpRequest, blocks: dict[str, LessonBlock]) -> dict[str, Any]:
    """Settings for ``static/js/scorm-player.js``."""
    from django.middleware.csrf import get_token
    from django.utils.translation import gettext as _

    return {
        "csrfToken": get_token(request),
        "contentOrigin": content_origin_for(request) or "",
        "commitUrl": reverse("courses:scorm:commit", args=[0]).replace("/0/", "/{slot}/"),
        "blocks": {block_id: block.settings for block_id, block in blocks.items()},
        "messages": {
            "loading": _("Loading the course…"),
            "ready": _("Your progress is saved automatically."),
            "saving": _("Saving your progress…"),
            "saved": _("Progress saved."),
            "completed": _("You have completed this package."),
            "offline": _("No connection: your progress will be sent when it returns."),
            "retrying": _("The server did not answer: trying again…"),
            "refused": _("Your progress was not accepted: {reason}"),
            "unavailable": _(
                "This package cannot be shown: this server has no address for activities "
                "configured."
            ),
            "notAllowed": _("This part is not available yet."),
            "itemCompleted": _("completed"),
            "failed": _("failed"),
            "started": _("started"),
        },
    }
