"""Multiple response: several options may be right, scored by one of three rules.

The optional ``fractions`` (option id -> credit, -1..1; options left out earn 0) replaces
the rule with Moodle's weights for its "multiple answers" question (GIFT
``{~%50%a ~%50%b ~%-100%c}``): the chosen options' credits added up, floored at 0 and
capped at 1. ``correct`` then lists exactly the options with a positive credit, and
``scoring`` still names a rule for whoever ignores the weights.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

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

if TYPE_CHECKING:
    from ..gift import GiftQuestionReader, GiftQuestionWriter
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter


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
        positive = {
            ident
            for ident, credit in fractions.items()
            if isinstance(credit, int | float) and not isinstance(credit, bool) and credit > 0
        }
        if isinstance(correct, list) and set(correct) != positive:
            problems.append(
                Problem(
                    gettext_noop(
                        "The correct options must be exactly the options with a positive credit."
                    )
                )
            )

    @staticmethod
    def weighted(data: Mapping[str, Any], chosen: Iterable[str]) -> Fraction | None:
        """Moodle's score from ``fractions`` (added up, floored at 0, capped at 1), or
        None when the question has no credits per option."""
        fractions = data.get("fractions")
        if not isinstance(fractions, Mapping):
            return None
        total = Fraction(0)
        for ident in chosen:
            credit = fractions.get(ident, 0)
            if isinstance(credit, int | float) and not isinstance(credit, bool):
                total += Fraction(repr(float(credit)))
        return min(Fraction(1), max(Fraction(0), total))

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
        weighted = self.weighted(data, chosen_set)
        if not chosen:
            fraction = Fraction(0)
        elif weighted is not None:
            fraction = weighted
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
        detail: dict[str, Any] = {
            "scoring": rule,
            "chosen": list(chosen),
            "right": right,
            "wrong": wrong,
            "missed": missed,
            "correct_options": [o for o in options if o in correct],
        }
        if weighted is not None:
            detail["credited_options"] = dict(data["fractions"])
        return fraction, detail

    def review_view(
        self, question: Mapping[str, Any], answer: Any, stem: str = ""
    ) -> dict[str, Any]:
        """The options as the review shows them: the right ones ticked and, with
        ``fractions``, every option's credit that is neither 0 nor 100 %."""
        from .single_choice import review_options

        return {"options": review_options(question, lambda credit: credit > 0)}

    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for value in values:
            if isinstance(value, list):
                counts.update({v for v in value if isinstance(v, str)})
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    # Read as Moodle's multichoice by SingleChoice.moodlexml_read (``single`` decides).

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        from .single_choice import SingleChoice

        return SingleChoice().moodlexml_read(q)

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        """Each option's Moodle grade from ``fractions``; without them each correct option
        1/n and, for ``right_minus_wrong``, each wrong one -1/w (Moodle then grades exactly
        that rule), else -1 (any wrong choice scores 0, the nearest Moodle gets to the
        other rules)."""
        from .single_choice import moodlexml_write_multichoice

        data = w.data
        options = data["options"]
        if isinstance(data.get("fractions"), Mapping):
            fractions = [float(data["fractions"].get(o["id"], 0)) for o in options]
        else:
            correct = set(data["correct"])
            wrong = len(options) - len(correct)
            rule = data.get("scoring")
            fractions = [
                1 / len(correct)
                if o["id"] in correct
                else (-1 / wrong if rule == "right_minus_wrong" and wrong else -1.0)
                for o in options
            ]
        return moodlexml_write_multichoice(w, single=False, fractions=fractions)

    # --- GIFT (the format: assessments/gift.py) ---------------------------------------------
    gift_shapes: ClassVar[tuple[str, ...]] = ("weighted_choice",)

    def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
        """``{~%50%a ~%50%b ~%-100%c}``: ``~`` answers with weights and no ``=`` answer
        (Moodle's "multiple answers" question). ``correct`` is every option with a
        positive weight and ``scoring`` is ``right_minus_wrong`` (GIFT keeps no scoring
        name). Weights that rule does not give (``{~%50%a ~%50%b ~c ~%-100%d}``: a wrong
        option that costs nothing, or costs more or less than 1/w) are kept as
        ``fractions`` (option id -> credit), which then score as in Moodle."""
        from .single_choice import gift_read_choices

        options, credits = gift_read_choices(q)
        correct = [ident for ident, credit in credits.items() if credit > 0]
        if not correct:
            q.reject("no_correct_answer")
        data: dict[str, Any] = {
            "options": options,
            "correct": correct,
            "scoring": "right_minus_wrong",
        }
        # Weights that right_minus_wrong gives anyway (100/n for each of the n right
        # options, -100/w for each of the w wrong ones) need no credits of their own.
        right, wrong = 1 / len(correct), -1 / max(1, len(options) - len(correct))
        if not all(
            math.isclose(credit, right if credit > 0 else wrong, abs_tol=1e-6)
            for credit in credits.values()
        ):
            data["fractions"] = {ident: credit for ident, credit in credits.items() if credit}
        return q.general_feedback, data

    def gift_write(self, w: GiftQuestionWriter) -> list[str]:
        """``fractions`` as they are; without them each correct option gets ``100 / n``
        (n correct options, so they sum to 100) and each wrong option ``-100 / w`` (w wrong
        options) when the question scores ``right_minus_wrong`` -- Moodle then awards
        exactly right chosen / n - wrong chosen / w, floored at 0, which is that rule --
        and ``-100`` otherwise, the nearest Moodle gets to ``all_or_nothing`` and
        ``per_option`` (any wrong choice scores 0)."""
        data = w.data
        options = list(data["options"])
        correct = set(data["correct"])
        if not correct or not correct <= {option["id"] for option in options}:
            raise ValueError("correct options missing")
        if (fractions := data.get("fractions")) is not None:  # Moodle's weights, as they are
            credits = {
                o["id"]: w.fraction(fractions.get(o["id"], 0), negative=True) for o in options
            }
            if {ident for ident, credit in credits.items() if credit > 0} != correct:
                raise ValueError("credits do not fit the correct options")
            lines = [
                w.option_line(
                    "~" + (w.weight(credits[o["id"]] * 100) if credits[o["id"]] else ""), o
                )
                for o in options
            ]
            return lines + w.general_line()
        right = 100 / len(correct)
        distractors = max(1, len(options) - len(correct))
        wrong = -100 / distractors if data.get("scoring") == "right_minus_wrong" else -100.0
        lines = [
            w.option_line("~" + w.weight(right if o["id"] in correct else wrong), o)
            for o in options
        ]
        return lines + w.general_line()

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("choice-interaction",)

    def qti_accepts(self, q: QtiItemReader) -> bool:
        return q.decl.cardinality != "single"

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        options, correct, values = q.keyed_choices()
        ids = [o["id"] for o in options]
        rule = q.scoring(self.scoring_rules, "right_minus_wrong" if values else "all_or_nothing")
        data: dict[str, Any] = {
            "options": options,
            "correct": [i for i in ids if i in set(correct)],
            "scoring": rule,
        }
        if values:  # the mapping's credits, over the most one can earn (its upper bound)
            top = q.decl.upper_bound or round(sum(v for v in values.values() if v > 0), 6) or 1
            fractions = {i: q.clamp(values[i] / top) for i in ids if values.get(i)}
            data["fractions"] = fractions
            data["correct"] = [i for i in ids if fractions.get(i, 0) > 0]
        return data

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        fractions = data.get("fractions") or {}
        mapping = [(w.ident(k), float(v), None) for k, v in fractions.items() if v]
        w.declare(
            "multiple",
            "identifier",
            [w.ident(i) for i in data["correct"]],
            mapping,
            lower_bound=0 if mapping else None,
            upper_bound=1 if mapping else None,
        )
        rule = data.get("scoring", "all_or_nothing")
        default = "right_minus_wrong" if mapping else "all_or_nothing"
        element = w.interaction(
            "qti-choice-interaction",
            shuffle="false",
            max_choices=0,
            data_scoring=rule if rule != default else None,
        )
        for option in data["options"]:
            w.choice(element, option)
