"""Single sign-on pages: the provider chooser, and each protocol's start and callback.
Thin: parse, call the protocol module and the sign-in service, render."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from lms.accounts.models import User
from lms.audit.sign_ins import mark_sign_in_audited

from . import oidc, saml, selectors
from .models import IdentityProvider
from .services import (
    MFA_SESSION_KEY,
    PROVIDER_SESSION_KEY,
    SignInRefused,
    identity_sign_in,
    sign_in_refused_record,
)

PASSWORD_BACKEND = "lms.accounts.backends.ModelBackend"


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` when it stays on this site, else the home page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


@require_GET
@never_cache
def choose(request: HttpRequest) -> HttpResponse:
    """The providers for an e-mail's domain, or every active provider (the chooser)."""
    email = request.GET.get("email", "").strip()[:254]
    matches = selectors.provider_list_for_email(email) if email else []
    return render(
        request,
        "sso/choose.html",
        {
            "email": email,
            "matches": matches,
            "providers": selectors.provider_list_active(),
            "next": safe_next(request, request.GET.get("next")),
        },
    )


def _refused(
    request: HttpRequest, provider: IdentityProvider | None, error: SignInRefused
) -> HttpResponse:
    sign_in_refused_record(provider=provider, reason=error.reason)
    return render(request, "sso/refused.html", {"message": error.message}, status=400)


def _signed_in(
    request: HttpRequest, provider: IdentityProvider, user: User, mfa: bool, next_url: str
) -> HttpResponse:
    mark_sign_in_audited(request)  # identity_sign_in recorded it, with the provider
    login(request, user, backend=PASSWORD_BACKEND)
    request.session[PROVIDER_SESSION_KEY] = provider.slug
    if mfa and provider.trust_mfa:
        request.session[MFA_SESSION_KEY] = True
    return HttpResponseRedirect(safe_next(request, next_url))


def _oidc_redirect_uri(request: HttpRequest, provider: IdentityProvider) -> str:
    return request.build_absolute_uri(reverse("sso:oidc_callback", args=[provider.slug]))


@require_GET
@never_cache
def oidc_start(request: HttpRequest, slug: str) -> HttpResponse:
    provider = selectors.access_provider(slug, IdentityProvider.Kind.OIDC)
    try:
        url = oidc.authorization_redirect(
            request,
            provider,
            redirect_uri=_oidc_redirect_uri(request, provider),
            next_url=safe_next(request, request.GET.get("next")),
        )
    except SignInRefused as error:
        return _refused(request, provider, error)
    return HttpResponseRedirect(url)


@require_GET
@never_cache
def oidc_callback(request: HttpRequest, slug: str) -> HttpResponse:
    provider = selectors.access_provider(slug, IdentityProvider.Kind.OIDC)
    try:
        assertion, next_url = oidc.callback_assertion(
            request, provider, redirect_uri=_oidc_redirect_uri(request, provider)
        )
        user = identity_sign_in(provider=provider, assertion=assertion)
    except SignInRefused as error:
        return _refused(request, provider, error)
    return _signed_in(request, provider, user, assertion.mfa, next_url)


@require_GET
def saml_metadata(request: HttpRequest, slug: str) -> HttpResponse:
    """The SP metadata the IdP's administrators import."""
    provider = selectors.access_provider(slug, IdentityProvider.Kind.SAML)
    return HttpResponse(saml.sp_metadata(request, provider), content_type="application/xml")


@require_GET
@never_cache
def saml_start(request: HttpRequest, slug: str) -> HttpResponse:
    provider = selectors.access_provider(slug, IdentityProvider.Kind.SAML)
    response = HttpResponseRedirect("/")
    try:
        response["Location"] = saml.login_redirect(
            request,
            provider,
            next_url=safe_next(request, request.GET.get("next")),
            response=response,
        )
    except SignInRefused as error:
        return _refused(request, provider, error)
    return response


@csrf_exempt  # the IdP's form posts here; the signed request cookie binds it instead
@require_POST
@never_cache
def saml_acs(request: HttpRequest, slug: str) -> HttpResponse:
    provider = selectors.access_provider(slug, IdentityProvider.Kind.SAML)
    try:
        assertion, next_url = saml.acs_assertion(request, provider)
        user = identity_sign_in(provider=provider, assertion=assertion)
    except SignInRefused as error:
        response = _refused(request, provider, error)
    else:
        response = _signed_in(request, provider, user, assertion.mfa, next_url)
    response.delete_cookie(saml.COOKIE, path=request.path)
    return response
