"""Shared pieces of the Wagtail admin viewsets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from lms.accounts.selectors import can_edit_authored


def scoped_object_view(view_class: type, allowed: Callable[[Any, Any], bool]) -> type:
    """A subclass of a Wagtail object view (edit, delete, copy, history, usage, inspect)
    that answers 404 when ``allowed(user, obj)`` is false, whatever the URL says: another
    administration's object and a missing one look the same (so does an object Wagtail's
    own permission check refuses while fetching it, as the copy view does)."""

    def get_object(self: Any, *args: Any) -> Any:
        try:
            obj = super(scoped, self).get_object(*args)
        except PermissionDenied as exc:
            raise Http404 from exc
        if not allowed(self.request.user, obj):
            raise Http404
        return obj

    scoped = type(f"Scoped{view_class.__name__}", (view_class,), {"get_object": get_object})
    return scoped


class OwnerRowActionsMixin:
    """For an index view of authored rows: rows link to edit, copy and delete only where
    the author may change them (``lms.accounts.selectors.can_edit_authored``); regional
    rows are listed to an author bound to one administration, who uses them, but read-only.
    ``owner_of(row)`` gives the row's administration id (``None``: regional)."""

    def owner_of(self, instance: Any) -> int | None:
        return instance.administration_id

    def _may_change(self, instance: Any) -> bool:
        return can_edit_authored(self.request.user, self.owner_of(instance))  # type: ignore[attr-defined]

    def get_edit_url(self, instance: Any) -> str | None:
        return super().get_edit_url(instance) if self._may_change(instance) else None  # type: ignore[misc]

    def get_copy_url(self, instance: Any) -> str | None:
        return super().get_copy_url(instance) if self._may_change(instance) else None  # type: ignore[misc]

    def get_delete_url(self, instance: Any) -> str | None:
        return super().get_delete_url(instance) if self._may_change(instance) else None  # type: ignore[misc]


class OwnerFieldMixin:
    """The ``administration`` field of an authoring form (banks, programmes, H5P
    activities): who owns the row.

    Regional authors and platform admins choose any administration from ``owner_choices``
    or none (regional), on create and on edit. For an author bound to one administration
    the field is fixed to that administration, on create and on edit: it is shown disabled,
    and a request that sends another value (another administration, or none) is refused
    with an error instead of being followed, so a form never re-owns a row.
    """

    owner_field = "administration"

    def owner_choices(self, user: Any) -> Any:
        raise NotImplementedError

    def fix_owner_field(self, user: Any) -> None:
        field = self.fields[self.owner_field]  # type: ignore[attr-defined]
        field.queryset = self.owner_choices(user) if user else field.queryset.none()
        self._fixed_owner = None
        if user is not None and user.administration_id is not None:
            self._fixed_owner = user.administration_id
            field.required = True
            field.empty_label = None
            field.disabled = True
            field.initial = user.administration_id

    def clean_administration(self) -> Any:
        value = self.cleaned_data.get(self.owner_field)  # type: ignore[attr-defined]
        fixed = getattr(self, "_fixed_owner", None)
        if fixed is None:
            return value
        sent = self.data.get(self.add_prefix(self.owner_field))  # type: ignore[attr-defined]
        if sent is not None and str(sent) != str(fixed):
            raise ValidationError(
                _(
                    "You author for your own administration only: this stays with it and "
                    "cannot be given to another administration or to the region."
                )
            )
        if value is None or value.pk != fixed:
            raise ValidationError(_("This belongs to another administration."))
        return value
