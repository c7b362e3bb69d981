"""Numeric with several answers, tolerances and units (issue 13): the first answer whose
tolerance holds gives its credit and feedback, values typed in a unit are divided by its
multiplier, a missing required unit costs its penalty, an unknown unit is refused; the
original shape is unchanged; the page never sees answers, tolerances or multipliers."""

from __future__ import annotations

import json
import random

import pytest

from assessments import services
from assessments.analysis import option_counts
from assessments.content import merged, public_view
from assessments.grading import ResponseError, grade, normalize_response, validate_question
from assessments.models import Attempt
from assessments.tests.short_types_fixtures import WEIGHT, short_types_assessment
from courses import services as course_services

KG = WEIGHT[1]

ALTERNATIVES = {  # GIFT's {#=2:0#Right. =%50%1..3#Close. ~#Completely wrong.}
    "answers": [
        {"value": 2, "tolerance": 0, "fraction": 1, "feedback": "Right."},
        {"value": 2, "tolerance": 1, "fraction": 0.5, "feedback": "Close."},
        {"value": None, "fraction": 0, "feedback": "Completely wrong."},
    ],
    "units": [],
    "unit_handling": "none",
    "unit_penalty": 0,
}


def optional(**changes):
    return {**KG, "unit_handling": "optional", **changes}


def result(data, value):
    return grade("numeric", data, {"value": value})


# ------------------------------------------------------------------------------ validate


def test_valid_shapes():
    assert validate_question("numeric", KG) == []
    assert validate_question("numeric", ALTERNATIVES) == []
    assert validate_question("numeric", optional()) == []
    assert validate_question("numeric", {"answer": 5, "tolerance": 0, "unit": "years"}) == []
    assert validate_question("numeric", {"answers": [{"value": 1, "fraction": 1}]}) == []


def test_problems_of_the_extended_shape():
    def problems(data):
        found = validate_question("numeric", data)
        assert found, "expected problems"
        return " | ".join(found)

    assert "At least one answer is needed" in problems({"answers": []})
    text = problems(
        {
            "answers": [
                {"value": "5", "tolerance": -1, "fraction": 0.5, "feedback": 2},
                {"value": None, "fraction": 1},
                "x",
            ]
        }
    )
    assert "The value of answer 1 must be a finite number" in text
    assert "The tolerance of answer 1 must be a number of 0 or more" in text
    assert "The feedback of answer 1 must be text" in text
    assert "Answer 3 must be an object" in text
    # "Any other answer" at full credit does not count as a right answer.
    assert "At least one answer with a number must give full credit (1)" in text
    text = problems(
        {
            "answers": [{"value": 1, "fraction": 1}],
            "units": [
                {"unit": "kg", "multiplier": 0},
                {"unit": "", "multiplier": 1},
                {"unit": "5g"},
            ],
            "unit_handling": "sometimes",
            "unit_penalty": 2,
        }
    )
    assert "The multiplier of unit 1 must be a number above 0" in text
    assert "Unit 2 needs a name of 1 to 20 characters" in text
    assert "Unit 3 must not start with a digit or a sign" in text
    assert "Unknown unit handling sometimes" in text
    assert "The unit penalty must be a number from 0 to 1" in text
    assert "listed more than once" in problems(
        {**KG, "units": [{"unit": "kg", "multiplier": 1}, {"unit": "kg", "multiplier": 1}]}
    )
    assert "no unit is listed" in problems({**KG, "units": []})
    assert "Units are listed but not used" in problems({**KG, "unit_handling": "none"})


# ----------------------------------------------------------------------------- normalise


def test_without_units_the_canonical_form_stays_a_float():
    assert normalize_response("numeric", ALTERNATIVES, {"value": " 2,5 "}) == {"value": 2.5}
    assert normalize_response("numeric", ALTERNATIVES, {"value": 2.5}) == {"value": 2.5}
    with pytest.raises(ResponseError) as refused:
        normalize_response("numeric", ALTERNATIVES, {"value": "2 kg"})
    assert refused.value.code == "not_a_number"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("12,5 kg", "12.5 kg"),
        ("12.5kg", "12.5 kg"),
        ("0.0125 t", "0.0125 t"),
        (" 600 KG ", "600 kg"),
        ("+600.00 kg", "600 kg"),
        ("−3 kg", "-3 kg"),
        (",5 t", "0.5 t"),
        ("600", "600"),
        ("0.00001 t", "0.00001 t"),
        (600, "600"),
        (12.5, "12.5"),
        ("", None),
        (None, None),
    ],
)
def test_with_units_the_canonical_form_is_number_and_unit(typed, canonical):
    normalized = normalize_response("numeric", KG, {"value": typed})
    assert normalized == {"value": canonical}
    assert normalize_response("numeric", KG, normalized) == normalized


def test_an_unknown_unit_is_refused_with_the_units_named():
    with pytest.raises(ResponseError) as refused:
        normalize_response("numeric", KG, {"value": "600 lb"})
    assert refused.value.code == "unknown_unit"
    assert refused.value.params == {"value": "lb", "units": "kg, t"}
    assert refused.value.message == "“lb” is not one of the units of this question (kg, t)."
    with pytest.raises(ResponseError) as refused:
        normalize_response("numeric", optional(), {"value": "600 tons"})
    assert refused.value.code == "unknown_unit"
    for bad in ("kg", "six hundred kg", "1e3 kg", "1.2.3 kg", "9" * 70 + " kg"):
        with pytest.raises(ResponseError) as refused:
            normalize_response("numeric", KG, {"value": bad})
        assert refused.value.code == "not_a_number", bad


def test_case_decides_a_unit_only_when_two_differ_by_case():
    data = {**KG, "units": [{"unit": "t", "multiplier": 0.001}, {"unit": "T", "multiplier": 1}]}
    assert normalize_response("numeric", data, {"value": "1 T"}) == {"value": "1 T"}
    assert normalize_response("numeric", data, {"value": "1 t"}) == {"value": "1 t"}
    assert normalize_response("numeric", KG, {"value": "1 T"}) == {"value": "1 t"}


def test_normalising_is_idempotent_on_random_text():
    rng = random.Random(21)
    pieces = ["", " ", "0", "6", "12", ",", ".", "5", "-", "kg", "t", "KG", "g", "00"]
    for _ in range(1000):
        typed = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        try:
            once = normalize_response("numeric", KG, {"value": typed})
        except ResponseError as error:
            assert error.code in ("not_a_number", "unknown_unit")
            continue
        assert normalize_response("numeric", KG, once) == once
        assert grade("numeric", KG, once) == grade("numeric", KG, {"value": typed})


# ------------------------------------------------------------------------------- grading


def test_values_in_another_unit_are_divided_by_its_multiplier():
    for typed in ("600 kg", "600kg", "0.6 t", "0,6 t", "0.60t"):
        assert result(KG, typed).fraction == 1.0, typed
    detail = result(KG, "0.6 t").detail
    assert detail["unit"] == "t" and detail["converted"] == 600.0 and detail["matched"] == 0
    assert detail["base_unit"] == "kg"
    assert result(KG, "0.5 t").fraction == 0.0  # 500 kg
    moodle = {**KG, "answers": [{"value": 12.5, "tolerance": 0, "fraction": 1}]}
    assert result(moodle, "0.0125 t").fraction == 1.0  # Moodle's own example
    assert result(moodle, "12,5 kg").fraction == 1.0


def test_first_answer_whose_tolerance_holds_wins_with_its_feedback():
    assert result(ALTERNATIVES, "2").fraction == 1.0
    close = result(ALTERNATIVES, "2.9")
    assert close.fraction == 0.5 and close.detail["feedback"] == "Close."
    edge = result(ALTERNATIVES, "3")  # |3 - 2| <= 1 exactly, in decimal
    assert edge.fraction == 0.5
    other = result(ALTERNATIVES, "3.01")
    assert other.fraction == 0.0 and other.detail["feedback"] == "Completely wrong."
    assert other.detail["matched"] == 2
    # The review lists the answers that earn credit, not the catch-all.
    assert other.detail["answers"] == [
        {"value": 2, "tolerance": 0, "fraction": 1.0},
        {"value": 2, "tolerance": 1, "fraction": 0.5},
    ]
    slip = result(KG, "6 t")
    assert slip.fraction == 0.0 and slip.detail["feedback"] == "Check the decimal point."


def test_a_missing_required_unit_costs_the_penalty():
    bare = result(KG, "600")
    assert bare.fraction == 0.75 and not bare.correct
    assert bare.detail["unit_penalty"] == 0.25 and bare.detail["unit"] is None
    assert result(optional(), "600").fraction == 1.0  # optional: no penalty
    assert result({**KG, "unit_penalty": 1}, "600").fraction == 0.0
    # Floored at 0: a partly right answer without its unit cannot go below nothing.
    half = {**KG, "answers": [{"value": 600, "tolerance": 0, "fraction": 0.2}], "unit_penalty": 0.5}
    assert result(half, "600").fraction == 0.0


def test_blank_scores_nothing_even_with_a_catch_all():
    assert result(ALTERNATIVES, "").fraction == 0.0
    assert result(KG, None).detail["blank"] is True


def test_the_original_shape_is_unchanged():
    data = {"answer": 5.5, "tolerance": 0.5, "unit": "kg"}
    graded = result(data, "6,0")
    assert graded.fraction == 1.0
    assert graded.detail == {
        "blank": False,
        "value": 6.0,
        "answer": 5.5,
        "tolerance": 0.5,
        "difference": 0.5,
    }
    assert normalize_response("numeric", data, {"value": "6"}) == {"value": 6.0}
    with pytest.raises(ResponseError):
        normalize_response("numeric", data, {"value": "6 kg"})  # the unit is a label there


# --------------------------------------------------------------------- what the page sees


def test_the_public_view_lists_unit_names_only():
    view = public_view("numeric", KG, {"stem": "<p>?</p>"}, {"tokens": {}})
    assert view["units"] == ["kg", "t"] and view["unit_required"] is True
    text = json.dumps(view)
    for secret in ("600", "6000", "0.001", "multiplier", "tolerance", "fraction", "decimal"):
        assert secret not in text
    assert "units" not in public_view("numeric", ALTERNATIVES, {"stem": ""}, {"tokens": {}})
    old = public_view("numeric", {"answer": 4, "tolerance": 0}, {"unit": "years"}, {})
    assert old["unit"] == "years" and "4" not in json.dumps(old)


def test_answer_feedback_per_language_by_id():
    data = {**KG, "answers": [{**a, "id": f"n{i}"} for i, a in enumerate(KG["answers"])]}
    for answer in data["answers"]:
        answer.pop("feedback")
    question = merged(data, {"answers": {"n1": {"feedback": "Revise la coma decimal."}}})
    assert result(question, "6000 kg").detail["feedback"] == "Revise la coma decimal."


def test_item_analysis_counts_canonical_answers():
    counts = option_counts(
        [{"value": v} for v in ("600 kg", "600 kg", "0.6 t", None, "600")], "numeric"
    )
    assert counts == {"600 kg": 2, "0.6 t": 1, "600": 1}
    assert option_counts([{"value": 5.0}, {"value": 5.0}], "numeric") == {"5.0": 2}


# ------------------------------------------------------------------ through the services

pytestmark = pytest.mark.django_db


@pytest.fixture
def typed(course_tree):
    return short_types_assessment(course_tree)


def test_a_saved_answer_with_units_is_graded_with_its_unit(client, typed, per_officer):
    course_services.enrolment_create(actor=per_officer, course=typed.tree.course)
    attempt = services.attempt_start(actor=per_officer, assessment=typed.page)
    response = attempt.responses.get(version__type="numeric")
    client.force_login(per_officer)

    def save(seq, value):
        return client.post(
            f"/attempts/{attempt.pk}/answer/",
            json.dumps({"position": response.position, "seq": seq, "answer": {"value": value}}),
            content_type="application/json",
        )

    refused = save(1, "0.6 tonnes")
    assert refused.status_code == 400 and refused.json()["code"] == "unknown_unit"
    assert "(kg, t)" in refused.json()["message"]
    assert save(2, "0,6 t").json()["saved"] is True
    response.refresh_from_db()
    assert response.answer == {"value": "0.6 t"}
    page = client.get(f"/attempts/{attempt.pk}/").content.decode()
    # The officer reads Spanish: the units are named in the officer's language.
    assert 'value="0.6 t"' in page and "Escriba el número con su unidad: kg, t." in page
    services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    response.refresh_from_db()
    assert response.fraction == 1.0
    assert Attempt.objects.get(pk=attempt.pk).max_score == 2.0  # the description adds 0
