"""Fixtures build their pages without Wagtail's two search-side indexes.

Every page or snippet save queues two tasks: the admin search index (modelsearch) and
Wagtail's reference index ("usage"). In tests the immediate backend runs both inside the
save, and they were about a third of the time spent building a course tree. Nothing a
fixture sets up is read through those indexes; the platform's own catalogue search
(``courses/search.py``) and the page cache are not touched by this and still follow every
publish. Tests that exercise the admin search or usage pages do so through saves made in
the test itself, which update both indexes as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models.signals import post_save
from modelsearch import index
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.signal_handlers import disable_reference_index_auto_update


@contextmanager
def quiet_indexing() -> Iterator[None]:
    """Saves inside the block update neither the admin search index nor the reference
    index; both are back to normal after it, even if the block raises."""
    models = [
        model for model in index.get_indexed_models() if getattr(model, "search_auto_update", True)
    ]
    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        for model in models:
            post_save.connect(post_save_signal_handler, sender=model)
