"""Admin forms of the course pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from lms.authoring import AuthoringPageForm
from lms.viewsets import OwnerFieldMixin


class CourseIndexPageForm(OwnerFieldMixin, AuthoringPageForm):
    """A catalogue's owner (its ``administration``): regional authors give it to any
    administration or to none (the regional catalogue); for an author bound to one
    administration it is fixed to theirs, and a request naming another owner (another
    administration, or none) is refused, so an author never re-owns a catalogue."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "administration" in self.fields:
            self.fix_owner_field(self.for_user)

    def owner_choices(self, user: Any) -> QuerySet:
        from .selectors import owner_choices

        return owner_choices(user)
