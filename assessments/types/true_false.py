"""True or false."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from .base import Problem, QuestionType, ResponseError, gettext_noop


class TrueFalse(QuestionType):
    name = "true_false"
    label = gettext_noop("True or false")
    response_field = "value"
    blank = None

    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        if not isinstance(data.get("correct"), bool):
            problems.append(Problem(gettext_noop("The correct answer must be true or false.")))
        for key in ("feedback_true", "feedback_false"):
            if key in data and not isinstance(data[key], str):
                problems.append(Problem(gettext_noop("“{key}” must be text."), key=key))

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        raise ResponseError("wrong_shape")

    def grade(self, data: Mapping[str, Any], chosen: Any) -> tuple[Fraction, dict]:
        correct = data.get("correct")
        return Fraction(int(chosen is not None and chosen is correct)), {
            "chosen": chosen,
            "correct_value": correct,
        }

    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        counts = Counter("true" if v else "false" for v in values if isinstance(v, bool))
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
