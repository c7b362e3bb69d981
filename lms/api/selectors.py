"""Reads of the API app: what an API client may list (its tokens are read by
:mod:`lms.tokens.selectors`).

Who an API request acts for is an :class:`ApiScope`:

- a **token** acts for its own administration only, whatever the request asks
  (``?administration=`` is ignored), read-only or read-write as its scopes say;
- a signed-in **administration manager** acts for their administration (the parameter is
  ignored too);
- a signed-in **platform admin** acts for every administration, or for one with
  ``?administration=PER``.

Every list below is first narrowed by ``lms.accounts.selectors.officer_list_for_user`` (or
the selector of its app) for the acting person, then by the scope's administration, so
no filter can reach another administration's rows, and another administration's id
answers the same 404 as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from certificates.models import Certificate, Programme
from certificates.selectors import certificates_visible_to
from courses.models import CoursePage, Enrolment
from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role, roles_of
from lms.accounts.selectors import (
    access_administration,
    officer_list_for_user,
    unit_list_for_user,
)
from lms.accounts.timezones import past_due_q
from lms.tracking.models import Assignment

from .models import ApiToken

# --- who an API request acts for ---------------------------------------------------------


@dataclass(frozen=True)
class ApiScope:
    """The acting person, the administration the request is bound to (``None``: every
    administration, platform admins only), and whether it may write."""

    actor: User
    administration: Administration | None
    can_write: bool
    token: ApiToken | None = None


def api_scope(actor: User, token: ApiToken | None, administration_code: str = "") -> ApiScope:
    """The scope of a request by ``actor`` (with ``token`` when it came with one)."""
    if token is not None:
        return ApiScope(actor, token.administration, token.can_write, token)
    roles = roles_of(actor)
    if Role.PLATFORM_ADMIN in roles:
        administration = (
            access_administration(actor, administration_code) if administration_code else None
        )
        return ApiScope(actor, administration, True)
    if Role.ADMINISTRATION_MANAGER in roles and actor.administration_id is not None:
        return ApiScope(actor, actor.administration, True)
    raise Http404


def _in_scope(queryset: QuerySet, scope: ApiScope, field: str = "administration") -> QuerySet:
    if scope.administration is not None:
        return queryset.filter(**{field: scope.administration})
    return queryset.filter(**{f"{field}__isnull": False})


# --- what a scope lists ---------------------------------------------------------------


def api_officer_list(scope: ApiScope) -> QuerySet[User]:
    """The officers (members of the Officers group, active or not) of the scope."""
    people = officer_list_for_user(scope.actor).filter(groups__name=Role.OFFICER.value)
    return _in_scope(people, scope).select_related("administration", "unit")


def access_api_officer(scope: ApiScope, pk: int) -> User:
    try:
        return api_officer_list(scope).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def api_unit_list(scope: ApiScope) -> QuerySet[Unit]:
    units = _in_scope(unit_list_for_user(scope.actor), scope)
    return units.select_related("administration", "parent").order_by("administration__code", "code")


def _officer_ids(scope: ApiScope) -> QuerySet[User]:
    return api_officer_list(scope).order_by().values("pk")


def api_enrolment_list(scope: ApiScope) -> QuerySet[Enrolment]:
    """Enrolments of the scope's officers (by the officer's current administration)."""
    return (
        Enrolment.objects.filter(user_id__in=_officer_ids(scope))
        .select_related("user", "course")
        .order_by("-enrolled_at", "-pk")
    )


def api_certificate_list(scope: ApiScope) -> QuerySet[Certificate]:
    """Certificates held by the scope's officers. The holder's *current* administration
    decides: an officer who moved from PER to PAN takes their certificates along (PAN
    lists them, PER no longer does), as the managers' certificate pages do."""
    return (
        certificates_visible_to(scope.actor)
        .filter(holder_id__in=_officer_ids(scope))
        .order_by("-issued_at", "-pk")
    )


def access_api_certificate(scope: ApiScope, pk: int) -> Certificate:
    try:
        return api_certificate_list(scope).get(pk=pk)
    except (Certificate.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def api_assignment_list(scope: ApiScope) -> QuerySet[Assignment]:
    """The scope's assignments with ``targeted``, ``completed`` and ``overdue`` counts of
    officers (the figures of ``lms.tracking.assignments.assignment_list_for_user``)."""
    assignments = Assignment.objects.all()
    if Role.PLATFORM_ADMIN not in roles_of(scope.actor):
        # A manager's (or a manager's token's) own administration only.
        assignments = assignments.filter(administration_id=scope.actor.administration_id)
    return (
        _in_scope(assignments, scope)
        .select_related("administration", "programme", "course")
        .prefetch_related(
            "programme__texts",
            Prefetch("units", queryset=Unit.objects.only("pk", "code")),
            Prefetch("officers", queryset=User.objects.only("pk")),
        )
        .annotate(
            targeted=Count("records"),
            completed=Count("records", filter=Q(records__completed_at__isnull=False)),
            overdue=Count(
                "records",
                filter=Q(records__completed_at__isnull=True)
                & past_due_q(due="records__due_on", officer="records__officer"),
            ),
        )
        .order_by("-created_at", "-pk")
    )


def access_api_assignment(scope: ApiScope, pk: int) -> Assignment:
    try:
        return api_assignment_list(scope).get(pk=pk)
    except (Assignment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _open_to(scope: ApiScope) -> Q:
    """Regional rows and the scope's administration's own."""
    if scope.administration is None:
        return Q()
    return Q(administration__isnull=True) | Q(administration=scope.administration)


def api_programme_list(scope: ApiScope) -> QuerySet[Programme]:
    """Programmes open to the scope's officers: regional ones and its own."""
    return (
        Programme.objects.filter(_open_to(scope))
        .select_related("administration")
        .prefetch_related("texts")
        .order_by("code")
    )


def api_course_list(scope: ApiScope) -> QuerySet[CoursePage]:
    """Live courses open to the scope's officers (regional and its own), one row per
    language version; ``translation_key`` groups the versions of one course."""
    return (
        CoursePage.objects.live()
        .filter(_open_to(scope))
        .select_related("administration", "locale")
        .order_by("title", "pk")
    )
