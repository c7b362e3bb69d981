"""Single choice: the officer picks one option.

``correct`` is the option at full credit. The optional ``fractions`` (option id -> credit,
-1..1; options left out earn 0) gives other options credit too, as Moodle's single-answer
multiple choice does: several right options (GIFT ``{=a =b ~c}``) or partial and negative
credit (``~%50%almost``, ``~%-50%wrong``). A question never scores below 0.
"""

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
    check_fraction,
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
        if "fractions" in data:
            self._validate_fractions(data["fractions"], options, correct, problems)

    @staticmethod
    def _validate_fractions(
        fractions: Any, options: list[str], correct: Any, problems: list[str]
    ) -> None:
        if not isinstance(fractions, Mapping):
            problems.append(
                Problem(gettext_noop("The credits of the options must map option ids to credit."))
            )
            return
        for ident, credit in fractions.items():
            if ident not in options:
                problems.append(
                    Problem(
                        gettext_noop("The credit is given to “{ident}”, which is not an option."),
                        ident=show(ident),
                    )
                )
            check_fraction(credit, f"option {show(ident)}", problems, negative=True)
        if is_id(correct) and correct in options and fractions.get(correct) != 1:
            problems.append(
                Problem(
                    gettext_noop("The correct option “{ident}” must have full credit (1)."),
                    ident=correct,
                )
            )

    def credit(self, data: Mapping[str, Any], chosen: Any) -> Fraction:
        """The credit of the chosen option, floored at 0."""
        if chosen is None:
            return Fraction(0)
        fractions = data.get("fractions")
        if not isinstance(fractions, Mapping):
            return Fraction(int(chosen == data.get("correct")))
        credit = fractions.get(chosen, 0)
        if isinstance(credit, bool) or not isinstance(credit, int | float):
            return Fraction(0)
        return max(Fraction(0), min(Fraction(1), Fraction(repr(float(credit)))))

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ResponseError("wrong_shape")
        if value not in ids(data.get("options")):
            raise ResponseError("unknown_option", value=show(value))
        return value

    def grade(self, data: Mapping[str, Any], chosen: Any) -> tuple[Fraction, dict]:
        detail: dict[str, Any] = {"chosen": chosen, "correct_option": data.get("correct")}
        fractions = data.get("fractions")
        if isinstance(fractions, Mapping):
            detail["credited_options"] = {
                ident: credit for ident, credit in fractions.items() if credit
            }
        return self.credit(data, chosen), detail

    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        counts = Counter(v for v in values if isinstance(v, str) and v)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
