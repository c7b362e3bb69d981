"""The review policy: answers never give away the next attempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assessments import review, services
from assessments.models import AssessmentPage, Attempt, ReviewPolicy
from assessments.review import Situation, review_visibility
from assessments.tests.fixtures import browser_answer
from assessments.tests.test_attempts import RIGHT
from courses import services as course_services

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def situation(policy, used=1, maximum=3, open_=False, until=None):
    return Situation(
        policy=policy,
        attempts_used=used,
        max_attempts=maximum,
        attempt_open=open_,
        available_until=until,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("case", "score", "answers"),
    [
        (situation(review.AFTER_LAST, used=1, maximum=3), True, False),
        (situation(review.AFTER_LAST, used=2, maximum=3), True, False),
        (situation(review.AFTER_LAST, used=3, maximum=3), True, True),
        (situation(review.AFTER_LAST, used=5, maximum=None), True, False),  # unlimited
        (situation(review.AFTER_LAST, used=1, until=NOW - timedelta(minutes=1)), True, True),
        (situation(review.AFTER_LAST, used=1, until=NOW + timedelta(minutes=1)), True, False),
        (situation(review.AFTER_LAST, used=3, maximum=3, open_=True), True, False),
        (situation(review.AFTER_CLOSE, used=3, maximum=3), True, False),
        (situation(review.AFTER_CLOSE, until=NOW), True, True),
        (situation(review.SCORE, used=3, maximum=3), True, False),
        (situation(review.ANSWERS, used=1, maximum=3), True, True),
        (situation(review.NOTHING, used=3, maximum=3), False, False),
        (situation("unknown", used=3, maximum=3), False, False),
    ],
)
def test_review_visibility(case, score, answers):
    assert review_visibility(case) == review.Visibility(score=score, answers=answers)


def test_policy_values_match_the_model():
    assert {c.value for c in ReviewPolicy} == {
        review.NOTHING,
        review.SCORE,
        review.ANSWERS,
        review.AFTER_CLOSE,
        review.AFTER_LAST,
    }


@pytest.mark.django_db
def test_the_default_policy_keeps_the_answers_until_no_attempt_remains(
    client, assessment, per_officer
):
    """A new assessment's default: after the first of two attempts the officer sees the
    score only; after the last, the answers and their feedback."""
    page = AssessmentPage.objects.get(pk=assessment.page.pk)
    assert page.review_policy == ReviewPolicy.AFTER_LAST == AssessmentPage().review_policy
    assert page.max_attempts == 2
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    client.force_login(per_officer)
    pages = []
    for _number in (1, 2):
        attempt = services.attempt_start(actor=per_officer, assessment=page)
        for response in attempt.responses.select_related("version"):
            services.response_save(
                actor=per_officer,
                attempt_id=attempt.pk,
                position=response.position,
                seq=1,
                answer=browser_answer(response, RIGHT[response.version.type]),
            )
        services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
        pages.append(client.get(f"/attempts/{attempt.pk}/result/").content.decode())
    first, last = pages
    assert "data-result=" in first and "100" in first  # the score
    assert "data-review=" not in first and "CENcomm" not in first  # no answers yet
    assert "data-review=" in last and "CENcomm" in last
    # The first attempt's review opens too, now that none remains.
    earliest = Attempt.objects.filter(user=per_officer).order_by("number").first()
    assert "data-review=" in client.get(f"/attempts/{earliest.pk}/result/").content.decode()
