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

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any

QUESTION_TYPES: tuple[str, ...] = (
    "single_choice",
    "multiple_response",
    "true_false",
    "numeric",
    "ordering",
    "matching",
    "hotspot",
)

SCORING_RULES: dict[str, tuple[str, ...]] = {
    "multiple_response": ("all_or_nothing", "right_minus_wrong", "per_option"),
    "ordering": ("all_or_nothing", "adjacent_pairs"),
    "matching": ("all_or_nothing", "per_premise"),
}
HOTSPOT_TARGETS: tuple[str, ...] = ("any", "all")

RESPONSE_FIELDS: dict[str, str] = {
    "single_choice": "option",
    "multiple_response": "options",
    "true_false": "value",
    "numeric": "value",
    "ordering": "order",
    "matching": "pairs",
    "hotspot": "clicks",
}
"""The single field each type's response carries."""

ENTRY_LISTS: dict[str, tuple[str, ...]] = {
    "single_choice": ("options",),
    "multiple_response": ("options",),
    "true_false": (),
    "numeric": (),
    "ordering": ("items",),
    "matching": ("premises", "responses"),
    "hotspot": (),
}
"""The lists of ``{"id", "text"}`` entries each type shows to officers. Their ids never
reach the browser: each attempt gives every entry an opaque token (``assessments/tokens``).
Hotspot regions are not listed: they are never shown before the review."""

RESPONSE_ID_SHAPES: dict[str, str | None] = {
    "single_choice": "one",
    "multiple_response": "many",
    "true_false": None,
    "numeric": None,
    "ordering": "many",
    "matching": "pairs",
    "hotspot": None,
}
"""Where entry ids sit in each type's response field: ``one`` (the value is an id),
``many`` (a list of ids), ``pairs`` (a mapping of ids to ids) or ``None`` (no ids). The
attempt page swaps them for tokens and back with this, so a type that shows entries must
say where they are in its answers (a test checks every type does)."""

MAX_NUMBER_LENGTH = 40
"""Longest numeric answer text accepted (characters, surrounding whitespace excluded)."""

FRACTION_DECIMALS = 6


def gettext_noop(message: str) -> str:
    """Marks a message for translation catalogues without importing Django; the Django
    layer translates it when it shows the error."""
    return message


RESPONSE_ERROR_MESSAGES: dict[str, str] = {
    "wrong_shape": gettext_noop("The answer to this question is not in the expected form."),
    "missing_field": gettext_noop("The answer is missing the field “{field}”."),
    "unexpected_field": gettext_noop("The answer contains an unexpected field “{field}”."),
    "unknown_option": gettext_noop("“{value}” is not one of the choices of this question."),
    "duplicate": gettext_noop("“{value}” appears more than once in the answer."),
    "incomplete_order": gettext_noop(
        "Put all {count} items in order; {missing} of them are missing from the answer."
    ),
    "not_a_number": gettext_noop(
        "“{value}” is not a number. Type digits only, with a decimal point or comma if "
        "needed, for example 12.5 or 12,5."
    ),
    "outside_image": gettext_noop(
        "Click {index} ({x}, {y}) is outside the image ({width} × {height} pixels)."
    ),
    "too_many_clicks": gettext_noop(
        "At most {max_clicks} clicks are accepted on this image; the answer has {count}."
    ),
}


class ResponseError(ValueError):
    """A submitted response that does not fit its question.

    ``code`` is a key of :data:`RESPONSE_ERROR_MESSAGES`; ``params`` fill its
    placeholders; ``message`` is the plain-English text.
    """

    def __init__(self, code: str, **params: Any) -> None:
        if code not in RESPONSE_ERROR_MESSAGES:
            raise KeyError(f"unknown response error code {code!r}")
        self.code: str = code
        self.params: dict[str, Any] = params
        self.message: str = RESPONSE_ERROR_MESSAGES[code].format(**params)
        super().__init__(self.message)


@dataclass(frozen=True)
class Grade:
    """The result of grading one response.

    ``fraction`` is the share of the question's points earned (0..1, rounded to 6
    decimals); ``correct`` is ``fraction == 1``; ``detail`` is JSON-serializable and
    describes what was right and wrong (it reveals the answer key).
    """

    fraction: float
    correct: bool
    detail: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def _is_number(value: Any) -> bool:
    """A finite int or float (bool excluded)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _show(value: Any, limit: int = 40) -> str:
    """A short printable form of a submitted value, for error messages."""
    text = value if isinstance(value, str) else json.dumps(value, default=repr)
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number_text(value: float) -> str:
    """1.0 -> "1", 2.5 -> "2.5"."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)


def _ids(entries: Any) -> list[str]:
    """The ids of a list of ``{"id": ...}`` entries (valid ones only)."""
    if not isinstance(entries, list):
        return []
    return [e["id"] for e in entries if isinstance(e, Mapping) and _is_id(e.get("id"))]


def _rounded(value: Fraction | float) -> float:
    result = round(float(value), FRACTION_DECIMALS)
    result = min(1.0, max(0.0, result))
    return result + 0.0  # no -0.0


def _scoring(qtype: str, data: Mapping[str, Any]) -> str:
    rule = data.get("scoring", "all_or_nothing")
    return rule if rule in SCORING_RULES[qtype] else "all_or_nothing"


def _max_clicks(data: Mapping[str, Any]) -> int:
    value = data.get("max_clicks", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1


def _penalty(data: Mapping[str, Any]) -> float:
    value = data.get("wrong_click_penalty", 0)
    return float(value) if _is_number(value) and 0 <= value <= 1 else 0.0


# ------------------------------------------------------------------------- geometry


def point_in_rect(x: float, y: float, rect: Sequence[float]) -> bool:
    """Whether (x, y) lies in the rectangle ``[left, top, width, height]``, edges included."""
    left, top, width, height = rect
    return left <= x <= left + width and top <= y <= top + height


def _on_segment(x: float, y: float, a: Sequence[float], b: Sequence[float]) -> bool:
    ax, ay = a
    bx, by = b
    if not (min(ax, bx) <= x <= max(ax, bx) and min(ay, by) <= y <= max(ay, by)):
        return False
    cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
    scale = max(1.0, abs(bx - ax) + abs(by - ay))
    return abs(cross) <= 1e-9 * scale


def point_in_polygon(x: float, y: float, polygon: Sequence[Sequence[float]]) -> bool:
    """Whether (x, y) lies in the polygon (a list of ``[x, y]`` vertices, closed
    implicitly): on an edge or vertex counts as inside, otherwise even-odd ray casting."""
    count = len(polygon)
    if count == 0:
        return False
    for i in range(count):
        if _on_segment(x, y, polygon[i], polygon[(i + 1) % count]):
            return True
    if count < 3:
        return False
    inside = False
    j = count - 1
    for i in range(count):
        xi, yi = polygon[i]
        xj, yj = polygon[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _regions_hit(x: float, y: float, regions: Sequence[Mapping[str, Any]]) -> list[str]:
    hit = []
    for region in regions:
        shape, coords = region.get("shape"), region.get("coords")
        if shape == "rect":
            inside = point_in_rect(x, y, coords)
        elif shape == "polygon":
            inside = point_in_polygon(x, y, coords)
        else:
            inside = False
        if inside:
            hit.append(region["id"])
    return hit


# ---------------------------------------------------------------- question validation


class Problem(str):
    """One problem of an authored question: reads as its English text, and keeps its
    template and values so that the admin and the importer can show it translated."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Problem:
        problem = super().__new__(cls, template.format(**params))
        problem.template, problem.params = template, params
        return problem

    def translated(self, gettext: Any) -> str:
        """The problem in the active language, given a ``gettext`` function."""
        return gettext(self.template).format(**self.params)


_ENTRY_MESSAGES = {
    "option": {
        "list": gettext_noop("The options must be a list."),
        "minimum": gettext_noop("At least {minimum} options are needed; there are {count}."),
        "object": gettext_noop("Option {position} must be an object."),
        "no_id": gettext_noop("Option {position} has no id."),
        "no_text": gettext_noop("Option {position} has no text."),
    },
    "item": {
        "list": gettext_noop("The items must be a list."),
        "minimum": gettext_noop("At least {minimum} items are needed; there are {count}."),
        "object": gettext_noop("Item {position} must be an object."),
        "no_id": gettext_noop("Item {position} has no id."),
        "no_text": gettext_noop("Item {position} has no text."),
    },
    "premise": {
        "list": gettext_noop("The premises must be a list."),
        "minimum": gettext_noop("At least {minimum} premises are needed; there are {count}."),
        "object": gettext_noop("Premise {position} must be an object."),
        "no_id": gettext_noop("Premise {position} has no id."),
        "no_text": gettext_noop("Premise {position} has no text."),
    },
    "response": {
        "list": gettext_noop("The responses must be a list."),
        "minimum": gettext_noop("At least {minimum} responses are needed; there are {count}."),
        "object": gettext_noop("Response {position} must be an object."),
        "no_id": gettext_noop("Response {position} has no id."),
        "no_text": gettext_noop("Response {position} has no text."),
    },
}


def _check_entries(entries: Any, noun: str, minimum: int, problems: list[str]) -> list[str]:
    """Checks a list of ``{"id", "text"}`` entries; returns their ids."""
    messages = _ENTRY_MESSAGES[noun]
    if not isinstance(entries, list):
        problems.append(Problem(messages["list"]))
        return []
    if len(entries) < minimum:
        problems.append(Problem(messages["minimum"], minimum=minimum, count=len(entries)))
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            problems.append(Problem(messages["object"], position=position))
            continue
        if not _is_id(entry.get("id")):
            problems.append(Problem(messages["no_id"], position=position))
        text = entry.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(messages["no_text"], position=position))
    return _ids(entries)


def _check_unique(ids: Sequence[str], problems: list[str]) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            problems.append(
                Problem(gettext_noop("The id “{ident}” is used more than once."), ident=ident)
            )
        seen.add(ident)


def _check_scoring(qtype: str, data: Mapping[str, Any], problems: list[str]) -> None:
    rule = data.get("scoring")
    allowed = ", ".join(SCORING_RULES[qtype])
    if rule is None:
        problems.append(
            Problem(
                gettext_noop("The scoring rule is missing; use one of: {allowed}."), allowed=allowed
            )
        )
    elif rule not in SCORING_RULES[qtype]:
        problems.append(
            Problem(
                gettext_noop("Unknown scoring rule {value}; use one of: {allowed}."),
                value=_show(rule),
                allowed=allowed,
            )
        )


def _validate_single_choice(data: Mapping[str, Any], problems: list[str]) -> None:
    ids = _check_entries(data.get("options"), "option", 2, problems)
    _check_unique(ids, problems)
    correct = data.get("correct")
    if not _is_id(correct):
        problems.append(Problem(gettext_noop("The correct option must be an option id.")))
    elif correct not in ids:
        problems.append(
            Problem(
                gettext_noop("The correct option “{ident}” is not one of the options."),
                ident=correct,
            )
        )


def _validate_multiple_response(data: Mapping[str, Any], problems: list[str]) -> None:
    ids = _check_entries(data.get("options"), "option", 2, problems)
    _check_unique(ids, problems)
    correct = data.get("correct")
    if not isinstance(correct, list) or not all(_is_id(c) for c in correct):
        problems.append(Problem(gettext_noop("The correct options must be a list of option ids.")))
    else:
        if not correct:
            problems.append(Problem(gettext_noop("At least one option must be correct.")))
        for ident in correct:
            if ident not in ids:
                problems.append(
                    Problem(
                        gettext_noop("The correct option “{ident}” is not one of the options."),
                        ident=ident,
                    )
                )
        if len(set(correct)) != len(correct):
            problems.append(
                Problem(
                    gettext_noop("An option is listed more than once among the correct options.")
                )
            )
    _check_scoring("multiple_response", data, problems)


def _validate_true_false(data: Mapping[str, Any], problems: list[str]) -> None:
    if not isinstance(data.get("correct"), bool):
        problems.append(Problem(gettext_noop("The correct answer must be true or false.")))
    for key in ("feedback_true", "feedback_false"):
        if key in data and not isinstance(data[key], str):
            problems.append(Problem(gettext_noop("“{key}” must be text."), key=key))


def _validate_numeric(data: Mapping[str, Any], problems: list[str]) -> None:
    if not _is_number(data.get("answer")):
        problems.append(Problem(gettext_noop("The answer must be a finite number.")))
    tolerance = data.get("tolerance")
    if not _is_number(tolerance):
        problems.append(
            Problem(gettext_noop("The tolerance must be a finite number (0 for an exact answer)."))
        )
    elif tolerance < 0:
        problems.append(Problem(gettext_noop("The tolerance cannot be negative.")))
    if "unit" in data and not isinstance(data["unit"], str):
        problems.append(Problem(gettext_noop("The unit must be text.")))


def _validate_ordering(data: Mapping[str, Any], problems: list[str]) -> None:
    ids = _check_entries(data.get("items"), "item", 2, problems)
    _check_unique(ids, problems)
    order = data.get("correct_order")
    if not isinstance(order, list) or not all(_is_id(i) for i in order):
        problems.append(Problem(gettext_noop("The correct order must be a list of item ids.")))
    elif sorted(order) != sorted(ids):
        problems.append(
            Problem(gettext_noop("The correct order must list every item exactly once."))
        )
    _check_scoring("ordering", data, problems)


def _validate_matching(data: Mapping[str, Any], problems: list[str]) -> None:
    premises = _check_entries(data.get("premises"), "premise", 2, problems)
    responses = _check_entries(data.get("responses"), "response", 2, problems)
    _check_unique(premises + responses, problems)
    correct = data.get("correct")
    if not isinstance(correct, Mapping):
        problems.append(
            Problem(gettext_noop("The correct pairs must map premise ids to response ids."))
        )
    else:
        for premise, response in correct.items():
            if premise not in premises:
                problems.append(
                    Problem(
                        gettext_noop("The correct pairs name an unknown premise “{premise}”."),
                        premise=premise,
                    )
                )
            if not _is_id(response) or response not in responses:
                problems.append(
                    Problem(
                        "The premise “{premise}” is paired with an unknown response {value}.",
                        premise=premise,
                        value=_show(response),
                    )
                )
        for premise in premises:
            if premise not in correct:
                problems.append(
                    Problem(
                        gettext_noop("The premise “{premise}” has no correct response."),
                        premise=premise,
                    )
                )
    _check_scoring("matching", data, problems)


def _validate_region(
    position: int, region: Any, width: float, height: float, problems: list[str]
) -> None:
    if not isinstance(region, Mapping):
        problems.append(
            Problem(gettext_noop("Region {position} must be an object."), position=position)
        )
        return
    name = f"“{region['id']}”" if _is_id(region.get("id")) else str(position)
    if not _is_id(region.get("id")):
        problems.append(Problem(gettext_noop("Region {position} has no id."), position=position))
    label = region.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.append(Problem(gettext_noop("Region {region} has no label."), region=name))
    shape, coords = region.get("shape"), region.get("coords")
    if shape == "rect":
        if not (isinstance(coords, list) and len(coords) == 4 and all(map(_is_number, coords))):
            problems.append(
                Problem(
                    gettext_noop(
                        "Region {region}: a rectangle needs four numbers [x, y, width, height]."
                    ),
                    region=name,
                )
            )
            return
        x, y, w, h = coords
        if w <= 0 or h <= 0:
            problems.append(
                Problem(
                    gettext_noop(
                        "Region {region}: the rectangle must have a positive width and height."
                    ),
                    region=name,
                )
            )
        if x < 0 or y < 0 or x + w > width or y + h > height:
            problems.append(
                Problem(gettext_noop("Region {region} extends outside the image."), region=name)
            )
    elif shape == "polygon":
        if not isinstance(coords, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(map(_is_number, p)) for p in coords
        ):
            problems.append(
                Problem(
                    gettext_noop("Region {region}: a polygon needs a list of [x, y] points."),
                    region=name,
                )
            )
            return
        if len(coords) < 3:
            problems.append(
                Problem(
                    gettext_noop(
                        "Region {region}: a polygon needs at least 3 points; it has {count}."
                    ),
                    region=name,
                    count=len(coords),
                )
            )
            return
        if any(not (0 <= px <= width and 0 <= py <= height) for px, py in coords):
            problems.append(
                Problem(gettext_noop("Region {region} extends outside the image."), region=name)
            )
        doubled_area = sum(
            coords[i][0] * coords[(i + 1) % len(coords)][1]
            - coords[(i + 1) % len(coords)][0] * coords[i][1]
            for i in range(len(coords))
        )
        if doubled_area == 0:
            problems.append(
                Problem(gettext_noop("Region {region}: the polygon has no area."), region=name)
            )
    else:
        problems.append(
            Problem(
                gettext_noop("Region {region}: unknown shape {value}; use rect or polygon."),
                region=name,
                value=_show(shape),
            )
        )


def _validate_hotspot(data: Mapping[str, Any], problems: list[str]) -> None:
    image = data.get("image")
    width = height = math.inf
    if not isinstance(image, Mapping):
        problems.append(Problem(gettext_noop("The image (width, height, alt) is missing.")))
    else:
        w, h = image.get("width"), image.get("height")
        if _is_number(w) and _is_number(h) and w > 0 and h > 0:
            width, height = w, h
        else:
            problems.append(
                Problem(gettext_noop("The image width and height must be positive numbers."))
            )
        alt = image.get("alt")
        if not isinstance(alt, str) or not alt.strip():
            problems.append(Problem(gettext_noop("The image needs a text alternative (alt).")))
    regions = data.get("regions")
    if not isinstance(regions, list) or not regions:
        problems.append(Problem(gettext_noop("At least one region is needed.")))
        regions = regions if isinstance(regions, list) else []
    for position, region in enumerate(regions, start=1):
        _validate_region(position, region, width, height, problems)
    _check_unique(_ids(regions), problems)
    targets = data.get("targets")
    if targets is None:
        problems.append(Problem(gettext_noop("The targets setting is missing; use any or all.")))
    elif targets not in HOTSPOT_TARGETS:
        problems.append(
            Problem(gettext_noop("Unknown targets {value}; use any or all."), value=_show(targets))
        )
    max_clicks = data.get("max_clicks")
    if not isinstance(max_clicks, int) or isinstance(max_clicks, bool) or max_clicks < 1:
        problems.append(
            Problem(
                gettext_noop("The maximum number of clicks must be a whole number of at least 1.")
            )
        )
    elif targets == "all" and max_clicks < len(regions):
        problems.append(
            Problem(
                "With targets “all”, at least {count} clicks must be allowed "
                "(one per region); the maximum is {maximum}.",
                count=len(regions),
                maximum=max_clicks,
            )
        )
    penalty = data.get("wrong_click_penalty")
    if not _is_number(penalty) or not 0 <= penalty <= 1:
        problems.append(
            Problem(gettext_noop("The wrong-click penalty must be a number from 0 to 1."))
        )


_VALIDATORS = {
    "single_choice": _validate_single_choice,
    "multiple_response": _validate_multiple_response,
    "true_false": _validate_true_false,
    "numeric": _validate_numeric,
    "ordering": _validate_ordering,
    "matching": _validate_matching,
    "hotspot": _validate_hotspot,
}


def validate_question(qtype: str, data: dict[str, Any]) -> list[Problem]:
    """The problems of an authored question's ``data``; empty when fine. Each reads as
    plain English and translates with :meth:`Problem.translated`."""
    if qtype not in QUESTION_TYPES:
        return [Problem(gettext_noop("Unknown question type {value}."), value=_show(qtype))]
    if not isinstance(data, Mapping):
        return [Problem(gettext_noop("The question data must be an object."))]
    problems: list[str] = []
    _VALIDATORS[qtype](data, problems)
    return problems


# -------------------------------------------------------------- response normalization

_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def parse_number(text: str) -> float:
    """Parses a number as typed by an officer: ``"5"``, ``" 5 "``, ``"5.0"``, ``"5,5"``
    (decimal comma), ``"-2"``. Raises :class:`ResponseError` (``not_a_number``) for
    anything else, blank text included."""
    if not isinstance(text, str):
        raise ResponseError("not_a_number", value=_show(text))
    cleaned = text.strip().translate(_MINUS_SIGNS)
    if len(cleaned) > MAX_NUMBER_LENGTH or not _NUMBER_RE.fullmatch(cleaned):
        raise ResponseError("not_a_number", value=_show(text.strip()))
    value = float(cleaned.replace(",", "."))
    if not math.isfinite(value):  # pragma: no cover - excluded by the length limit
        raise ResponseError("not_a_number", value=_show(text.strip()))
    return value + 0.0  # no -0.0


def empty_response(qtype: str) -> dict[str, Any]:
    """The canonical blank response of a type (grades 0)."""
    blank: dict[str, Any] = {
        "single_choice": None,
        "multiple_response": [],
        "true_false": None,
        "numeric": None,
        "ordering": [],
        "matching": {},
        "hotspot": [],
    }
    if qtype not in blank:
        raise ValueError(f"unknown question type {qtype!r}")
    value = blank[qtype]
    return {RESPONSE_FIELDS[qtype]: value.copy() if isinstance(value, list | dict) else value}


def is_blank(qtype: str, response: Mapping[str, Any] | None) -> bool:
    """Whether a canonical response is the blank one."""
    return response is None or dict(response) == empty_response(qtype)


def _norm_single_choice(data: Mapping[str, Any], value: Any) -> Any:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ResponseError("wrong_shape")
    if value not in _ids(data.get("options")):
        raise ResponseError("unknown_option", value=_show(value))
    return value


def _norm_multiple_response(data: Mapping[str, Any], value: Any) -> Any:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ResponseError("wrong_shape")
    ids = _ids(data.get("options"))
    for ident in value:
        if ident not in ids:
            raise ResponseError("unknown_option", value=_show(ident))
    return sorted(set(value))


def _norm_true_false(data: Mapping[str, Any], value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    raise ResponseError("wrong_shape")


def _norm_numeric(data: Mapping[str, Any], value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return parse_number(value)
    if _is_number(value):
        return float(value) + 0.0
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ResponseError("not_a_number", value=_show(value))
    raise ResponseError("wrong_shape")


def _norm_ordering(data: Mapping[str, Any], value: Any) -> Any:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ResponseError("wrong_shape")
    if not value:
        return []
    ids = _ids(data.get("items"))
    seen: set[str] = set()
    for ident in value:
        if ident not in ids:
            raise ResponseError("unknown_option", value=_show(ident))
        if ident in seen:
            raise ResponseError("duplicate", value=_show(ident))
        seen.add(ident)
    if len(seen) != len(set(ids)):
        raise ResponseError(
            "incomplete_order", count=len(set(ids)), missing=len(set(ids)) - len(seen)
        )
    return list(value)


def _norm_matching(data: Mapping[str, Any], value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ResponseError("wrong_shape")
    premises = _ids(data.get("premises"))
    responses = _ids(data.get("responses"))
    pairs: dict[str, str] = {}
    for premise, response in value.items():
        if not isinstance(premise, str) or premise not in premises:
            raise ResponseError("unknown_option", value=_show(premise))
        if response is None or response == "":
            continue
        if not isinstance(response, str):
            raise ResponseError("wrong_shape")
        if response not in responses:
            raise ResponseError("unknown_option", value=_show(response))
        pairs[premise] = response
    return dict(sorted(pairs.items()))


def _norm_hotspot(data: Mapping[str, Any], value: Any) -> Any:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ResponseError("wrong_shape")
    max_clicks = _max_clicks(data)
    if len(value) > max_clicks:
        raise ResponseError("too_many_clicks", max_clicks=max_clicks, count=len(value))
    image = data.get("image") or {}
    width, height = image.get("width", 0), image.get("height", 0)
    clicks: list[list[float]] = []
    for index, click in enumerate(value, start=1):
        if not isinstance(click, list | tuple) or len(click) != 2:
            raise ResponseError("wrong_shape")
        for coordinate in click:
            if isinstance(coordinate, bool) or not isinstance(coordinate, int | float):
                raise ResponseError("wrong_shape")
            if not math.isfinite(coordinate):
                raise ResponseError("not_a_number", value=_show(coordinate))
        x, y = float(click[0]) + 0.0, float(click[1]) + 0.0
        if not (0 <= x <= width and 0 <= y <= height):
            raise ResponseError(
                "outside_image",
                index=index,
                x=_number_text(x),
                y=_number_text(y),
                width=_number_text(width),
                height=_number_text(height),
            )
        clicks.append([x, y])
    return clicks


_NORMALIZERS = {
    "single_choice": _norm_single_choice,
    "multiple_response": _norm_multiple_response,
    "true_false": _norm_true_false,
    "numeric": _norm_numeric,
    "ordering": _norm_ordering,
    "matching": _norm_matching,
    "hotspot": _norm_hotspot,
}


def normalize_response(qtype: str, data: dict[str, Any], response: Any) -> dict[str, Any]:
    """Checks ``response`` against the question and returns its canonical form.

    Canonical forms: ``{"option": id | None}``, ``{"options": [sorted unique ids]}``,
    ``{"value": bool | None}`` (true/false), ``{"value": float | None}`` (numeric),
    ``{"order": [ids]}`` (complete, or empty), ``{"pairs": {premise: response}}`` (sorted,
    answered premises only), ``{"clicks": [[x, y], ...]}`` (floats). ``None`` or a blank
    answer gives :func:`empty_response`. Idempotent. Raises :class:`ResponseError` when the
    response does not fit, and ``ValueError`` for an unknown question type.
    """
    if qtype not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {qtype!r}")
    if response is None:
        return empty_response(qtype)
    if not isinstance(response, Mapping):
        raise ResponseError("wrong_shape")
    name = RESPONSE_FIELDS[qtype]
    for key in response:
        if key != name:
            raise ResponseError("unexpected_field", field=_show(key))
    if name not in response:
        raise ResponseError("missing_field", field=name)
    return {name: _NORMALIZERS[qtype](data, response[name])}


# ------------------------------------------------------------------------------ grading


def _grade_single_choice(data: Mapping[str, Any], chosen: Any) -> tuple[Fraction, dict]:
    correct = data.get("correct")
    return Fraction(int(chosen is not None and chosen == correct)), {
        "chosen": chosen,
        "correct_option": correct,
    }


def _grade_multiple_response(data: Mapping[str, Any], chosen: Any) -> tuple[Fraction, dict]:
    options = _ids(data.get("options"))
    correct = set(data.get("correct") or [])
    chosen_set = set(chosen)
    right = sorted(chosen_set & correct)
    wrong = sorted(chosen_set - correct)
    missed = sorted(correct - chosen_set)
    rule = _scoring("multiple_response", data)
    if not chosen:
        fraction = Fraction(0)
    elif rule == "right_minus_wrong":
        # Each right choice earns 1/(correct options), each wrong one costs 1/(wrong
        # options): ticking every box earns 0, whatever the share of correct options.
        distractors = max(1, len(options) - len(correct))
        earned = Fraction(len(right), max(1, len(correct))) - Fraction(len(wrong), distractors)
        fraction = max(Fraction(0), earned)
    elif rule == "per_option":
        rightly = sum(1 for o in options if (o in chosen_set) == (o in correct))
        fraction = Fraction(rightly, max(1, len(options)))
    else:
        fraction = Fraction(int(chosen_set == correct))
    return fraction, {
        "scoring": rule,
        "chosen": list(chosen),
        "right": right,
        "wrong": wrong,
        "missed": missed,
        "correct_options": [o for o in options if o in correct],
    }


def _grade_true_false(data: Mapping[str, Any], chosen: Any) -> tuple[Fraction, dict]:
    correct = data.get("correct")
    return Fraction(int(chosen is not None and chosen is correct)), {
        "chosen": chosen,
        "correct_value": correct,
    }


def _grade_numeric(data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict]:
    answer = data.get("answer")
    tolerance = data.get("tolerance", 0)
    tolerance = tolerance if _is_number(tolerance) and tolerance >= 0 else 0
    detail: dict[str, Any] = {
        "value": value,
        "answer": answer,
        "tolerance": tolerance,
        "difference": None,
    }
    if value is None or not _is_number(answer):
        return Fraction(0), detail
    difference = abs(Decimal(repr(float(value))) - Decimal(repr(float(answer))))
    detail["difference"] = float(difference)
    return Fraction(int(difference <= Decimal(repr(float(tolerance))))), detail


def _grade_ordering(data: Mapping[str, Any], order: Any) -> tuple[Fraction, dict]:
    correct = list(data.get("correct_order") or [])
    rule = _scoring("ordering", data)
    expected_pairs = list(pairwise(correct))
    given_pairs = set(pairwise(order))
    pairs_right = [list(p) for p in expected_pairs if p in given_pairs]
    if not order:
        fraction = Fraction(0)
    elif rule == "adjacent_pairs" and expected_pairs:
        fraction = Fraction(len(pairs_right), len(expected_pairs))
    else:
        fraction = Fraction(int(list(order) == correct))
    return fraction, {
        "scoring": rule,
        "order": list(order),
        "correct_order": correct,
        "in_place": [i for i, c in zip(order, correct, strict=False) if i == c],
        "pairs_right": pairs_right,
        "pairs_total": len(expected_pairs),
    }


def _grade_matching(data: Mapping[str, Any], pairs: Any) -> tuple[Fraction, dict]:
    premises = _ids(data.get("premises"))
    correct = data.get("correct") or {}
    rule = _scoring("matching", data)
    right = [p for p in premises if p in pairs and pairs[p] == correct.get(p)]
    wrong = [p for p in premises if p in pairs and pairs[p] != correct.get(p)]
    unanswered = [p for p in premises if p not in pairs]
    if not pairs or not premises:
        fraction = Fraction(0)
    elif rule == "per_premise":
        fraction = Fraction(len(right), len(premises))
    else:
        fraction = Fraction(int(len(right) == len(premises)))
    return fraction, {
        "scoring": rule,
        "pairs": dict(pairs),
        "right": right,
        "wrong": wrong,
        "unanswered": unanswered,
        "correct_pairs": {p: correct.get(p) for p in premises},
    }


def _grade_hotspot(data: Mapping[str, Any], clicks: Any) -> tuple[Fraction, dict]:
    regions = [
        r for r in data.get("regions") or [] if isinstance(r, Mapping) and _is_id(r.get("id"))
    ]
    targets = data.get("targets", "any")
    targets = targets if targets in HOTSPOT_TARGETS else "any"
    penalty = Fraction(_penalty(data))
    click_details = []
    hit: set[str] = set()
    wrong_clicks = 0
    for x, y in clicks:
        regions_hit = _regions_hit(x, y, regions)
        hit.update(regions_hit)
        wrong_clicks += not regions_hit
        click_details.append({"x": x, "y": y, "regions": regions_hit})
    region_ids = [r["id"] for r in regions]
    if not clicks or not region_ids:
        base = Fraction(0)
    elif targets == "all":
        base = Fraction(sum(1 for r in region_ids if r in hit), len(region_ids))
    else:
        base = Fraction(int(bool(hit)))
    fraction = max(Fraction(0), base - penalty * wrong_clicks)
    return fraction, {
        "targets": targets,
        "clicks": click_details,
        "regions_hit": [r for r in region_ids if r in hit],
        "regions_missed": [r for r in region_ids if r not in hit],
        "wrong_clicks": wrong_clicks,
        "penalty": float(penalty * wrong_clicks),
    }


_GRADERS = {
    "single_choice": _grade_single_choice,
    "multiple_response": _grade_multiple_response,
    "true_false": _grade_true_false,
    "numeric": _grade_numeric,
    "ordering": _grade_ordering,
    "matching": _grade_matching,
    "hotspot": _grade_hotspot,
}


def grade(qtype: str, data: dict[str, Any], response: dict[str, Any] | None) -> Grade:
    """Grades a response by the rules of ``QUESTION_FORMAT.md``.

    The response is normalized first (so a raw or an already canonical response both
    work; a malformed one raises :class:`ResponseError`). ``None`` or a blank response
    grades 0 with ``detail["blank"] == True``.
    """
    canonical = normalize_response(qtype, data, response)
    blank = is_blank(qtype, canonical)
    fraction, detail = _GRADERS[qtype](data, canonical[RESPONSE_FIELDS[qtype]])
    value = 0.0 if blank else _rounded(fraction)
    return Grade(fraction=value, correct=value == 1.0, detail={"blank": blank, **detail})


def score_attempt(items: Sequence[tuple[float, Grade]]) -> tuple[float, float, float]:
    """``(score, max_score, percent)`` of an attempt from ``(points, grade)`` pairs.

    Score and maximum are rounded to 6 decimals, the percent (0..100) too; an attempt
    worth 0 points scores 0 %. Raises ``ValueError`` for negative or non-finite points.
    """
    score = Fraction(0)
    maximum = Fraction(0)
    for points, item_grade in items:
        if not _is_number(points) or points < 0:
            raise ValueError(f"points must be a finite number >= 0, not {points!r}")
        score += Fraction(points) * Fraction(item_grade.fraction)
        maximum += Fraction(points)
    percent = score * 100 / maximum if maximum else Fraction(0)
    return (
        round(float(score), FRACTION_DECIMALS) + 0.0,
        round(float(maximum), FRACTION_DECIMALS) + 0.0,
        round(float(percent), FRACTION_DECIMALS) + 0.0,
    )
