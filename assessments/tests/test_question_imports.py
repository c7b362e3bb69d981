"""Large question files import in the background (issue 13, point 9): stored, queued, run by
the task worker with its progress shown, refusals listed line by line in the author's
language, nothing imported on error unless bad questions are skipped, tenancy kept."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.imports import question_import_progress, question_import_run
from assessments.models import Question, QuestionBank, QuestionImport
from assessments.portability import questions_import
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def gift_bank(count: int, *, broken_at: int | None = None) -> str:
    """``count`` GIFT questions, the one at ``broken_at`` (0-based) without a closing
    brace; each question takes two lines."""
    lines = []
    for n in range(count):
        close = "" if n == broken_at else "}"
        lines.append(f"::Seal {n}:: Is seal PE-{n:06d} on the manifest? {{T{close}\n")
    return "\n".join(lines)


def post(client, bank, text: str, **extra):
    upload = SimpleUploadedFile("bank.gift", text.encode())
    return client.post(
        f"/cms/banks/{bank.pk}/import/",
        {"file": upload, "format": "auto", "language": "en", **extra},
    )


@pytest.fixture
def small_inline_limit(settings):
    settings.LMS_QUESTION_IMPORT_INLINE_BYTES = 200


def test_a_large_file_is_queued_imported_by_the_worker_and_its_page_reports_it(
    client, per_author, per, small_inline_limit, django_capture_on_commit_callbacks
):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    client.force_login(per_author)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, bank, gift_bank(60))
    job = QuestionImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cms/banks/imports/{job.pk}/"
    assert job.status == QuestionImport.Status.DONE
    assert (job.imported, job.updated, job.rejected) == (60, 0, [])
    assert job.uploaded_by == per_author and job.format == "gift"
    assert Question.objects.filter(bank=bank).count() == 60
    # The stored file is gone once imported.
    assert not job.file
    assert not default_storage.listdir(f"assessments/imports/{bank.pk}")[1]
    page = client.get(response["Location"]).content.decode()
    assert "Imported 60 questions, updated 0." in page
    assert 'http-equiv="refresh"' not in page


def test_a_small_file_is_still_imported_within_the_request(client, per_author, per):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    client.force_login(per_author)
    response = post(client, bank, gift_bank(3))
    assert response.status_code == 200
    assert not QuestionImport.objects.exists()
    assert bank.questions.count() == 3


def test_a_refused_background_import_imports_nothing_and_lists_the_line_in_spanish(
    client, per_author, per, small_inline_limit, django_capture_on_commit_callbacks
):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    client.force_login(per_author)
    text = gift_bank(30, broken_at=20)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, bank, text, HTTP_ACCEPT_LANGUAGE="es")
        response = client.post(
            f"/cms/banks/{bank.pk}/import/",
            {
                "file": SimpleUploadedFile("b.gift", text.encode()),
                "format": "gift",
                "language": "en",
            },
            HTTP_ACCEPT_LANGUAGE="es",
        )
    jobs = list(QuestionImport.objects.order_by("pk"))
    assert [job.status for job in jobs] == ["refused", "refused"]
    assert not bank.questions.exists()
    job = jobs[-1]
    assert job.interface_language == "es"
    ((line, reason),) = job.rejected
    assert line == 41
    assert "llaves" in reason  # the unbalanced-braces reason, in Spanish
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "41" in page and reason in page


def test_skipping_bad_questions_imports_the_others_in_the_background(
    client, per_author, per, small_inline_limit, django_capture_on_commit_callbacks
):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    client.force_login(per_author)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, bank, gift_bank(30, broken_at=3), skip_bad="on")
    job = QuestionImport.objects.get()
    assert job.status == "done" and job.imported == 29
    assert [line for line, _reason in job.rejected] == [7]
    page = client.get(f"/cms/banks/imports/{job.pk}/").content.decode()
    assert "Skipped questions" in page


def test_progress_is_reported_as_questions_are_stored(db):
    bank = QuestionBank.objects.create(title="Bank")
    calls = []
    questions_import(
        actor=None,
        bank=bank,
        text=gift_bank(120),
        fmt="gift",
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(0, 120), (50, 120), (100, 120), (120, 120)]


def test_a_running_import_shows_the_workers_progress_and_refreshes(client, per_author, per):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    job = QuestionImport.objects.create(
        bank=bank,
        uploaded_by=per_author,
        filename="big.xml",
        format="moodlexml",
        language="en",
        status=QuestionImport.Status.RUNNING,
    )
    cache.set(f"assessments:question-import:{job.pk}", (1500, 5000))
    assert question_import_progress(job) == (1500, 5000)
    client.force_login(per_author)
    page = client.get(f"/cms/banks/imports/{job.pk}/").content.decode()
    assert "1500 of 5000 questions stored" in page
    assert 'value="1500"' in page and 'max="5000"' in page
    assert 'http-equiv="refresh"' in page
    # A worker that finds it already running leaves it alone.
    assert question_import_run(job.pk) == "running"


def test_another_administration_never_sees_an_import(
    client, per_author, pan_author, per, small_inline_limit, django_capture_on_commit_callbacks
):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    client.force_login(per_author)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, bank, gift_bank(30))
    job = QuestionImport.objects.get()
    client.force_login(pan_author)
    assert client.get(f"/cms/banks/imports/{job.pk}/").status_code == 404
    # A colleague of the same administration may follow it.
    colleague = UserFactory(administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(colleague)
    assert client.get(f"/cms/banks/imports/{job.pk}/").status_code == 200


def test_an_uploader_who_lost_the_right_to_change_the_bank_imports_nothing(per_author, per, pan):
    from django.core.files.base import ContentFile

    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    job = QuestionImport(
        bank=bank, uploaded_by=per_author, filename="b.gift", format="gift", language="en"
    )
    job.file.save("b.gift", ContentFile(gift_bank(5).encode()), save=False)
    job.save()
    per_author.administration = pan
    per_author.save()
    assert question_import_run(job.pk) == "refused"
    job.refresh_from_db()
    assert job.rejected[0][1] == "This question bank belongs to another administration."
    assert not bank.questions.exists()
