"""OpenID Connect, authorization code flow with PKCE (Authlib and joserfc).

:func:`authorization_redirect` reads the provider's discovery document, keeps a fresh
``state``, ``nonce`` and PKCE verifier in the session and answers the provider's
authorization URL. :func:`callback_assertion` checks ``state`` (one use), exchanges the
code with the verifier and the client secret, and validates the ID token: signature
against the provider's JWKS (asymmetric algorithms only), ``iss`` equal to the
configured issuer, ``aud`` containing the client id, ``azp``, ``exp``/``iat`` (with a
minute of leeway) and ``nonce``. Anything else raises :class:`SignInRefused`.

Single logout: :func:`end_session_redirect` (RP-Initiated Logout 1.0, the person signs
out here and is sent to the provider) with :func:`end_session_returned` checking the
one-time ``state`` on the way back, and :func:`logout_token_claims` (Back-Channel Logout
1.0, the provider tells us a session ended).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from django.core.cache import cache
from django.http import HttpRequest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from .models import IdentityProvider
from .secrets import InvalidToken, secret_decrypt
from .services import Assertion, SignInRefused, SignOutRefused

SESSION_KEY = "lms.sso.oidc"
TIMEOUT = 10  # seconds, for every request to the provider
PENDING_MAX_AGE = 600  # a sign-in started more than ten minutes ago is refused
PENDING_MAX = 5  # sign-ins in flight kept per session
LEEWAY = 60
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
METADATA_SECONDS = 3600
LOGOUT_PENDING_KEY = "lms.sso.oidc.logout_pending"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_MAX_AGE = 300  # a logout token issued longer ago than this is refused


def discovery(provider: IdentityProvider, *, fresh: bool = False) -> dict[str, Any]:
    """The provider's discovery document (cached an hour), whose ``issuer`` must be the
    configured one."""
    key = f"lms.sso.oidc.metadata:{provider.pk}:{provider.issuer}"
    metadata = None if fresh else cache.get(key)
    if metadata is None:
        url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=TIMEOUT)
            response.raise_for_status()
            metadata = response.json()
        except (requests.RequestException, ValueError) as error:
            raise SignInRefused(f"discovery failed: {error}") from error
        if metadata.get("issuer") != provider.issuer:
            raise SignInRefused("discovery issuer differs from the configured issuer")
        cache.set(key, metadata, METADATA_SECONDS)
    return metadata


def _jwks(provider: IdentityProvider, metadata: dict[str, Any], *, fresh: bool) -> KeySet:
    key = f"lms.sso.oidc.jwks:{provider.pk}:{metadata['jwks_uri']}"
    data = None if fresh else cache.get(key)
    if data is None:
        try:
            response = requests.get(metadata["jwks_uri"], timeout=TIMEOUT)
            response.raise_for_status()
            data = response.json()
        except (requests.RequestException, ValueError, KeyError) as error:
            raise SignInRefused(f"JWKS unavailable: {error}") from error
        cache.set(key, data, METADATA_SECONDS)
    try:
        return KeySet.import_key_set(data)
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise SignInRefused(f"JWKS unreadable: {error}") from error


def _session(provider: IdentityProvider, redirect_uri: str) -> OAuth2Session:
    try:
        secret = secret_decrypt(provider.client_secret_encrypted)
    except InvalidToken as error:
        raise SignInRefused("client secret cannot be decrypted (key changed?)") from error
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=secret,
        scope=provider.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )


def authorization_redirect(
    request: HttpRequest, provider: IdentityProvider, *, redirect_uri: str, next_url: str
) -> str:
    """The provider's authorization URL for a new sign-in, remembered in the session."""
    metadata = discovery(provider)
    verifier = generate_token(64)
    nonce = generate_token(32)
    url, state = _session(provider, redirect_uri).create_authorization_url(
        metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier
    )
    pending = {
        s: p
        for s, p in request.session.get(SESSION_KEY, {}).items()
        if p["started"] > time.time() - PENDING_MAX_AGE
    }
    pending[state] = {
        "provider": provider.pk,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url,
        "started": time.time(),
    }
    request.session[SESSION_KEY] = dict(
        sorted(pending.items(), key=lambda item: item[1]["started"])[-PENDING_MAX:]
    )
    return url


def pending_sign_in(request: HttpRequest, provider: IdentityProvider) -> dict[str, Any]:
    """Take (once) the sign-in that ``state`` names; it must have been started in this
    browser session, for this provider, less than ten minutes ago."""
    state = request.GET.get("state", "")
    pending = request.session.get(SESSION_KEY, {})
    started = pending.pop(state, None) if state else None
    request.session[SESSION_KEY] = pending
    if started is None:
        raise SignInRefused("unknown or reused state")
    if started["provider"] != provider.pk:
        raise SignInRefused("state of another provider")
    if started["started"] < time.time() - PENDING_MAX_AGE:
        raise SignInRefused("sign-in started too long ago")
    return started


def id_token_claims(
    provider: IdentityProvider,
    id_token: str,
    *,
    nonce: str,
    access_token: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """The verified claims of ``id_token``; raises :class:`SignInRefused`."""
    metadata = discovery(provider)
    registry = JWSRegistry(algorithms=ALGORITHMS)
    try:
        try:
            token = jwt.decode(id_token, _jwks(provider, metadata, fresh=False), registry=registry)
        except JoseError as error:
            if error.error != "invalid_key_id" and "kid" not in str(error).lower():
                raise
            # The provider rotated its keys: read them again, once.
            token = jwt.decode(id_token, _jwks(provider, metadata, fresh=True), registry=registry)
        params: dict[str, Any] = {"nonce": nonce, "client_id": provider.client_id}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {"essential": True, "value": provider.issuer},
                "aud": {"essential": True, "value": provider.client_id},
            },
            params,
        )
        claims.validate(now=now, leeway=LEEWAY)
    except (JoseError, ValueError, TypeError) as error:
        raise SignInRefused(f"ID token refused: {error}") from error
    return dict(claims)


def callback_assertion(
    request: HttpRequest, provider: IdentityProvider, *, redirect_uri: str
) -> tuple[Assertion, str]:
    """The verified assertion of the provider's answer, and where to go next."""
    started = pending_sign_in(request, provider)
    if error := request.GET.get("error"):
        raise SignInRefused(f"provider answered {error[:100]}")
    code = request.GET.get("code", "")
    if not code:
        raise SignInRefused("no code")
    # RFC 9207: a provider that names itself must name the configured issuer.
    if "iss" in request.GET and request.GET["iss"] != provider.issuer:
        raise SignInRefused("authorization response from another issuer")
    metadata = discovery(provider)
    try:
        token = _session(provider, redirect_uri).fetch_token(
            metadata["token_endpoint"],
            code=code,
            code_verifier=started["verifier"],
            timeout=TIMEOUT,
        )
    except Exception as error:  # OAuthError, requests errors: the exchange failed
        raise SignInRefused(f"code exchange failed: {error}") from error
    if "id_token" not in token:
        raise SignInRefused("no ID token")
    claims = id_token_claims(
        provider,
        token["id_token"],
        nonce=started["nonce"],
        access_token=token.get("access_token"),
    )
    amr = claims.get("amr") or []
    mfa = bool(set(amr if isinstance(amr, list) else [amr]) & set(provider.mfa_values or []))
    assertion = Assertion(
        issuer=claims["iss"],
        subject=str(claims["sub"]),
        attributes=claims,
        mfa=mfa,
        session_id=str(claims.get("sid") or ""),
        # RP-initiated logout sends it back as id_token_hint.
        logout={"id_token": token["id_token"]},
    )
    return assertion, started["next"]


def end_session_redirect(
    request: HttpRequest,
    provider: IdentityProvider,
    *,
    logout: dict[str, Any],
    post_logout_redirect_uri: str,
) -> str | None:
    """RP-Initiated Logout 1.0: the provider's ``end_session_endpoint`` with
    ``id_token_hint``, ``client_id``, our fixed ``post_logout_redirect_uri`` and a new
    one-time ``state`` (kept in ``request``'s session, which must be the fresh one after
    the local sign-out). None when the provider publishes no such endpoint."""
    endpoint = discovery(provider).get("end_session_endpoint")
    if not endpoint:
        return None
    state = generate_token(32)
    pending = {
        s: p
        for s, p in request.session.get(LOGOUT_PENDING_KEY, {}).items()
        if p["started"] > time.time() - PENDING_MAX_AGE
    }
    pending[state] = {"provider": provider.pk, "started": time.time()}
    request.session[LOGOUT_PENDING_KEY] = dict(
        sorted(pending.items(), key=lambda item: item[1]["started"])[-PENDING_MAX:]
    )
    query = {
        "client_id": provider.client_id,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "state": state,
    }
    if logout.get("id_token"):
        query["id_token_hint"] = logout["id_token"]
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"


def end_session_returned(request: HttpRequest, provider: IdentityProvider) -> None:
    """The provider sent the browser back after RP-initiated logout: its ``state`` must
    be one we made in this browser, for this provider, recently; used once."""
    state = request.GET.get("state", "")
    pending = request.session.get(LOGOUT_PENDING_KEY, {})
    started = pending.pop(state, None) if state else None
    request.session[LOGOUT_PENDING_KEY] = pending
    if started is None:
        raise SignOutRefused("unknown or reused logout state")
    if started["provider"] != provider.pk:
        raise SignOutRefused("logout state of another provider")
    if started["started"] < time.time() - PENDING_MAX_AGE:
        raise SignOutRefused("sign-out started too long ago")


def logout_token_claims(
    provider: IdentityProvider, logout_token: str, *, now: int | None = None
) -> dict[str, Any]:
    """Back-Channel Logout 1.0, section 2.6: the verified claims of ``logout_token`` —
    signature by the provider's JWKS (asymmetric only), ``iss``, ``aud``, ``iat``
    (recent), ``exp`` when present, the back-channel ``events`` member, ``sub`` or
    ``sid``, no ``nonce``, and a ``jti`` never seen before. Raises
    :class:`SignOutRefused`."""
    metadata = discovery(provider)
    registry = JWSRegistry(algorithms=ALGORITHMS)
    try:
        try:
            token = jwt.decode(
                logout_token, _jwks(provider, metadata, fresh=False), registry=registry
            )
        except JoseError as error:
            if error.error != "invalid_key_id" and "kid" not in str(error).lower():
                raise
            token = jwt.decode(
                logout_token, _jwks(provider, metadata, fresh=True), registry=registry
            )
    except (JoseError, ValueError, TypeError) as error:
        raise SignOutRefused(f"logout token refused: {error}") from error
    claims, header = token.claims, token.header
    now = int(time.time()) if now is None else now
    typ = str(header.get("typ", "logout+jwt")).lower()
    if typ not in ("logout+jwt", "application/logout+jwt"):
        raise SignOutRefused("logout token of another type")
    if claims.get("iss") != provider.issuer:
        raise SignOutRefused("logout token of another issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if provider.client_id not in audiences:
        raise SignOutRefused("logout token for another audience")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or iat > now + LEEWAY:
        raise SignOutRefused("logout token issued in the future or without iat")
    if iat < now - LOGOUT_TOKEN_MAX_AGE:
        raise SignOutRefused("logout token too old")
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int | float) or exp < now - LEEWAY):
        raise SignOutRefused("logout token expired")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise SignOutRefused("logout token without the back-channel logout event")
    if "nonce" in claims:
        raise SignOutRefused("logout token with a nonce")
    sub, sid = claims.get("sub"), claims.get("sid")
    if not (isinstance(sub, str) and sub) and not (isinstance(sid, str) and sid):
        raise SignOutRefused("logout token without sub or sid")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise SignOutRefused("logout token without jti")
    if not cache.add(
        f"lms.sso.oidc.logout_jti:{provider.pk}:{jti}", 1, LOGOUT_TOKEN_MAX_AGE + 2 * LEEWAY
    ):
        raise SignOutRefused("logout token already used")
    return dict(claims)
