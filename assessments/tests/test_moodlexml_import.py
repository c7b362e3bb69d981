"""Moodle XML through the whole import: every corpus file goes through
:func:`questions_import`, images are stored for the bank and shown only to whoever may see
them, the command detects the format, the admin page takes ``.xml`` and the export writes
the images back."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from assessments.content import STEM_IMAGE_SRC, stem_html
from assessments.grading import validate_question
from assessments.interchange.moodlexml import parse_moodlexml
from assessments.models import Attempt, Question, QuestionBank, QuestionImage, Response
from assessments.portability import detect_format, questions_export, questions_import
from assessments.question_images import images_stored
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "moodlexml"
FILES = sorted(CORPUS.glob("*.xml")) if CORPUS.is_dir() else []


def corpus(name: str) -> str:
    return (CORPUS / name).read_text("utf-8")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_file_goes_through_the_import(path):
    """Nothing crashes; every question read is imported (its type is one the platform
    has), every other one reported with its line and name."""
    bank = QuestionBank.objects.create(title=path.name[:100])
    text = path.read_text("utf-8")
    parsed = parse_moodlexml(text)
    report = questions_import(actor=None, bank=bank, text=text, fmt="moodlexml", skip_bad=True)
    assert report.imported + len(report.rejected) == len(parsed.questions) + len(parsed.errors)
    valid = [q for q in parsed.questions if not validate_question(q.type, q.data)]
    assert report.imported == len(valid) == len(parsed.questions)  # every type is the platform's
    for line, reason in report.rejected:
        assert line >= 1 and reason.startswith("“")


def test_truefalse_with_images_is_stored_with_its_images():
    bank = QuestionBank.objects.create(title="Moodle")
    report = questions_import(
        actor=None, bank=bank, text=corpus("moodle37__format_xml__truefalse.xml"), fmt="moodlexml"
    )
    assert report.imported == 2 and report.rejected == []
    assert report.warnings == [
        (
            line,
            f"“{title}”: 3 images in feedback or answer texts were left out: those texts are "
            "plain text on the platform.",
        )
        for line, title in ((12, "Moodle acronym (False)"), (40, "Moodle acronym (True)"))
    ]
    (image,) = QuestionImage.objects.filter(bank=bank)  # the same logo, stored once
    assert image.original_name == "logo.jpg" and image.content_type == "image/jpeg"
    assert image.file.name.startswith(f"question-images/bank-{bank.pk}/{image.sha256}")
    version = bank.questions.get(uid__startswith="moodle-acronym-false").current_version
    stem = version.texts["en"]["stem"]
    url = reverse("assessments:image", args=[image.name])
    assert f'<img src="{url}" alt="Moodle logo">' in stem
    assert STEM_IMAGE_SRC.fullmatch(url)
    assert stem_html(stem) == stem
    assert version.data["correct"] is False and version.data["penalty"] == 1
    tags = sorted(bank.questions.first().tags.names())
    assert tags == ["Default for testhead", "TrueFalse"]


def test_stem_html_keeps_only_the_platforms_images():
    assert stem_html('<p><img src="http://evil/x.png" alt="x">a</p>') == "<p>a</p>"
    assert stem_html('<img src="/assessments/images/port-map.png">') == ""
    own = "/assessments/images/qi-1-" + "a" * 32 + ".png"
    assert stem_html(f'<img src="{own}" alt="a" onerror="x()">') == f'<img src="{own}" alt="a">'


def test_drag_and_drop_background_is_stored_and_named_in_the_data():
    bank = QuestionBank.objects.create(title="Maps")
    (parsed,) = parse_moodlexml(
        corpus("moodle37__qtype_ddmarker__testquestion.moodle.xml")
    ).questions
    stem, data = images_stored(bank=bank, stem=parsed.stem, data=parsed.data, images=parsed.images)
    image = QuestionImage.objects.get(bank=bank)
    assert image.original_name == "mkmap.png" and (image.width, image.height) == (544, 389)
    assert data["image"] == {"name": image.name, "width": 544, "height": 389, "alt": ""}
    assert stem == parsed.stem


@pytest.fixture
def image_bank(per):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    questions_import(
        actor=None, bank=bank, text=corpus("moodle37__format_xml__truefalse.xml"), fmt="moodlexml"
    )
    return bank


def test_the_image_is_served_to_authors_and_to_officers_who_drew_its_question(
    client, image_bank, per, pan, per_officer, pan_officer
):
    image = QuestionImage.objects.get(bank=image_bank)
    url = reverse("assessments:image", args=[image.name])
    author = UserFactory(username="author.per", administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(author)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response.content == image.file.open("rb").read()
    assert response["X-Content-Type-Options"] == "nosniff"
    other_author = UserFactory(
        username="author.pan", administration=pan, roles={Role.TRAINING_MANAGER}
    )
    client.force_login(other_author)
    assert client.get(url).status_code == 404
    client.force_login(per_officer)
    assert client.get(url).status_code == 404  # no attempt shows it yet
    attempt = Attempt.objects.create(user=per_officer, administration=per, number=1)
    version = image_bank.questions.first().current_version
    Response.objects.create(attempt=attempt, position=1, version=version)
    assert client.get(url).status_code == 200
    client.force_login(pan_officer)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(author)
    missing = reverse("assessments:image", args=["qi-1-" + "0" * 32])
    assert client.get(missing).status_code == 404


def test_export_writes_the_images_back_and_imports_again(image_bank):
    text, skipped = questions_export(bank=image_bank, fmt="moodlexml")
    assert skipped == []
    assert '<file name="logo.jpg" path="/" encoding="base64">' in text
    assert 'src="@@PLUGINFILE@@/logo.jpg"' in text
    stored = QuestionImage.objects.get(bank=image_bank)
    encoded = re.search(r'<file name="logo.jpg"[^>]*>([^<]+)</file>', text).group(1)
    assert base64.b64decode(encoded) == stored.file.open("rb").read()
    copy = QuestionBank.objects.create(title="Copy")
    report = questions_import(actor=None, bank=copy, text=text, fmt="moodlexml")
    assert report.imported == 2
    for question in copy.questions.select_related("current_version"):
        original = Question.objects.get(bank=image_bank, uid=question.uid).current_version
        mine = question.current_version
        assert mine.type == original.type and mine.data == original.data
        assert mine.texts["en"]["feedback"] == original.texts["en"]["feedback"]
        assert mine.texts["en"]["stem"] == original.texts["en"]["stem"].replace(
            stored.name, QuestionImage.objects.get(bank=copy).name
        )


def test_nothing_is_imported_on_error_unless_skipping():
    bank = QuestionBank.objects.create(title="Strict")
    text = corpus("moodle37__format_xml__broken_cloze_questions.xml")
    from assessments.portability import ImportRefused

    with pytest.raises(ImportRefused) as refusal:
        questions_import(actor=None, bank=bank, text=text, fmt="moodlexml")
    lines = [line for line, _ in refusal.value.report.rejected]
    assert lines == [4, 20, 36, 52, 68]
    assert refusal.value.report.rejected[0][1].startswith(
        "“Multianswer question without subquestions”: "
    )
    assert not bank.questions.exists()


def test_format_detection():
    xml = corpus("moodle37__qtype_truefalse__testquestion.moodle.xml")
    assert detect_format(xml) == "moodlexml"
    assert detect_format("anything", "bank.xml") == "moodlexml"
    assert detect_format('{"questions": []}') == "json"
    assert detect_format("::T:: Q {T}") == "gift"


def test_command_detects_moodle_xml_and_exports_it(tmp_path, capsys):
    bank = QuestionBank.objects.create(title="Command")
    source = tmp_path / "bank.txt"  # not named .xml: detected by its <quiz> root
    source.write_text(corpus("moodle37__format_xml__nested_categories_with_questions.xml"))
    call_command("questions_import", bank.pk, str(source), "--skip-bad")
    assert bank.questions.filter(current_version__type="true_false").count() == 4
    capsys.readouterr()
    call_command("questions_export", bank.pk, "--format", "moodlexml")
    out = capsys.readouterr().out
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    assert "<text>$course$/top/Iota/Kappa</text>" in out


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(out, "PNG")
    return out.getvalue()


def test_admin_import_page_takes_moodle_xml_and_offers_its_export(client, per):
    bank = QuestionBank.objects.create(title="Admin", administration=per)
    author = UserFactory(username="author.per", administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(author)
    url = reverse("assessments_bank_import", args=[bank.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"format=moodlexml" in page.content
    upload = SimpleUploadedFile(
        "bank.xml",
        corpus("moodle37__qtype_truefalse__testquestion.moodle.xml").encode(),
        content_type="text/xml",
    )
    response = client.post(url, {"file": upload, "format": "auto", "language": "en"})
    assert response.status_code in (200, 302)
    assert bank.questions.count() == 1
    export = client.get(reverse("assessments_bank_export", args=[bank.pk]) + "?format=moodlexml")
    assert export.status_code == 200 and export["Content-Type"] == "application/xml"
    assert b'<question type="truefalse">' in export.content


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_bank_round_trip_over_the_corpus(path):
    """Import a corpus file, export the bank as Moodle XML, import that into another bank:
    the same questions (type, data, title, stem, feedback, points, tags), their images
    stored again for the new bank."""
    first = QuestionBank.objects.create(title="First")
    questions_import(
        actor=None, bank=first, text=path.read_text("utf-8"), fmt="moodlexml", skip_bad=True
    )
    text, skipped = questions_export(bank=first, fmt="moodlexml")
    assert skipped == []
    second = QuestionBank.objects.create(title="Second")
    report = questions_import(actor=None, bank=second, text=text, fmt="moodlexml")
    assert report.rejected == [] and report.imported == first.questions.count()
    renamed = {
        image.name: QuestionImage.objects.get(bank=second, sha256=image.sha256).name
        for image in QuestionImage.objects.filter(bank=first)
    }

    def same(value: str) -> str:
        for old, new in renamed.items():
            value = value.replace(old, new)
        return value

    for question in first.questions.select_related("current_version"):
        before = question.current_version
        after = second.questions.get(uid=question.uid).current_version
        assert after.type == before.type
        assert after.points == before.points
        assert after.data == json_loads(same(json_dumps(before.data)))
        assert after.texts == json_loads(same(json_dumps(before.texts)))
        assert sorted(second.questions.get(uid=question.uid).tags.names()) == sorted(
            question.tags.names()
        )


def json_dumps(value: object) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def json_loads(text: str) -> object:
    import json

    return json.loads(text)


def test_the_platforms_own_questions_go_to_moodle_and_back(bank):
    """Questions written on the platform: the types Moodle has come back with the same
    answers (Moodle's penalty and display settings added); hotspot, which Moodle's core
    does not have, is listed as not exported."""
    from assessments.content import merged

    text, skipped = questions_export(bank=bank, fmt="moodlexml")
    assert skipped == [("hot", "Questions of this type cannot be written in Moodle XML.")]
    copy = QuestionBank.objects.create(title="Back from Moodle")
    report = questions_import(actor=None, bank=copy, text=text, fmt="moodlexml")
    assert report.rejected == [] and report.imported == bank.questions.count() - 1
    for question in copy.questions.select_related("current_version"):
        original = bank.questions.get(uid=question.uid).current_version
        mine = question.current_version
        before = merged(original.data, original.texts["en"])
        after = {k: v for k, v in mine.data.items() if k not in ("penalty", "moodle")}
        if original.type == "numeric":  # its unit label comes back as Moodle's unit
            assert after["answers"] == [{"value": before["answer"], "tolerance": 0, "fraction": 1}]
            assert after["units"] == [{"unit": before["unit"], "multiplier": 1}]
            continue
        if original.type == "ordering":  # Moodle has no item ids: the order is what counts
            texts = {item["id"]: item["text"] for item in before["items"]}
            assert [i["text"] for i in after["items"]] == [
                texts[i] for i in before["correct_order"]
            ]
            assert after["correct_order"] == [i["id"] for i in after["items"]]
            assert after["scoring"] == before["scoring"]
            continue
        assert mine.type == original.type and after == before
        assert mine.texts["en"]["stem"] == original.texts["en"]["stem"]
