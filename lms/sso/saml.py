"""SAML 2.0, Web Browser SSO profile, as a service provider (python3-saml / xmlsec).

The IdP's metadata is imported into the provider (its entity id, single sign-on URL and
signing certificates); the platform publishes its own SP metadata per provider. A
sign-in sends an AuthnRequest (HTTP-Redirect) and remembers its id in a signed cookie
(``SameSite=None`` over HTTPS, so that the IdP's cross-site POST carries it); the
assertion consumer service accepts only a response to that request (no unsolicited
ones), whose assertion is signed by the IdP's certificate, for this SP's audience and
ACS, within its validity window, with a persistent NameID, and never seen before.
"""

from __future__ import annotations

import json
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.errors import OneLogin_Saml2_Error
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from .models import IdentityProvider
from .services import Assertion, SignInRefused

COOKIE = "lms_saml_pending"
COOKIE_SALT = "lms.sso.saml.pending"
PENDING_MAX_AGE = 600
PERSISTENT = OneLogin_Saml2_Constants.NAMEID_PERSISTENT
SEEN_ASSERTION_SECONDS = 24 * 60 * 60


def idp_metadata(xml: str) -> dict[str, Any]:
    """The IdP part of the settings, read from its metadata; raises ``ValueError``."""
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            xml, required_sso_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT
        )
    except Exception as error:  # lxml and the parser raise various kinds
        raise ValueError(f"unreadable IdP metadata: {error}") from error
    idp = parsed.get("idp") or {}
    if not idp.get("entityId") or not idp.get("singleSignOnService", {}).get("url"):
        raise ValueError("the metadata names no entity id or single sign-on URL")
    if not idp.get("x509cert") and not idp.get("x509certMulti"):
        raise ValueError("the metadata has no signing certificate")
    return idp


def _urls(request: HttpRequest, provider: IdentityProvider) -> tuple[str, str]:
    metadata = request.build_absolute_uri(reverse("sso:saml_metadata", args=[provider.slug]))
    acs = request.build_absolute_uri(reverse("sso:saml_acs", args=[provider.slug]))
    return metadata, acs


def _settings(request: HttpRequest, provider: IdentityProvider, *, sp_only: bool = False) -> dict:
    entity_id, acs = _urls(request, provider)
    settings: dict[str, Any] = {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": entity_id,
            "assertionConsumerService": {
                "url": acs,
                "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST,
            },
            "NameIDFormat": PERSISTENT,
        },
        "security": {
            "wantAssertionsSigned": True,
            "wantMessagesSigned": False,
            "authnRequestsSigned": False,
            "wantNameId": True,
            "wantAttributeStatement": False,
            "requestedAuthnContext": False,
            "rejectDeprecatedAlgorithm": True,
            "allowRepeatAttributeName": True,
            # Our own URLs, built from ALLOWED_HOSTS (tests: testserver, intranets).
            "allowSingleLabelDomains": True,
        },
    }
    if not sp_only:
        try:
            idp = idp_metadata(provider.saml_idp_metadata)
        except ValueError as error:
            raise SignInRefused(str(error)) from error
        if idp["entityId"] != provider.issuer:
            raise SignInRefused("IdP metadata of another entity than the configured issuer")
        settings["idp"] = idp
    return settings


def _request_data(request: HttpRequest) -> dict[str, Any]:
    return {
        "https": "on" if request.is_secure() else "off",
        "http_host": request.get_host(),
        "script_name": request.path,
        "get_data": request.GET.copy(),
        "post_data": request.POST.copy(),
    }


def sp_metadata(request: HttpRequest, provider: IdentityProvider) -> str:
    """This platform's SP metadata for ``provider`` (what the IdP's admins import)."""
    settings = OneLogin_Saml2_Settings(
        _settings(request, provider, sp_only=True), sp_validation_only=True
    )
    metadata = settings.get_sp_metadata()
    errors = settings.validate_metadata(metadata)
    if errors:
        raise ValueError(", ".join(errors))
    return metadata.decode() if isinstance(metadata, bytes) else metadata


def login_redirect(
    request: HttpRequest, provider: IdentityProvider, *, next_url: str, response: HttpResponse
) -> str:
    """The IdP's URL with a new AuthnRequest; its id goes into ``response``'s cookie."""
    auth = OneLogin_Saml2_Auth(_request_data(request), _settings(request, provider))
    url = auth.login()
    pending = {"provider": provider.pk, "request_id": auth.get_last_request_id(), "next": next_url}
    response.set_signed_cookie(
        COOKIE,
        json.dumps(pending),
        salt=COOKIE_SALT,
        max_age=PENDING_MAX_AGE,
        httponly=True,
        secure=request.is_secure(),
        samesite="None" if request.is_secure() else "Lax",
        path=reverse("sso:saml_acs", args=[provider.slug]),
    )
    return url


def acs_assertion(request: HttpRequest, provider: IdentityProvider) -> tuple[Assertion, str]:
    """The verified assertion of the IdP's POST, and where to go next."""
    try:
        pending = json.loads(
            request.get_signed_cookie(COOKIE, salt=COOKIE_SALT, max_age=PENDING_MAX_AGE)
        )
    except (KeyError, signing.BadSignature, ValueError) as error:
        raise SignInRefused(
            "no sign-in pending in this browser (unsolicited or replayed)"
        ) from error
    if pending.get("provider") != provider.pk:
        raise SignInRefused("pending sign-in of another provider")
    if "SAMLResponse" not in request.POST:
        raise SignInRefused("no SAML response")
    auth = OneLogin_Saml2_Auth(_request_data(request), _settings(request, provider))
    try:
        auth.process_response(request_id=pending["request_id"])
    except (OneLogin_Saml2_Error, Exception) as error:  # malformed XML, base64...
        raise SignInRefused(f"SAML response refused: {error}") from error
    if auth.get_errors() or not auth.is_authenticated():
        raise SignInRefused(f"SAML response refused: {auth.get_last_error_reason()}")
    if auth.get_nameid_format() != PERSISTENT:
        raise SignInRefused("NameID is not persistent")
    assertion_id = auth.get_last_assertion_id() or ""
    if not assertion_id or not cache.add(
        f"lms.sso.saml.seen:{provider.pk}:{assertion_id}", 1, SEEN_ASSERTION_SECONDS
    ):
        raise SignInRefused("assertion already used")
    contexts = set(auth.get_last_authn_contexts() or [])
    assertion = Assertion(
        issuer=provider.issuer,
        subject=auth.get_nameid(),
        attributes=auth.get_attributes(),
        mfa=bool(contexts & set(provider.mfa_values or [])),
    )
    return assertion, pending.get("next") or "/"
