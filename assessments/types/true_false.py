"""True or false."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import Problem, QuestionType, ResponseError, gettext_noop

if TYPE_CHECKING:
    from ..gift import GiftQuestionReader, GiftQuestionWriter
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter


class TrueFalse(QuestionType):
    name = "true_false"
    label = gettext_noop("True or false")
    response_field = "value"
    blank = None

    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        if not isinstance(data.get("correct"), bool):
            problems.append(Problem(gettext_noop("The correct answer must be true or false.")))
        for key in ("feedback_true", "feedback_false"):
            if key in data and not isinstance(data[key], str):
                problems.append(Problem(gettext_noop("“{key}” must be text."), key=key))

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        raise ResponseError("wrong_shape")

    def grade(self, data: Mapping[str, Any], chosen: Any) -> tuple[Fraction, dict]:
        correct = data.get("correct")
        return Fraction(int(chosen is not None and chosen is correct)), {
            "chosen": chosen,
            "correct_value": correct,
        }

    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        counts = Counter("true" if v else "false" for v in values if isinstance(v, bool))
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("truefalse",)
    moodle_default_penalty: ClassVar[float] = 1.0

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``truefalse``: the answers "true" and "false", one at 100 %; their
        feedback becomes ``feedback_true`` and ``feedback_false``."""
        answers = q.answers()
        by_value = {a.text.strip().lower(): a for a in answers}
        if len(answers) != 2 or set(by_value) != {"true", "false"}:
            q.reject("truefalse_answers")
        true, false = by_value["true"], by_value["false"]
        if q.grade(true) != 1 and q.grade(false) != 1:
            q.reject("no_full_credit")
        data: dict[str, Any] = {"correct": q.grade(true) == 1}
        if true.feedback:
            data["feedback_true"] = true.feedback
        if false.feedback:
            data["feedback_false"] = false.feedback
        return "true_false", data

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        correct = bool(w.data["correct"])
        fmt = "moodle_auto_format"
        w.answer(1 if correct else 0, "true", w.data.get("feedback_true", ""), fmt)
        w.answer(0 if correct else 1, "false", w.data.get("feedback_false", ""), fmt)
        return "truefalse"

    # --- GIFT (the format: assessments/gift.py) ---------------------------------------------
    gift_shapes: ClassVar[tuple[str, ...]] = ("truth",)

    def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
        """``{T}``, ``{F}``, ``{TRUE}``, ``{FALSE}``. Moodle's ``{T#wrong#right}``: the
        first feedback is shown to whoever answers wrongly, the second to whoever answers
        rightly; they become ``feedback_false``/``feedback_true`` (or the reverse for
        ``{F}``)."""
        value, _, comments = (q.answers or "").partition("#")
        correct = value.strip() in ("T", "TRUE")
        wrong, _, right = comments.partition("#")
        wrong, right = q.text(wrong), q.text(right)
        data: dict[str, Any] = {"correct": correct}
        on_true, on_false = (right, wrong) if correct else (wrong, right)
        if on_true:
            data["feedback_true"] = on_true
        if on_false:
            data["feedback_false"] = on_false
        return q.general_feedback, data

    def gift_write(self, w: GiftQuestionWriter) -> list[str]:
        value = w.data["correct"]
        if not isinstance(value, bool):
            raise TypeError("correct must be a boolean")
        on_true = str(w.data.get("feedback_true") or "")
        on_false = str(w.data.get("feedback_false") or "")
        right, wrong = (on_true, on_false) if value else (on_false, on_true)
        line = "TRUE" if value else "FALSE"
        if right:
            line += f"#{w.answer_text(wrong)}#{w.answer_text(right)}"
        elif wrong:
            line += f"#{w.answer_text(wrong)}"
        return [line, *w.general_line()]

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("choice-interaction",)

    def qti_accepts(self, q: QtiItemReader) -> bool:
        """Only the platform's own export: a single choice between ``true`` and ``false``
        marked ``data-platform-type="true_false"`` (else it is a single choice)."""
        return (
            q.attr("data-platform-type") == self.name
            and q.decl.cardinality == "single"
            and sorted(o["id"] for o in q.choices("simple-choice")) == ["false", "true"]
        )

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        options = q.choices("simple-choice", feedback=True)
        correct = q.correct()
        if not correct:
            q.reject("no_correct")
        q.known(correct, ("true", "false"))
        data: dict[str, Any] = {"correct": correct[0] == "true"}
        for option in options:
            if option.get("feedback"):
                data[f"feedback_{option['id']}"] = option["feedback"]
        return data

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        w.declare("single", "identifier", ["true" if data["correct"] else "false"])
        element = w.interaction(
            "qti-choice-interaction",
            shuffle="false",
            max_choices=1,
            data_platform_type="true_false",
        )
        for value, text in (("true", "True"), ("false", "False")):
            option = {"id": value, "text": text, "feedback": data.get(f"feedback_{value}") or ""}
            w.choice(element, option)
