"""Second factor required: a signed-in session that has not proven one reaches only the
second-factor pages, sign-out and the language switch while its person is privileged
(:func:`lms.accounts.roles.is_privileged`) or opted in (has a factor).

Everything else, the site, the Wagtail admin (``/cms/``), Django's admin, the API token
pages, is redirected to verification (a factor exists) or enrolment (none yet), with the
page asked for kept in ``next``; the API's session requests get a JSON 403. API requests
with an ``Authorization: Bearer`` header are token requests, not sessions: left alone.
Health probes and static files are answered before this middleware.

Off while ``LMS_MFA_REQUIRED`` is off (the test settings; the deploy check refuses it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from lms.accounts.roles import is_privileged

from . import services
from .session import HAS_FACTOR_KEY, is_verified

API_PREFIX = "/api/"
#: Single logout's ends on the site (lms/sso/urls.py): the identity provider's logout
#: request, or the answer to ours. Signing out is never held back for a second factor.
SIGN_OUT_AT_PROVIDER = re.compile(r"^/sso/[-\w]+/(saml/sls|oidc/logged-out)/$")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def exempt_prefixes(self) -> tuple[str, ...]:
        return (
            reverse("mfa:security"),
            reverse("accounts:logout"),
            reverse("accounts:language"),
            reverse("wagtailadmin_logout"),
            settings.STATIC_URL,
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._refusal(request) if settings.LMS_MFA_REQUIRED else None
        return refused or self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        session = getattr(request, "session", None)
        if session is None or session.get(SESSION_KEY) is None or is_verified(session):
            return None
        bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
        if bearer and request.path.startswith(API_PREFIX):
            # The API authenticates the token itself (401 for a bad one) and ignores the
            # session. Anywhere else the header means nothing: a session with a forged
            # one is still a session.
            return None
        if request.path.startswith(self.exempt_prefixes) or SIGN_OUT_AT_PROVIDER.match(
            request.path
        ):
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        privileged = is_privileged(user)
        if not privileged and not session.get(HAS_FACTOR_KEY):
            return None
        has_factor = services.has_factor(user)
        if not has_factor and not privileged:
            session[HAS_FACTOR_KEY] = False
            return None
        if request.path.startswith(API_PREFIX):
            return JsonResponse(
                {"detail": _("Prove your second factor on the site first, or use an API token.")},
                status=403,
            )
        target = reverse("mfa:verify" if has_factor else "mfa:security")
        wanted = request.get_full_path() if request.method in ("GET", "HEAD") else ""
        return HttpResponseRedirect(f"{target}?{urlencode({'next': wanted})}" if wanted else target)
