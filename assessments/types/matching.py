"""Matching: pair each premise with a response."""

from __future__ import annotations

from collections.abc import Mapping
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


class Matching(QuestionType):
    name = "matching"
    label = gettext_noop("Matching")
    response_field = "pairs"
    blank: dict[str, str] = {}
    entry_lists = ("premises", "responses")
    response_id_shape = "pairs"
    # Responses are usually written in the order of their premises (GIFT and Moodle write
    # them pair by pair), so their authored order is the answer key.
    always_shuffled = frozenset({"responses"})
    public_keys = ("premises", "responses")
    text_lists = ("premises", "responses")
    scoring_rules = ("all_or_nothing", "per_premise")

    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        premises = check_entries(data.get("premises"), "premise", 2, problems)
        responses = check_entries(data.get("responses"), "response", 2, problems)
        check_unique(premises + responses, problems)
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
                if not is_id(response) or response not in responses:
                    problems.append(
                        Problem(
                            gettext_noop(
                                "The premise “{premise}” is paired with an unknown response "
                                "{value}."
                            ),
                            premise=premise,
                            value=show(response),
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
        self.check_scoring(data, problems)

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ResponseError("wrong_shape")
        premises = ids(data.get("premises"))
        responses = ids(data.get("responses"))
        pairs: dict[str, str] = {}
        for premise, response in value.items():
            if not isinstance(premise, str) or premise not in premises:
                raise ResponseError("unknown_option", value=show(premise))
            if response is None or response == "":
                continue
            if not isinstance(response, str):
                raise ResponseError("wrong_shape")
            if response not in responses:
                raise ResponseError("unknown_option", value=show(response))
            pairs[premise] = response
        return dict(sorted(pairs.items()))

    def grade(self, data: Mapping[str, Any], pairs: Any) -> tuple[Fraction, dict]:
        premises = ids(data.get("premises"))
        correct = data.get("correct") or {}
        rule = self.scoring(data)
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
