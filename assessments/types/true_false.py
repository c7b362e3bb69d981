"""True or false."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import Problem, QuestionType, ResponseError, gettext_noop

if TYPE_CHECKING:
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter


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
