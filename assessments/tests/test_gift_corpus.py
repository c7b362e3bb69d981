"""The GIFT import against GIFT files nobody on this project wrote (issue 13).

The corpus (``../shared/corpora/gift``, see its ``MANIFEST.tsv``) is the GIFT-grammar-PEG.js
test suite: GIFT files with gift-pegjs's expected parse of each in ``expected_json/``. The
files are read where they are, never copied into the repository. Every file must be read
without a crash; every question must agree with the expected parse (type, title, stem,
answers, credit, feedback, categories, ids and tags); questions the platform refuses are
listed here with their reason; and every file survives parse -> export -> parse unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assessments.gift import (
    ImportResult,
    ParsedQuestion,
    QuestionImportError,
    _category_tags,
    export_gift,
    parse_gift,
)
from assessments.tests.gift_expectations import CORPUS, assert_agrees

FILES = sorted(CORPUS.glob("*.gift"))

pytestmark = pytest.mark.skipif(not FILES, reason=f"the GIFT corpus is not in {CORPUS}")

REFUSED: dict[str, list[tuple[int, str]]] = {}
"""Questions of the corpus the GIFT import refuses: file -> [(line, code)]. Every question
of the corpus is of a type the platform has (issue 13), so none is refused."""


def _name(path: Path) -> str:
    return path.stem.removeprefix("giftpeg__")


def _read(path: Path) -> ImportResult:
    return parse_gift(path.read_text(encoding="utf-8"))


def _expected(path: Path) -> list[dict[str, Any]]:
    return json.loads((CORPUS / "expected_json" / f"{_name(path)}.json").read_text("utf-8"))


def _in_order(result: ImportResult) -> list[ParsedQuestion | QuestionImportError]:
    return sorted([*result.questions, *result.errors], key=lambda outcome: outcome.line)


def test_the_corpus_is_there():
    assert len(FILES) >= 50
    assert all((CORPUS / "expected_json" / f"{_name(path)}.json").exists() for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_each_question_agrees_with_the_expected_parse(path):
    result = _read(path)
    items = _expected(path)
    outcomes = _in_order(result)
    questions = [item for item in items if item["type"] != "Category"]
    assert len(outcomes) == len(questions)

    refused = []
    category: list[str] = []
    outcome_iter = iter(outcomes)
    for item in items:
        if item["type"] == "Category":
            category = _category_tags(item["title"])
            continue
        outcome = next(outcome_iter)
        if isinstance(outcome, QuestionImportError):
            refused.append((outcome.line, outcome.code))
            continue
        tags = list(dict.fromkeys([*category, *(item.get("tags") or [])]))
        assert_agrees(outcome.as_dict(), item, tags)
    assert refused == REFUSED.get(_name(path), [])


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_parse_export_parse_gives_the_same_questions(path):
    first = _read(path)
    text, skipped = export_gift(q.as_dict() for q in first.questions)
    assert skipped == []
    second = parse_gift(text)
    assert second.errors == []
    assert [q.as_dict() for q in second.questions] == [q.as_dict() for q in first.questions]
    # and the export is stable from then on
    assert export_gift(q.as_dict() for q in second.questions)[0] == text


def test_import_rates(capsys):
    """Items read and refused per file and overall (printed with ``-s``)."""
    total = refused = 0
    lines = []
    for path in FILES:
        result = _read(path)
        items = len(result.questions) + len(result.errors)
        total, refused = total + items, refused + len(result.errors)
        codes = ", ".join(sorted({error.code for error in result.errors}))
        lines.append(f"{_name(path)}: {items} read, {len(result.errors)} refused {codes}")
    with capsys.disabled():
        print("\nGIFT corpus:", *lines, f"overall: {total} read, {refused} refused", sep="\n")
    assert total >= 100
    assert refused == sum(len(entries) for entries in REFUSED.values())


def test_what_the_corpus_exercises():
    """A few corpus questions in full, where the mapping makes a decision."""
    by_name = {_name(path): _read(path) for path in FILES}

    [numeric] = by_name["totara_moodle_numerical"].questions
    assert numeric.data["answers"] == [
        {"value": 3, "tolerance": 2, "fraction": 1},
        {"value": None, "fraction": 0, "feedback": "Completely wrong"},
    ]

    [short] = by_name["totara_moodle_shortanswer_general_feedback"].questions
    assert short.type == "short_answer"
    assert short.data["answers"] == [
        {"id": "a", "text": "Frog", "fraction": 1, "feedback": "Good!"},
        {
            "id": "b",
            "text": "Cat",
            "fraction": 0.5,
            "feedback": "What is it with Moodlers and cats?",
        },
        {"id": "c", "text": "*", "fraction": 0, "feedback": "Completely wrong"},
    ]
    assert short.feedback == {"general": "Here is some general feedback!"}

    [seasons] = by_name["escapeColon"].questions
    assert seasons.type == "single_choice"
    assert seasons.data["fractions"] == {"a": 1, "b": 1, "c": 1, "d": 1}

    [essay] = by_name["tag_id_and_two_tags"].questions
    assert (essay.type, essay.uid, essay.tags) == ("essay", "393", ["fred", "barney-wilma"])

    description = by_name["description1"].questions[0]
    assert (description.type, description.points, description.data) == ("description", 0, {})

    lists = by_name["markdown"].questions[2]
    assert lists.stem == (
        "<p>nested lists</p><ul><li>item 1<ul><li>nested item 1</li></ul></li><li>item 2</li></ul>"
    )

    [figure] = by_name["multiLineFeedback1"].warnings
    assert (figure.code, figure.params) == ("images_dropped", {"count": 1})
