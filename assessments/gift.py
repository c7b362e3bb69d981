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

The module has three layers: the GIFT *syntax* (blocks, comments, ``$CATEGORY``, ids and
tags, titles, format markers, escapes, the answer block, answers with their weights and
feedback), the per-type *readers* (``_read_<type>``: one small function per question type,
picked the way Moodle picks the type) and the per-type *writers* (``_write_<type>``).

How GIFT maps onto this project's question format
-------------------------------------------------

The type is found as Moodle finds it: empty braces are an essay, a ``#`` first a numeric
question, any ``~`` a multiple choice, ``=`` with ``->`` a matching question, ``T``, ``TRUE``,
``F`` or ``FALSE`` (capitals, as Moodle) a true/false question, anything else in braces a
short answer; no braces at all is a description.

Weights ``%n%`` (-100..100, decimals allowed) are credit in percent; ``=`` alone is 100 %,
``~`` alone 0 %.

``single_choice``
    A multiple choice with at least one ``=`` answer (Moodle's single-answer multichoice).
    ``correct`` is the first option with full credit. When any other option earns credit
    (several ``=`` answers, which Moodle grades as "choosing any of them is right", or
    weights such as ``~%50%almost`` or ``~%-50%wrong``) the data gets ``fractions``: option
    id -> credit (-1..1; options left out earn 0; a question never scores below 0).
``multiple_response``
    ``{~%50%a ~%50%b ~%-100%c}``: ``~`` answers with weights and no ``=`` answer (Moodle's
    "multiple answers" question). On import, ``correct`` is every option with a positive
    weight and ``scoring`` is ``right_minus_wrong``. On export, each correct option gets
    ``100 / n`` (n = number of correct options, so they sum to 100); each wrong option gets
    ``-100 / w`` (w = number of wrong options) when the question scores ``right_minus_wrong``
    -- Moodle then awards exactly right chosen / n - wrong chosen / w, floored at 0, which
    is that rule -- and ``-100`` otherwise, the nearest Moodle gets to
    ``all_or_nothing``/``per_option`` (any wrong choice scores 0). GIFT keeps no scoring
    name, so a re-import always says ``right_minus_wrong``. Weights that rule does not give
    (``{~%50%a ~%50%b ~c ~%-100%d}``: a wrong option that costs nothing, or costs more or
    less than 1/w) are kept as ``fractions`` (option id -> credit), which then score as in
    Moodle (the chosen credits added up, floored at 0, capped at 1) and are written back
    as they are.
``short_answer``
    Only ``=`` answers, or a single answer without any marker (``{Nazareth}``): each
    accepted answer keeps its weight (``=%50%Nazereth``) as ``fraction`` and its feedback;
    ``*`` is Moodle's wildcard. Matching is case-insensitive, as Moodle's default. The
    accepted answers are plain text, as in Moodle (no HTML decoding).
``true_false``
    ``{T}``, ``{F}``, ``{TRUE}``, ``{FALSE}``. Moodle's ``{T#wrong#right}``: the first
    feedback is shown to whoever answers wrongly, the second to whoever answers rightly;
    they become ``feedback_false``/``feedback_true`` (or the reverse for ``{F}``).
``numeric``
    ``{#answer:tolerance}``, ``{#answer}`` (tolerance 0), ``{#low..high}`` (answer = the
    middle, tolerance = half the width, computed in decimal so 0.1..0.3 gives 0.2 +- 0.1),
    and several answers ``{#=5:0#right =%50%6:1#close ~#wrong}``. One answer at full
    credit gives the short form ``{"answer", "tolerance"}`` (its ``#feedback`` becomes
    ``feedback.correct``); anything else the extended form with ``answers``, each with its
    fraction and feedback. A ``~`` answer without a number (Moodle's "any other answer",
    ``{#3:2~#Completely wrong}``) becomes ``{"value": null, "fraction": 0, "feedback"}``;
    a ``~`` answer with a number is that number at 0 % (or its weight); ``=%50%*`` is any
    other answer at that credit. Answers after an "any other answer" are never reached
    and are dropped. ``unit`` and ``units`` have no GIFT form and are not exported.
``matching``
    ``{=premise -> response ...}``; ``= -> text`` adds a distractor response. Premises get
    ids p1, p2, ...; responses r1, r2, ... in order of first appearance, one per distinct
    text. Moodle grades matching per premise, so imports get ``scoring: per_premise``.
    Moodle has no per-pair feedback; a ``#feedback`` on a pair is dropped. Responses are
    plain text, as in Moodle.
``essay``
    ``{}``: the essay defaults (no word limits, no attachments, no rubric). Word limits,
    attachments, rubric, grader information and response template have no GIFT form and
    are not exported.
``description``
    Text without braces: ``data`` is ``{}`` and ``points`` 0.
``ordering``, ``hotspot``, ``cloze``, ``drag_drop_*``
    Not in GIFT: :func:`export_gift` skips them and says why.
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
@dataclass
class _Source:
    """The parts of one question, still protected (escapes as placeholders)."""

    text_format: str  # html, moodle, markdown or plain
    before: str  # the text before the answer block (all of it for a description)
    after: str  # the text after the answer block (a missing-word question)
    answers: str | None  # inside the braces, without the general feedback; None: no braces
    general: str | None  # the general feedback (after ####)

    def text(self, protected: str) -> str:
        """An answer or feedback text, as plain text."""
        return _piece_text(protected, self.text_format)

    @property
    def general_feedback(self) -> dict[str, str]:
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
        parts = _Source(text_format, source, "", None, None)
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
        parts = _Source(text_format, source[:opening], after, answers.strip(), general)

    stem = _stem_html(parts)
    if not html_to_text(stem):
        raise _Reject("missing_stem")
    kind = _question_type(parts.answers)
    read = _READERS[kind]
    qtype, feedback, data = read(parts)
    return ParsedQuestion(
        line=line,
        title=title or title_from_stem(stem),
        type=qtype,
        stem=stem,
        points=0 if qtype == "description" else 1,
        feedback=feedback,
        data=data,
    )


def _question_type(answers: str | None) -> str:
    """The reader for an answer block, chosen in Moodle's order."""
    if answers is None:
        return "description"
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numeric"
    if "~" in answers:
        return "choice"
    if "=" in answers and "->" in answers:
        return "matching"
    if answers.split("#", 1)[0].strip() in _TRUE_FALSE:
        return "true_false"
    return "short_answer"


def _stem_html(parts: _Source) -> str:
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
    """A text Moodle keeps as typed (short answers; matching responses, which take no
    format marker): escapes undone, a format marker dropped, spaces collapsed, no markup
    removed."""
    text = _restore(protected).strip()
    if format_marker and (marker := _FORMAT_MARKER.match(text)):
        text = text[marker.end() :]
    return _collapse_spaces(text)


@dataclass
class _Answer:
    number: int  # 1-based position in the answer block, for messages
    marker: str  # "=" or "~" ("" for a first answer written without one)
    weight: Decimal | None  # percent, -100..100
    text: str  # still protected
    feedback: str | None  # still protected

    def credit(self, *, negative: bool = False) -> int | float:
        """The weight as a fraction of the points (``=`` alone 1, ``~`` alone 0)."""
        if self.weight is None:
            return 0 if self.marker == "~" else 1
        if self.weight < 0 and not negative:
            raise _Reject("negative_weight", weight=f"%{_json_number(self.weight)}%")
        return _json_number(self.weight / 100)


def _split_answers(answers: str, *, unmarked_first: bool = False) -> list[_Answer]:
    """The answers of a block: each starts with = or ~, then an optional weight, its text
    and an optional ``#feedback``. With ``unmarked_first`` a first answer may come without
    a marker (Moodle's ``{Nazareth}``, ``{#1822:5}``)."""
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
        parsed.append(_Answer(number, marker, weight, text, feedback if hash_sign else None))
    return parsed


def _option_feedback(entry: dict[str, Any], answer: _Answer, parts: _Source) -> None:
    if answer.feedback is not None and (feedback := parts.text(answer.feedback)):
        entry["feedback"] = feedback


# --- One reader per question type -------------------------------------------------------
_Read = tuple[str, dict[str, str], dict[str, Any]]  # (type, feedback, data)


def _read_description(parts: _Source) -> _Read:
    return "description", {}, {}


def _read_essay(parts: _Source) -> _Read:
    data: dict[str, Any] = {
        "min_words": None,
        "max_words": None,
        "attachments": 0,
        "attachments_required": 0,
        "file_types": [],
        "rubric": None,
        "grader_info": "",
        "response_template": "",
    }
    return "essay", parts.general_feedback, data


def _read_true_false(parts: _Source) -> _Read:
    value, _, comments = (parts.answers or "").partition("#")
    correct = value.strip() in ("T", "TRUE")
    wrong, _, right = comments.partition("#")
    wrong, right = parts.text(wrong), parts.text(right)
    data: dict[str, Any] = {"correct": correct}
    on_true, on_false = (right, wrong) if correct else (wrong, right)
    if on_true:
        data["feedback_true"] = on_true
    if on_false:
        data["feedback_false"] = on_false
    return "true_false", parts.general_feedback, data


def _read_choice(parts: _Source) -> _Read:
    """Moodle's multichoice: single answer when any answer starts with =, else multiple."""
    parsed = _split_answers(parts.answers or "")
    options: list[dict[str, Any]] = []
    for index, answer in enumerate(parsed):
        text = parts.text(answer.text)
        if not text:
            raise _Reject("missing_answer", number=answer.number)
        option: dict[str, Any] = {"id": option_id(index), "text": text}
        _option_feedback(option, answer, parts)
        options.append(option)
    if len(options) < 2:
        raise _Reject("too_few_options", minimum=2, count=len(options))
    credits = {
        option["id"]: answer.credit(negative=True)
        for option, answer in zip(options, parsed, strict=True)
    }
    if any(answer.marker == "=" for answer in parsed):
        return _single_choice(options, credits, parts)
    return _multiple_response(options, credits, parts)


def _single_choice(
    options: list[dict[str, Any]], credits: dict[str, int | float], parts: _Source
) -> _Read:
    full = [ident for ident, credit in credits.items() if credit == 1]
    if not full:
        raise _Reject("no_correct_answer")
    data: dict[str, Any] = {"options": options, "correct": full[0]}
    fractions = {ident: credit for ident, credit in credits.items() if credit != 0}
    if fractions != {full[0]: 1}:
        data["fractions"] = fractions
    return "single_choice", parts.general_feedback, data


def _multiple_response(
    options: list[dict[str, Any]], credits: dict[str, int | float], parts: _Source
) -> _Read:
    correct = [ident for ident, credit in credits.items() if credit > 0]
    if not correct:
        raise _Reject("no_correct_answer")
    data: dict[str, Any] = {"options": options, "correct": correct, "scoring": "right_minus_wrong"}
    # Weights that right_minus_wrong gives anyway (100/n for each of the n right options,
    # -100/w for each of the w wrong ones) need no credits of their own.
    right, wrong = 1 / len(correct), -1 / max(1, len(options) - len(correct))
    if not all(
        math.isclose(credit, right if credit > 0 else wrong, abs_tol=1e-6)
        for credit in credits.values()
    ):
        data["fractions"] = {ident: credit for ident, credit in credits.items() if credit}
    return "multiple_response", parts.general_feedback, data


def _read_short_answer(parts: _Source) -> _Read:
    accepted: list[dict[str, Any]] = []
    for index, answer in enumerate(_split_answers(parts.answers or "", unmarked_first=True)):
        text = _plain_text(answer.text)
        if not text:
            raise _Reject("missing_answer", number=answer.number)
        entry: dict[str, Any] = {"id": option_id(index), "text": text, "fraction": answer.credit()}
        _option_feedback(entry, answer, parts)
        accepted.append(entry)
    if not any(entry["fraction"] == 1 for entry in accepted):
        raise _Reject("no_correct_answer")
    data = {
        "answers": accepted,
        "case_sensitive": False,
        "ignore_accents": False,
        "ignore_spaces": False,
    }
    return "short_answer", parts.general_feedback, data


def _read_numeric(parts: _Source) -> _Read:
    body = (parts.answers or "")[1:]
    if not body.strip():
        raise _Reject("missing_answer", number=1)
    answers: list[dict[str, Any]] = []
    for answer in _split_answers(body, unmarked_first=True):
        spec = _restore(answer.text).strip()
        entry: dict[str, Any]
        if spec == "*" or (spec == "" and answer.marker == "~"):  # "any other answer"
            entry = {"value": None, "fraction": answer.credit()}
        elif not spec:
            raise _Reject("missing_answer", number=answer.number)
        else:
            value, tolerance = _numeric_spec(answer.text)
            fraction = answer.credit()
            entry = {"value": _json_number(value), "tolerance": _json_number(tolerance)}
            entry["fraction"] = fraction
        _option_feedback(entry, answer, parts)
        if entry["value"] is None and not entry["fraction"] and "feedback" not in entry:
            break  # a bare ~ changes nothing
        answers.append(entry)
        if entry["value"] is None:
            break  # it matches every number: the answers after it are never reached
    if not any(entry["fraction"] == 1 and entry["value"] is not None for entry in answers):
        raise _Reject("no_correct_answer")
    feedback = parts.general_feedback
    if len(answers) == 1:  # one answer at full credit: the short form
        [only] = answers
        if only.get("feedback"):
            feedback["correct"] = only["feedback"]
        return "numeric", feedback, {"answer": only["value"], "tolerance": only["tolerance"]}
    data = {"answers": answers, "units": [], "unit_handling": "none", "unit_penalty": 0}
    return "numeric", feedback, data


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


def _read_matching(parts: _Source) -> _Read:
    premises: list[dict[str, str]] = []
    responses: dict[str, str] = {}  # text -> id, in order of first appearance
    correct: dict[str, str] = {}
    for answer in _split_answers(parts.answers or ""):
        if answer.marker != "=":
            raise _Reject("unknown_syntax", text=_snippet("~" + answer.text))
        premise_text, arrow, response_text = answer.text.partition("->")
        if not arrow:
            raise _Reject("bad_matching_pair", number=answer.number)
        premise = parts.text(premise_text)
        response = _plain_text(response_text, format_marker=False)
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
    return "matching", parts.general_feedback, data


_READERS: dict[str, Callable[[_Source], _Read]] = {
    "description": _read_description,
    "essay": _read_essay,
    "true_false": _read_true_false,
    "choice": _read_choice,
    "short_answer": _read_short_answer,
    "numeric": _read_numeric,
    "matching": _read_matching,
}


# --- Export -----------------------------------------------------------------------------
# Written so that Moodle and gift-pegjs read the same thing: stems are [html]; numeric
# answers always take the "=value:tolerance#feedback" form after "{#" (gift-pegjs reads
# feedback only there), numbers never use exponents, a choice text that starts with "%" or
# "[" has that character written as an HTML entity (both parsers would take it for a weight
# or a format), "=" answers of a multiple choice never carry a weight (Moodle would keep it
# as text) and short answers always do.
_NOT_IN_GIFT = {
    "ordering": "export_ordering",
    "hotspot": "export_hotspot",
    "cloze": "export_cloze",
    "drag_drop_text": "export_drag_drop",
    "drag_drop_image": "export_drag_drop",
    "drag_drop_marker": "export_drag_drop",
}


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


# A writer returns the answer lines, or None for a question without braces (description).
_Write = Callable[[Mapping[str, Any], Mapping[str, Any]], "list[str] | None"]


def _export_question(question: Mapping[str, Any]) -> str:
    kind = str(question.get("type"))
    if kind in _NOT_IN_GIFT:
        raise _Unexpressible(_NOT_IN_GIFT[kind])
    if kind not in _WRITERS:
        raise _Unexpressible("export_unknown_type")
    data = question.get("data") or {}
    feedback = question.get("feedback") or {}
    try:
        lines = _WRITERS[kind](data, feedback)
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


def _general_line(feedback: Mapping[str, Any]) -> list[str]:
    """The general feedback line: ``feedback.general``, else the feedback shown after a
    right and a wrong answer."""
    if general := str(feedback.get("general") or ""):
        return ["####" + _escape_answer(general)]
    return _general(*_feedback_texts(feedback))


def _general(correct: str, incorrect: str) -> list[str]:
    """The general feedback line for the feedback shown after a right and a wrong answer."""
    if correct == incorrect or not incorrect:
        shared = correct
    elif not correct:
        shared = incorrect
    else:
        shared = f"{correct}\n{incorrect}"
    return ["####" + _escape_answer(shared)] if shared else []


def _feedback_texts(feedback: Mapping[str, Any]) -> tuple[str, str]:
    return str(feedback.get("correct") or ""), str(feedback.get("incorrect") or "")


def _escape_answer(text: str) -> str:
    """A choice or feedback text for a question exported as [html]."""
    escaped = _escape(html.escape(str(text), quote=False))
    if escaped[:1] == "%":
        return "&\\#37;" + escaped[1:]  # &#37;, its # escaped
    if escaped[:1] == "[":
        return "&\\#91;" + escaped[1:]
    return escaped


def _feedback_suffix(entry: Mapping[str, Any]) -> str:
    return "#" + _escape_answer(str(entry["feedback"])) if entry.get("feedback") else ""


def _option_line(marker: str, option: Mapping[str, Any]) -> str:
    text = str(option["text"])
    if not text.strip():
        raise ValueError("empty option")
    return marker + _escape_answer(text) + _feedback_suffix(option)


def _weight(value: float) -> str:
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return f"%{'0' if text == '-0' else text}%"


def _fraction(value: Any, *, negative: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a fraction")
    if not (-1 if negative else 0) <= value <= 1:
        raise ValueError("fraction out of range")
    return float(value)


def _write_single_choice(data: Mapping[str, Any], feedback: Mapping[str, Any]) -> list[str]:
    options = list(data["options"])
    ids = [option["id"] for option in options]
    if data["correct"] not in ids:
        raise ValueError("correct option missing")
    if len(options) < 2:
        raise _Unexpressible("export_single_option")
    fractions = data.get("fractions")
    if fractions is None:
        fractions = {data["correct"]: 1}
    if not set(fractions) <= set(ids) or fractions.get(data["correct"]) != 1:
        raise ValueError("fractions do not fit the options")
    lines = []
    for option in options:
        credit = _fraction(fractions.get(option["id"], 0), negative=True)
        marker = "=" if credit == 1 else "~" + (_weight(credit * 100) if credit else "")
        lines.append(_option_line(marker, option))
    return lines + _general_line(feedback)


def _write_multiple_response(data: Mapping[str, Any], feedback: Mapping[str, Any]) -> list[str]:
    options = list(data["options"])
    correct = set(data["correct"])
    if not correct or not correct <= {option["id"] for option in options}:
        raise ValueError("correct options missing")
    if (fractions := data.get("fractions")) is not None:  # Moodle's weights, as they are
        credits = {o["id"]: _fraction(fractions.get(o["id"], 0), negative=True) for o in options}
        if {ident for ident, credit in credits.items() if credit > 0} != correct:
            raise ValueError("credits do not fit the correct options")
        lines = [
            _option_line("~" + (_weight(credits[o["id"]] * 100) if credits[o["id"]] else ""), o)
            for o in options
        ]
        return lines + _general_line(feedback)
    right = 100 / len(correct)
    distractors = max(1, len(options) - len(correct))
    wrong = -100 / distractors if data.get("scoring") == "right_minus_wrong" else -100.0
    lines = [
        _option_line("~" + _weight(right if o["id"] in correct else wrong), o) for o in options
    ]
    return lines + _general_line(feedback)


def _write_true_false(data: Mapping[str, Any], feedback: Mapping[str, Any]) -> list[str]:
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
    return [line, *_general_line(feedback)]


def _write_short_answer(data: Mapping[str, Any], feedback: Mapping[str, Any]) -> list[str]:
    lines = []
    for answer in data["answers"]:
        text = _escape(str(answer["text"]))
        if not text.strip():
            raise ValueError("empty answer")
        if "->" in text:  # Moodle and this parser would take the question for a matching
            raise _Unexpressible("export_short_answer_arrow")
        if _FORMAT_MARKER.match(text):  # a text that starts like a format marker keeps it
            text = "[moodle]" + text
        weight = _weight(_fraction(answer["fraction"]) * 100)
        lines.append(f"={weight}{text}{_feedback_suffix(answer)}")
    if not lines:
        raise ValueError("no answers")
    return lines + _general_line(feedback)


def _format_number(value: Any) -> str:
    """A number as gift-pegjs and Moodle read it: digits, an optional point, no exponent."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError("not a number")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(float(value)):
        raise _Unexpressible("export_bad_number")
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _numeric_line(answer: Mapping[str, Any], credit: float) -> str:
    weight = "" if credit == 1 else _weight(credit * 100)
    if answer.get("value") is None:
        line = f"={weight}*" if credit else "~"  # gift-pegjs reads only the second
        return line + (_feedback_suffix(answer) or "#")
    value = _format_number(answer["value"])
    tolerance = _format_number(answer.get("tolerance", 0))
    if tolerance.startswith("-"):
        raise ValueError("negative tolerance")
    return f"={weight}{value}:{tolerance}{_feedback_suffix(answer)}"


def _write_numeric(data: Mapping[str, Any], feedback: Mapping[str, Any]) -> list[str]:
    correct, incorrect = _feedback_texts(feedback)
    if "answers" not in data:  # the short form: one answer at full credit
        answer = {"value": data["answer"], "tolerance": data.get("tolerance", 0)}
        if answer["value"] is None:
            raise TypeError("no answer")
        if feedback.get("general"):
            if correct:
                answer["feedback"] = correct
            return ["#", _numeric_line(answer, 1), *_general_line(feedback)]
        if correct and correct != incorrect:
            answer["feedback"] = correct
            return ["#", _numeric_line(answer, 1), *_general(incorrect, incorrect)]
        return ["#", _numeric_line(answer, 1), *_general(correct, incorrect)]
    lines = ["#"]
    for answer in data["answers"]:
        lines.append(_numeric_line(answer, _fraction(answer["fraction"])))
        if answer.get("value") is None:
            break  # Moodle's "any other answer" comes last: nothing after it is reached
    if len(lines) == 1:
        raise ValueError("no answers")
    return lines + _general_line(feedback)


def _write_matching(data: Mapping[str, Any], feedback: Mapping[str, Any]) -> list[str]:
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
        lines.append(f"={_escape_answer(text)} -> {_escape(response)}")
    if len(lines) < 2:
        raise ValueError("too few premises")
    lines.extend(f"= -> {_escape(text)}" for rid, text in responses.items() if rid not in used)
    return lines + _general_line(feedback)


def _write_essay(data: Mapping[str, Any], feedback: Mapping[str, Any]) -> list[str]:
    return _general_line(feedback)


def _write_description(data: Mapping[str, Any], feedback: Mapping[str, Any]) -> None:
    return None


_WRITERS: dict[str, _Write] = {
    "single_choice": _write_single_choice,
    "multiple_response": _write_multiple_response,
    "true_false": _write_true_false,
    "short_answer": _write_short_answer,
    "numeric": _write_numeric,
    "matching": _write_matching,
    "essay": _write_essay,
    "description": _write_description,
}
EXPORTABLE_TYPES = frozenset(_WRITERS)
