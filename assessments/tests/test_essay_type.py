"""The essay type on its own (no database): validation, normalisation, pending grade,
rubric scoring, what the browser sees; and the checks an attached file passes."""

from __future__ import annotations

import io
import zipfile
from fractions import Fraction

import pytest

from assessments import types
from assessments.content import public_view
from assessments.grading import ResponseError, grade, normalize_response, validate_question
from assessments.marking.uploads import UploadRefused, check_upload, sniff
from assessments.tests.essay_fixtures import ESSAY, RUBRIC
from assessments.types.essay import (
    MAX_TEXT_CHARS,
    RubricError,
    rubric_fraction,
    rubric_maximum,
    word_count,
)

DATA = ESSAY[1]


def problems(data):
    return [str(p) for p in validate_question("essay", data)]


def test_registered_with_its_script():
    essay = types.get("essay")
    assert essay.label and essay.script == "js/types/essay.js"
    assert essay.template == "assessments/types/essay.html"


def test_a_complete_essay_validates():
    assert problems(DATA) == []
    assert problems({}) == []  # no limits, no files, no rubric: a fraction is given


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"min_words": -1}, "whole number of words"),
        ({"max_words": "ten"}, "whole number of words"),
        ({"max_words": 0}, "at least 1"),
        ({"min_words": 50, "max_words": 10}, "above the maximum"),
        ({"attachments": 4}, "from 0 to 3"),
        ({"attachments": 1, "attachments_required": 2}, "More files are required"),
        ({"file_types": [".exe"]}, "not accepted"),
        ({"file_types": ".pdf"}, "must be a list"),
        ({"grader_info": 3}, "must be text"),
        ({"rubric": {"criteria": []}}, "at least one"),
        ({"rubric": {"criteria": [{"id": "a", "text": "A", "levels": []}]}}, "levels"),
    ],
)
def test_invalid_settings_are_named(change, expected):
    found = problems({**DATA, **change})
    assert any(expected in p for p in found), found


def test_rubric_ids_unique_and_points_not_negative():
    rubric = {
        "criteria": [
            {
                "id": "c",
                "text": "One",
                "levels": [
                    {"id": "l", "text": "Low", "points": -1},
                    {"id": "l", "text": "Same id", "points": 1},
                ],
            },
            {"id": "c", "text": "Same id", "levels": [{"id": "x", "text": "X", "points": 1}]},
            {"text": "", "levels": [{"id": "y", "points": 1}]},
        ]
    }
    found = problems({"rubric": rubric})
    assert any("“l” is used more than once" in p for p in found)
    assert any("“c” is used more than once" in p for p in found)
    assert any("level 1 of criterion 1 must be a number of 0 or more" in p for p in found)
    assert any("Criterion 3 has no id" in p for p in found)
    assert any("Criterion 3 has no text" in p for p in found)
    assert any("Level 1 of criterion 3 has no text" in p for p in found)


def test_a_rubric_worth_nothing_is_refused():
    rubric = {
        "criteria": [{"id": "c", "text": "C", "levels": [{"id": "l", "text": "L", "points": 0}]}]
    }
    assert any("more than 0 points" in p for p in problems({"rubric": rubric}))


def test_normalise_text_and_files():
    key = "0123456789abcdef0123456789abcdef"
    assert normalize_response("essay", DATA, {"text": "a\r\nb", "files": [key, key]}) == {
        "text": "a\nb",
        "files": [key],
    }
    assert normalize_response("essay", DATA, {"text": "  \n "}) == {"text": "", "files": []}
    assert normalize_response("essay", DATA, None) == {"text": "", "files": []}
    canonical = normalize_response("essay", DATA, {"text": "x", "files": [key]})
    assert normalize_response("essay", DATA, canonical) == canonical  # idempotent


@pytest.mark.parametrize(
    ("response", "code"),
    [
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "too_long"),
        ({"text": 5}, "wrong_shape"),
        ({"text": "x", "files": "abc"}, "wrong_shape"),
        ({"text": "x", "files": ["../../etc/passwd"]}, "wrong_shape"),
        ({"text": "x", "files": ["a" * 32, "b" * 32, "c" * 32]}, "too_many_files"),
        ({"text": "x", "grade": 1}, "unexpected_field"),
        ({"files": []}, "missing_field"),
        ({}, "missing_field"),
        ("text", "wrong_shape"),
    ],
)
def test_refused_responses(response, code):
    with pytest.raises(ResponseError) as error:
        normalize_response("essay", DATA, response)
    assert error.value.code == code


def test_no_files_when_the_question_takes_none():
    with pytest.raises(ResponseError):
        normalize_response("essay", {}, {"text": "x", "files": ["a" * 32]})


def test_grade_is_pending_until_a_person_grades_and_blank_is_zero():
    pending = grade("essay", DATA, {"text": "Some words here."})
    assert pending.pending and pending.fraction == 0 and not pending.correct
    blank = grade("essay", DATA, {"text": ""})
    assert not blank.pending and blank.fraction == 0 and blank.detail["blank"]


def test_rubric_scoring():
    assert rubric_maximum(DATA) == 4
    assert rubric_fraction(DATA, {"facts": "all", "law": "right"})[0] == 1
    fraction, detail = rubric_fraction(DATA, {"facts": "some", "law": "wrong"})
    assert fraction == Fraction(1, 4) and detail["points"] == {"facts": 1.0, "law": 0.0}
    for chosen, code in (
        ({"facts": "all"}, "missing"),
        ({"facts": "all", "law": "nope"}, "unknown_level"),
        ({"facts": "all", "law": "right", "style": "x"}, "unknown_criterion"),
    ):
        with pytest.raises(RubricError) as error:
            rubric_fraction(DATA, chosen)
        assert error.value.code == code


def test_word_count():
    assert word_count("") == 0
    assert word_count("  Contenedor  con\n400 cajas — sellado. ") == 6


def test_public_view_never_shows_rubric_or_grader_information():
    view = public_view("essay", DATA, ESSAY[2], {})
    assert view["min_words"] == 5 and view["max_words"] == 200
    assert view["attachments"] == 2 and view["file_types"] == [".pdf", ".txt"]
    text = repr(view)
    assert "rubric" not in text and "SECRET-GRADER-INFO" not in text
    assert "All the facts" not in text and RUBRIC["criteria"][0]["text"] not in text


def test_item_analysis_counts_answered_not_texts():
    counts = types.get("essay").answer_counts([{"text": "a"}, {"text": "", "files": []}, "b"])
    assert counts == {"answered": 2, "blank": 1}


# --- attached files ------------------------------------------------------------------------


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zip_of({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"})
ODT = zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", ".pdf"),
        (b"\x89PNG\r\n\x1a\n....", ".png"),
        (b"\xff\xd8\xff\xe0....", ".jpg"),
        (DOCX, ".docx"),
        (ODT, ".odt"),
        ("Informe de la incautación".encode(), ".txt"),
        (zip_of({"a.txt": b"x"}), None),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),
        (b"\x00\x01\x02binary", None),
    ],
)
def test_sniff(data, kind):
    assert sniff(data) == kind


def test_check_upload():
    allowed = [".pdf", ".txt"]
    assert check_upload(b"%PDF-1.4 x", "report.PDF", allowed=allowed, max_bytes=100) == ".pdf"
    for data, name, code in (
        (b"", "a.pdf", "empty"),
        (b"%PDF-" + b"x" * 200, "a.pdf", "too_large"),
        (b"%PDF-1.4", "a.exe", "type_not_allowed"),
        (b"%PDF-1.4", "a.docx", "type_not_allowed"),
        (b"<html><script>alert(1)</script>", "a.pdf", "content_mismatch"),
        (b"%PDF-1.4", "a.txt", "content_mismatch"),
    ):
        with pytest.raises(UploadRefused) as refused:
            check_upload(data, name, allowed=allowed, max_bytes=100)
        assert refused.value.code == code
