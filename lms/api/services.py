"""Writes of the API app: creating and revoking API tokens, the API's kind of
the shared bearer tokens (:mod:`lms.tokens`, where the rules live: the secret
``lms_<prefix>_<secret>`` shown once and stored as its SHA-256 digest, an expiry of at
most a year, idempotent revocation, each with its audit record)."""

from __future__ import annotations

from lms.accounts.models import Administration, User
from lms.tokens import services as tokens
from lms.tokens.keys import token_digest

from .models import ApiToken
from .tokens import API_TOKENS

__all__ = [
    "ApiTokenRefused",
    "api_token_create",
    "api_token_revoke",
    "token_digest",
]

ApiTokenRefused = tokens.TokenRefused


def api_token_create(
    *,
    actor: User,
    administration: Administration,
    name: str,
    scopes: str,
    expires_in_days: int,
) -> tuple[ApiToken, str]:
    """Create a token for ``administration``; returns it with its secret, which is shown
    to the manager once and never stored."""
    return tokens.token_issue(
        kind=API_TOKENS,
        actor=actor,
        administration=administration,
        name=name,
        expires_in_days=expires_in_days,
        extra={"scopes": scopes},
    )


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke the token (it stops working at once). Revoking twice changes nothing."""
    return tokens.token_revoke(kind=API_TOKENS, actor=actor, token=token)
