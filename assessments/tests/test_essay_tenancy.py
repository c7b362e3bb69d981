"""Who may grade which essay, and who may fetch an attached file. Another
administration's manager, an officer, an administration manager: 404 (or no admin at
all); regional authors grade regional assessments only; nothing is revealed before
grading; the queue's queries do not grow with its length."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.marking import selectors as marking
from assessments.marking import services as marking_services
from assessments.models import Attempt, EssayFile, ManualGrade
from assessments.tests.essay_fixtures import (
    ESSAY_QUESTIONS,
    essay_page,
    essay_response,
    sit,
)
from assessments.tests.fixtures import make_bank
from courses.models import CourseIndexPage, CoursePage, ModulePage
from courses.tests.fixtures import add
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FULL = {"facts": "all", "law": "right"}


@pytest.fixture
def pan_assessment(home_page, pan):
    """An assessment in PAN's own catalogue, drawn from a PAN bank."""
    index = add(home_page, CourseIndexPage(title="PAN courses", slug="pan", administration=pan))
    course = add(
        index, CoursePage(title="PAN course", slug="c", summary="S.", track="illicit_trade")
    )
    module = add(course, ModulePage(title="PAN module", slug="m"))
    bank = make_bank("PAN essays", administration=pan, questions=ESSAY_QUESTIONS)
    page = essay_page(module, bank, slug="pan-written")
    return SimpleNamespace(page=page, bank=bank, tree=SimpleNamespace(course=course))


@pytest.fixture
def waiting(essay_assessment, per_officer):
    """A PER officer's submitted attempt at the regional assessment, its essay waiting."""
    attempt = sit(per_officer, essay_assessment)
    return SimpleNamespace(attempt=attempt, essay=essay_response(attempt))


def grading_url(response) -> str:
    return reverse("assessments_grading", args=[response.pk])


def queue_html(client, user) -> str:
    client.force_login(user)
    answer = client.get(reverse("assessments_grading_queue"))
    assert answer.status_code == 200
    return answer.content.decode()


# --- the selector ---------------------------------------------------------------------------


def test_gradable_scope_per_role(
    waiting,
    pan_assessment,
    pan_officer,
    per_author,
    pan_author,
    regional_author,
    platform_admin,
    per_manager,
    coordinator,
    per_officer,
):
    pan_attempt = sit(pan_officer, pan_assessment)
    per_essay, pan_essay = waiting.essay.pk, essay_response(pan_attempt).pk

    def queue(user):
        return {r.pk for r in marking.grading_queue_for_user(user)}

    assert queue(per_author) == {per_essay}  # their administration's officers
    assert queue(pan_author) == {pan_essay}  # never PER's
    # Regional authors grade regional assessments (any administration), not PAN's own.
    assert queue(regional_author) == {per_essay}
    assert queue(platform_admin) == {per_essay}
    for nobody in (per_manager, coordinator, per_officer):
        assert queue(nobody) == set()
        assert not marking.attempts_gradable_by(nobody).exists()


def test_open_attempts_are_not_gradable(essay_assessment, per_officer, per_author):
    attempt = sit(per_officer, essay_assessment, submit=False)
    assert list(marking.grading_queue_for_user(per_author)) == []
    with pytest.raises(Exception) as missing:
        marking.access_gradable_response(per_author, essay_response(attempt).pk)
    assert missing.typename == "Http404"


# --- the admin pages ------------------------------------------------------------------------


def test_another_administrations_manager_gets_404(client, waiting, pan_author):
    assert f'data-queue-item="{waiting.essay.pk}"' not in queue_html(client, pan_author)
    assert client.get(grading_url(waiting.essay)).status_code == 404
    answer = client.post(
        grading_url(waiting.essay),
        {"criterion-facts": "all", "criterion-law": "right", "based_on": ""},
    )
    assert answer.status_code == 404
    assert not ManualGrade.objects.exists()
    with pytest.raises(Exception) as missing:
        marking_services.essay_grade_save(
            actor=pan_author, response_id=waiting.essay.pk, rubric=FULL
        )
    assert missing.typename == "Http404"


def test_graded_attempts_of_another_administration_stay_hidden(
    client, waiting, per_author, pan_author
):
    marking_services.essay_grade_save(actor=per_author, response_id=waiting.essay.pk, rubric=FULL)
    client.force_login(pan_author)
    assert client.get(grading_url(waiting.essay)).status_code == 404  # no regrade either
    client.force_login(per_author)
    assert client.get(grading_url(waiting.essay)).status_code == 200  # regrade


def test_officers_and_administration_managers_cannot_grade(
    client, waiting, per_officer, per_manager
):
    for user in (per_officer, per_manager):
        client.force_login(user)
        for url in (reverse("assessments_grading_queue"), grading_url(waiting.essay)):
            answer = client.get(url)
            assert answer.status_code in (302, 403, 404), url
            assert waiting.essay.version.texts["en"]["stem"] not in answer.content.decode()
        answer = client.post(
            grading_url(waiting.essay), {"criterion-facts": "all", "criterion-law": "right"}
        )
        assert answer.status_code in (302, 403, 404)
        with pytest.raises(Exception) as missing:
            marking_services.essay_grade_save(actor=user, response_id=waiting.essay.pk, rubric=FULL)
        assert missing.typename == "Http404"
    assert not ManualGrade.objects.exists()
    assert Attempt.objects.get(pk=waiting.attempt.pk).status == Attempt.Status.GRADING


def test_regional_grader_sees_no_name_of_another_administrations_officer(
    client, waiting, regional_author, per_author
):
    html = queue_html(client, regional_author)
    assert f'data-queue-item="{waiting.essay.pk}"' in html
    assert "Carlos Huamán Torres" not in html and "Officer of PER" in html
    assert "Carlos Huamán Torres" in queue_html(client, per_author)


def test_regional_author_cannot_grade_an_administrations_own_assessment(
    client, pan_assessment, pan_officer, regional_author, pan_author
):
    attempt = sit(pan_officer, pan_assessment)
    essay = essay_response(attempt)
    client.force_login(regional_author)
    assert client.get(grading_url(essay)).status_code == 404
    client.force_login(pan_author)
    assert client.get(grading_url(essay)).status_code == 200


def test_nothing_is_revealed_before_grading(client, essay_assessment, per_officer):
    attempt = sit(per_officer, essay_assessment, submit=False)
    client.force_login(per_officer)
    page = client.get(reverse("assessments:attempt", args=[attempt.pk])).content.decode()
    assert "data-essay" in page and 'data-min-words="5"' in page
    for secret in ("SECRET-GRADER-INFO", "All the facts", "Legal basis", "rubric"):
        assert secret not in page
    from assessments import services

    services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    page = client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    assert 'data-result="grading"' in page
    assert "CENcomm" not in page and "You scored" not in page  # no review of the others either


# --- attached files -------------------------------------------------------------------------


def upload(client, attempt, position, content=PDF, name="report.pdf"):
    return client.post(
        reverse("assessments:essay_file_upload", args=[attempt.pk]),
        {"position": position, "file": SimpleUploadedFile(name, content)},
    )


def test_file_attached_answered_and_served_to_officer_and_graders_only(
    client, essay_assessment, per_officer, pan_officer, per_author, pan_author, regional_author
):
    from assessments import services

    attempt = sit(per_officer, essay_assessment, submit=False)
    essay = essay_response(attempt)
    client.force_login(per_officer)
    answer = upload(client, attempt, essay.position)
    assert answer.status_code == 201, answer.content
    key = answer.json()["key"]
    stored = EssayFile.objects.get(key=key)
    assert stored.file.name.startswith("assessments/essays/PER/")
    assert "report" not in stored.file.name and len(key) == 32
    services.response_save(
        actor=per_officer,
        attempt_id=attempt.pk,
        position=essay.position,
        seq=5,
        answer={"text": "See the attached report.", "files": [key]},
    )
    url = reverse("assessments:essay_file", args=[attempt.pk, key])
    got = client.get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Type"] == "application/pdf"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Disposition"].startswith("attachment")

    # Before submission no grader gets it; another officer, another manager: never.
    for user in (per_author, pan_officer, pan_author):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in (302, 404)

    services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    for user, status in (
        (per_author, 200),
        (regional_author, 200),
        (pan_author, 404),
        (pan_officer, 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.force_login(per_author)
    assert key in client.get(grading_url(essay)).content.decode()
    # A guessed key, or the right key under another attempt number: 404.
    assert (
        client.get(reverse("assessments:essay_file", args=[attempt.pk, "0" * 32])).status_code
        == 404
    )
    assert (
        client.get(reverse("assessments:essay_file", args=[attempt.pk + 1, key])).status_code == 404
    )


def test_upload_checks(client, essay_assessment, per_officer, pan_officer, settings):
    from assessments import services
    from assessments.grading import ResponseError

    attempt = sit(per_officer, essay_assessment, submit=False)
    essay = essay_response(attempt)
    choice = attempt.responses.exclude(pk=essay.pk).get()
    client.force_login(pan_officer)
    assert upload(client, attempt, essay.position).status_code == 404  # not their attempt
    client.force_login(per_officer)
    assert upload(client, attempt, choice.position).status_code == 404  # not an essay
    refused = upload(client, attempt, essay.position, b"MZ\x90\x00", "tool.exe")
    assert refused.status_code == 400 and refused.json()["code"] == "type_not_allowed"
    refused = upload(client, attempt, essay.position, b"<script>alert(1)</script>", "x.pdf")
    assert refused.json()["code"] == "content_mismatch"
    settings.LMS_ESSAY_FILE_MAX_BYTES = 10
    refused = upload(client, attempt, essay.position)
    assert refused.status_code == 413 and refused.json()["code"] == "too_large"
    settings.LMS_ESSAY_FILE_MAX_BYTES = 1024 * 1024
    assert not EssayFile.objects.exists()

    # A file stored for another answer cannot be named in this one.
    stranger = EssayFile.objects.create(
        administration=attempt.administration,
        attempt=attempt,
        response=choice,
        filename="x.pdf",
        content_type="application/pdf",
        sha256="0" * 64,
    )
    with pytest.raises(ResponseError) as error:
        services.response_save(
            actor=per_officer,
            attempt_id=attempt.pk,
            position=essay.position,
            seq=9,
            answer={"text": "x", "files": [stranger.key]},
        )
    assert error.value.code == "unknown_file"

    # At most MAX_FILES_PER_RESPONSE uploads per answer; none once submitted.
    for _ in range(marking_services.MAX_FILES_PER_RESPONSE):
        assert upload(client, attempt, essay.position).status_code == 201
    assert upload(client, attempt, essay.position).json()["code"] == "too_many"
    services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    assert upload(client, attempt, essay.position).status_code == 409


def test_upload_needs_csrf(essay_assessment, per_officer):
    from django.test import Client

    attempt = sit(per_officer, essay_assessment, submit=False)
    client = Client(enforce_csrf_checks=True)
    client.force_login(per_officer)
    assert upload(client, attempt, essay_response(attempt).position).status_code == 403


# --- the queue's queries --------------------------------------------------------------------


def waiting_attempts(assessment, administration, count):
    for number in range(count):
        officer = UserFactory(
            username=f"officer.q{number}", administration=administration, roles={Role.OFFICER}
        )
        sit(officer, assessment)


@pytest.mark.parametrize("count", [1, 20])
def test_queue_page_queries_do_not_grow(
    client, essay_assessment, per, per_author, count, django_assert_num_queries
):
    waiting_attempts(essay_assessment, per, count)
    client.force_login(per_author)
    client.get(reverse("assessments_grading_queue"))  # warm caches (site, locales, menu)
    with django_assert_num_queries(QUEUE_QUERIES):
        html = client.get(reverse("assessments_grading_queue")).content.decode()
    assert html.count("data-queue-item=") == count


QUEUE_QUERIES = 12
"""Session, user, the admin's own (menu, site), the catalogues' paths, the count and
the page of the queue: the same for one waiting essay or twenty."""


def test_nobody_grades_their_own_attempt(client, essay_assessment, per, per_author):
    """A training manager who also sits the assessment cannot grade their own essay."""
    attempt = sit(per_author, essay_assessment)
    essay = essay_response(attempt)
    assert attempt.status == Attempt.Status.GRADING
    assert list(marking.grading_queue_for_user(per_author)) == []
    client.force_login(per_author)
    assert client.get(grading_url(essay)).status_code == 404
    colleague = UserFactory(
        username="author.per2", administration=per, roles={Role.TRAINING_MANAGER}
    )
    assert [r.pk for r in marking.grading_queue_for_user(colleague)] == [essay.pk]
