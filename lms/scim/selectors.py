"""Reads of SCIM: the users and units a token may see (the tokens themselves are read by
:mod:`lms.tokens.selectors`).

A SCIM token acts for its administration only: every list below starts from
``administration=token.administration``, so no filter, id or member reference can reach
another administration's rows, and another administration's id answers the same 404 as
a missing one. Users SCIM deleted (deactivated, kept for their records) are left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role

from . import errors

if TYPE_CHECKING:
    pass

PRIVILEGED_ROLES = [role.value for role in Role if role is not Role.OFFICER]


# --- users -----------------------------------------------------------------------------


def scim_user_list(administration: Administration) -> QuerySet[User]:
    return (
        User.objects.filter(administration=administration)
        .exclude(scim__deleted_at__isnull=False)
        .select_related("scim", "unit", "administration")
        .prefetch_related("scim__addresses")
        .order_by("pk")
    )


def access_scim_user(administration: Administration, pk: str, *, for_update: bool = False) -> User:
    """One user of the administration; 404 (SCIM error) for a missing id, another
    administration's, or one SCIM deleted."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        number = None
    queryset = scim_user_list(administration)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    user = queryset.filter(pk=number).first() if number is not None else None
    if user is None:
        raise errors.not_found(_not_found_user())
    return user


def is_privileged(user: User) -> bool:
    """Staff, superusers and holders of any role but Officer: SCIM never changes them."""
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=PRIVILEGED_ROLES).exists()


def privileged_ids(user_ids: list[int]) -> set[int]:
    privileged = set(
        User.objects.filter(pk__in=user_ids, groups__name__in=PRIVILEGED_ROLES).values_list(
            "pk", flat=True
        )
    )
    privileged |= set(
        User.objects.filter(pk__in=user_ids, is_staff=True).values_list("pk", flat=True)
    )
    privileged |= set(
        User.objects.filter(pk__in=user_ids, is_superuser=True).values_list("pk", flat=True)
    )
    return privileged


# --- units -----------------------------------------------------------------------------


def scim_unit_list(administration: Administration) -> QuerySet[Unit]:
    members = User.objects.exclude(scim__deleted_at__isnull=False).order_by("pk")
    return (
        Unit.objects.filter(administration=administration, is_active=True)
        .select_related("scim")
        .prefetch_related(Prefetch("users", queryset=members, to_attr="scim_members"))
        .order_by("pk")
    )


def access_scim_unit(administration: Administration, pk: str, *, for_update: bool = False) -> Unit:
    try:
        number = int(pk)
    except (TypeError, ValueError):
        number = None
    queryset = scim_unit_list(administration)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    unit = queryset.filter(pk=number).first() if number is not None else None
    if unit is None:
        raise errors.not_found(_not_found_group())
    return unit


def _not_found_user() -> str:
    return _("No such user.")


def _not_found_group() -> str:
    return _("No such group.")
