"""Matching: pair each premise with a response."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
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
    from ..gift import GiftQuestionReader, GiftQuestionWriter
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter


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

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("match", "matching")

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``match`` (``matching`` in its XML): each sub-question with text is a
        premise, each distinct answer a response (one with empty text is a distractor);
        Moodle grades per sub-question, so ``per_premise``."""
        premises: list[dict[str, str]] = []
        responses: list[dict[str, str]] = []
        response_ids: dict[str, str] = {}
        correct: dict[str, str] = {}
        for node in q.findall("subquestion"):
            text = q.plain(".", element=node)
            answer = " ".join(q.text("answer", element=node).split())
            if not answer:
                continue
            if answer not in response_ids:
                response_ids[answer] = f"r{len(responses) + 1}"
                responses.append({"id": response_ids[answer], "text": answer})
            if text:
                premise = f"p{len(premises) + 1}"
                premises.append({"id": premise, "text": text})
                correct[premise] = response_ids[answer]
        if len(premises) < 2:
            q.reject("matching_too_few", count=len(premises))
        for key in ("shuffleanswers", "shownumcorrect"):
            if q.find(key) is not None:
                q.keep(key, q.flag(key))
        return "matching", {
            "premises": premises,
            "responses": responses,
            "correct": correct,
            "scoring": "per_premise",
        }

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        data = w.data
        w.add("shuffleanswers", "true" if w.moodle.get("shuffleanswers", True) else "false")
        w.combined_feedback()
        responses = {r["id"]: r["text"] for r in data["responses"]}
        used = set()
        for premise in data["premises"]:
            node = w.formatted("subquestion", w.plain_html(premise["text"]))
            answer = w.add("answer", parent=node)
            w.add("text", responses[data["correct"][premise["id"]]], parent=answer)
            used.add(data["correct"][premise["id"]])
        for response in data["responses"]:
            if response["id"] not in used:
                node = w.formatted("subquestion", "")
                answer = w.add("answer", parent=node)
                w.add("text", response["text"], parent=answer)
        return "matching"

    # --- GIFT (the format: assessments/gift.py) ---------------------------------------------
    gift_shapes: ClassVar[tuple[str, ...]] = ("pairs",)

    def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
        """``{=premise -> response ...}``; ``= -> text`` adds a distractor response.
        Premises get ids p1, p2, ...; responses r1, r2, ... in order of first appearance,
        one per distinct text (plain text, as in Moodle). Moodle grades matching per
        premise, so ``per_premise``; it has no per-pair feedback, so a ``#feedback`` on a
        pair is dropped."""
        premises: list[dict[str, str]] = []
        responses: dict[str, str] = {}  # text -> id, in order of first appearance
        correct: dict[str, str] = {}
        for answer in q.answer_list():
            if answer.marker != "=":
                q.reject("unknown_syntax", text=q.snippet("~" + answer.text))
            premise_text, arrow, response_text = answer.text.partition("->")
            if not arrow:
                q.reject("bad_matching_pair", number=answer.number)
            premise = q.text(premise_text)
            response = q.plain(response_text, format_marker=False)
            if not response:
                q.reject("missing_answer", number=answer.number)
            response_id = responses.setdefault(response, f"r{len(responses) + 1}")
            if premise:  # "= -> text" only adds a distractor
                premise_id = f"p{len(premises) + 1}"
                premises.append({"id": premise_id, "text": premise})
                correct[premise_id] = response_id
        for entries in (premises, responses):
            if len(entries) < 2:
                q.reject("too_few_options", minimum=2, count=len(entries))
        data = {
            "premises": premises,
            "responses": [{"id": rid, "text": text} for text, rid in responses.items()],
            "correct": correct,
            "scoring": "per_premise",
        }
        return q.general_feedback, data

    def gift_write(self, w: GiftQuestionWriter) -> list[str]:
        """One ``=premise -> response`` line per premise, then ``= -> response`` for each
        response no premise takes (a distractor)."""
        data = w.data
        responses = {response["id"]: str(response["text"]) for response in data["responses"]}
        used: set[str] = set()
        lines = []
        for premise in data["premises"]:
            text = str(premise["text"])
            if not text.strip():
                raise ValueError("empty premise")
            response_id = data["correct"][premise["id"]]
            used.add(response_id)
            response = responses[response_id]
            if not response.strip():
                raise ValueError("empty response")
            lines.append(f"={w.answer_text(text)} -> {w.escape(response)}")
        if len(lines) < 2:
            raise ValueError("too few premises")
        lines.extend(f"= -> {w.escape(text)}" for rid, text in responses.items() if rid not in used)
        return lines + w.general_line()

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("match-interaction", "associate-interaction")

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        """A match interaction (first match set the premises, second the responses) or an
        associate interaction (each correct pair a premise and its response, the other
        choices extra responses)."""
        if q.name == "associate-interaction":
            return self._qti_read_associate(q)
        return self._qti_read_match(q)

    def _qti_read_match(self, q: QtiItemReader) -> dict[str, Any]:
        sets = q.interaction.findall("simple-match-set")
        if len(sets) != 2:
            q.reject("match_sets", count=len(sets))
        premises = q.choices("simple-associable-choice", sets[0])
        responses = q.choices("simple-associable-choice", sets[1])
        premise_ids = {p["id"] for p in premises}
        response_ids = {r["id"] for r in responses}
        correct: dict[str, str] = {}
        for first, second in q.pairs():
            if first in response_ids and second in premise_ids:
                first, second = second, first
            if first not in premise_ids or second not in response_ids:
                q.reject("match_bad_pair", value=f"{first} {second}"[:60])
            if correct.get(first, second) != second:
                q.reject("match_several", premise=first[:60])
            correct[first] = second
        for premise in premises:
            if premise["id"] not in correct:
                q.reject("match_unpaired", premise=premise["id"][:60])
        return {
            "premises": premises,
            "responses": responses,
            "correct": {p["id"]: correct[p["id"]] for p in premises},
            "scoring": q.scoring(
                self.scoring_rules, "per_premise" if q.mapped else "all_or_nothing"
            ),
        }

    def _qti_read_associate(self, q: QtiItemReader) -> dict[str, Any]:
        choices = q.choices("simple-associable-choice")
        by_id = {c["id"]: c for c in choices}
        used: set[str] = set()
        premises: list[dict[str, str]] = []
        responses: list[dict[str, str]] = []
        correct: dict[str, str] = {}
        for first, second in q.pairs():
            if first not in by_id or second not in by_id or first == second:
                q.reject("match_bad_pair", value=f"{first} {second}"[:60])
            if first in used or second in used:
                q.reject("match_several", premise=(first if first in used else second)[:60])
            used |= {first, second}
            premises.append(by_id[first])
            responses.append(by_id[second])
            correct[first] = second
        responses += [c for c in choices if c["id"] not in used]
        return {
            "premises": premises,
            "responses": responses,
            "correct": correct,
            "scoring": q.scoring(
                self.scoring_rules, "per_premise" if q.mapped else "all_or_nothing"
            ),
        }

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        premises, responses = data["premises"], data["responses"]
        pairs = [f"{w.ident(p)} {w.ident(r)}" for p, r in data["correct"].items()]
        per_premise = data.get("scoring") == "per_premise"
        w.declare(
            "multiple",
            "directedPair",
            pairs,
            [(pair, 1.0, None) for pair in pairs] if per_premise else (),
            lower_bound=0 if per_premise else None,
        )
        element = w.interaction(
            "qti-match-interaction", shuffle="true", max_associations=len(premises)
        )
        first = w.add(element, "qti-simple-match-set")
        for premise in premises:
            w.add(
                first,
                "qti-simple-associable-choice",
                str(premise["text"]),
                identifier=w.ident(premise["id"]),
                match_max=1,
            )
        second = w.add(element, "qti-simple-match-set")
        for response in responses:
            w.add(
                second,
                "qti-simple-associable-choice",
                str(response["text"]),
                identifier=w.ident(response["id"]),
                match_max=len(premises),
            )
