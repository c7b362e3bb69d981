"""What every page view reads and few requests change: the site of a host, the page at a
path, a course and its outline, a lesson's rendered body. Kept in the shared cache under
a *generation* of the page tree, so that one number answers "may this still be used?".

The generation changes whenever the tree or what decides who sees it changes: a page
saved (a revision published, a translation made, a draft saved: cheap to over-invalidate,
wrong to under-invalidate), unpublished, moved or deleted; a site or a locale saved or
deleted; a view restriction (private page) added, changed or removed. Entries of older
generations are never read again and expire by themselves. A lesson body also carries a
fingerprint of what it shows (:func:`courses.lesson_cache`), so a change of an H5P
activity shows at once.

When the generation is missing from the cache (evicted, a cache restart, or Redis
unreachable, where reads answer as misses: ``lms.cache``) a new one is made from the
clock: nothing cached under an earlier generation can come back.

Nothing per officer is ever kept here: progress, saved H5P state and the player tokens
are read for each request.

An entry is never changed under its key (a change makes a new generation, hence new
keys), so each process also keeps the entries it read or built lately
(:data:`LOCAL_BYTES` at most, pickled: every read gets its own copy, as from the shared
cache) and asks the shared cache only for the generation, once per request. A Start
read two entries from Redis, a lesson page four or five; each read is a round trip of
some 0.1 ms of the worker's CPU. A process drops its entries when it sees a new
generation, its own bump or another process's.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save

GENERATION_KEY = "lms:pages:generation"
#: How long an entry may be kept (older generations are never read; this frees them).
ENTRY_SECONDS = 60 * 60


#: How much of the entries each process keeps (pickled), the least lately used dropped first.
LOCAL_BYTES = 16 * 1024 * 1024


class _Local:
    """The entries this process read or built lately, by key: (expiry, pickled value)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._generation: int | None = None
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        """A copy of the value kept under ``key``; None when none is (or it expired)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                self._bytes -= len(self._entries.pop(key)[1])
                return None
            self._entries.move_to_end(key)
        return pickle.loads(entry[1])  # noqa: S301 - what this process pickled itself

    def put(self, key: str, value: Any, timeout: int) -> None:
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        if len(data) > self.max_bytes // 8:
            return  # one entry never takes the room of many
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[1])
            self._entries[key] = (time.monotonic() + timeout, data)
            self._bytes += len(data)
            while self._bytes > self.max_bytes:
                self._bytes -= len(self._entries.popitem(last=False)[1][1])

    def seen(self, generation: int) -> None:
        """The generation read from the shared cache: a new one drops every entry."""
        if generation != self._generation:
            with self._lock:
                self._entries.clear()
                self._bytes = 0
                self._generation = generation

    def __len__(self) -> int:
        return len(self._entries)


_local = _Local(LOCAL_BYTES)

_OUTSIDE_REQUESTS = -1
#: The generation read in this request (None: not yet read), so that it costs one cache
#: read per request; outside requests (commands, workers) it is read every time.
_in_request: ContextVar[int | None] = ContextVar("lms_page_generation", default=_OUTSIDE_REQUESTS)


def _request_started(**kwargs: Any) -> None:
    _in_request.set(None)


def _request_finished(**kwargs: Any) -> None:
    _in_request.set(_OUTSIDE_REQUESTS)


def generation() -> int:
    """The current generation of the page tree (made from the clock when unknown)."""
    known = _in_request.get()
    if known is not None and known != _OUTSIDE_REQUESTS:
        return known
    found = cache.get(GENERATION_KEY)
    if found is None:
        found = time.time_ns()
        if not cache.add(GENERATION_KEY, found, None):
            found = cache.get(GENERATION_KEY) or found
    found = int(found)
    _local.seen(found)
    if known is None:
        _in_request.set(found)
    return found


def generation_read(found: Any) -> None:
    """The generation as read at the start of a request along with other keys, one round
    trip for both (the viewer's preferences: lms.accounts.preferences); None when absent.
    The request then uses it as if :func:`generation` had read it."""
    if found is None or _in_request.get() is not None:
        return  # absent (generation() makes one), outside a request, or read already
    found = int(found)
    _local.seen(found)
    _in_request.set(found)


def bump(*args: Any, **kwargs: Any) -> None:
    """Start a new generation: everything cached here before is no longer read.

    A signal receiver (any arguments). The new value comes from the clock so that it is
    never one an earlier cache restart already used. Inside a transaction (a page saved,
    a revision published) the generation changes again when it commits: in between,
    another process may read the new generation and build an entry from the rows as they
    were before the commit, which would otherwise be kept until the next change."""
    _new_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_new_generation, robust=True)


def _new_generation() -> None:
    new = max(time.time_ns(), int(cache.get(GENERATION_KEY) or 0) + 1)
    cache.set(GENERATION_KEY, new, None)
    _local.seen(new)
    if _in_request.get() != _OUTSIDE_REQUESTS:
        _in_request.set(new)


def key(*parts: Any) -> str:
    """A cache key of the current generation."""
    return ":".join(["lms:pages", str(generation()), *(str(part) for part in parts)])


def remember[T](cache_key: str, build: Callable[[], T], timeout: int = ENTRY_SECONDS) -> T:
    """The value under ``cache_key`` (made by :func:`key`), built (and stored) when absent:
    from this process's own entries, else from the shared cache."""
    found = _local.get(cache_key)
    if found is not None:
        return found
    found = cache.get(cache_key)
    if found is None:
        found = build()
        cache.set(cache_key, found, timeout)
    _local.put(cache_key, found, timeout)
    return found


def _page_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    from wagtail.models import Page

    if isinstance(instance, Page):
        bump()


def connect() -> None:
    """Called once from ``HomeConfig.ready``."""
    from wagtail.models import Locale, PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    request_started.connect(_request_started, dispatch_uid="lms.page_cache.started")
    request_finished.connect(_request_finished, dispatch_uid="lms.page_cache.finished")
    # Every page model's save and delete (a revision published saves the page).
    post_save.connect(_page_changed, dispatch_uid="lms.page_cache.saved")
    post_delete.connect(_page_changed, dispatch_uid="lms.page_cache.deleted")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(bump, dispatch_uid=f"lms.page_cache.{id(signal)}")
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    # Pages show images and documents (a rendition's address, a file's name and size).
    for model in (Site, Locale, PageViewRestriction, get_image_model(), get_document_model()):
        post_save.connect(bump, sender=model, dispatch_uid=f"lms.page_cache.{model.__name__}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"lms.page_cache.{model.__name__}-")
