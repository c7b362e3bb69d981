"""Moodle GIFT import and export: every construct of Moodle's GIFT format.

Plain Python, no Django. :func:`parse_gift` reads a GIFT text and returns an
:class:`ImportResult`: the questions it could read (shaped per ``QUESTION_FORMAT.md``), one
:class:`QuestionImportError` for every question it had to reject, with the line the question
starts on, and warnings about what a question lost on the way in (images). A bad question
never stops the others from being read. :func:`export_gift` writes questions back as GIFT
that both Moodle and the independent gift-pegjs parser read, and lists the ones GIFT
cannot express.

Problems are not rendered here. Each error carries a stable ``code``, the plain-English
template in ``reason`` (also in :data:`MESSAGES`, keyed by code) and the ``params`` for its
``{placeholders}``; the Django layer translates the template and formats it.

The GIFT *syntax* lives here: blocks, comments, ``$CATEGORY``, ids and tags, titles, format
markers, escapes, the stem, the general feedback, the answer block cut into answers with
their weights and feedback (:class:`GiftQuestionReader`) and, for export, the escaping of
texts, numbers and weights (:class:`GiftQuestionWriter`). What a question of each type
becomes lives in the type's module (``assessments/types/<type>.py``), as for Moodle XML:
the block's shape (:data:`SHAPES`) is found as Moodle finds it, the registry's types claim
the shapes they read (``gift_shapes``, optionally ``gift_claims(q)``) and build the
question's ``data`` in ``gift_read(q)``; export asks the question's type for its answer
lines (``gift_write(w)``) or, when GIFT has no form for it, for the reason
(``gift_refusal``).

How GIFT maps onto this project's question format
-------------------------------------------------

The type is found as Moodle finds it: empty braces are an essay, a ``#`` first a numeric
question, any ``~`` a multiple choice, ``=`` with ``->`` a matching question, ``T``, ``TRUE``,
``F`` or ``FALSE`` (capitals, as Moodle) a true/false question, anything else in braces a
short answer; no braces at all is a description.

Weights ``%n%`` (-100..100, decimals allowed) are credit in percent; ``=`` alone is 100 %,
``~`` alone 0 %.

``single_choice``, ``multiple_response``, ``true_false``, ``matching``, ``essay``,
``short_answer``, ``numeric``, ``description``
    See ``gift_read`` and ``gift_write`` in their modules: a multiple choice with an ``=``
    answer is a single choice (several ``=`` answers or other weights are kept as
    ``fractions``), one with ``~`` answers only a multiple response (``right_minus_wrong``;
    weights that rule does not give are kept as ``fractions``); ``{T}``/``{FALSE}`` with
    Moodle's ``#wrong#right`` feedback; ``{=premise -> response}`` pairs (``per_premise``);
    ``{}`` an essay with the defaults; accepted answers with their weights and ``*``
    wildcards a short answer; ``{#...}`` a numeric question (tolerances, ranges, several
    answers with weights and feedback, Moodle's "any other answer"); text without braces
    a description (0 points).
``ordering``, ``hotspot``, ``cloze``, ``drag_drop_*``
    Not in GIFT: :func:`export_gift` skips them and says why (their ``gift_refusal``).
Rejected on import
    unknown answer syntax, unbalanced braces, several answer blocks, empty answers, no
    answer at full credit, bad numbers and weights, negative weights outside a multiple
    choice, a repeated ``[id:...]``.

General feedback ``####text`` is shown by Moodle after every attempt whatever the result:
it becomes ``feedback.general``, as Moodle XML's ``generalfeedback`` does (a short-form
numeric answer's own ``#feedback`` becomes ``feedback.correct``). On export
``feedback.general`` is written as the general feedback. A question without one (written in
the editor) has its ``correct`` and ``incorrect`` feedback written there instead, once when
they are the same, else one per line (short-form numeric questions put ``correct`` on the
answer, which is exact); they read back as ``general``. ``correct`` and ``incorrect`` next
to a ``general`` feedback, ``feedback.partial`` and ``points`` have no GIFT form and are not
exported; imports score 1 (descriptions 0).

Text: ``::Title::`` is plain text; a question without one is titled from the start of its
text. The stem honours the format marker: ``[html]`` keeps HTML but only p, strong, em,
ul, ol, li survive (b/i become strong/em, other tags are stripped, script/style content is
dropped, attributes are removed; images are reported as warnings: a GIFT file does not
carry the image files, Moodle XML does); ``[markdown]`` is converted (paragraphs,
``**strong**``, ``*em*``/``_em_``, ``-`` and ``1.`` lists, nested by indentation);
``[plain]`` and ``[moodle]`` (the default) are escaped as text, one ``<p>`` per ``\\n``
line. Answer and feedback texts are plain text:
for an ``[html]`` or ``[markdown]`` question (or answer) their markup is stripped. Escapes
``\\~ \\= \\# \\{ \\} \\: \\\\ \\n`` are honoured everywhere. Missing-word questions (text
after the braces) get ``_____`` where the answers stood. Export always writes ``[html]``
stems, so choice and feedback texts are HTML-escaped there.

``$CATEGORY: path`` applies to the questions after it: its segments (without a leading
``$course$``-style context and ``top``; ``//`` is a literal slash) become the questions'
tags, and export writes a ``$CATEGORY`` line whenever the tags change. Comments (lines
starting with ``//``) are ignored, except the ``[id:...]`` and ``[tag:...]`` that Moodle and
gift-pegjs read in the comments before a question: the id becomes the question's ``uid``
(so a re-import updates the question) and each tag is added to its tags. Export writes
``// [id:uid]`` before every question that has a uid.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any, NoReturn

from .content import STEM_TAGS

__all__ = [
    "ALLOWED_STEM_TAGS",
    "MESSAGES",
    "SHAPES",
    "GiftAnswer",
    "GiftQuestionReader",
    "GiftQuestionWriter",
    "ImportError",
    "ImportResult",
    "ParsedQuestion",
    "QuestionImportError",
    "export_gift",
    "exportable_types",
    "html_to_text",
    "markdown_html",
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
    "missing_stem": gettext_noop("The question has no text."),
    "unknown_syntax": gettext_noop(
        "The answers could not be read near “{text}”. Each answer must start with = (right) "
        "or ~ (wrong)."
    ),
    "missing_answer": gettext_noop("Answer {number} has no text."),
    "no_correct_answer": gettext_noop("No answer is marked as correct."),
    "too_few_options": gettext_noop(
        "The question needs at least {minimum} answers; it has {count}."
    ),
    "bad_weight": gettext_noop("The weight “{weight}” is not a percentage such as %50% or %-100%."),
    "negative_weight": gettext_noop(
        "The weight {weight} is negative: only the options of a multiple-choice question may "
        "take away credit."
    ),
    "bad_number": gettext_noop("“{value}” is not a number."),
    "bad_tolerance": gettext_noop("The tolerance {value} must be zero or more."),
    "bad_range": gettext_noop(
        "In the range {low}..{high} the first number must not be greater than the second."
    ),
    "bad_matching_pair": gettext_noop("Answer {number} has no -> between the item and its match."),
    "duplicate_id": gettext_noop("Another question in the file has the same id “{value}”."),
    # Warnings: the question is imported, but lost something on the way.
    "images_dropped": gettext_noop(
        "The question shows {count} image(s), which were left out: a GIFT file does not "
        "carry image files. Export the questions from Moodle as Moodle XML to keep them."
    ),
    # Export: why a question was left out of a GIFT file.
    "export_ordering": gettext_noop("Ordering questions cannot be written in GIFT."),
    "export_hotspot": gettext_noop("Hotspot questions cannot be written in GIFT."),
    "export_cloze": gettext_noop(
        "Cloze questions cannot be written in GIFT; export them as Moodle XML."
    ),
    "export_drag_drop": gettext_noop(
        "Drag-and-drop questions cannot be written in GIFT; export them as Moodle XML."
    ),
    "export_unknown_type": gettext_noop("Questions of this type cannot be written in GIFT."),
    "export_invalid": gettext_noop(
        "The question's answers are incomplete or inconsistent, so it cannot be written in GIFT."
    ),
    "export_single_option": gettext_noop(
        "A single-choice question with only one option would be read back as a short-answer "
        "question, so it cannot be written in GIFT."
    ),
    "export_bad_number": gettext_noop("The numeric answer or tolerance is not a finite number."),
    "export_short_answer_arrow": gettext_noop(
        "An accepted answer of the short-answer question contains ->, which GIFT reads as a "
        "matching question."
    ),
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
    uid: str | None = None  # the JSON format's uid, GIFT's // [id:...]

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
    """A question that was rejected (or, in :attr:`ImportResult.warnings`, imported with a
    loss): where it starts, its title if it had one, why."""

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
    warnings: list[QuestionImportError] = field(default_factory=list)  # imported, with a loss


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


# --- Markdown ---------------------------------------------------------------------------
# Moodle's [markdown] texts, reduced to what a stem may hold: paragraphs, strong, em and
# lists (nested by indentation). Links keep their text; images are reported by the caller.
_MD_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|(\d+)[.)])\s+(.*)$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w_])__(?=[^\s_])(.+?)(?<=[^\s_])__(?![\w_])"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])"), r"<em>\1</em>"),
    (re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])"), r"<em>\1</em>"),
)


def _md_inline(text: str) -> str:
    text = html.escape(" ".join(text.split()), quote=False)
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return text


def markdown_html(text: str) -> str:
    """A Markdown text as the HTML a stem may hold (see :data:`ALLOWED_STEM_TAGS`)."""
    out: list[str] = []
    paragraph: list[str] = []
    lists: list[tuple[int, str]] = []  # open lists: (indent, "ul" | "ol")

    def end_paragraph() -> None:
        if paragraph:
            out.append(f"<p>{_md_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_lists(indent: int = -1) -> None:
        while lists and lists[-1][0] > indent:
            out.append(f"</li></{lists.pop()[1]}>")

    for line in text.split("\n"):
        if item := _MD_LIST_ITEM.match(line):
            end_paragraph()
            indent, kind = len(item.group(1).expandtabs(4)), "ol" if item.group(2) else "ul"
            close_lists(indent)
            if lists and lists[-1][0] == indent:
                out.append("</li>")
            else:
                out.append(f"<{kind}>")
                lists.append((indent, kind))
            out.append(f"<li>{_md_inline(item.group(3))}")
            continue
        if not line.strip():
            end_paragraph()
            close_lists()
            continue
        if lists and line[:1].isspace():  # a list item continued on the next line
            out.append(" " + _md_inline(line))
            continue
        close_lists()
        if heading := _MD_HEADING.match(line):
            end_paragraph()
            out.append(f"<p><strong>{_md_inline(heading.group(1))}</strong></p>")
            continue
        paragraph.append(line)
        if line.endswith("  "):  # a hard line break: no <br> in a stem, so a new paragraph
            end_paragraph()
    end_paragraph()
    close_lists()
    return sanitize_html("".join(out))


_IMAGE = re.compile(r"<img\b|!\[[^\]]*\]\(", re.IGNORECASE)


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


def _restore(text: str, *, keep_lines: bool = False) -> str:
    """Placeholders back to their characters; source line breaks become spaces (a GIFT
    question may wrap over several lines) unless ``keep_lines`` (Markdown, where they
    matter), ``\\n`` escapes become line breaks."""
    if not keep_lines:
        text = text.replace("\n", " ")
    return text.translate(_RESTORE)


def _escape(text: str) -> str:
    escaped = text.replace("\\", "\\\\")
    for char in _ESCAPABLE[1:]:
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _snippet(protected: str, limit: int = 40) -> str:
    text = " ".join(_restore(protected).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Reading the file: blocks, comments, categories, ids and tags -----------------------
_FORMAT_MARKER = re.compile(r"\s*\[(html|moodle|markdown|plain)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_CATEGORY = re.compile(r"\s*\$CATEGORY:(.*)", re.IGNORECASE)
_COMMENT_ID = re.compile(r"\[id:([^\x00-\x1F\x7F]+?)\]")
_COMMENT_TAG = re.compile(r"\[tag:([^\x00-\x1F\x7F]+?)\]")
_TRUE_FALSE = ("T", "TRUE", "F", "FALSE")  # capitals only, as Moodle and gift-pegjs
_MAX_ID = 64  # the longest question uid the banks keep


def option_id(index: int) -> str:
    """The id of the option at ``index`` (0-based): a, b, ..., z, aa, ab, ..."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


@dataclass
class _Block:
    """The lines of one item of the file (blank lines separate items)."""

    lines: list[tuple[int, str]] = field(default_factory=list)  # (line number, line)
    comments: list[str] = field(default_factory=list)


def _blocks(text: str) -> Iterator[_Block]:
    """The items of a GIFT text: blank lines separate them; comment lines are set apart
    (they may carry the question's id and tags)."""
    block = _Block()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            if block.lines:
                yield block
            if block.lines or not block.comments:
                block = _Block()
        elif stripped.startswith("//"):
            block.comments.append(stripped[2:])
        else:
            block.lines.append((number, line))
    if block.lines:
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


def _comment_id_and_tags(comments: list[str]) -> tuple[str | None, list[str]]:
    """The ``[id:...]`` and ``[tag:...]`` that Moodle and gift-pegjs read in comments."""
    uid: str | None = None
    tags: list[str] = []
    for comment in comments:
        if match := _COMMENT_ID.search(comment):
            uid = match.group(1).strip().replace("\\]", "]") or None
        tags.extend(tag.strip() for tag in _COMMENT_TAG.findall(comment) if tag.strip())
    return uid, tags


def parse_gift(text: str) -> ImportResult:
    """Reads every question of a GIFT text; see the module documentation for the mapping."""
    result = ImportResult()
    text = text.lstrip("\ufeff").translate(_PLACEHOLDER_RANGE)
    category: list[str] = []
    seen_ids: set[str] = set()
    for block in _blocks(text):
        lines = block.lines
        while lines and (match := _CATEGORY.match(lines[0][1])):
            category = _category_tags(match.group(1))
            lines = lines[1:]
        if not lines:
            continue
        line = lines[0][0]
        source = _protect("\n".join(content for _, content in lines)).strip()
        uid, comment_tags = _comment_id_and_tags(block.comments)
        if uid is not None and len(uid) > _MAX_ID:
            uid = None
        title: str | None = None
        try:
            title, body = _split_title(source)
            if uid is not None and uid in seen_ids:
                raise _Reject("duplicate_id", value=uid)
            question = _parse_question(title, body, line)
        except _Reject as rejected:
            result.errors.append(_problem(line, title or None, rejected.code, rejected.params))
            continue
        question.tags = list(dict.fromkeys([*category, *comment_tags]))
        question.uid = uid
        if uid is not None:
            seen_ids.add(uid)
        result.questions.append(question)
        if images := len(_IMAGE.findall(_restore(source))):
            result.warnings.append(
                _problem(line, question.title, "images_dropped", {"count": images})
            )
    return result


def _problem(
    line: int, title: str | None, code: str, params: dict[str, Any]
) -> QuestionImportError:
    return QuestionImportError(
        line=line, title=title, code=code, reason=MESSAGES[code], params=params
    )


def _split_title(source: str) -> tuple[str | None, str]:
    if not source.startswith("::"):
        return None, source
    end = source.find("::", 2)
    if end == -1:
        raise _Reject("unterminated_title")
    return _restore(source[2:end]).strip(), source[end + 2 :].strip()


# --- Reading one question: its parts, then its type --------------------------------------
SHAPES = ("none", "empty", "number", "choice", "weighted_choice", "pairs", "truth", "text")
"""What an answer block looks like, told apart as Moodle tells them (in this order): no
braces, ``{}``, ``{#...}``, any ``~`` with an ``=`` answer, ``~`` answers only, ``=`` with
``->``, ``T``/``TRUE``/``F``/``FALSE`` (capitals), anything else. A type module claims the
shapes it reads with ``gift_shapes`` (see :func:`_reading_type`)."""


@dataclass
class GiftQuestionReader:
    """One question's parts, for a type's ``gift_read(q)``, which returns the question's
    ``(feedback, data)`` or rejects it through :meth:`reject`. The format has read the
    title, the format marker, the stem and the general feedback; the answer block is still
    protected (escapes as placeholders): its pieces become texts through :meth:`text`
    (feedback and options, markup removed), :meth:`plain` (texts Moodle keeps as typed) or
    :meth:`restore`."""

    text_format: str  # html, moodle, markdown or plain
    before: str  # the text before the answer block (all of it for a description)
    after: str  # the text after the answer block (a missing-word question)
    answers: str | None  # inside the braces, without the general feedback; None: no braces
    general: str | None  # the general feedback (after ####)
    shape: str = ""  # one of SHAPES

    def text(self, protected: str) -> str:
        """An answer or feedback text, as plain text."""
        return _piece_text(protected, self.text_format)

    def plain(self, protected: str, *, format_marker: bool = True) -> str:
        """A text Moodle keeps as typed (short answers; matching responses, which take no
        format marker): escapes undone, a format marker dropped, spaces collapsed, no
        markup removed."""
        return _plain_text(protected, format_marker=format_marker)

    def restore(self, protected: str) -> str:
        """A piece with its escapes undone, line breaks as spaces, not stripped."""
        return _restore(protected)

    def snippet(self, protected: str) -> str:
        """The start of a piece, for a message."""
        return _snippet(protected)

    def answer_list(
        self, body: str | None = None, *, unmarked_first: bool = False
    ) -> list[GiftAnswer]:
        """The answers of the block (or of ``body``, a part of it): each starts with = or ~,
        then an optional weight, its text and an optional ``#feedback``. With
        ``unmarked_first`` a first answer may come without a marker (Moodle's
        ``{Nazareth}``, ``{#1822:5}``)."""
        return _split_answers(
            self.answers or "" if body is None else body, unmarked_first=unmarked_first
        )

    def add_feedback(self, entry: dict[str, Any], answer: GiftAnswer) -> None:
        """Puts the answer's ``#feedback`` (as text) into ``entry["feedback"]``, if any."""
        if answer.feedback is not None and (feedback := self.text(answer.feedback)):
            entry["feedback"] = feedback

    def number_range(self, protected: str) -> tuple[Decimal, Decimal]:
        """``value:tolerance``, ``value`` (tolerance 0) or ``low..high`` (the middle and
        half the width, in decimal) as ``(value, tolerance)``."""
        return _numeric_spec(protected)

    def number(self, value: Decimal) -> int | float:
        """A decimal as the number JSON keeps (an int when it is whole)."""
        return _json_number(value)

    def option_id(self, index: int) -> str:
        """The id of the option at ``index`` (0-based): a, b, ..., z, aa, ..."""
        return option_id(index)

    def reject(self, code: str, **params: Any) -> NoReturn:
        """Refuses the question: ``code`` is a key of :data:`MESSAGES`, ``params`` fill
        its placeholders."""
        raise _Reject(code, **params)

    @property
    def general_feedback(self) -> dict[str, str]:
        """The question's feedback: ``{"general": ...}`` from ``####``, or ``{}``."""
        general = self.text(self.general) if self.general is not None else ""
        return {"general": general} if general else {}


def _parse_question(title: str | None, source: str, line: int) -> ParsedQuestion:
    text_format = "moodle"
    if marker := _FORMAT_MARKER.match(source):
        text_format = marker.group(1).lower()
        source = source[marker.end() :]

    opening = source.find("{")
    if opening == -1:
        if "}" in source:
            raise _Reject("unbalanced_braces")
        parts = GiftQuestionReader(text_format, source, "", None, None)
    else:
        closing = source.find("}", opening + 1)
        if closing == -1 or "}" in source[:opening] or "{" in source[opening + 1 : closing]:
            raise _Reject("unbalanced_braces")
        after = source[closing + 1 :]
        if "{" in after or "}" in after:
            if after.count("{") == after.count("}") and "{" in after:
                raise _Reject("several_answer_blocks")
            raise _Reject("unbalanced_braces")
        answers, general = source[opening + 1 : closing], None
        if (split := answers.find("####")) != -1:
            answers, general = answers[:split], answers[split + 4 :]
        parts = GiftQuestionReader(text_format, source[:opening], after, answers.strip(), general)

    stem = _stem_html(parts)
    if not html_to_text(stem):
        raise _Reject("missing_stem")
    parts.shape = _answer_shape(parts.answers)
    qtype = _reading_type(parts)
    if qtype is None:  # no registered type reads this shape
        raise _Reject("unknown_syntax", text=_snippet(parts.answers or ""))
    feedback, data = qtype.gift_read(parts)
    kind, scored = str(qtype.name), bool(getattr(qtype, "scored", True))
    return ParsedQuestion(
        line=line,
        title=title or title_from_stem(stem),
        type=kind,
        stem=stem,
        points=1 if scored else 0,
        feedback=feedback,
        data=data,
    )


def _answer_shape(answers: str | None) -> str:
    """The shape (one of :data:`SHAPES`) of an answer block, told apart in Moodle's order."""
    if answers is None:
        return "none"
    if not answers:
        return "empty"
    if answers.startswith("#"):
        return "number"
    if "~" in answers:
        return "choice" if "=" in answers else "weighted_choice"
    if "=" in answers and "->" in answers:
        return "pairs"
    if answers.split("#", 1)[0].strip() in _TRUE_FALSE:
        return "truth"
    return "text"


def _registry_types() -> Iterable[Any]:
    try:
        from . import types as registry
    except Exception:  # the registry is optional for this pure module
        return ()
    return getattr(registry, "TYPES", ())


def _reading_type(parts: GiftQuestionReader) -> Any:
    """The first type of the registry whose ``gift_shapes`` hold the block's shape, and
    whose ``gift_claims(q)`` (if it has one) accepts it."""
    for qtype in _registry_types():
        if parts.shape not in getattr(qtype, "gift_shapes", ()) or not hasattr(qtype, "gift_read"):
            continue
        claims = getattr(qtype, "gift_claims", None)
        if claims is None or claims(parts):
            return qtype
    return None


def _stem_html(parts: GiftQuestionReader) -> str:
    keep_lines = parts.text_format == "markdown"
    text = _restore(parts.before, keep_lines=keep_lines).strip()
    rest = _restore(parts.after, keep_lines=keep_lines).strip()
    if rest:  # missing-word format: the answers stood inside the sentence
        text = f"{text} _____ {rest}".strip()
    if parts.text_format == "html":
        return sanitize_html(text)
    if parts.text_format == "markdown":
        return markdown_html(text)
    paragraphs = (" ".join(paragraph.split()) for paragraph in text.split("\n"))
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


def _piece_text(protected: str, text_format: str) -> str:
    """An answer or feedback text as plain text (markup removed)."""
    text = _restore(protected).strip()
    if marker := _FORMAT_MARKER.match(text):
        text_format = marker.group(1).lower()
        text = text[marker.end() :]
    if text_format == "html":
        return html_to_text(text)
    if text_format == "markdown":
        return html_to_text(markdown_html(text))
    return _collapse_spaces(text)


def _plain_text(protected: str, *, format_marker: bool = True) -> str:
    text = _restore(protected).strip()
    if format_marker and (marker := _FORMAT_MARKER.match(text)):
        text = text[marker.end() :]
    return _collapse_spaces(text)


@dataclass
class GiftAnswer:
    """One answer of a block, as :meth:`GiftQuestionReader.answer_list` reads it."""

    number: int  # 1-based position in the answer block, for messages
    marker: str  # "=" or "~" ("" for a first answer written without one)
    weight: Decimal | None  # percent, -100..100
    text: str  # still protected
    feedback: str | None  # still protected

    def credit(self, *, negative: bool = False) -> int | float:
        """The weight as a fraction of the points (``=`` alone 1, ``~`` alone 0); a
        negative weight is refused unless ``negative``."""
        if self.weight is None:
            return 0 if self.marker == "~" else 1
        if self.weight < 0 and not negative:
            raise _Reject("negative_weight", weight=f"%{_json_number(self.weight)}%")
        return _json_number(self.weight / 100)


def _split_answers(answers: str, *, unmarked_first: bool = False) -> list[GiftAnswer]:
    starts = [index for index, char in enumerate(answers) if char in "=~"]
    head = answers[: starts[0]] if starts else answers
    if head.strip():
        if not unmarked_first:
            raise _Reject("unknown_syntax", text=_snippet(answers))
        starts.insert(0, -1)
    if not starts:
        raise _Reject("missing_answer", number=1)
    parsed = []
    for number, start in enumerate(starts, start=1):
        end = starts[number] if number < len(starts) else len(answers)
        chunk = answers[start + 1 : end]
        weight = None
        if match := _WEIGHT.match(chunk):
            weight = Decimal(match.group(1))
            if not -100 <= weight <= 100:
                raise _Reject("bad_weight", weight=match.group(0).strip())
            chunk = chunk[match.end() :]
        elif chunk.lstrip().startswith("%"):
            shown = chunk.lstrip()
            closing = shown.find("%", 1)
            shown = shown[: closing + 1] if closing != -1 else shown.split()[0]
            raise _Reject("bad_weight", weight=_snippet(shown))
        text, hash_sign, feedback = chunk.partition("#")
        marker = answers[start] if start >= 0 else ""
        parsed.append(GiftAnswer(number, marker, weight, text, feedback if hash_sign else None))
    return parsed


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


# --- Export -----------------------------------------------------------------------------
# Written so that Moodle and gift-pegjs read the same thing: stems are [html]; numeric
# answers always take the "=value:tolerance#feedback" form after "{#" (gift-pegjs reads
# feedback only there), numbers never use exponents, a choice text that starts with "%" or
# "[" has that character written as an HTML entity (both parsers would take it for a weight
# or a format), "=" answers of a multiple choice never carry a weight (Moodle would keep it
# as text) and short answers always do. A type writes its answer lines in its module's
# ``gift_write(w)`` (see :class:`GiftQuestionWriter`); a type GIFT cannot express names
# the reason as ``gift_refusal`` (a key of :data:`MESSAGES`).


class _Unexpressible(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class GiftQuestionWriter:
    """One question's answer block, for a type's ``gift_write(w)``, which returns the
    lines inside the braces (``[]`` for ``{}``), or ``None`` for a question without braces.
    A ``KeyError``, ``TypeError``, ``ValueError`` or ``AttributeError`` it raises means the
    question's data is incomplete (``export_invalid``); :meth:`refuse` names another
    reason. The format writes the id, the title and the stem."""

    def __init__(self, data: Mapping[str, Any], feedback: Mapping[str, Any]) -> None:
        self.data = data
        self.feedback = feedback

    def refuse(self, code: str) -> NoReturn:
        """Leaves the question out of the file: ``code`` is a key of :data:`MESSAGES`."""
        raise _Unexpressible(code)

    def escape(self, text: str) -> str:
        """A text with GIFT's special characters escaped (``\\n`` for a line break)."""
        return _escape(text)

    def answer_text(self, text: str) -> str:
        """A choice or feedback text for a question exported as [html]."""
        return _escape_answer(text)

    def starts_like_format(self, text: str) -> bool:
        """Whether ``text`` starts like a format marker (``[html]``...)."""
        return bool(_FORMAT_MARKER.match(text))

    def feedback_suffix(self, entry: Mapping[str, Any]) -> str:
        """``#feedback`` for an entry with ``feedback``, else nothing."""
        return "#" + _escape_answer(str(entry["feedback"])) if entry.get("feedback") else ""

    def option_line(self, marker: str, option: Mapping[str, Any]) -> str:
        """``marker`` then the option's text and feedback; an empty text is refused."""
        text = str(option["text"])
        if not text.strip():
            raise ValueError("empty option")
        return marker + _escape_answer(text) + self.feedback_suffix(option)

    def weight(self, percent: float) -> str:
        """``%percent%``, without needless decimals."""
        text = f"{percent:.5f}".rstrip("0").rstrip(".")
        return f"%{'0' if text == '-0' else text}%"

    def fraction(self, value: Any, *, negative: bool = False) -> float:
        """A credit 0..1 (-1..1 with ``negative``) as a float; anything else is refused."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError("not a fraction")
        if not (-1 if negative else 0) <= value <= 1:
            raise ValueError("fraction out of range")
        return float(value)

    def number(self, value: Any) -> str:
        """A number as gift-pegjs and Moodle read it: digits, an optional point, no
        exponent."""
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise TypeError("not a number")
        if isinstance(value, int):
            return str(value)
        if not math.isfinite(float(value)):
            raise _Unexpressible("export_bad_number")
        number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
        text = format(number.normalize(), "f")
        return "0" if text in ("-0", "") else text

    def feedback_texts(self) -> tuple[str, str]:
        """The feedback shown after a right and after a wrong answer."""
        feedback = self.feedback
        return str(feedback.get("correct") or ""), str(feedback.get("incorrect") or "")

    def general_line(self) -> list[str]:
        """The general feedback line: ``feedback.general``, else the feedback shown after
        a right and a wrong answer."""
        if general := str(self.feedback.get("general") or ""):
            return ["####" + _escape_answer(general)]
        return self.general(*self.feedback_texts())

    def general(self, correct: str, incorrect: str) -> list[str]:
        """The general feedback line for the feedback shown after a right and a wrong
        answer: once when they are the same, else one per line."""
        if correct == incorrect or not incorrect:
            shared = correct
        elif not correct:
            shared = incorrect
        else:
            shared = f"{correct}\n{incorrect}"
        return ["####" + _escape_answer(shared)] if shared else []


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


_Write = Callable[[GiftQuestionWriter], "list[str] | None"]


def _writer(kind: str) -> _Write:
    """How questions of the type ``kind`` are written; ``_Unexpressible`` when GIFT cannot
    write them."""
    for qtype in _registry_types():
        if getattr(qtype, "name", None) == kind:
            if hasattr(qtype, "gift_write"):
                return qtype.gift_write
            raise _Unexpressible(getattr(qtype, "gift_refusal", "export_unknown_type"))
    raise _Unexpressible("export_unknown_type")


def exportable_types() -> frozenset[str]:
    """The question types :func:`export_gift` writes."""
    return frozenset(str(t.name) for t in _registry_types() if hasattr(t, "gift_write"))


def __getattr__(name: str) -> Any:
    if name == "EXPORTABLE_TYPES":  # computed: the registry is read when it is asked for
        return exportable_types()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _export_question(question: Mapping[str, Any]) -> str:
    write = _writer(str(question.get("type")))
    data = question.get("data") or {}
    feedback = question.get("feedback") or {}
    try:
        lines = write(GiftQuestionWriter(data, feedback))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _Unexpressible("export_invalid") from None

    head = ""
    uid = str(question.get("uid") or "")
    if uid and len(uid) <= _MAX_ID and not re.search(r"[\x00-\x1F\x7F]", uid):
        escaped_uid = uid.replace("]", "\\]")
        head = f"// [id:{escaped_uid}]\n"
    if title := str(question.get("title") or "").strip():
        head += f"::{_escape(title)}::"
    stem = _escape(str(question.get("stem") or ""))
    if lines is None:
        return f"{head}[html]{stem}"
    if not lines:
        return f"{head}[html]{stem} {{}}"
    body = "\n".join("\t" + line for line in lines)
    return f"{head}[html]{stem} {{\n{body}\n}}"


def _escape_answer(text: str) -> str:
    escaped = _escape(html.escape(str(text), quote=False))
    if escaped[:1] == "%":
        return "&\\#37;" + escaped[1:]  # &#37;, its # escaped
    if escaped[:1] == "[":
        return "&\\#91;" + escaped[1:]
    return escaped
