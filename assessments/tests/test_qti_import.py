"""QTI and Aiken through the whole import and export: 1EdTech's packages go through
:func:`questions_import` with their images stored for the bank, the command and the admin
page detect QTI packages, QTI items and Aiken files, large packages import in the
background, and a bank exported as a QTI 3.0 package imports back as the same questions."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from assessments.content import STEM_IMAGE_SRC
from assessments.grading import validate_question, validate_stem
from assessments.imports import question_import_run
from assessments.interchange.qti import parse_qti
from assessments.models import Question, QuestionBank, QuestionImage, QuestionImport
from assessments.portability import (
    detect_format,
    parse_bytes,
    questions_export,
    questions_import,
)
from assessments.services import question_version_save
from assessments.types import REGISTRY
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "qti"
FILES = (
    sorted(p for p in CORPUS.iterdir() if p.suffix in (".xml", ".zip")) if CORPUS.is_dir() else []
)
corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the QTI corpus is absent")

AIKEN = "Which form declares goods for transit?\nA. T1\nB) CMR\nANSWER: A\n"


@corpus
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_file_goes_through_the_import(path: Path) -> None:
    """Nothing crashes; every item is imported or reported; the valid ones are imported."""
    bank = QuestionBank.objects.create(title=path.name[:100])
    data = path.read_bytes()
    parsed = parse_qti(data)
    report = questions_import(actor=None, bank=bank, text=data, fmt="qti", skip_bad=True)
    assert report.imported + len(report.rejected) == len(parsed.questions) + len(parsed.errors)
    valid = [
        q
        for q in parsed.questions
        if q.type in REGISTRY
        and not validate_question(q.type, q.data)
        and not validate_stem(q.type, q.data, q.stem)
    ]
    assert report.imported == len(valid)
    for _line, reason in report.rejected:
        assert reason


@corpus
def test_package_images_are_stored_for_the_bank() -> None:
    bank = QuestionBank.objects.create(title="QTI")
    data = (CORPUS / "1edtech__simple.zip").read_bytes()
    report = questions_import(actor=None, bank=bank, text=data, fmt="qti")
    assert (report.imported, report.rejected) == (1, [])
    (image,) = QuestionImage.objects.filter(bank=bank)
    assert image.original_name == "sign.png" and (image.width, image.height) == (170, 99)
    question = bank.questions.get()
    assert question.uid == "choice"
    version = question.current_version
    url = reverse("assessments:image", args=[image.name])
    assert STEM_IMAGE_SRC.fullmatch(url)
    assert f'<img src="{url}" alt="NEVER LEAVE LUGGAGE UNATTENDED">' in version.texts["en"]["stem"]
    assert version.data["correct"] == "ChoiceA"


@corpus
def test_a_hotspot_image_is_stored_and_named_in_the_data() -> None:
    bank = QuestionBank.objects.create(title="Hotspot")
    data = (CORPUS / "1edtech__sharedMedia.zip").read_bytes()
    report = questions_import(actor=None, bank=bank, text=data, fmt="qti", skip_bad=True)
    assert report.imported == 1
    (image,) = QuestionImage.objects.filter(bank=bank)
    version = bank.questions.get().current_version
    assert version.type == "hotspot" and version.data["image"]["name"] == image.name


def test_detection() -> None:
    assert detect_format(AIKEN) == "aiken"
    assert detect_format(AIKEN, "bank.txt") == "aiken"
    assert detect_format(b"PK\x03\x04...") == "qti"
    assert detect_format("anything", "bank.zip") == "qti"
    item = '<?xml version="1.0"?>\n<qti-assessment-item xmlns="x" identifier="a"/>'
    assert detect_format(item, "item.xml") == "qti"
    assert detect_format("<quiz></quiz>", "bank.xml") == "moodlexml"
    assert detect_format("::T:: Q {T}") == "gift"
    assert [q.type for q in parse_bytes(AIKEN.encode(), "bank.txt").questions] == ["single_choice"]


@corpus
def test_parse_bytes_reads_a_package() -> None:
    result = parse_bytes((CORPUS / "1edtech__simple.zip").read_bytes(), "simple.zip")
    assert [q.uid for q in result.questions] == ["choice"]


def test_aiken_import() -> None:
    bank = QuestionBank.objects.create(title="Aiken")
    report = questions_import(actor=None, bank=bank, text=AIKEN, fmt="aiken")
    assert (report.imported, report.rejected) == (1, [])
    version = bank.questions.get().current_version
    assert version.type == "single_choice" and version.data["correct"] == "a"
    refused = questions_import(
        actor=None, bank=bank, text="Q?\nA. x\nB. y\nANSWER: C\n", fmt="aiken", skip_bad=True
    )
    assert refused.rejected == [(1, "The answer “C” is not one of the options' letters (A, B).")]


@corpus
def test_command_detects_qti_and_aiken_and_exports_a_package(tmp_path: Path) -> None:
    bank = QuestionBank.objects.create(title="Command")
    package = tmp_path / "upload.bin"  # not named .zip: detected as a ZIP file
    package.write_bytes((CORPUS / "1edtech__qti22_items.zip").read_bytes())
    call_command("questions_import", bank.pk, str(package), "--skip-bad")
    aiken = tmp_path / "aiken.txt"
    aiken.write_text(AIKEN)
    call_command("questions_import", bank.pk, str(aiken))
    count = bank.questions.count()
    assert count > 20
    out = tmp_path / "bank.zip"
    call_command("questions_export", bank.pk, "--format", "qti", "--output", str(out))
    back = parse_qti(out.read_bytes())
    assert back.errors == []
    assert len(back.questions) == count
    assert {q.uid for q in back.questions} == set(bank.questions.values_list("uid", flat=True))


def test_bank_round_trip_through_a_qti_package() -> None:
    bank = QuestionBank.objects.create(title="Round trip")
    from assessments.demo.images import render

    width, height = Image.open(io.BytesIO(render("bill_of_lading"))).size
    questions = {
        "seal": (
            "hotspot",
            {
                "image": {"name": "bill_of_lading", "width": width, "height": height, "alt": "BL"},
                "regions": [{"id": "r1", "label": "Seal", "shape": "rect", "coords": [1, 1, 9, 9]}],
                "targets": "any",
                "max_clicks": 1,
                "wrong_click_penalty": 0,
            },
        ),
        "order": (
            "ordering",
            {
                "items": [{"id": "a", "text": "Declare"}, {"id": "b", "text": "Release"}],
                "correct_order": ["a", "b"],
                "scoring": "adjacent_pairs",
            },
        ),
        "choice": (
            "single_choice",
            {"options": [{"id": "a", "text": "T1"}, {"id": "b", "text": "CMR"}], "correct": "a"},
        ),
    }
    for uid, (qtype, data) in questions.items():
        question = Question.objects.create(bank=bank, uid=uid)
        question_version_save(
            actor=None,
            question=question,
            qtype=qtype,
            data=data,
            texts={"en": {"title": uid.title(), "stem": f"<p>{uid}?</p>", "feedback": {}}},
            points=2,
        )
    exported, skipped = questions_export(bank=bank, fmt="qti")
    assert skipped == [] and isinstance(exported, bytes)
    other = QuestionBank.objects.create(title="Copy")
    report = questions_import(actor=None, bank=other, text=exported, fmt="qti")
    assert (report.imported, report.rejected) == (3, [])
    for uid, (qtype, data) in questions.items():
        version = other.questions.get(uid=uid).current_version
        assert version.type == qtype and float(version.points) == 2
        assert version.texts["en"]["stem"] == f"<p>{uid}?</p>"
        if qtype != "hotspot":
            assert version.data == data
    hotspot = other.questions.get(uid="seal").current_version.data
    (image,) = QuestionImage.objects.filter(bank=other)  # the drawn image, now stored
    assert hotspot["image"]["name"] == image.name
    assert hotspot["regions"] == questions["seal"][1]["regions"]


@corpus
def test_admin_import_page_takes_a_qti_package_and_offers_the_export(client, per) -> None:
    bank = QuestionBank.objects.create(title="Admin", administration=per)
    author = UserFactory(username="author.per", administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(author)
    url = reverse("assessments_bank_import", args=[bank.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"format=qti" in page.content
    upload = SimpleUploadedFile(
        "simple.zip", (CORPUS / "1edtech__simple.zip").read_bytes(), "application/zip"
    )
    response = client.post(url, {"file": upload, "format": "auto", "language": "en"})
    assert response.status_code in (200, 302)
    assert bank.questions.count() == 1
    export = client.get(reverse("assessments_bank_export", args=[bank.pk]) + "?format=qti")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        assert "imsmanifest.xml" in archive.namelist()
    wrong = SimpleUploadedFile("simple.zip", (CORPUS / "1edtech__simple.zip").read_bytes())
    refused = client.post(url, {"file": wrong, "format": "gift", "language": "en"})
    assert "The file must be UTF-8 text." in refused.content.decode()


@corpus
def test_a_large_package_is_imported_in_the_background(
    client, per, settings, django_capture_on_commit_callbacks
) -> None:
    settings.LMS_QUESTION_IMPORT_INLINE_BYTES = 200
    bank = QuestionBank.objects.create(title="Background", administration=per)
    author = UserFactory(username="author.bg", administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(author)
    upload = SimpleUploadedFile("pkg.zip", (CORPUS / "1edtech__simple.zip").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessments_bank_import", args=[bank.pk]),
            {"file": upload, "format": "auto", "language": "en"},
        )
    assert response.status_code == 302
    job = QuestionImport.objects.get()
    assert job.format == "qti" and job.status == QuestionImport.Status.DONE
    assert question_import_run(job.pk) == "done"
    assert bank.questions.get().uid == "choice"


@corpus
def test_losses_are_reported_by_the_command_and_the_admin_page(tmp_path, capsys, client, per):
    bank = QuestionBank.objects.create(title="Loss", administration=per)
    source = tmp_path / "choice.xml"  # a loose item: its image is not in the file
    source.write_bytes((CORPUS / "1edtech__qti22_item__choice.xml").read_bytes())
    call_command("questions_import", bank.pk, str(source))
    out = capsys.readouterr().out
    assert "Imported 1, updated 0." in out
    assert "Imported with a loss, line 3: “choice”: The image “images/sign.png” was left out" in out
    author = UserFactory(username="author.loss", administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(author)
    upload = SimpleUploadedFile("choice.xml", source.read_bytes(), "text/xml")
    page = client.post(
        reverse("assessments_bank_import", args=[bank.pk]),
        {"file": upload, "format": "auto", "language": "en"},
    ).content.decode()
    assert "Imported with a loss" in page and "images/sign.png" in page
