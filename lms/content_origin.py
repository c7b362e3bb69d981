"""The content origin: a second host name of this same Django app, used only for package
content (H5P today) and the players' shells, never for the officer's pages.

Why: package JavaScript (H5P libraries, SCORM courses) is code the platform did not
write. It must never run on the officer's page origin, where the session cookie and the
site's pages are. So it runs in a sandboxed frame whose origin is the content origin:

- ``LMS_CONTENT_ORIGIN`` (for example ``https://content.training.example``) names it; the
  deploy check requires it in production. When it is not set (development, tests), it is
  derived from the request: the same scheme and port, with ``localhost`` for a site opened
  at ``127.0.0.1`` (or ``[::1]``). ``make run`` serves the site at http://127.0.0.1:8000 and
  content at http://localhost:8000; pytest-django's live server on 127.0.0.1:<port> uses
  http://localhost:<port>. Cookies are host-only, so the site's session and CSRF cookies
  are never sent there (production: ``__Host-`` cookies on the site's host).
- :class:`ContentOriginMiddleware` gives requests to that host their own URLconf
  (``LMS_CONTENT_URLCONF``, :mod:`lms.content_urls`): only the content routes resolve
  there, everything else is 404; static files are limited to the players' own
  (``LMS_CONTENT_STATIC_PREFIXES``). It drops any cookie a browser sends there (so no
  session can exist on the content origin), sets none, never redirects, sends no
  ``Referer`` onwards, and gives every response a closed policy unless the view set its
  own (the player shells do: see ``courses.packages.h5p.player``).
- Files there are authorised without cookies by a signed, expiring token in the URL path
  (:func:`content_token_mint`): the officer's id, the scope (``h5p:<slot id>``) and the
  origin of the page that minted it (the only page allowed to frame the shell and to talk
  with it). The token's time is rounded down to ``LMS_CONTENT_TOKEN_BUCKET`` seconds, so a
  page reloaded within that time asks for the same URLs and the browser's cache serves
  them again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.checks import Error, Tags, register
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils.csp import CSP

DERIVED_CONTENT_HOST = "localhost"
"""In development and tests, the content origin's host (the site is at 127.0.0.1)."""
LOCAL_SITE_HOSTS = frozenset({"127.0.0.1", "[::1]"})
"""Hosts of a local site whose content origin is derived (``localhost``)."""

CLOSED_POLICY = {
    "default-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
}
"""Every response of the content origin that sets no policy of its own (package files,
static files, refusals): nothing runs, nothing frames it."""

TOKEN_SALT = "lms.content-origin.token"


def _split_host(host: str) -> tuple[str, str]:
    """(host name, port) of a Host header value; the port is '' when absent."""
    host = host.lower()
    if host.startswith("["):  # IPv6 literal
        name, _bracket, rest = host.partition("]")
        return name + "]", rest.removeprefix(":")
    name, _colon, port = host.partition(":")
    return name, port


def _default_port(scheme: str) -> str:
    return {"http": "80", "https": "443"}.get(scheme, "")


def configured_origin() -> str:
    """``LMS_CONTENT_ORIGIN`` without a trailing slash ('' when not set)."""
    return (getattr(settings, "LMS_CONTENT_ORIGIN", "") or "").strip().rstrip("/")


def main_origin_of(request: HttpRequest) -> str:
    """The origin the request was made to (``scheme://host[:port]``)."""
    return f"{request.scheme}://{request.get_host()}"


def content_origin_for(request: HttpRequest) -> str | None:
    """The content origin to use for a page of the site, or None when there is none
    (not configured, and the site is not opened at a local address it can be derived
    from)."""
    configured = configured_origin()
    if configured:
        return configured
    name, port = _split_host(request.get_host())
    if name not in LOCAL_SITE_HOSTS:
        return None
    return f"{request.scheme}://{DERIVED_CONTENT_HOST}" + (f":{port}" if port else "")


def is_content_request(request: HttpRequest) -> bool:
    """Whether the request was made to the content origin's host."""
    name, port = _split_host(request.get_host())
    configured = configured_origin()
    if not configured:
        return name == DERIVED_CONTENT_HOST
    parts = urlsplit(configured)
    expected_port = str(parts.port) if parts.port else _default_port(parts.scheme)
    return name == (parts.hostname or "") and (port or _default_port(parts.scheme)) == (
        expected_port
    )


# --- tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContentGrant:
    """What a valid token says: who the page was for, what it may load, and the origin
    of the page that embeds it."""

    user_id: int
    scope: str
    main_origin: str
    issued_at: int


class ContentTokenRefused(Exception):
    """The token is forged, damaged or expired (``expired`` tells which)."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT)


def content_token_mint(
    *, user_id: int, scope: str, main_origin: str, now: float | None = None
) -> str:
    """A token for the URL path of the content origin (letters, digits, ``-_:``)."""
    bucket = max(1, int(settings.LMS_CONTENT_TOKEN_BUCKET))
    issued = int((time.time() if now is None else now) // bucket * bucket)
    payload = {"u": int(user_id), "s": scope, "o": main_origin, "t": issued}
    return _signer().sign_object(payload)


def content_token_read(token: str, *, now: float | None = None) -> ContentGrant:
    """The grant a token carries, or :class:`ContentTokenRefused`."""
    try:
        payload = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError) as error:
        raise ContentTokenRefused() from error
    if not isinstance(payload, dict):
        raise ContentTokenRefused()
    user_id, scope, origin, issued = (payload.get(key) for key in ("u", "s", "o", "t"))
    if not (
        isinstance(user_id, int)
        and isinstance(scope, str)
        and isinstance(origin, str)
        and isinstance(issued, int)
    ):
        raise ContentTokenRefused()
    current = time.time() if now is None else now
    if current - issued > settings.LMS_CONTENT_TOKEN_MAX_AGE or issued > current + 60:
        raise ContentTokenRefused(expired=True)
    return ContentGrant(user_id=user_id, scope=scope, main_origin=origin, issued_at=issued)


# --- the middleware -------------------------------------------------------------------------


def _static_allowed(path: str) -> bool:
    relative = path[len(settings.STATIC_URL) :]
    return relative.startswith(tuple(settings.LMS_CONTENT_STATIC_PREFIXES)) and ".." not in path


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The content origin's 404 (its URLconf's ``handler404``): plain text, no page."""
    return HttpResponseNotFound(
        b"Not found. This address serves learning content only (LMS_CONTENT_ORIGIN).\n",
        content_type="text/plain; charset=utf-8",
    )


class ContentOriginMiddleware:
    """Requests to the content origin reach the content routes only, without cookies.

    Placed after Django's CSP middleware (so that the policy it sets is applied) and
    before WhiteNoise (so that only the players' static files are served there) and
    before the session middleware (which then never sees a cookie there).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Wagtail's previews run the middleware on a request it makes up, addressed to the
        # page's site (the demo site's hostname may be localhost): never a content request.
        if getattr(request, "is_dummy", False) or not is_content_request(request):
            return self.get_response(request)
        # No session, no CSRF cookie, no language cookie: whatever a browser sends here
        # (a cookie some other app set for a parent domain, say) is not read.
        request.META.pop("HTTP_COOKIE", None)
        request.COOKIES = {}
        request.urlconf = settings.LMS_CONTENT_URLCONF
        request.is_content_origin = True  # type: ignore[attr-defined]
        if request.path_info.startswith(settings.STATIC_URL) and not _static_allowed(
            request.path_info
        ):
            response: HttpResponse = not_found(request)
        else:
            response = self.get_response(request)
        return self._seal(response)

    @staticmethod
    def _seal(response: HttpResponse) -> HttpResponse:
        if 300 <= response.status_code < 400:
            response = not_found(None)  # type: ignore[arg-type]  # the content origin never redirects
        response.cookies.clear()
        if not hasattr(response, "_csp_config"):
            response._csp_config = CLOSED_POLICY  # type: ignore[attr-defined]
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


# --- system checks ---------------------------------------------------------------------------


def _origin_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "it must be an origin such as https://content.training.example"
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return "it must be an origin only: no path, query, fragment or user"
    return None


@register(Tags.security)
def check_content_origin(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """A set ``LMS_CONTENT_ORIGIN`` must be an origin, and not the site's own."""
    value = configured_origin()
    if not value:
        return []
    problem = _origin_problem(value)
    if problem:
        return [Error(f"LMS_CONTENT_ORIGIN={value!r} is not valid: {problem}.", id="lms.E101")]
    content_host = urlsplit(value).hostname
    site_host = urlsplit(getattr(settings, "LMS_PUBLIC_URL", "") or "").hostname
    if content_host and content_host == site_host:
        return [
            Error(
                "LMS_CONTENT_ORIGIN names the site's own host: package content would run on "
                "the officer's page origin.",
                hint="Use a host name of its own, e.g. content.training.example.",
                id="lms.E102",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_content_origin_deploy(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """In production the content origin is configured, on HTTPS, and no cookie of the
    site is shared with it."""
    errors = []
    value = configured_origin()
    if not value:
        errors.append(
            Error(
                "LMS_CONTENT_ORIGIN is not set.",
                hint=(
                    "Set it to the origin that serves H5P and other package content, a host "
                    "name of its own pointing at the same application (for example "
                    "https://content.training.example): package code never runs on the "
                    "officer's page origin."
                ),
                id="lms.E103",
            )
        )
    elif urlsplit(value).scheme != "https":
        errors.append(Error("LMS_CONTENT_ORIGIN must use https in production.", id="lms.E104"))
    for name in ("SESSION_COOKIE_DOMAIN", "CSRF_COOKIE_DOMAIN", "LANGUAGE_COOKIE_DOMAIN"):
        if getattr(settings, name, None):
            errors.append(
                Error(
                    f"{name} is set: the cookie would be sent to the content origin too.",
                    hint="Leave it unset: host-only cookies stay on the site's host.",
                    id="lms.E105",
                )
            )
    return errors
