"""OpenID Connect, authorization code flow with PKCE (Authlib and joserfc).

:func:`authorization_redirect` reads the provider's discovery document, keeps a fresh
``state``, ``nonce`` and PKCE verifier in the session and answers the provider's
authorization URL. :func:`callback_assertion` checks ``state`` (one use), exchanges the
code with the verifier and the client secret, and validates the ID token: signature
against the provider's JWKS (asymmetric algorithms only), ``iss`` equal to the
configured issuer, ``aud`` containing the client id, ``azp``, ``exp``/``iat`` (with a
minute of leeway) and ``nonce``. Anything else raises :class:`SignInRefused`.
"""

from __future__ import annotations

import time
from typing import Any

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
from .services import Assertion, SignInRefused

SESSION_KEY = "lms.sso.oidc"
TIMEOUT = 10  # seconds, for every request to the provider
PENDING_MAX_AGE = 600  # a sign-in started more than ten minutes ago is refused
PENDING_MAX = 5  # sign-ins in flight kept per session
LEEWAY = 60
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
METADATA_SECONDS = 3600


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
        issuer=claims["iss"], subject=str(claims["sub"]), attributes=claims, mfa=mfa
    )
    return assertion, started["next"]
