"""Who may see which administration and which officer.

Every other part of the platform (pages, the Wagtail admin, exports, the API) calls these
functions instead of writing its own rules. Another tenant's row and a missing row raise
the same :class:`django.http.Http404`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
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
