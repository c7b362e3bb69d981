"""Credit per option (``fractions``) on single choice, as Moodle's single-answer multiple
choice and GIFT's ``{=a =b ~%50%c ~%-50%d}``, and on multiple response, as Moodle's
"multiple answers" weights ``{~%50%a ~%50%b ~c ~%-100%d}`` (issue 13)."""

from __future__ import annotations

import json

import pytest

from assessments.gift import export_gift, parse_gift
from assessments.grading import grade, validate_question
from assessments.portable import export_json, parse_json

OPTIONS = [{"id": ident, "text": ident.upper()} for ident in "abcde"]


def _data(**extra):
    return {"options": OPTIONS, "correct": "a", **extra}


@pytest.mark.parametrize(
    ("chosen", "fraction"),
    [("a", 1.0), ("b", 1.0), ("c", 0.5), ("d", 0.0), ("e", 0.0), (None, 0.0)],
)
def test_each_option_earns_its_credit_and_never_below_zero(chosen, fraction):
    data = _data(fractions={"a": 1, "b": 1, "c": 0.5, "d": -0.5})
    assert validate_question("single_choice", data) == []
    result = grade("single_choice", data, {"option": chosen})
    assert result.fraction == fraction
    assert result.correct is (fraction == 1)


def test_without_fractions_only_the_correct_option_counts():
    data = _data()
    assert grade("single_choice", data, {"option": "a"}).fraction == 1
    assert grade("single_choice", data, {"option": "b"}).fraction == 0


def test_the_review_detail_lists_the_credited_options():
    data = _data(fractions={"a": 1, "c": 0.5})
    detail = grade("single_choice", data, {"option": "c"}).detail
    assert detail["credited_options"] == {"a": 1, "c": 0.5}
    assert (detail["chosen"], detail["correct_option"]) == ("c", "a")


@pytest.mark.parametrize(
    ("fractions", "problem"),
    [
        (["a"], "The credits of the options must map option ids to credit."),
        ({"a": 1, "z": 0.5}, "The credit is given to “z”, which is not an option."),
        ({"a": 1, "b": 1.5}, "The credit of option b must be a number from -1 to 1."),
        ({"a": 1, "b": "half"}, "The credit of option b must be a number from -1 to 1."),
        ({"a": 0.5}, "The correct option “a” must have full credit (1)."),
    ],
)
def test_bad_fractions_are_refused(fractions, problem):
    assert problem in validate_question("single_choice", _data(fractions=fractions))


def test_gift_several_right_answers_and_weights_grade_as_in_moodle():
    [question] = parse_gift("Pick {=a =b ~%50%c ~%-50%d ~e}").questions
    assert question.data["fractions"] == {"a": 1, "b": 1, "c": 0.5, "d": -0.5}
    assert validate_question(question.type, question.data) == []
    scores = [grade(question.type, question.data, {"option": o}).fraction for o in "abcde"]
    assert scores == [1, 1, 0.5, 0, 0]


def test_the_json_format_keeps_the_credits_and_checks_them():
    question = parse_gift("Pick {=a =b ~%50%c ~%-50%d ~e}").questions[0].as_dict()
    text = export_json({"title": "Bank"}, [question])
    [parsed] = parse_json(text).questions
    assert parsed.data == question["data"]

    for fractions, code in (
        ({"a": 0.5}, "must_be_full_credit"),
        ({"a": 1, "b": 2}, "must_be_credit"),
        ({"a": 1, "zz": 1}, "unknown_id"),
        (["a"], "wrong_json_type"),
    ):
        broken = json.loads(text)
        broken["questions"][0]["data"]["fractions"] = fractions
        [error] = parse_json(json.dumps(broken)).errors
        assert error.code == code


# --- multiple response -------------------------------------------------------------------
def _multi(**extra):
    return {"options": OPTIONS, "correct": ["a", "b"], "scoring": "right_minus_wrong", **extra}


@pytest.mark.parametrize(
    ("chosen", "fraction"),
    [
        (["a", "b"], 1.0),
        (["a"], 0.5),
        (["a", "b", "c"], 1.0),  # c costs nothing, as in Moodle
        (["a", "b", "d"], 0.0),  # 0.5 + 0.5 - 1
        (["a", "e"], 0.25),  # 0.5 - 0.25
        (["d"], 0.0),  # floored at 0
        ([], 0.0),
    ],
)
def test_multiple_response_weights_add_up_as_in_moodle(chosen, fraction):
    data = _multi(fractions={"a": 0.5, "b": 0.5, "d": -1, "e": -0.25})
    assert validate_question("multiple_response", data) == []
    assert grade("multiple_response", data, {"options": chosen}).fraction == fraction


def test_multiple_response_credits_must_fit_the_correct_options():
    problems = validate_question("multiple_response", _multi(fractions={"a": 1, "c": -1}))
    assert "The correct options must be exactly the options with a positive credit." in problems


def test_gift_weights_right_minus_wrong_gives_anyway_need_no_credits():
    [standard] = parse_gift("Pick {~%50%a ~%50%b ~%-50%c ~%-50%d}").questions
    assert "fractions" not in standard.data
    [moodle] = parse_gift("Pick {~%50%a ~%50%b ~c ~%-100%d}").questions
    assert moodle.data["correct"] == ["a", "b"]
    assert moodle.data["fractions"] == {"a": 0.5, "b": 0.5, "d": -1}
    text, _ = export_gift([moodle.as_dict()])
    assert "\t~%50%a\n\t~%50%b\n\t~c\n\t~%-100%d\n" in text
    assert parse_gift(text).questions[0].data == moodle.data
    [json_back] = parse_json(export_json({"title": "B"}, [moodle.as_dict()])).questions
    assert json_back.data == moodle.data
