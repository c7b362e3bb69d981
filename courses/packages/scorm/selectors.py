"""Who may use and change which SCORM package: the authoring rule of
:mod:`lms.accounts.selectors` (regional packages and one's own administration's are
usable; an author bound to one administration changes only that administration's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from lms.accounts.selectors import (
    authored_editable_q,
    authored_usable_q,
    can_edit_authored,
    can_use_authored,
)

from .models import ScormPackage

if TYPE_CHECKING:
    from lms.accounts.selectors import Actor


def scorm_package_list_for_user(actor: Actor) -> QuerySet[ScormPackage]:
    """Packages the actor may see and place in lessons: regional and their own
    administration's (every package for regional authors)."""
    return ScormPackage.objects.filter(authored_usable_q(actor))


def scorm_package_editable_list_for_user(actor: Actor) -> QuerySet[ScormPackage]:
    """Packages the actor may change or delete."""
    return ScormPackage.objects.filter(authored_editable_q(actor))


def can_see_package(actor: Actor, package: ScormPackage) -> bool:
    return can_use_authored(actor, package.administration_id)


def can_edit_package(actor: Actor, package: ScormPackage) -> bool:
    return can_edit_authored(actor, package.administration_id)


def access_scorm_package(actor: Actor, pk: int) -> ScormPackage:
    """The package with this id if the actor may see it; 404 otherwise (a missing package
    and another administration's look the same)."""
    try:
        return scorm_package_list_for_user(actor).get(pk=pk)
    except (ScormPackage.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
