"""Multiple response: several options may be right, scored by one of three rules."""

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


class MultipleResponse(QuestionType):
    name = "multiple_response"
    label = gettext_noop("Multiple response")
    response_field = "options"
    blank: list[str] = []
    entry_lists = ("options",)
    response_id_shape = "many"
    public_keys = ("options",)
    text_lists = ("options",)
    scoring_rules = ("all_or_nothing", "right_minus_wrong", "per_option")

    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        options = check_entries(data.get("options"), "option", 2, problems)
        check_unique(options, problems)
        correct = data.get("correct")
        if not isinstance(correct, list) or not all(is_id(c) for c in correct):
            problems.append(
                Problem(gettext_noop("The correct options must be a list of option ids."))
            )
        else:
            if not correct:
                problems.append(Problem(gettext_noop("At least one option must be correct.")))
            for ident in correct:
                if ident not in options:
                    problems.append(
                        Problem(
                            gettext_noop("The correct option “{ident}” is not one of the options."),
                            ident=ident,
                        )
                    )
            if len(set(correct)) != len(correct):
                problems.append(
                    Problem(
                        gettext_noop(
                            "An option is listed more than once among the correct options."
                        )
                    )
                )
        self.check_scoring(data, problems)

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ResponseError("wrong_shape")
        options = ids(data.get("options"))
        for ident in value:
            if ident not in options:
                raise ResponseError("unknown_option", value=show(ident))
        return sorted(set(value))

    def grade(self, data: Mapping[str, Any], chosen: Any) -> tuple[Fraction, dict]:
        options = ids(data.get("options"))
        correct = set(data.get("correct") or [])
        chosen_set = set(chosen)
        right = sorted(chosen_set & correct)
        wrong = sorted(chosen_set - correct)
        missed = sorted(correct - chosen_set)
        rule = self.scoring(data)
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

    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for value in values:
            if isinstance(value, list):
                counts.update({v for v in value if isinstance(v, str)})
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
