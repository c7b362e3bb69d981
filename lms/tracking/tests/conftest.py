"""Officers of PER in every compliance state, shared by the tracking tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from certificates.services import certificate_revoke
from certificates.tests.fixtures import issue, make_programme
from courses.models import Enrolment
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UnitFactory, UserFactory
from lms.tracking.models import Assignment, OfficerAssignment

NOW = timezone.now()


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def officer(administration, unit, name, number, **extra):
    return UserFactory(
        username=f"u-{administration.code}-{number}".lower(),
        full_name=name,
        administration=administration,
        unit=unit,
        employee_number=number,
        roles={Role.OFFICER},
        **extra,
    )


def overdue_assignment(person, *, programme=None, course=None, due_days=-3, done=False):
    course_key = course.translation_key if course is not None else None
    assignment = Assignment.objects.create(
        administration=person.administration,
        programme=programme,
        course=course,
        course_key=course_key,
        due_on=timezone.localdate() + dt.timedelta(days=due_days),
    )
    return OfficerAssignment.objects.create(
        assignment=assignment,
        officer=person,
        administration=person.administration,
        programme=programme,
        course_key=course_key,
        due_on=assignment.due_on,
        completed_at=NOW if done else None,
    )


@pytest.fixture
def world(
    per, pan, per_unit, pan_unit, course_tree, per_manager, django_capture_on_commit_callbacks
):
    """One officer of PER in each state of the 36-month programme on the course tree's
    course, plus distractors (a PAN officer, a PER manager who is not an officer)."""
    course = course_tree.course
    programme = make_programme(code="integrity", course=course, validity_months=36)
    sub = UnitFactory(administration=per, code="CALLAO-T1", name="Terminal 1", parent=per_unit)
    lima = UnitFactory(administration=per, code="LIMA", name="Lima airport")
    people = SimpleNamespace(
        valid=officer(per, per_unit, "Ana Valid", "V-1"),
        expiring=officer(per, sub, "Beto Expiring", "E-1"),
        expired=officer(per, lima, "Carla Expired", "X-1"),
        overdue=officer(per, lima, "Dario Overdue", "O-1"),
        progress=officer(per, per_unit, "Elena Progress", "P-1"),
        nothing=officer(per, None, "Fabio Nothing", "N-1"),
        revoked=officer(per, per_unit, "Gina Revoked", "R-1"),
        renewed=officer(per, per_unit, "Hugo Renewed", "W-1"),
        comeback=officer(per, per_unit, "Ines Comeback", "C-1"),
        done_assignment=officer(per, per_unit, "Juan Done", "D-1"),
        expired_overdue=officer(per, lima, "Karla Both", "B-1"),
        pan=officer(pan, pan_unit, "Pan Person", "V-1"),
    )
    with django_capture_on_commit_callbacks(execute=False):
        issue(people.valid, programme, issued_at=ago(30))
        issue(people.expiring, programme, issued_at=ago(36 * 30 - 20))  # expires in ~2 months
        issue(people.expired, programme, issued_at=ago(40 * 30))
        issue(people.expired_overdue, programme, issued_at=ago(40 * 30))
        issue(people.pan, programme, issued_at=ago(10))
        revoked = issue(people.revoked, programme, issued_at=ago(10))
        certificate_revoke(actor=per_manager, certificate=revoked, reason="Issued by mistake.")
        old = issue(people.renewed, programme, issued_at=ago(36 * 30 - 10))
        issue(people.renewed, programme, issued_at=ago(5), previous=old)
        issue(people.comeback, programme, issued_at=ago(40 * 30))
        issue(people.comeback, programme, issued_at=ago(2))
    overdue_assignment(people.overdue, programme=programme)
    overdue_assignment(people.expired_overdue, course=course)
    overdue_assignment(people.done_assignment, programme=programme, done=True)
    overdue_assignment(people.nothing, programme=programme, due_days=10)  # not due yet
    Enrolment.objects.create(
        user=people.progress, administration=per, course=course, course_key=course.translation_key
    )
    return SimpleNamespace(
        per=per, pan=pan, programme=programme, people=people, sub=sub, lima=lima, unit=per_unit
    )
