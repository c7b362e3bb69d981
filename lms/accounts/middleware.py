"""Activate the signed-in user's preferred language and time zone; keep shared caches away
from what signed-in people receive."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control

from .timezones import zone_name_for


class UserLanguageMiddleware:
    """After authentication: a signed-in user's preferred language wins over the cookie
    and the browser's Accept-Language (which LocaleMiddleware used for anonymous visitors).
    The Wagtail admin keeps its own per-user language setting."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/cms/"):
            language = user.preferred_language
            if language and translation.check_for_language(language):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """After authentication: every request runs in the viewer's time zone (their own
    choice, else their administration's, else ``settings.TIME_ZONE``; see
    :func:`lms.accounts.timezones.zone_name_for`), so ``|date`` and ``localtime`` show local
    times. Stored times stay UTC. The zone is set for this request only (a thread serves
    others next). The Wagtail admin keeps its own per-user time zone setting; API
    token requests authenticate later (in DRF) and answer in UTC with an offset."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with timezone.override(zone_name_for(getattr(request, "user", None))):
            return self.get_response(request)


class PrivateResponsesMiddleware:
    """Every response to a signed-in request that says nothing of caching gets
    ``Cache-Control: private, no-store``: a shared cache or CDN that ignores
    ``Vary: Cookie`` (many do, and several cache ``.pdf`` by default) must never keep one
    officer's page or document for another. Responses that chose their own caching (a
    hotspot image: private for a day) keep it; anonymous pages are left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
