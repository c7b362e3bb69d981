"""Ordering: put the items in the right order."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from itertools import pairwise
from typing import TYPE_CHECKING, Any, ClassVar

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

if TYPE_CHECKING:
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter


class Ordering(QuestionType):
    name = "ordering"
    label = gettext_noop("Ordering")
    gift_refusal = "export_ordering"  # why GIFT cannot write it (a key of gift.MESSAGES)
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

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("ordering",)

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``ordering`` (a core type since Moodle 4.4): the answers are the items,
        each ``fraction`` its place in the right order. ``ALL_OR_NOTHING`` grading is
        ``all_or_nothing`` and ``RELATIVE_NEXT_EXCLUDE_LAST`` (each item followed by its
        right successor) is ``adjacent_pairs``; other gradings, and asking for a subset of
        the items, are refused (the platform would grade them otherwise)."""
        grading = q.value("gradingtype", "RELATIVE_NEXT_EXCLUDE_LAST").upper()
        scoring = _MOODLE_GRADING.get(grading)
        if scoring is None:
            q.reject("ordering_grading", grading=grading[:40])
        if q.value("selecttype", "ALL").upper() != "ALL":
            q.reject("ordering_subset")
        placed = []
        for node in q.findall("answer"):
            try:
                place = float(node.get("fraction") or "0")
            except ValueError:
                place = 0.0
            placed.append((place, len(placed), q.plain(".", element=node), node))
        if len(placed) < 2:
            q.reject("too_few_answers", minimum=2, count=len(placed))
        items = []
        for position, (_, _, text, node) in enumerate(sorted(placed), start=1):
            if not text:
                q.reject("missing_answer_text", number=position)
            item = {"id": f"i{position}", "text": text}
            feedback = q.plain("feedback", element=node)
            if feedback:
                item["feedback"] = feedback
            items.append(item)
        for key in ("layouttype", "selectcount", "showgrading", "numberingstyle"):
            if q.find(key) is not None:
                q.keep(key, q.value(key))
        if q.find("shownumcorrect") is not None:
            q.keep("shownumcorrect", q.flag("shownumcorrect"))
        return "ordering", {
            "items": items,
            "correct_order": [item["id"] for item in items],
            "scoring": scoring,
        }

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        data = w.data
        by_id = {item["id"]: item for item in data["items"]}
        grading = {value: key for key, value in _MOODLE_GRADING.items()}
        w.add("layouttype", w.moodle.get("layouttype", "VERTICAL"))
        w.add("selecttype", "ALL")
        w.add("selectcount", w.moodle.get("selectcount", "0"))
        w.add("gradingtype", grading.get(data.get("scoring"), "ALL_OR_NOTHING"))
        w.add("showgrading", w.moodle.get("showgrading", "SHOW"))
        w.add("numberingstyle", w.moodle.get("numberingstyle", "none"))
        w.combined_feedback()
        for place, ident in enumerate(data["correct_order"], start=1):
            item = by_id[ident]
            node = w.add("answer", fraction=str(place), format="html")
            w.add("text", w.plain_html(item["text"]), parent=node)
            w.formatted("feedback", w.plain_html(item.get("feedback", "")), parent=node)
        return "ordering"

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("order-interaction",)

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        items = q.choices("simple-choice")
        if len(items) < 2:
            q.reject("too_few_choices", minimum=2, count=len(items))
        order = list(q.decl.correct)
        if sorted(order) != sorted(i["id"] for i in items):
            q.reject("order_incomplete")
        return {
            "items": items,
            "correct_order": order,
            "scoring": q.scoring(("all_or_nothing", "adjacent_pairs"), "all_or_nothing"),
        }

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        w.declare("ordered", "identifier", [w.ident(i) for i in data["correct_order"]])
        rule = data.get("scoring", "all_or_nothing")
        element = w.interaction(
            "qti-order-interaction",
            shuffle="true",
            data_scoring=rule if rule != "all_or_nothing" else None,
        )
        for item in data["items"]:
            w.add(element, "qti-simple-choice", str(item["text"]), identifier=w.ident(item["id"]))


_MOODLE_GRADING = {
    "ALL_OR_NOTHING": "all_or_nothing",
    "RELATIVE_NEXT_EXCLUDE_LAST": "adjacent_pairs",
}
"""Moodle's ordering gradings the platform grades alike."""
