"""Certification requirements: what a programme asks for, and whether a learner meets it.

Plain Python, no Django and no database: the caller gathers the learner's :class:`Facts`
(completed courses and submitted assessment results, keyed by the item's translation key so
that the same course counts in any language) and asks :func:`evaluate` about a :class:`Rule`.

A :class:`Rule` is a list of :class:`Requirement` objects and how many of them must be met:
all of them (``required_count=None``) or any N of them. A course requirement is met by a
completion; an assessment requirement by a result that passed and, when the requirement has a
``min_score``, scored at least that percentage. A result that scored high but did not pass does
not count.

Only facts inside the window ``since <= at`` (and ``at <= until`` when ``until`` is given) count;
recertification uses this to ask for activity after the previous certificate. For each met
requirement its time is that of its *earliest* qualifying fact, and the rule was met at the
latest of those (for "all") or at the N-th earliest (for "N of them"): the first moment the
learner could have been certified.

:func:`rule_problems` checks a rule before it is saved and :func:`evaluate` refuses a rule that
has problems. Problems carry a plain-English template marked for translation and its
parameters, like :class:`assessments.gift.QuestionImportError`, so the Django layer can
translate the template and then fill it in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = [
    "MESSAGES",
    "AssessmentResult",
    "Evaluation",
    "Facts",
    "Kind",
    "Requirement",
    "Rule",
    "RuleProblem",
    "evaluate",
    "rule_problems",
]


# --- Messages ---------------------------------------------------------------------------
def gettext_noop(message: str) -> str:
    """Marks a message for translation catalogues without importing Django; the Django
    layer translates it when it shows the problem."""
    return message


MESSAGES: dict[str, str] = {
    "no_requirements": gettext_noop("Add at least one requirement."),
    "count_out_of_range": gettext_noop(
        "The number of requirements to meet must be between 1 and {total}; it is {count}."
    ),
    "missing_key": gettext_noop("Requirement {position} does not name a course or an assessment."),
    "score_on_course": gettext_noop(
        "Requirement {position} is a course: a minimum score applies only to assessments."
    ),
    "score_out_of_range": gettext_noop(
        "The minimum score of requirement {position} must be between 0 and 100; it is {score}."
    ),
    "duplicate_course": gettext_noop(
        "Requirement {position} repeats the course of requirement {first}."
    ),
    "duplicate_assessment": gettext_noop(
        "Requirement {position} repeats the assessment of requirement {first}."
    ),
}


# --- Data -------------------------------------------------------------------------------
class Kind(StrEnum):
    """What a requirement asks for."""

    COURSE = "course"
    ASSESSMENT = "assessment"


@dataclass(frozen=True)
class Requirement:
    """One course to complete or one assessment to pass.

    ``key`` is the item's translation key, the same for every language version of it.
    ``min_score`` (assessments only) is the percentage, 0 to 100, the result must reach;
    ``None`` means that passing is enough.
    """

    kind: Kind
    key: str
    min_score: Decimal | None = None

    def __post_init__(self) -> None:
        # Accept the plain strings and numbers a form or JSON field gives; an unknown kind
        # fails here, at once. Numbers go through str() so that 80.1 stays 80.1.
        object.__setattr__(self, "kind", Kind(self.kind))
        if self.min_score is not None and not isinstance(self.min_score, Decimal):
            object.__setattr__(self, "min_score", Decimal(str(self.min_score)))


@dataclass(frozen=True)
class Rule:
    """The requirements of a programme: all of them (``required_count=None``) or any
    ``required_count`` of them (1 <= N <= len(requirements))."""

    requirements: tuple[Requirement, ...]
    required_count: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "requirements", tuple(self.requirements))

    @property
    def needed(self) -> int:
        """How many requirements must be met."""
        if self.required_count is None:
            return len(self.requirements)
        return self.required_count


@dataclass(frozen=True)
class AssessmentResult:
    """One submitted result of an assessment: its percentage score (0 to 100), whether it
    passed, and when it was submitted."""

    score: Decimal
    passed: bool
    at: datetime


@dataclass(frozen=True)
class Facts:
    """What a learner has done, keyed by translation key.

    ``courses_completed`` maps a course key to the time the course was completed;
    ``assessment_results`` maps an assessment key to its submitted results, in any order.
    All times must be alike (all aware, as Django stores them, or all naive).
    """

    courses_completed: Mapping[str, datetime] = field(default_factory=dict)
    assessment_results: Mapping[str, Sequence[AssessmentResult]] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    """How a learner stands against a rule.

    ``met_at`` is the first moment the rule was satisfied (``None`` when it is not met).
    ``satisfied`` and ``missing`` keep the rule's order; ``needed`` is how many requirements
    must be met, so ``needed - len(satisfied)`` more are needed when the rule is not met.
    """

    met: bool
    met_at: datetime | None
    satisfied: tuple[Requirement, ...]
    missing: tuple[Requirement, ...]
    needed: int

    @property
    def remaining(self) -> int:
        """How many more requirements must be met (0 when the rule is met)."""
        return max(0, self.needed - len(self.satisfied))


@dataclass(frozen=True)
class RuleProblem:
    """Why a rule is not valid: a code, a plain-English template with ``{placeholders}``
    (from :data:`MESSAGES`, marked for translation) and its parameters.

    Requirement positions are 1-based, as a person counts them; the Django layer translates
    ``template`` and then calls ``.format(**params)``. ``str()`` gives the English message.
    """

    code: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The template in English with its placeholders filled in."""
        return self.template.format(**self.params)

    def __str__(self) -> str:
        return self.message


# --- Validation -------------------------------------------------------------------------
def _problem(code: str, **params: Any) -> RuleProblem:
    return RuleProblem(code=code, template=MESSAGES[code], params=params)


def rule_problems(rule: Rule) -> list[RuleProblem]:
    """Everything wrong with ``rule``, in the order of its requirements; empty when it is valid.

    Checks: at least one requirement; ``required_count`` between 1 and the number of
    requirements; every requirement names an item; a minimum score only on assessments and
    only a finite number from 0 to 100; no course or assessment listed twice (a repeated
    item would let one fact count twice towards "N of them").
    """
    problems: list[RuleProblem] = []
    total = len(rule.requirements)
    if total == 0:
        problems.append(_problem("no_requirements"))
    elif rule.required_count is not None and not 1 <= rule.required_count <= total:
        problems.append(_problem("count_out_of_range", total=total, count=rule.required_count))

    first_position: dict[tuple[Kind, str], int] = {}
    for position, requirement in enumerate(rule.requirements, start=1):
        if not requirement.key or not requirement.key.strip():
            problems.append(_problem("missing_key", position=position))
        if requirement.min_score is not None:
            if requirement.kind is not Kind.ASSESSMENT:
                problems.append(_problem("score_on_course", position=position))
            elif not _is_percentage(requirement.min_score):
                problems.append(
                    _problem("score_out_of_range", position=position, score=requirement.min_score)
                )
        if requirement.key:
            identity = (requirement.kind, requirement.key)
            if identity in first_position:
                code = "duplicate_course" if identity[0] is Kind.COURSE else "duplicate_assessment"
                problems.append(_problem(code, position=position, first=first_position[identity]))
            else:
                first_position[identity] = position
    return problems


def _is_percentage(value: Decimal) -> bool:
    """A finite number from 0 to 100 (NaN and infinities are not)."""
    return value.is_finite() and 0 <= value <= 100


# --- Evaluation -------------------------------------------------------------------------
def evaluate(
    rule: Rule,
    facts: Facts,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Evaluation:
    """Evaluates ``rule`` against ``facts``, counting only facts with ``since <= at`` and,
    when given, ``at <= until`` (both ends included).

    Raises :class:`ValueError` when the rule has :func:`rule_problems`: an invalid rule has no
    meaningful answer (an empty rule would be met by anyone).
    """
    problems = rule_problems(rule)
    if problems:
        raise ValueError("Invalid rule: " + " ".join(problem.message for problem in problems))

    def in_window(at: datetime) -> bool:
        return (since is None or since <= at) and (until is None or at <= until)

    satisfied: list[Requirement] = []
    missing: list[Requirement] = []
    times: list[datetime] = []
    for requirement in rule.requirements:
        at = _satisfied_at(requirement, facts, in_window)
        if at is None:
            missing.append(requirement)
        else:
            satisfied.append(requirement)
            times.append(at)

    needed = rule.needed
    met = len(satisfied) >= needed
    # The rule became true when its needed-th requirement was met: the N-th earliest time,
    # which for "all" is the latest of them.
    met_at = sorted(times)[needed - 1] if met else None
    return Evaluation(
        met=met,
        met_at=met_at,
        satisfied=tuple(satisfied),
        missing=tuple(missing),
        needed=needed,
    )


def _satisfied_at(
    requirement: Requirement, facts: Facts, in_window: Callable[[datetime], bool]
) -> datetime | None:
    """The earliest time a fact inside the window satisfies ``requirement``, or ``None``."""
    if requirement.kind is Kind.COURSE:
        completed = facts.courses_completed.get(requirement.key)
        return completed if completed is not None and in_window(completed) else None
    qualifying = [
        result.at
        for result in facts.assessment_results.get(requirement.key, ())
        if result.passed
        and (requirement.min_score is None or result.score >= requirement.min_score)
        and in_window(result.at)
    ]
    return min(qualifying, default=None)
