"""Helpers shared by the API tests (and the cross-app tenancy matrix)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from lms.api.models import ApiToken
from lms.api.services import api_token_create


def make_token(
    manager: Any,
    administration: Any = None,
    *,
    scopes: str = ApiToken.Scopes.READ,
    days: int = 90,
    name: str = "HR system",
) -> tuple[ApiToken, str]:
    """A token made through the service, as a manager does on the tokens page."""
    return api_token_create(
        actor=manager,
        administration=administration or manager.administration,
        name=name,
        scopes=scopes,
        expires_in_days=days,
    )


def token_client(secret: str, keyword: str = "Bearer") -> Client:
    """A client that sends the token with every request (no session, no CSRF)."""
    return Client(HTTP_AUTHORIZATION=f"{keyword} {secret}")
