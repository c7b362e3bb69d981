"""Essays from the officer's answer to the certificate: an attempt with an essay waits for
grading (no result, no pass, no certificate); a training manager of the officer's
administration grades it with the rubric in the admin; the attempt is then scored as on
submission, the passed event fires and the certificate is issued. Regrades, concurrency
guard, review, files."""

from __future__ import annotations

import pytest
from django.db import connection  # noqa: F401 - read by the skipif conditions
from django.urls import reverse

from assessments import events, services
from assessments.marking import selectors as marking
from assessments.marking import services as marking_services
from assessments.models import Attempt, AttemptEvent, ManualGrade, Response
from assessments.tests.essay_fixtures import (
    ESSAY,
    ESSAY_TEXT,
    essay_response,
    sit,
)
from certificates.models import Certificate
from certificates.tests.fixtures import make_programme

pytestmark = pytest.mark.django_db

FULL = {"criterion-facts": "all", "criterion-law": "right"}


@pytest.fixture
def passed_signals():
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    events.assessment_passed.connect(listener, dispatch_uid="test-essay-passed")
    yield received
    events.assessment_passed.disconnect(dispatch_uid="test-essay-passed")


def grading_url(response) -> str:
    return reverse("assessments_grading", args=[response.pk])


def test_whole_flow_essay_then_certificate(
    client,
    essay_assessment,
    per_officer,
    per_author,
    passed_signals,
    django_capture_on_commit_callbacks,
):
    make_programme(assessment=essay_assessment.page, min_score=80)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = sit(per_officer, essay_assessment)

    # Submitted: the single choice is graded, the essay waits; no result, no certificate.
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADING
    assert attempt.score is None and attempt.percent is None and attempt.passed is None
    essay = essay_response(attempt)
    assert essay.needs_grading and essay.fraction is None
    choice = attempt.responses.exclude(pk=essay.pk).get()
    assert choice.fraction == 1 and not choice.needs_grading
    assert passed_signals == []
    assert not Certificate.objects.filter(holder=per_officer).exists()
    event = attempt.events.get(kind=AttemptEvent.Kind.SUBMITTED)
    assert event.detail == {"awaiting_grading": 1}

    # The officer's result page says it waits for a grader and shows nothing else.
    client.force_login(per_officer)
    page = client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    assert 'data-result="grading"' in page
    assert "data-review" not in page and "You scored" not in page
    assert "SECRET-GRADER-INFO" not in page and "All the facts" not in page

    # The training manager of PER finds it in the queue and grades it with the rubric.
    client.force_login(per_author)
    queue = client.get(reverse("assessments_grading_queue"))
    assert queue.status_code == 200
    html = queue.content.decode()
    assert f'data-queue-item="{essay.pk}"' in html
    assert "Written assessment" in html and "Carlos Huamán Torres" in html
    form = client.get(grading_url(essay))
    assert form.status_code == 200
    html = form.content.decode()
    assert ESSAY_TEXT in html and "SECRET-GRADER-INFO" in html and "All the facts" in html
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            grading_url(essay), {**FULL, "comment": "Clear and well founded.", "based_on": ""}
        )
    assert saved.status_code == 302

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert (attempt.score, attempt.max_score, attempt.percent) == (3.0, 3.0, 100.0)
    assert attempt.passed is True
    grade = ManualGrade.objects.get(response=essay)
    assert grade.grader == per_author and grade.rubric == {"facts": "all", "law": "right"}
    assert grade.points == 2.0 and grade.fraction == 1.0 and grade.current and not grade.regrade
    assert [s["user_id"] for s in passed_signals] == [per_officer.pk]
    assert Certificate.objects.filter(holder=per_officer).count() == 1
    final = attempt.events.filter(kind=AttemptEvent.Kind.GRADED).get()
    assert final.actor == per_author and final.detail["passed"] is True

    # The queue is empty; the officer's review shows the levels and the comment.
    client.force_login(per_author)
    assert (
        f'data-queue-item="{essay.pk}"'
        not in client.get(reverse("assessments_grading_queue")).content.decode()
    )
    client.force_login(per_officer)
    page = client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    assert 'data-result="passed"' in page
    assert "All the facts" in page and "Right article" in page
    assert "Clear and well founded." in page
    assert "SECRET-GRADER-INFO" not in page


def test_partial_rubric_fails_and_regrade_passes_with_history(
    client,
    essay_assessment,
    per_officer,
    per_author,
    passed_signals,
    django_capture_on_commit_callbacks,
):
    make_programme(assessment=essay_assessment.page, min_score=60)
    attempt = sit(per_officer, essay_assessment, right=False)
    essay = essay_response(attempt)
    with django_capture_on_commit_callbacks(execute=True):
        first = marking_services.essay_grade_save(
            actor=per_author, response_id=essay.pk, rubric={"facts": "some", "law": "wrong"}
        )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.score == 0.5 and attempt.percent == pytest.approx(16.666667)
    assert attempt.passed is False and passed_signals == []
    assert not Certificate.objects.filter(holder=per_officer).exists()

    # A regrade after completion: recorded beside the first, the result scored again.
    with django_capture_on_commit_callbacks(execute=True):
        second = marking_services.essay_grade_save(
            actor=per_author,
            response_id=essay.pk,
            rubric={"facts": "all", "law": "right"},
            comment="Regraded after review.",
            based_on=first.pk,
        )
    attempt.refresh_from_db()
    assert second.regrade and attempt.score == 2.0 and attempt.passed is True
    assert list(ManualGrade.objects.filter(response=essay).values_list("pk", "current")) == [
        (first.pk, False),
        (second.pk, True),
    ]
    assert len(passed_signals) == 1
    assert Certificate.objects.filter(holder=per_officer).count() == 1


def test_a_grade_saved_meanwhile_is_not_overwritten(
    essay_assessment, per_officer, per_author, regional_author
):
    """Two graders open the same pending essay; the second save is refused (stale)
    instead of replacing the first, and the attempt is completed once."""
    attempt = sit(per_officer, essay_assessment)
    essay = essay_response(attempt)
    marking_services.essay_grade_save(
        actor=per_author,
        response_id=essay.pk,
        rubric={"facts": "all", "law": "right"},
        based_on=None,
    )
    with pytest.raises(marking_services.GradingRefused) as refused:
        marking_services.essay_grade_save(
            actor=regional_author,
            response_id=essay.pk,
            rubric={"facts": "none", "law": "wrong"},
            based_on=None,
        )
    assert refused.value.code == "stale"
    assert ManualGrade.objects.filter(response=essay).count() == 1
    assert AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.GRADED).count() == 1
    attempt.refresh_from_db()
    assert attempt.passed is True


def test_incomplete_rubric_and_bad_fraction_are_refused(
    client, essay_assessment, per_officer, per_author
):
    attempt = sit(per_officer, essay_assessment)
    essay = essay_response(attempt)
    client.force_login(per_author)
    answer = client.post(grading_url(essay), {"criterion-facts": "all", "based_on": ""})
    assert answer.status_code == 400
    assert "Choose one level for every criterion" in answer.content.decode()
    answer = client.post(grading_url(essay), {"criterion-facts": "all", "criterion-law": "nope"})
    assert answer.status_code == 400
    assert not ManualGrade.objects.exists()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADING


def test_without_rubric_the_grader_gives_points(client, essay_assessment, per_officer, per_author):
    version = essay_assessment.bank.questions.get(uid="essay").current_version
    data = dict(version.data)
    data.pop("rubric")
    version.data = data
    version.save(update_fields=["data"])
    attempt = sit(per_officer, essay_assessment)
    essay = essay_response(attempt)
    client.force_login(per_author)
    assert client.post(grading_url(essay), {"points": "3"}).status_code == 400
    assert client.post(grading_url(essay), {"points": "0,5", "comment": "Thin."}).status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == 1.5 and attempt.percent == 50.0 and attempt.passed is False
    assert ManualGrade.objects.get().fraction == 0.25


def test_blank_essay_needs_no_grader(essay_assessment, per_officer):
    attempt = sit(per_officer, essay_assessment, text="   ")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.score == 1.0 and attempt.passed is False
    assert not Response.objects.filter(attempt=attempt, needs_grading=True).exists()


def test_overdue_attempt_with_an_essay_waits_and_ends_expired(
    essay_assessment, per_officer, per_author
):
    from datetime import timedelta

    from django.utils import timezone

    attempt = sit(per_officer, essay_assessment, submit=False)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    assert services.attempts_close_overdue() == 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADING
    marking_services.essay_grade_save(
        actor=per_author,
        response_id=essay_response(attempt).pk,
        rubric={"facts": "all", "law": "right"},
    )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED and attempt.passed is True


def test_queue_lists_oldest_first_with_waiting_time(
    client, essay_assessment, per_officer, per_author
):
    from datetime import timedelta

    from django.utils import timezone

    from lms.accounts.roles import Role
    from lms.accounts.tests.factories import UserFactory

    other = UserFactory(
        username="officer.per2",
        full_name="Rosa Quispe",
        administration=per_officer.administration,
        roles={Role.OFFICER},
    )
    first = sit(per_officer, essay_assessment)
    second = sit(other, essay_assessment)
    Attempt.objects.filter(pk=second.pk).update(submitted_at=timezone.now() - timedelta(days=2))
    queue = list(marking.grading_queue_for_user(per_author))
    assert [r.attempt_id for r in queue] == [second.pk, first.pk]
    client.force_login(per_author)
    html = client.get(reverse("assessments_grading_queue")).content.decode()
    assert html.index("Rosa Quispe") < html.index("Carlos Huamán Torres")
    assert "2\xa0days" in html


def test_a_long_essay_is_autosaved_through_the_answer_endpoint(
    client, essay_assessment, per_officer
):
    import json

    from assessments.types.essay import MAX_TEXT_CHARS

    attempt = sit(per_officer, essay_assessment, submit=False)
    essay = essay_response(attempt)
    client.force_login(per_officer)
    url = reverse("assessments:answer", args=[attempt.pk])
    text = "é" * MAX_TEXT_CHARS  # two bytes each in UTF-8
    body = {"position": essay.position, "seq": 7, "answer": {"text": text, "files": []}}
    answer = client.post(url, json.dumps(body, ensure_ascii=False), content_type="application/json")
    assert answer.status_code == 200 and answer.json()["saved"]
    body["seq"], body["answer"]["text"] = 8, text + "x"
    answer = client.post(url, json.dumps(body, ensure_ascii=False), content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == "too_long"
    assert Response.objects.get(pk=essay.pk).answer["text"] == text


POSTGRESQL_ONLY = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks need PostgreSQL (the CI leg runs it)"
)


def _graders_at_once(users_and_posts):
    """Each (user, url, data) posted by its own client at the same moment; returns the
    status codes."""
    import threading

    from django.db import connections
    from django.test import Client

    barrier = threading.Barrier(len(users_and_posts))
    statuses = []

    def press(client, url, data):
        try:
            barrier.wait()
            statuses.append(client.post(url, data).status_code)
        finally:
            connections.close_all()

    threads = []
    for user, url, data in users_and_posts:
        client = Client()
        client.force_login(user)
        threads.append(threading.Thread(target=press, args=(client, url, data)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


@pytest.mark.django_db(transaction=True)
@POSTGRESQL_ONLY
def test_two_graders_saving_the_same_essay_at_once_grade_it_once(
    essay_assessment, per_officer, per_author, regional_author, passed_signals
):
    make_programme(assessment=essay_assessment.page, min_score=80)
    attempt = sit(per_officer, essay_assessment)
    url = grading_url(essay_response(attempt))
    statuses = _graders_at_once(
        [(user, url, {**FULL, "based_on": ""}) for user in (per_author, regional_author)]
    )
    assert statuses == [302, 400]  # the later one is told it was graded meanwhile
    assert ManualGrade.objects.filter(attempt=attempt).count() == 1
    final = AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.GRADED)
    assert final.count() == 1
    assert [s["user_id"] for s in passed_signals] == [per_officer.pk]
    assert Certificate.objects.filter(holder=per_officer).count() == 1


@pytest.mark.django_db(transaction=True)
@POSTGRESQL_ONLY
def test_two_graders_finishing_two_essays_at_once_complete_the_attempt_once(
    course_tree, per_officer, per_author, regional_author, passed_signals
):
    from assessments.tests.essay_fixtures import ESSAY, ESSAY_QUESTIONS, essay_page
    from assessments.tests.fixtures import make_bank

    bank = make_bank("Two essays", questions={**ESSAY_QUESTIONS, "essay2": ESSAY})
    page = essay_page(course_tree.module2, bank, slug="two", count=3)
    make_programme(assessment=page, min_score=80)
    from types import SimpleNamespace

    attempt = sit(per_officer, SimpleNamespace(page=page, tree=course_tree))
    essays = list(attempt.responses.filter(version__type="essay").order_by("position"))
    assert len(essays) == 2
    statuses = _graders_at_once(
        [
            (per_author, grading_url(essays[0]), {**FULL, "based_on": ""}),
            (regional_author, grading_url(essays[1]), {**FULL, "based_on": ""}),
        ]
    )
    assert statuses == [302, 302]  # no grade lost
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.passed is True
    assert ManualGrade.objects.filter(attempt=attempt, current=True).count() == 2
    completed = [
        e for e in attempt.events.filter(kind=AttemptEvent.Kind.GRADED) if "passed" in e.detail
    ]
    assert len(completed) == 1  # scored once, by whichever grade came last
    assert [s["user_id"] for s in passed_signals] == [per_officer.pk]
    assert Certificate.objects.filter(holder=per_officer).count() == 1


def test_required_files_must_be_attached_before_the_officer_submits(
    client, essay_assessment, per_officer
):
    """An essay that requires a file is refused at submission without one, with the
    question's number and nothing graded; once attached the attempt submits. An attempt
    closed by its deadline is graded as it stands."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.marking.services import essay_file_upload
    from assessments.models import QuestionVersion

    QuestionVersion.objects.filter(question__bank=essay_assessment.bank, type="essay").update(
        data={**ESSAY[1], "attachments_required": 1}
    )
    per_officer.preferred_language = "en"  # the refusal below is read in English
    per_officer.save(update_fields=["preferred_language"])
    attempt = sit(per_officer, essay_assessment, submit=False)
    client.force_login(per_officer)
    refused = client.post(f"/attempts/{attempt.pk}/submit/", follow=True)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.OPEN
    essay = essay_response(attempt)
    page = refused.content.decode()
    assert "Your answers were not submitted." in page
    assert (
        f"Question {essay.position}: Files to attach to this answer: at least 1; attached: 0."
        in page
    )
    upload = SimpleUploadedFile("report.txt", b"Seizure report: 400 cartons.\n")
    stored = essay_file_upload(
        actor=per_officer,
        attempt_id=attempt.pk,
        position=essay.position,
        file=upload,
        filename="report.txt",
        size=upload.size,
    )
    services.response_save(
        actor=per_officer,
        attempt_id=attempt.pk,
        position=essay.position,
        seq=2,
        answer={"text": ESSAY_TEXT, "files": [stored.key]},
    )
    client.post(f"/attempts/{attempt.pk}/submit/")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADING
