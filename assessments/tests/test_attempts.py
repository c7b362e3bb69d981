import json
import re
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import events, services
from assessments.grading import ResponseError
from assessments.models import Attempt, AttemptEvent, Question, Response
from assessments.tests.fixtures import QUESTIONS, browser_answer, make_bank, press_in_every_tab
from courses import services as course_services

pytestmark = pytest.mark.django_db

RIGHT = {
    "single_choice": {"option": "b"},
    "multiple_response": {"options": ["a", "b"]},
    "true_false": {"value": False},
    "numeric": {"value": "5"},
    "ordering": {"order": ["s", "e", "v", "a"]},
    "matching": {"pairs": {"p1": "r1", "p2": "r2"}},
    "hotspot": {"clicks": [[60, 100]]},
}


@pytest.fixture
def officer(assessment, per_officer):
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    return per_officer


def start(officer, assessment):
    return services.attempt_start(actor=officer, assessment=assessment.page)


def answer_all(officer, attempt, answers=RIGHT, seq=1):
    for response in attempt.responses.select_related("version"):
        services.response_save(
            actor=officer,
            attempt_id=attempt.pk,
            position=response.position,
            seq=seq,
            answer=browser_answer(response, answers[response.version.type]),
        )


def test_start_draws_and_stores_the_questions(assessment, officer):
    attempt = start(officer, assessment)
    responses = list(attempt.responses.select_related("version"))
    assert len(responses) == len(QUESTIONS)
    assert {r.version.type for r in responses} == {q[0] for q in QUESTIONS.values()}
    assert all(r.version.used_at is not None for r in responses)
    options = next(r for r in responses if r.version.type == "single_choice").option_order
    assert sorted(options["options"]) == ["a", "b", "c"]
    assert start(officer, assessment).pk == attempt.pk  # the open attempt is returned
    assert AttemptEvent.objects.filter(attempt=attempt, kind="started").count() == 1


def test_full_marks_pass_and_announce_once(assessment, officer, django_capture_on_commit_callbacks):
    received = []

    def heard(sender, **kwargs):
        received.append(kwargs)

    events.assessment_passed.connect(heard)
    try:
        attempt = start(officer, assessment)
        answer_all(officer, attempt)
        with django_capture_on_commit_callbacks(execute=True):
            services.attempt_submit(actor=officer, attempt_id=attempt.pk)
            services.attempt_submit(actor=officer, attempt_id=attempt.pk)  # again: no effect
    finally:
        events.assessment_passed.disconnect(heard)  # the other apps' receivers stay
    attempt.refresh_from_db()
    assert (attempt.status, attempt.percent, attempt.passed) == ("submitted", 100.0, True)
    assert len(received) == 1 and received[0]["percent"] == 100.0
    assert AttemptEvent.objects.filter(attempt=attempt, kind="submitted").count() == 1


def test_blank_attempt_fails(assessment, officer):
    attempt = start(officer, assessment)
    services.attempt_submit(actor=officer, attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert attempt.percent == 0 and attempt.passed is False


def test_stale_and_repeated_autosaves_change_nothing(assessment, officer):
    attempt = start(officer, assessment)
    response = attempt.responses.get(version__type="single_choice")
    kwargs = {"actor": officer, "attempt_id": attempt.pk, "position": response.position}

    def save(seq, option):
        return services.response_save(
            seq=seq, answer=browser_answer(response, {"option": option}), **kwargs
        )[1]

    assert save(2, "b") is True
    assert save(2, "a") is False
    assert save(1, "c") is False
    response.refresh_from_db()
    assert (response.answer, response.seq) == ({"option": "b"}, 2)


@pytest.mark.parametrize(
    ("qtype", "forged"),
    [
        ("single_choice", {"option": "zz"}),  # an option id from another question
        ("multiple_response", {"options": ["a", "q"]}),
        ("numeric", {"value": "five"}),
        ("hotspot", {"clicks": [[2000, 10]]}),  # outside the image
        ("hotspot", {"clicks": [[1, 1], [2, 2], [3, 3]]}),  # too many clicks
        ("matching", {"pairs": {"p9": "r1"}}),
        ("ordering", {"order": ["s", "s", "v", "a"]}),
        ("true_false", {"value": "yes"}),
    ],
)
def test_forged_answers_are_refused_and_change_nothing(assessment, officer, qtype, forged):
    attempt = start(officer, assessment)
    response = attempt.responses.get(version__type=qtype)
    with pytest.raises(ResponseError):
        services.response_save(
            actor=officer, attempt_id=attempt.pk, position=response.position, seq=1, answer=forged
        )
    response.refresh_from_db()
    assert response.answer is None and response.seq == 0


def test_answers_after_the_deadline_are_refused(assessment, officer):
    attempt = start(officer, assessment)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - services.GRACE - timedelta(seconds=1)
    )
    response = attempt.responses.first()
    with pytest.raises(services.AttemptRefused):
        services.response_save(
            actor=officer,
            attempt_id=attempt.pk,
            position=response.position,
            seq=1,
            answer=RIGHT[response.version.type],
        )


def test_overdue_attempts_are_closed_and_graded_by_the_command(assessment, officer):
    attempt = start(officer, assessment)
    answer_all(officer, attempt)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(hours=1))
    call_command("close_overdue_attempts")
    attempt.refresh_from_db()
    assert attempt.status == "expired" and attempt.percent == 100.0
    call_command("close_overdue_attempts")  # idempotent
    assert AttemptEvent.objects.filter(attempt=attempt, kind="expired").count() == 1


def test_attempt_limit_and_delay(assessment, officer):
    first = start(officer, assessment)
    services.attempt_submit(actor=officer, attempt_id=first.pk)
    second = start(officer, assessment)
    assert second.number == 2
    services.attempt_submit(actor=officer, attempt_id=second.pk)
    with pytest.raises(services.AttemptRefused, match="all your attempts"):
        start(officer, assessment)


def test_other_officers_attempts_are_404(assessment, officer, per):
    from django.http import Http404

    from lms.accounts.tests.factories import officer as make_officer

    attempt = start(officer, assessment)
    colleague = make_officer(per)
    with pytest.raises(Http404):
        services.response_save(actor=colleague, attempt_id=attempt.pk, position=1, seq=1, answer={})
    with pytest.raises(Http404):
        services.attempt_submit(actor=colleague, attempt_id=attempt.pk)


def test_editing_a_used_question_makes_a_new_version(assessment, officer):
    attempt = start(officer, assessment)
    question = Question.objects.get(uid="sc")
    old = question.current_version
    new = services.question_version_save(
        actor=None,
        question=question,
        qtype="single_choice",
        data={"options": [{"id": "a"}, {"id": "b"}], "correct": "a"},
        texts=old.texts,
    )
    assert new.pk != old.pk and new.number == old.number + 1
    assert attempt.responses.filter(version=old).exists()
    assert (
        services.question_version_save(
            actor=None, question=question, qtype="single_choice", data=new.data, texts={"en": {}}
        ).pk
        == new.pk
    )  # not yet used: edited in place


def test_grading_forty_questions_uses_a_fixed_number_of_queries(course_tree, per_officer):
    from assessments.models import AssessmentPage, DrawRule
    from courses.tests.fixtures import add

    many = {f"q{n}": QUESTIONS["sc"] for n in range(40)}
    bank = make_bank("Forty", questions=many)
    page = AssessmentPage(title="Long", slug="long", pass_mark=50)
    page.draw_rules = [DrawRule(bank=bank, count=40)]
    add(course_tree.module1, page)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    attempt = services.attempt_start(actor=per_officer, assessment=page)
    with CaptureQueriesContext(connection) as context:
        services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    queries = [
        q for q in context.captured_queries if not re.match(r"(SAVEPOINT|RELEASE)", q["sql"])
    ]
    # lock attempt, load responses with versions, bulk update, update attempt, event
    assert len(queries) <= 6, [q["sql"][:80] for q in queries]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks need PostgreSQL (the CI leg runs it)"
)
def test_fifty_concurrent_starts_create_one_attempt(assessment, officer):
    from django.db import connections

    results, errors = [], []

    def worker():
        try:
            results.append(start(officer, assessment).pk)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert Attempt.objects.filter(user=officer).count() == 1
    assert Response.objects.filter(attempt_id=results[0]).count() == len(QUESTIONS)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks need PostgreSQL (the CI leg runs it)"
)
def test_submitting_from_several_tabs_at_once_grades_once(assessment, officer):
    """Ten tabs of the same officer press "Submit" at the same moment, over HTTP."""
    attempt = start(officer, assessment)
    answer_all(officer, attempt)
    passed = []

    def heard(**kwargs):
        passed.append(kwargs["attempt"].pk)

    events.assessment_passed.connect(heard)
    received = press_in_every_tab(officer, f"/attempts/{attempt.pk}/submit/", 10)
    events.assessment_passed.disconnect(heard)
    assert received == [(302, f"/attempts/{attempt.pk}/result/")] * 10
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.passed
    assert AttemptEvent.objects.filter(attempt=attempt, kind="submitted").count() == 1
    assert passed == [attempt.pk]  # announced once, not once per tab


def test_no_answer_key_reaches_the_browser(client, assessment, officer):
    """Unique markers planted in the answer key of every type never appear in any
    response of a whole attempt before the review policy allows."""
    from assessments.models import ReviewPolicy

    marker = "KEYMARK"
    for question in Question.objects.all():
        version = question.current_version
        texts = json.loads(json.dumps(version.texts))
        en = texts["en"]
        for group in ("options", "items", "premises", "responses"):
            for ident, entry in en.get(group, {}).items():
                entry["feedback"] = f"{marker}-feedback-{ident}"
        en["feedback"] = {"correct": f"{marker}-right", "incorrect": f"{marker}-wrong"}
        en["regions"] = {k: f"{marker}-region" for k in en.get("regions", {})}
        version.texts = texts
        version.save()
    page = assessment.page
    page.review_policy = ReviewPolicy.SCORE
    page.save()
    client.force_login(officer)
    seen = []
    response = client.post(f"/assessments/{page.pk}/start/")
    seen.append(response)
    attempt = Attempt.objects.get(user=officer)
    seen.append(client.get(f"/attempts/{attempt.pk}/"))
    for r in attempt.responses.select_related("version"):
        seen.append(
            client.post(
                f"/attempts/{attempt.pk}/answer/",
                json.dumps(
                    {
                        "position": r.position,
                        "seq": 1,
                        "answer": browser_answer(r, RIGHT[r.version.type]),
                    }
                ),
                content_type="application/json",
            )
        )
    assert all(r.status_code == 200 for r in seen[2:])
    seen.append(client.post(f"/attempts/{attempt.pk}/submit/", follow=True))
    seen.append(client.get(f"/attempts/{attempt.pk}/result/"))
    body = "".join(r.content.decode() for r in seen)
    assert marker not in body
    html = seen[1].content.decode()
    # No correct flag, key or region coordinates either.
    for leak in ('"correct"', "correct_order", "coords", "tolerance"):
        assert leak not in html
    assert "100" in seen[-1].content.decode()  # the score is shown (policy: score only)


def test_a_required_assessment_completes_the_course_when_passed(
    assessment, officer, django_capture_on_commit_callbacks
):
    from courses import events as course_events
    from courses.models import Enrolment, LessonActivity

    tree = assessment.tree
    enrolment = Enrolment.objects.get(user=officer)
    for lesson in (tree.lesson1, tree.lesson2, tree.lesson3):
        course_services.lesson_visit(actor=officer, enrolment=enrolment, lesson=lesson)
    slot = LessonActivity.objects.get(lesson=tree.lesson2)
    course_services.h5p_statement_record(
        actor=officer,
        slot=slot,
        statement={
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
            "object": {"id": "http://testserver/activity"},
            "result": {"score": {"raw": 1, "max": 1}},
        },
    )
    enrolment.refresh_from_db()
    assert enrolment.status == "active" and enrolment.percent_complete == 75  # 3 of 4 items

    failed = start(officer, assessment)
    services.attempt_submit(actor=officer, attempt_id=failed.pk)  # blank: not passed
    enrolment.refresh_from_db()
    assert enrolment.status == "active"

    completed = []

    def heard(sender, **kwargs):
        completed.append(kwargs)

    course_events.course_completed.connect(heard)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            attempt = start(officer, assessment)
            answer_all(officer, attempt)
            services.attempt_submit(actor=officer, attempt_id=attempt.pk)
    finally:
        course_events.course_completed.disconnect(heard)
    enrolment.refresh_from_db()
    assert enrolment.status == "completed" and enrolment.percent_complete == 100
    assert len(completed) == 1
