"""Server-side grading of assessment questions.

Plain Python, no Django. The shapes of a question version's ``data`` and of an officer's
``response`` are defined in ``assessments/QUESTION_FORMAT.md``; this module implements that
contract:

- :func:`validate_question` lists the problems of an authored question (empty when fine).
- :func:`normalize_response` checks a submitted response against its question and returns a
  canonical form, or raises :class:`ResponseError` when the response does not fit (nothing
  may be stored then). A *blank* answer (no option chosen, an empty numeric field, no
  clicks) is not an error: it normalizes to the canonical empty response of its type
  (:func:`empty_response`) and grades 0.
- :func:`grade` scores a response as a fraction (0..1) of the question's points, with a
  ``detail`` dict for the review page. ``detail`` names the correct answer: views must only
  show it when the attempt's review policy allows.
- :func:`score_attempt` adds up the grades of an attempt.

Errors are not rendered for end users here. A :class:`ResponseError` carries a stable
``code`` and ``params``; :data:`RESPONSE_ERROR_MESSAGES` holds the plain-English templates,
keyed by code, that the Django layer translates (``gettext(template).format(**params)``).

Decisions where the format is silent:

- Fields the format does not mark optional (``scoring``, ``tolerance``, ``targets``,
  ``max_clicks``, ``wrong_click_penalty``) are required by :func:`validate_question`;
  :func:`normalize_response` and :func:`grade` still fall back to safe defaults
  (``all_or_nothing``, 0, ``any``, 1, 0) rather than crash on an unvalidated question.
- A response with a field the type does not define is refused (``unexpected_field``).
- ``multiple_response`` duplicates are collapsed (the canonical form is sorted, unique).
  ``ordering`` must be a complete permutation of the items (or empty = blank); a repeated
  id is refused (``duplicate``), a partial order is refused (``incomplete_order``).
- ``matching`` may be partial: unanswered premises (absent, ``None`` or ``""``) are left
  out of the canonical ``pairs``; a response may be used for several premises.
- ``numeric`` text: optional sign, digits, at most one decimal separator (``.`` or ``,``),
  surrounding whitespace ignored. A single comma is always a decimal comma (``"1,234"`` is
  1.234); text with both separators, several separators, spaces inside, exponents,
  ``nan``/``inf`` or more than :data:`MAX_NUMBER_LENGTH` characters is refused. The
  tolerance comparison is done in decimal arithmetic so that ``|0.4 - 0.3| <= 0.1`` holds.
- ``hotspot``: a click hitting several overlapping regions counts for each of them;
  repeated clicks in one region are not wrong clicks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from .types import REGISTRY, TYPES
from .types.base import (
    FRACTION_DECIMALS,
    MAX_NUMBER_LENGTH,
    RESPONSE_ERROR_MESSAGES,
    Grade,
    Problem,
    ResponseError,
    gettext_noop,
    is_number,
    parse_number,
    rounded,
    show,
)
from .types.geometry import point_in_polygon, point_in_rect
from .types.hotspot import TARGETS as HOTSPOT_TARGETS

__all__ = [
    "ENTRY_LISTS",
    "FRACTION_DECIMALS",
    "HOTSPOT_TARGETS",
    "MAX_NUMBER_LENGTH",
    "QUESTION_TYPES",
    "RESPONSE_ERROR_MESSAGES",
    "RESPONSE_FIELDS",
    "RESPONSE_ID_SHAPES",
    "SCORING_RULES",
    "Grade",
    "Problem",
    "ResponseError",
    "empty_response",
    "grade",
    "is_blank",
    "normalize_response",
    "parse_number",
    "point_in_polygon",
    "point_in_rect",
    "question_points",
    "score_attempt",
    "validate_question",
    "validate_stem",
]

QUESTION_TYPES: tuple[str, ...] = tuple(qtype.name for qtype in TYPES)

SCORING_RULES: dict[str, tuple[str, ...]] = {
    qtype.name: qtype.scoring_rules for qtype in TYPES if qtype.scoring_rules
}

RESPONSE_FIELDS: dict[str, str] = {qtype.name: qtype.response_field for qtype in TYPES}
"""The single field each type's response carries."""

ENTRY_LISTS: dict[str, tuple[str, ...]] = {qtype.name: qtype.entry_lists for qtype in TYPES}
"""The lists of ``{"id", "text"}`` entries each type shows to officers. Their ids never
reach the browser: each attempt gives every entry an opaque token (``assessments/tokens``).
Hotspot regions are not listed: they are never shown before the review."""

RESPONSE_ID_SHAPES: dict[str, str | None] = {qtype.name: qtype.response_id_shape for qtype in TYPES}
"""Where entry ids sit in each type's response field: ``one`` (the value is an id),
``many`` (a list of ids), ``pairs`` (a mapping of ids to ids), ``keyed`` (a mapping of
ids to values without ids, e.g. marker points), ``gaps`` (a mapping of gap ids to ids or
lists of ids) or ``None`` (no ids). The attempt page swaps them for tokens
and back with this, so a type that shows entries must say where they are in its answers
(a test checks every type does)."""


def validate_question(qtype: str, data: dict[str, Any]) -> list[Problem]:
    """The problems of an authored question's ``data``; empty when fine. Each reads as
    plain English and translates with :meth:`Problem.translated`."""
    if qtype not in REGISTRY:
        return [Problem(gettext_noop("Unknown question type {value}."), value=show(qtype))]
    if not isinstance(data, Mapping):
        return [Problem(gettext_noop("The question data must be an object."))]
    problems: list[str] = []
    REGISTRY[qtype].validate(data, problems)
    return problems  # type: ignore[return-value]


def validate_stem(qtype: str, data: dict[str, Any], stem: str) -> list[Problem]:
    """The problems between one language's stem and the question's ``data`` (a cloze
    stem must mark exactly its gaps); empty when fine. The stem lives in the texts of each
    language and ``data`` once, so the editor and the importers call this for every
    language besides :func:`validate_question`."""
    if qtype not in REGISTRY or not isinstance(data, Mapping):
        return []
    problems: list[str] = []
    REGISTRY[qtype].check_stem(data, stem if isinstance(stem, str) else "", problems)
    return problems  # type: ignore[return-value]


def empty_response(qtype: str) -> dict[str, Any]:
    """The canonical blank response of a type (grades 0)."""
    if qtype not in REGISTRY:
        raise ValueError(f"unknown question type {qtype!r}")
    return REGISTRY[qtype].empty_response()


def is_blank(qtype: str, response: Mapping[str, Any] | None) -> bool:
    """Whether a canonical response is the blank one."""
    return response is None or dict(response) == empty_response(qtype)


def normalize_response(qtype: str, data: dict[str, Any], response: Any) -> dict[str, Any]:
    """Checks ``response`` against the question and returns its canonical form.

    Canonical forms: ``{"option": id | None}``, ``{"options": [sorted unique ids]}``,
    ``{"value": bool | None}`` (true/false), ``{"value": float | None}`` (numeric),
    ``{"order": [ids]}`` (complete, or empty), ``{"pairs": {premise: response}}`` (sorted,
    answered premises only), ``{"clicks": [[x, y], ...]}`` (floats); the other types say
    theirs in their module. ``None`` or a blank answer gives :func:`empty_response`.
    Idempotent. Raises :class:`ResponseError` when the response does not fit, and
    ``ValueError`` for an unknown question type.
    """
    if qtype not in REGISTRY:
        raise ValueError(f"unknown question type {qtype!r}")
    if response is None:
        return empty_response(qtype)
    if not isinstance(response, Mapping):
        raise ResponseError("wrong_shape")
    kind = REGISTRY[qtype]
    if hasattr(kind, "normalize_response"):  # a response of several fields (essay)
        return kind.normalize_response(data, response)
    name = kind.response_field
    for key in response:
        if key != name:
            raise ResponseError("unexpected_field", field=show(key))
    if name not in response:
        raise ResponseError("missing_field", field=name)
    return {name: kind.normalize(data, response[name])}


def grade(qtype: str, data: dict[str, Any], response: dict[str, Any] | None) -> Grade:
    """Grades a response by the rules of ``QUESTION_FORMAT.md``.

    The response is normalized first (so a raw or an already canonical response both
    work; a malformed one raises :class:`ResponseError`). ``None`` or a blank response
    grades 0 with ``detail["blank"] == True``. A response a person must grade (an essay)
    comes back ``pending`` with fraction 0.
    """
    canonical = normalize_response(qtype, data, response)
    kind = REGISTRY[qtype]
    value = canonical[kind.response_field]
    blank = is_blank(qtype, canonical)
    if not blank and kind.pending(data, value):
        return Grade(fraction=0.0, correct=False, detail={"blank": False}, pending=True)
    fraction, detail = kind.grade(data, value)
    score = 0.0 if blank else rounded(fraction)
    return Grade(fraction=score, correct=score == 1.0, detail={"blank": blank, **detail})


def question_points(qtype: str, points: Any) -> float:
    """The points a question counts for in an attempt: its own, or 0 for a type that is
    never scored (a description), whatever was stored."""
    kind = REGISTRY.get(qtype)
    if kind is not None and not kind.scored:
        return 0.0
    return float(points)


def score_attempt(items: Sequence[tuple[float, Grade]]) -> tuple[float, float, float]:
    """``(score, max_score, percent)`` of an attempt from ``(points, grade)`` pairs.

    Score and maximum are rounded to 6 decimals, the percent (0..100) too; an attempt
    worth 0 points scores 0 %. Raises ``ValueError`` for negative or non-finite points.
    """
    score = Fraction(0)
    maximum = Fraction(0)
    for points, item_grade in items:
        if not is_number(points) or points < 0:
            raise ValueError(f"points must be a finite number >= 0, not {points!r}")
        score += Fraction(points) * Fraction(item_grade.fraction)
        maximum += Fraction(points)
    percent = score * 100 / maximum if maximum else Fraction(0)
    return (
        round(float(score), FRACTION_DECIMALS) + 0.0,
        round(float(maximum), FRACTION_DECIMALS) + 0.0,
        round(float(percent), FRACTION_DECIMALS) + 0.0,
    )
