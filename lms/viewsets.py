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


def limit_administration_field(field: Any, user: Any, owner_choices: Callable[[Any], Any]) -> None:
    """An admin form's ``administration`` field offers what the author may own: one
    administration (required) for an author of one, the choices of ``owner_choices``
    (empty meaning regional) for a regional author; nothing without a user."""
    field.queryset = owner_choices(user) if user else field.queryset.none()
    if user is not None and user.administration_id is not None:
        field.required = True
        field.empty_label = None
