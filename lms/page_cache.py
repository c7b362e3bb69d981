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
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save

GENERATION_KEY = "lms:pages:generation"
#: How long an entry may be kept (older generations are never read; this frees them).
ENTRY_SECONDS = 60 * 60


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
    if known is None:
        _in_request.set(int(found))
    return int(found)


def bump(*args: Any, **kwargs: Any) -> None:
    """Start a new generation: everything cached here before is no longer read.

    A signal receiver (any arguments). The new value comes from the clock so that it is
    never one an earlier cache restart already used."""
    new = max(time.time_ns(), int(cache.get(GENERATION_KEY) or 0) + 1)
    cache.set(GENERATION_KEY, new, None)
    if _in_request.get() != _OUTSIDE_REQUESTS:
        _in_request.set(new)


def key(*parts: Any) -> str:
    """A cache key of the current generation."""
    return ":".join(["lms:pages", str(generation()), *(str(part) for part in parts)])


def remember[T](cache_key: str, build: Callable[[], T], timeout: int = ENTRY_SECONDS) -> T:
    """The value under ``cache_key``, built (and stored) when absent."""
    found = cache.get(cache_key)
    if found is None:
        found = build()
        cache.set(cache_key, found, timeout)
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
