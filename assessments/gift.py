"""Moodle GIFT import and export for the question types GIFT can express.

Plain Python, no Django. :func:`parse_gift` reads a GIFT text and returns an
:class:`ImportResult`: the questions it could read (shaped per ``QUESTION_FORMAT.md``) and one
:class:`QuestionImportError` for every question it had to reject, with the line the question
starts on. A bad question never stops the others from being read. :func:`export_gift` writes
questions back as GIFT and lists the ones GIFT cannot express.

Problems are not rendered here. Each error carries a stable ``code``, the plain-English
template in ``reason`` (also in :data:`MESSAGES`, keyed by code) and the ``params`` for its
``{placeholders}``; the Django layer translates the template and formats it.

How GIFT maps onto this project's question format
-------------------------------------------------

``single_choice``
    ``{=right ~wrong}``. Exactly one ``=`` answer. Partial weights on ``~`` answers
    (``~%50%almost``) are read as wrong: a single choice is right or wrong here. Several
    ``=`` answers are rejected (``several_correct_answers``).
``multiple_response``
    ``{~%50%a ~%50%b ~%-100%c}``: ``~`` answers with weights and no ``=`` answer (Moodle's
    "multiple answers" question). On import, ``correct`` is every option with a positive
    weight and ``scoring`` is ``right_minus_wrong``. On export, each correct option gets
    ``100 / n`` (n = number of correct options, so they sum to 100); each wrong option gets
    ``-100 / w`` (w = number of wrong options) when the question scores ``right_minus_wrong``
    -- Moodle then awards exactly right chosen / n - wrong chosen / w, floored at 0, which
    is that rule -- and ``-100``
    otherwise, the nearest Moodle gets to ``all_or_nothing``/``per_option`` (any wrong choice
    scores 0). GIFT keeps no scoring name, so a re-import always says ``right_minus_wrong``.
``true_false``
    ``{T}``, ``{F}``, ``{TRUE}``, ``{FALSE}`` (any case). Moodle's ``{T#wrong#right}``: the
    first feedback is shown to whoever answers wrongly, the second to whoever answers
    rightly; they become ``feedback_false``/``feedback_true`` (or the reverse for ``{F}``).
``numeric``
    ``{#answer:tolerance}``, ``{#answer}`` (tolerance 0) and ``{#low..high}`` (answer = the
    middle, tolerance = half the width, computed in decimal so 0.1..0.3 gives 0.2 +- 0.1).
    With several answers (``{#=5:0 =%50%6:1}``) the first full-credit one is kept and the
    others are dropped. ``unit`` is not expressible and is not exported. The kept answer's
    ``#feedback`` becomes ``feedback.correct``.
``matching``
    ``{=premise -> response ...}``; ``= -> text`` adds a distractor response. Premises get
    ids p1, p2, ...; responses r1, r2, ... in order of first appearance, one per distinct
    text. Moodle grades matching per premise, so imports get ``scoring: per_premise``.
    Moodle has no per-pair feedback; a ``#feedback`` on a pair is dropped.
``ordering``, ``hotspot``
    Not in GIFT: :func:`export_gift` skips them and says why.
Rejected on import
    essays ``{}``, short answers (only ``=`` answers), descriptions (no braces), unknown
    answer syntax, unbalanced braces, empty answers, no correct answer, bad numbers.

General feedback ``####text`` is shown by Moodle after every attempt, so it becomes both
``feedback.correct`` and ``feedback.incorrect`` (for numeric questions only
``feedback.incorrect`` when the kept answer has its own feedback). On export the general
feedback is that shared text; when ``correct`` and ``incorrect`` differ both are written into
it, one per line (numeric questions put ``correct`` on the answer instead, which is exact).
``feedback.partial`` and ``points`` have no GIFT form and are not exported; imports score 1.

Text: ``::Title::`` is plain text; a question without one is titled from the start of its
text. The stem honours the format marker: ``[html]`` keeps HTML but only p, strong, em,
ul, ol, li survive (b/i become strong/em, other tags are stripped, script/style content is
dropped, attributes are removed); ``[plain]``, ``[moodle]`` (the default) and ``[markdown]``
are escaped as text, one ``<p>`` per ``\\n`` line. Answer and feedback texts are plain text:
for an ``[html]`` question their tags are stripped and entities decoded. Missing-word
questions (text after the braces) get ``_____`` where the answers stood. Export always
writes ``[html]`` stems, so answers are HTML-escaped there. ``$CATEGORY: path`` applies to
the questions after it: its segments (without a leading ``$course$``-style context and
``top``; ``//`` is a literal slash) become the questions' tags, and export writes a
``$CATEGORY`` line whenever the tags change.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

from .content import STEM_TAGS

__all__ = [
    "ALLOWED_STEM_TAGS",
    "EXPORTABLE_TYPES",
    "MESSAGES",
    "ImportError",
    "ImportResult",
    "ParsedQuestion",
    "QuestionImportError",
    "export_gift",
    "html_to_text",
    "option_id",
    "parse_gift",
    "sanitize_html",
    "title_from_stem",
]


# --- Messages ---------------------------------------------------------------------------
def gettext_noop(message: str) -> str:
    """Marks a message for translation catalogues without importing Django; the Django
    layer translates it when it shows the problem."""
    return message


MESSAGES: dict[str, str] = {
    # Import problems (one per rejected question).
    "unbalanced_braces": gettext_noop(
        "The braces around the answers do not match: every opening brace needs one closing "
        "brace. Write a brace that is part of the text with a backslash before it."
    ),
    "several_answer_blocks": gettext_noop(
        "The question has more than one set of answers in braces. Only one is allowed."
    ),
    "unterminated_title": gettext_noop(
        "The question title is not closed: it must end with two colons (::)."
    ),
    "description_only": gettext_noop(
        "This item has no answers in braces, so it is a description, not a question. "
        "Descriptions cannot be imported."
    ),
    "missing_stem": gettext_noop("The question has no text."),
    "unsupported_essay": gettext_noop(
        "Essay questions (empty braces) are not supported: there is nothing to grade."
    ),
    "unsupported_short_answer": gettext_noop(
        "Short-answer questions (answers that all start with =) are not supported. Mark the "
        "wrong options with ~ to make a multiple-choice question."
    ),
    "unknown_syntax": gettext_noop(
        "The answers could not be read near “{text}”. Each answer must start with = (right) "
        "or ~ (wrong)."
    ),
    "missing_answer": gettext_noop("Answer {number} has no text."),
    "no_correct_answer": gettext_noop("No answer is marked as correct."),
    "several_correct_answers": gettext_noop(
        "{count} answers are marked as correct with =. A single-choice question has exactly "
        "one; give weights such as ~%50% instead to make a multiple-response question."
    ),
    "too_few_options": gettext_noop(
        "The question needs at least {minimum} answers; it has {count}."
    ),
    "bad_weight": gettext_noop("The weight “{weight}” is not a percentage such as %50% or %-100%."),
    "bad_number": gettext_noop("“{value}” is not a number."),
    "bad_tolerance": gettext_noop("The tolerance {value} must be zero or more."),
    "bad_range": gettext_noop(
        "In the range {low}..{high} the first number must not be greater than the second."
    ),
    "bad_matching_pair": gettext_noop("Answer {number} has no -> between the item and its match."),
    # Export: why a question was left out of a GIFT file.
    "export_ordering": gettext_noop("Ordering questions cannot be written in GIFT."),
    "export_hotspot": gettext_noop("Hotspot questions cannot be written in GIFT."),
    "export_unknown_type": gettext_noop("Questions of this type cannot be written in GIFT."),
    "export_invalid": gettext_noop(
        "The question's answers are incomplete or inconsistent, so it cannot be written in GIFT."
    ),
    "export_single_option": gettext_noop(
        "A single-choice question with only one option would be read back as a short-answer "
        "question, so it cannot be written in GIFT."
    ),
    "export_matching_arrow": gettext_noop(
        "An item of the matching question contains ->, which GIFT cannot escape."
    ),
    "export_bad_number": gettext_noop("The numeric answer or tolerance is not a finite number."),
}


# --- Result classes (shared with assessments.portable) ---------------------------------
@dataclass
class ParsedQuestion:
    """One question read from an import file, shaped per ``QUESTION_FORMAT.md``."""

    line: int
    title: str
    type: str
    stem: str
    points: int | float = 1
    feedback: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    uid: str | None = None  # only the project's JSON format carries one

    def as_dict(self) -> dict[str, Any]:
        """The question as a plain dict, as :func:`export_gift` and
        :func:`assessments.portable.export_json` take it."""
        question: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "stem": self.stem,
            "points": self.points,
            "feedback": dict(self.feedback),
            "data": self.data,
            "tags": list(self.tags),
        }
        if self.uid is not None:
            question["uid"] = self.uid
        return question


@dataclass
class QuestionImportError:
    """A question that was rejected: where it starts, its title if it had one, why."""

    line: int
    title: str | None
    code: str
    reason: str  # plain-English template with {placeholders}, translated by the caller
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The reason in English with its placeholders filled in."""
        return self.reason.format(**self.params)


ImportError = QuestionImportError  # the name the import contract uses
"""Alias kept for the import contract; prefer :class:`QuestionImportError`, which does not
shadow the built-in exception in the importing module."""


@dataclass
class ImportResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[QuestionImportError] = field(default_factory=list)
    bank: dict[str, Any] | None = None  # set by the JSON import only


class _Reject(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --- HTML -------------------------------------------------------------------------------
ALLOWED_STEM_TAGS = STEM_TAGS  # one list for every stem (assessments/content.py)
_TAG_ALIASES = {"b": "strong", "i": "em"}
_DROP_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "object", "noscript", "textarea", "title", "head"}
)
_INLINE_TAGS = frozenset(
    {"a", "abbr", "b", "code", "em", "i", "mark", "q", "s", "small", "span", "strong", "sub"}
    | {"sup", "u", "time", "var", "kbd", "samp", "cite", "dfn", "bdi", "bdo", "data", "font"}
)


class _Cleaner(HTMLParser):
    """Keeps the allowed tags (without attributes) and the text; ``text_only`` keeps the
    text alone, unescaped, with a space where a block tag stood."""

    def __init__(self, *, text_only: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.text_only = text_only
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self.skipping += 1
            return
        if self.skipping:
            return
        if self.text_only:
            if tag not in _INLINE_TAGS:
                self.out.append(" ")
            return
        tag = _TAG_ALIASES.get(tag, tag)
        if tag in ALLOWED_STEM_TAGS:
            self.out.append(f"<{tag}>")
            self.open.append(tag)
        elif tag not in _INLINE_TAGS:
            self.out.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping and tag not in _INLINE_TAGS and tag not in _DROP_CONTENT:
            self.out.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping:
            return
        if self.text_only:
            if tag not in _INLINE_TAGS:
                self.out.append(" ")
            return
        tag = _TAG_ALIASES.get(tag, tag)
        if tag in self.open:
            while self.open:
                closing = self.open.pop()
                self.out.append(f"</{closing}>")
                if closing == tag:
                    break
        elif tag not in ALLOWED_STEM_TAGS and tag not in _INLINE_TAGS:
            self.out.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data if self.text_only else html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        self.open.clear()
        return "".join(self.out)


def sanitize_html(value: str) -> str:
    """``value`` with only p, strong, em, ul, ol, li kept (no attributes), every other tag
    stripped (script and style with their content), text escaped, open tags closed."""
    cleaner = _Cleaner(text_only=False)
    cleaner.feed(value)
    return cleaner.result().strip()


def html_to_text(value: str) -> str:
    """The text of an HTML fragment: tags removed, entities decoded, spaces collapsed."""
    cleaner = _Cleaner(text_only=True)
    cleaner.feed(value)
    return _collapse_spaces(cleaner.result())


def title_from_stem(stem: str, limit: int = 80) -> str:
    """A title for a question that has none: the start of its text."""
    text = " ".join(html_to_text(stem).split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _collapse_spaces(text: str) -> str:
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


# --- Escapes ----------------------------------------------------------------------------
# Escaped characters are swapped for private-use placeholders before parsing, so the
# parser only ever sees the special characters that really are special.
_ESCAPABLE = "\\~=#{}:"
_PLACEHOLDER = {char: chr(0xE000 + index) for index, char in enumerate(_ESCAPABLE)}
_HARD_BREAK = chr(0xE000 + len(_ESCAPABLE))  # "\n" in GIFT: a line break inside a text
_PLACEHOLDER_RANGE = {code: None for code in range(0xE000, 0xE000 + len(_ESCAPABLE) + 1)}
_RESTORE = {ord(placeholder): char for char, placeholder in _PLACEHOLDER.items()}
_RESTORE[ord(_HARD_BREAK)] = "\n"
_ESCAPE_SEQUENCE = re.compile(r"\\([\\~=#{}:n])")


def _protect(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        char = match.group(1)
        return _HARD_BREAK if char == "n" else _PLACEHOLDER[char]

    return _ESCAPE_SEQUENCE.sub(swap, text)


def _restore(text: str) -> str:
    """Placeholders back to their characters; source line breaks become spaces (a GIFT
    question may wrap over several lines), ``\\n`` escapes become line breaks."""
    return text.replace("\n", " ").translate(_RESTORE)


def _escape(text: str) -> str:
    escaped = text.replace("\\", "\\\\")
    for char in _ESCAPABLE[1:]:
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _snippet(protected: str, limit: int = 40) -> str:
    text = " ".join(_restore(protected).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Parsing ----------------------------------------------------------------------------
_FORMAT_MARKER = re.compile(r"\s*\[(html|moodle|markdown|plain)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = re.compile(r"(true|false|t|f)\s*(#.*)?", re.IGNORECASE | re.DOTALL)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_CATEGORY = re.compile(r"\s*\$CATEGORY:(.*)", re.IGNORECASE)


def option_id(index: int) -> str:
    """The id of the option at ``index`` (0-based): a, b, ..., z, aa, ab, ..."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


@dataclass
class _Answer:
    number: int  # 1-based position in the answer block, for messages
    marker: str  # "=" or "~"
    weight: float | None
    text: str  # still protected
    feedback: str | None  # still protected


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Groups of (line number, line): blank lines separate them, comments are dropped."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            if block:
                yield block
                block = []
        elif not stripped.startswith("//"):
            block.append((number, line))
    if block:
        yield block


def _category_tags(path: str) -> list[str]:
    segments = [
        segment.replace("\0", "/").strip()
        for segment in path.strip().replace("//", "\0").split("/")
    ]
    segments = [segment for segment in segments if segment]
    if segments and re.fullmatch(r"\$\w+\$", segments[0]):
        segments = segments[1:]
    if segments and segments[0] == "top":
        segments = segments[1:]
    return list(dict.fromkeys(segments))


def parse_gift(text: str) -> ImportResult:
    """Reads every question of a GIFT text; see the module documentation for the mapping."""
    result = ImportResult()
    text = text.lstrip("\ufeff").translate(_PLACEHOLDER_RANGE)
    tags: list[str] = []
    for block in _blocks(text):
        while block and (match := _CATEGORY.match(block[0][1])):
            tags = _category_tags(match.group(1))
            block = block[1:]
        if not block:
            continue
        line = block[0][0]
        source = _protect("\n".join(content for _, content in block)).strip()
        title: str | None = None
        try:
            title, body = _split_title(source)
            question = _parse_question(title, body, line, tags)
        except _Reject as rejected:
            result.errors.append(
                QuestionImportError(
                    line=line,
                    title=title or None,
                    code=rejected.code,
                    reason=MESSAGES[rejected.code],
                    params=rejected.params,
                )
            )
        else:
            result.questions.append(question)
    return result


def _split_title(source: str) -> tuple[str | None, str]:
    if not source.startswith("::"):
        return None, source
    end = source.find("::", 2)
    if end == -1:
        raise _Reject("unterminated_title")
    return _restore(source[2:end]).strip(), source[end + 2 :].strip()


def _parse_question(title: str | None, source: str, line: int, tags: list[str]) -> ParsedQuestion:
    text_format = "moodle"
    if marker := _FORMAT_MARKER.match(source):
        text_format = marker.group(1).lower()
        source = source[marker.end() :]

    opening = source.find("{")
    if opening == -1:
        if "}" in source:
            raise _Reject("unbalanced_braces")
        raise _Reject("description_only")
    closing = source.find("}", opening + 1)
    if closing == -1 or "}" in source[:opening] or "{" in source[opening + 1 : closing]:
        raise _Reject("unbalanced_braces")
    after = source[closing + 1 :]
    if "{" in after or "}" in after:
        if after.count("{") == after.count("}") and "{" in after:
            raise _Reject("several_answer_blocks")
        raise _Reject("unbalanced_braces")

    stem = _stem_html(source[:opening], after, text_format)
    if not html_to_text(stem):
        raise _Reject("missing_stem")

    answers = source[opening + 1 : closing]
    general = None
    if (split := answers.find("####")) != -1:
        general = _piece_text(answers[split + 4 :], text_format) or None
        answers = answers[:split]
    answers = answers.strip()

    if not answers:
        raise _Reject("unsupported_essay")
    if answers.startswith("#"):
        kind, feedback, data = _numeric(answers[1:], general, text_format)
    elif match := _TRUE_FALSE.fullmatch(answers):
        kind, feedback, data = _true_false(match, general, text_format)
    elif "~" in answers:
        kind, feedback, data = _choice(answers, general, text_format)
    elif answers.startswith("=") and "->" in answers:
        kind, feedback, data = _matching(answers, general, text_format)
    elif answers.startswith("="):
        raise _Reject("unsupported_short_answer")
    else:
        raise _Reject("unknown_syntax", text=_snippet(answers))

    return ParsedQuestion(
        line=line,
        title=title or title_from_stem(stem),
        type=kind,
        stem=stem,
        points=1,
        feedback=feedback,
        data=data,
        tags=list(tags),
    )


def _stem_html(before: str, after: str, text_format: str) -> str:
    text = _restore(before).strip()
    rest = _restore(after).strip()
    if rest:  # missing-word format: the answers stood inside the sentence
        text = f"{text} _____ {rest}".strip()
    if text_format == "html":
        return sanitize_html(text)
    paragraphs = (" ".join(paragraph.split()) for paragraph in text.split("\n"))
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


def _piece_text(protected: str, text_format: str) -> str:
    """An answer or feedback text as plain text."""
    text = _restore(protected).strip()
    if marker := _FORMAT_MARKER.match(text):
        text_format = marker.group(1).lower()
        text = text[marker.end() :]
    if text_format == "html":
        return html_to_text(text)
    return _collapse_spaces(text)


def _general_feedback(general: str | None) -> dict[str, str]:
    return {"correct": general, "incorrect": general} if general else {}


def _split_answers(answers: str) -> list[_Answer]:
    starts = [index for index, char in enumerate(answers) if char in "=~"]
    if not starts or answers[: starts[0]].strip():
        raise _Reject("unknown_syntax", text=_snippet(answers))
    parsed = []
    for number, start in enumerate(starts, start=1):
        end = starts[number] if number < len(starts) else len(answers)
        chunk = answers[start + 1 : end]
        weight = None
        if chunk.startswith("%"):
            match = _WEIGHT.match(chunk)
            if not match:
                closing = chunk.find("%", 1)
                shown = chunk[: closing + 1] if closing != -1 else chunk.split()[0]
                raise _Reject("bad_weight", weight=_snippet(shown))
            weight = float(match.group(1))
            chunk = chunk[match.end() :]
        text, hash_sign, feedback = chunk.partition("#")
        parsed.append(
            _Answer(number, answers[start], weight, text, feedback if hash_sign else None)
        )
    return parsed


def _choice(
    answers: str, general: str | None, text_format: str
) -> tuple[str, dict[str, str], dict[str, Any]]:
    parsed = _split_answers(answers)
    options: list[dict[str, str]] = []
    for index, answer in enumerate(parsed):
        text = _piece_text(answer.text, text_format)
        if not text:
            raise _Reject("missing_answer", number=answer.number)
        option = {"id": option_id(index), "text": text}
        if answer.feedback is not None and (feedback := _piece_text(answer.feedback, text_format)):
            option["feedback"] = feedback
        options.append(option)
    if len(options) < 2:
        raise _Reject("too_few_options", minimum=2, count=len(options))

    right = [opt["id"] for opt, ans in zip(options, parsed, strict=True) if ans.marker == "="]
    if len(right) > 1:
        raise _Reject("several_correct_answers", count=len(right))
    if right:
        data: dict[str, Any] = {"options": options, "correct": right[0]}
        return "single_choice", _general_feedback(general), data

    correct = [opt["id"] for opt, ans in zip(options, parsed, strict=True) if (ans.weight or 0) > 0]
    if not correct:
        raise _Reject("no_correct_answer")
    data = {"options": options, "correct": correct, "scoring": "right_minus_wrong"}
    return "multiple_response", _general_feedback(general), data


def _true_false(
    match: re.Match[str], general: str | None, text_format: str
) -> tuple[str, dict[str, str], dict[str, Any]]:
    value = match.group(1).upper().startswith("T")
    wrong = right = ""
    if match.group(2):
        parts = match.group(2)[1:].split("#", 1)
        wrong = _piece_text(parts[0], text_format)
        right = _piece_text(parts[1], text_format) if len(parts) > 1 else ""
    data: dict[str, Any] = {"correct": value}
    on_true, on_false = (right, wrong) if value else (wrong, right)
    if on_true:
        data["feedback_true"] = on_true
    if on_false:
        data["feedback_false"] = on_false
    return "true_false", _general_feedback(general), data


def _number(protected: str) -> Decimal:
    text = _restore(protected).strip()
    if not _NUMBER.fullmatch(text):
        raise _Reject("bad_number", value=text)
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise _Reject("bad_number", value=text) from None
    if not math.isfinite(float(number)):
        raise _Reject("bad_number", value=text)
    return number


def _json_number(number: Decimal) -> int | float:
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def _numeric_spec(protected: str) -> tuple[Decimal, Decimal]:
    spec = _restore(protected).strip()
    if not spec:
        raise _Reject("missing_answer", number=1)
    if ".." in spec:
        low_text, high_text = spec.split("..", 1)
        low, high = _number(low_text), _number(high_text)
        if low > high:
            raise _Reject("bad_range", low=_json_number(low), high=_json_number(high))
        return (low + high) / 2, (high - low) / 2
    value_text, colon, tolerance_text = protected.partition(":")
    value = _number(value_text)
    tolerance = _number(tolerance_text) if colon else Decimal(0)
    if tolerance < 0:
        raise _Reject("bad_tolerance", value=_json_number(tolerance))
    return value, tolerance


def _numeric(
    answers: str, general: str | None, text_format: str
) -> tuple[str, dict[str, str], dict[str, Any]]:
    if not answers.strip():
        raise _Reject("missing_answer", number=1)
    if answers.lstrip()[:1] in ("=", "~"):
        parsed = _split_answers(answers.strip())
    else:
        text, hash_sign, feedback = answers.partition("#")
        parsed = [_Answer(1, "=", None, text, feedback if hash_sign else None)]
    chosen: tuple[Decimal, Decimal, str] | None = None
    for answer in parsed:
        if not _restore(answer.text).strip():
            raise _Reject("missing_answer", number=answer.number)
        value, tolerance = _numeric_spec(answer.text)
        full_credit = answer.marker == "=" and answer.weight in (None, 100.0)
        if full_credit and chosen is None:
            feedback = _piece_text(answer.feedback or "", text_format)
            chosen = (value, tolerance, feedback)
    if chosen is None:
        raise _Reject("no_correct_answer")
    value, tolerance, own_feedback = chosen
    feedback: dict[str, str] = {}
    if own_feedback or general:
        feedback["correct"] = own_feedback or general or ""
    if general:
        feedback["incorrect"] = general
    data = {"answer": _json_number(value), "tolerance": _json_number(tolerance)}
    return "numeric", feedback, data


def _matching(
    answers: str, general: str | None, text_format: str
) -> tuple[str, dict[str, str], dict[str, Any]]:
    premises: list[dict[str, str]] = []
    responses: dict[str, str] = {}  # text -> id, in order of first appearance
    correct: dict[str, str] = {}
    for answer in _split_answers(answers):
        if answer.marker != "=":
            raise _Reject("unknown_syntax", text=_snippet("~" + answer.text))
        premise_text, arrow, response_text = answer.text.partition("->")
        if not arrow:
            raise _Reject("bad_matching_pair", number=answer.number)
        premise = _piece_text(premise_text, text_format)
        response = _piece_text(response_text, text_format)
        if not response:
            raise _Reject("missing_answer", number=answer.number)
        response_id = responses.setdefault(response, f"r{len(responses) + 1}")
        if premise:  # "= -> text" only adds a distractor
            premise_id = f"p{len(premises) + 1}"
            premises.append({"id": premise_id, "text": premise})
            correct[premise_id] = response_id
    for entries in (premises, responses):
        if len(entries) < 2:
            raise _Reject("too_few_options", minimum=2, count=len(entries))
    data = {
        "premises": premises,
        "responses": [{"id": rid, "text": text} for text, rid in responses.items()],
        "correct": correct,
        "scoring": "per_premise",
    }
    return "matching", _general_feedback(general), data


# --- Export -----------------------------------------------------------------------------
EXPORTABLE_TYPES = frozenset(
    {"single_choice", "multiple_response", "true_false", "numeric", "matching"}
)
_NOT_IN_GIFT = {"ordering": "export_ordering", "hotspot": "export_hotspot"}


class _Unexpressible(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def export_gift(questions: Iterable[Mapping[str, Any]]) -> tuple[str, list[tuple[str, str]]]:
    """GIFT text for ``questions`` and, for each question GIFT cannot express, its title
    and the reason (an English template from :data:`MESSAGES`, for the caller to
    translate)."""
    chunks: list[str] = []
    skipped: list[tuple[str, str]] = []
    current_tags: list[str] | None = None
    for question in questions:
        title = str(question.get("title") or "")
        try:
            body = _export_question(question)
        except _Unexpressible as reason:
            skipped.append((title, MESSAGES[reason.code]))
            continue
        tags = [str(tag) for tag in question.get("tags") or []]
        if tags != (current_tags or []):
            path = "/".join(tag.replace("/", "//") for tag in tags)
            chunks.append("$CATEGORY: $course$/top" + (f"/{path}" if path else ""))
        current_tags = tags
        chunks.append(body)
    text = "\n\n".join(chunks)
    return (text + "\n" if text else ""), skipped


def _export_question(question: Mapping[str, Any]) -> str:
    kind = question.get("type")
    if kind in _NOT_IN_GIFT:
        raise _Unexpressible(_NOT_IN_GIFT[kind])
    if kind not in EXPORTABLE_TYPES:
        raise _Unexpressible("export_unknown_type")
    data = question.get("data") or {}
    feedback = question.get("feedback") or {}
    correct_feedback = str(feedback.get("correct") or "")
    incorrect_feedback = str(feedback.get("incorrect") or "")
    general = _shared_feedback(correct_feedback, incorrect_feedback)
    try:
        if kind == "single_choice":
            lines = _export_single_choice(data)
        elif kind == "multiple_response":
            lines = _export_multiple_response(data)
        elif kind == "true_false":
            lines = _export_true_false(data)
        elif kind == "numeric":
            lines = _export_numeric(data, correct_feedback, incorrect_feedback)
            general = incorrect_feedback
        else:
            lines = _export_matching(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _Unexpressible("export_invalid") from None
    if general:
        lines.append("####" + _escape_answer(general))

    head = ""
    if title := str(question.get("title") or "").strip():
        head = f"::{_escape(title)}::"
    stem = _escape(str(question.get("stem") or ""))
    body = "\n".join("\t" + line for line in lines)
    return f"{head}[html]{stem} {{\n{body}\n}}"


def _shared_feedback(correct: str, incorrect: str) -> str:
    if correct == incorrect or not incorrect:
        return correct
    if not correct:
        return incorrect
    return f"{correct}\n{incorrect}"


def _escape_answer(text: str) -> str:
    """An answer or feedback text for a question exported as [html]."""
    escaped = _escape(html.escape(str(text), quote=False))
    return " " + escaped if escaped.startswith("%") else escaped


def _option_line(marker: str, option: Mapping[str, Any]) -> str:
    text = str(option["text"])
    if not text.strip():
        raise ValueError("empty option")
    line = marker + _escape_answer(text)
    if option.get("feedback"):
        line += "#" + _escape_answer(str(option["feedback"]))
    return line


def _export_single_choice(data: Mapping[str, Any]) -> list[str]:
    options = list(data["options"])
    ids = [option["id"] for option in options]
    if data["correct"] not in ids:
        raise ValueError("correct option missing")
    if len(options) < 2:
        raise _Unexpressible("export_single_option")
    return [_option_line("=" if o["id"] == data["correct"] else "~", o) for o in options]


def _weight(value: float) -> str:
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return f"%{text}%"


def _export_multiple_response(data: Mapping[str, Any]) -> list[str]:
    options = list(data["options"])
    correct = set(data["correct"])
    if not correct or not correct <= {option["id"] for option in options}:
        raise ValueError("correct options missing")
    right = 100 / len(correct)
    distractors = max(1, len(options) - len(correct))
    wrong = -100 / distractors if data.get("scoring") == "right_minus_wrong" else -100.0
    return [_option_line("~" + _weight(right if o["id"] in correct else wrong), o) for o in options]


def _export_true_false(data: Mapping[str, Any]) -> list[str]:
    value = data["correct"]
    if not isinstance(value, bool):
        raise TypeError("correct must be a boolean")
    on_true = str(data.get("feedback_true") or "")
    on_false = str(data.get("feedback_false") or "")
    right, wrong = (on_true, on_false) if value else (on_false, on_true)
    line = "TRUE" if value else "FALSE"
    if right:
        line += f"#{_escape_answer(wrong)}#{_escape_answer(right)}"
    elif wrong:
        line += f"#{_escape_answer(wrong)}"
    return [line]


def _format_number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError("not a number")
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        raise _Unexpressible("export_bad_number")
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return str(value) if isinstance(value, Decimal) else repr(number)


def _export_numeric(data: Mapping[str, Any], correct: str, incorrect: str) -> list[str]:
    answer = _format_number(data["answer"])
    tolerance = _format_number(data.get("tolerance", 0))
    if tolerance.startswith("-"):
        raise ValueError("negative tolerance")
    line = f"#{answer}:{tolerance}"
    if correct and correct != incorrect:
        line += "#" + _escape_answer(correct)
    return [line]


def _export_matching(data: Mapping[str, Any]) -> list[str]:
    responses = {response["id"]: str(response["text"]) for response in data["responses"]}
    used: set[str] = set()
    lines = []
    for premise in data["premises"]:
        text = str(premise["text"])
        if "->" in text:
            raise _Unexpressible("export_matching_arrow")
        if not text.strip():
            raise ValueError("empty premise")
        response_id = data["correct"][premise["id"]]
        used.add(response_id)
        lines.append(f"={_escape_answer(text)} -> {_escape_answer(responses[response_id])}")
    if len(lines) < 2:
        raise ValueError("too few premises")
    lines.extend(
        f"= -> {_escape_answer(text)}" for rid, text in responses.items() if rid not in used
    )
    return lines
