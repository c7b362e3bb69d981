"""SCIM token secrets: ``scim_<prefix>_<secret>``, eight hexadecimal characters a manager
recognises, then 256 random bits. Only the SHA-256 digest is stored (a plain digest
suffices: the secret is random, not a password), as for API tokens."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "scim_"


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
