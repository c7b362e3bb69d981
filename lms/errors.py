"""The site's error answers: 400, 403, 404 and 500 (the root URLconf's handlers) and the
CSRF failure (``CSRF_FAILURE_VIEW``).

Each is written the way its address answers (the rule of :mod:`lms.middleware`'s
refusals): JSON ``{"detail": ...}`` under /api/ and for requests that send or ask for
JSON, H5P's ``{"success": false, "message": ...}`` at the H5P endpoints, plain text on the
content origin (:mod:`lms.content_origin`: no page of the site is ever served there), and
a branded page otherwise, in the language the middleware activated (the officer's
preferred language, else the language cookie or the browser's).

The pages say nothing about the request beyond its status: no exception text, no path
lookup, no settings. The 404 page reads the same for an address that does not exist and
for one that belongs to another administration. The 500 page is rendered without the
request (no context processor, so no database query) and, should even that fail, falls
back to a fixed page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger("lms.errors")

FALLBACK_500 = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    b"<title>Server error</title></head><body><h1>Server error</h1>"
    b"<p>The page could not be shown. Try again in a few minutes.</p>"
    b'<p><a href="/">Home page</a></p></body></html>\n'
)
"""The 500 page when 500.html itself cannot be rendered (missing static manifest...)."""


def _answer(request: HttpRequest) -> str:
    """``content``, ``api``, ``h5p`` or ``html``: how this request's errors are written."""
    if getattr(request, "is_content_origin", False):
        return "content"
    try:
        from lms.middleware import _wants_json, body_limit_for

        answer = body_limit_for(request.path_info).answer
        if answer == "html" and _wants_json(request):
            return "api"
    except Exception:  # the 500 handler must answer whatever is broken
        logger.exception("Could not tell how %s answers errors", request.path_info)
        return "api" if request.path_info.startswith("/api/") else "html"
    return answer


def _choose_language(request: HttpRequest) -> None:
    """For an error raised before LocaleMiddleware ran (a host that is not allowed), the
    language it would have chosen (cookie, Accept-Language), not the previous request's."""
    if not hasattr(request, "LANGUAGE_CODE"):
        translation.activate(translation.get_language_from_request(request))


def _non_page(request: HttpRequest, status: int, message: str) -> HttpResponse | None:
    """The answer for the API, the H5P endpoints and the content origin; None for a page."""
    _choose_language(request)
    answer = _answer(request)
    if answer == "api":
        return JsonResponse({"detail": message}, status=status)
    if answer == "h5p":
        return JsonResponse({"success": False, "message": message}, status=status)
    if answer == "content":
        return HttpResponse(
            f"{message}\n".encode(), status=status, content_type="text/plain; charset=utf-8"
        )
    return None


def _page(request: HttpRequest, template: str, status: int, **context: Any) -> HttpResponse:
    response = render(request, template, {"status_code": status, **context}, status=status)
    # Never cached by a shared cache: the page carries the visitor's language and menu.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: SuspiciousOperation, BadRequest, an unreadable body."""
    return _non_page(request, 400, _("The request could not be understood.")) or _page(
        request, "400.html", 400
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: PermissionDenied. The exception's text is not shown."""
    return _non_page(
        request, 403, _("You do not have permission to perform this action.")
    ) or _page(request, "403.html", 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: the same page for a missing address and for one the visitor may not
    see (another administration's), so that it tells neither apart."""
    if request.path_info.startswith("/api/"):
        message = _("No API endpoint has this address.")
    else:
        message = _("Not found.")
    return _non_page(request, 404, message) or _page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: 500.html rendered without the request (no context processor, no
    database query), in the language already active."""
    try:
        other = _non_page(request, 500, _("A server error occurred."))
        if other is not None:
            return other
        body = loader.get_template("500.html").render({"status_code": 500})
    except Exception:
        logger.exception("Could not render the 500 page")
        body = FALLBACK_500
    response = HttpResponse(body, status=500)
    response["Cache-Control"] = "no-store"
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the form was sent without a valid token (the page was open
    too long, the session changed in another tab, or the browser refuses cookies). The
    reason is logged by Django, never shown."""
    other = _non_page(request, 403, _("The form has expired. Reload the page and send it again."))
    if other is not None:
        return other
    referer = request.META.get("HTTP_REFERER", "")
    back_url = (
        referer
        if referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    return _page(request, "403_csrf.html", 403, back_url=back_url)
