"""The SCORM run-time data model: what a SCO may write, in both versions."""

from __future__ import annotations

import pytest

from courses.packages.scorm import cmi
from courses.packages.scorm.cmi import CmiProblem, RuntimeUpdate, validate_commit


def codes(result):
    assert isinstance(result, list), result
    return {(problem.code, problem.element) for problem in result}


def test_a_scorm_12_commit_is_typed_and_mapped():
    update = validate_commit(
        "1.2",
        {
            "cmi.core.lesson_location": "page-3",
            "cmi.core.lesson_status": "passed",
            "cmi.core.score.raw": "85",
            "cmi.core.score.min": "0",
            "cmi.core.score.max": "100",
            "cmi.core.exit": "suspend",
            "cmi.core.session_time": "0001:02:03.50",
            "cmi.suspend_data": "x" * 4096,
            "cmi.interactions.0.id": "q1",
            "cmi.interactions.0.type": "choice",
            "cmi.interactions.0.student_response": "a",
            "cmi.interactions.0.result": "wrong",
            "cmi.interactions.0.time": "13:45:00",
            "cmi.interactions.0.latency": "0000:00:12",
            "cmi.interactions.1.result": "0.5",
            "cmi.objectives.0.id": "obj-1",
            "cmi.objectives.0.status": "not attempted",
            "cmi.student_preference.audio": "-1",
        },
    )
    assert isinstance(update, RuntimeUpdate)
    assert update.fields["location"] == "page-3"
    assert update.fields["completion_status"] == "completed"
    assert update.fields["success_status"] == "passed"
    assert update.fields["score_raw"] == 85.0
    assert update.fields["session_seconds"] == pytest.approx(3723.5)
    assert update.interactions[0]["student_response"] == "a"
    assert update.interactions[1] == {"result": "0.5"}
    assert update.objectives[0] == {"id": "obj-1", "status": "not attempted"}
    assert update.extra == {"cmi.student_preference.audio": "-1"}


def test_a_scorm_2004_commit_is_typed():
    update = validate_commit(
        "2004",
        {
            "cmi.location": "slide-9",
            "cmi.completion_status": "completed",
            "cmi.success_status": "failed",
            "cmi.score.scaled": "-0.25",
            "cmi.score.raw": "-5",
            "cmi.progress_measure": "1",
            "cmi.exit": "normal",
            "cmi.session_time": "PT1H2M3.04S",
            "cmi.suspend_data": "s" * 64000,
            "cmi.interactions.0.id": "urn:golf:q1",
            "cmi.interactions.0.type": "long-fill-in",
            "cmi.interactions.0.timestamp": "2026-12-06T08:15:30.5Z",
            "cmi.interactions.0.result": "incorrect",
            "cmi.interactions.0.latency": "PT5S",
            "cmi.interactions.0.correct_responses.0.pattern": "par",
            "cmi.objectives.0.id": "etiquette",
            "cmi.objectives.0.success_status": "passed",
            "cmi.comments_from_learner.0.comment": "Nice",
            "cmi.learner_preference.language": "es-PE",
        },
    )
    assert isinstance(update, RuntimeUpdate)
    assert update.fields["score_scaled"] == -0.25
    assert update.fields["score_raw"] == -5
    assert update.fields["session_seconds"] == pytest.approx(3723.04)
    assert update.fields["completion_status"] == "completed"
    assert update.interactions[0]["correct_responses.0.pattern"] == "par"
    assert update.extra["cmi.comments_from_learner.0.comment"] == "Nice"


@pytest.mark.parametrize(
    ("version", "element", "value", "code"),
    [
        ("1.2", "cmi.core.lesson_status", "not attempted", "vocabulary"),
        ("1.2", "cmi.core.lesson_status", "done", "vocabulary"),
        ("1.2", "cmi.core.score.raw", "101", "out_of_range"),
        ("1.2", "cmi.core.score.raw", "ten", "not_a_number"),
        ("1.2", "cmi.core.session_time", "PT5S", "timespan"),
        ("1.2", "cmi.core.exit", "normal", "vocabulary"),
        ("1.2", "cmi.core.lesson_location", "x" * 256, "too_long"),
        ("1.2", "cmi.suspend_data", "x" * 4097, "too_long"),
        ("1.2", "cmi.interactions.0.type", "long-fill-in", "vocabulary"),
        ("1.2", "cmi.interactions.0.time", "25:00:00", "time"),
        ("1.2", "cmi.interactions.0.id", "with space", "identifier"),
        ("1.2", "cmi.student_preference.text", "2", "out_of_range"),
        ("1.2", "cmi.core.student_id", "someone-else", "read_only"),
        ("1.2", "cmi.core.total_time", "9999:00:00", "read_only"),
        ("1.2", "cmi.core.entry", "resume", "read_only"),
        ("1.2", "cmi.interactions._count", "3", "read_only"),
        ("1.2", "cmi.location", "p1", "unknown"),
        ("1.2", "cmi.core.lesson_status", 1, "not_text"),
        ("2004", "cmi.completion_status", "passed", "vocabulary"),
        ("2004", "cmi.success_status", "completed", "vocabulary"),
        ("2004", "cmi.score.scaled", "1.5", "out_of_range"),
        ("2004", "cmi.progress_measure", "-0.1", "out_of_range"),
        ("2004", "cmi.session_time", "01:00:00", "duration"),
        ("2004", "cmi.session_time", "PT", "duration"),
        ("2004", "cmi.location", "x" * 1001, "too_long"),
        ("2004", "cmi.suspend_data", "x" * 64001, "too_long"),
        ("2004", "cmi.interactions.0.timestamp", "yesterday", "timestamp"),
        ("2004", "cmi.interactions.0.type", "essay", "vocabulary"),
        ("2004", "cmi.interactions.0.result", "wrong", "vocabulary"),
        ("2004", "cmi.learner_preference.language", "not a code", "language"),
        ("2004", "cmi.learner_id", "someone-else", "read_only"),
        ("2004", "cmi.total_time", "PT99H", "read_only"),
        ("2004", "cmi.completion_threshold", "0", "read_only"),
        ("2004", "cmi.mode", "review", "read_only"),
        ("2004", "cmi.core.lesson_status", "passed", "unknown"),
        ("2004", "cmi.score.raw", "NaN", "not_a_number"),
        ("2004", "cmi.score.raw", "1e400", "not_a_number"),
    ],
)
def test_values_that_break_the_data_model_are_refused(version, element, value, code):
    result = validate_commit(version, {element: value})
    assert codes(result) == {(code, element)}
    assert all(problem.message for problem in result)


def test_collections_are_bounded():
    assert codes(validate_commit("1.2", {f"cmi.interactions.{cmi.MAX_INTERACTIONS}.id": "q"})) == {
        ("index_too_large", f"cmi.interactions.{cmi.MAX_INTERACTIONS}.id")
    }
    assert codes(validate_commit("2004", {f"cmi.objectives.{cmi.MAX_OBJECTIVES}.id": "o"})) == {
        ("index_too_large", f"cmi.objectives.{cmi.MAX_OBJECTIVES}.id")
    }
    element = f"cmi.interactions.0.correct_responses.{cmi.MAX_PATTERNS}.pattern"
    assert codes(validate_commit("2004", {element: "a"})) == {("index_too_large", element)}
    many = {f"cmi.interactions.{n}.id": "q" for n in range(cmi.MAX_ELEMENTS + 1)}
    assert codes(validate_commit("2004", many)) == {("too_many", "")}
    assert codes(validate_commit("2004", ["cmi.location"])) == {("not_an_object", "")}


def test_every_problem_is_listed_and_nothing_is_kept():
    result = validate_commit(
        "2004", {"cmi.location": "ok", "cmi.exit": "later", "cmi.learner_name": "X"}
    )
    assert codes(result) == {("vocabulary", "cmi.exit"), ("read_only", "cmi.learner_name")}


def test_problems_are_translated():
    from django.utils import translation

    problem = CmiProblem("read_only", "cmi.learner_id")
    with translation.override("en"):
        assert problem.message == "cmi.learner_id is read-only: a SCO cannot write it."


def test_times_are_converted_both_ways():
    assert cmi.duration_2004_seconds("P1DT1H") == 90000
    assert cmi.timespan_12_seconds("10:00:00") == 36000
    assert cmi.seconds_to_timespan_12(3723.5) == "0001:02:03.50"
    assert cmi.seconds_to_duration_2004(3723.5) == "PT1H2M3.50S"
    assert cmi.status_from_12("failed") == ("completed", "failed")
    assert cmi.status_from_12("browsed") == ("incomplete", "unknown")
