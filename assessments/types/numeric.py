"""Numeric: a number within a tolerance of the answer."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import (
    Problem,
    QuestionType,
    ResponseError,
    gettext_noop,
    is_number,
    parse_number,
    show,
)

if TYPE_CHECKING:
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter


class Numeric(QuestionType):
    name = "numeric"
    label = gettext_noop("Numeric")
    response_field = "value"
    blank = None
    public_keys = ("unit",)

    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
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
        if "unit" in data and not isinstance(data["unit"], str):
            problems.append(Problem(gettext_noop("The unit must be text.")))

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            return parse_number(value)
        if is_number(value):
            return float(value) + 0.0
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ResponseError("not_a_number", value=show(value))
        raise ResponseError("wrong_shape")

    def grade(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict]:
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
