"""Grading an attempt costs a fixed number of queries whatever its size and its mix of
question types, the issue 13 types included (pinned: a change that adds a query per
question fails here)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services, types
from assessments.models import AssessmentPage, Attempt, DrawRule
from assessments.tests.fixtures import make_bank
from assessments.tests.test_grading import VALID_QUESTIONS
from courses import services as course_services
from courses.tests.fixtures import add

pytestmark = pytest.mark.django_db

AUTOMATIC = [t.name for t in types.TYPES if t.name != "essay"]
SUBMIT_QUERIES = 5
"""Lock the attempt, load its responses with their versions, store every grade in one
statement, update the attempt, record the event (a failed attempt: no certificate)."""


def stem_for(qtype: str, data: dict) -> str:
    """A stem that marks every gap of the types that need it."""
    gaps = data.get("gaps") if qtype in ("cloze", "drag_drop_text") else None
    if gaps:
        return "<p>" + " ".join("{{" + gap["id"] + "}}" for gap in gaps) + "</p>"
    return f"<p>A {qtype} question.</p>"


def attempt_of(course_tree, officer, qtypes: list[str], copies: int, slug: str) -> Attempt:
    questions = {
        f"{qtype}-{n}": (
            qtype,
            VALID_QUESTIONS[qtype],
            {"stem": stem_for(qtype, VALID_QUESTIONS[qtype])},
        )
        for qtype in qtypes
        for n in range(copies)
    }
    bank = make_bank(slug, questions=questions)
    page = AssessmentPage(title=slug, slug=slug, pass_mark=50)
    page.draw_rules = [DrawRule(bank=bank, count=len(questions))]
    add(course_tree.module1, page)
    return services.attempt_start(actor=officer, assessment=page)


def submit_queries(officer, attempt: Attempt) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        services.attempt_submit(actor=officer, attempt_id=attempt.pk)
    return [
        q["sql"] for q in context.captured_queries if not re.match(r"(SAVEPOINT|RELEASE)", q["sql"])
    ]


def test_grading_every_type_costs_the_same_queries_for_13_and_39_questions(
    course_tree, per_officer
):
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    small = attempt_of(course_tree, per_officer, AUTOMATIC, 1, "small")
    large = attempt_of(course_tree, per_officer, AUTOMATIC, 3, "large")
    assert large.responses.count() == 3 * len(AUTOMATIC) >= 39
    few, many = submit_queries(per_officer, small), submit_queries(per_officer, large)
    assert len(many) == len(few) == SUBMIT_QUERIES, [q[:80] for q in many]
    large.refresh_from_db()
    assert large.status == Attempt.Status.SUBMITTED


def test_an_attempt_with_essays_waits_for_grading_at_the_same_cost(course_tree, per_officer):
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    mixed = [*AUTOMATIC, "essay"]
    small = attempt_of(course_tree, per_officer, mixed, 1, "small-essays")
    large = attempt_of(course_tree, per_officer, mixed, 3, "large-essays")
    for attempt in (small, large):
        for response in attempt.responses.select_related("version").filter(version__type="essay"):
            services.response_save(
                actor=per_officer,
                attempt_id=attempt.pk,
                position=response.position,
                seq=1,
                answer={"text": "I refuse the gift and report it to my supervisor.", "files": []},
            )
    few, many = submit_queries(per_officer, small), submit_queries(per_officer, large)
    assert len(many) == len(few), [q[:80] for q in many]
    large.refresh_from_db()
    assert large.status == Attempt.Status.GRADING
