"""Fixtures of the API tests: rows of PER and PAN made through the services (courses
published through Wagtail, enrolments, certificates and assignments by their services).

Imported by ``lms/api/tests/conftest.py`` and by ``tests/test_tenancy_api.py`` (the
functions are named ``*_fixture`` so that importing them shadows no test argument).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from certificates.tests.fixtures import issue, make_programme
from courses import services as course_services
from courses.models import CourseIndexPage, CoursePage
from courses.tests.fixtures import add
from lms.accounts.tests.factories import UnitFactory, officer
from lms.api.models import ApiToken
from lms.tracking.assignments import assignment_create

from .helpers import make_token


def course(parent, title: str, slug: str) -> CoursePage:
    return add(
        parent,
        CoursePage(
            title=title, slug=slug, summary=f"{title}.", track="illicit_trade", level="foundation"
        ),
    )


@pytest.fixture(name="catalogue")
def catalogue_fixture(home_page, per, pan):
    """A regional course, one of PER and one of PAN; a regional programme, one of PER
    and one of PAN."""
    regional_index = add(home_page, CourseIndexPage(title="Courses", slug="courses"))
    per_index = add(home_page, CourseIndexPage(title="PER", slug="per", administration=per))
    pan_index = add(home_page, CourseIndexPage(title="PAN", slug="pan", administration=pan))
    return SimpleNamespace(
        regional=course(regional_index, "Detecting illicit trade", "detecting"),
        per=course(per_index, "Callao induction", "callao"),
        pan=course(pan_index, "Balboa induction", "balboa"),
        regional_programme=make_programme(code="illicit-trade"),
        per_programme=make_programme(code="per-port", administration=per),
        pan_programme=make_programme(code="pan-canal", administration=pan),
    )


def populate(manager, administration, unit, catalogue, count: int, *, start: int = 0):
    """``count`` officers of ``unit``, each enrolled in the regional course and holding
    the regional certificate, and one assignment of the regional course to the unit."""
    people = []
    for index in range(start, start + count):
        person = officer(
            administration,
            unit=unit,
            employee_number=f"{administration.code}-{index:03d}",
            full_name=f"Officer {administration.code} {index:03d}",
        )
        course_services.enrolment_create(actor=person, course=catalogue.regional)
        issue(person, catalogue.regional_programme)
        people.append(person)
    assignment_create(
        actor=manager,
        administration=administration,
        due_on=timezone.localdate() + dt.timedelta(days=30),
        course=catalogue.regional,
        units=[unit],
    )
    return people


@pytest.fixture(name="world")
def world_fixture(per, pan, per_unit, pan_unit, per_manager, pan_manager, catalogue):
    """Two officers in each administration with enrolments, certificates, assignments;
    a sub-unit in each; a read token and a read-write token of PER, a token of PAN."""
    per_sub = UnitFactory(administration=per, code="CALLAO-T1", name="Terminal 1", parent=per_unit)
    pan_sub = UnitFactory(administration=pan, code="BALBOA-T1", name="Terminal 1", parent=pan_unit)
    per_people = populate(per_manager, per, per_unit, catalogue, 2)
    pan_people = populate(pan_manager, pan, pan_unit, catalogue, 2)
    course_services.enrolment_create(actor=pan_people[0], course=catalogue.pan)
    issue(pan_people[0], catalogue.pan_programme)
    per_read, per_read_secret = make_token(per_manager)
    per_write, per_write_secret = make_token(per_manager, scopes=ApiToken.Scopes.READ_WRITE)
    pan_read, pan_read_secret = make_token(pan_manager)
    return SimpleNamespace(
        per_people=per_people,
        pan_people=pan_people,
        per_sub=per_sub,
        pan_sub=pan_sub,
        per_read=per_read,
        per_read_secret=per_read_secret,
        per_write=per_write,
        per_write_secret=per_write_secret,
        pan_read=pan_read,
        pan_read_secret=pan_read_secret,
        catalogue=catalogue,
    )
