"""Evaluation of certification requirements (pure Python, no database)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from certificates.requirements import (
    MESSAGES,
    AssessmentResult,
    Evaluation,
    Facts,
    Kind,
    Requirement,
    Rule,
    RuleProblem,
    evaluate,
    rule_problems,
)

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def course(key: str) -> Requirement:
    return Requirement(Kind.COURSE, key)


def assessment(key: str, min_score: str | None = None) -> Requirement:
    return Requirement(Kind.ASSESSMENT, key, None if min_score is None else Decimal(min_score))


def result(score: str, passed: bool, at: datetime) -> AssessmentResult:
    return AssessmentResult(score=Decimal(score), passed=passed, at=at)


VALUATION = course("valuation")
ORIGIN = course("origin")
EXAM = assessment("exam", "80")


# --- All of them ----------------------------------------------------------------------
def test_all_met_at_latest_of_the_earliest_times():
    rule = Rule((VALUATION, ORIGIN, EXAM))
    facts = Facts(
        courses_completed={"valuation": day(1), "origin": day(5)},
        assessment_results={"exam": [result("90", True, day(7)), result("85", True, day(3))]},
    )
    assert evaluate(rule, facts) == Evaluation(
        met=True,
        met_at=day(5),  # the exam was first passed on day 3; origin came last, on day 5
        satisfied=(VALUATION, ORIGIN, EXAM),
        missing=(),
        needed=3,
    )


def test_all_not_met_lists_what_is_missing_in_rule_order():
    rule = Rule((VALUATION, EXAM, ORIGIN))
    evaluation = evaluate(rule, Facts(courses_completed={"origin": day(2)}))
    assert not evaluation.met
    assert evaluation.met_at is None
    assert evaluation.satisfied == (ORIGIN,)
    assert evaluation.missing == (VALUATION, EXAM)
    assert evaluation.needed == 3
    assert evaluation.remaining == 2


def test_no_facts_at_all():
    evaluation = evaluate(Rule((VALUATION,)), Facts())
    assert (evaluation.met, evaluation.missing, evaluation.remaining) == (False, (VALUATION,), 1)


def test_facts_about_other_items_do_not_count():
    facts = Facts(
        courses_completed={"exam": day(1)},  # same key, but a course: not the assessment
        assessment_results={"valuation": [result("100", True, day(1))]},
    )
    evaluation = evaluate(Rule((VALUATION, EXAM)), facts)
    assert evaluation.satisfied == ()


# --- N of them ------------------------------------------------------------------------
def test_n_of_m_met_at_the_nth_earliest_time():
    a, b, c, d = (course(k) for k in "abcd")
    rule = Rule((a, b, c, d), required_count=2)
    facts = Facts(courses_completed={"a": day(9), "b": day(2), "c": day(4)})
    evaluation = evaluate(rule, facts)
    assert evaluation.met
    assert evaluation.met_at == day(4)  # the 2nd earliest of days 2, 4, 9
    assert evaluation.satisfied == (a, b, c)
    assert evaluation.missing == (d,)
    assert evaluation.needed == 2
    assert evaluation.remaining == 0


def test_n_of_m_not_enough():
    a, b, c = (course(k) for k in "abc")
    evaluation = evaluate(Rule((a, b, c), required_count=2), Facts(courses_completed={"c": day(1)}))
    assert not evaluation.met
    assert evaluation.met_at is None
    assert evaluation.remaining == 1


def test_n_of_m_uses_the_earliest_passing_result_of_each_assessment():
    first, second = assessment("first"), assessment("second")
    facts = Facts(
        assessment_results={
            "first": [result("70", True, day(8)), result("60", True, day(6))],
            "second": [result("40", False, day(1)), result("75", True, day(3))],
        }
    )
    evaluation = evaluate(Rule((first, second, course("x")), required_count=1), facts)
    assert evaluation.met_at == day(3)
    evaluation = evaluate(Rule((first, second, course("x")), required_count=2), facts)
    assert evaluation.met_at == day(6)


def test_n_equal_to_m_is_the_same_as_all():
    rule_all = Rule((VALUATION, ORIGIN))
    rule_n = Rule((VALUATION, ORIGIN), required_count=2)
    facts = Facts(courses_completed={"valuation": day(3), "origin": day(1)})
    assert evaluate(rule_all, facts) == evaluate(rule_n, facts)


# --- Scores ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("score", "counts"),
    [("79.99", False), ("80", True), ("80.00", True), ("80.01", True), ("100", True)],
)
def test_min_score_boundary_equal_counts(score, counts):
    facts = Facts(assessment_results={"exam": [result(score, True, day(1))]})
    assert evaluate(Rule((EXAM,)), facts).met is counts


def test_failed_result_with_a_high_score_does_not_count():
    facts = Facts(assessment_results={"exam": [result("95", False, day(1))]})
    assert not evaluate(Rule((EXAM,)), facts).met
    assert not evaluate(Rule((assessment("exam"),)), facts).met


def test_without_min_score_passing_is_enough():
    facts = Facts(assessment_results={"exam": [result("50", True, day(1))]})
    assert evaluate(Rule((assessment("exam"),)), facts).met
    assert not evaluate(Rule((EXAM,)), facts).met


def test_earliest_result_that_reaches_the_score_counts_not_the_earliest_pass():
    facts = Facts(
        assessment_results={"exam": [result("70", True, day(1)), result("88", True, day(4))]}
    )
    assert evaluate(Rule((EXAM,)), facts).met_at == day(4)


def test_min_score_accepts_plain_numbers():
    assert Requirement(Kind.ASSESSMENT, "exam", 80).min_score == Decimal("80")
    assert Requirement("assessment", "exam", "80.5").min_score == Decimal("80.5")
    assert Requirement("course", "valuation").kind is Kind.COURSE
    with pytest.raises(ValueError):
        Requirement("module", "valuation")


# --- Windows --------------------------------------------------------------------------
def test_since_excludes_earlier_facts_and_includes_the_boundary():
    rule = Rule((VALUATION, EXAM))
    facts = Facts(
        courses_completed={"valuation": day(5)},
        assessment_results={"exam": [result("90", True, day(2)), result("85", True, day(10))]},
    )
    evaluation = evaluate(rule, facts, since=day(5))
    assert evaluation.met
    assert evaluation.met_at == day(10)  # the day-2 pass is before the window
    assert not evaluate(rule, facts, since=day(5) + timedelta(seconds=1)).met


def test_until_excludes_later_facts_and_includes_the_boundary():
    rule = Rule((VALUATION, EXAM))
    facts = Facts(
        courses_completed={"valuation": day(5)},
        assessment_results={"exam": [result("90", True, day(2)), result("85", True, day(10))]},
    )
    assert evaluate(rule, facts, until=day(5)).met_at == day(5)
    evaluation = evaluate(rule, facts, until=day(5) - timedelta(seconds=1))
    assert evaluation.satisfied == (EXAM,)
    assert evaluation.missing == (VALUATION,)


def test_since_and_until_together():
    rule = Rule((EXAM,))
    facts = Facts(
        assessment_results={
            "exam": [result("90", True, day(1)), result("85", True, day(20))],
        }
    )
    assert not evaluate(rule, facts, since=day(2), until=day(19)).met
    assert evaluate(rule, facts, since=day(2), until=day(20)).met_at == day(20)


def test_window_for_n_of_m():
    a, b, c = (course(k) for k in "abc")
    facts = Facts(courses_completed={"a": day(1), "b": day(6), "c": day(8)})
    rule = Rule((a, b, c), required_count=2)
    assert evaluate(rule, facts).met_at == day(6)
    evaluation = evaluate(rule, facts, since=day(2))
    assert evaluation.met_at == day(8)
    assert evaluation.missing == (a,)


# --- Rule problems --------------------------------------------------------------------
def codes(rule: Rule) -> list[str]:
    return [problem.code for problem in rule_problems(rule)]


def test_valid_rules_have_no_problems():
    assert rule_problems(Rule((VALUATION, EXAM))) == []
    assert rule_problems(Rule((VALUATION, EXAM), required_count=1)) == []
    assert rule_problems(Rule((VALUATION, EXAM), required_count=2)) == []
    assert rule_problems(Rule((assessment("a", "0"), assessment("b", "100")))) == []


def test_empty_rule():
    assert codes(Rule(())) == ["no_requirements"]
    assert codes(Rule((), required_count=1)) == ["no_requirements"]


@pytest.mark.parametrize("count", [0, -1, 3])
def test_required_count_out_of_range(count):
    problems = rule_problems(Rule((VALUATION, ORIGIN), required_count=count))
    assert [p.code for p in problems] == ["count_out_of_range"]
    assert problems[0].params == {"total": 2, "count": count}
    assert problems[0].message == (
        f"The number of requirements to meet must be between 1 and 2; it is {count}."
    )


def test_min_score_on_a_course():
    rule = Rule((VALUATION, Requirement(Kind.COURSE, "origin", Decimal("50"))))
    problems = rule_problems(rule)
    assert [p.code for p in problems] == ["score_on_course"]
    assert problems[0].params == {"position": 2}


@pytest.mark.parametrize("score", ["-0.01", "100.01", "NaN", "Infinity"])
def test_min_score_out_of_range(score):
    problems = rule_problems(Rule((assessment("exam", score),)))
    assert [p.code for p in problems] == ["score_out_of_range"]
    assert str(problems[0]) == (
        f"The minimum score of requirement 1 must be between 0 and 100; it is {score}."
    )


def test_duplicate_requirements():
    rule = Rule((VALUATION, EXAM, ORIGIN, assessment("exam", "50"), VALUATION))
    problems = rule_problems(rule)
    assert [(p.code, p.params) for p in problems] == [
        ("duplicate_assessment", {"position": 4, "first": 2}),
        ("duplicate_course", {"position": 5, "first": 1}),
    ]


def test_same_key_for_a_course_and_an_assessment_is_not_a_duplicate():
    assert rule_problems(Rule((course("x"), assessment("x")))) == []


def test_missing_key():
    assert codes(Rule((course(""), course("  ")))) == ["missing_key", "missing_key"]


def test_several_problems_are_all_reported():
    rule = Rule((VALUATION, VALUATION, Requirement(Kind.COURSE, "o", Decimal(1))), 5)
    assert codes(rule) == ["count_out_of_range", "duplicate_course", "score_on_course"]


def test_problems_use_the_marked_templates():
    for problem in rule_problems(Rule((VALUATION, VALUATION), required_count=3)):
        assert isinstance(problem, RuleProblem)
        assert problem.template == MESSAGES[problem.code]
    # Every template can be filled with the parameters its code is given.
    params = {"total": 2, "count": 3, "position": 2, "first": 1, "score": Decimal("101")}
    for template in MESSAGES.values():
        template.format(**params)


def test_evaluate_refuses_an_invalid_rule():
    with pytest.raises(ValueError, match="Add at least one requirement"):
        evaluate(Rule(()), Facts())
    with pytest.raises(ValueError, match="between 1 and 1"):
        evaluate(Rule((VALUATION,), required_count=2), Facts())
    with pytest.raises(ValueError, match="repeats the course"):
        evaluate(Rule((VALUATION, VALUATION), required_count=2), Facts())
