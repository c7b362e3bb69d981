"""Shared pieces of the Wagtail admin viewsets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404


def scoped_object_view(view_class: type, allowed: Callable[[Any, Any], bool]) -> type:
    """A subclass of a Wagtail object view (edit, delete, copy, history, usage, inspect)
    that answers 404 when ``allowed(user, obj)`` is false, whatever the URL says: another
    administration's object and a missing one look the same."""

    def get_object(self: Any, *args: Any) -> Any:
        obj = super(scoped, self).get_object(*args)
        if not allowed(self.request.user, obj):
            raise Http404
        return obj

    scoped = type(f"Scoped{view_class.__name__}", (view_class,), {"get_object": get_object})
    return scoped
