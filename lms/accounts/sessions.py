"""The session store: Django's database sessions, refusing session keys Django never makes.

Django accepts any cookie value of eight characters or more as a key to look up, and a
cookie can carry a NUL character (``"\\000"`` inside a quoted value), which PostgreSQL
refuses with an error: a server error on every page for whoever sends it. A key outside
Django's own alphabet and length is simply no session, as a wrong one is.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

MAX_KEY_LENGTH = 40  # django.contrib.sessions.models.Session.session_key
_ALPHABET = frozenset(VALID_KEY_CHARS)


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: Any) -> bool:
        return (
            isinstance(key, str) and 8 <= len(key) <= MAX_KEY_LENGTH and _ALPHABET.issuperset(key)
        )
