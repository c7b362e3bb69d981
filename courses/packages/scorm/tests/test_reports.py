"""SCORM results in the reports (issue 12, point 9): the officer page and the export, for
the officer's administration only; course progress and the compliance matrix follow the
lesson completion that a finished package brings (test_runtime.py)."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Enrolment
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

from .runtime import GOLF_12, body, commit, enrol, scorm_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def golf(home_page):
    return scorm_course(home_page, packages=[GOLF_12])


def play(officer, golf, *, status="passed", raw="85"):
    enrol(officer, golf)
    client = Client()
    client.force_login(officer)
    slot = golf.slots[0]
    response = commit(
        client,
        slot,
        body(
            slot,
            seq=1,
            cmi={
                "cmi.core.lesson_status": status,
                "cmi.core.score.raw": raw,
                "cmi.core.score.max": "100",
                "cmi.core.session_time": "00:12:00",
            },
        ),
    )
    assert response.status_code == 200


def export(client, fmt="csv"):
    response = client.get(reverse("tracking:scorm_export", args=["PER", fmt]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_officer_page_shows_scorm_results(client, golf, per_officer, per_manager):
    play(per_officer, golf)
    client.force_login(per_manager)
    response = client.get(reverse("tracking:officer", args=["PER", per_officer.pk]))
    (result,) = response.context["overview"].scorm
    assert (result.completion, result.success, result.score_percent) == (
        "completed",
        "passed",
        85.0,
    )
    assert result.attempts == 1 and result.minutes == 12
    html = response.content.decode()
    assert "RuntimeBasicCalls_SCORM12" in html
    # A finished package moved the course's progress, which the matrix and exports read.
    assert Enrolment.objects.get(user=per_officer).percent_complete > 0


def test_the_export_has_a_row_per_officer_and_package_in_a_fixed_number_of_queries(
    client, golf, per, per_unit, per_officer, per_manager, pan_officer
):
    play(per_officer, golf)
    play(pan_officer, golf, status="failed", raw="20")  # another administration's
    client.force_login(per_manager)
    with CaptureQueriesContext(connection) as one:
        rows = list(csv.reader(io.StringIO(export(client).decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][0] == per_officer.employee_number
    assert rows[1][3] == "RuntimeBasicCalls_SCORM12"
    assert rows[1][7] == "85.0" and rows[1][8] == "1" and rows[1][9] == "12"
    for n in range(3):
        colleague = UserFactory(
            administration=per, unit=per_unit, roles={Role.OFFICER}, employee_number=f"P{n}"
        )
        play(colleague, golf, status="incomplete", raw="10")
    with CaptureQueriesContext(connection) as four:
        rows = list(csv.reader(io.StringIO(export(client).decode("utf-8-sig"))))
    assert len(rows) == 5
    assert len(four) == len(one)
    assert export(client, "xlsx")[:2] == b"PK"
