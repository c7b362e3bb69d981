"""Tests for assessments.grading (pure functions, no database)."""

from __future__ import annotations

import ast
import copy
import json
import random
import string
import sys
from pathlib import Path

import pytest

from assessments import analysis, grading
from assessments import types as question_types
from assessments.grading import (
    QUESTION_TYPES,
    RESPONSE_ERROR_MESSAGES,
    Grade,
    ResponseError,
    empty_response,
    grade,
    is_blank,
    normalize_response,
    parse_number,
    point_in_polygon,
    point_in_rect,
    score_attempt,
    validate_question,
)
from assessments.tests.test_type_drag_drop import IMAGE_DATA, MARKER_DATA, TEXT_DATA

# ----------------------------------------------------------------------------- questions

SINGLE = {
    "options": [
        {"id": "a", "text": "Bill of lading"},
        {"id": "b", "text": "Packing list", "feedback": "No."},
        {"id": "c", "text": "Certificate of origin"},
    ],
    "correct": "c",
}

MULTI_OPTIONS = [{"id": i, "text": f"Option {i}"} for i in "abcde"]


def multi(scoring: str) -> dict:
    return {"options": copy.deepcopy(MULTI_OPTIONS), "correct": ["a", "b", "c"], "scoring": scoring}


TRUE_FALSE = {"correct": False, "feedback_true": "No.", "feedback_false": "Yes."}

NUMERIC = {"answer": 5.5, "tolerance": 0.5, "unit": "kg"}

CLOZE = {
    "gaps": [
        {
            "id": "g1",
            "kind": "short_answer",
            "weight": 1,
            "answers": [{"id": "a1", "text": "PE-004512", "fraction": 1}],
        },
        {
            "id": "g2",
            "kind": "numeric",
            "weight": 2,
            "answers": [
                {"value": 18.4, "tolerance": 0.1, "fraction": 1},
                {"value": 18400, "tolerance": 100, "fraction": 0.5},
            ],
        },
        {
            "id": "g3",
            "kind": "choice",
            "weight": 1,
            "display": "checkbox",
            "options": [
                {"id": "a", "text": "Seal differs", "fraction": 0.5},
                {"id": "b", "text": "New consignee", "fraction": 0.5},
                {"id": "c", "text": "Known shipper", "fraction": -1},
            ],
        },
        {
            "id": "g4",
            "kind": "choice",
            "weight": 1,
            "display": "dropdown",
            "options": [
                {"id": "a", "text": "Release", "fraction": 0},
                {"id": "b", "text": "Examine", "fraction": 1},
            ],
        },
    ]
}

ESSAY = {
    "min_words": 5,
    "max_words": 200,
    "attachments": 2,
    "file_types": [".pdf", ".txt"],
    "rubric": {
        "criteria": [
            {
                "id": "facts",
                "text": "Facts",
                "levels": [
                    {"id": "none", "text": "Missing", "points": 0},
                    {"id": "all", "text": "Complete", "points": 2},
                ],
            }
        ]
    },
    "grader_info": "<p>Article 189.</p>",
}

SHORT_ANSWER = {
    "answers": [
        {"id": "a1", "text": "6109.10", "fraction": 1, "feedback": "Right."},
        {"id": "a2", "text": "6109", "fraction": 0.5},
        {"id": "a3", "text": "*", "fraction": 0, "feedback": "Look at chapter 61."},
    ],
    "case_sensitive": False,
    "ignore_accents": True,
    "ignore_spaces": False,
}


def ordering(scoring: str) -> dict:
    return {
        "items": [{"id": i, "text": f"Step {i}"} for i in "abcd"],
        "correct_order": ["a", "b", "c", "d"],
        "scoring": scoring,
    }


def matching(scoring: str) -> dict:
    return {
        "premises": [{"id": p, "text": f"Premise {p}"} for p in ("p1", "p2", "p3", "p4")],
        "responses": [{"id": r, "text": f"Response {r}"} for r in ("r1", "r2", "r3", "r4", "r5")],
        "correct": {"p1": "r1", "p2": "r2", "p3": "r3", "p4": "r4"},
        "scoring": scoring,
    }


def hotspot(targets: str = "any", max_clicks: int = 3, penalty: float = 0.25) -> dict:
    return {
        "image": {"width": 200, "height": 100, "alt": "X-ray of a suitcase"},
        "regions": [
            {"id": "r1", "label": "Lining", "shape": "rect", "coords": [10, 10, 40, 20]},
            {
                "id": "r2",
                "label": "Handle",
                "shape": "polygon",
                "coords": [[100, 10], [160, 10], [160, 70], [100, 70]],
            },
            {
                "id": "r3",
                "label": "Wheel",
                "shape": "polygon",
                "coords": [[150, 80], [190, 80], [170, 100]],
            },
        ],
        "targets": targets,
        "max_clicks": max_clicks,
        "wrong_click_penalty": penalty,
    }


VALID_QUESTIONS = {
    "single_choice": SINGLE,
    "multiple_response": multi("per_option"),
    "true_false": TRUE_FALSE,
    "numeric": NUMERIC,
    "ordering": ordering("adjacent_pairs"),
    "matching": matching("per_premise"),
    "hotspot": hotspot("all"),
    "drag_drop_text": TEXT_DATA,
    "drag_drop_image": IMAGE_DATA,
    "drag_drop_marker": MARKER_DATA,
    "cloze": CLOZE,
    "essay": ESSAY,
    "short_answer": SHORT_ANSWER,
    "description": {},
}


def test_question_types():
    assert set(QUESTION_TYPES) >= {
        "single_choice",
        "multiple_response",
        "true_false",
        "numeric",
        "ordering",
        "matching",
        "hotspot",
        "short_answer",
        "description",
    }
    assert set(VALID_QUESTIONS) == set(QUESTION_TYPES)


# ------------------------------------------------------------------------ error messages


def test_response_error_carries_code_params_and_message():
    error = ResponseError("too_many_clicks", max_clicks=2, count=3)
    assert isinstance(error, ValueError)
    assert error.code == "too_many_clicks"
    assert error.params == {"max_clicks": 2, "count": 3}
    assert error.message == "At most 2 clicks are accepted on this image; the answer has 3."
    assert str(error) == error.message


def test_response_error_unknown_code():
    with pytest.raises(KeyError):
        ResponseError("no_such_code")


def test_error_messages_cover_the_codes_of_the_brief():
    for code in (
        "unknown_option",
        "not_a_number",
        "outside_image",
        "too_many_clicks",
        "missing_field",
        "wrong_shape",
        "duplicate",
    ):
        assert code in RESPONSE_ERROR_MESSAGES


def test_error_messages_are_marked_for_translation():
    # makemessages only extracts literal strings passed to gettext_noop(...).
    tree = ast.parse(Path(question_types.base.__file__).read_text(encoding="utf-8"))
    (assignment,) = [
        node
        for node in tree.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "RESPONSE_ERROR_MESSAGES"
    ]
    assert isinstance(assignment.value, ast.Dict)
    for value in assignment.value.values:
        assert isinstance(value, ast.Call)
        assert isinstance(value.func, ast.Name)
        assert value.func.id == "gettext_noop"
        assert isinstance(value.args[0], ast.Constant)
        assert isinstance(value.args[0].value, str)
    # A type module may add its own refusals the same way, literally:
    # RESPONSE_ERROR_MESSAGES.setdefault("code", gettext_noop("...")).
    added = 0
    for path in sorted(Path(question_types.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "setdefault"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "RESPONSE_ERROR_MESSAGES"
            ):
                message = node.args[1]
                assert isinstance(message, ast.Call) and message.func.id == "gettext_noop"
                assert isinstance(message.args[0], ast.Constant), path
                added += 1
    assert len(assignment.value.values) + added == len(RESPONSE_ERROR_MESSAGES)


TYPE_MODULES = sorted(Path(question_types.__file__).parent.glob("*.py"))


@pytest.mark.parametrize(
    "path",
    [Path(grading.__file__), Path(analysis.__file__), *TYPE_MODULES],
    ids=lambda path: path.name,
)
def test_modules_are_pure_standard_library(path):
    """Grading, item analysis and every question type are plain Python: the standard
    library and each other (relative imports), no Django, no third-party package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                continue
            roots = [(node.module or "").split(".")[0]]
        else:
            continue
        for root in roots:
            assert root in sys.stdlib_module_names or root == "__future__", root


# ------------------------------------------------------------------ validate_question


@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_valid_questions_have_no_problems(qtype):
    assert validate_question(qtype, VALID_QUESTIONS[qtype]) == []


def test_validate_other_valid_variants():
    for rule in ("all_or_nothing", "right_minus_wrong", "per_option"):
        assert validate_question("multiple_response", multi(rule)) == []
    assert validate_question("ordering", ordering("all_or_nothing")) == []
    assert validate_question("matching", matching("all_or_nothing")) == []
    assert validate_question("hotspot", hotspot("any", max_clicks=1, penalty=0)) == []
    assert validate_question("numeric", {"answer": -3, "tolerance": 0}) == []
    assert validate_question("true_false", {"correct": True}) == []


def test_validate_unknown_type_and_bad_data():
    assert validate_question("no_such_type", {}) == ["Unknown question type no_such_type."]
    assert validate_question("single_choice", None) == ["The question data must be an object."]


def problems_of(qtype: str, data: dict) -> str:
    problems = validate_question(qtype, data)
    assert problems, "expected problems"
    return " | ".join(problems)


def test_validate_single_choice_problems():
    data = {"options": [{"id": "a", "text": "Only one"}], "correct": "a"}
    assert "At least 2 options" in problems_of("single_choice", data)
    data = copy.deepcopy(SINGLE)
    data["correct"] = "z"
    assert "“z” is not one of the options" in problems_of("single_choice", data)
    data = copy.deepcopy(SINGLE)
    data["options"][1]["id"] = "a"
    assert "“a” is used more than once" in problems_of("single_choice", data)
    data = copy.deepcopy(SINGLE)
    data["options"][0] = {"id": "", "text": " "}
    text = problems_of("single_choice", data)
    assert "Option 1 has no id" in text
    assert "Option 1 has no text" in text
    assert "must be an option id" in problems_of("single_choice", {**SINGLE, "correct": 3})
    assert "must be a list" in problems_of("single_choice", {"options": "a,b", "correct": "a"})


def test_validate_multiple_response_problems():
    data = multi("per_option")
    data["correct"] = ["a", "x"]
    assert "“x” is not one of the options" in problems_of("multiple_response", data)
    data["correct"] = []
    assert "At least one option must be correct" in problems_of("multiple_response", data)
    data["correct"] = ["a", "a"]
    assert "more than once" in problems_of("multiple_response", data)
    data["correct"] = "a"
    assert "list of option ids" in problems_of("multiple_response", data)
    data = multi("partial_credit")
    assert "Unknown scoring rule partial_credit" in problems_of("multiple_response", data)
    data = multi("per_option")
    del data["scoring"]
    assert "The scoring rule is missing" in problems_of("multiple_response", data)
    data = hotspot()
    del data["targets"]
    assert "The targets setting is missing" in problems_of("hotspot", data)


def test_validate_true_false_problems():
    assert "true or false" in problems_of("true_false", {"correct": "false"})
    assert "true or false" in problems_of("true_false", {})
    assert "must be text" in problems_of("true_false", {"correct": True, "feedback_true": 1})


def test_validate_numeric_problems():
    assert "tolerance cannot be negative" in problems_of("numeric", {"answer": 1, "tolerance": -1})
    assert "answer must be a finite number" in problems_of(
        "numeric", {"answer": "5", "tolerance": 0}
    )
    assert "answer must be a finite number" in problems_of(
        "numeric", {"answer": float("nan"), "tolerance": 0}
    )
    assert "answer must be a finite number" in problems_of(
        "numeric", {"answer": True, "tolerance": 0}
    )
    assert "tolerance must be a finite number" in problems_of("numeric", {"answer": 1})
    assert "unit must be text" in problems_of("numeric", {"answer": 1, "tolerance": 0, "unit": 3})


def test_validate_ordering_problems():
    data = ordering("adjacent_pairs")
    data["correct_order"] = ["a", "b", "c"]
    assert "every item exactly once" in problems_of("ordering", data)
    data["correct_order"] = ["a", "b", "c", "c"]
    assert "every item exactly once" in problems_of("ordering", data)
    data["correct_order"] = ["a", "b", "c", "x"]
    assert "every item exactly once" in problems_of("ordering", data)
    data["correct_order"] = ["a", "b", "c", "d", "e"]
    assert "every item exactly once" in problems_of("ordering", data)
    assert "Unknown scoring rule" in problems_of("ordering", ordering("per_option"))
    data = ordering("all_or_nothing")
    data["items"] = data["items"][:1]
    data["correct_order"] = ["a"]
    assert "At least 2 items" in problems_of("ordering", data)


def test_validate_matching_problems():
    data = matching("per_premise")
    data["correct"]["p9"] = "r1"
    assert "unknown premise “p9”" in problems_of("matching", data)
    data = matching("per_premise")
    data["correct"]["p1"] = "r9"
    assert "“p1” is paired with an unknown response r9" in problems_of("matching", data)
    data = matching("per_premise")
    del data["correct"]["p4"]
    assert "“p4” has no correct response" in problems_of("matching", data)
    data = matching("per_premise")
    data["responses"][0]["id"] = "p1"
    assert "“p1” is used more than once" in problems_of("matching", data)
    assert "Unknown scoring rule" in problems_of("matching", matching("right_minus_wrong"))
    data = matching("per_premise")
    data["correct"] = [["p1", "r1"]]
    assert "must map premise ids" in problems_of("matching", data)


def test_validate_hotspot_problems():
    data = hotspot()
    data["regions"][0]["coords"] = [180, 10, 40, 20]  # x + w = 220 > 200
    assert "Region “r1” extends outside the image" in problems_of("hotspot", data)
    data = hotspot()
    data["regions"][1]["coords"] = [[100, 10], [160, 10], [160, 170]]
    assert "Region “r2” extends outside the image" in problems_of("hotspot", data)
    data = hotspot()
    data["regions"][1]["coords"] = [[100, 10], [160, 10]]
    assert "at least 3 points; it has 2" in problems_of("hotspot", data)
    data = hotspot()
    data["regions"][1]["coords"] = [[0, 0], [10, 10], [20, 20]]
    assert "the polygon has no area" in problems_of("hotspot", data)
    data = hotspot()
    data["regions"][0]["coords"] = [10, 10, 0, 20]
    assert "positive width and height" in problems_of("hotspot", data)
    data = hotspot()
    data["regions"][0]["coords"] = [10, 10, 20]
    assert "four numbers" in problems_of("hotspot", data)
    data = hotspot()
    data["regions"][0]["shape"] = "circle"
    assert "unknown shape circle" in problems_of("hotspot", data)
    data = hotspot()
    data["regions"][2]["id"] = "r1"
    assert "“r1” is used more than once" in problems_of("hotspot", data)
    assert "at least 1" in problems_of("hotspot", hotspot(max_clicks=0))
    assert "at least 1" in problems_of("hotspot", {**hotspot(), "max_clicks": 1.5})
    assert "from 0 to 1" in problems_of("hotspot", hotspot(penalty=1.5))
    assert "from 0 to 1" in problems_of("hotspot", hotspot(penalty=-0.1))
    assert "Unknown targets some" in problems_of("hotspot", hotspot(targets="some"))
    assert "at least 3 clicks must be allowed" in problems_of(
        "hotspot", hotspot(targets="all", max_clicks=2)
    )
    data = hotspot()
    data["image"] = {"width": 0, "height": 100, "alt": ""}
    text = problems_of("hotspot", data)
    assert "positive numbers" in text
    assert "text alternative" in text
    data = hotspot()
    data["regions"] = []
    assert "At least one region" in problems_of("hotspot", data)
    data = hotspot()
    del data["image"]
    assert "image (width, height, alt) is missing" in problems_of("hotspot", data)


def test_validate_hotspot_regions_on_the_image_border_are_fine():
    data = hotspot()
    data["regions"][0]["coords"] = [0, 0, 200, 100]
    data["regions"][1]["coords"] = [[0, 0], [200, 0], [200, 100]]
    assert validate_question("hotspot", data) == []


# ----------------------------------------------------------------- normalize_response


@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_none_normalizes_to_the_empty_response(qtype):
    assert normalize_response(qtype, VALID_QUESTIONS[qtype], None) == empty_response(qtype)
    assert is_blank(qtype, empty_response(qtype))
    assert is_blank(qtype, None)


@pytest.mark.parametrize(
    ("qtype", "blank"),
    [
        ("single_choice", {"option": None}),
        ("single_choice", {"option": ""}),
        ("multiple_response", {"options": []}),
        ("multiple_response", {"options": None}),
        ("true_false", {"value": None}),
        ("numeric", {"value": ""}),
        ("numeric", {"value": "   "}),
        ("numeric", {"value": None}),
        ("ordering", {"order": []}),
        ("matching", {"pairs": {}}),
        ("matching", {"pairs": {"p1": None, "p2": ""}}),
        ("hotspot", {"clicks": []}),
        ("short_answer", {"text": ""}),
        ("short_answer", {"text": " \n "}),
        ("short_answer", {"text": None}),
        ("description", {"value": None}),
        ("description", {"value": ""}),
    ],
)
def test_blank_answers_are_allowed(qtype, blank):
    normalized = normalize_response(qtype, VALID_QUESTIONS[qtype], blank)
    assert normalized == empty_response(qtype)
    result = grade(qtype, VALID_QUESTIONS[qtype], blank)
    assert result == Grade(0.0, False, result.detail)
    assert result.detail["blank"] is True


@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_malformed_envelopes_are_refused(qtype):
    data = VALID_QUESTIONS[qtype]
    field = grading.RESPONSE_FIELDS[qtype]
    with pytest.raises(ResponseError) as info:
        normalize_response(qtype, data, {})
    assert info.value.code == "missing_field"
    assert info.value.params == {"field": field}
    with pytest.raises(ResponseError) as info:
        normalize_response(qtype, data, {field: None, "extra": 1})
    assert info.value.code == "unexpected_field"
    for not_a_dict in ([], "a", 3, True):
        with pytest.raises(ResponseError) as info:
            normalize_response(qtype, data, not_a_dict)
        assert info.value.code == "wrong_shape"
    with pytest.raises(ResponseError):
        grade(qtype, data, {})


def test_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown question type"):
        normalize_response("no_such_type", {}, None)
    with pytest.raises(ValueError, match="unknown question type"):
        empty_response("no_such_type")


def test_normalize_single_choice():
    assert normalize_response("single_choice", SINGLE, {"option": "b"}) == {"option": "b"}
    with pytest.raises(ResponseError) as info:
        normalize_response("single_choice", SINGLE, {"option": "Packing list"})
    assert info.value.code == "unknown_option"
    assert "“Packing list” is not one of the choices" in info.value.message
    with pytest.raises(ResponseError) as info:
        normalize_response("single_choice", SINGLE, {"option": ["a"]})
    assert info.value.code == "wrong_shape"


def test_forged_option_id_from_another_question_is_refused():
    other_question = multi("per_option")  # ids a..e; "d" and "e" are not in SINGLE
    forged = other_question["options"][3]["id"]
    for qtype, data, response in (
        ("single_choice", SINGLE, {"option": forged}),
        ("multiple_response", multi("all_or_nothing"), {"options": ["a", "r1"]}),
        ("ordering", ordering("all_or_nothing"), {"order": ["a", "b", "c", "e"]}),
        ("matching", matching("per_premise"), {"pairs": {"p1": "a"}}),
        ("matching", matching("per_premise"), {"pairs": {"a": "r1"}}),
    ):
        with pytest.raises(ResponseError) as info:
            normalize_response(qtype, data, response)
        assert info.value.code == "unknown_option", (qtype, response)


def test_normalize_multiple_response_sorts_and_dedupes():
    data = multi("per_option")
    assert normalize_response("multiple_response", data, {"options": ["c", "a", "c"]}) == {
        "options": ["a", "c"]
    }
    with pytest.raises(ResponseError) as info:
        normalize_response("multiple_response", data, {"options": "a"})
    assert info.value.code == "wrong_shape"
    with pytest.raises(ResponseError) as info:
        normalize_response("multiple_response", data, {"options": ["a", 1]})
    assert info.value.code == "wrong_shape"


def test_normalize_true_false():
    assert normalize_response("true_false", TRUE_FALSE, {"value": False}) == {"value": False}
    assert normalize_response("true_false", TRUE_FALSE, {"value": True}) == {"value": True}
    for bad in ("false", 0, 1, [], "true"):
        with pytest.raises(ResponseError) as info:
            normalize_response("true_false", TRUE_FALSE, {"value": bad})
        assert info.value.code == "wrong_shape"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", 5.0),
        (" 5 ", 5.0),
        ("5.0", 5.0),
        ("5,5", 5.5),
        ("-2", -2.0),
        ("+3", 3.0),
        ("−4", -4.0),  # Unicode minus sign
        (".5", 0.5),
        (",5", 0.5),
        ("5.", 5.0),
        ("-0", 0.0),
        ("\u00a012,25\t", 12.25),
        ("1,234", 1.234),  # one comma is always a decimal comma
        ("0007", 7.0),
    ],
)
def test_parse_number_accepts(text, value):
    assert parse_number(text) == value
    assert normalize_response("numeric", NUMERIC, {"value": text}) == {"value": value}


@pytest.mark.parametrize(
    "text",
    [
        "five",
        "",
        "   ",
        "1e999",
        "1e3",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1.234,5",
        "1,234.5",
        "1.234.567",
        "1,2,3",
        "1 234",
        "5 kg",
        "--5",
        "+-5",
        ".",
        ",",
        "-",
        "0x10",
        "١٢",  # Arabic-Indic digits
        "½",
        "9" * 41,
    ],
)
def test_parse_number_rejects(text):
    with pytest.raises(ResponseError) as info:
        parse_number(text)
    assert info.value.code == "not_a_number"
    if text.strip():
        with pytest.raises(ResponseError) as info:
            normalize_response("numeric", NUMERIC, {"value": text})
        assert info.value.code == "not_a_number"


def test_text_where_a_number_is_expected():
    with pytest.raises(ResponseError) as info:
        normalize_response("numeric", NUMERIC, {"value": "five"})
    assert info.value.code == "not_a_number"
    assert info.value.message.startswith("“five” is not a number.")


def test_normalize_numeric_accepts_canonical_numbers():
    assert normalize_response("numeric", NUMERIC, {"value": 5.5}) == {"value": 5.5}
    assert normalize_response("numeric", NUMERIC, {"value": 5}) == {"value": 5.0}
    with pytest.raises(ResponseError) as info:
        normalize_response("numeric", NUMERIC, {"value": float("inf")})
    assert info.value.code == "not_a_number"
    with pytest.raises(ResponseError) as info:
        normalize_response("numeric", NUMERIC, {"value": float("nan")})
    assert info.value.code == "not_a_number"
    for bad in (True, [5], {"v": 5}):
        with pytest.raises(ResponseError) as info:
            normalize_response("numeric", NUMERIC, {"value": bad})
        assert info.value.code == "wrong_shape"
    with pytest.raises(ResponseError):
        parse_number(5)


def test_normalize_ordering():
    data = ordering("adjacent_pairs")
    assert normalize_response("ordering", data, {"order": ["d", "a", "c", "b"]}) == {
        "order": ["d", "a", "c", "b"]
    }
    with pytest.raises(ResponseError) as info:
        normalize_response("ordering", data, {"order": ["a", "a", "b", "c"]})
    assert info.value.code == "duplicate"
    assert info.value.params == {"value": "a"}
    with pytest.raises(ResponseError) as info:
        normalize_response("ordering", data, {"order": ["a", "b", "c"]})
    assert info.value.code == "incomplete_order"
    assert info.value.params == {"count": 4, "missing": 1}
    with pytest.raises(ResponseError) as info:
        normalize_response("ordering", data, {"order": "abcd"})
    assert info.value.code == "wrong_shape"


def test_normalize_matching():
    data = matching("per_premise")
    response = {"pairs": {"p3": "r3", "p1": "r5", "p2": None, "p4": "r5"}}
    normalized = normalize_response("matching", data, response)
    assert normalized == {"pairs": {"p1": "r5", "p3": "r3", "p4": "r5"}}
    assert list(normalized["pairs"]) == ["p1", "p3", "p4"]
    with pytest.raises(ResponseError) as info:
        normalize_response("matching", data, {"pairs": [["p1", "r1"]]})
    assert info.value.code == "wrong_shape"
    with pytest.raises(ResponseError) as info:
        normalize_response("matching", data, {"pairs": {"p1": 1}})
    assert info.value.code == "wrong_shape"


def test_normalize_hotspot_clicks():
    data = hotspot()
    assert normalize_response("hotspot", data, {"clicks": [[0, 0], [200, 100.5 - 0.5]]}) == {
        "clicks": [[0.0, 0.0], [200.0, 100.0]]
    }
    assert normalize_response("hotspot", data, {"clicks": [(1, 2)]}) == {"clicks": [[1.0, 2.0]]}


@pytest.mark.parametrize("click", [[-1, 5], [201, 5], [5, -0.001], [5, 100.001], [1e9, 1e9]])
def test_hotspot_click_outside_the_image_is_refused(click):
    with pytest.raises(ResponseError) as info:
        normalize_response("hotspot", hotspot(), {"clicks": [[1, 1], click]})
    assert info.value.code == "outside_image"
    assert info.value.params["index"] == 2
    assert info.value.params["width"] == "200"
    assert "outside the image (200 × 100 pixels)" in info.value.message


def test_hotspot_too_many_clicks_is_refused():
    data = hotspot(max_clicks=2)
    assert len(normalize_response("hotspot", data, {"clicks": [[1, 1], [2, 2]]})["clicks"]) == 2
    with pytest.raises(ResponseError) as info:
        normalize_response("hotspot", data, {"clicks": [[1, 1], [2, 2], [3, 3]]})
    assert info.value.code == "too_many_clicks"
    assert info.value.params == {"max_clicks": 2, "count": 3}


@pytest.mark.parametrize(
    ("clicks", "code"),
    [
        ("10,10", "wrong_shape"),
        ([[1]], "wrong_shape"),
        ([[1, 2, 3]], "wrong_shape"),
        ([["1", "2"]], "wrong_shape"),
        ([[True, 2]], "wrong_shape"),
        ([[None, 2]], "wrong_shape"),
        ([{"x": 1, "y": 2}], "wrong_shape"),
        ([[float("nan"), 2]], "not_a_number"),
        ([[1, float("inf")]], "not_a_number"),
    ],
)
def test_hotspot_malformed_clicks(clicks, code):
    with pytest.raises(ResponseError) as info:
        normalize_response("hotspot", hotspot(), {"clicks": clicks})
    assert info.value.code == code


def test_long_forged_values_are_shortened_in_messages():
    with pytest.raises(ResponseError) as info:
        normalize_response("single_choice", SINGLE, {"option": "x" * 500})
    assert len(info.value.params["value"]) == 40
    assert info.value.params["value"].endswith("…")


# ---------------------------------------------------------------------------- geometry


def test_point_in_rect_edges_included():
    rect = [10, 10, 40, 20]  # x 10..50, y 10..30
    for x, y in ((10, 10), (50, 30), (10, 30), (50, 10), (30, 10), (10, 20), (30, 20)):
        assert point_in_rect(x, y, rect), (x, y)
    for x, y in ((9.999, 20), (50.001, 20), (30, 9.999), (30, 30.001), (0, 0)):
        assert not point_in_rect(x, y, rect), (x, y)


def test_point_in_polygon_edges_and_vertices_included():
    square = [[100, 10], [160, 10], [160, 70], [100, 70]]
    for x, y in ((100, 10), (160, 70), (130, 10), (160, 40), (130, 70), (100, 40), (130, 40)):
        assert point_in_polygon(x, y, square), (x, y)
    for x, y in ((99.999, 40), (160.001, 40), (130, 9.999), (130, 70.001), (0, 0)):
        assert not point_in_polygon(x, y, square), (x, y)
    triangle = [[150, 80], [190, 80], [170, 100]]
    assert point_in_polygon(160, 90, triangle)  # on the slanted edge
    assert point_in_polygon(180, 90, triangle)  # on the other slanted edge
    assert point_in_polygon(170, 85, triangle)
    assert not point_in_polygon(155, 95, triangle)
    assert not point_in_polygon(200, 80, triangle)  # on the line of an edge, beyond it


def test_point_in_concave_polygon():
    # A "U": the notch (40..60 x 0..60) is outside.
    u_shape = [[0, 0], [40, 0], [40, 60], [60, 60], [60, 0], [100, 0], [100, 100], [0, 100]]
    assert point_in_polygon(20, 20, u_shape)
    assert point_in_polygon(80, 20, u_shape)
    assert point_in_polygon(50, 80, u_shape)
    assert not point_in_polygon(50, 30, u_shape)
    assert point_in_polygon(50, 60, u_shape)  # bottom of the notch is an edge
    assert point_in_polygon(40, 30, u_shape)  # side of the notch is an edge
    assert not point_in_polygon(50, 0, u_shape)  # the open side of the notch


def test_point_in_degenerate_polygons():
    assert not point_in_polygon(1, 1, [])
    assert point_in_polygon(1, 1, [[0, 0], [2, 2]])  # on the segment
    assert not point_in_polygon(1, 0, [[0, 0], [2, 2]])


# ----------------------------------------------------------------------------- grading


def test_single_choice_grading():
    assert grade("single_choice", SINGLE, {"option": "c"}) == Grade(
        1.0, True, {"blank": False, "chosen": "c", "correct_option": "c"}
    )
    wrong = grade("single_choice", SINGLE, {"option": "a"})
    assert (wrong.fraction, wrong.correct) == (0.0, False)
    assert wrong.detail == {"blank": False, "chosen": "a", "correct_option": "c"}
    assert grade("single_choice", SINGLE, None).detail["blank"] is True


def test_true_false_grading():
    assert grade("true_false", TRUE_FALSE, {"value": False}).fraction == 1.0
    assert grade("true_false", TRUE_FALSE, {"value": True}).fraction == 0.0
    assert grade("true_false", {"correct": True}, {"value": True}).correct
    assert grade("true_false", {"correct": True}, {"value": None}).fraction == 0.0
    assert grade("true_false", TRUE_FALSE, {"value": None}).fraction == 0.0


# Correct set {a, b, c} out of options a..e.
@pytest.mark.parametrize(
    ("chosen", "all_or_nothing", "right_minus_wrong", "per_option"),
    [
        (["a", "b", "c"], 1.0, 1.0, 1.0),
        (["a", "b"], 0.0, 0.666667, 0.8),  # 2/3; 4 of 5 classified rightly
        (["a"], 0.0, 0.333333, 0.6),
        (["a", "b", "c", "d"], 0.0, 0.5, 0.8),  # 3/3 - 1/2
        (["a", "b", "c", "d", "e"], 0.0, 0.0, 0.6),  # 3/3 - 2/2: every box earns 0; 3/5
        (["a", "d"], 0.0, 0.0, 0.4),  # 1/3 - 1/2 floored; a right, b c d wrong, e right
        (["d", "e"], 0.0, 0.0, 0.0),  # 0/3 - 2/2 floored at 0
        (["a", "d", "e"], 0.0, 0.0, 0.2),  # 1/3 - 2/2 floored at 0
        ([], 0.0, 0.0, 0.0),  # blank: 0 even under per_option
    ],
)
def test_multiple_response_grading(chosen, all_or_nothing, right_minus_wrong, per_option):
    for rule, expected in (
        ("all_or_nothing", all_or_nothing),
        ("right_minus_wrong", right_minus_wrong),
        ("per_option", per_option),
    ):
        result = grade("multiple_response", multi(rule), {"options": chosen})
        assert result.fraction == expected, (rule, chosen)
        assert result.correct == (expected == 1.0)


def test_multiple_response_detail():
    result = grade("multiple_response", multi("right_minus_wrong"), {"options": ["d", "a", "b"]})
    assert result.detail == {
        "blank": False,
        "scoring": "right_minus_wrong",
        "chosen": ["a", "b", "d"],
        "right": ["a", "b"],
        "wrong": ["d"],
        "missed": ["c"],
        "correct_options": ["a", "b", "c"],
    }
    assert result.fraction == 0.166667  # 2/3 - 1/2


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("5,5", 1.0),
        ("5.5", 1.0),
        ("5", 1.0),  # |5 - 5.5| = 0.5 <= 0.5: the bound is included
        ("6", 1.0),
        ("6,0", 1.0),
        ("4,99", 0.0),
        ("6.01", 0.0),
        ("-5.5", 0.0),
        ("", 0.0),
    ],
)
def test_numeric_grading(text, fraction):
    assert grade("numeric", NUMERIC, {"value": text}).fraction == fraction


def test_numeric_grading_is_decimal_exact_at_the_tolerance_bound():
    data = {"answer": 0.3, "tolerance": 0.1}
    # In binary floating point |0.4 - 0.3| = 0.10000000000000003 > 0.1.
    assert abs(0.4 - 0.3) > 0.1
    assert grade("numeric", data, {"value": "0,4"}).fraction == 1.0
    assert grade("numeric", data, {"value": "0.2"}).fraction == 1.0
    assert grade("numeric", data, {"value": "0.41"}).fraction == 0.0
    exact = grade("numeric", {"answer": 12, "tolerance": 0}, {"value": "12,0"})
    assert exact.correct
    assert exact.detail == {
        "blank": False,
        "value": 12.0,
        "answer": 12,
        "tolerance": 0,
        "difference": 0.0,
    }
    assert grade("numeric", {"answer": 12, "tolerance": 0}, {"value": "12.000001"}).fraction == 0


@pytest.mark.parametrize(
    ("order", "all_or_nothing", "adjacent_pairs"),
    [
        (["a", "b", "c", "d"], 1.0, 1.0),
        (["d", "c", "b", "a"], 0.0, 0.0),
        (["b", "c", "d", "a"], 0.0, 0.666667),  # bc, cd of ab, bc, cd
        (["a", "b", "d", "c"], 0.0, 0.333333),  # ab only
        (["c", "d", "a", "b"], 0.0, 0.666667),  # ab, cd
        (["b", "a", "d", "c"], 0.0, 0.0),
        ([], 0.0, 0.0),
    ],
)
def test_ordering_grading(order, all_or_nothing, adjacent_pairs):
    assert grade("ordering", ordering("all_or_nothing"), {"order": order}).fraction == (
        all_or_nothing
    )
    assert grade("ordering", ordering("adjacent_pairs"), {"order": order}).fraction == (
        adjacent_pairs
    )


def test_ordering_detail():
    result = grade("ordering", ordering("adjacent_pairs"), {"order": ["c", "d", "a", "b"]})
    assert result.detail["pairs_right"] == [["a", "b"], ["c", "d"]]
    assert result.detail["pairs_total"] == 3
    assert result.detail["in_place"] == []
    assert result.detail["correct_order"] == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("pairs", "all_or_nothing", "per_premise"),
    [
        ({"p1": "r1", "p2": "r2", "p3": "r3", "p4": "r4"}, 1.0, 1.0),
        ({"p1": "r1", "p2": "r2", "p3": "r3", "p4": "r5"}, 0.0, 0.75),
        ({"p1": "r1", "p2": "r2", "p3": "r3"}, 0.0, 0.75),  # p4 left unanswered
        ({"p1": "r1"}, 0.0, 0.25),
        ({"p1": "r2", "p2": "r1", "p3": "r4", "p4": "r3"}, 0.0, 0.0),
        ({"p1": "r1", "p2": "r1", "p3": "r1", "p4": "r1"}, 0.0, 0.25),  # reuse allowed
        ({}, 0.0, 0.0),
    ],
)
def test_matching_grading(pairs, all_or_nothing, per_premise):
    assert grade("matching", matching("all_or_nothing"), {"pairs": pairs}).fraction == (
        all_or_nothing
    )
    assert grade("matching", matching("per_premise"), {"pairs": pairs}).fraction == per_premise


def test_matching_detail():
    result = grade("matching", matching("per_premise"), {"pairs": {"p1": "r1", "p2": "r3"}})
    assert result.detail["right"] == ["p1"]
    assert result.detail["wrong"] == ["p2"]
    assert result.detail["unanswered"] == ["p3", "p4"]
    assert result.detail["correct_pairs"] == {"p1": "r1", "p2": "r2", "p3": "r3", "p4": "r4"}


# Regions: r1 rect 10..50 x 10..30; r2 square 100..160 x 10..70; r3 triangle near the bottom.
IN_R1, IN_R2, IN_R3, MISS = [30, 20], [130, 40], [170, 85], [80, 50]


@pytest.mark.parametrize(
    ("clicks", "any_fraction", "all_fraction"),
    [
        ([IN_R1], 1.0, 0.333333),
        ([IN_R1, IN_R2], 1.0, 0.666667),
        ([IN_R1, IN_R2, IN_R3], 1.0, 1.0),
        ([IN_R1, IN_R1], 1.0, 0.333333),  # a second click in a hit region is not wrong
        ([MISS], 0.0, 0.0),  # 0 - 0.25 floored at 0
        ([IN_R1, MISS], 0.75, 0.083333),  # 1 - 0.25; 1/3 - 1/4 = 1/12
        ([IN_R1, IN_R2, MISS], 0.75, 0.416667),  # 2/3 - 1/4 = 5/12
        ([IN_R1, MISS, MISS], 0.5, 0.0),  # 1 - 0.5; 1/3 - 1/2 floored at 0
        ([[10, 10]], 1.0, 0.333333),  # rectangle corner
        ([[50, 30]], 1.0, 0.333333),  # opposite rectangle corner
        ([[160, 40]], 1.0, 0.333333),  # polygon edge
        ([[160, 80]], 1.0, 0.333333),  # triangle edge
        ([[50.01, 30]], 0.0, 0.0),  # just outside the rectangle
        ([], 0.0, 0.0),
    ],
)
def test_hotspot_grading(clicks, any_fraction, all_fraction):
    assert grade("hotspot", hotspot("any"), {"clicks": clicks}).fraction == any_fraction
    assert grade("hotspot", hotspot("all"), {"clicks": clicks}).fraction == all_fraction


def test_hotspot_full_penalty_and_no_penalty():
    assert grade("hotspot", hotspot("any", penalty=1), {"clicks": [IN_R1, MISS]}).fraction == 0
    assert grade("hotspot", hotspot("any", penalty=0), {"clicks": [MISS, IN_R2]}).fraction == 1
    result = grade("hotspot", hotspot("all", penalty=0), {"clicks": [MISS, MISS, MISS]})
    assert result.fraction == 0.0


def test_hotspot_overlapping_regions_are_all_hit():
    data = hotspot("all")
    data["regions"][0]["coords"] = [100, 10, 60, 60]  # same square as r2
    result = grade("hotspot", data, {"clicks": [[130, 40], IN_R3]})
    assert result.fraction == 1.0
    assert result.detail["regions_hit"] == ["r1", "r2", "r3"]


def test_hotspot_detail():
    result = grade("hotspot", hotspot("all"), {"clicks": [IN_R2, MISS]})
    assert result.detail == {
        "blank": False,
        "targets": "all",
        "clicks": [
            {"x": 130.0, "y": 40.0, "regions": ["r2"]},
            {"x": 80.0, "y": 50.0, "regions": []},
        ],
        "regions_hit": ["r2"],
        "regions_missed": ["r1", "r3"],
        "wrong_clicks": 1,
        "penalty": 0.25,
    }
    assert result.fraction == 0.083333  # 1/3 - 1/4


def test_grade_refuses_malformed_responses():
    with pytest.raises(ResponseError) as info:
        grade("hotspot", hotspot(max_clicks=1), {"clicks": [IN_R1, IN_R2]})
    assert info.value.code == "too_many_clicks"
    with pytest.raises(ResponseError) as info:
        grade("numeric", NUMERIC, {"value": "five"})
    assert info.value.code == "not_a_number"


def test_grade_detail_is_json_serializable():
    for qtype, data in VALID_QUESTIONS.items():
        for response in (None, sample_response(random.Random(1), qtype, data)):
            json.dumps(grade(qtype, data, response).detail)


def test_grade_tolerates_missing_optional_settings():
    data = multi("per_option")
    del data["scoring"]  # falls back to all_or_nothing
    assert grade("multiple_response", data, {"options": ["a", "b"]}).fraction == 0.0
    data = hotspot()
    del data["wrong_click_penalty"], data["targets"], data["max_clicks"]
    assert grade("hotspot", data, {"clicks": [IN_R1]}).fraction == 1.0
    assert grade("numeric", {"answer": 3}, {"value": "3"}).fraction == 1.0


# ------------------------------------------------------------------------- score_attempt


def test_score_attempt():
    grades = [
        (1, Grade(1.0, True, {})),
        (2, Grade(0.5, False, {})),
        (3, Grade(0.0, False, {})),
        (3, Grade(0.333333, False, {})),
    ]
    score, maximum, percent = score_attempt(grades)
    assert maximum == 9.0
    assert score == 2.999999  # 1 + 1 + 0 + 0.999999
    assert percent == 33.333322  # 2.999999 / 9 * 100 = 33.3333222...


def test_score_attempt_float_safety_and_edges():
    tenths = [(0.1, Grade(1.0, True, {}))] * 3
    assert score_attempt(tenths) == (0.3, 0.3, 100.0)  # not 0.30000000000000004
    assert score_attempt([]) == (0.0, 0.0, 0.0)
    assert score_attempt([(0, Grade(1.0, True, {}))]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        score_attempt([(-1, Grade(1.0, True, {}))])
    with pytest.raises(ValueError):
        score_attempt([(float("nan"), Grade(1.0, True, {}))])


# --------------------------------------------------------------------------- properties


def sample_response(rng: random.Random, qtype: str, data: dict) -> dict:
    """A random response that fits the question (sometimes blank)."""
    if rng.random() < 0.1:
        return empty_response(qtype)
    if qtype == "single_choice":
        return {"option": rng.choice(data["options"])["id"]}
    if qtype == "multiple_response":
        ids = [o["id"] for o in data["options"]]
        return {"options": rng.sample(ids, rng.randint(0, len(ids))) * rng.randint(1, 2)}
    if qtype == "true_false":
        return {"value": rng.random() < 0.5}
    if qtype == "numeric":
        value = round(rng.uniform(-20, 20), rng.randint(0, 3))
        text = str(value)
        return {"value": text.replace(".", ",") if rng.random() < 0.5 else f" {text} "}
    if qtype == "ordering":
        return {"order": rng.sample(data["correct_order"], len(data["correct_order"]))}
    if qtype == "matching":
        responses = [r["id"] for r in data["responses"]] + [None]
        return {"pairs": {p["id"]: rng.choice(responses) for p in data["premises"]}}
    if qtype == "cloze":
        return {
            "gaps": {
                "g1": rng.choice(["PE-004512", "pe004512", "18,4", "x", " ", None]),
                "g2": rng.choice(["18,4", "18.45", "18400", "-3", "", None]),
                "g3": rng.sample(["a", "b", "c"], rng.randint(0, 3)),
                "g4": rng.choice(["a", "b", "", None]),
            }
        }
    if qtype == "short_answer":
        words = ["6109.10", "610910", " 6109 ", "6109,1", "T-shirt", "", "8483.40", "ÉTÉ"]
        return {"text": rng.choice(words) + rng.choice(["", " ", "x"])}
    if qtype == "description":
        return {"value": rng.choice([None, "", "  "])}
    if qtype == "essay":
        texts = ["", "  ", "Seized.", "Incautado según el artículo 189.\nFin."]
        return {"text": rng.choice(texts), "files": []}
    if qtype in ("drag_drop_text", "drag_drop_image"):
        slots, entries = ("gaps", "choices") if qtype == "drag_drop_text" else ("zones", "items")
        filled: dict[str, str] = {}
        for slot in data[slots]:  # right or wrong entries of the slot's group, each once
            group = next(e.get("group", 1) for e in data[entries] if e["id"] == slot["correct"])
            free = [
                e["id"]
                for e in data[entries]
                if e.get("group", 1) == group
                and (e.get("unlimited") or e["id"] not in filled.values())
            ]
            if free and rng.random() < 0.8:
                filled[slot["id"]] = rng.choice(free)
        return {slots: filled}
    if qtype == "drag_drop_marker":
        width, height = data["image"]["width"], data["image"]["height"]
        return {
            "placements": {
                m["id"]: [
                    [rng.uniform(0, width), rng.choice([0, height, rng.uniform(0, height)])]
                    for _ in range(rng.randint(0, m["count"] or len(data["zones"])))
                ]
                for m in data["markers"]
            }
        }
    width, height = data["image"]["width"], data["image"]["height"]
    clicks = []
    for _ in range(rng.randint(0, data["max_clicks"])):
        x = rng.choice([0, width, rng.uniform(0, width), rng.randint(0, width)])
        y = rng.choice([0, height, rng.uniform(0, height), rng.randint(0, height)])
        clicks.append([x, y])
    return {"clicks": clicks}


def sample_question(rng: random.Random, qtype: str) -> dict:
    """A random valid question of a type, with a random scoring rule."""
    data = copy.deepcopy(VALID_QUESTIONS[qtype])
    if qtype in grading.SCORING_RULES:
        data["scoring"] = rng.choice(grading.SCORING_RULES[qtype])
    if qtype == "multiple_response":
        ids = [o["id"] for o in data["options"]]
        data["correct"] = rng.sample(ids, rng.randint(1, len(ids)))
    if qtype == "hotspot":
        data["targets"] = rng.choice(["any", "all"])
        data["max_clicks"] = rng.randint(3, 6)
        data["wrong_click_penalty"] = rng.choice([0, 0.1, 0.25, 1 / 3, 0.5, 1])
    if qtype == "numeric":
        data["answer"] = round(rng.uniform(-20, 20), 2)
        data["tolerance"] = rng.choice([0, 0.01, 0.5, 3])
    assert validate_question(qtype, data) == []
    return data


def test_properties_on_random_responses():
    rng = random.Random(20240611)
    for _ in range(300):
        for qtype in QUESTION_TYPES:
            data = sample_question(rng, qtype)
            response = sample_response(rng, qtype, data)
            normalized = normalize_response(qtype, data, response)
            # Idempotent, and JSON round-trips unchanged.
            assert normalize_response(qtype, data, normalized) == normalized
            assert json.loads(json.dumps(normalized)) == normalized
            result = grade(qtype, data, response)
            assert 0.0 <= result.fraction <= 1.0
            assert result.correct == (result.fraction == 1.0)
            assert round(result.fraction, 6) == result.fraction
            # Grading the raw or the canonical response gives the same grade; deterministic.
            assert grade(qtype, data, normalized) == result
            assert grade(qtype, data, copy.deepcopy(response)) == result


def test_the_correct_answer_always_scores_1():
    rng = random.Random(7)
    for _ in range(100):
        data = sample_question(rng, "multiple_response")
        assert grade("multiple_response", data, {"options": data["correct"]}).correct
        data = sample_question(rng, "ordering")
        assert grade("ordering", data, {"order": data["correct_order"]}).correct
        data = sample_question(rng, "matching")
        assert grade("matching", data, {"pairs": data["correct"]}).correct
        data = sample_question(rng, "numeric")
        typed = str(data["answer"]).replace(".", ",")
        assert grade("numeric", data, {"value": typed}).correct


def test_random_garbage_never_crashes_normalize():
    rng = random.Random(99)
    alphabet = string.ascii_letters + string.digits + " .,-+e"
    garbage_values = [None, True, 1, 1.5, "", [], {}, [[]], [None], {"a": []}, float("nan")]
    for _ in range(500):
        qtype = rng.choice(QUESTION_TYPES)
        data = VALID_QUESTIONS[qtype]
        field = grading.RESPONSE_FIELDS[qtype]
        if rng.random() < 0.5:
            value = rng.choice(garbage_values)
        else:
            value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        try:
            normalized = normalize_response(qtype, data, {field: value})
        except ResponseError as error:
            assert error.code in RESPONSE_ERROR_MESSAGES
            assert error.message
        else:
            assert normalize_response(qtype, data, normalized) == normalized
            assert 0.0 <= grade(qtype, data, normalized).fraction <= 1.0
