"""Single choice: one option is right."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from .base import (
    Problem,
    QuestionType,
    ResponseError,
    check_entries,
    check_unique,
    gettext_noop,
    ids,
    is_id,
    show,
)


class SingleChoice(QuestionType):
    name = "single_choice"
    label = gettext_noop("Single choice")
    response_field = "option"
    blank = None
    entry_lists = ("options",)
    response_id_shape = "one"
    public_keys = ("options",)
    text_lists = ("options",)

    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        options = check_entries(data.get("options"), "option", 2, problems)
        check_unique(options, problems)
        correct = data.get("correct")
        if not is_id(correct):
            problems.append(Problem(gettext_noop("The correct option must be an option id.")))
        elif correct not in options:
            problems.append(
                Problem(
                    gettext_noop("The correct option “{ident}” is not one of the options."),
                    ident=correct,
                )
            )

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ResponseError("wrong_shape")
        if value not in ids(data.get("options")):
            raise ResponseError("unknown_option", value=show(value))
        return value

    def grade(self, data: Mapping[str, Any], chosen: Any) -> tuple[Fraction, dict]:
        correct = data.get("correct")
        return Fraction(int(chosen is not None and chosen == correct)), {
            "chosen": chosen,
            "correct_option": correct,
        }

    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        counts = Counter(v for v in values if isinstance(v, str) and v)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
