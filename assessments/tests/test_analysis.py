"""Tests for assessments.analysis (pure functions, no database)."""

from __future__ import annotations

import json
import math
import random

import pytest

from assessments.analysis import (
    TOP_ANSWERS,
    facility,
    flag_item,
    option_counts,
    pass_rate,
    point_biserial,
    score_distribution,
)
from assessments.grading import grade, normalize_response

# ------------------------------------------------------------------------------ facility


def test_facility():
    assert facility([]) is None
    assert facility([True]) == 1.0
    assert facility([False, False]) == 0.0
    assert facility([True, False, True, True]) == 0.75
    assert facility((True, False, False)) == pytest.approx(1 / 3)


# ------------------------------------------------------------------------ point_biserial


def test_point_biserial_hand_computed_dichotomous():
    # Four attempts. Totals 4, 3, 1, 2; the item (1 point) was right in the first two, so
    # the rest scores (total - item) are 3, 2, 1, 2.
    # Manual calculation: mean item = 0.5, mean rest = 2.
    #   item deviations  0.5, 0.5, -0.5, -0.5
    #   rest deviations  1,   0,   -1,    0
    #   sum of products = 0.5 + 0 + 0.5 + 0 = 1
    #   sum of squares: item 4 * 0.25 = 1; rest 1 + 0 + 1 + 0 = 2
    #   r = 1 / sqrt(1 * 2) = 0.70710678...
    totals = [4, 3, 1, 2]
    item = [1.0, 1.0, 0.0, 0.0]
    rest = [t - i for t, i in zip(totals, item, strict=True)]
    assert rest == [3, 2, 1, 2]
    assert point_biserial(item, rest) == pytest.approx(0.70710678, abs=1e-8)
    assert point_biserial(item, rest) == pytest.approx(1 / math.sqrt(2), rel=1e-12)


def test_point_biserial_hand_computed_partial_credit():
    # Item fractions 1, 0.5, 0, 0.5, 1 against rest scores 4, 3, 1, 2, 5.
    # Manual calculation: means 0.6 and 3.
    #   item deviations  0.4, -0.1, -0.6, -0.1, 0.4
    #   rest deviations  1,    0,   -2,   -1,   2
    #   sum of products = 0.4 + 0 + 1.2 + 0.1 + 0.8 = 2.5
    #   sums of squares: item 0.16 + 0.01 + 0.36 + 0.01 + 0.16 = 0.7; rest 1+0+4+1+4 = 10
    #   r = 2.5 / sqrt(0.7 * 10) = 2.5 / sqrt(7) = 0.94491118...
    result = point_biserial([1, 0.5, 0, 0.5, 1], [4, 3, 1, 2, 5])
    assert result == pytest.approx(0.94491118, abs=1e-8)


def test_point_biserial_negative_discrimination_is_flagged():
    # Mirror image of the dichotomous example: the officers who got the item right have
    # the lower rest scores. r = -1 / sqrt(2) = -0.70710678...
    result = point_biserial([1, 1, 0, 0], [1, 2, 3, 2])
    assert result == pytest.approx(-0.70710678, abs=1e-8)
    assert flag_item(result) is True


def test_point_biserial_perfect_correlations_stay_within_bounds():
    assert point_biserial([0, 1, 0, 1], [0.1, 0.7, 0.1, 0.7]) == 1.0
    assert point_biserial([0, 1], [5, 2]) == -1.0


def test_point_biserial_none_without_enough_data_or_variance():
    assert point_biserial([], []) is None
    assert point_biserial([1.0], [3.0]) is None
    assert point_biserial([1, 1, 1], [1, 2, 3]) is None  # everybody got the item right
    assert point_biserial([0, 0, 0], [1, 2, 3]) is None
    assert point_biserial([0, 1, 1], [2, 2, 2]) is None  # rest of the test is constant
    assert point_biserial([0.1, 0.1, 0.1], [1, 2, 3]) is None  # constant, float-safe


def test_point_biserial_refuses_bad_input():
    with pytest.raises(ValueError, match="same length"):
        point_biserial([1, 0], [1, 2, 3])
    with pytest.raises(ValueError, match="finite"):
        point_biserial([1, 0, float("nan")], [1, 2, 3])


def test_point_biserial_matches_a_float_pearson_on_random_data():
    rng = random.Random(42)
    for _ in range(50):
        count = rng.randint(3, 40)
        xs = [rng.choice([0, 0.5, 1, 1 / 3]) for _ in range(count)]
        ys = [rng.uniform(0, 30) for _ in range(count)]
        result = point_biserial(xs, ys)
        if len(set(xs)) == 1:
            assert result is None
            continue
        mx, my = sum(xs) / count, sum(ys) / count
        sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
        sxx = sum((x - mx) ** 2 for x in xs)
        syy = sum((y - my) ** 2 for y in ys)
        assert result == pytest.approx(sxy / math.sqrt(sxx * syy), abs=1e-9)
        assert -1.0 <= result <= 1.0


def test_flag_item():
    assert flag_item(-0.01) is True
    assert flag_item(0.0) is False
    assert flag_item(0.4) is False
    assert flag_item(None) is False


# ------------------------------------------------------------------------- option_counts


def test_option_counts_single_choice():
    responses = [{"option": "a"}, {"option": "c"}, {"option": "a"}, {"option": None}, None]
    assert option_counts(responses, "single_choice") == {"a": 2, "c": 1}
    assert list(option_counts(responses, "single_choice")) == ["a", "c"]


def test_option_counts_multiple_response_counts_each_chosen_option():
    responses = [{"options": ["a", "b"]}, {"options": ["b"]}, {"options": []}, {"options": ["c"]}]
    assert option_counts(responses, "multiple_response") == {"b": 2, "a": 1, "c": 1}


def test_option_counts_true_false():
    responses = [{"value": True}, {"value": False}, {"value": False}, {"value": None}]
    assert option_counts(responses, "true_false") == {"false": 2, "true": 1}


def test_option_counts_other_types_count_distinct_answers_as_json():
    numeric = [{"value": 5.5}, {"value": 5.5}, {"value": 6.0}, {"value": None}]
    assert option_counts(numeric, "numeric") == {"5.5": 2, "6.0": 1}
    ordering = [{"order": ["a", "b"]}, {"order": ["b", "a"]}, {"order": ["a", "b"]}]
    assert option_counts(ordering, "ordering") == {'["a","b"]': 2, '["b","a"]': 1}
    matching = [{"pairs": {"p2": "r2", "p1": "r1"}}, {"pairs": {"p1": "r1", "p2": "r2"}}]
    assert option_counts(matching, "matching") == {'{"p1":"r1","p2":"r2"}': 2}
    hotspot = [{"clicks": [[1.0, 2.0]]}, {"clicks": []}]
    assert option_counts(hotspot, "hotspot") == {"[[1.0,2.0]]": 1}


def test_option_counts_keeps_the_20_most_frequent_answers():
    responses = []
    for value in range(30):
        responses += [{"value": float(value)}] * (value + 1)
    counts = option_counts(responses, "numeric")
    assert len(counts) == TOP_ANSWERS == 20
    assert list(counts.items())[:2] == [("29.0", 30), ("28.0", 29)]
    assert min(counts.values()) == 11
    assert "9.0" not in counts


def test_option_counts_ties_are_deterministic():
    responses = [{"value": 2.0}, {"value": 1.0}, {"value": 3.0}]
    assert list(option_counts(responses, "numeric")) == ["1.0", "2.0", "3.0"]
    assert option_counts(iter(responses), "numeric") == option_counts(responses, "numeric")


def test_option_counts_unknown_type():
    with pytest.raises(ValueError, match="unknown question type"):
        option_counts([], "no_such_type")


def test_option_counts_on_normalized_responses():
    data = {"answer": 5.5, "tolerance": 0, "unit": "kg"}
    typed = ["5,5", " 5.5 ", "5.50", "6", ""]
    responses = [normalize_response("numeric", data, {"value": text}) for text in typed]
    assert option_counts(responses, "numeric") == {"5.5": 3, "6.0": 1}
    assert all(json.loads(key) in (5.5, 6.0) for key in option_counts(responses, "numeric"))


# -------------------------------------------------------------------- score_distribution


def test_score_distribution_default_bins():
    buckets = score_distribution([0, 5, 9.99, 10, 55, 99.9, 100, 100])
    assert [(lower, upper) for lower, upper, _ in buckets] == [
        (0, 10),
        (10, 20),
        (20, 30),
        (30, 40),
        (40, 50),
        (50, 60),
        (60, 70),
        (70, 80),
        (80, 90),
        (90, 100),
    ]
    counts = [count for _, _, count in buckets]
    assert counts == [3, 1, 0, 0, 0, 1, 0, 0, 0, 3]  # 100 goes into the last bucket
    assert sum(counts) == 8


def test_score_distribution_other_bins():
    assert score_distribution([0, 49.9, 50, 100], bins=2) == [(0, 50, 2), (50, 100, 2)]
    assert score_distribution([33, 32.9, 66, 100], bins=3) == [
        (0, 33, 1),
        (33, 66, 1),
        (66, 100, 2),
    ]
    assert score_distribution([], bins=4) == [(0, 25, 0), (25, 50, 0), (50, 75, 0), (75, 100, 0)]
    assert score_distribution([100, 0], bins=1) == [(0, 100, 2)]


def test_score_distribution_refuses_bad_input():
    for bad in (-0.1, 100.01, float("nan")):
        with pytest.raises(ValueError):
            score_distribution([50, bad])
    for bins in (0, 101):
        with pytest.raises(ValueError):
            score_distribution([50], bins=bins)


# ----------------------------------------------------------------------------- pass_rate


def test_pass_rate():
    assert pass_rate([], 70) is None
    assert pass_rate([70, 69.99, 100, 0], 70) == 0.5  # the pass mark itself passes
    assert pass_rate([10, 20], 0) == 1.0
    assert pass_rate([99.9], 100) == 0.0


# ------------------------------------------------------------------------- end to end


def test_item_analysis_end_to_end():
    """Grade a small cohort, then analyse one item against the rest of the test."""
    question = {
        "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
        "correct": "a",
    }
    answers = ["a", "a", "b", "b"]
    rest_scores = [3.0, 2.0, 1.0, 2.0]
    grades = [grade("single_choice", question, {"option": a}) for a in answers]
    assert facility([g.correct for g in grades]) == 0.5
    discrimination = point_biserial([g.fraction for g in grades], rest_scores)
    assert discrimination == pytest.approx(1 / math.sqrt(2))
    assert not flag_item(discrimination)
    responses = [normalize_response("single_choice", question, {"option": a}) for a in answers]
    assert option_counts(responses, "single_choice") == {"a": 2, "b": 2}
