"""Drag and drop into text (Moodle's ddwtos, mode ``drag``) and select missing words
(Moodle's gapselect, mode ``select``): choices in groups fill the gaps ``{{g1}}`` of the
stem; a gap takes the choices of its correct choice's group."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import Problem, QuestionType, gettext_noop, show

if TYPE_CHECKING:
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter
from .drop_common import (
    GAP_MARKER,
    check_group_entries,
    check_slot_answers,
    grade_slots,
    normalize_slots,
    public_entries,
    slot_counts,
    slot_groups,
    stem_gap_ids,
    stem_segments,
    token_of,
    valid_entries,
    valid_slots,
)

MODES: tuple[str, ...] = ("drag", "select")

_CHOICE_MESSAGES = {
    "list": gettext_noop("At least one choice is needed."),
    "object": gettext_noop("Choice {position} must be an object."),
    "no_id": gettext_noop("Choice {position} has no id."),
    "no_text": gettext_noop("Choice {position} has no text."),
}


def _mode(data: Mapping[str, Any]) -> str:
    mode = data.get("mode")
    return mode if mode in MODES else "drag"


class DragDropText(QuestionType):
    name = "drag_drop_text"
    label = gettext_noop("Drag and drop into text")
    gift_refusal = "export_drag_drop"  # why GIFT cannot write it (a key of gift.MESSAGES)
    response_field = "gaps"
    blank: dict[str, str] = {}
    entry_lists = ("gaps", "choices")
    response_id_shape = "pairs"
    # Imported choices come in the order of their gaps (Moodle's [[1]], [[2]], ...): their
    # authored order is the key, so the page never shows it (see public_layout).
    always_shuffled = frozenset({"choices"})
    text_lists = ("choices",)
    script = "js/types/drag_drop.js"
    stem_inline = True

    # --- authoring ---------------------------------------------------------------------
    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        mode = data.get("mode")
        if mode not in MODES:
            problems.append(
                Problem(gettext_noop("Unknown mode {value}; use drag or select."), value=show(mode))
            )
        choices = check_group_entries(data.get("choices"), _CHOICE_MESSAGES, problems)
        gaps = data.get("gaps")
        if not isinstance(gaps, list) or not gaps:
            problems.append(Problem(gettext_noop("At least one gap is needed.")))
            gaps = []
        seen: set[str] = set()
        for position, gap in enumerate(gaps, start=1):
            if not isinstance(gap, Mapping) or not isinstance(gap.get("id"), str) or not gap["id"]:
                problems.append(
                    Problem(gettext_noop("Gap {position} needs an id."), position=position)
                )
                continue
            if gap["id"] in seen:
                problems.append(
                    Problem(
                        gettext_noop("The id “{ident}” is used more than once."), ident=gap["id"]
                    )
                )
            seen.add(gap["id"])
        check_slot_answers(
            valid_slots(data, "gaps"),
            choices,
            gettext_noop("The gap “{ident}” names an unknown correct choice {value}."),
            problems,
            reuse_allowed=mode == "select",
        )
        if "shuffle" in data and not isinstance(data["shuffle"], bool):
            problems.append(Problem(gettext_noop("“shuffle” must be true or false.")))

    def check_stem(self, data: Mapping[str, Any], stem: str, problems: list[str]) -> None:
        """Each gap is marked ``{{id}}`` exactly once in the stem, and no marker names a gap
        the question lacks."""
        marked = stem_gap_ids(stem)
        known = [g["id"] for g in valid_slots(data, "gaps")]
        for gap in known:
            if marked.count(gap) != 1:
                problems.append(
                    Problem(
                        gettext_noop(
                            "The stem must mark the gap “{ident}” once, as {{{{{ident}}}}}; "
                            "it marks it {count} times."
                        ),
                        ident=gap,
                        count=marked.count(gap),
                    )
                )
        for gap in dict.fromkeys(marked):
            if gap not in known:
                problems.append(
                    Problem(
                        gettext_noop("The stem marks a gap “{ident}” that the question lacks."),
                        ident=gap,
                    )
                )

    editor_script = "js/question_editor/drag_drop_text.js"
    editor_strings: ClassVar[dict[str, str]] = {
        "howFilled": gettext_noop("How the officer fills the gaps"),
        "mode": gettext_noop("Gaps are filled by"),
        "modeDrag": gettext_noop("Dragging the choices (or picking them with the keyboard)"),
        "modeSelect": gettext_noop("Choosing from a list in each gap"),
        "shuffle": gettext_noop("Shuffle the choices"),
        "choices": gettext_noop("Choices"),
        "choice": gettext_noop("Choice"),
        "choiceText": gettext_noop("Text"),
        "group": gettext_noop("Group"),
        "unlimited": gettext_noop("May fill several gaps"),
        "addChoice": gettext_noop("Add a choice"),
        "gaps": gettext_noop("Gaps"),
        "gapsHelp": gettext_noop(
            "Write each gap's marker in the question text where the gap stands. A gap takes "
            "the choices of its right choice's group."
        ),
        "gap": gettext_noop("Gap"),
        "marker": gettext_noop("Marker for the question text:"),
        "rightChoice": gettext_noop("Right choice"),
        "addGap": gettext_noop("Add a gap"),
    }

    def skeleton(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Two gaps (the stem marks them ``{{g1}}``, ``{{g2}}``), three choices."""
        return {
            "mode": "drag",
            "choices": [{"id": f"c{n}", "group": 1, "unlimited": False} for n in (1, 2, 3)],
            "gaps": [{"id": "g1", "correct": "c1"}, {"id": "g2", "correct": "c2"}],
            "shuffle": True,
        }, {"choices": {"c1": {"text": ""}, "c2": {"text": ""}, "c3": {"text": ""}}}

    # --- delivery ----------------------------------------------------------------------
    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        return normalize_slots(
            value,
            valid_slots(data, "gaps"),
            valid_entries(data, "choices"),
            reuse_allowed=_mode(data) == "select",
        )

    def public_layout(
        self,
        full: Mapping[str, Any],
        view: dict[str, Any],
        tokens: Mapping[str, str],
        order: Mapping[str, Any],
    ) -> None:
        """The stem cut at its gaps (each gap by token, with its group's choices), and the
        choices: in the attempt's shuffled order, or by text when the author did not ask
        for shuffling (never in the authored order)."""
        choices = valid_entries(full, "choices")
        shown = public_entries(choices, order.get("choices") or list(choices), tokens, "choices")
        if not full.get("shuffle", True):
            shown.sort(key=lambda c: (c["text"].casefold(), c["text"]))
        gaps = valid_slots(full, "gaps")
        groups = slot_groups(gaps, choices)
        view["mode"] = _mode(full)
        view["choices"] = shown
        segments = []
        number = 0
        for segment in stem_segments(view.get("stem", ""), [g["id"] for g in gaps]):
            if "gap" in segment:
                token = token_of(tokens, "gaps", segment["gap"])
                if token is None:
                    continue
                number += 1
                group = groups.get(segment["gap"], 1)
                segments.append(
                    {
                        "gap": token,
                        "number": number,
                        "group": group,
                        "choices": [c for c in shown if c["group"] == group],
                    }
                )
            else:
                segments.append(segment)
        view["segments"] = segments

    def arrange_view(self, view: dict[str, Any], answer: Mapping[str, Any]) -> None:
        """Each gap shows the choice saved in it."""
        filled = answer.get("gaps") or {}
        texts = {c["id"]: c["text"] for c in view.get("choices", [])}
        for segment in view.get("segments", []):
            token = filled.get(segment.get("gap"))
            if token in texts:
                segment["value"], segment["value_text"] = token, texts[token]

    def review_stem(self, html: str) -> str:
        """The stem with each gap shown as its number, ``[1]``, ``[2]``... (the review lists
        what filled each)."""
        numbers: dict[str, int] = {}

        def number(match: re.Match[str]) -> str:
            numbers.setdefault(match.group(1), len(numbers) + 1)
            return f"[{numbers[match.group(1)]}]"

        return GAP_MARKER.sub(number, html)

    # --- grading -----------------------------------------------------------------------
    def grade(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict[str, Any]]:
        fraction, detail = grade_slots(value, valid_slots(data, "gaps"))
        return fraction, {"mode": _mode(data), **detail}

    # --- item analysis -----------------------------------------------------------------
    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        return slot_counts(values)

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("gapselect", "ddwtos")

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``gapselect`` (mode ``select``, ``selectoption`` choices) and ``ddwtos``
        (mode ``drag``, ``dragbox`` choices, ``infinite`` unlimited): each ``[[n]]`` of the
        text becomes a ``{{gK}}`` gap whose correct choice is choice n."""
        from decimal import Decimal

        select = q.moodle_type == "gapselect"
        choices = []
        for number, node in enumerate(q.findall("selectoption" if select else "dragbox"), 1):
            choices.append(
                {
                    "id": f"c{number}",
                    "text": q.plain(".", element=node),
                    "group": max(1, int(q.number("group", Decimal(1), element=node) or 1)),
                    "unlimited": node.find("infinite") is not None,
                }
            )
        if not choices:
            q.reject("dd_no_choices")
        gaps: list[dict[str, str]] = []

        def gap(match: re.Match[str]) -> str:
            number = int(match.group(1))
            if not 1 <= number <= len(choices):
                q.reject("dd_bad_gap", number=number, count=len(choices))
            gaps.append({"id": f"g{len(gaps) + 1}", "correct": f"c{number}"})
            return "{{" + gaps[-1]["id"] + "}}"

        q.stem_raw = re.sub(r"\[\[([0-9]+)\]\]", gap, q.stem_raw)
        if not gaps:
            q.reject("dd_no_gaps")
        if q.find("shownumcorrect") is not None:
            q.keep("shownumcorrect", True)
        return "drag_drop_text", {
            "mode": "select" if select else "drag",
            "choices": choices,
            "gaps": gaps,
            "shuffle": q.flag("shuffleanswers"),
        }

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        data = w.data
        select = data.get("mode") == "select"
        numbers = {c["id"]: index for index, c in enumerate(data["choices"], start=1)}
        gaps = {g["id"]: numbers[g["correct"]] for g in data["gaps"]}
        text = w.element.find("questiontext/text")
        if text is None:
            raise ValueError("no question text")
        text.text = re.sub(
            r"\{\{([A-Za-z0-9_-]+)\}\}",
            lambda m: f"[[{gaps[m.group(1)]}]]" if m.group(1) in gaps else m.group(0),
            text.text or "",
        )
        w.add("shuffleanswers", "1" if data.get("shuffle") else "0")
        w.combined_feedback()
        for choice in data["choices"]:
            node = w.add("selectoption" if select else "dragbox")
            w.add("text", choice["text"], parent=node)
            w.add("group", int(choice.get("group", 1)), parent=node)
            if choice.get("unlimited") and not select:
                w.add("infinite", parent=node)
        return "gapselect" if select else "ddwtos"

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("gap-match-interaction",)

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        choices = []
        for node in q.interaction:
            if node.tag not in ("gap-text", "gap-img"):
                continue
            ident = node.get("identifier", "")
            text = q.plain(node)
            if not text:
                q.reject("choice_no_text", identifier=ident[:60])
            group = q.attr("data-group", element=node)
            choices.append(
                {
                    "id": ident,
                    "text": text,
                    "group": int(group) if group.isdigit() and int(group) >= 1 else 1,
                    "unlimited": q.attr("match-max", "1", element=node) == "0",
                }
            )
        choice_ids = {c["id"] for c in choices}
        gaps = [node.get("identifier", "") for node in q.interaction.iter("gap")]
        placed = q.placed(choice_ids, gaps)
        for gap in gaps:
            if gap not in placed:
                q.reject("match_unpaired", premise=gap[:60])
        mode = q.attr("data-mode")
        return {
            "mode": mode if mode in ("drag", "select") else "drag",
            "choices": choices,
            "gaps": [{"id": q.gap_id(gap), "correct": placed[gap]} for gap in gaps],
            "shuffle": q.attr("shuffle") == "true",
        }

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        pairs = [f"{w.ident(g['correct'])} {w.ident(g['id'])}" for g in data["gaps"]]
        w.declare("multiple", "directedPair", pairs)
        mode = data.get("mode", "drag")
        element = w.interaction(
            "qti-gap-match-interaction",
            shuffle="true" if data.get("shuffle") else "false",
            data_mode=mode if mode != "drag" else None,
        )
        for choice in data["choices"]:
            group = int(choice.get("group", 1))
            w.add(
                element,
                "qti-gap-text",
                str(choice["text"]),
                identifier=w.ident(choice["id"]),
                match_max=0 if choice.get("unlimited") else 1,
                data_group=group if group != 1 else None,
            )
        for gap in data["gaps"]:
            w.gaps[gap["id"]] = w.node("qti-gap", {"identifier": w.ident(gap["id"])})
        w.stem_inside = True
