"""Who may see which administration and which officer.

Every other part of the platform (pages, the Wagtail admin, exports, the API) calls these
functions instead of writing its own rules. Another tenant's row and a missing row raise
the same :class:`django.http.Http404`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Administration, Unit, User
from .roles import Role, roles_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Actor = User | AnonymousUser


def _is_regional(actor: Actor, roles: frozenset[Role]) -> bool:
    """Regional staff see every administration: platform admins, coordinators, regional
    training managers (a training manager without an administration)."""
    if Role.PLATFORM_ADMIN in roles or Role.REGIONAL_COORDINATOR in roles:
        return True
    return Role.TRAINING_MANAGER in roles and actor.administration_id is None


# --- authored content (courses, banks, H5P activities, media, programmes) -----------------
#
# Authored content belongs to one administration or, without one, to the region. Regional
# authors (platform admins and training managers without an administration) see and edit
# all of it. A training manager bound to one administration uses regional content and their
# administration's, edits only their administration's, and never sees another's.

NOTHING = Q(pk__in=[])


def is_regional_author(actor: Actor) -> bool:
    """Platform admins and regional training managers: they author for every
    administration and for the region."""
    roles = roles_of(actor)
    if Role.PLATFORM_ADMIN in roles:
        return True
    return Role.TRAINING_MANAGER in roles and actor.administration_id is None


def authored_usable_q(actor: Actor, field: str = "administration") -> Q:
    """Authored rows (owned through ``field``) the actor may see and use: every row for
    regional authors; regional rows and their administration's for anyone bound to one;
    regional rows for other signed-in people."""
    if is_regional_author(actor):
        return Q()
    if not actor.is_authenticated:
        return NOTHING
    regional = Q(**{f"{field}__isnull": True})
    if actor.administration_id is None:
        return regional
    return regional | Q(**{f"{field}_id": actor.administration_id})


def authored_editable_q(actor: Actor, field: str = "administration") -> Q:
    """Authored rows the actor may change, delete, copy or import into: every row for
    regional authors, their administration's for a training manager bound to one, none for
    anyone else (regional rows are read-only to authors bound to one administration)."""
    if is_regional_author(actor):
        return Q()
    if Role.TRAINING_MANAGER in roles_of(actor) and actor.administration_id is not None:
        return Q(**{f"{field}_id": actor.administration_id})
    return NOTHING


def can_edit_authored(actor: Actor, administration_id: int | None) -> bool:
    """The row-level form of :func:`authored_editable_q` for a row owned by
    ``administration_id`` (``None``: regional)."""
    if is_regional_author(actor):
        return True
    return (
        Role.TRAINING_MANAGER in roles_of(actor)
        and administration_id is not None
        and actor.administration_id == administration_id
    )


def can_use_authored(actor: Actor, administration_id: int | None) -> bool:
    """The row-level form of :func:`authored_usable_q`."""
    if is_regional_author(actor):
        return True
    if not actor.is_authenticated:
        return False
    return administration_id is None or actor.administration_id == administration_id


def administration_list_for_user(actor: Actor) -> QuerySet[Administration]:
    """The administrations whose (aggregate) data the actor may see."""
    roles = roles_of(actor)
    if not roles:
        return Administration.objects.none()
    if _is_regional(actor, roles):
        return Administration.objects.all()
    if actor.administration_id is None:
        return Administration.objects.none()
    return Administration.objects.filter(pk=actor.administration_id)


def can_see_administration(actor: Actor, administration: Administration) -> bool:
    roles = roles_of(actor)
    if not roles:
        return False
    if _is_regional(actor, roles):
        return True
    return actor.administration_id is not None and actor.administration_id == administration.pk


def access_administration(actor: Actor, code: str) -> Administration:
    """The administration with this code, if the actor may see it; else 404."""
    try:
        administration = Administration.objects.get(code=code.upper())
    except Administration.DoesNotExist as exc:
        raise Http404 from exc
    if not can_see_administration(actor, administration):
        raise Http404
    return administration


def officer_list_for_user(actor: Actor) -> QuerySet[User]:
    """The people whose names and records the actor may see.

    Platform admins see everyone; administration managers the people of their own
    administration; everybody else only themselves. Regional coordinators and training
    managers see aggregates, never names, so they get themselves only.
    """
    roles = roles_of(actor)
    if not roles:
        return User.objects.none()
    if Role.PLATFORM_ADMIN in roles:
        return User.objects.all()
    if Role.ADMINISTRATION_MANAGER in roles and actor.administration_id is not None:
        return User.objects.filter(administration_id=actor.administration_id)
    return User.objects.filter(pk=actor.pk)


def can_see_people_of(actor: Actor, administration: Administration) -> bool:
    """May the actor list the people (names, numbers) of this administration?"""
    roles = roles_of(actor)
    if Role.PLATFORM_ADMIN in roles:
        return True
    return Role.ADMINISTRATION_MANAGER in roles and actor.administration_id == administration.pk


def can_see_officer(actor: Actor, officer: User) -> bool:
    roles = roles_of(actor)
    if not roles:
        return False
    if Role.PLATFORM_ADMIN in roles or officer.pk == actor.pk:
        return True
    return (
        Role.ADMINISTRATION_MANAGER in roles
        and actor.administration_id is not None
        and officer.administration_id == actor.administration_id
    )


def access_officer(actor: Actor, pk: int, *, administration: Administration | None = None) -> User:
    """The person with this id, if the actor may see them (and, when given, they belong to
    ``administration``); else 404."""
    queryset = officer_list_for_user(actor).select_related("administration", "unit")
    if administration is not None:
        queryset = queryset.filter(administration=administration)
    try:
        return queryset.get(pk=pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc


def unit_list_for_user(actor: Actor) -> QuerySet[Unit]:
    return Unit.objects.filter(administration__in=administration_list_for_user(actor))
