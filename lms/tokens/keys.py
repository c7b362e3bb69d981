"""Token secrets: ``<kind prefix><prefix>_<secret>``: eight hexadecimal characters a
manager recognises in the list, then 256 random bits (``secrets.token_urlsafe(32)``).
Only the SHA-256 digest of the whole string is stored, so the database cannot give a
token away; a plain digest is enough because the secret is random, not a password."""

from __future__ import annotations

import hashlib
import secrets


def token_digest(raw: str) -> str:
    """The SHA-256 hex digest under which a token's secret is stored."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_secret(kind_prefix: str) -> tuple[str, str]:
    """A new ``(prefix, secret)``; the secret starts with ``kind_prefix``."""
    prefix = secrets.token_hex(4)
    return prefix, f"{kind_prefix}{prefix}_{secrets.token_urlsafe(32)}"
