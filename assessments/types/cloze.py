"""Cloze (Moodle's embedded answers, ``multianswer``): gaps in the stem, each a short
answer, a number or a choice (dropdown, radio buttons or checkboxes), each with a weight.

The stem carries one marker per gap, ``{{g1}}`` (QUESTION_FORMAT.md, "Types added with
issue 13"); the attempt page replaces each marker by the gap's control. The stem lives in
the texts of each language while the gaps live in ``data``: :meth:`Cloze.check_stem`
checks that a stem marks exactly the gaps (``assessments.grading.validate_question_texts``
calls it for every language).

Scoring, per gap, then the weighted mean of the gaps (``weight`` absent means 1):

- ``short_answer``: the first accepted answer (authored order) that matches the typed text
  gives its fraction; none: 0. Matching is the ``short_answer`` type's own
  (``short_answer.first_match``): surrounding spaces
  ignored, case ignored unless ``case_sensitive``, ``*`` any run of characters (``\\*`` a
  literal asterisk), accents and inner spaces ignored on request (``ignore_accents``,
  ``ignore_spaces``), numbers compared as numbers (``3,5`` = ``3.50``), codes of digits
  with separators with or without them (``8471.30`` = ``847130``).
- ``numeric``: the typed number (decimal point or comma) against each answer in the
  authored order: the first whose ``|typed - value| <= tolerance`` gives its fraction
  (a ``null`` or ``"*"`` value matches any number: Moodle's catch-all); none: 0.
- ``choice`` shown as ``dropdown`` or ``radio``: the chosen option's fraction (a negative
  one gives 0). As ``checkbox`` (Moodle's MULTIRESPONSE): each chosen option adds its
  fraction, negative fractions subtract; the sum is floored at 0 and capped at 1. The
  full-credit answer is the set of the options with a positive fraction (their sum is 1).

Plain Python, no Django, relative imports only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import (
    TOP_ANSWERS,
    Problem,
    QuestionType,
    ResponseError,
    check_entries,
    check_unique,
    gettext_noop,
    is_id,
    is_number,
    number_text,
    parse_number,
    show,
)
from .short_answer import MAX_ANSWER_CHARS, canonical_text, first_match

if TYPE_CHECKING:
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter

KINDS: tuple[str, ...] = ("short_answer", "numeric", "choice")
DISPLAYS: tuple[str, ...] = ("dropdown", "radio", "checkbox")
MAX_TEXT_LENGTH = MAX_ANSWER_CHARS
"""Longest text accepted in one short-answer or numeric gap (characters)."""

ANY_NUMBER: tuple[Any, ...] = (None, "*")
"""The value of a numeric answer that matches any number (Moodle's ``*``): ``null`` as in
the numeric type, or ``"*"`` as Moodle writes it."""

GAP_MARKER = re.compile(r"\{\{([A-Za-z0-9_-]+)\}\}")
"""A gap in a stem: ``{{g1}}`` (QUESTION_FORMAT.md)."""
GAP_ID = re.compile(r"[A-Za-z0-9_-]+")
_TAG = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")
_FULL = Fraction(1)


def _fraction(value: Any) -> Fraction:
    """A credit from the data as an exact fraction (decimals as written: 0.3333333)."""
    if not is_number(value):
        return Fraction(0)
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def _weight(gap: Mapping[str, Any]) -> int:
    weight = gap.get("weight", 1)
    ok = isinstance(weight, int) and not isinstance(weight, bool) and weight >= 1
    return weight if ok else 1


def _gaps(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The usable gaps of a question (objects with an id and a known kind)."""
    gaps = data.get("gaps")
    if not isinstance(gaps, list):
        return []
    return [
        g for g in gaps if isinstance(g, Mapping) and is_id(g.get("id")) and g.get("kind") in KINDS
    ]


def _options(gap: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    options = gap.get("options")
    if not isinstance(options, list):
        return {}
    return {o["id"]: o for o in options if isinstance(o, Mapping) and is_id(o.get("id"))}


def _answers(gap: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    answers = gap.get("answers")
    return [a for a in answers if isinstance(a, Mapping)] if isinstance(answers, list) else []


def stem_gap_ids(stem: str) -> list[str]:
    """The gap ids a stem marks, in reading order (repeats included)."""
    return [m.group(1) for m in GAP_MARKER.finditer(stem or "")]


def stem_segments(stem: str, gap_ids: list[str]) -> list[dict[str, Any]]:
    """The cleaned stem HTML cut at its gap markers: ``{"html": ...}`` pieces and
    ``{"gap": id}`` places in reading order. Only markers in text count (never inside a
    tag); a marker of an unknown gap, or a second marker of one gap, stays as text. Gaps the
    stem lacks come at its end, so that every gap can be answered."""
    segments: list[dict[str, Any]] = []
    known, seen = set(gap_ids), set()
    html: list[str] = []
    for part in _TAG.split(stem or ""):
        if part.startswith("<"):
            html.append(part)
            continue
        last = 0
        for match in GAP_MARKER.finditer(part):
            gap = match.group(1)
            if gap not in known or gap in seen:
                continue
            html.append(part[last : match.start()])
            segments.append({"html": "".join(html)})
            segments.append({"gap": gap})
            html, last = [], match.end()
            seen.add(gap)
        html.append(part[last:])
    segments.append({"html": "".join(html)})
    for gap in gap_ids:
        if gap not in seen:
            segments.extend(({"html": " "}, {"gap": gap}))
    return [s for s in segments if "gap" in s or s["html"]]


# ---------------------------------------------------------------------------- the type


class Cloze(QuestionType):
    name = "cloze"
    label = gettext_noop("Cloze (embedded answers)")
    gift_refusal = "export_cloze"  # why GIFT cannot write it (a key of gift.MESSAGES)
    response_field = "gaps"
    blank: dict[str, Any] = {}
    # The options of each choice gap: one list per gap, named by gap_list (see entries).
    entry_lists = ("options",)
    response_id_shape = "gaps"
    # Per language: texts["gaps"][gap id] = {"options": {id: {text, feedback}}, "answers":
    # {id: {feedback}}} (accepted answers and numbers are the key, in data).
    text_lists = ("gaps",)
    script = "js/types/cloze.js"
    stem_inline = True

    def gap_list(self, gap: str) -> str:
        return f"gap.{gap}"

    def entries(self, data: Mapping[str, Any]) -> dict[str, list[Any]]:
        return {
            self.gap_list(gap["id"]): gap["options"]
            for gap in _gaps(data)
            if gap["kind"] == "choice" and isinstance(gap.get("options"), list)
        }

    # --- authoring ---------------------------------------------------------------------
    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        gaps = data.get("gaps")
        if not isinstance(gaps, list) or not gaps:
            problems.append(Problem(gettext_noop("A cloze question needs at least one gap.")))
            return
        seen: set[str] = set()
        for position, gap in enumerate(gaps, start=1):
            if not isinstance(gap, Mapping):
                problems.append(
                    Problem(gettext_noop("Gap {position} must be an object."), position=position)
                )
                continue
            ident = gap.get("id")
            if not isinstance(ident, str) or not GAP_ID.fullmatch(ident):
                problems.append(
                    Problem(
                        gettext_noop(
                            "Gap {position} needs an id of letters, digits, - or _ (for "
                            "example g1)."
                        ),
                        position=position,
                    )
                )
                continue
            if ident in seen:
                problems.append(
                    Problem(gettext_noop("The id “{ident}” is used more than once."), ident=ident)
                )
            seen.add(ident)
            weight = gap.get("weight", 1)
            if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
                problems.append(
                    Problem(
                        gettext_noop(
                            "The weight of gap “{ident}” must be a whole number of 1 or more."
                        ),
                        ident=ident,
                    )
                )
            kind = gap.get("kind")
            if kind == "short_answer":
                self._check_short_answer(ident, gap, problems)
            elif kind == "numeric":
                self._check_numeric(ident, gap, problems)
            elif kind == "choice":
                self._check_choice(ident, gap, problems)
            else:
                problems.append(
                    Problem(
                        gettext_noop(
                            "Gap “{ident}” has an unknown kind {value}; use short_answer, "
                            "numeric or choice."
                        ),
                        ident=ident,
                        value=show(kind),
                    )
                )

    @staticmethod
    def _check_answers_list(ident: str, gap: Mapping[str, Any], problems: list[str]) -> list:
        answers = gap.get("answers")
        if not isinstance(answers, list) or not answers:
            problems.append(
                Problem(gettext_noop("Gap “{ident}” needs at least one answer."), ident=ident)
            )
            return []
        ids = [a.get("id") for a in answers if isinstance(a, Mapping) and "id" in a]
        for answer_id in ids:
            if not is_id(answer_id):
                problems.append(
                    Problem(
                        gettext_noop("An answer of gap “{ident}” has an empty id."), ident=ident
                    )
                )
        check_unique([i for i in ids if is_id(i)], problems)
        return answers

    @staticmethod
    def _check_answer_common(
        ident: str, position: int, answer: Mapping[str, Any], problems: list[str]
    ) -> None:
        fraction = answer.get("fraction")
        if not is_number(fraction) or not 0 <= fraction <= 1:
            problems.append(
                Problem(
                    gettext_noop(
                        "The credit of answer {position} of gap “{ident}” must be a number "
                        "from 0 to 1."
                    ),
                    ident=ident,
                    position=position,
                )
            )
        if "feedback" in answer and not isinstance(answer["feedback"], str):
            problems.append(
                Problem(
                    gettext_noop(
                        "The feedback of answer {position} of gap “{ident}” must be text."
                    ),
                    ident=ident,
                    position=position,
                )
            )

    @staticmethod
    def _check_full_credit(ident: str, fractions: list[Any], problems: list[str]) -> None:
        if not any(is_number(f) and f == 1 for f in fractions):
            problems.append(
                Problem(
                    gettext_noop("Gap “{ident}” needs an answer worth full credit (1)."),
                    ident=ident,
                )
            )

    def _check_short_answer(self, ident: str, gap: Mapping[str, Any], problems: list[str]) -> None:
        answers = self._check_answers_list(ident, gap, problems)
        for position, answer in enumerate(answers, start=1):
            if not isinstance(answer, Mapping):
                problems.append(
                    Problem(
                        gettext_noop("Answer {position} of gap “{ident}” must be an object."),
                        ident=ident,
                        position=position,
                    )
                )
                continue
            text = answer.get("text")
            if not isinstance(text, str) or not text.strip():
                problems.append(
                    Problem(
                        gettext_noop("Answer {position} of gap “{ident}” has no text."),
                        ident=ident,
                        position=position,
                    )
                )
            self._check_answer_common(ident, position, answer, problems)
        self._check_full_credit(
            ident, [a.get("fraction") for a in answers if isinstance(a, Mapping)], problems
        )
        for flag in ("case_sensitive", "ignore_accents", "ignore_spaces"):
            if flag in gap and not isinstance(gap[flag], bool):
                problems.append(
                    Problem(
                        gettext_noop("“{flag}” of gap “{ident}” must be true or false."),
                        flag=flag,
                        ident=ident,
                    )
                )

    def _check_numeric(self, ident: str, gap: Mapping[str, Any], problems: list[str]) -> None:
        answers = self._check_answers_list(ident, gap, problems)
        for position, answer in enumerate(answers, start=1):
            if not isinstance(answer, Mapping):
                problems.append(
                    Problem(
                        gettext_noop("Answer {position} of gap “{ident}” must be an object."),
                        ident=ident,
                        position=position,
                    )
                )
                continue
            value = answer.get("value")
            if not (is_number(value) or value in ANY_NUMBER):
                problems.append(
                    Problem(
                        gettext_noop(
                            "The value of answer {position} of gap “{ident}” must be a finite "
                            "number (or null for any other number)."
                        ),
                        ident=ident,
                        position=position,
                    )
                )
            tolerance = answer.get("tolerance", 0)
            if not is_number(tolerance) or tolerance < 0:
                problems.append(
                    Problem(
                        gettext_noop(
                            "The tolerance of answer {position} of gap “{ident}” must be a "
                            "number of 0 or more."
                        ),
                        ident=ident,
                        position=position,
                    )
                )
            self._check_answer_common(ident, position, answer, problems)
        self._check_full_credit(
            ident,
            [
                a.get("fraction")
                for a in answers
                if isinstance(a, Mapping) and a.get("value") not in ANY_NUMBER
            ],
            problems,
        )

    def _check_choice(self, ident: str, gap: Mapping[str, Any], problems: list[str]) -> None:
        options = gap.get("options")
        ids = check_entries(options, "option", 2, problems)
        check_unique(ids, problems)
        display = gap.get("display")
        if display not in DISPLAYS:
            problems.append(
                Problem(
                    gettext_noop(
                        "Gap “{ident}” has an unknown display {value}; use dropdown, radio or "
                        "checkbox."
                    ),
                    ident=ident,
                    value=show(display),
                )
            )
        fractions: list[Any] = []
        for position, option in enumerate(options if isinstance(options, list) else [], start=1):
            if not isinstance(option, Mapping):
                continue
            fractions.append(option.get("fraction"))
            fraction = option.get("fraction")
            if not is_number(fraction) or not -1 <= fraction <= 1:
                problems.append(
                    Problem(
                        gettext_noop(
                            "The credit of option {position} of gap “{ident}” must be a number "
                            "from -1 to 1."
                        ),
                        ident=ident,
                        position=position,
                    )
                )
            if "feedback" in option and not isinstance(option["feedback"], str):
                problems.append(
                    Problem(
                        gettext_noop(
                            "The feedback of option {position} of gap “{ident}” must be text."
                        ),
                        ident=ident,
                        position=position,
                    )
                )
        if display == "checkbox":
            positive = sum((_fraction(f) for f in fractions if is_number(f) and f > 0), Fraction(0))
            if positive < Fraction(999, 1000):
                problems.append(
                    Problem(
                        gettext_noop(
                            "The options of gap “{ident}” worth credit must add up to 1 "
                            "together (they add up to {total})."
                        ),
                        ident=ident,
                        total=round(float(positive), 4),
                    )
                )
        else:
            self._check_full_credit(ident, fractions, problems)

    editor_script = "js/question_editor/cloze.js"
    editor_strings: ClassVar[dict[str, str]] = {
        "gaps": gettext_noop("Gaps"),
        "gapsHelp": gettext_noop(
            "Write each gap's marker in the question text where the gap stands; each "
            "gap's weight counts in the question's score."
        ),
        "gap": gettext_noop("Gap"),
        "marker": gettext_noop("Marker for the question text:"),
        "kind": gettext_noop("The officer"),
        "short_answer": gettext_noop("types a word or a code"),
        "numeric": gettext_noop("types a number"),
        "choice": gettext_noop("chooses"),
        "weight": gettext_noop("Weight"),
        "display": gettext_noop("Shown as"),
        "dropdown": gettext_noop("a list"),
        "radio": gettext_noop("buttons, one to choose"),
        "checkbox": gettext_noop("boxes, several to tick"),
        "caseSensitive": gettext_noop("Capitals must match"),
        "answer": gettext_noop("Answer"),
        "answerText": gettext_noop("Accepted answer"),
        "value": gettext_noop("Number"),
        "tolerance": gettext_noop("Tolerance (±)"),
        "option": gettext_noop("Option"),
        "optionText": gettext_noop("Text"),
        "credit": gettext_noop("Credit"),
        "feedback": gettext_noop("Feedback"),
        "addAnswer": gettext_noop("Add an answer"),
        "addOption": gettext_noop("Add an option"),
        "addGap": gettext_noop("Add a gap"),
    }

    def skeleton(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """One gap of each kind, marked in the stem; option texts and answer feedback per
        language under ``gaps`` (accepted answers and numbers are part of the key)."""
        data = {
            "gaps": [
                {
                    "id": "g1",
                    "kind": "short_answer",
                    "weight": 1,
                    "case_sensitive": False,
                    "answers": [{"id": "a1", "text": "", "fraction": 1}],
                },
                {
                    "id": "g2",
                    "kind": "numeric",
                    "weight": 1,
                    "answers": [{"id": "n1", "value": 0, "tolerance": 0, "fraction": 1}],
                },
                {
                    "id": "g3",
                    "kind": "choice",
                    "weight": 1,
                    "display": "dropdown",
                    "options": [{"id": "a", "fraction": 1}, {"id": "b", "fraction": 0}],
                },
            ]
        }
        texts = {
            "stem": "<p>{{g1}} … {{g2}} … {{g3}}</p>",
            "gaps": {
                "g1": {"answers": {"a1": {"feedback": ""}}},
                "g3": {"options": {"a": {"text": ""}, "b": {"text": "", "feedback": ""}}},
            },
        }
        return data, texts

    def check_stem(self, data: Mapping[str, Any], stem: str, problems: list[str]) -> None:
        """The stem (one language's) marks every gap exactly once and no other gap."""
        marked = stem_gap_ids(stem)
        ids = [g.get("id") for g in data.get("gaps") or [] if isinstance(g, Mapping)]
        counts = Counter(marked)
        for ident in ids:
            if isinstance(ident, str) and counts[ident] == 0:
                problems.append(
                    Problem(
                        gettext_noop("The stem has no marker {{{{{ident}}}}} for gap “{ident}”."),
                        ident=ident,
                    )
                )
        for ident, count in counts.items():
            if ident not in ids:
                problems.append(
                    Problem(
                        gettext_noop("The stem marks {{{{{ident}}}}}, which is not a gap."),
                        ident=ident,
                    )
                )
            elif count > 1:
                problems.append(
                    Problem(
                        gettext_noop("The stem marks gap “{ident}” {count} times; mark it once."),
                        ident=ident,
                        count=count,
                    )
                )

    # --- delivery ----------------------------------------------------------------------
    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        """``{gap id: text | option id | [option ids]}`` checked against the gaps, in
        the gaps' order; blank gaps (``None``, ``""``, ``[]``) are left out. Texts are kept
        as typed without surrounding spaces; a numeric gap must hold a number."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ResponseError("wrong_shape")
        gaps = {g["id"]: g for g in _gaps(data)}
        for key in value:
            if key not in gaps:
                raise ResponseError("unknown_option", value=show(key))
        filled: dict[str, Any] = {}
        for ident, gap in gaps.items():
            item = value.get(ident)
            if item is None or item == "" or item == []:
                continue
            if gap["kind"] == "choice":
                options = _options(gap)
                if gap.get("display") == "checkbox":
                    if not isinstance(item, list):
                        raise ResponseError("wrong_shape")
                    chosen: set[str] = set()
                    for option in item:
                        if not isinstance(option, str):
                            raise ResponseError("wrong_shape")
                        if option not in options:
                            raise ResponseError("unknown_option", value=show(option))
                        chosen.add(option)
                    filled[ident] = sorted(chosen)
                else:
                    if not isinstance(item, str):
                        raise ResponseError("wrong_shape")
                    if item not in options:
                        raise ResponseError("unknown_option", value=show(item))
                    filled[ident] = item
                continue
            if is_number(item) and gap["kind"] == "numeric":
                item = repr(float(item)) if isinstance(item, float) else str(item)
            # As the short-answer type keeps it: line breaks and control characters made
            # spaces, surrounding spaces dropped, at most MAX_TEXT_LENGTH characters.
            text = canonical_text(item)
            if not text:
                continue
            if gap["kind"] == "numeric":
                parse_number(text)
            filled[ident] = text
        return filled

    def public_layout(
        self,
        full: Mapping[str, Any],
        view: dict[str, Any],
        tokens: Mapping[str, str],
        order: Mapping[str, Any],
    ) -> None:
        """The stem cut at its gaps (``view["segments"]``): each gap with its number in
        reading order, its kind, and for a choice its display and options by token in the
        attempt's order. Nothing of the key: no fraction, answer or feedback."""
        gaps = {g["id"]: g for g in _gaps(full)}
        segments: list[dict[str, Any]] = []
        number = 0
        for segment in stem_segments(view.get("stem", ""), list(gaps)):
            if "gap" not in segment:
                segments.append(segment)
                continue
            gap = gaps[segment["gap"]]
            number += 1
            shown: dict[str, Any] = {"id": gap["id"], "number": number, "kind": gap["kind"]}
            if gap["kind"] == "choice":
                name = self.gap_list(gap["id"])
                options = _options(gap)
                shown["display"] = (
                    gap.get("display") if gap.get("display") in DISPLAYS else "dropdown"
                )
                shown["options"] = [
                    {"id": tokens[f"{name}:{ident}"], "text": options[ident].get("text", "")}
                    for ident in order.get(name) or list(options)
                    if ident in options and f"{name}:{ident}" in tokens
                ]
            else:
                longest = max(
                    (len(str(a.get("text", a.get("value", "")))) for a in _answers(gap)),
                    default=8,
                )
                shown["size"] = min(40, max(8, longest + 4))
            segments.append({"gap": shown})
        view["segments"] = segments

    def arrange_view(self, view: dict[str, Any], answer: Mapping[str, Any]) -> None:
        """Each gap shows the saved answer (text, or its options checked)."""
        saved = answer.get("gaps") if isinstance(answer, Mapping) else None
        if not isinstance(saved, Mapping):
            return
        for segment in view.get("segments", []):
            gap = segment.get("gap")
            if not gap or gap["id"] not in saved:
                continue
            value = saved[gap["id"]]
            if gap["kind"] == "choice":
                chosen = value if isinstance(value, list) else [value]
                for option in gap["options"]:
                    option["checked"] = option["id"] in chosen
            elif isinstance(value, str):
                gap["value"] = value

    # --- grading -----------------------------------------------------------------------
    def grade(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict[str, Any]]:
        value = value if isinstance(value, Mapping) else {}
        total = Fraction(0)
        weights = 0
        detail: dict[str, Any] = {}
        for gap in _gaps(data):
            fraction, gap_detail = self.grade_gap(gap, value.get(gap["id"]))
            weight = _weight(gap)
            total += weight * fraction
            weights += weight
            detail[gap["id"]] = {"weight": weight, **gap_detail}
        return (total / weights if weights else Fraction(0)), {"gaps": detail}

    def grade_gap(self, gap: Mapping[str, Any], given: Any) -> tuple[Fraction, dict[str, Any]]:
        """One gap's fraction and review detail: what was given, the fraction, the
        feedback of the answer or options that earned it, the right answers."""
        kind = gap["kind"]
        fraction = Fraction(0)
        feedback: list[str] = []
        if kind == "choice":
            options = _options(gap)
            right = [i for i, o in options.items() if _fraction(o.get("fraction")) > 0]
            if gap.get("display") != "checkbox":
                right = [i for i, o in options.items() if _fraction(o.get("fraction")) == 1]
            chosen = given if isinstance(given, list) else [given] if isinstance(given, str) else []
            chosen = [c for c in chosen if c in options]
            fraction = sum((_fraction(options[c].get("fraction")) for c in chosen), Fraction(0))
            feedback = [options[c]["feedback"] for c in chosen if options[c].get("feedback")]
            correct: Any = right
        elif kind == "numeric":
            matched = None
            if isinstance(given, str):
                try:
                    number = Decimal(repr(parse_number(given)))
                except ResponseError:
                    number = None
                if number is not None:
                    matched = next((a for a in _answers(gap) if _numeric_hit(a, number)), None)
            if matched is not None:
                fraction = _fraction(matched.get("fraction"))
                if matched.get("feedback"):
                    feedback = [matched["feedback"]]
            correct = [
                {"value": a.get("value"), "tolerance": a.get("tolerance", 0)}
                for a in _answers(gap)
                if _fraction(a.get("fraction")) == 1 and a.get("value") not in ANY_NUMBER
            ]
        else:
            # The short-answer type's own matching (case, accents, spaces, wildcards,
            # numbers, codes), on the gap's answers and options.
            found = first_match(gap, given) if isinstance(given, str) else None
            matched = found[1] if found is not None else None
            if matched is not None:
                fraction = _fraction(matched.get("fraction"))
                if matched.get("feedback"):
                    feedback = [matched["feedback"]]
            correct = [
                a.get("text", "") for a in _answers(gap) if _fraction(a.get("fraction")) == 1
            ]
        fraction = min(_FULL, max(Fraction(0), fraction))
        return fraction, {
            "kind": kind,
            "given": given,
            "fraction": round(float(fraction), 6) + 0.0,
            "right": fraction == _FULL,
            "feedback": feedback,
            "correct": correct,
        }

    def review_stem(self, html: str) -> str:
        """The stem with each gap marker shown as its number, ``[1]``, in reading order
        as the review's list of gaps numbers them (a second marker of a gap stays text)."""
        seen: list[str] = []

        def numbered(match: re.Match[str]) -> str:
            if match.group(1) in seen:
                return match.group(0)
            seen.append(match.group(1))
            return f"<strong>[{len(seen)}]</strong>"

        parts = _TAG.split(html or "")
        return "".join(p if p.startswith("<") else GAP_MARKER.sub(numbered, p) for p in parts)

    def review_view(
        self, question: Mapping[str, Any], answer: Any, stem: str = ""
    ) -> dict[str, Any]:
        """What the review shows of each gap, numbered in the stem's reading order as
        :meth:`review_stem` and the attempt page number them: the officer's answer (texts
        of the chosen options), right or not, the right answers, the feedback."""
        given = answer.get("gaps") if isinstance(answer, Mapping) else None
        given = given if isinstance(given, Mapping) else {}
        gaps = {gap["id"]: gap for gap in _gaps(question)}
        ordered = [s["gap"] for s in stem_segments(stem, list(gaps)) if "gap" in s]
        rows = []
        for number, gap in enumerate((gaps[ident] for ident in ordered), start=1):
            fraction, detail = self.grade_gap(gap, given.get(gap["id"]))
            options = _options(gap)
            raw = given.get(gap["id"])
            if gap["kind"] == "choice":
                chosen = raw if isinstance(raw, list) else [raw] if isinstance(raw, str) else []
                answer_text = ", ".join(options[c].get("text", "") for c in chosen if c in options)
                right = ", ".join(options[c].get("text", "") for c in detail["correct"])
            elif gap["kind"] == "numeric":
                answer_text = raw if isinstance(raw, str) else ""
                right = " · ".join(
                    number_text(c["value"])
                    + (f" ± {number_text(c['tolerance'])}" if c["tolerance"] else "")
                    for c in detail["correct"]
                )
            else:
                answer_text = raw if isinstance(raw, str) else ""
                right = " · ".join(detail["correct"])
            rows.append(
                {
                    "number": number,
                    "kind": gap["kind"],
                    "answer": answer_text,
                    "state": "right" if detail["right"] else "partial" if fraction else "wrong",
                    "fraction": detail["fraction"],
                    "percent": round(100 * detail["fraction"]),
                    "weight": _weight(gap),
                    "correct": right,
                    "feedback": detail["feedback"],
                }
            )
        return {"gaps": rows}

    # --- item analysis -----------------------------------------------------------------
    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        """How often each answer was given in each gap (``"g1 → text"``; a checkbox gap's
        options joined with ``+``), the :data:`TOP_ANSWERS` most frequent."""
        counts: Counter[str] = Counter()
        for value in values:
            if not isinstance(value, Mapping):
                continue
            for gap, item in value.items():
                if isinstance(item, list):
                    item = "+".join(str(i) for i in item)
                if isinstance(item, str) and item:
                    counts[f"{gap} → {item}"] += 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return dict(ranked[:TOP_ANSWERS])

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("multianswer", "cloze")

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``multianswer`` (``cloze`` in its XML): each embedded answer
        ``{weight:TYPE:answers}`` becomes a gap and a ``{{gN}}`` marker in the stem (see
        :func:`_moodle_cloze_gap`)."""
        gaps: list[dict[str, Any]] = []

        def gap(match: re.Match[str]) -> str:
            gaps.append(_moodle_cloze_gap(q, match, len(gaps) + 1))
            return "{{" + gaps[-1]["id"] + "}}"

        q.stem_raw = _MOODLE_CLOZE.sub(gap, q.stem_raw)
        if not gaps:
            q.reject("cloze_no_gaps")
        if q.find("shuffleanswers") is not None:
            q.keep("shuffleanswers", q.flag("shuffleanswers"))
        return "cloze", {"gaps": gaps}

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        gaps = {g["id"]: g for g in w.data["gaps"]}
        text = w.element.find("questiontext/text")
        if text is None:
            raise ValueError("no question text")
        text.text = GAP_MARKER.sub(
            lambda m: _moodle_cloze_text(gaps[m.group(1)]) if m.group(1) in gaps else m.group(0),
            text.text or "",
        )
        if "shuffleanswers" in w.moodle:
            w.add("shuffleanswers", "1" if w.moodle["shuffleanswers"] else "0")
        return "multianswer"

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_gap_interactions: ClassVar[frozenset[str]] = frozenset(
        {"text-entry-interaction", "inline-choice-interaction"}
    )

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        gaps: list[dict[str, Any]] = []
        seen: set[str] = set()
        for node in q.interactions:
            response = node.get("response-identifier", "")
            decl = q.declarations.get(response)
            if decl is None:
                q.reject("no_declaration", identifier=response[:60])
                return "", {}
            processing = q.processing_of(response)
            ident = q.gap_id(response)
            while ident in seen:
                ident += "_"
            seen.add(ident)
            raw_weight = q.attr("data-weight", element=node)
            gap: dict[str, Any] = {
                "id": ident,
                "weight": int(raw_weight) if raw_weight.isdigit() else 1,
            }
            gap["weight"] = max(1, gap["weight"])
            if node.tag == "text-entry-interaction":
                answers, case_sensitive = q.text_answers(decl, processing)
                tolerances = q.attr("data-tolerances", element=node).split()
                values = q.numbers(a["text"] for a in answers)
                if decl.base_type in ("float", "integer") and values is not None:
                    gap["kind"] = "numeric"
                    gap["answers"] = [
                        {
                            "value": int(v) if v.is_integer() else v,
                            "tolerance": q.clamp(q.number(t, "tolerance"), 0, 1e15) if t else 0,
                            "fraction": a["fraction"],
                        }
                        for a, v, t in zip(
                            answers, values, tolerances + [""] * len(answers), strict=False
                        )
                    ]
                else:
                    gap.update(kind="short_answer", answers=answers, case_sensitive=case_sensitive)
                    for flag in ("ignore_accents", "ignore_spaces"):
                        if q.attr("data-" + flag.replace("_", "-"), element=node) == "true":
                            gap[flag] = True
            else:
                options = q.choices("inline-choice", node)
                if len(options) < 2:
                    q.reject("too_few_choices", minimum=2, count=len(options))
                mapped = processing != "match_correct" and bool(decl.mapping)
                values_by_id = {k: v for k, v, _cs in decl.mapping} if mapped else {}
                correct = decl.correct or [k for k, v in values_by_id.items() if v > 0]
                if not correct:
                    q.reject("no_correct")
                q.known(correct, (o["id"] for o in options))
                top = values_by_id.get(correct[0]) or max(values_by_id.values(), default=0)
                for option in options:
                    if values_by_id and top > 0:
                        option["fraction"] = q.clamp(values_by_id.get(option["id"], 0) / top)
                    else:
                        option["fraction"] = 1 if option["id"] == correct[0] else 0
                display = q.attr("data-display", element=node)
                gap.update(
                    kind="choice",
                    options=options,
                    display=display if display in ("dropdown", "radio") else "dropdown",
                )
            q.markers[node] = "{{" + ident + "}}"
            gaps.append(gap)
        return {"gaps": gaps}

    def qti_write(self, w: QtiItemWriter) -> None:
        for gap in w.data["gaps"]:
            ident = w.ident(gap["id"])
            kind = gap["kind"]
            weight = gap.get("weight", 1)
            if kind == "choice":
                if gap.get("display") == "checkbox":
                    raise ValueError("export_invalid")
                options = gap["options"]
                best = max(options, key=lambda o: o.get("fraction", 0))
                w.declare(
                    "single",
                    "identifier",
                    [w.ident(best["id"])],
                    [(w.ident(o["id"]), float(o.get("fraction", 0)), None) for o in options],
                    identifier=ident,
                )
                node = w.node(
                    "qti-inline-choice-interaction",
                    {"response-identifier": ident, "shuffle": "false"},
                )
                if gap.get("display") == "radio":
                    node.set("data-display", "radio")
                for option in options:
                    w.add(
                        node,
                        "qti-inline-choice",
                        str(option["text"]),
                        identifier=w.ident(option["id"]),
                    )
            else:
                answers = gap["answers"]
                numeric = kind == "numeric"
                if numeric and any(not isinstance(a.get("value"), int | float) for a in answers):
                    raise ValueError("export_invalid")
                keys = [w.format(a["value"]) if numeric else str(a["text"]) for a in answers]
                best = [k for k, a in zip(keys, answers, strict=True) if a.get("fraction", 1) == 1]
                case = None if numeric else bool(gap.get("case_sensitive"))
                w.declare(
                    "single",
                    "float" if numeric else "string",
                    best[:1],
                    [
                        (k, float(a.get("fraction", 1)), case)
                        for k, a in zip(keys, answers, strict=True)
                    ],
                    identifier=ident,
                )
                node = w.node(
                    "qti-text-entry-interaction",
                    {
                        "response-identifier": ident,
                        "expected-length": str(max(10, *map(len, keys))),
                    },
                )
                if numeric and any(a.get("tolerance") for a in answers):
                    node.set(
                        "data-tolerances",
                        " ".join(w.format(a.get("tolerance", 0)) for a in answers),
                    )
                for flag in ("ignore_accents", "ignore_spaces"):
                    if gap.get(flag):
                        node.set("data-" + flag.replace("_", "-"), "true")
            if weight != 1:
                node.set("data-weight", str(weight))
            w.gaps[gap["id"]] = node
            w.scored.append(ident)


def _numeric_hit(answer: Mapping[str, Any], number: Decimal) -> bool:
    value = answer.get("value")
    if value in ANY_NUMBER:
        return True
    if not is_number(value):
        return False
    tolerance = answer.get("tolerance", 0)
    tolerance = tolerance if is_number(tolerance) and tolerance >= 0 else 0
    return abs(number - Decimal(repr(float(value)))) <= Decimal(repr(float(tolerance)))


# --- Moodle XML: the embedded-answers syntax ------------------------------------------------
_MOODLE_KINDS: dict[str, tuple[str, str]] = {
    "SHORTANSWER": ("short_answer", "SHORTANSWER"),
    "SA": ("short_answer", "SHORTANSWER"),
    "MW": ("short_answer", "SHORTANSWER"),
    "SHORTANSWER_C": ("short_answer", "SHORTANSWER_C"),
    "SAC": ("short_answer", "SHORTANSWER_C"),
    "MWC": ("short_answer", "SHORTANSWER_C"),
    "NUMERICAL": ("numeric", "NUMERICAL"),
    "NM": ("numeric", "NUMERICAL"),
}
"""Moodle's gap keywords (short and long) -> (gap kind, the long keyword kept in the gap)."""
_MOODLE_DISPLAY = {"MULTICHOICE": "dropdown", "MULTIRESPONSE": "checkbox"}
for _short, _long in (
    ("MC", "MULTICHOICE"),
    ("MCS", "MULTICHOICE_S"),
    ("MCV", "MULTICHOICE_V"),
    ("MCVS", "MULTICHOICE_VS"),
    ("MCH", "MULTICHOICE_H"),
    ("MCHS", "MULTICHOICE_HS"),
    ("MR", "MULTIRESPONSE"),
    ("MRS", "MULTIRESPONSE_S"),
    ("MRH", "MULTIRESPONSE_H"),
    ("MRHS", "MULTIRESPONSE_HS"),
):
    _MOODLE_KINDS[_short] = _MOODLE_KINDS[_long] = ("choice", _long)
    _MOODLE_DISPLAY[_long] = (
        "checkbox"
        if _long.startswith("MULTIRESPONSE")
        else "radio"
        if "_V" in _long or "_H" in _long
        else "dropdown"
    )
_MOODLE_CLOZE = re.compile(
    r"\{(?P<weight>[0-9]*):(?P<kind>"
    + "|".join(sorted(_MOODLE_KINDS, key=len, reverse=True))
    + r")(?::(?P<answers>(?:\\.|[^\\}])*))?\}"
)
_MOODLE_TILDE = re.compile(r"(?<!\\)~")
_MOODLE_HASH = re.compile(r"(?<!\\)#")
_MOODLE_ANSWER = re.compile(
    r"\s*(?:%(?P<percent>-?[0-9]+(?:\.[0-9]+)?)%|(?P<full>=))?(?P<text>.*)", re.DOTALL
)


def _moodle_unescape(text: str) -> str:
    return re.sub(r"\\([\\}{#~/\"])", r"\1", text)


def _moodle_escape(text: str) -> str:
    return re.sub(r"([\\}{#~])", r"\\\1", text)


def _moodle_cloze_gap(q: MoodleQuestionReader, match: re.Match[str], number: int) -> dict[str, Any]:
    """One embedded answer as a gap: answers separated by ``~``, each ``%grade%``, ``=``
    (100 %) or nothing (0 %) before its text and ``#feedback`` after; choices need two
    answers, every gap an answer at 100 % (a MULTIRESPONSE one may reach 100 % in sum);
    numeric answers are ``value:tolerance`` or ``*`` (any other answer)."""
    from decimal import InvalidOperation

    from ..gift import option_id
    from ..interchange.moodlexml import format_number, json_number, moodle_grade, plain_text

    kind, moodle = _MOODLE_KINDS[match.group("kind")]
    gap: dict[str, Any] = {
        "id": f"g{number}",
        "kind": kind,
        "weight": int(match.group("weight") or 1) or 1,
        "moodle": moodle,
    }
    answers = []
    for raw in _MOODLE_TILDE.split(match.group("answers") or ""):
        if not raw.strip():
            continue
        parts = _MOODLE_HASH.split(raw, maxsplit=1)
        head = _MOODLE_ANSWER.match(parts[0])
        assert head is not None  # the pattern matches any text
        percent = Decimal(100) if head.group("full") else Decimal(head.group("percent") or 0)
        fraction = moodle_grade(percent, negative=kind == "choice")
        if fraction is None:
            q.reject("invalid_grade", value=format_number(percent), number=number)
        text = plain_text(_moodle_unescape(head.group("text")))
        feedback = plain_text(_moodle_unescape(parts[1])) if len(parts) > 1 else ""
        answers.append((text, fraction, feedback))
    if kind == "choice":
        if len(answers) < 2:
            q.reject("cloze_too_few_choices", number=number, count=len(answers))
        gap["options"] = [
            {"id": option_id(i), "text": t, "fraction": f, **({"feedback": fb} if fb else {})}
            for i, (t, f, fb) in enumerate(answers)
        ]
        gap["display"] = _MOODLE_DISPLAY[moodle]
        positive = sum(f for _, f, _ in answers if f > 0)
        if not any(f == 1 for _, f, _ in answers) and not (
            gap["display"] == "checkbox" and abs(positive - 1) < 0.001
        ):
            q.reject("cloze_no_full_credit", number=number)
        return gap
    if not answers:
        q.reject("cloze_no_answers", number=number)
    if not any(f == 1 for _, f, _ in answers):
        q.reject("cloze_no_full_credit", number=number)
    entries = []
    for index, (text, fraction, feedback) in enumerate(answers, start=1):
        item: dict[str, Any]
        if kind == "numeric":
            value, _, tolerance = text.partition(":")
            if value.strip() == "*":
                item = {"value": None, "fraction": fraction}
            else:
                try:
                    item = {
                        "value": json_number(Decimal(value.strip())),
                        "tolerance": json_number(abs(Decimal(tolerance.strip() or "0"))),
                        "fraction": fraction,
                    }
                except InvalidOperation:
                    q.reject("cloze_bad_number", number=number, value=text[:40])
        else:
            item = {"id": f"a{index}", "text": text, "fraction": fraction}
        if feedback:
            item["feedback"] = feedback
        entries.append(item)
    gap["answers"] = entries
    if kind == "short_answer":
        gap["case_sensitive"] = moodle == "SHORTANSWER_C"
    return gap


def _moodle_cloze_text(gap: Mapping[str, Any]) -> str:
    """A gap in Moodle's embedded-answers syntax (its kept keyword, else the nearest)."""
    import html

    from ..interchange.moodlexml import format_number, format_percent

    kind = gap["kind"]
    display = {"dropdown": "MULTICHOICE", "radio": "MULTICHOICE_V", "checkbox": "MULTIRESPONSE"}
    moodle = gap.get("moodle") or (
        ("SHORTANSWER_C" if gap.get("case_sensitive") else "SHORTANSWER")
        if kind == "short_answer"
        else "NUMERICAL"
        if kind == "numeric"
        else display[gap.get("display", "dropdown")]
    )
    if kind == "choice":
        items = [(o["text"], o.get("fraction", 0), o.get("feedback", "")) for o in gap["options"]]
    elif kind == "numeric":
        items = [
            (
                "*"
                if a["value"] is None
                else f"{format_number(a['value'])}:{format_number(a.get('tolerance', 0))}",
                a.get("fraction", 1),
                a.get("feedback", ""),
            )
            for a in gap["answers"]
        ]
    else:
        items = [(a["text"], a.get("fraction", 1), a.get("feedback", "")) for a in gap["answers"]]
    parts = []
    for text, fraction, feedback in items:
        escaped = text if kind == "numeric" else _moodle_escape(html.escape(text, quote=False))
        part = f"%{format_percent(fraction)}%{escaped}"
        if feedback:
            part += "#" + _moodle_escape(html.escape(feedback, quote=False))
        parts.append(part)
    return "{" + f"{gap.get('weight', 1)}:{moodle}:" + "~".join(parts) + "}"
