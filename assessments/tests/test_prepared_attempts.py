"""Draws prepared ahead of a synchronised start (issue 15, assessments/preparation.py):
starting copies the officer's prepared draw in a pinned, small number of statements; with
none, or a stale one (a question edited or archived, the draw rules changed), it draws
there and then; a prepared draw is never an attempt anywhere (the officer's page, the
limits, item analysis, versions' first use); preparing is idempotent and bounded; and
tabs pressing Start at once still share one open attempt.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import preparation, selectors, services
from assessments.models import (
    Attempt,
    AttemptEvent,
    DrawRule,
    PreparedAttempt,
    PreparedResponse,
    Question,
    QuestionBank,
    QuestionVersion,
    Response,
)
from assessments.tests.fixtures import QUESTIONS, press_in_every_tab
from courses import services as course_services
from lms.accounts.tests.factories import officer as make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(assessment, per_officer):
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    return per_officer


def _statements(context: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in context.captured_queries if not re.match(r"(SAVEPOINT|RELEASE)", q["sql"])
    ]


def _prepared_rows(officer, assessment) -> list[tuple]:
    prepared = PreparedAttempt.objects.get(
        user=officer, assessment_key=assessment.page.translation_key
    )
    return list(
        PreparedResponse.objects.filter(prepared=prepared)
        .order_by("position")
        .values_list("position", "version_id", "section", "option_order", "max_points")
    )


def test_start_copies_the_prepared_draw_in_a_pinned_number_of_statements(assessment, officer):
    """Lock, attempts, rules, the attempt, the prepared draw (with its staleness), the draw
    rules' fingerprint, then the copy, the versions' first use, the question sheet rendered
    ahead, the two deletes and the event: twelve. On PostgreSQL: the attempts, the rules,
    the draw rules, then one statement for all the rest (services._start_prepared): four.
    Whatever the number of questions. The attempt holds exactly the prepared draw:
    versions, order, tokens, points."""
    assert preparation.attempts_prepare(assessment=assessment.page) == 1
    prepared = _prepared_rows(officer, assessment)
    assert len(prepared) == len(QUESTIONS)
    assert all("tokens" in order for _p, _v, _s, order, _m in prepared)
    with CaptureQueriesContext(connection) as context:
        attempt = services.attempt_start(actor=officer, assessment=assessment.page, language="es")
    statements = _statements(context)
    assert len(statements) == (4 if connection.vendor == "postgresql" else 12), statements
    assert not any('FROM "assessments_question"' in sql for sql in statements)  # no pool read
    started = list(
        Response.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("position", "version_id", "section", "option_order", "max_points")
    )
    assert started == prepared
    assert attempt.status == Attempt.Status.OPEN and attempt.number == 1
    assert attempt.language == "es" and attempt.deadline is None
    assert not PreparedAttempt.objects.exists() and not PreparedResponse.objects.exists()
    assert AttemptEvent.objects.filter(attempt=attempt, kind="started").count() == 1
    used = set(
        QuestionVersion.objects.filter(pk__in=[v for _p, v, *_ in started]).values_list(
            "used_at", flat=True
        )
    )
    assert len(used) == 1 and None not in used  # marked once, by this start


def test_start_without_a_prepared_draw_draws_there_and_then(assessment, officer):
    attempt = services.attempt_start(actor=officer, assessment=assessment.page)
    assert attempt.responses.count() == len(QUESTIONS)
    assert all("tokens" in r.option_order for r in attempt.responses.all())


def test_a_question_edited_in_place_after_preparation_is_never_served(assessment, officer):
    """Nobody started yet, so the version is edited in place: its prepared draws go, as
    their option orders and tokens were made from the old options."""
    preparation.attempts_prepare(assessment=assessment.page)
    question = Question.objects.get(bank=assessment.bank, uid="sc")
    version = question.current_version
    services.question_version_save(
        actor=None,
        question=question,
        qtype="single_choice",
        data={"options": [{"id": i} for i in "abcde"], "correct": "e"},
        texts={"en": {"stem": "<p>Five now</p>", "options": {i: {"text": i} for i in "abcde"}}},
    )
    assert QuestionVersion.objects.get(pk=version.pk).used_at is None  # edited in place
    assert not PreparedAttempt.objects.exists()
    attempt = services.attempt_start(actor=officer, assessment=assessment.page)
    edited = attempt.responses.get(version=version)
    assert sorted(edited.option_order["options"]) == list("abcde")
    assert sorted(edited.option_order["tokens"]) == [f"options:{i}" for i in "abcde"]


def test_a_new_version_or_an_archived_question_discards_the_prepared_draw(assessment, officer, per):
    """A version used by a colleague's attempt is edited into a new version after the
    draws were prepared; later a question is archived: each start draws afresh, with the
    current versions only, and a new run of the preparation re-draws the stale draws."""
    colleague = make_officer(per)
    course_services.enrolment_create(actor=colleague, course=assessment.tree.course)
    third = make_officer(per)
    course_services.enrolment_create(actor=third, course=assessment.tree.course)
    assert preparation.attempts_prepare(assessment=assessment.page) == 3
    services.attempt_start(actor=colleague, assessment=assessment.page)  # versions now used
    question = Question.objects.get(bank=assessment.bank, uid="sc")
    old = question.current_version
    new = services.question_version_save(
        actor=None,
        question=question,
        qtype="single_choice",
        data={"options": [{"id": i} for i in "xyz"], "correct": "x"},
        texts={"en": {"stem": "<p>New</p>", "options": {i: {"text": i} for i in "xyz"}}},
    )
    assert new.pk != old.pk
    attempt = services.attempt_start(actor=officer, assessment=assessment.page)
    drawn = set(attempt.responses.values_list("version_id", flat=True))
    assert new.pk in drawn and old.pk not in drawn
    assert not PreparedAttempt.objects.filter(user=officer).exists()
    # The run after the edit re-draws the third officer's stale draw with the new version.
    assert preparation.attempts_prepare(assessment=assessment.page) == 1
    assert new.pk in {v for _p, v, *_ in _prepared_rows(third, assessment)}
    # Archived after that run: the prepared draw holding it is not used either.
    Question.objects.filter(pk=question.pk).update(archived=True)
    DrawRule.objects.filter(page=assessment.page).update(count=len(QUESTIONS) - 1)
    attempt = services.attempt_start(actor=third, assessment=assessment.page)
    assert new.pk not in set(attempt.responses.values_list("version_id", flat=True))
    assert attempt.responses.count() == len(QUESTIONS) - 1


def test_changed_draw_rules_discard_the_prepared_draw(assessment, officer):
    preparation.attempts_prepare(assessment=assessment.page)
    DrawRule.objects.filter(page=assessment.page).update(count=3, section="Three")
    attempt = services.attempt_start(actor=officer, assessment=assessment.page)
    assert attempt.responses.count() == 3
    assert set(attempt.responses.values_list("section", flat=True)) == {"Three"}
    assert not PreparedAttempt.objects.exists()


@pytest.mark.parametrize("change", ["moved to another bank", "its tag removed"])
def test_a_question_the_rules_no_longer_draw_is_never_served(assessment, officer, per, change):
    """The rule draws tagged questions of the bank; after the draws were prepared, one
    drawn question leaves the pool (moved to another bank, or untagged). Starting draws
    afresh without it, and the next preparation run re-draws a colleague's draw holding it."""
    DrawRule.objects.filter(page=assessment.page).update(count=len(QUESTIONS) - 1, tag="core")
    for question in Question.objects.filter(bank=assessment.bank):
        question.tags.add("core")
    colleague = make_officer(per)
    course_services.enrolment_create(actor=colleague, course=assessment.tree.course)
    assert preparation.attempts_prepare(assessment=assessment.page) == 2
    drawn = {v for _p, v, *_ in _prepared_rows(officer, assessment)}
    theirs = {v for _p, v, *_ in _prepared_rows(colleague, assessment)}
    gone = Question.objects.get(current_version_id=sorted(drawn & theirs)[0])
    if change == "moved to another bank":
        Question.objects.filter(pk=gone.pk).update(
            bank=QuestionBank.objects.create(title="Elsewhere")
        )
    else:
        gone.tags.remove("core")
    attempt = services.attempt_start(actor=officer, assessment=assessment.page)
    versions = set(attempt.responses.values_list("version_id", flat=True))
    assert gone.current_version_id not in versions
    assert len(versions) == len(QUESTIONS) - 1
    assert preparation.attempts_prepare(assessment=assessment.page) == 1  # re-drawn
    assert gone.current_version_id not in {v for _p, v, *_ in _prepared_rows(colleague, assessment)}


def test_a_prepared_draw_is_never_an_attempt(client, assessment, officer, per):
    """Prepared for a whole class: nobody has an attempt, no version counts as used, the
    attempt limit is untouched, the officer's page offers Start with no attempt listed,
    and item analysis counts nothing."""
    others = [make_officer(per) for _ in range(3)]
    for other in others:
        course_services.enrolment_create(actor=other, course=assessment.tree.course)
    page = assessment.page
    page.max_attempts = 1
    page.save()
    assert preparation.attempts_prepare(assessment=page) == 4
    assert PreparedResponse.objects.count() == 4 * len(QUESTIONS)
    assert not Attempt.objects.exists() and not Response.objects.exists()
    assert not QuestionVersion.objects.filter(used_at__isnull=False).exists()
    assert list(selectors.attempt_list_for_user(officer, page)) == []
    client.force_login(officer)
    body = client.get(page.url).content.decode()
    assert f"/assessments/{page.pk}/start/" in body
    manager = make_officer(per)
    analysis = selectors.item_analysis(manager, page)
    assert analysis["items"] == [] and analysis.get("attempts", 0) == 0
    # The one allowed attempt is still there to use, and it is the prepared one.
    attempt = services.attempt_start(actor=officer, assessment=page)
    assert attempt.number == 1
    services.attempt_submit(actor=officer, attempt_id=attempt.pk)
    with pytest.raises(services.AttemptRefused):
        services.attempt_start(actor=officer, assessment=page)


def test_preparing_is_idempotent_bounded_and_only_for_those_who_may_start(assessment, officer, per):
    class_ = [make_officer(per) for _ in range(4)]
    for other in class_:
        course_services.enrolment_create(actor=other, course=assessment.tree.course)
    stranger = make_officer(per)  # not enrolled
    inactive = make_officer(per, is_active=False)
    course_services.enrolment_create(actor=inactive, course=assessment.tree.course)
    sitting = class_[0]
    services.attempt_start(actor=sitting, assessment=assessment.page)  # an open attempt
    assert preparation.attempts_prepare(assessment=assessment.page, limit=2) == 2
    assert preparation.attempts_prepare(assessment=assessment.page) == 2
    assert preparation.attempts_prepare(assessment=assessment.page) == 0
    ready = set(PreparedAttempt.objects.values_list("user_id", flat=True))
    assert ready == {officer.pk, *(o.pk for o in class_[1:])}
    assert stranger.pk not in ready and inactive.pk not in ready and sitting.pk not in ready
    # The officer who used both allowed attempts gets nothing more.
    services.attempt_submit(
        actor=sitting,
        attempt_id=Attempt.objects.get(user=sitting, status="open").pk,
    )
    second = services.attempt_start(actor=sitting, assessment=assessment.page)
    services.attempt_submit(actor=sitting, attempt_id=second.pk)
    assert preparation.attempts_prepare(assessment=assessment.page) == 0
    assert PreparedAttempt.objects.count() == 4
    assert PreparedResponse.objects.count() == 4 * len(QUESTIONS)


def test_the_scheduled_run_prepares_the_assessments_about_to_open(assessment, officer):
    page = assessment.page
    now = timezone.now()
    page.available_from = now + timedelta(days=3)
    page.save_revision().publish()
    assert preparation.attempts_prepare_due(now=now) == 0
    assert preparation.attempts_prepare_due(now=now + timedelta(days=2, hours=1)) == 1
    assert preparation.attempts_prepare_due(now=now + timedelta(days=2, hours=1)) == 0
    assert PreparedAttempt.objects.get().user_id == officer.pk


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks need PostgreSQL (the CI leg runs it)"
)
def test_tabs_pressing_start_at_once_share_one_attempt_made_of_the_prepared_draw(
    assessment, officer
):
    page = assessment.page
    preparation.attempts_prepare(assessment=page)
    prepared = _prepared_rows(officer, assessment)
    received = press_in_every_tab(officer, f"/assessments/{page.pk}/start/", 8)
    attempt = Attempt.objects.get(user=officer)
    assert received == [(302, f"/attempts/{attempt.pk}/")] * 8
    assert (
        list(
            Response.objects.filter(attempt=attempt)
            .order_by("position")
            .values_list("position", "version_id", "section", "option_order", "max_points")
        )
        == prepared
    )
    assert not PreparedAttempt.objects.exists()


def test_the_command_prepares_one_assessment_or_those_due(assessment, officer):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("prepare_attempts", "--assessment", str(assessment.page.pk), stdout=out)
    assert "Prepared 1 attempt draw(s)." in out.getvalue()
    call_command("prepare_attempts", stdout=out)  # nothing opens within a day
    assert out.getvalue().endswith("Prepared 0 attempt draw(s).\n")
    assert PreparedAttempt.objects.get().user_id == officer.pk


def test_the_draw_rules_start_reads_from_the_page_cache_follow_their_changes(assessment):
    """Start takes the draw rules (with the bank titles that name untitled sections) from
    the page cache: a rule or a bank saved is seen at the next Start, never an old copy,
    whatever the order in which a published revision writes the page and its rules."""
    from assessments.models import DrawRule
    from assessments.selectors import live_assessment

    page = assessment.page
    rule = DrawRule.objects.get(page=page)
    assert live_assessment(page.pk)[2] == [(assessment.bank.pk, "Bank", "", rule.count, "All")]
    with CaptureQueriesContext(connection) as cached:
        live_assessment(page.pk)
    assert len(cached) == 0
    assessment.bank.title = "Integrity bank"
    assessment.bank.save()
    assert live_assessment(page.pk)[2][0][1] == "Integrity bank"
    DrawRule.objects.filter(pk=rule.pk).update(count=1)  # no signal: still the cached copy
    assert live_assessment(page.pk)[2][0][3] == rule.count
    rule.count, rule.section = 2, ""
    rule.save()
    assert live_assessment(page.pk)[2] == [(assessment.bank.pk, "Integrity bank", "", 2, "")]


@pytest.mark.parametrize("time_limit", [None, 30], ids=["no-time-limit", "timed"])
def test_start_run_as_a_statement_prepared_on_the_server_copies_the_draw(
    assessment, officer, per, server_prepares_at_once, time_limit
):
    """PostgreSQL prepares the Start statement once per connection (lms/db/postgresql):
    its parameters are then typed by the server, a NULL deadline and a real one alike.
    Two officers start through the prepared statement; each attempt is that officer's
    own draw, deadline and event."""
    from dataclasses import replace

    second = make_officer(per)
    course_services.enrolment_create(actor=second, course=assessment.tree.course)
    assert preparation.attempts_prepare(assessment=assessment.page) == 2
    rules = replace(selectors.assessment_rules(assessment.page), time_limit_minutes=time_limit)
    for person in (officer, second):
        prepared = _prepared_rows(person, assessment)
        before = timezone.now()
        attempt = services.attempt_start(
            actor=person, assessment=assessment.page, language="es", rules=rules
        )
        attempt.refresh_from_db()
        assert attempt.user == person and attempt.status == Attempt.Status.OPEN
        started = list(
            Response.objects.filter(attempt=attempt)
            .order_by("position")
            .values_list("position", "version_id", "section", "option_order", "max_points")
        )
        assert started == prepared
        if time_limit is None:
            assert attempt.deadline is None
        else:
            expected = before + timedelta(minutes=time_limit)
            assert expected <= attempt.deadline <= expected + timedelta(seconds=5)
        event = AttemptEvent.objects.get(attempt=attempt)
        assert event.kind == "started" and event.actor == person
    statements = server_prepares_at_once()
    if statements is not None:  # PostgreSQL: it ran as a prepared statement
        assert any(sql.startswith("WITH p AS") for sql in statements), statements
    assert not PreparedAttempt.objects.exists()
