"""Reads for manual grading, scoped by the actor (see the package's docstring)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from courses.models import CourseIndexPage
from lms.accounts.roles import Role, roles_of
from lms.accounts.selectors import is_regional_author

from ..models import Attempt, EssayFile, ManualGrade, Response
from ..types.essay import Essay

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.accounts.models import User

    Actor = User | AnonymousUser

NOTHING = Q(pk__in=[])
ESSAY = Essay.name
GRADED_STATUSES = (Attempt.Status.GRADING, Attempt.Status.SUBMITTED, Attempt.Status.EXPIRED)


def _regional_assessment_q(prefix: str) -> Q:
    """Attempts at a regional assessment: one in no administration's catalogue."""
    condition = Q(**{f"{prefix}assessment__isnull": False})
    for path in CourseIndexPage.objects.filter(administration__isnull=False).values_list(
        "path", flat=True
    ):
        condition &= ~Q(**{f"{prefix}assessment__path__startswith": path})
    return condition


def gradable_q(actor: Actor, prefix: str = "") -> Q:
    """The attempts (through ``prefix``, e.g. ``"attempt__"``) the actor may grade: a
    training manager bound to an administration grades its officers' attempts; regional
    authors grade the attempts of regional assessments; nobody else grades, and nobody
    grades their own attempt."""
    if not actor.is_authenticated:
        return NOTHING
    roles = roles_of(actor)
    condition = NOTHING
    if Role.TRAINING_MANAGER in roles and actor.administration_id is not None:
        condition |= Q(**{f"{prefix}administration_id": actor.administration_id})
    if is_regional_author(actor):
        condition |= _regional_assessment_q(prefix)
    # Nobody grades their own attempt (a training manager who also sits assessments).
    return condition & ~Q(**{f"{prefix}user_id": actor.pk})


def attempts_gradable_by(actor: Actor) -> QuerySet[Attempt]:
    """Submitted attempts the actor may grade or regrade (never open ones)."""
    return Attempt.objects.filter(gradable_q(actor), status__in=GRADED_STATUSES)


def can_grade(actor: Actor) -> bool:
    """Whether the actor grades at all (the admin menu item)."""
    roles = roles_of(actor)
    return Role.TRAINING_MANAGER in roles or Role.PLATFORM_ADMIN in roles


def grading_queue_for_user(actor: Actor) -> QuerySet[Response]:
    """Essay responses waiting for a grade that the actor may give, oldest submission
    first. One query whatever the number of rows."""
    return (
        Response.objects.filter(
            gradable_q(actor, "attempt__"),
            needs_grading=True,
            attempt__status=Attempt.Status.GRADING,
        )
        .select_related(
            "attempt__user", "attempt__administration", "attempt__assessment", "version"
        )
        .order_by("attempt__submitted_at", "attempt_id", "position")
    )


def access_gradable_response(actor: Actor, response_id: int) -> Response:
    """An essay response of a submitted attempt the actor may grade; 404 otherwise (another
    administration's, an open attempt's, a missing one: the same answer)."""
    response = (
        Response.objects.filter(
            gradable_q(actor, "attempt__"),
            pk=response_id,
            version__type=ESSAY,
            attempt__status__in=GRADED_STATUSES,
        )
        .select_related(
            "attempt__user", "attempt__administration", "attempt__assessment", "version"
        )
        .first()
    )
    if response is None:
        raise Http404
    return response


def shows_officer_name(actor: Actor, attempt: Attempt) -> bool:
    """Graders of the officer's own administration (and platform admins) see the
    officer's name; a regional grader of another administration's officer sees the
    administration and the attempt's number only (regional roles see no names)."""
    roles = roles_of(actor)
    if Role.PLATFORM_ADMIN in roles:
        return True
    return (
        actor.administration_id is not None and actor.administration_id == attempt.administration_id
    )


def grade_history(response: Response) -> QuerySet[ManualGrade]:
    """Every grade given to the response, oldest first (the last current one counts)."""
    return (
        ManualGrade.objects.filter(response=response)
        .select_related("grader")
        .order_by("graded_at", "pk")
    )


def essay_files_of(response: Response) -> list[EssayFile]:
    """The files of the response's answer, in the answer's order."""
    keys = list((response.answer or {}).get("files") or [])
    if not keys:
        return []
    files = {f.key: f for f in EssayFile.objects.filter(response=response, key__in=keys)}
    return [files[key] for key in keys if key in files]


def access_essay_file(actor: Actor, attempt_id: int, key: str) -> EssayFile:
    """A file of an essay: for the officer who attached it, and for the people who may
    grade the attempt (once submitted); 404 for anyone else, whatever the key."""
    if not actor.is_authenticated:
        raise Http404
    files = EssayFile.objects.filter(attempt_id=attempt_id, key=key)
    essay_file = files.filter(attempt__user_id=actor.pk).first()
    if essay_file is None:
        essay_file = files.filter(
            gradable_q(actor, "attempt__"), attempt__status__in=GRADED_STATUSES
        ).first()
    if essay_file is None:
        raise Http404
    return essay_file
