"""Single choice: the officer picks one option.

``correct`` is the option at full credit. The optional ``fractions`` (option id -> credit,
-1..1; options left out earn 0) gives other options credit too, as Moodle's single-answer
multiple choice does: several right options (GIFT ``{=a =b ~c}``) or partial and negative
credit (``~%50%almost``, ``~%-50%wrong``). A question never scores below 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
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
    is_number,
    show,
)

if TYPE_CHECKING:
    from ..gift import GiftQuestionReader, GiftQuestionWriter
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter


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

    def review_view(
        self, question: Mapping[str, Any], answer: Any, stem: str = ""
    ) -> dict[str, Any]:
        """The options as the review shows them (:func:`review_options`): the right one
        ticked and, with ``fractions``, every option's credit that is not 0."""
        return {"options": review_options(question, lambda credit: credit == 1)}

    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        counts = Counter(v for v in values if isinstance(v, str) and v)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("multichoice",)

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``multichoice``. One answer (``single``): a single choice whose
        ``correct`` is the first answer at 100 % and, when another answer has a grade,
        ``fractions`` holds every non-zero grade. Several answers: a multiple response;
        ``correct`` is every answer with a positive grade, ``scoring``
        ``right_minus_wrong`` and, when the grades are not exactly that rule's (1/n for
        each right answer, -1/w for each wrong one), ``fractions`` every non-zero grade
        (Moodle's weights, graded as Moodle does)."""
        from ..gift import option_id

        answers = q.answers(negative=True)
        if len(answers) < 2:
            q.reject("too_few_answers", minimum=2, count=len(answers))
        options = [
            q.option_entry(a, option_id(i), q.grade(a, negative=True))
            for i, a in enumerate(answers)
        ]
        for key in ("shuffleanswers", "shownumcorrect", "showstandardinstruction"):
            if q.find(key) is not None:
                q.keep(key, q.flag(key))
        numbering = q.value("answernumbering")
        if numbering:
            q.keep("answernumbering", numbering)
        fractions = {o["id"]: o.pop("fraction") for o in options}
        if not q.flag("single", default=True):
            correct = [ident for ident, fraction in fractions.items() if fraction > 0]
            if not correct:
                q.reject("no_correct_option")
            data = {"options": options, "correct": correct, "scoring": "right_minus_wrong"}
            wrong = len(options) - len(correct)
            rule = {i: 1 / len(correct) if i in correct else -1 / wrong for i in fractions}
            if any(abs(fractions[i] - rule[i]) > 1e-5 for i in fractions):
                # Weights right_minus_wrong does not give: kept, and graded as Moodle does.
                data["fractions"] = {ident: f for ident, f in fractions.items() if f}
            return "multiple_response", data
        full = [ident for ident, fraction in fractions.items() if fraction == 1]
        if not full:
            q.reject("no_full_credit")
        data: dict[str, Any] = {"options": options, "correct": full[0]}
        if any(f for ident, f in fractions.items() if ident != data["correct"]):
            data["fractions"] = {ident: f for ident, f in fractions.items() if f}
        return "single_choice", data

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        data = w.data
        fractions = data.get("fractions") or {data["correct"]: 1}
        return moodlexml_write_multichoice(
            w, single=True, fractions=[float(fractions.get(o["id"], 0)) for o in data["options"]]
        )

    # --- GIFT (the format: assessments/gift.py) ---------------------------------------------
    gift_shapes: ClassVar[tuple[str, ...]] = ("choice",)

    def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
        """A multiple choice with at least one ``=`` answer (Moodle's single-answer
        multichoice). ``correct`` is the first option with full credit. When any other
        option earns credit (several ``=`` answers, which Moodle grades as "choosing any
        of them is right", or weights such as ``~%50%almost`` or ``~%-50%wrong``) the data
        gets ``fractions``: option id -> credit (-1..1; options left out earn 0)."""
        options, credits = gift_read_choices(q)
        full = [ident for ident, credit in credits.items() if credit == 1]
        if not full:
            q.reject("no_correct_answer")
        data: dict[str, Any] = {"options": options, "correct": full[0]}
        fractions = {ident: credit for ident, credit in credits.items() if credit != 0}
        if fractions != {full[0]: 1}:
            data["fractions"] = fractions
        return q.general_feedback, data

    def gift_write(self, w: GiftQuestionWriter) -> list[str]:
        """``=`` for each option at full credit, ``~`` (with its weight when it has one)
        for the others; a single option would read back as a short answer."""
        data = w.data
        options = list(data["options"])
        ids = [option["id"] for option in options]
        if data["correct"] not in ids:
            raise ValueError("correct option missing")
        if len(options) < 2:
            w.refuse("export_single_option")
        fractions = data.get("fractions")
        if fractions is None:
            fractions = {data["correct"]: 1}
        if not set(fractions) <= set(ids) or fractions.get(data["correct"]) != 1:
            raise ValueError("fractions do not fit the options")
        lines = []
        for option in options:
            credit = w.fraction(fractions.get(option["id"], 0), negative=True)
            marker = "=" if credit == 1 else "~" + (w.weight(credit * 100) if credit else "")
            lines.append(w.option_line(marker, option))
        return lines + w.general_line()

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("choice-interaction",)

    def qti_accepts(self, q: QtiItemReader) -> bool:
        return q.decl.cardinality == "single"

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        options, correct, values = q.keyed_choices()
        ids = [o["id"] for o in options]
        right = correct[0]
        data: dict[str, Any] = {"options": options, "correct": right}
        top = values.get(right) or max(values.values(), default=0)
        if top > 0:  # a mapping's credits, over the correct option's
            fractions = {i: q.clamp(values[i] / top) for i in ids if values.get(i)}
            fractions[right] = 1
            if len(fractions) > 1:
                data["fractions"] = fractions
        return data

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        fractions = data.get("fractions") or {}
        mapping = [(w.ident(k), float(v), None) for k, v in fractions.items() if v]
        w.declare("single", "identifier", [w.ident(data["correct"])], mapping)
        element = w.interaction("qti-choice-interaction", shuffle="false", max_choices=1)
        for option in data["options"]:
            w.choice(element, option)


def review_options(
    question: Mapping[str, Any], right: Callable[[float], bool]
) -> list[dict[str, Any]]:
    """The question's options for the review, each with ``right`` (ticked: among
    ``correct``, or, with ``fractions``, ``right(credit)``) and ``percent`` (its credit in
    percent when the question has ``fractions`` and the credit is neither 0 nor 100, else
    ``None``), for single choice and multiple response."""
    options = question.get("options")
    correct = question.get("correct")
    keys = set(correct) if isinstance(correct, list) else {correct}
    fractions = question.get("fractions")
    shown = []
    for option in options if isinstance(options, list) else []:
        if not isinstance(option, Mapping):
            continue
        entry = dict(option)
        entry["right"], entry["percent"] = option.get("id") in keys, None
        if isinstance(fractions, Mapping):
            credit = fractions.get(option.get("id"), 0)
            credit = float(credit) if is_number(credit) else 0.0
            entry["right"] = right(credit)
            if credit not in (0, 1):
                entry["percent"] = round(credit * 100, 2)
        shown.append(entry)
    return shown


def gift_read_choices(
    q: GiftQuestionReader,
) -> tuple[list[dict[str, Any]], dict[str, int | float]]:
    """The options of a GIFT multiple choice (single and multiple response) with their
    ids a, b, ..., texts and feedback, and each option's credit (-1..1: weights ``%n%``
    in percent, ``=`` alone 1, ``~`` alone 0)."""
    answers = q.answer_list()
    options: list[dict[str, Any]] = []
    for index, answer in enumerate(answers):
        text = q.text(answer.text)
        if not text:
            q.reject("missing_answer", number=answer.number)
        option: dict[str, Any] = {"id": q.option_id(index), "text": text}
        q.add_feedback(option, answer)
        options.append(option)
    if len(options) < 2:
        q.reject("too_few_options", minimum=2, count=len(options))
    credits = {
        option["id"]: answer.credit(negative=True)
        for option, answer in zip(options, answers, strict=True)
    }
    return options, credits


def moodlexml_write_multichoice(
    w: MoodleQuestionWriter, *, single: bool, fractions: list[float]
) -> str:
    """A Moodle ``multichoice`` with one grade per option (single and multiple response)."""
    w.add("single", "true" if single else "false")
    w.add("shuffleanswers", "true" if w.moodle.get("shuffleanswers", True) else "false")
    w.add("answernumbering", w.moodle.get("answernumbering", "abc"))
    if "showstandardinstruction" in w.moodle:
        w.add("showstandardinstruction", "1" if w.moodle["showstandardinstruction"] else "0")
    w.combined_feedback()
    for option, fraction in zip(w.data["options"], fractions, strict=True):
        w.answer(fraction, w.plain_html(option["text"]), option.get("feedback", ""))
    return "multichoice"
