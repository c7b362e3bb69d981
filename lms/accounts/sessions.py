"""The session store: Django's database sessions, refusing session keys Django never makes.

Django accepts any cookie value of eight characters or more as a key to look up, and a
cookie can carry a NUL character (``"\\000"`` inside a quoted value), which PostgreSQL
refuses with an error: a server error on every page for whoever sends it. A key outside
Django's own alphabet and length is simply no session, as a wrong one is.

Every signed-in request reads its session: the query is compiled once per connection
(:mod:`lms.prepared`), not once per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from lms.prepared import PreparedQuery

MAX_KEY_LENGTH = 40  # django.contrib.sessions.models.Session.session_key
_ALPHABET = frozenset(VALID_KEY_CHARS)


def live_session(session_key: str, now: datetime) -> QuerySet[Session]:
    """The unexpired session of ``session_key``: Django's own lookup."""
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


_live_session = PreparedQuery(
    Session,
    live_session,
    lambda shape: (
        ("a" * 32, datetime(2001, 1, 1, tzinfo=UTC)),
        ("b" * 32, datetime(2002, 2, 2, tzinfo=UTC)),
    ),
)


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: Any) -> bool:
        return (
            isinstance(key, str) and 8 <= len(key) <= MAX_KEY_LENGTH and _ALPHABET.issuperset(key)
        )

    def _get_session_from_db(self) -> Session | None:
        found = _live_session(self.session_key, timezone.now())
        if not found:
            self._session_key = None
            return None
        return found[0]


def sessions_end_for_user(
    user_id: int | None, *, matching: Mapping[str, Any] | None = None
) -> list[int]:
    """Delete every live session of the user (signed out everywhere at once); returns the
    ids of the users whose sessions ended (one entry per session). ``matching`` narrows
    the sessions to those whose data holds each of its keys with that value (single
    logout: only the sessions opened through one identity provider, or one provider
    session id); with ``matching``, ``user_id`` may be None (any user's matching
    session). Database sessions keep the user's id inside their encoded data, so the
    live ones are read and decoded: a scan of the unexpired sessions, fine for an
    occasional deactivation or logout. (A deactivated user is refused by the
    authentication backend anyway; this removes the sessions themselves.)"""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    if user_id is None and not matching:
        raise ValueError("ending everyone's sessions is not what this is for")
    wanted = dict(matching or {})
    store = SessionStore()
    doomed: dict[str, int] = {}
    live = Session.objects.filter(expire_date__gt=timezone.now()).only(
        "session_key", "session_data"
    )
    for session in live.iterator(chunk_size=2000):
        data = store.decode(session.session_data)
        owner = data.get(SESSION_KEY)
        if owner is None or (user_id is not None and str(owner) != str(user_id)):
            continue
        if all(data.get(key) == value for key, value in wanted.items()):
            doomed[session.session_key] = int(owner)
    if doomed:
        Session.objects.filter(session_key__in=list(doomed)).delete()
    return list(doomed.values())
