"""Single logout started here: the site's sign-out view (lms.accounts) announces
``signing_out`` while the session is still open; for a session opened through an
identity provider this module answers a continuation that, once the local session has
ended, sends the browser on to the provider's single logout (OIDC ``end_session_endpoint``
or a SAML LogoutRequest) and audits the sign-out. Sessions opened with a password, or
through a provider that is gone, inactive or has no single logout, keep the plain local
sign-out.

Why a page and not a 302: the site's CSP has ``form-action 'self'``, and Chromium applies
form-action to the redirects that follow a form submission, so answering the sign-out
POST with a redirect to the provider's origin is blocked. Rather than widen form-action
(even for one response), the POST is answered with our own small page, on our origin,
that navigates onward by ``<meta http-equiv="refresh">`` — a new navigation, not part of
the form submission, which form-action does not govern and which needs no script (the
CSP forbids inline script) — with a visible link for whoever has refresh turned off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from . import oidc, saml
from .models import IdentityProvider
from .services import (
    LOGOUT_SESSION_KEY,
    PROVIDER_ID_SESSION_KEY,
    SignInRefused,
    sign_out_record,
    sign_out_refused_record,
)


def _onward_url(
    request: HttpRequest, provider: IdentityProvider, logout: dict[str, Any]
) -> str | None:
    if provider.kind == IdentityProvider.Kind.OIDC:
        return oidc.end_session_redirect(
            request,
            provider,
            logout=logout,
            post_logout_redirect_uri=request.build_absolute_uri(
                reverse("sso:oidc_logged_out", args=[provider.slug])
            ),
        )
    return saml.logout_redirect(request, provider, logout=logout)


def signing_out(
    sender: Any, request: HttpRequest, **kwargs: Any
) -> Callable[[HttpRequest], HttpResponse | None] | None:
    """Receiver of :data:`lms.accounts.events.signing_out`."""
    provider_id = request.session.get(PROVIDER_ID_SESSION_KEY)
    user = request.user
    if provider_id is None or not user.is_authenticated:
        return None
    provider = (
        IdentityProvider.objects.filter(
            pk=provider_id, is_active=True, administration__is_active=True
        )
        .select_related("administration")
        .first()
    )
    if provider is None:
        return None
    logout = dict(request.session.get(LOGOUT_SESSION_KEY) or {})

    def continue_(request: HttpRequest) -> HttpResponse | None:
        try:
            onward = _onward_url(request, provider, logout)
        except SignInRefused as error:  # discovery or metadata unreadable: local only
            sign_out_refused_record(provider=provider, reason=error.reason)
            return None
        if onward is None:
            return None
        sign_out_record(provider=provider, user=user, via="rp")
        return render(request, "sso/signing_out.html", {"provider": provider, "onward_url": onward})

    return continue_
