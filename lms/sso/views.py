"""Single sign-on pages: the provider chooser, and each protocol's start and callback.
Thin: parse, call the protocol module and the sign-in service, render."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
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
    LOGOUT_SESSION_KEY,
    MFA_SESSION_KEY,
    PROVIDER_ID_SESSION_KEY,
    PROVIDER_SESSION_KEY,
    PROVIDER_SID_SESSION_KEY,
    SUBJECT_SESSION_KEY,
    Assertion,
    SignInRefused,
    SignOutRefused,
    identity_sign_in,
    provider_sessions_end,
    sign_in_refused_record,
    sign_out_refused_record,
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
    request: HttpRequest,
    provider: IdentityProvider,
    user: User,
    assertion: Assertion,
    next_url: str,
) -> HttpResponse:
    mark_sign_in_audited(request)  # identity_sign_in recorded it, with the provider
    login(request, user, backend=PASSWORD_BACKEND)
    request.session[PROVIDER_SESSION_KEY] = provider.slug
    # For single logout (signout.py, and provider_sessions_end).
    request.session[PROVIDER_ID_SESSION_KEY] = provider.pk
    request.session[SUBJECT_SESSION_KEY] = assertion.subject
    request.session[PROVIDER_SID_SESSION_KEY] = assertion.session_id
    request.session[LOGOUT_SESSION_KEY] = dict(assertion.logout)
    if assertion.mfa and provider.trust_mfa:
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
    return _signed_in(request, provider, user, assertion, next_url)


def _sign_out_refused(
    request: HttpRequest, provider: IdentityProvider, error: SignInRefused
) -> HttpResponse:
    sign_out_refused_record(provider=provider, reason=error.reason)
    return render(
        request, "sso/refused.html", {"message": error.message, "sign_out": True}, status=400
    )


@require_GET
@never_cache
def oidc_logged_out(request: HttpRequest, slug: str) -> HttpResponse:
    """``post_logout_redirect_uri``: the provider ended its session and sent the browser
    back with our one-time ``state``; the signed-out page. Fixed per provider, so it
    redirects nowhere else (no open redirect)."""
    provider = selectors.access_provider(slug, IdentityProvider.Kind.OIDC)
    try:
        oidc.end_session_returned(request, provider)
    except SignOutRefused as error:
        return _sign_out_refused(request, provider, error)
    return render(request, "accounts/logged_out.html")


@csrf_exempt  # server to server: the provider's signed logout token is the proof
@require_POST
@never_cache
def oidc_backchannel_logout(request: HttpRequest, slug: str) -> HttpResponse:
    """Back-Channel Logout 1.0: the provider posts a ``logout_token``; the sessions it
    names (of this provider's administration only) end. 200 when done, 400 otherwise."""
    provider = selectors.access_provider(slug, IdentityProvider.Kind.OIDC)
    try:
        claims = oidc.logout_token_claims(provider, request.POST.get("logout_token", ""))
        provider_sessions_end(
            provider=provider,
            issuer=claims["iss"],
            subject=str(claims.get("sub") or ""),
            session_id=str(claims.get("sid") or ""),
            via="backchannel",
        )
    except SignOutRefused as error:
        sign_out_refused_record(provider=provider, reason=error.reason)
        return JsonResponse(
            {"error": "invalid_request", "error_description": "logout token refused"},
            status=400,
        )
    return HttpResponse(status=200)


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
        response = _signed_in(request, provider, user, assertion, next_url)
    response.delete_cookie(saml.COOKIE, path=request.path)
    return response


@require_GET
@never_cache
def saml_sls(request: HttpRequest, slug: str) -> HttpResponse:
    """The single logout service (HTTP-Redirect). A LogoutResponse closes the sign-out
    this browser started here (then the signed-out page: RelayState is never followed);
    a LogoutRequest from the IdP ends the sessions it names, of this provider's
    administration only, and is answered with our signed LogoutResponse."""
    provider = selectors.access_provider(slug, IdentityProvider.Kind.SAML)
    try:
        if "SAMLResponse" in request.GET:
            saml.logout_response_check(request, provider)
            return render(request, "accounts/logged_out.html")
        if "SAMLRequest" not in request.GET:
            raise SignOutRefused("neither LogoutRequest nor LogoutResponse")
        logout_request = saml.logout_request_accept(request, provider)
        for session_id in logout_request.session_indexes or [""]:
            provider_sessions_end(
                provider=provider,
                issuer=provider.issuer,
                subject=logout_request.name_id,
                session_id=session_id,
                via="idp",
            )
    except SignOutRefused as error:
        return _sign_out_refused(request, provider, error)
    return HttpResponseRedirect(logout_request.response_url)
