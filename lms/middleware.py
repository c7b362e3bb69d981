"""Cross-cutting middleware of the platform shell."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware as DjangoCSPMiddleware
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


class ContentSecurityPolicyMiddleware(DjangoCSPMiddleware):
    """Django's CSP middleware, with the admin policy for the Wagtail and Django admins.

    The public site runs under ``SECURE_CSP`` (scripts by nonce only). The admins ship
    inline scripts and styles of their own, so paths under ``LMS_ADMIN_PATH_PREFIXES`` get
    ``LMS_ADMIN_CSP``, which still allows nothing outside this origin.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not hasattr(response, "_csp_config") and request.path.startswith(
            tuple(settings.LMS_ADMIN_PATH_PREFIXES)
        ):
            response._csp_config = settings.LMS_ADMIN_CSP
        return super().process_response(request, response)


# --- request limits ---------------------------------------------------------------------

MULTIPART_SLACK = 1024 * 1024
"""Room for the form fields and boundaries around an uploaded file, and so that a file a
little over its limit reaches the page, which explains the limit in its own words."""


@dataclass(frozen=True)
class BodyLimit:
    """The largest body accepted at the addresses ``pattern`` matches, and how a refusal
    is written: ``html`` (a page), ``api`` (``{"detail": ...}``) or ``h5p`` (H5P's
    ``{"success": false, "message": ...}``)."""

    pattern: str
    max_bytes: int
    answer: str = "html"

    def matches(self, path: str) -> bool:
        return re.match(self.pattern, path) is not None


def body_limits() -> tuple[BodyLimit, ...]:
    """Every address's body limit, first match wins (read on each request, so that the
    settings can change in tests). Uploads allowed to be large get their own line."""
    from courses.packages.h5p.policy import PolicyLimits
    from courses.services import MAX_STATE_BYTES, MAX_STATEMENT_BYTES

    images = getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024)
    return (
        BodyLimit(r"/h5p/xapi/", MAX_STATEMENT_BYTES, "h5p"),
        BodyLimit(r"/h5p/state/", MAX_STATE_BYTES + 1024, "h5p"),
        BodyLimit(r"/api/", settings.LMS_API_REQUEST_MAX_BYTES, "api"),
        # Officer imports (upload form): the import's own limit, plus the form around it.
        BodyLimit(
            r"/administrations/[^/]+/imports/$", settings.LMS_IMPORT_MAX_BYTES + MULTIPART_SLACK
        ),
        # Question-bank imports (the admin's upload): LMS_QUESTION_IMPORT_MAX_BYTES.
        BodyLimit(
            r"/cms/banks/[0-9]+/import/$",
            settings.LMS_QUESTION_IMPORT_MAX_BYTES + MULTIPART_SLACK,
        ),
        # A file attached to an essay answer: LMS_ESSAY_FILE_MAX_BYTES.
        BodyLimit(r"/attempts/[0-9]+/files/$", settings.LMS_ESSAY_FILE_MAX_BYTES + MULTIPART_SLACK),
        # H5P packages (the Wagtail admin's upload): the package policy's limit.
        BodyLimit(
            r"/cms/snippets/courses/h5pactivity/",
            PolicyLimits().max_package_bytes + MULTIPART_SLACK,
        ),
        # SCORM packages (the Wagtail admin's upload): LMS_SCORM_MAX_PACKAGE_BYTES.
        BodyLimit(
            r"/cms/snippets/scorm/scormpackage/",
            settings.LMS_SCORM_MAX_PACKAGE_BYTES + MULTIPART_SLACK,
        ),
        BodyLimit(r"/cms/documents/", settings.LMS_DOCUMENT_MAX_BYTES + MULTIPART_SLACK),
        BodyLimit(r"/cms/images/", images + MULTIPART_SLACK),
        # The rest of the admins: page editor, redirects...
        BodyLimit(r"/(cms|django-admin)/", settings.LMS_ADMIN_REQUEST_MAX_BYTES),
        BodyLimit(r"/", settings.LMS_REQUEST_MAX_BYTES),
    )


def body_limit_for(path: str) -> BodyLimit:
    return next(limit for limit in body_limits() if limit.matches(path))


class RequestLimitsMiddleware:
    """Refuses, before any view, form or parser reads the request:

    - a body larger than the limit of its address (:func:`body_limits`): 413, judged by
      the ``Content-Length`` header and, when the server buffered the body (ASGI), by its
      actual size; a malformed ``Content-Length`` is a 400. Under WSGI Django never reads
      more than ``Content-Length`` announces, so the header bounds the body;
    - a NUL character in the path or the query string (``%00``): 400. Nothing here needs
      one, file storage and PostgreSQL refuse it with errors that would be 500s.

    The message is translated (it runs after the language is chosen) and written the
    way the address answers: JSON for the API and the H5P endpoints, and for any request
    that sends or asks for JSON; a page otherwise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if "\x00" in path or _has_nul(request.META.get("QUERY_STRING", "")):
            return _refusal(
                request,
                body_limit_for(path),
                400,
                _("The address contains a character that is not allowed (NUL)."),
            )
        limit = body_limit_for(path)
        raw_length = request.META.get("CONTENT_LENGTH") or ""
        length = 0
        if raw_length.strip():
            if not raw_length.strip().isdigit():
                return _refusal(
                    request, limit, 400, _("The Content-Length header of the request is not valid.")
                )
            length = int(raw_length)
        length = max(length, _buffered_size(request))
        if length > settings.LMS_REQUEST_MAX_BYTES and not _may_send_large(request, path):
            # Large bodies only from people who may upload there: an anonymous client (or
            # an officer posting to the admin) would otherwise have its body parsed (the
            # CSRF check reads forms) before the sign-in redirect refuses it.
            limit = BodyLimit(limit.pattern, settings.LMS_REQUEST_MAX_BYTES, limit.answer)
        if length > limit.max_bytes:
            return _refusal(
                request,
                limit,
                413,
                _("The request is too large. At most %(size)s can be sent here.")
                % {"size": filesizeformat(limit.max_bytes)},
            )
        return self.get_response(request)


def _may_send_large(request: HttpRequest, path: str) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if path.startswith(("/cms/", "/django-admin/")):
        return user.has_perm("wagtailadmin.access_admin")
    return True


def _has_nul(query_string: str) -> bool:
    return "\x00" in query_string or "%00" in query_string


def _buffered_size(request: HttpRequest) -> int:
    """The size of a body the server already buffered (ASGI spools it to a seekable
    file; Content-Length may be absent or understated there). 0 otherwise."""
    stream = getattr(request, "_stream", None)
    try:
        if stream is None or not stream.seekable():
            return 0
        position = stream.tell()
        size = stream.seek(0, os.SEEK_END)
        stream.seek(position)
    except (OSError, ValueError, AttributeError):
        return 0
    return size


def _wants_json(request: HttpRequest) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "")
    accept = request.META.get("HTTP_ACCEPT", "")
    return "json" in content_type.lower() or (
        "application/json" in accept and "text/html" not in accept
    )


def _refusal(request: HttpRequest, limit: BodyLimit, status: int, message: str) -> HttpResponse:
    if limit.answer == "h5p":
        return JsonResponse({"success": False, "message": message}, status=status)
    if limit.answer == "api" or _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "request_refused.html", {"message": message}, status=status)
