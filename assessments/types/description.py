"""Description: a block of text inside an assessment (instructions, a case to read before
the next questions), Moodle's "description". It takes no answer and is never scored.

- ``data`` is ``{}`` (other keys, such as the Moodle settings an import keeps, are left
  alone); the text is the version's stem, per language.
- Its points are 0: the services store a description with 0 points whatever they are
  given, and an attempt's maximum never counts it (``scored = False``).
- The response has the usual envelope with a blank value, ``{"value": null}``; the page
  sends none. Any other value is refused (``wrong_shape``): there is nothing to answer.
- The attempt page shows it without a number, points or save status, and it never counts
  as an unanswered question; item analysis leaves it out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import QuestionType, ResponseError, gettext_noop

if TYPE_CHECKING:
    from ..gift import GiftQuestionReader, GiftQuestionWriter
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter


class Description(QuestionType):
    name = "description"
    label = gettext_noop("Description (text only, not scored)")
    response_field = "value"
    blank = None
    scored = False
    editor_script = "js/question_editor/description.js"
    editor_strings: ClassVar[dict[str, str]] = {
        "intro": gettext_noop(
            "A description is read by the officer and never scored: write it as the question "
            "text above."
        ),
    }

    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        """Nothing to check: a description has no answer key."""

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        raise ResponseError("wrong_shape")

    def grade(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict[str, Any]]:
        return Fraction(0), {}

    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        return {}

    # --- GIFT (the format: assessments/gift.py) ---------------------------------------------
    gift_shapes: ClassVar[tuple[str, ...]] = ("none",)

    def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
        """Text without braces: ``data`` is ``{}`` (its points are 0: never scored)."""
        return {}, {}

    def gift_write(self, w: GiftQuestionWriter) -> None:
        """The text alone, without braces."""
        return None

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("description",)
    moodle_default_penalty: ClassVar[float] = 0.0

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``description``: the text alone (its points are 0)."""
        return "description", {}

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        return "description"

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("item-body",)

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        return {}

    def qti_write(self, w: QtiItemWriter) -> None:
        w.template = ""
        w.bare = True
