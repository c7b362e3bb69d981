"""Short answer: the officer types a word, a number or a code; accepted answers give credit.

The key is a list of accepted answers, each with the share of the points it earns
(``fraction``) and an optional ``feedback``; the first one that matches, in the authored
order, gives its fraction and feedback; none matches: 0. Accepted answers are part of the
key (``data``), shared by every language; their feedback may be given per language in the
texts (``texts[lang]["answers"][id]["feedback"]``, merged like option feedback).

How a typed answer matches an accepted one (:func:`matches`):

- Both are compared after :func:`folded`: Unicode NFC, surrounding spaces dropped, runs of
  inner spaces made one space; then, as the question asks, inner spaces removed
  (``ignore_spaces``), accents removed (``ignore_accents``: "Aduána" = "Aduana") and case
  ignored (unless ``case_sensitive``; Moodle's default is case-insensitive).
- ``*`` in an accepted answer matches any run of characters, none included (Moodle's
  wildcard); ``\\*`` is a literal asterisk. An answer with a wildcard matches by pattern
  only (the two rules below do not apply to it).
- Numbers: an accepted answer that is a number (:func:`base.parse_number`: ``3,5``,
  ``3.50``, ``-2``) matches a typed answer that is the same number however written
  (``3.5``, ``3,50``, ``+3.5``), compared in decimal arithmetic.
- Codes: an accepted answer that is a code of digits with separators (:func:`is_code`: a
  seal ``PE-004512``, an HS subheading ``8471.30`` or ``6109.10.00``) matches a typed
  answer with the same letters and digits in the same order, whatever separators it has
  or lacks (``847130``, ``8471 30``, ``PE004512``, ``pe 004512`` unless case-sensitive).
  Separators are ``.``, ``,``, ``-``, ``/``, ``_`` and spaces. A decimal number such as
  ``3.50`` or ``12.5`` is not a code, so ``350`` never matches it; a single point or comma
  makes a code only after four digits or more with exactly two digits after it (the
  HS subheading, ``8471.30``), and then ``8471.3`` matches too (the same number).

Decisions where the format is silent:

- The typed text is kept as typed except for surrounding spaces, line breaks and control
  characters (made spaces); at most :data:`MAX_ANSWER_CHARS` characters, else the answer
  is refused (``too_long``). Blank text is the blank answer.
- Case, accent and space options default to false when absent.
- At least one accepted answer must give full credit (as Moodle requires).
- Item analysis counts answers folded the loosest way (case, spaces) so that "Seal" and
  "seal " are one answer; the review shows the officer's text as typed.
"""

from __future__ import annotations

import re
import unicodedata
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
    check_fraction,
    check_unique,
    gettext_noop,
    is_id,
    is_number,
    parse_number,
)

if TYPE_CHECKING:
    from ..gift import GiftQuestionReader, GiftQuestionWriter
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter

MAX_ANSWER_CHARS = 255
"""Longest short answer accepted (characters, after surrounding spaces are dropped)."""

FLAGS: tuple[str, ...] = ("case_sensitive", "ignore_accents", "ignore_spaces")

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SEPARATORS = re.compile(r"[\s.,\-/_]+")
_WILDCARD = re.compile(r"(\\\*|\*)")
_LETTER_AND_DIGIT = re.compile(r"(?=.*[^\W\d_])(?=.*\d)", re.UNICODE)
_CODE_PIECES = re.compile(r"[^\W_]+(?:[\s.,\-/_]+[^\W_]+)+", re.UNICODE)
_HS_SUBHEADING = re.compile(r"\d{4,}[.,]\d{2}")


# --------------------------------------------------------------------------- matching


def flags(data: Mapping[str, Any]) -> dict[str, bool]:
    """The question's matching options (false when absent or not a boolean)."""
    return {name: data.get(name) is True for name in FLAGS}


def _fold(text: str, *, case_sensitive: bool, ignore_accents: bool, ignore_spaces: bool) -> str:
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text))
    if ignore_spaces:
        text = text.replace(" ", "")
    if ignore_accents:
        decomposed = unicodedata.normalize("NFKD", text)
        text = unicodedata.normalize(
            "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
        )
    if not case_sensitive:
        text = text.casefold()
    return text


def folded(text: str, *, case_sensitive: bool, ignore_accents: bool, ignore_spaces: bool) -> str:
    """``text`` as it is compared: NFC, spaces trimmed and collapsed, then inner spaces,
    accents and case dropped as the options say."""
    return _fold(
        text.strip(),
        case_sensitive=case_sensitive,
        ignore_accents=ignore_accents,
        ignore_spaces=ignore_spaces,
    ).strip()


def unescaped(text: str) -> str:
    """An accepted answer as officers read it: ``\\*`` becomes ``*``."""
    return text.replace("\\*", "*")


def has_wildcard(text: str) -> bool:
    return any(piece == "*" for piece in _WILDCARD.split(text))


def is_code(text: str) -> bool:
    """Whether an accepted answer is a code of letters and digits with separators (seal
    ``PE-004512``, HS ``8471.30``, ``6109.10.00``), as opposed to a word or a decimal
    number (``3.50``)."""
    text = text.strip()
    if not _CODE_PIECES.fullmatch(text) or not any(c.isdigit() for c in text):
        return False
    if _LETTER_AND_DIGIT.match(text) or re.search(r"[\s\-/_]", text):
        return True
    if len(re.findall(r"[.,]", text)) >= 2:
        return True
    return bool(_HS_SUBHEADING.fullmatch(text))


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(repr(parse_number(text)))
    except ResponseError:
        return None


def matches(accepted: str, typed: str, options: Mapping[str, bool]) -> bool:
    """Whether the officer's ``typed`` text matches the ``accepted`` answer (as stored,
    ``\\*`` escapes included) under the question's ``options`` (:func:`flags`)."""
    if not isinstance(accepted, str) or not isinstance(typed, str):
        return False
    fold = {name: bool(options.get(name)) for name in FLAGS}
    given = folded(typed, **fold)
    if has_wildcard(accepted):
        # Each literal piece is folded on its own, keeping the spaces next to a "*"
        # ("customs *" does not match "customsx").
        pattern = "".join(
            ".*" if piece == "*" else re.escape(_fold(unescaped(piece), **fold))
            for piece in _WILDCARD.split(accepted.strip())
            if piece
        )
        return re.fullmatch(pattern, given, re.DOTALL) is not None
    plain = unescaped(accepted)
    if folded(plain, **fold) == given:
        return True
    wanted = _number(plain)
    if wanted is not None and _number(typed) == wanted:
        return True
    if is_code(plain):
        strip = {**fold, "ignore_spaces": True}
        return (
            _SEPARATORS.sub("", folded(plain, **strip))
            == _SEPARATORS.sub("", folded(typed, **strip))
            != ""
        )
    return False


def answers_of(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The accepted answers that can be matched, in the authored order."""
    answers = data.get("answers")
    if not isinstance(answers, list):
        return []
    return [a for a in answers if isinstance(a, Mapping) and isinstance(a.get("text"), str)]


def first_match(data: Mapping[str, Any], typed: str) -> tuple[int, Mapping[str, Any]] | None:
    """The first accepted answer (index in ``data["answers"]``, answer) that ``typed``
    matches, or ``None``."""
    options = flags(data)
    answers = data.get("answers") if isinstance(data.get("answers"), list) else []
    for index, answer in enumerate(answers):
        if isinstance(answer, Mapping) and matches(answer.get("text"), typed, options):
            return index, answer
    return None


def credit(answer: Mapping[str, Any]) -> Fraction:
    fraction = answer.get("fraction")
    if not is_number(fraction):
        return Fraction(0)
    return min(Fraction(1), max(Fraction(0), Fraction(repr(float(fraction)))))


def canonical_text(value: Any) -> str:
    """The officer's text as stored: surrounding spaces dropped, line breaks and control
    characters made spaces. Raises :class:`ResponseError` for anything but text, and for
    text longer than :data:`MAX_ANSWER_CHARS`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ResponseError("wrong_shape")
    text = _CONTROL.sub(" ", value).strip()
    if len(text) > MAX_ANSWER_CHARS:
        raise ResponseError("too_long", limit=MAX_ANSWER_CHARS)
    return text


# ------------------------------------------------------------------------------ the type


class ShortAnswer(QuestionType):
    name = "short_answer"
    label = gettext_noop("Short answer")
    response_field = "text"
    blank = ""
    # Per-language feedback of an accepted answer, keyed by its id (the answers' texts
    # stay those of ``data``).
    text_lists = ("answers",)
    script = "js/types/short_answer.js"

    # --- authoring ---------------------------------------------------------------------
    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        answers = data.get("answers")
        if not isinstance(answers, list) or not answers:
            problems.append(Problem(gettext_noop("At least one accepted answer is needed.")))
            answers = answers if isinstance(answers, list) else []
        idents: list[str] = []
        full = False
        for position, answer in enumerate(answers, start=1):
            if not isinstance(answer, Mapping):
                problems.append(
                    Problem(
                        gettext_noop("Accepted answer {position} must be an object."),
                        position=position,
                    )
                )
                continue
            if not is_id(answer.get("id")):
                problems.append(
                    Problem(
                        gettext_noop("Accepted answer {position} has no id."), position=position
                    )
                )
            else:
                idents.append(answer["id"])
            text = answer.get("text")
            if not isinstance(text, str) or not text.strip():
                problems.append(
                    Problem(
                        gettext_noop("Accepted answer {position} has no text."), position=position
                    )
                )
            elif len(text.strip()) > MAX_ANSWER_CHARS:
                problems.append(
                    Problem(
                        gettext_noop(
                            "Accepted answer {position} is longer than {limit} characters."
                        ),
                        position=position,
                        limit=MAX_ANSWER_CHARS,
                    )
                )
            check_fraction(answer.get("fraction"), f"accepted answer {position}", problems)
            if answer.get("fraction") == 1:
                full = True
            feedback = answer.get("feedback")
            if feedback is not None and not isinstance(feedback, str):
                problems.append(
                    Problem(
                        gettext_noop("The feedback of accepted answer {position} must be text."),
                        position=position,
                    )
                )
        check_unique(idents, problems)
        if answers and not full:
            problems.append(
                Problem(gettext_noop("At least one accepted answer must give full credit (1)."))
            )
        for name in FLAGS:
            if name in data and not isinstance(data[name], bool):
                problems.append(Problem(gettext_noop("“{key}” must be true or false."), key=name))

    editor_script = "js/question_editor/short_answer.js"
    editor_strings: ClassVar[dict[str, str]] = {
        "answers": gettext_noop("Accepted answers"),
        "intro": gettext_noop(
            "The first accepted answer that matches, from the top, gives its credit. * stands "
            "for any characters; a number or a code (8471.30, PE-004512) matches however it "
            "is written."
        ),
        "answer": gettext_noop("Answer"),
        "answerText": gettext_noop("Accepted answer"),
        "answerHelp": gettext_noop("The same in every language: list each language's word."),
        "credit": gettext_noop("Credit"),
        "answerFeedback": gettext_noop("Feedback for this answer"),
        "addAnswer": gettext_noop("Add an answer"),
        "case_sensitive": gettext_noop("Capitals must match"),
        "ignore_accents": gettext_noop("Accents do not count"),
        "ignore_spaces": gettext_noop("Spaces inside the answer do not count"),
    }

    def skeleton(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """One accepted answer at full credit to fill in; its feedback per language."""
        data = {
            "answers": [{"id": "a1", "text": "", "fraction": 1}],
            "case_sensitive": False,
            "ignore_accents": False,
            "ignore_spaces": False,
        }
        return data, {"answers": {"a1": {"feedback": ""}}}

    # --- delivery ----------------------------------------------------------------------
    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        return canonical_text(value)

    def public_extra(self, full: Mapping[str, Any], view: dict[str, Any]) -> None:
        view["max_length"] = MAX_ANSWER_CHARS

    # --- grading -----------------------------------------------------------------------
    def grade(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict[str, Any]]:
        typed = value if isinstance(value, str) else ""
        found = first_match(data, typed) if typed else None
        accepted = [
            {
                "id": answer.get("id"),
                "text": unescaped(answer["text"]),
                "fraction": float(credit(answer)),
            }
            for answer in answers_of(data)
            if credit(answer) > 0
        ]
        detail: dict[str, Any] = {
            "text": typed,
            "matched": None,
            "feedback": "",
            "accepted": accepted,
        }
        if found is None:
            return Fraction(0), detail
        index, answer = found
        feedback = answer.get("feedback")
        detail.update(
            matched=answer.get("id", index),
            feedback=feedback if isinstance(feedback, str) else "",
        )
        return credit(answer), detail

    def review_view(
        self, question: Mapping[str, Any], answer: Any, stem: str = ""
    ) -> dict[str, Any]:
        """The grading detail in the officer's language: the matched answer, its feedback
        and the accepted answers."""
        value = answer.get(self.response_field) if isinstance(answer, Mapping) else None
        try:
            return self.grade(question, canonical_text(value))[1]
        except ResponseError:
            return {}

    # --- item analysis -----------------------------------------------------------------
    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        """How often each answer was given, case and spaces folded (the most frequent
        :data:`TOP_ANSWERS`, by count then text)."""
        counts: Counter[str] = Counter()
        for value in values:
            if isinstance(value, str) and value.strip():
                counts[
                    folded(value, case_sensitive=False, ignore_accents=False, ignore_spaces=False)
                ] += 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return dict(ranked[:TOP_ANSWERS])

    # --- GIFT (the format: assessments/gift.py) ---------------------------------------------
    gift_shapes: ClassVar[tuple[str, ...]] = ("text",)

    def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
        """Only ``=`` answers, or a single answer without any marker (``{Nazareth}``):
        each accepted answer keeps its weight (``=%50%Nazereth``) as ``fraction`` and its
        feedback; ``*`` is Moodle's wildcard. Matching is case-insensitive, as Moodle's
        default. The accepted answers are plain text, as in Moodle (no HTML decoding)."""
        accepted: list[dict[str, Any]] = []
        for index, answer in enumerate(q.answer_list(unmarked_first=True)):
            text = q.plain(answer.text)
            if not text:
                q.reject("missing_answer", number=answer.number)
            entry: dict[str, Any] = {
                "id": q.option_id(index),
                "text": text,
                "fraction": answer.credit(),
            }
            q.add_feedback(entry, answer)
            accepted.append(entry)
        if not any(entry["fraction"] == 1 for entry in accepted):
            q.reject("no_correct_answer")
        data = {
            "answers": accepted,
            "case_sensitive": False,
            "ignore_accents": False,
            "ignore_spaces": False,
        }
        return q.general_feedback, data

    def gift_write(self, w: GiftQuestionWriter) -> list[str]:
        """Each accepted answer with its weight, always (``=%100%text``); case
        sensitivity, accents and spaces have no GIFT form. An answer with ``->`` would be
        read back as a matching question: the question is left out."""
        lines = []
        for answer in w.data["answers"]:
            text = w.escape(str(answer["text"]))
            if not text.strip():
                raise ValueError("empty answer")
            if "->" in text:  # Moodle and the GIFT reader would take it for a matching
                w.refuse("export_short_answer_arrow")
            if w.starts_like_format(text):  # a text that starts like a format marker keeps it
                text = "[moodle]" + text
            weight = w.weight(w.fraction(answer["fraction"]) * 100)
            lines.append(f"={weight}{text}{w.feedback_suffix(answer)}")
        if not lines:
            raise ValueError("no answers")
        return lines + w.general_line()

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("shortanswer",)

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``shortanswer``: every answer with its grade and feedback (``*`` is
        Moodle's wildcard, as here), one at 100 %; ``usecase`` is ``case_sensitive``."""
        answers = q.answers()
        if not answers:
            q.reject("too_few_answers", minimum=1, count=0)
        entries = [q.option_entry(a, f"a{a.number}", q.grade(a)) for a in answers]
        if not any(entry["fraction"] == 1 for entry in entries):
            q.reject("no_full_credit")
        return "short_answer", {
            "answers": entries,
            "case_sensitive": q.flag("usecase"),
            "ignore_accents": False,
            "ignore_spaces": False,
        }

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        """Moodle has no accent- or space-insensitive matching: those options are lost."""
        w.add("usecase", "1" if w.data.get("case_sensitive") else "0")
        for answer in w.data["answers"]:
            feedback = answer.get("feedback", "")
            w.answer(answer.get("fraction", 1), answer["text"], feedback, "moodle_auto_format")
        return "shortanswer"

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("text-entry-interaction",)

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        answers, case_sensitive = q.text_answers(q.decl, q.processing)
        return {
            "answers": answers,
            "case_sensitive": case_sensitive,
            "ignore_accents": q.attr("data-ignore-accents") == "true",
            "ignore_spaces": q.attr("data-ignore-spaces") == "true",
        }

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        answers = [a for a in data["answers"] if str(a.get("text", ""))]
        best = [a for a in answers if a.get("fraction", 1) == 1]
        case = bool(data.get("case_sensitive"))
        w.declare(
            "single",
            "string",
            [str(best[0]["text"])] if best else [],
            [(str(a["text"]), float(a.get("fraction", 1)), case) for a in answers],
        )
        longest = max((len(str(a["text"])) for a in answers), default=10)
        w.interaction(
            "qti-text-entry-interaction",
            inline=True,
            expected_length=max(10, longest),
            data_ignore_accents="true" if data.get("ignore_accents") else None,
            data_ignore_spaces="true" if data.get("ignore_spaces") else None,
        )
