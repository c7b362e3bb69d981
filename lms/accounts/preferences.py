"""The signed-in viewer's language and time zone, known without loading the user.

Every signed-in request runs in the viewer's preferred language and zone
(:mod:`lms.accounts.middleware`). Reading them from the user row cost a query on every
request, also where nothing else needs the user. They are kept in the shared cache by
user id (the id is in the session), with the generation of the administrations' zones:

- a user saved (profile page, language switcher, the admins, the API, a service) forgets
  that user's entry (``post_save``); officer imports, which write with plain SQL, call
  :func:`forget` for the officers they updated;
- an administration saved or deleted (its zone) starts a new generation, so every entry
  made before is no longer used;
- an entry lives :data:`ENTRY_SECONDS` at most, which bounds what a per-process cache
  (the embedded default, one process) could miss; production's cache is shared
  (``lms.cache``).

A session whose user is no longer valid (password changed, account disabled) still only
chooses a language and a zone for a page that then treats its visitor as anonymous.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from lms import page_cache

from .timezones import zone_name_for

PREFIX = "lms:prefs:"
GENERATION_KEY = f"{PREFIX}generation"
ENTRY_SECONDS = 5 * 60


@dataclass(frozen=True)
class Preferences:
    language: str
    zone: str


def _user_key(user_id: Any) -> str:
    return f"{PREFIX}user:{user_id}"


def for_request(request: HttpRequest) -> Preferences | None:
    """The preferences of the session's signed-in user; None for anonymous visitors.
    Loads the user (one query) only when the cache does not know them. Read once per
    request (the language and the zone middleware both ask)."""
    known = getattr(request, "_lms_preferences", _UNKNOWN)
    if known is not _UNKNOWN:
        return known
    request._lms_preferences = found = _for_request(request)  # type: ignore[attr-defined]
    return found


_UNKNOWN = object()


def _for_request(request: HttpRequest) -> Preferences | None:
    session = getattr(request, "session", None)
    user_id = session.get(SESSION_KEY) if session is not None else None
    if user_id is None:
        return None
    user_key = _user_key(user_id)
    # With the page cache's generation, which nearly every signed-in page reads next: one
    # round trip to the shared cache for both.
    found = cache.get_many([user_key, GENERATION_KEY, page_cache.GENERATION_KEY])
    page_cache.generation_read(found.get(page_cache.GENERATION_KEY))
    generation = found.get(GENERATION_KEY)
    entry = found.get(user_key)
    if generation is not None and entry is not None and entry[0] == generation:
        return entry[1]
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    preferences = Preferences(user.interface_language(), zone_name_for(user))
    if generation is None:
        generation = time.time_ns()
        cache.add(GENERATION_KEY, generation, None)
    cache.set(user_key, (generation, preferences), ENTRY_SECONDS)
    return preferences


def forget(user_ids: Iterable[Any]) -> None:
    """Forget the cached preferences of these users (after writes that send no signal)."""
    cache.delete_many([_user_key(user_id) for user_id in user_ids])


def _user_saved(sender: type, instance: Any, **kwargs: Any) -> None:
    forget([instance.pk])


def _administration_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    cache.set(GENERATION_KEY, time.time_ns(), None)


def connect() -> None:
    """Called once from ``AccountsConfig.ready``."""
    from .models import Administration, User

    post_save.connect(_user_saved, sender=User, dispatch_uid="lms.preferences.user")
    post_delete.connect(_user_saved, sender=User, dispatch_uid="lms.preferences.user-deleted")
    for signal in (post_save, post_delete):
        signal.connect(
            _administration_changed,
            sender=Administration,
            dispatch_uid=f"lms.preferences.administration-{id(signal)}",
        )
