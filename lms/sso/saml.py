"""SAML 2.0, Web Browser SSO profile, as a service provider (python3-saml / xmlsec).

The IdP's metadata is imported into the provider (its entity id, single sign-on URL and
signing certificates); the platform publishes its own SP metadata per provider. A
sign-in sends an AuthnRequest (HTTP-Redirect) and remembers its id in a signed cookie
(``SameSite=None`` over HTTPS, so that the IdP's cross-site POST carries it); the
assertion consumer service accepts only a response to that request (no unsolicited
ones), whose assertion is signed by the IdP's certificate, for this SP's audience and
ACS, within its validity window, with a persistent NameID, and never seen before.

Single logout (HTTP-Redirect, signed both ways with the SP pair LMS_SAML_SP_CERT /
LMS_SAML_SP_KEY; without it sign-out stays local and no SLS is published):
:func:`logout_redirect` sends our LogoutRequest (NameID and SessionIndex kept from the
sign-in), :func:`logout_response_check` accepts the IdP's answer at the SLS, and
:func:`logout_request_accept` accepts an IdP-initiated LogoutRequest there.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.errors import OneLogin_Saml2_Error
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.logout_response import OneLogin_Saml2_Logout_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from .models import IdentityProvider
from .services import Assertion, SignInRefused, SignOutRefused

COOKIE = "lms_saml_pending"
COOKIE_SALT = "lms.sso.saml.pending"
PENDING_MAX_AGE = 600
PERSISTENT = OneLogin_Saml2_Constants.NAMEID_PERSISTENT
SEEN_ASSERTION_SECONDS = 24 * 60 * 60
LOGOUT_PENDING_KEY = "lms.sso.saml.logout_pending"


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


def slo_enabled() -> bool:
    """Single logout needs the platform's SP signing pair (LMS_SAML_SP_CERT and
    LMS_SAML_SP_KEY): its LogoutRequests and LogoutResponses are signed."""
    return bool(django_settings.LMS_SAML_SP_CERT and django_settings.LMS_SAML_SP_KEY)


def _settings(
    request: HttpRequest, provider: IdentityProvider, *, sp_only: bool = False, slo: bool = False
) -> dict:
    """python3-saml's settings. ``slo``: for single logout messages, which must be
    signed both ways (the Web SSO profile keeps its own rules)."""
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
    if slo_enabled():
        settings["sp"]["singleLogoutService"] = {
            "url": request.build_absolute_uri(reverse("sso:saml_sls", args=[provider.slug])),
            "binding": OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
        }
        settings["sp"]["x509cert"] = django_settings.LMS_SAML_SP_CERT
        settings["sp"]["privateKey"] = django_settings.LMS_SAML_SP_KEY
        settings["security"].update(
            logoutRequestSigned=True,
            logoutResponseSigned=True,
            signatureAlgorithm=OneLogin_Saml2_Constants.RSA_SHA256,
            digestAlgorithm=OneLogin_Saml2_Constants.SHA256,
        )
    if slo:
        settings["security"]["wantMessagesSigned"] = True
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
        # HTTP-Redirect signatures are checked over the query string as it was sent.
        "query_string": request.META.get("QUERY_STRING", ""),
        "validate_signature_from_qs": True,
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
    session_index = auth.get_session_index() or ""
    assertion = Assertion(
        issuer=provider.issuer,
        subject=auth.get_nameid(),
        attributes=auth.get_attributes(),
        mfa=bool(contexts & set(provider.mfa_values or [])),
        session_id=session_index,
        # What a LogoutRequest must name (SAML core 3.7.1).
        logout={
            "name_id": auth.get_nameid(),
            "name_id_format": auth.get_nameid_format(),
            "nq": auth.get_nameid_nq(),
            "spnq": auth.get_nameid_spnq(),
            "session_index": session_index,
        },
    )
    return assertion, pending.get("next") or "/"


def _idp_slo_url(settings: dict[str, Any]) -> str:
    return (settings.get("idp", {}).get("singleLogoutService") or {}).get("url", "")


def logout_redirect(
    request: HttpRequest, provider: IdentityProvider, *, logout: dict[str, Any]
) -> str | None:
    """SP-initiated single logout: the IdP's SLO URL with a signed LogoutRequest naming
    the NameID and SessionIndex of the sign-in; its id is kept in ``request``'s (fresh)
    session for the LogoutResponse. None when single logout is not possible (no SP
    signing pair, no SLO URL in the IdP metadata, no NameID kept)."""
    if not slo_enabled() or not logout.get("name_id"):
        return None
    settings = _settings(request, provider, slo=True)
    if not _idp_slo_url(settings):
        return None
    auth = OneLogin_Saml2_Auth(_request_data(request), settings)
    url = auth.logout(
        return_to=request.build_absolute_uri(reverse("accounts:login")),
        name_id=logout["name_id"],
        session_index=logout.get("session_index") or None,
        nq=logout.get("nq"),
        name_id_format=logout.get("name_id_format"),
        spnq=logout.get("spnq"),
    )
    pending = {
        request_id: p
        for request_id, p in request.session.get(LOGOUT_PENDING_KEY, {}).items()
        if p["started"] > time.time() - PENDING_MAX_AGE
    }
    pending[auth.get_last_request_id()] = {"provider": provider.pk, "started": time.time()}
    request.session[LOGOUT_PENDING_KEY] = dict(
        sorted(pending.items(), key=lambda item: item[1]["started"])[-5:]
    )
    return url


def logout_response_check(request: HttpRequest, provider: IdentityProvider) -> None:
    """The IdP's LogoutResponse to our LogoutRequest: signed by the IdP, in response to
    a request this browser sent (once), for this provider, recently, and a success.
    Raises :class:`SignOutRefused`."""
    if not slo_enabled():
        raise SignOutRefused("single logout not configured")
    settings = _settings(request, provider, slo=True)
    try:
        in_response_to = (
            OneLogin_Saml2_Logout_Response(
                OneLogin_Saml2_Settings(settings), request.GET["SAMLResponse"]
            ).document.get("InResponseTo")
            or ""
        )
    except Exception as error:  # base64, inflate, XML
        raise SignOutRefused(f"LogoutResponse unreadable: {error}") from error
    pending = request.session.get(LOGOUT_PENDING_KEY, {})
    started = pending.pop(in_response_to, None) if in_response_to else None
    request.session[LOGOUT_PENDING_KEY] = pending
    if started is None:
        raise SignOutRefused("LogoutResponse to no request of this browser (or replayed)")
    if started["provider"] != provider.pk:
        raise SignOutRefused("LogoutResponse for another provider's request")
    if started["started"] < time.time() - PENDING_MAX_AGE:
        raise SignOutRefused("sign-out started too long ago")
    auth = OneLogin_Saml2_Auth(_request_data(request), settings)
    try:
        auth.process_slo(keep_local_session=True, request_id=in_response_to)
    except Exception as error:
        raise SignOutRefused(f"LogoutResponse refused: {error}") from error
    if auth.get_errors():
        raise SignOutRefused(
            f"LogoutResponse refused: {', '.join(auth.get_errors())} "
            f"{auth.get_last_error_reason() or ''}".strip()
        )


@dataclass(frozen=True)
class IdPLogoutRequest:
    """A verified LogoutRequest from the IdP, and where to send our signed answer."""

    name_id: str
    session_indexes: list[str]
    response_url: str


def logout_request_accept(request: HttpRequest, provider: IdentityProvider) -> IdPLogoutRequest:
    """IdP-initiated single logout: the LogoutRequest must be signed by the IdP
    (HTTP-Redirect signature), issued by it, for this SLS, unexpired, name a persistent
    NameID, and never seen before. Returns what it names and the URL of our signed
    LogoutResponse. Raises :class:`SignOutRefused`."""
    if not slo_enabled():
        raise SignOutRefused("single logout not configured")
    settings = _settings(request, provider, slo=True)
    auth = OneLogin_Saml2_Auth(_request_data(request), settings)
    try:
        response_url = auth.process_slo(keep_local_session=True)
    except Exception as error:
        raise SignOutRefused(f"LogoutRequest refused: {error}") from error
    if auth.get_errors() or not response_url:
        raise SignOutRefused(
            f"LogoutRequest refused: {', '.join(auth.get_errors())} "
            f"{auth.get_last_error_reason() or ''}".strip()
        )
    xml = auth.get_last_request_xml()
    name_id_data = OneLogin_Saml2_Logout_Request.get_nameid_data(xml)
    if name_id_data.get("Format") != PERSISTENT or not name_id_data.get("Value"):
        raise SignOutRefused("LogoutRequest without a persistent NameID")
    message_id = OneLogin_Saml2_Logout_Request.get_id(xml)
    if not message_id or not cache.add(
        f"lms.sso.saml.logout_seen:{provider.pk}:{message_id}", 1, SEEN_ASSERTION_SECONDS
    ):
        raise SignOutRefused("LogoutRequest already used")
    return IdPLogoutRequest(
        name_id=name_id_data["Value"],
        session_indexes=list(OneLogin_Saml2_Logout_Request.get_session_indexes(xml)),
        response_url=response_url,
    )
