"""Activate the signed-in user's preferred language and time zone; keep shared caches away
from what signed-in people receive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.functional import empty

from . import preferences
from .timezones import zone_name_for

#: Where the Wagtail admin is served (``lms/urls.py``).
ADMIN_PREFIX = "/cms/"


class UserLanguageMiddleware:
    """After authentication: a signed-in user's preferred language wins over the cookie
    and the browser's Accept-Language (which LocaleMiddleware used for anonymous visitors).
    The Wagtail admin keeps its own per-user language setting. The preference is read
    through :mod:`lms.accounts.preferences`, without loading the user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(ADMIN_PREFIX) and (
            viewer := preferences.for_request(request)
        ):
            language = viewer.language
            if language and translation.check_for_language(language):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """After authentication: every request runs in the viewer's time zone (their own
    choice, else their administration's, else ``settings.TIME_ZONE``; see
    :func:`lms.accounts.timezones.zone_name_for`), so ``|date`` and ``localtime`` show local
    times. Stored times stay UTC. The zone is set for this request only (a thread serves
    others next). The API answers in UTC whoever asks (``lms.api.middleware``).

    The Wagtail admin runs each view in the zone of the user's Wagtail profile
    (``UserProfile.get_current_time_zone()``, else ``settings.TIME_ZONE``). One person has
    one zone: Wagtail's own preference is hidden (``WAGTAIL_USER_TIME_ZONES = []``), and for
    admin requests the profile Wagtail reads is given this zone, in memory only (never
    saved: a later change of the administration's zone applies at once)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if request.path.startswith(ADMIN_PREFIX):
            # The admin loads the user anyway: its zone is read from the user itself.
            zone = zone_name_for(user)
            if user is not None and user.is_authenticated:
                _admin_profile_in(user, zone)
        else:
            viewer = preferences.for_request(request)
            zone = viewer.zone if viewer is not None else settings.TIME_ZONE
        with timezone.override(zone):
            return self.get_response(request)


def _admin_profile_in(user: Any, zone: str) -> None:
    """Load the user's Wagtail profile onto ``user`` (where the admin looks for it) with
    ``zone`` as its current zone. A user without a profile gets an unsaved one: reading the
    admin writes nothing (Wagtail saves it when the user changes a preference)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.objects.filter(user=user).first() or UserProfile(user=user)
    profile.current_time_zone = zone
    user.wagtail_userprofile = profile


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
        if _signed_in(request) and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _signed_in(request: HttpRequest) -> bool:
    """Whether the request is, or may be, a signed-in person's: a user the view loaded,
    or a session naming one (then not loaded here: private either way)."""
    user = getattr(request, "user", None)
    loaded = user is not None and getattr(user, "_wrapped", None) is not empty
    if loaded:
        return bool(user.is_authenticated)
    session = getattr(request, "session", None)
    return session is not None and session.get(SESSION_KEY) is not None
