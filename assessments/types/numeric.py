"""Numeric: a number within a tolerance of the answer."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .base import (
    Problem,
    QuestionType,
    ResponseError,
    gettext_noop,
    is_number,
    parse_number,
    show,
)


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
