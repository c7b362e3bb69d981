"""The signed-in lesson page, rendered once for everyone in the same situation and kept in
the page cache (:mod:`lms.page_cache`) with holes for what is each officer's own.

Rendering the page template (the site's header, navigation and footer around the lesson)
was most of the lesson page's time, although almost nothing of it differs between two
officers. So the page is rendered *without* the officer: with a stand-in request that
carries only the path and the site (no user, no session, no cookies), a stand-in viewer
whose name is a marker, and markers for the CSRF token, the address with its query, the
player settings, the lesson body and the outline. Each request then fills the holes in
one pass over the cached text. Nothing of an officer can be kept: the template never sees
one.

The key holds everything else the page shows: the page tree's generation (a revision
published, a translation, a move, a view restriction: :mod:`lms.page_cache`), the
templates' own text (a deploy with changed templates never reads older entries), the
lesson, site, path and language, the navigation the viewer's roles give, the site
settings, the lesson's position, previous and next lessons, the officer's status of the
lesson and percentage of the course (states shared by many officers, naming none), and
whether the page plays H5P. The lesson body and the outline are cached on their own
(:func:`courses.views._lesson_body_html`, :func:`courses.views._outline_html`).

Permission checks are not cached: the view checks who may see the lesson on every request
before it gets here. A page with messages to show (they show once) or with SCORM blocks
(their settings are the officer's) is rendered in full.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.html import escape, json_script
from django.utils.safestring import SafeString, mark_safe

from lms import page_cache
from lms.accounts.context_processors import navigation_for
from lms.home.models import SiteSettings

from .models import LessonPage

SHELL_SECONDS = 5 * 60
#: The templates a lesson page is made of: their text is part of the key.
TEMPLATES = ("base.html", "courses/lesson_page.html", "courses/components/progress.html")

# Markers for the holes: private-use characters, which HTML escaping leaves alone and no
# lesson is written with. The same in every process (entries are shared through Redis).
_MARK = "\ue000{}\ue000"
_HOLES = re.compile("\ue000(csrf|path|name|settings|body|outline)\ue000")
CSRF, FULL_PATH, NAME, SETTINGS, BODY, OUTLINE = (
    _MARK.format(name) for name in ("csrf", "path", "name", "settings", "body", "outline")
)
_SETTINGS_ID = "h5p-settings"
_INDENTATION = re.compile(r"\n\s+")


class _Viewer:
    """Stands for the signed-in officer while the shell is rendered: signed in, named by
    a marker."""

    is_authenticated = True
    is_anonymous = False

    def get_full_name(self) -> str:
        return NAME


def _shell_request(request: HttpRequest) -> HttpRequest:
    """A request with only what the shell may depend on: the path (the navigation marks
    the current page) and the site (page links are relative to it)."""
    shell = HttpRequest()
    shell.path = shell.path_info = request.path
    shell.META = {"SERVER_NAME": request.get_host(), "SERVER_PORT": request.get_port()}
    shell._wagtail_site = getattr(request, "_wagtail_site", None)  # type: ignore[attr-defined]
    shell.get_full_path = lambda: FULL_PATH  # type: ignore[method-assign]
    return shell


@functools.cache
def templates_version() -> str:
    """A digest of the templates' text, computed once per process."""
    digest = hashlib.sha256()
    for name in TEMPLATES:
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()[:16]


def _fingerprint(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def _render_shell(
    request: HttpRequest,
    lesson: LessonPage,
    context: dict[str, Any],
    nav_items: list[Any],
    site_settings: SiteSettings,
) -> str:
    """The page with markers for the holes, rendered without the request's user, session
    or cookies (no context processors run: what base.html reads is given here)."""
    html = render_to_string(
        lesson.template,
        {
            **context,
            "body_html": mark_safe(BODY),  # noqa: S308  (a marker)
            "outline_html": mark_safe(OUTLINE),  # noqa: S308  (a marker)
            "h5p_settings": SETTINGS if context["h5p_settings"] else None,
            "scorm_settings": None,
            "request": _shell_request(request),
            "user": _Viewer(),
            "nav_items": nav_items,
            "settings": {"home": {"SiteSettings": site_settings}},
            "messages": (),
            "csrf_token": CSRF,
        },
    )
    # The settings marker went through json_script: its whole element becomes the hole.
    html = str(html).replace(json_script(SETTINGS, _SETTINGS_ID), SETTINGS)
    # Indentation and blank lines cost bytes on every view and mean nothing here (the
    # shell has no <pre> or <textarea>; the body, which may, is a hole filled later).
    return _INDENTATION.sub("\n", html)


def render_lesson(request: HttpRequest, lesson: LessonPage, context: dict[str, Any]) -> str:
    """The lesson page's HTML for this request: the shell from the page cache (rendered
    when missing) with this officer's holes filled. ``context`` is what the view would
    give the template."""
    user = request.user
    nav_items = navigation_for(user)
    site = getattr(request, "_wagtail_site", None)
    site_settings = SiteSettings.for_request(request)
    previous, following = context["previous"], context["following"]
    enrolment = context["enrolment"]
    shown = (
        [(item.key, str(item.label), item.url) for item in nav_items],
        (site_settings.platform_name, site_settings.support_email, site_settings.footer_text),
        context["course"].pk,
        context["number"],
        context["total"],
        previous.lesson.pk if previous else None,
        following.lesson.pk if following else None,
        context["lesson_status"],
        enrolment.percent_complete if enrolment is not None else None,
        bool(context["h5p_settings"]),
        context["h5p_messages_url"],
    )
    key = page_cache.key(
        "lesson-page",
        templates_version(),
        lesson.pk,
        site.pk if site else "",
        _fingerprint(request.path),
        translation.get_language(),
        _fingerprint(shown),
    )
    shell = page_cache.remember(
        key,
        lambda: _render_shell(request, lesson, context, nav_items, site_settings),
        SHELL_SECONDS,
    )
    holes = {
        # One token for the page's forms and its player (the same value compresses).
        "csrf": (context["h5p_settings"] or {}).get("csrfToken") or get_token(request),
        "path": escape(request.get_full_path()),
        "name": escape(user.get_full_name()),
        "body": context["body_html"],
        "outline": context["outline_html"],
    }
    if context["h5p_settings"]:
        holes["settings"] = json_script(context["h5p_settings"], _SETTINGS_ID)
    return SafeString(_HOLES.sub(lambda match: holes[match.group(1)], shell))
