"""Numeric: a number within a tolerance of an answer, optionally with units.

Two shapes of ``data`` (``QUESTION_FORMAT.md``):

- the original ``{"answer", "tolerance", "unit"?}``: one answer at full credit; ``unit`` is
  a label shown after the field (text per language). Unchanged: the response is a bare
  number and its canonical form ``{"value": float | None}``.
- the extended ``{"answers": [...], "units": [...], "unit_handling", "unit_penalty"}``
  (Moodle's numerical): several answers, each ``{"value", "tolerance", "fraction",
  "feedback"?, "id"?}``; the first answer (in the authored order) whose tolerance holds
  gives its fraction and feedback. An answer whose ``value`` is ``null`` is the "any
  other answer" of GIFT and Moodle (``*``): it matches every number that reached it, so
  it comes last; it has no tolerance. An ``id`` lets the texts give the answer's feedback
  per language (``texts[lang]["answers"][id]["feedback"]``).

Units (extended shape): ``units`` is a list of ``{"unit": "kg", "multiplier": 1}``; as in
Moodle, a value typed in a unit is divided by its multiplier before it is compared with the
answers, which are given in the unit of multiplier 1 (``{"unit": "t", "multiplier":
0.001}``: ``0.0125 t`` is 12.5 kg). ``unit_handling``:

- ``none``: no units (the list must be empty): a bare number, as the original shape;
- ``optional``: the officer may add a unit of the list; a number without one is taken in
  the unit of multiplier 1;
- ``required``: the officer must add one; a number without a unit is graded as in the
  unit of multiplier 1 and loses ``unit_penalty`` (a fraction of the question's points,
  0..1; the result is floored at 0).

With ``optional`` or ``required``, a unit that is not one of the list is refused
(``unknown_unit``, naming the units): the officer can correct it, rather than losing the
points to a typo. Units are matched exactly, or ignoring case when that names a single
unit of the list (``KG`` is ``kg``, but ``T`` is not ``t`` when both exist). The unit may
follow the number with or without a space (``12,5 kg``, ``12.5kg``).

Canonical responses: without units (original shape, or ``unit_handling`` ``none``), the
float, as before (``{"value": 12.5}``). With units, the text ``"<number> <unit>"`` or
``"<number>"`` when no unit was given: the number written with a point, no exponent, no
``+`` and no trailing zeros (``"12.5 kg"``, ``"0.0125 t"``, ``"600"``), the unit as the
question spells it. Both are idempotent. The public view lists the unit names (never the
multipliers, answers or tolerances) when the officer may give one.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import (
    TOP_ANSWERS,
    Problem,
    QuestionType,
    ResponseError,
    check_fraction,
    check_unique,
    gettext_noop,
    is_id,
    is_number,
    number_text,
    parse_number,
    show,
)

if TYPE_CHECKING:
    from ..gift import GiftQuestionReader, GiftQuestionWriter
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter

UNIT_HANDLING: tuple[str, ...] = ("none", "optional", "required")

MAX_UNIT_CHARS = 20
"""Longest unit name (characters)."""

MAX_VALUE_CHARS = 80
"""Longest response text accepted with units (number, spaces and unit)."""

_MAX_CANONICAL_NUMBER = 60
_WITH_UNIT = re.compile(r"([+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+))\s*(.*)", re.ASCII | re.DOTALL)
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def is_extended(data: Mapping[str, Any]) -> bool:
    """Whether the question has the extended shape (``answers``)."""
    return "answers" in data


def units_of(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The question's usable units, in the authored order."""
    units = data.get("units")
    if not isinstance(units, list):
        return []
    return [
        u
        for u in units
        if isinstance(u, Mapping)
        and isinstance(u.get("unit"), str)
        and u["unit"].strip()
        and is_number(u.get("multiplier"))
        and u["multiplier"] > 0
    ]


def unit_handling(data: Mapping[str, Any]) -> str:
    """``none``, ``optional`` or ``required``: ``none`` for the original shape, and when
    the question names no handling it knows (``optional`` then if it lists units)."""
    if not is_extended(data):
        return "none"
    handling = data.get("unit_handling")
    if handling in UNIT_HANDLING:
        return handling
    return "optional" if units_of(data) else "none"


def takes_units(data: Mapping[str, Any]) -> bool:
    """Whether the officer may type a unit (and the canonical response is text)."""
    return unit_handling(data) != "none" and bool(units_of(data))


def plain_number(value: float) -> str:
    """A float written for the canonical text: a point, no exponent, no ``+``, no trailing
    zeros (``600``, ``12.5``, ``0.00001``)."""
    if float(value).is_integer() and abs(value) < 1e15:
        return number_text(value)
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def find_unit(data: Mapping[str, Any], typed: str) -> Mapping[str, Any] | None:
    """The unit of the list the officer typed: exactly, else ignoring case when that names
    one unit only."""
    wanted = re.sub(r"\s+", " ", typed.strip())
    units = units_of(data)
    for unit in units:
        if unit["unit"].strip() == wanted:
            return unit
    folded = [u for u in units if u["unit"].strip().casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


def split_value(data: Mapping[str, Any], text: str) -> tuple[float, Mapping[str, Any] | None]:
    """The number and the unit (``None`` when none was given) of a response typed for a
    question with units. Raises :class:`ResponseError`: ``not_a_number``, ``unknown_unit``."""
    cleaned = text.strip().translate(_MINUS_SIGNS)
    found = _WITH_UNIT.fullmatch(cleaned) if len(cleaned) <= MAX_VALUE_CHARS else None
    if found is None:
        raise ResponseError("not_a_number", value=show(text.strip()))
    number = float(found.group(1).replace(",", "."))
    if not math.isfinite(number) or len(plain_number(number)) > _MAX_CANONICAL_NUMBER:
        raise ResponseError("not_a_number", value=show(text.strip()))
    typed_unit = found.group(2).strip()
    if not typed_unit:
        return number + 0.0, None
    if re.match(r"[0-9.,+\-]|[eE][+-]?[0-9]", typed_unit):  # 1.2.3, 1e3: not a number
        raise ResponseError("not_a_number", value=show(text.strip()))
    unit = find_unit(data, typed_unit)
    if unit is None:
        names = ", ".join(u["unit"].strip() for u in units_of(data))
        raise ResponseError("unknown_unit", value=show(typed_unit), units=names)
    return number + 0.0, unit


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def is_catch_all(answer: Mapping[str, Any]) -> bool:
    """Moodle's "any other answer" (``*``): an answer whose value is ``null``."""
    return answer.get("value") is None


def answers_of(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The question's answers as ``{"value", "tolerance", "fraction", "feedback"?}``: the
    extended list, or the original shape's one answer at full credit."""
    if not is_extended(data):
        return [{"value": data.get("answer"), "tolerance": data.get("tolerance", 0), "fraction": 1}]
    answers = data.get("answers")
    return [a for a in answers if isinstance(a, Mapping)] if isinstance(answers, list) else []


def first_match(
    answers: Iterable[Mapping[str, Any]], number: Decimal
) -> tuple[int, Mapping[str, Any]] | None:
    """The first answer (index, answer) whose tolerance holds for ``number`` (already in
    the unit of multiplier 1), or the catch-all when it comes first; ``None`` otherwise.
    The comparison is decimal, so that |0.4 - 0.3| <= 0.1 holds."""
    for index, answer in enumerate(answers):
        if is_catch_all(answer):
            return index, answer
        value, tolerance = answer.get("value"), answer.get("tolerance", 0)
        if not is_number(value):
            continue
        tolerance = tolerance if is_number(tolerance) and tolerance >= 0 else 0
        if abs(number - _decimal(value)) <= _decimal(tolerance):
            return index, answer
    return None


def credit(answer: Mapping[str, Any]) -> Fraction:
    fraction = answer.get("fraction", 1)
    if not is_number(fraction):
        return Fraction(0)
    return min(Fraction(1), max(Fraction(0), Fraction(repr(float(fraction)))))


_ANSWER_MESSAGES = {
    "object": gettext_noop("Answer {position} must be an object."),
    "value": gettext_noop(
        "The value of answer {position} must be a finite number (or null for “any other answer”)."
    ),
    "tolerance": gettext_noop("The tolerance of answer {position} must be a number of 0 or more."),
    "feedback": gettext_noop("The feedback of answer {position} must be text."),
    "id": gettext_noop("The id of answer {position} must be text."),
}


class Numeric(QuestionType):
    name = "numeric"
    label = gettext_noop("Numeric")
    response_field = "value"
    blank = None
    public_keys = ("unit",)

    editor_script = "js/question_editor/numeric.js"
    editor_strings: ClassVar[dict[str, str]] = {
        "answers": gettext_noop("Answers"),
        "answer": gettext_noop("Answer"),
        "value": gettext_noop("Number"),
        "valueHelp": gettext_noop(
            "The first answer whose tolerance holds gives its credit; an empty number is "
            "any other answer (put it last)."
        ),
        "tolerance": gettext_noop("Tolerance (±)"),
        "credit": gettext_noop("Credit"),
        "feedback": gettext_noop("Feedback"),
        "addAnswer": gettext_noop("Add an answer"),
        "units": gettext_noop("Units"),
        "unitHandling": gettext_noop("The officer"),
        "units_none": gettext_noop("types a number only"),
        "units_optional": gettext_noop("may add a unit"),
        "units_required": gettext_noop("must add a unit"),
        "unitsHelp": gettext_noop(
            "Answers are in the unit whose multiplier is 1; a number typed in another unit "
            "is divided by its multiplier (t: 0.001 when answers are in kg)."
        ),
        "unit": gettext_noop("Unit"),
        "unitName": gettext_noop("Unit"),
        "multiplier": gettext_noop("Multiplier"),
        "addUnit": gettext_noop("Add a unit"),
        "unitPenalty": gettext_noop("Share of the points lost without a unit (0 to 1)"),
    }

    # --- authoring ---------------------------------------------------------------------
    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        if is_extended(data):
            self._validate_extended(data, problems)
            self._check_label(data, problems)
            return
        if not is_number(data.get("answer")):
            problems.append(Problem(gettext_noop("The answer must be a finite number.")))
        tolerance = data.get("tolerance")
        if not is_number(tolerance):
            problems.append(
                Problem(
                    gettext_noop("The tolerance must be a finite number (0 for an exact answer).")
                )
            )
        elif tolerance < 0:
            problems.append(Problem(gettext_noop("The tolerance cannot be negative.")))
        self._check_label(data, problems)

    def _check_label(self, data: Mapping[str, Any], problems: list[str]) -> None:
        if "unit" in data and not isinstance(data["unit"], str):
            problems.append(Problem(gettext_noop("The unit must be text.")))

    def _validate_extended(self, data: Mapping[str, Any], problems: list[str]) -> None:
        answers = data.get("answers")
        if not isinstance(answers, list) or not answers:
            problems.append(Problem(gettext_noop("At least one answer is needed.")))
            answers = answers if isinstance(answers, list) else []
        full = False
        idents: list[str] = []
        for position, answer in enumerate(answers, start=1):
            if not isinstance(answer, Mapping):
                problems.append(Problem(_ANSWER_MESSAGES["object"], position=position))
                continue
            value = answer.get("value")
            if value is not None and not is_number(value):
                problems.append(Problem(_ANSWER_MESSAGES["value"], position=position))
            tolerance = answer.get("tolerance", 0)
            if not is_number(tolerance) or tolerance < 0:
                problems.append(Problem(_ANSWER_MESSAGES["tolerance"], position=position))
            check_fraction(answer.get("fraction"), f"answer {position}", problems)
            if answer.get("fraction") == 1 and is_number(value):
                full = True
            if answer.get("feedback") is not None and not isinstance(answer.get("feedback"), str):
                problems.append(Problem(_ANSWER_MESSAGES["feedback"], position=position))
            if "id" in answer:
                if is_id(answer["id"]):
                    idents.append(answer["id"])
                else:
                    problems.append(Problem(_ANSWER_MESSAGES["id"], position=position))
        check_unique(idents, problems)
        if answers and not full:
            problems.append(
                Problem(
                    gettext_noop("At least one answer with a number must give full credit (1).")
                )
            )
        units = data.get("units", [])
        if not isinstance(units, list):
            problems.append(Problem(gettext_noop("The units must be a list.")))
            units = []
        names: list[str] = []
        for position, unit in enumerate(units, start=1):
            name = unit.get("unit") if isinstance(unit, Mapping) else None
            if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_UNIT_CHARS:
                problems.append(
                    Problem(
                        gettext_noop("Unit {position} needs a name of 1 to {limit} characters."),
                        position=position,
                        limit=MAX_UNIT_CHARS,
                    )
                )
            elif re.match(r"[+\-.,0-9]", name.strip()):
                problems.append(
                    Problem(
                        gettext_noop("Unit {position} must not start with a digit or a sign."),
                        position=position,
                    )
                )
            else:
                names.append(name.strip())
            multiplier = unit.get("multiplier") if isinstance(unit, Mapping) else None
            if not is_number(multiplier) or multiplier <= 0:
                problems.append(
                    Problem(
                        gettext_noop("The multiplier of unit {position} must be a number above 0."),
                        position=position,
                    )
                )
        if len({n for n in names}) != len(names):
            problems.append(Problem(gettext_noop("A unit is listed more than once.")))
        handling = data.get("unit_handling", "optional" if units else "none")
        if handling not in UNIT_HANDLING:
            problems.append(
                Problem(
                    gettext_noop("Unknown unit handling {value}; use one of: {allowed}."),
                    value=show(handling),
                    allowed=", ".join(UNIT_HANDLING),
                )
            )
        elif handling == "none" and units:
            problems.append(
                Problem(
                    gettext_noop(
                        "Units are listed but not used: make the unit optional or required, "
                        "or remove the units."
                    )
                )
            )
        elif handling != "none" and not units:
            problems.append(
                Problem(gettext_noop("A unit is optional or required, but no unit is listed."))
            )
        penalty = data.get("unit_penalty", 0)
        if not is_number(penalty) or not 0 <= penalty <= 1:
            problems.append(Problem(gettext_noop("The unit penalty must be a number from 0 to 1.")))

    # --- delivery ----------------------------------------------------------------------
    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if takes_units(data):
            if is_number(value):
                return plain_number(float(value))
            if not isinstance(value, str):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    raise ResponseError("not_a_number", value=show(value))
                raise ResponseError("wrong_shape")
            number, unit = split_value(data, value)
            text = plain_number(number)
            return f"{text} {unit['unit'].strip()}" if unit is not None else text
        if isinstance(value, str):
            return parse_number(value)
        if is_number(value):
            return float(value) + 0.0
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ResponseError("not_a_number", value=show(value))
        raise ResponseError("wrong_shape")

    def public_extra(self, full: Mapping[str, Any], view: dict[str, Any]) -> None:
        if takes_units(full):
            view["units"] = [u["unit"].strip() for u in units_of(full)]
            view["unit_required"] = unit_handling(full) == "required"

    # --- grading -----------------------------------------------------------------------
    def grade(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict]:
        if not is_extended(data):
            return self._grade_original(data, value)
        detail: dict[str, Any] = {
            "value": value,
            "unit": None,
            "converted": None,
            "matched": None,
            "feedback": "",
            "unit_penalty": 0,
            # The unit the answers are given in (multiplier 1), for the review.
            "base_unit": next(
                (u["unit"].strip() for u in units_of(data) if u["multiplier"] == 1), None
            ),
            "answers": [
                {
                    "value": a.get("value"),
                    "tolerance": a.get("tolerance", 0),
                    "fraction": float(credit(a)),
                }
                for a in answers_of(data)
                if not is_catch_all(a) and credit(a) > 0
            ],
        }
        if value is None:
            return Fraction(0), detail
        if takes_units(data):
            number, unit = split_value(data, str(value))
        else:
            number, unit = float(value), None
        converted = _decimal(number)
        if unit is not None:
            converted = converted / _decimal(unit["multiplier"])
            detail["unit"] = unit["unit"].strip()
        detail["converted"] = float(converted)
        answers = answers_of(data)
        found = first_match(answers, converted)
        if found is None:
            return Fraction(0), detail
        index, answer = found
        feedback = answer.get("feedback")
        detail["matched"] = index
        detail["feedback"] = feedback if isinstance(feedback, str) else ""
        fraction = credit(answer)
        if unit is None and takes_units(data) and unit_handling(data) == "required":
            penalty = data.get("unit_penalty", 0)
            penalty = penalty if is_number(penalty) and 0 <= penalty <= 1 else 0
            detail["unit_penalty"] = penalty
            fraction = max(Fraction(0), fraction - Fraction(repr(float(penalty))))
        return fraction, detail

    def review_view(
        self, question: Mapping[str, Any], answer: Any, stem: str = ""
    ) -> dict[str, Any]:
        """The grading detail in the officer's language: the matched answer, its feedback,
        the accepted answers, the unit given or missing."""
        value = answer.get(self.response_field) if isinstance(answer, Mapping) else None
        try:
            return self.grade(question, self.normalize(question, value))[1]
        except ResponseError:
            return {}

    def _grade_original(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict]:
        answer = data.get("answer")
        tolerance = data.get("tolerance", 0)
        tolerance = tolerance if is_number(tolerance) and tolerance >= 0 else 0
        detail: dict[str, Any] = {
            "value": value,
            "answer": answer,
            "tolerance": tolerance,
            "difference": None,
        }
        if value is None or not is_number(answer):
            return Fraction(0), detail
        difference = abs(Decimal(repr(float(value))) - Decimal(repr(float(answer))))
        detail["difference"] = float(difference)
        return Fraction(int(difference <= Decimal(repr(float(tolerance))))), detail

    # --- item analysis -----------------------------------------------------------------
    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        """Numbers as before (``"12.5"``); answers given for a question with units by their
        canonical text (``"12.5 kg"``), so that the counts read as the officers wrote them.
        The :data:`~.base.TOP_ANSWERS` most frequent, by count then key."""
        counts: Counter[str] = Counter()
        for value in values:
            if isinstance(value, str) and value.strip():
                counts[value] += 1
            elif is_number(value):
                counts[json.dumps(value)] += 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return dict(ranked[:TOP_ANSWERS])

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("numerical",)

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``numerical``: one answer at 100 % without units or feedback keeps the
        original shape ``{answer, tolerance}``; otherwise the extended one: every answer
        with its tolerance, grade and feedback (``*`` is the "any other answer",
        ``value`` null), the units with their multipliers, ``unitgradingtype`` 0 as
        ``optional`` (else ``required``) and ``unitpenalty``."""
        from decimal import Decimal

        from ..interchange.moodlexml import json_number

        answers = q.answers()
        if not answers:
            q.reject("too_few_answers", minimum=1, count=0)
        entries = []
        for answer in answers:
            raw = answer.text.strip()
            entry: dict[str, Any]
            if raw == "*":
                entry = {"value": None, "fraction": q.grade(answer)}
            else:
                tolerance = q.number("tolerance", Decimal(0), element=answer.element)
                entry = {
                    "value": json_number(q.decimal(raw, f"answer {answer.number}")),
                    "tolerance": json_number(abs(tolerance or Decimal(0))),
                    "fraction": q.grade(answer),
                }
            if answer.feedback:
                entry["feedback"] = answer.feedback
            entries.append(entry)
        if not any(e["fraction"] == 1 for e in entries):
            q.reject("no_full_credit")
        units = []
        for unit in q.findall("units/unit"):
            name = q.value("unit_name", element=unit)
            multiplier = q.number("multiplier", Decimal(1), element=unit) or Decimal(1)
            if name:
                units.append({"unit": name, "multiplier": json_number(multiplier)})
        for key in ("showunits", "unitsleft"):
            if q.find(key) is not None:
                q.keep(key, q.value(key))
        only = entries[0]
        if len(entries) == 1 and only["value"] is not None and not units and "feedback" not in only:
            return "numeric", {"answer": only["value"], "tolerance": only["tolerance"]}
        grading = q.value("unitgradingtype", "0")
        if grading not in ("0", ""):
            q.keep("unitgradingtype", grading)
        return "numeric", {
            "answers": entries,
            "units": units,
            "unit_handling": "none"
            if not units
            else "optional"
            if grading in ("0", "")
            else "required",
            "unit_penalty": json_number(q.number("unitpenalty", Decimal(0)) or Decimal(0)),
        }

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        from ..interchange.moodlexml import format_fixed, format_number

        data = w.data
        if "answers" in data:
            answers = data["answers"]
        else:
            answers = [
                {"value": data["answer"], "tolerance": data.get("tolerance", 0), "fraction": 1}
            ]
        for answer in answers:
            value = answer["value"]
            if value is not None and not is_number(value):
                raise ValueError("not a finite number")
            text = "*" if value is None else format_number(value)
            node = w.answer(answer.get("fraction", 1), text, answer.get("feedback", ""))
            w.add("tolerance", format_number(answer.get("tolerance", 0)), parent=node)
        units = data.get("units") or (
            [{"unit": data["unit"], "multiplier": 1}] if data.get("unit") else []
        )
        if units:
            node = w.add("units")
            for unit in units:
                entry = w.add("unit", parent=node)
                w.add("multiplier", format_number(unit.get("multiplier", 1)), parent=entry)
                w.add("unit_name", unit["unit"], parent=entry)
            handling = data.get("unit_handling", "none" if data.get("answers") else "optional")
            required = handling == "required"
            w.add("unitgradingtype", w.moodle.get("unitgradingtype", "1") if required else "0")
            w.add("unitpenalty", format_fixed(data.get("unit_penalty", 0)))
            w.add("showunits", w.moodle.get("showunits", "0"))
            w.add("unitsleft", w.moodle.get("unitsleft", "0"))
        return "numerical"

    # --- GIFT (the format: assessments/gift.py) ---------------------------------------------
    gift_shapes: ClassVar[tuple[str, ...]] = ("number",)

    def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
        """``{#answer:tolerance}``, ``{#answer}`` (tolerance 0), ``{#low..high}`` (answer
        = the middle, tolerance = half the width, in decimal so 0.1..0.3 gives 0.2 +- 0.1)
        and several answers ``{#=5:0#right =%50%6:1#close ~#wrong}``. One answer at full
        credit gives the short form ``{"answer", "tolerance"}`` (its ``#feedback`` becomes
        ``feedback.correct``); anything else the extended form with ``answers``, each with
        its fraction and feedback. A ``~`` answer without a number (Moodle's "any other
        answer", ``{#3:2~#Completely wrong}``) becomes ``{"value": null, "fraction": 0,
        "feedback"}``; a ``~`` answer with a number is that number at 0 % (or its weight);
        ``=%50%*`` is any other answer at that credit. Answers after an "any other answer"
        are never reached and are dropped."""
        body = (q.answers or "")[1:]
        if not body.strip():
            q.reject("missing_answer", number=1)
        answers: list[dict[str, Any]] = []
        for answer in q.answer_list(body, unmarked_first=True):
            spec = q.restore(answer.text).strip()
            entry: dict[str, Any]
            if spec == "*" or (spec == "" and answer.marker == "~"):  # "any other answer"
                entry = {"value": None, "fraction": answer.credit()}
            elif not spec:
                q.reject("missing_answer", number=answer.number)
            else:
                value, tolerance = q.number_range(answer.text)
                fraction = answer.credit()
                entry = {"value": q.number(value), "tolerance": q.number(tolerance)}
                entry["fraction"] = fraction
            q.add_feedback(entry, answer)
            if entry["value"] is None and not entry["fraction"] and "feedback" not in entry:
                break  # a bare ~ changes nothing
            answers.append(entry)
            if entry["value"] is None:
                break  # it matches every number: the answers after it are never reached
        if not any(entry["fraction"] == 1 and entry["value"] is not None for entry in answers):
            q.reject("no_correct_answer")
        feedback = q.general_feedback
        if len(answers) == 1:  # one answer at full credit: the short form
            [only] = answers
            if only.get("feedback"):
                feedback["correct"] = only["feedback"]
            return feedback, {"answer": only["value"], "tolerance": only["tolerance"]}
        data = {"answers": answers, "units": [], "unit_handling": "none", "unit_penalty": 0}
        return feedback, data

    def gift_write(self, w: GiftQuestionWriter) -> list[str]:
        """``{#`` then one ``=value:tolerance#feedback`` line per answer (the form
        gift-pegjs reads feedback in), numbers without exponents. A short-form question's
        ``correct`` feedback goes on its answer when it differs from ``incorrect``.
        ``unit`` and ``units`` have no GIFT form."""
        data, feedback = w.data, w.feedback
        correct, incorrect = w.feedback_texts()
        if "answers" not in data:  # the short form: one answer at full credit
            answer = {"value": data["answer"], "tolerance": data.get("tolerance", 0)}
            if answer["value"] is None:
                raise TypeError("no answer")
            if feedback.get("general"):
                if correct:
                    answer["feedback"] = correct
                return ["#", gift_answer_line(w, answer, 1), *w.general_line()]
            if correct and correct != incorrect:
                answer["feedback"] = correct
                return ["#", gift_answer_line(w, answer, 1), *w.general(incorrect, incorrect)]
            return ["#", gift_answer_line(w, answer, 1), *w.general(correct, incorrect)]
        lines = ["#"]
        for answer in data["answers"]:
            lines.append(gift_answer_line(w, answer, w.fraction(answer["fraction"])))
            if answer.get("value") is None:
                break  # Moodle's "any other answer" comes last: nothing after it is reached
        if len(lines) == 1:
            raise ValueError("no answers")
        return lines + w.general_line()

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("text-entry-interaction",)

    def qti_accepts(self, q: QtiItemReader) -> bool:
        """Only the platform's own export: a text entry marked
        ``data-platform-type="numeric"`` whose answers are numbers (else a short answer)."""
        if q.attr("data-platform-type") != self.name:
            return False
        answers, _case = q.text_answers(q.decl, q.processing)
        return q.numbers(a["text"] for a in answers) is not None

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        answers, _case = q.text_answers(q.decl, q.processing)
        values = q.numbers(a["text"] for a in answers) or []
        tolerances = q.attr("data-tolerances").split()
        entries = [
            {
                "value": int(value) if value.is_integer() else value,
                "tolerance": q.clamp(q.number(tolerance, "tolerance"), 0, 1e15) if tolerance else 0,
                "fraction": answer["fraction"],
            }
            for answer, value, tolerance in zip(
                answers, values, tolerances + [""] * len(answers), strict=False
            )
        ]
        if q.attr("data-shape") != "answers" and len(entries) == 1:
            data: dict[str, Any] = {"answer": entries[0]["value"]}
            data["tolerance"] = entries[0]["tolerance"]
            if q.attr("data-unit"):
                data["unit"] = q.attr("data-unit")
            return data
        return {"answers": entries, "units": [], "unit_handling": "none", "unit_penalty": 0}

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        extended = "answers" in data
        if extended and data.get("units"):
            raise ValueError("export_invalid")  # units and their penalty have no QTI form
        answers = (
            data["answers"]
            if extended
            else [{"value": data["answer"], "tolerance": data.get("tolerance", 0), "fraction": 1}]
        )
        if not answers or any(
            not isinstance(a.get("value"), int | float) or isinstance(a.get("value"), bool)
            for a in answers
        ):
            raise ValueError("export_invalid")  # "*" (any other number) has no QTI form
        keys = [w.format(a["value"]) for a in answers]
        best = [k for k, a in zip(keys, answers, strict=True) if a.get("fraction", 1) == 1]
        mapping = [
            (k, float(a.get("fraction", 1)), None) for k, a in zip(keys, answers, strict=True)
        ]
        w.declare("single", "float", best[:1], mapping if extended else ())
        w.interaction(
            "qti-text-entry-interaction",
            inline=True,
            expected_length=max(10, *map(len, keys)),
            data_platform_type="numeric",
            data_tolerances=" ".join(w.format(a.get("tolerance", 0)) for a in answers),
            data_unit=data.get("unit") or None,
            data_shape="answers" if extended else None,
        )


def gift_answer_line(w: GiftQuestionWriter, answer: Mapping[str, Any], credit: float) -> str:
    """One numeric answer in GIFT: ``=%weight%value:tolerance#feedback``; "any other
    answer" as ``=%weight%*`` or, at 0 %, ``~`` (the one gift-pegjs reads)."""
    weight = "" if credit == 1 else w.weight(credit * 100)
    if answer.get("value") is None:
        line = f"={weight}*" if credit else "~"  # gift-pegjs reads only the second
        return line + (w.feedback_suffix(answer) or "#")
    value = w.number(answer["value"])
    tolerance = w.number(answer.get("tolerance", 0))
    if tolerance.startswith("-"):
        raise ValueError("negative tolerance")
    return f"={weight}{value}:{tolerance}{w.feedback_suffix(answer)}"
