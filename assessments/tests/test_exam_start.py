"""Starting an attempt when a whole class presses Start at once (issue 15, "synchronised
exam start"): a fixed, small number of queries whatever the number of questions or the
size of the pool, a draw that always takes the questions' current versions, tokens drawn
evenly, and still one open attempt per officer and no more than the allowed attempts when
several tabs press Start in the same instant.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services, tokens
from assessments.models import (
    AssessmentPage,
    Attempt,
    AttemptEvent,
    AttemptSheet,
    DrawRule,
    PreparedAttempt,
    Question,
    Response,
)
from assessments.tests.fixtures import QUESTIONS, make_bank, press_in_every_tab
from courses import services as course_services
from courses.tests.fixtures import add

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(assessment, per_officer):
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    return per_officer


def _exam(course_tree, questions: int, pool: int) -> AssessmentPage:
    bank = make_bank(f"Pool {pool}", questions={f"q{n}": QUESTIONS["sc"] for n in range(pool)})
    page = AssessmentPage(title=f"Exam {questions}", slug=f"exam-{questions}-{pool}", pass_mark=50)
    page.draw_rules = [DrawRule(bank=bank, count=questions)]
    add(course_tree.module1, page)
    return page


def _statements(context: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in context.captured_queries if not re.match(r"(SAVEPOINT|RELEASE)", q["sql"])
    ]


@pytest.mark.parametrize(("questions", "pool"), [(5, 5), (40, 40), (40, 200)])
def test_starting_uses_the_same_queries_whatever_the_questions_and_the_pool(
    course_tree, per_officer, questions, pool
):
    """Lock the officer, their attempts, the rules (translations), the attempt, the look
    for a prepared draw (none here: assessments/preparation.py), the draw rules, the
    pool's ids, the drawn versions, its responses (one statement), the versions' first
    use, the event: eleven; a later officer's start draws versions already used and skips
    that update: ten. On PostgreSQL, Start first reads the attempts and the draw rules and
    tries the prepared draw in one statement (services._start_prepared), finds none, and
    passes the draw rules on: two more."""
    from lms.accounts.tests.factories import officer as make_officer

    page = _exam(course_tree, questions, pool)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    with CaptureQueriesContext(connection) as first:
        attempt = services.attempt_start(actor=per_officer, assessment=page)
    extra = 2 if connection.vendor == "postgresql" else 0
    assert len(_statements(first)) == 11 + extra, _statements(first)
    assert attempt.responses.count() == questions
    # Every version in the bank drawn once, so the next officer's draw is all used ones.
    used = Response.objects.values_list("version_id", flat=True)
    from assessments.models import QuestionVersion

    QuestionVersion.objects.exclude(pk__in=used).update(used_at=attempt.started_at)
    colleague = make_officer(per_officer.administration)
    course_services.enrolment_create(actor=colleague, course=course_tree.course)
    with CaptureQueriesContext(connection) as later:
        services.attempt_start(actor=colleague, assessment=page)
    assert len(_statements(later)) == 10 + extra, _statements(later)


def test_pressing_start_over_http_has_a_pinned_query_count(
    client, course_tree, per_officer, django_assert_num_queries
):
    """The whole request: session, user, the page, the course (read once, then kept in
    the page cache: cold here) and the enrolment, then the service's eleven (thirteen on
    PostgreSQL, above) and the savepoint pair of the transaction inside the test's (two
    pairs on PostgreSQL: the one-statement try is guarded by a savepoint too, inside a
    transaction; in production it runs in none)."""
    page = _exam(course_tree, 40, 40)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)
    with django_assert_num_queries(22 if connection.vendor == "postgresql" else 18):
        response = client.post(f"/assessments/{page.pk}/start/")
    attempt = Attempt.objects.get(user=per_officer)
    assert response.status_code == 302 and response["Location"] == f"/attempts/{attempt.pk}/"
    assert attempt.responses.count() == 40


def test_the_stored_draw_is_the_questions_current_versions_in_full(course_tree, per_officer):
    """The draw reads ids only; what is stored must still be each question's current
    version, with every entry of the version shuffled, tokened and scored."""
    page = _exam(course_tree, 6, 6)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    question = Question.objects.get(uid="q0")
    services.question_version_save(
        actor=None,
        question=question,
        qtype="multiple_response",
        data={"options": [{"id": i} for i in "abcde"], "correct": ["a", "e"]},
        texts={"en": {"stem": "<p>Pick two</p>", "options": {i: {"text": i} for i in "abcde"}}},
        points=3,
    )
    attempt = services.attempt_start(actor=per_officer, assessment=page)
    responses = {r.version.question.uid: r for r in attempt.responses.select_related("version")}
    assert {r.version_id for r in responses.values()} == set(
        Question.objects.filter(bank=page.draw_rules.get().bank).values_list(
            "current_version_id", flat=True
        )
    )
    changed = responses["q0"]
    assert changed.version.type == "multiple_response" and changed.max_points == 3.0
    assert sorted(changed.option_order["options"]) == list("abcde")
    assert sorted(changed.option_order["tokens"]) == [f"options:{i}" for i in "abcde"]
    assert sorted(r.position for r in responses.values()) == list(range(1, 7))
    assert all(r.answer is None and r.seq == 0 for r in responses.values())
    assert all(r.version.used_at is not None for r in responses.values())
    # Archived questions leave the pool: the bank is now too small for six.
    Question.objects.filter(uid="q5").update(archived=True)
    services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    with pytest.raises(services.AttemptRefused) as refusal:
        services.attempt_start(actor=per_officer, assessment=page)
    assert refusal.value.code == "bank_too_small"


def test_tokens_are_drawn_evenly_from_the_alphabet():
    """One byte of randomness per letter: each of the 32 letters stands for exactly 8 of
    the 256 byte values, so no letter is likelier than another."""
    assert Counter(tokens._LETTER) == {letter: 8 for letter in tokens.TOKEN_ALPHABET.encode()}
    drawn = tokens._new_tokens(4000)
    assert len(set(drawn)) == 4000
    assert all(len(token) == tokens.TOKEN_LENGTH for token in drawn)
    letters = Counter("".join(drawn))
    assert set(letters) == set(tokens.TOKEN_ALPHABET)
    expected = 4000 * tokens.TOKEN_LENGTH / 32
    assert all(abs(count - expected) < 0.15 * expected for count in letters.values())


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks need PostgreSQL (the CI leg runs it)"
)
@pytest.mark.parametrize("prepared", [False, True], ids=["drawn-at-start", "prepared-ahead"])
def test_tabs_pressing_start_at_once_share_one_attempt_and_respect_the_limit(
    assessment, officer, prepared
):
    """The assessment allows two attempts. Eight tabs press Start at once: one attempt,
    every tab sent to it. After it is submitted, eight tabs again: one second attempt.
    After that one, eight tabs: none, every tab sent back to the assessment. With draws
    prepared ahead before each round, Start takes its one-statement path, which holds no
    lock on the officer: the database's constraints and the draw's row lock decide."""
    from assessments.preparation import attempts_prepare

    def prepare() -> None:
        if prepared:
            assert attempts_prepare(assessment=assessment.page) == 1

    def taken(attempt: Attempt) -> None:
        """With a prepared draw, the attempt is that draw (its sheet went with it)."""
        if prepared:
            assert not PreparedAttempt.objects.exists()
            assert AttemptSheet.objects.filter(attempt=attempt).exists()

    page = assessment.page
    prepare()
    first = press_in_every_tab(officer, f"/assessments/{page.pk}/start/", 8)
    attempt = Attempt.objects.get(user=officer)
    assert first == [(302, f"/attempts/{attempt.pk}/")] * 8
    assert attempt.responses.count() == len(QUESTIONS)
    taken(attempt)
    services.attempt_submit(actor=officer, attempt_id=attempt.pk)

    prepare()
    second = press_in_every_tab(officer, f"/assessments/{page.pk}/start/", 8)
    again = Attempt.objects.get(user=officer, number=2)
    assert second == [(302, f"/attempts/{again.pk}/")] * 8
    assert again.responses.count() == len(QUESTIONS)
    taken(again)
    services.attempt_submit(actor=officer, attempt_id=again.pk)

    third = press_in_every_tab(officer, f"/assessments/{page.pk}/start/", 8)
    assert third == [(302, page.url)] * 8
    assert Attempt.objects.filter(user=officer).count() == 2
    assert AttemptEvent.objects.filter(attempt__user=officer, kind="started").count() == 2
