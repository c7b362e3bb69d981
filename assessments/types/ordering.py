"""Ordering: put the items in the right order."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from itertools import pairwise
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


class Ordering(QuestionType):
    name = "ordering"
    label = gettext_noop("Ordering")
    response_field = "order"
    blank: list[str] = []
    entry_lists = ("items",)
    response_id_shape = "many"
    always_shuffled = frozenset({"items"})  # written in the correct order
    public_keys = ("items",)
    text_lists = ("items",)
    scoring_rules = ("all_or_nothing", "adjacent_pairs")

    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        items = check_entries(data.get("items"), "item", 2, problems)
        check_unique(items, problems)
        order = data.get("correct_order")
        if not isinstance(order, list) or not all(is_id(i) for i in order):
            problems.append(Problem(gettext_noop("The correct order must be a list of item ids.")))
        elif sorted(order) != sorted(items):
            problems.append(
                Problem(gettext_noop("The correct order must list every item exactly once."))
            )
        self.check_scoring(data, problems)

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ResponseError("wrong_shape")
        if not value:
            return []
        items = ids(data.get("items"))
        seen: set[str] = set()
        for ident in value:
            if ident not in items:
                raise ResponseError("unknown_option", value=show(ident))
            if ident in seen:
                raise ResponseError("duplicate", value=show(ident))
            seen.add(ident)
        if len(seen) != len(set(items)):
            raise ResponseError(
                "incomplete_order", count=len(set(items)), missing=len(set(items)) - len(seen)
            )
        return list(value)

    def arrange_view(self, view: dict[str, Any], answer: Mapping[str, Any]) -> None:
        """The items as the officer left them, not as first shuffled."""
        order = answer.get("order")
        if order:
            by_token = {item["id"]: item for item in view.get("items", [])}
            view["items"] = [by_token[token] for token in order if token in by_token]

    def grade(self, data: Mapping[str, Any], order: Any) -> tuple[Fraction, dict]:
        correct = list(data.get("correct_order") or [])
        rule = self.scoring(data)
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
