"""What an import lost is shown to the author (issue 13): the GIFT warnings (an image a GIFT
file cannot carry) reach the report with their line, the command's output, the bank import
page and the page of a background import; a refused import lists only its refusals."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from assessments.imports import question_import_run
from assessments.models import QuestionBank, QuestionImport
from assessments.portability import questions_import

pytestmark = pytest.mark.django_db

LOSS = "a GIFT file does not carry image files"

WITH_IMAGE = (
    "::Seal 0:: Is this seal intact? {T}\n"
    "\n"
    '::Seal photo:: [html]<p>Is the seal in the photo intact?</p><img src="seal.png"> {F}\n'
)


def padded(text: str, count: int) -> str:
    """``text`` followed by ``count`` plain true/false questions (a large file)."""
    others = [f"::Extra {n}:: Is seal PE-{n:06d} on the manifest? {{T}}\n" for n in range(count)]
    return "\n".join([text, *others])


def post(client, bank, text: str, **extra):
    return client.post(
        f"/cms/banks/{bank.pk}/import/",
        {
            "file": SimpleUploadedFile("bank.gift", text.encode()),
            "format": "auto",
            "language": "en",
            **extra,
        },
    )


def test_the_report_carries_each_warning_with_its_line(db):
    bank = QuestionBank.objects.create(title="Bank")
    report = questions_import(actor=None, bank=bank, text=WITH_IMAGE, fmt="gift")
    assert (report.imported, report.rejected) == (2, [])
    [(line, reason)] = report.warnings
    assert line == 3
    assert reason.startswith("The question shows 1 image(s), which were left out")
    assert LOSS in reason


def test_the_command_prints_the_warnings(tmp_path, capsys, db):
    bank = QuestionBank.objects.create(title="Bank")
    source = tmp_path / "bank.gift"
    source.write_text(WITH_IMAGE, encoding="utf-8")
    call_command("questions_import", bank.pk, str(source))
    out = capsys.readouterr().out
    assert "Imported 2, updated 0." in out
    assert "Imported with a loss, line 3: The question shows 1 image(s)" in out
    assert LOSS in out


def test_the_bank_import_page_lists_the_warnings(client, per_author, per):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    client.force_login(per_author)
    response = post(client, bank, WITH_IMAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Imported with a loss" in page
    assert "data-warnings" in page and "Line 3:" in page and LOSS in page
    assert "data-rejected" not in page
    assert bank.questions.count() == 2


@pytest.fixture
def small_inline_limit(settings):
    settings.LMS_QUESTION_IMPORT_INLINE_BYTES = 200


def test_a_background_import_keeps_its_warnings_and_its_page_lists_them(
    client, per_author, per, small_inline_limit, django_capture_on_commit_callbacks
):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    client.force_login(per_author)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, bank, padded(WITH_IMAGE, 20))
    job = QuestionImport.objects.get()
    assert job.status == "done" and job.imported == 22
    assert job.rejections == []
    [[line, reason]] = job.warnings
    assert line == 3 and LOSS in reason
    page = client.get(response["Location"]).content.decode()
    assert "Imported with a loss" in page and "data-warnings" in page and LOSS in page
    assert "data-rejected" not in page and "Skipped questions" not in page


def test_skipped_questions_and_warnings_are_listed_apart(
    client, per_author, per, small_inline_limit, django_capture_on_commit_callbacks
):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    client.force_login(per_author)
    broken = padded(WITH_IMAGE, 20) + "\n::Broken:: Is it sealed? {T\n"
    with django_capture_on_commit_callbacks(execute=True):
        post(client, bank, broken, skip_bad="on")
    job = QuestionImport.objects.get()
    assert job.status == "done" and job.imported == 22
    assert [line for line, _reason in job.rejections] == [45]
    assert [line for line, _reason in job.warnings] == [3]
    page = client.get(f"/cms/banks/imports/{job.pk}/").content.decode()
    skipped = page.index("Skipped questions")
    lost = page.index("Imported with a loss")
    assert page.index("Line 45:") < lost < page.index(LOSS)
    assert skipped < lost


def test_a_refused_background_import_lists_no_warnings(
    client, per_author, per, small_inline_limit, django_capture_on_commit_callbacks
):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    client.force_login(per_author)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, bank, padded(WITH_IMAGE, 20) + "\n::Broken:: Is it sealed? {T\n")
    job = QuestionImport.objects.get()
    assert job.status == "refused" and not bank.questions.exists()
    assert job.warnings == [] and len(job.rejections) == 1
    page = client.get(f"/cms/banks/imports/{job.pk}/").content.decode()
    assert "Imported with a loss" not in page


def test_imports_stored_before_warnings_read_as_rejections_only(db):
    bank = QuestionBank.objects.create(title="Bank")
    job = QuestionImport.objects.create(
        bank=bank,
        filename="old.gift",
        format="gift",
        language="en",
        status=QuestionImport.Status.DONE,
        rejected=[[7, "The question has no text."]],
    )
    assert job.rejections == [[7, "The question has no text."]]
    assert job.warnings == []
    assert question_import_run(job.pk) == "done"  # a finished import is left alone
