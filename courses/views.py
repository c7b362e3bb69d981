"""Learner pages and the H5P endpoints. Thin: parse, call a selector or service, render."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.models import Locale

from lms import page_cache
from lms.content_origin import content_origin_for
from lms.public_url import public_url
from lms.reversing import cached_reverse

from . import lesson_shell, search, selectors, services
from .forms import CatalogueFilterForm, SearchForm
from .models import (
    CourseIndexPage,
    CoursePage,
    Enrolment,
    ExternalMediaHost,
    H5PActivity,
    LessonActivity,
    LessonPage,
    ModulePage,
)
from .packages.h5p import player as h5p_player_module
from .packages.h5p.services import (
    libraries_revision,
    library_storage_folder,
    storage_path_for_content,
    storage_path_for_library,
)
from .packages.scorm import player as scorm_player


def _require_login(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def catalogue(request: HttpRequest, index: CourseIndexPage) -> HttpResponse:
    if redirect := _require_login(request):
        return redirect
    selectors.access_catalogue(request.user, index)
    if query := request.GET.get("q", "").strip():
        # The catalogue's old word filter (bookmarks, links): the search page answers it.
        return HttpResponseRedirect(f"{reverse('courses:search')}?{urlencode({'q': query})}")
    form = CatalogueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    courses = selectors.course_list_for_user(
        request.user,
        language=filters.get("language", ""),
        preferred_language=translation.get_language(),
        track=filters.get("track", ""),
        level=filters.get("level", ""),
        index=index,
    )
    enrolments = {e.course_key: e for e in selectors.enrolment_list_for_user(request.user)}
    return render(
        request,
        index.template,
        {
            "page": index,
            "self": index,
            "form": form,
            "entries": [(course, enrolments.get(course.translation_key)) for course in courses],
        },
    )


def course_detail(request: HttpRequest, course: CoursePage) -> HttpResponse:
    if redirect := _require_login(request):
        return redirect
    selectors.access_course(request.user, course)
    enrolment = selectors.enrolment_for(request.user, course)
    outline = selectors.course_outline(course, enrolment)
    return render(
        request,
        course.template,
        {
            "page": course,
            "self": course,
            "enrolment": enrolment,
            "outline": outline,
            "next_entry": outline.next_lesson(),
        },
    )


def module_detail(request: HttpRequest, module: ModulePage) -> HttpResponse:
    if redirect := _require_login(request):
        return redirect
    course, enrolment = selectors.course_for_page(request.user, module)
    outline = selectors.course_outline(course, enrolment)
    entry = next((m for m in outline.modules if m.module.pk == module.pk), None)
    return render(
        request,
        module.template,
        {"page": module, "self": module, "course": course, "entry": entry, "enrolment": enrolment},
    )


def lesson_detail(request: HttpRequest, lesson: LessonPage) -> HttpResponse:
    if redirect := _require_login(request):
        return redirect
    course, enrolment, slots = selectors.lesson_for_officer(request.user, lesson)
    if enrolment is None:
        messages.info(request, _("Enrol in the course to open its lessons."))
        return HttpResponseRedirect(course.url)
    outline = selectors.course_outline(course, enrolment)
    current = outline.entry(lesson)
    if current is not None and current.locked:
        messages.warning(
            request, _("Complete the earlier lessons first: this course is taken in order.")
        )
        target = outline.next_lesson()
        return HttpResponseRedirect(target.lesson.url if target else course.url)
    scorm = scorm_player.lesson_blocks(request, lesson)
    status = services.lesson_visit(
        actor=request.user,
        enrolment=enrolment,
        lesson=lesson,
        required_blocks={block_id for block_id, slot in slots.items() if slot.required}
        | {block_id for block_id, block in scorm.items() if block.slot.required},
    )
    if current is not None:
        current.status = status
    previous, following, number = outline.position(lesson)
    context = {
        "page": lesson,
        "self": lesson,
        "course": course,
        "enrolment": enrolment,
        "lesson_status": status,
        "outline": outline,
        "previous": previous,
        "following": following,
        "number": number,
        "total": len(outline.lessons),
        "body_html": _lesson_body_html(request, lesson, slots, scorm),
        "outline_html": _outline_html(request, course, lesson, outline, enrolment),
        "h5p_settings": _player_settings(request, lesson, slots) if slots else None,
        "h5p_messages_url": player_messages_url() if slots else None,
        "scorm_settings": scorm_player.page_settings(request, scorm) if scorm else None,
    }
    if scorm or len(get_messages(request)):
        # SCORM settings are each officer's own; messages show once: rendered in full.
        response = render(request, lesson.template, context)
    else:
        response = HttpResponse(lesson_shell.render_lesson(request, lesson, context))
    if slots or scorm:
        # The site's strict policy, which may frame the content origin where H5P plays.
        response._csp_config = h5p_player_module.page_policy(request)
    return response


def lesson_preview(request: HttpRequest, lesson: LessonPage) -> HttpResponse:
    """What authors see in Wagtail's preview: the lesson as written, activities named but
    not played (they play once the lesson is published)."""
    activity_ids = [
        raw["value"].get("activity") for raw in lesson.body.raw_data if raw["type"] == "h5p"
    ]
    titles = dict(
        selectors.h5p_activity_list_for_user(request.user)
        .filter(pk__in=[pk for pk in activity_ids if pk])
        .values_list("pk", "title")
    )
    items = _body_items(lesson, {})
    for item in items:
        if item["h5p"]:
            raw = next(r for r in lesson.body.raw_data if r["id"] == item["id"])
            item["title"] = titles.get(raw["value"].get("activity"), "")
    body_html = render_to_string(BODY_TEMPLATE, {"body": items, "preview": True})
    return render(
        request,
        lesson.template,
        {"page": lesson, "self": lesson, "preview": True, "body_html": body_html, "outline": None},
    )


BODY_TEMPLATE = "courses/components/lesson_body.html"
OUTLINE_TEMPLATE = "courses/components/outline.html"
BODY_CACHE_SECONDS = 5 * 60
"""Short enough that an image address signed by the object storage (an hour by default)
is always still valid when a cached body is served."""


def _fingerprint(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def _outline_html(
    request: HttpRequest,
    course: CoursePage,
    lesson: LessonPage,
    outline: selectors.Outline,
    enrolment: Enrolment | None,
) -> str:
    """The course outline beside a lesson, kept in the page cache by everything it shows:
    the course's pages (the generation), the current lesson, the language, and the
    officer's state of each lesson (so officers in the same state share it; it names
    nobody)."""
    state = tuple((entry.lesson.pk, entry.status, entry.locked) for entry in outline.lessons)
    site = getattr(request, "_wagtail_site", None)
    key = page_cache.key(
        "outline-html",
        course.pk,
        lesson.pk,
        site.pk if site else "",
        translation.get_language(),
        enrolment is not None,
        _fingerprint(state),
    )
    # Rendered with the request only as the page links' site (no context processors).
    return page_cache.remember(
        key,
        lambda: render_to_string(
            OUTLINE_TEMPLATE,
            {"outline": outline, "page": lesson, "enrolment": enrolment, "request": request},
        ),
        BODY_CACHE_SECONDS,
    )


def _frame_placeholder(block_id: str) -> str:
    return f"lms-h5p-frame-url-{block_id}"


def _lesson_body_html(
    request: HttpRequest,
    lesson: LessonPage,
    slots: dict[str, LessonActivity],
    scorm: dict[str, Any],
) -> SafeString:
    """The lesson's blocks as HTML, rendered once per lesson revision, language and H5P
    activities (their titles) and kept in the page cache (:mod:`lms.page_cache`); each
    request only puts in its own player addresses (tokens for this officer). Rendered
    without the request, so nothing of the officer can be kept. A lesson with SCORM
    blocks (whose blocks carry per-officer launch data) is rendered for each request."""
    if scorm:
        items = _body_items(lesson, slots, request=request, scorm=scorm)
        return render_to_string(BODY_TEMPLATE, {"body": items}, request=request)
    origin = content_origin_for(request)
    activities = tuple((block_id, slot.pk, slot.activity.title) for block_id, slot in slots.items())
    key = page_cache.key(
        "lesson-body",
        lesson.pk,
        lesson.live_revision_id,
        translation.get_language(),
        bool(origin),
        _fingerprint(activities),
    )
    html = cache.get(key)
    if html is None:
        items = _body_items(lesson, slots)
        for item in items:
            if item.get("slot") is not None and origin:
                item["frame_url"] = _frame_placeholder(item["id"])
        html = str(render_to_string(BODY_TEMPLATE, {"body": items}))
        cache.set(key, html, BODY_CACHE_SECONDS)
    for block_id, slot in slots.items():
        frame = h5p_player_module.frame_url(request, slot)
        if frame is not None:
            html = html.replace(_frame_placeholder(block_id), escape(frame))
    return mark_safe(html)  # noqa: S308  (rendered by the template above, addresses escaped)


def _body_items(
    lesson: LessonPage,
    slots: dict[str, LessonActivity],
    request: HttpRequest | None = None,
    scorm: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The lesson's blocks for the template. H5P blocks are described by their slot, so
    rendering them costs no query (the slot already carries the activity); with the
    request, each gets the address of its player frame on the content origin."""
    items: list[dict[str, Any]] = []
    for position, raw in enumerate(lesson.body.raw_data):
        if raw["type"] == "h5p":
            slot = slots.get(raw["id"])
            items.append(
                {
                    "h5p": True,
                    "id": raw["id"],
                    "required": bool(raw["value"].get("required")),
                    "slot": slot,
                    "title": slot.activity.title if slot is not None else "",
                    "frame_url": (
                        h5p_player_module.frame_url(request, slot)
                        if request is not None and slot is not None
                        else None
                    ),
                    "sandbox": h5p_player_module.SANDBOX,
                    "allow": h5p_player_module.FRAME_ALLOW,
                }
            )
        else:
            items.append(
                {
                    "h5p": False,
                    "block": lesson.body[position],
                    "scorm": (scorm or {}).get(raw["id"]) if raw["type"] == "scorm" else None,
                }
            )
    return items


def _player_settings(
    request: HttpRequest, lesson: LessonPage, slots: dict[str, LessonActivity]
) -> dict[str, Any]:
    """Settings for static/js/h5p-player.js: where to send what the player frames report,
    and what each frame gets when it starts (the saved state, preloaded: H5P needs it
    before the content starts, and the frame on the content origin has no session)."""
    return {
        "csrfToken": get_token(request),
        "contentOrigin": content_origin_for(request) or "",
        "xapiUrl": cached_reverse("courses:h5p_xapi", 0).replace("/0/", "/{id}/"),
        "stateUrl": cached_reverse("courses:h5p_state", 0, "t", "s").replace(
            "/0/t/s/", "/{id}/{dataType}/{subContentId}/"
        ),
        "readyTimeout": settings.LMS_H5P_READY_TIMEOUT_SECONDS,
        "storageKey": f"lms-h5p-pending-{request.user.pk}",
        "objectIri": public_url(lesson.url),
        # The name H5P shows ("by ..."); never the e-mail address: the statements' actor is
        # set by the server (courses/packages/h5p/xapi.py), the frame need not know it.
        "userName": request.user.get_full_name(),
        "language": translation.get_language(),
        "blocks": {
            block_id: {"id": str(slot.pk), "state": slot.saved_state}
            for block_id, slot in slots.items()
        },
    }


def player_messages() -> dict[str, Any]:
    """What the lesson page's player script shows, in the active language. Served as a
    script of its own (:func:`h5p_player_messages`), cached by the browser: the same for
    every lesson and officer, it need not travel with every page."""
    return {
        "loading": _("Loading the activity…"),
        "ready": _("Answer the activity; your result is saved automatically."),
        "completed": _("You have completed this activity. You can try it again."),
        "saving": _("Saving your result…"),
        "saved": _("Result saved."),
        "offline": _("No connection: your result will be sent when it returns."),
        "retrying": _("The server did not answer: trying again…"),
        "refused": _("Your result was not accepted: {reason}"),
        "error": _("This activity cannot be shown: {reason}"),
        "partly": _("Part of this activity cannot be shown: {reason}"),
        "reasons": {
            "missing_library": _(
                "a part of it ({library}) is missing on this site. Please tell your "
                "training manager."
            ),
            "missing_file": _(
                "a file it needs ({file}) is missing on this site. Please tell your "
                "training manager."
            ),
            "broken_library": _(
                "its content type ({library}) did not load: the library is missing or "
                "broken. Please tell your training manager."
            ),
            "script_error": _("it stopped with an error ({detail})."),
            "media_unreachable": _(
                "its media on {hosts} could not be loaded. Check your connection, then "
                "reload the page."
            ),
            "blocked_media": _("it loads media from {hosts}, which this platform does not allow."),
            "timeout": _("it did not load in time. Check your connection, then reload the page."),
            "load_failed": _(
                "it could not be loaded. Check your connection, then reload the page."
            ),
            "unavailable": _("this server has no address for activities configured."),
        },
    }


def player_messages_url() -> str:
    """The address of :func:`player_messages` in the active language, named by a hash of
    its text: a new translation is a new address, so the browser may keep it for a year."""
    language = translation.get_language()
    return cached_reverse(
        "courses:h5p_player_messages", language, _player_messages_version(language)
    )


@functools.cache
def _player_messages_version(language: str) -> str:
    with translation.override(language):
        text = json.dumps(player_messages(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@require_GET
def h5p_player_messages(request: HttpRequest, language: str, version: str) -> HttpResponse:
    """``window.lmsH5pMessages = {...}`` in ``language`` (public text, no session needed).
    The current version may be kept for a year; another (an old page) only briefly."""
    if not translation.check_for_language(language):
        raise Http404
    with translation.override(language):
        script = f"window.lmsH5pMessages = {json.dumps(player_messages())};\n"
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    if version == _player_messages_version(language):
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "public, max-age=300"
    return response


@login_required
@require_POST
def enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        services.enrolment_create(actor=request.user, course=course)
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You cannot enrol in this course."))
        return HttpResponseRedirect(course.url)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(course.url)
    messages.success(request, _("You are enrolled. Start with the first lesson."))
    return HttpResponseRedirect(course.url)


def catalogue_redirect(request: HttpRequest) -> HttpResponse:
    """The regional catalogue in the visitor's language."""
    index = (
        CourseIndexPage.objects.live()
        .filter(administration__isnull=True, locale=Locale.get_active())
        .first()
        or CourseIndexPage.objects.live().filter(administration__isnull=True).first()
    )
    if index is None:
        raise Http404
    return HttpResponseRedirect(index.url)


SEARCH_PAGE_SIZE = 10


@login_required
@require_GET
def search_results(request: HttpRequest) -> HttpResponse:
    """Courses, modules and lessons matching the words, in the reader's language, among
    the courses they may see; a clear message (never an error page) for bad input."""
    form = SearchForm(request.GET if "q" in request.GET else None)
    results = None
    if form.is_valid():
        query = form.cleaned_data["q"]
        documents = selectors.page_search_for_user(
            request.user, query=query, language=translation.get_language()
        )
        results = Paginator(documents, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        results.hits = search.search_hits(results.object_list, query)
    return render(request, "courses/search.html", {"form": form, "results": results})


@login_required
def my_learning(request: HttpRequest) -> HttpResponse:
    enrolments = list(selectors.enrolment_list_for_user(request.user))
    locale = Locale.get_active()
    rows = []
    for enrolment in enrolments:
        course = enrolment.course
        if course is not None and course.locale_id != locale.pk:
            course = course.get_translation_or_none(locale) or course
        rows.append((enrolment, course))
    return render(request, "courses/my_learning.html", {"rows": rows})


# --- H5P endpoints ----------------------------------------------------------------------


def _slot(request: HttpRequest, slot_id: int) -> LessonActivity:
    if not request.user.is_authenticated:
        raise PermissionDenied
    try:
        return LessonActivity.objects.get(pk=slot_id)
    except LessonActivity.DoesNotExist as error:
        raise Http404 from error


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"success": False, "message": message}, status=status)


MAX_JSON_DEPTH = 100
"""Nesting allowed in what the player sends (H5P's own documents stay far below)."""


def _json_depth(value: Any) -> int:
    """How deeply ``value`` nests (iteratively: no recursion on hostile input)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _unstorable_text(value: Any) -> bool:
    """Whether a string or key anywhere in ``value`` holds a NUL character or a lone
    surrogate (JSON escapes u0000, ud800): PostgreSQL stores neither."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return True
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: the browser's JSON.parse fails


def _load_json(raw: str | bytes, invalid: str) -> Any:
    """The JSON document the player sent; ValueError with the translated ``invalid``
    message when it is not JSON, or with its own message when it nests deeper than
    :data:`MAX_JSON_DEPTH` or holds text the database cannot store."""
    if isinstance(raw, str) and "\x00" in raw:
        raise ValueError(
            _("The data contains a character that is not allowed (NUL, or half of a pair).")
        )
    try:
        document = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise ValueError(_("The JSON document is nested too deeply.")) from error
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(invalid) from error
    if _json_depth(document) > MAX_JSON_DEPTH:
        raise ValueError(_("The JSON document is nested too deeply."))
    if _unstorable_text(document):
        raise ValueError(
            _("The data contains a character that is not allowed (NUL, or half of a pair).")
        )
    return document


@require_POST
def h5p_xapi(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Record one xAPI statement of an H5P activity for the signed-in officer: validated,
    stored whole with the officer as its actor, deduplicated by its id. Answers
    ``{"success", "stored", "id", "completed"}`` (``duplicate`` for a repeat, ``scaled`` for
    a main-content score); 400 with ``problems`` when the statement breaks xAPI's rules,
    409 when its id is taken, 404 outside the officer's courses."""
    from .models import Enrolment

    if not request.user.is_authenticated:
        return _json_error(_("Sign in first."), status=403)
    if int(request.META.get("CONTENT_LENGTH") or 0) > services.MAX_STATEMENT_BYTES:
        return _json_error(_("The statement is too large."), status=413)
    # One query: the slot with its content type, only in a course the officer is enrolled in
    # (another administration's slot and a missing one get the same 404).
    slot = (
        LessonActivity.objects.select_related("activity__main_library")
        .filter(
            pk=slot_id,
            course_key__in=Enrolment.objects.filter(user=request.user).values("course_key"),
        )
        .first()
    )
    if slot is None:
        raise Http404
    try:
        statement = _load_json(request.body, _("The statement is not valid JSON."))
    except ValueError as error:
        return _json_error(str(error))
    try:
        outcome = services.h5p_statement_record(actor=request.user, slot=slot, statement=statement)
    except services.StatementRefused as error:
        return JsonResponse(
            {
                "success": False,
                "message": " ".join(error.messages),
                "problems": [
                    {"code": problem.code, "path": problem.path, "message": message}
                    for problem, message in zip(error.problems, error.messages, strict=True)
                ],
            },
            status=400,
        )
    except services.StatementConflict as error:
        return _json_error(str(error), status=409)
    answer: dict[str, Any] = {
        "success": True,
        "stored": outcome.stored,
        "id": str(outcome.statement.statement_id),
        "completed": outcome.completed,
    }
    if not outcome.stored:
        answer["duplicate"] = True
    if outcome.scaled is not None:
        answer["scaled"] = outcome.scaled
    return JsonResponse(answer)


@require_http_methods(["GET", "POST"])
def h5p_state(
    request: HttpRequest, slot_id: int, data_type: str, sub_content_id: str
) -> HttpResponse:
    """H5P core's content-user-data contract: GET answers {"success", "data"}; POST takes
    form-encoded data=<json>&preload=1&invalidate=1, and data=0 deletes."""
    if not request.user.is_authenticated:
        return _json_error(_("Sign in first."), status=403)
    if len(data_type) > 64 or len(sub_content_id) > 64:
        return _json_error(_("Unknown data."))
    sub_content_id = "" if sub_content_id in ("0", "undefined", "null") else sub_content_id
    slot = _slot(request, slot_id)
    if request.method == "GET":
        data = services.h5p_state_get(
            actor=request.user, slot=slot, data_type=data_type, sub_content_id=sub_content_id
        )
        return JsonResponse({"success": True, "data": data if data is not None else False})
    if int(request.META.get("CONTENT_LENGTH") or 0) > services.MAX_STATE_BYTES + 1024:
        return _json_error(_("The saved state is too large."), status=413)
    raw = request.POST.get("data")
    if raw is None:
        return _json_error(_("Nothing to save."))
    if raw != "0":
        try:
            _load_json(raw, _("The saved state is not valid JSON."))
        except ValueError as error:
            return _json_error(str(error))
    try:
        services.h5p_state_save(
            actor=request.user,
            slot=slot,
            data_type=data_type,
            sub_content_id=sub_content_id,
            data=None if raw == "0" else raw,
            preload=request.POST.get("preload") == "1",
        )
    except ValidationError as error:
        return _json_error(" ".join(error.messages), status=413)
    return JsonResponse({"success": True})


def _file_response(name: str | None, *, max_age: int, public: bool = False) -> HttpResponse:
    if name is None:
        raise Http404
    try:
        handle = default_storage.open(name)
    except (OSError, ValueError) as error:  # ValueError: a name no storage accepts
        raise Http404 from error
    response = FileResponse(handle)
    response["Cache-Control"] = f"{'public' if public else 'private'}, max-age={max_age}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- H5P on the content origin (lms/content_urls.py; never on the site's origin) ------------


@require_GET
@xframe_options_exempt  # framed by the lesson page only: the policy's frame-ancestors says so
def h5p_player(request: HttpRequest, token: str) -> HttpResponse:
    """The player shell of one lesson block: h5p-standalone under the frame's policy."""
    access = h5p_player_module.access_slot(token)
    allowed = ExternalMediaHost.allowed()
    # Rendered without the request: none of the site's context (navigation, user) is there.
    response = HttpResponse(
        render_to_string(
            "courses/player/h5p.html",
            {
                "settings": h5p_player_module.shell_settings(token, access, allowed),
                "title": access.title,
            },
        )
    )
    response._csp_config = h5p_player_module.frame_policy(
        main_origin=access.grant.main_origin, hosts=allowed
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def h5p_content_file(
    request: HttpRequest, token: str, activity_uuid: Any, path: str
) -> HttpResponse:
    """A file of the activity's content folder, for the holder of a token of that activity."""
    access = h5p_player_module.access_slot(token)
    if access.activity_uuid != str(activity_uuid):
        raise Http404
    activity = H5PActivity(uuid=activity_uuid)  # only its storage prefix is needed
    return _file_response(storage_path_for_content(activity, path), max_age=3600)


@require_GET
def h5p_library_file(
    request: HttpRequest, folder: str, path: str, revision: str | None = None
) -> HttpResponse:
    """A file of the current patch of an installed library (``folder`` is the
    ``Machine.Name-major.minor`` the player asks for): shared code, not learner data, so
    public on the content origin. Under the current libraries revision (the player's
    ``librariesPath``) the browser caches it for a day: an upgrade or a rollback changes
    the revision, hence the address. Without it, or under an old revision, only briefly."""
    stored = library_storage_folder(folder)
    if stored is None:
        raise Http404
    max_age = 86400 if revision is not None and revision == libraries_revision() else 300
    return _file_response(storage_path_for_library(stored, path), max_age=max_age, public=True)
