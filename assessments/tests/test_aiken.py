"""Aiken read without the database: questions become single choices, each malformed
question is reported with its line and reason while the others are still read."""

from __future__ import annotations

import pytest

from assessments.grading import validate_question
from assessments.interchange.aiken import MESSAGES, is_aiken, parse_aiken

GOOD = """Which document accompanies goods under transit?
A. The transit declaration
B. The tourist's passport
C. A bill of lading only
ANSWER: A

How many digits has an HS subheading?
A) 4
B) 6
C) 8
ANSWER: B
"""


def test_good_file_reads_every_question() -> None:
    result = parse_aiken(GOOD)
    assert result.errors == []
    first, second = result.questions
    assert first.type == "single_choice"
    assert first.line == 1
    assert first.stem == "<p>Which document accompanies goods under transit?</p>"
    assert first.data == {
        "options": [
            {"id": "a", "text": "The transit declaration"},
            {"id": "b", "text": "The tourist's passport"},
            {"id": "c", "text": "A bill of lading only"},
        ],
        "correct": "a",
    }
    assert second.line == 7
    assert second.data["correct"] == "b"
    assert [o["text"] for o in second.data["options"]] == ["4", "6", "8"]
    for question in result.questions:
        assert validate_question(question.type, question.data) == []


def test_crlf_bom_and_blank_lines() -> None:
    text = (
        "\ufeffFirst?\r\n\r\nA. yes\r\n\r\nB. no\r\n\r\n\r\nANSWER: B\r\n\r\n\r\n"
        "Second?\rA) x\rB) y\rANSWER:A"
    )
    result = parse_aiken(text)
    assert result.errors == []
    assert [q.data["correct"] for q in result.questions] == ["b", "a"]
    assert [q.line for q in result.questions] == [1, 11]


def test_question_text_on_several_lines_is_escaped() -> None:
    result = parse_aiken("Value < 100 & duty?\nSecond line\nA. a\nB. b\nANSWER: a\n")
    (question,) = result.questions
    assert question.stem == "<p>Value &lt; 100 &amp; duty?</p><p>Second line</p>"
    assert question.data["correct"] == "a"  # a lower-case letter is accepted, as by Moodle


def errors(text: str) -> list[tuple[int, str, dict]]:
    return [(e.line, e.code, e.params) for e in parse_aiken(text).errors]


def test_missing_answer_is_reported_and_the_next_question_still_read() -> None:
    text = "No answer?\nA. x\nB. y\n\nNext?\nA. 1\nB. 2\nANSWER: A\n"
    result = parse_aiken(text)
    assert [(e.line, e.code, e.title) for e in result.errors] == [
        (1, "missing_answer", "No answer?")
    ]
    assert [q.title for q in result.questions] == ["Next?"]


def test_missing_answer_at_the_end() -> None:
    assert errors("Good?\nA. x\nB. y\nANSWER: B\nLast?\nA. x\nB. y\n") == [
        (5, "missing_answer", {})
    ]


def test_answer_letter_not_among_options() -> None:
    assert errors("Q?\nA. x\nB. y\nANSWER: D\n") == [
        (1, "answer_not_option", {"letter": "D", "letters": "A, B"})
    ]


def test_bad_answer_line_and_answer_without_question() -> None:
    assert errors("Q?\nA. x\nB. y\nANSWER: A or B\n") == [
        (1, "bad_answer", {"text": "ANSWER: A or B"})
    ]
    assert errors("ANSWER: A\n") == [(1, "answer_without_question", {})]


def test_option_problems() -> None:
    assert errors("Q?\nA. only\nANSWER: A\n") == [(1, "too_few_options", {"count": 1})]
    assert errors("Q?\nANSWER: A\n") == [(1, "too_few_options", {"count": 0})]
    assert errors("Q?\nA. x\nA. y\nANSWER: A\n") == [(1, "duplicate_option", {"letter": "A"})]
    assert errors("Q?\nA.\nB. y\nANSWER: B\n") == [(1, "empty_option", {"letter": "A"})]
    assert errors("A. x\nB. y\nANSWER: A\n") == [(1, "missing_stem", {"letter": "A"})]


def test_options_with_parenthesis_and_dot_mixed() -> None:
    result = parse_aiken("Q?\nA) x\nB. y\nC) z\nANSWER: C\n")
    assert result.questions[0].data["correct"] == "c"


def test_every_message_formats() -> None:
    for code, template in MESSAGES.items():
        template.format(letter="A", letters="A, B", text="t", count=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD, True),
        ("Q?\r\nA. x\r\nB. y\r\nANSWER: B\r\n", True),
        ("::Q:: What? {=a ~b}\n", False),
        ("Q?\nA. x\nB. y\nANSWER: A\n::G:: True? {T}\n", False),
        ("Which set {a, b} is right?\nA. {a}\nB. {b}\nANSWER: A\n", True),
        ("<quiz></quiz>", False),
        ('{"questions": []}', False),
    ],
)
def test_detection(text: str, expected: bool) -> None:
    assert is_aiken(text) is expected
