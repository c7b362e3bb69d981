"""Moodle XML import and export.

Plain Python (no Django at import time). :func:`parse_moodlexml` reads a Moodle XML file
(``<quiz>`` with ``<question type="...">`` elements) and returns an
:class:`~assessments.gift.ImportResult`: every question it could read, shaped per
``QUESTION_FORMAT.md`` (as :class:`MoodleQuestion`, a :class:`~assessments.gift.ParsedQuestion`
that also carries its embedded images), and one
:class:`~assessments.gift.QuestionImportError` for every question it refused, with the
question's name and the line its ``<question>`` element starts on. One bad question never
stops the others. :func:`export_moodlexml` writes questions back with Moodle's own element
names, so that Moodle imports the file unchanged.

Safety
------
The file is parsed with ``defusedxml`` (the project's XML parser, already used for SCORM
manifests; lxml is not installed): a DOCTYPE, an entity declaration or an external
reference refuses the whole file (``unsafe_xml``), so XXE and "billion laughs" files read
nothing. Files larger than :data:`MAX_FILE_BYTES` are refused before parsing. Embedded files
are decoded only when a kept ``<img>`` or a drag-and-drop background uses them, and each is
checked with Pillow: PNG, JPEG, GIF or WebP only (SVG is refused: it can carry scripts), at
most :data:`MAX_IMAGE_BYTES` and :data:`MAX_IMAGE_PIXELS`; a question with a bad image is
refused with the file's name.

How Moodle maps onto the platform
---------------------------------
Common fields: ``name`` is the title (tags stripped); ``questiontext`` is the stem, cleaned
to the stem HTML (p, strong, em, ul, ol, li; b/i become strong/em) plus ``<img src alt>``
for embedded images (``@@PLUGINFILE@@/name`` references to a ``<file>`` of the question, or
the Moodle 1.9 ``<image>``/``<image_base64>`` pair, appended to the stem); any other image
source (``http://...``) is removed, and the lines that ``<br>`` separated become paragraphs.
The text formats: ``html`` is cleaned as HTML; ``moodle_auto_format`` as HTML when it holds
tags, else as text; ``plain_text`` and ``markdown`` are escaped text, one paragraph per line
(markdown's ``**strong**`` and ``*em*`` kept). Feedback and answer texts are plain text on
the platform: their tags are removed and entities decoded (an image in a feedback or an
answer is not kept, and neither is an embedded file that is no image of the stem, such as a
sound behind a link: each loss is reported as a warning with the question's line).
``defaultgrade`` becomes ``points``; ``penalty`` is kept in ``data["penalty"]`` and written
back; ``generalfeedback`` becomes ``feedback.general``,
``correctfeedback``/``partiallycorrectfeedback``/``incorrectfeedback`` become
``feedback.correct``/``partial``/``incorrect``; hints are kept in ``data["hints"]`` (text,
shownumcorrect, clearwrong) and written back; Moodle-only display settings (shuffleanswers,
answernumbering, shownumcorrect, showstandardinstruction, hidden, responsefieldlines,
showunits, unitsleft, showmisplaced) are kept in ``data["moodle"]`` for the export.
``idnumber`` becomes the question's identifier (``uid``) when it is a valid identifier
(letters, digits, ``.``, ``_``, ``-``, at most 64), else it is dropped. ``<tags>`` become
tags.

Categories: a ``<question type="category">`` applies to the questions after it; the
segments of its path, without the leading context (``$course$``, ``$system$``, ...) and
``top``, become the questions' tags (as GIFT's ``$CATEGORY``; ``//`` is a literal slash).
A category's ``<info>`` and ``idnumber`` are not kept. The export writes a category
question whenever a question's tags differ from the previous one's, its path made of the
sorted tags under ``$course$/top``.

Fractions: Moodle stores a grade as a percentage (``fraction="33.33333"``). On import the
percentage must be one of Moodle's grades (100, 90, 83.33333, ..., 5, 0 and, for choices,
their negatives) within 0.001 %, as Moodle itself requires, else the question is refused
(``invalid_grade``); the grade is kept as Moodle's fraction (0.3333333), which the export
writes back as ``33.33333``.

Types: ``multichoice`` with ``single=true`` becomes ``single_choice``: ``correct`` is the
first answer at 100 % (none: refused), and when any other answer has a grade, ``fractions``
holds every non-zero grade (several 100 % answers, partial and negative credit, graded as
Moodle does), written back unchanged. ``single=false`` becomes ``multiple_response``:
``correct`` is every option with a positive fraction, ``scoring`` ``right_minus_wrong``
and, unless the grades are exactly that rule's (1/n and -1/w), ``fractions`` every
non-zero grade (Moodle's weights: the chosen options' grades added up); written back
unchanged, so a round trip keeps them.
``truefalse`` becomes ``true_false`` (per-answer feedback as ``feedback_true`` and
``feedback_false``). ``shortanswer`` becomes
``short_answer`` (``usecase`` is ``case_sensitive``). ``numerical`` becomes ``numeric``: one
answer at 100 % without units keeps the original shape ``{answer, tolerance}``; otherwise
the extended one (answers with value, tolerance, fraction, feedback; ``*``, Moodle's "any
other answer", as ``{"value": null, "fraction", "feedback"}``; units with multipliers;
``unitgradingtype`` 0 is ``optional``, else ``required``;
``unitpenalty``). ``match``/``matching`` becomes ``matching`` (subquestions with empty text
are distractor responses; per premise). ``essay`` keeps every field. ``description``
has no answer and 0 points. ``multianswer``/``cloze`` becomes ``cloze``: each embedded
``{n:TYPE:answers}`` becomes a gap and a ``{{gN}}`` marker in the stem (SHORTANSWER/SA/MW,
SHORTANSWER_C/SAC/MWC, NUMERICAL/NM, MULTICHOICE/MC (dropdown), MULTICHOICE_V/MCV and
MULTICHOICE_H/MCH (radio), MULTIRESPONSE/MR and MULTIRESPONSE_H/MRH (checkbox), each with
the shuffled ``_S`` variants; the exact Moodle keyword is kept in the gap's ``moodle``).
``gapselect`` and ``ddwtos`` become ``drag_drop_text`` (``[[n]]`` markers become ``{{gK}}``
gaps whose correct choice is choice n). ``ddimageortext`` becomes ``drag_drop_image`` and
``ddmarker`` ``drag_drop_marker``, their background image stored like the stems' images.
``ordering`` (core since Moodle 4.4) becomes ``ordering``: ``ALL_OR_NOTHING`` and
``RELATIVE_NEXT_EXCLUDE_LAST`` (``adjacent_pairs``) gradings only, all items shown.
Refused with the question's name and line: calculated, calculatedsimple,
calculatedmulti, randomsamatch, random, STACK, CodeRunner and any other plugin type; the
platform's hotspot, which Moodle's core lacks, is listed as not exported.

Each type's mapping lives in its module (``assessments/types/<type>.py``: ``moodle_qtypes``,
``moodlexml_read``, ``moodlexml_write``); this module is the format around them.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import re
import urllib.parse
import xml.etree.ElementTree as ET  # types and errors only: parsing goes through defusedxml
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import defusedxml
import nh3
from defusedxml.ElementTree import DefusedXMLParser

from ..content import STEM_TAGS
from ..gift import (
    ImportResult,
    ParsedQuestion,
    QuestionImportError,
    gettext_noop,
    html_to_text,
    title_from_stem,
)

__all__ = [
    "MESSAGES",
    "EmbeddedImage",
    "MoodleQuestion",
    "MoodleQuestionReader",
    "MoodleQuestionWriter",
    "check_image",
    "export_moodlexml",
    "is_moodlexml",
    "parse_moodlexml",
    "plain_text",
]

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_IMAGE_BYTES = (
    10 * 1024 * 1024
)  # as Wagtail's image upload limit (WAGTAILIMAGES_MAX_UPLOAD_SIZE)
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
PLUGINFILE = "@@PLUGINFILE@@/"

MESSAGES: dict[str, str] = {
    # The whole file.
    "file_too_large": gettext_noop("The file is too large ({size} bytes; at most {limit})."),
    "not_xml": gettext_noop("The file is not well-formed XML: {error}."),
    "unsafe_xml": gettext_noop(
        "The file declares a DOCTYPE, entities or external references, which are refused "
        "(they can read files of the server or make it run out of memory)."
    ),
    "not_moodle_xml": gettext_noop(
        "The file is not Moodle XML: its root element is <{root}>, not <quiz>."
    ),
    # One question.
    "unsupported_type": gettext_noop(
        "Questions of the Moodle type “{qtype}” cannot be imported: the platform has no "
        "matching question type."
    ),
    "missing_type": gettext_noop("The question has no type attribute."),
    "malformed": gettext_noop("The question could not be read: {detail}."),
    "missing_stem": gettext_noop("The question has no text."),
    "invalid_grade": gettext_noop(
        "The grade {value} % of answer {number} is not one of Moodle's grades (such as 100, "
        "50, 33.33333 or 0)."
    ),
    "bad_fraction": gettext_noop("The grade “{value}” of answer {number} is not a number."),
    "bad_number": gettext_noop("“{value}” is not a number ({where})."),
    "too_few_answers": gettext_noop(
        "The question needs at least {minimum} answers; it has {count}."
    ),
    "no_full_credit": gettext_noop(
        "No answer has a grade of 100 %, so nobody could get full marks."
    ),
    "no_correct_option": gettext_noop("No answer has a positive grade."),
    "missing_answer_text": gettext_noop("Answer {number} has no text."),
    "truefalse_answers": gettext_noop(
        "A true/false question needs one answer “true” and one answer “false”."
    ),
    "matching_too_few": gettext_noop(
        "A matching question needs at least two sub-questions with text; it has {count}."
    ),
    "cloze_no_gaps": gettext_noop("The embedded-answers (cloze) question has no gaps."),
    "cloze_too_few_choices": gettext_noop(
        "Gap {number} is a choice with {count} choices; it needs at least two."
    ),
    "cloze_no_full_credit": gettext_noop(
        "Gap {number}: no answer has a grade of 100 %, so nobody could get full marks."
    ),
    "cloze_no_answers": gettext_noop("Gap {number} has no answers."),
    "cloze_bad_number": gettext_noop("Gap {number}: “{value}” is not a number."),
    "ordering_grading": gettext_noop(
        "The ordering grading “{grading}” is not one the platform has: use all or nothing "
        "(ALL_OR_NOTHING) or next item in order (RELATIVE_NEXT_EXCLUDE_LAST)."
    ),
    "ordering_subset": gettext_noop(
        "Ordering questions that show only some of the items are not supported."
    ),
    "dd_no_gaps": gettext_noop("The question text has no [[n]] gaps."),
    "dd_bad_gap": gettext_noop("The gap [[{number}]] names no choice (there are {count})."),
    "dd_no_choices": gettext_noop("The question has no choices to drag."),
    "dd_no_zones": gettext_noop("The question has no drop zones."),
    "dd_bad_choice": gettext_noop(
        "Drop zone {number} names choice {choice}, which does not exist."
    ),
    "dd_bad_coords": gettext_noop(
        "Drop zone {number} has coordinates “{coords}” that cannot be read."
    ),
    "dd_no_image": gettext_noop("The question has no background image."),
    "image_missing": gettext_noop("The image “{name}” is referenced but not in the file."),
    "image_bad_base64": gettext_noop("The embedded file “{name}” is not valid base64."),
    "image_too_large": gettext_noop("The image “{name}” is too large (at most {limit} bytes)."),
    "image_too_many_pixels": gettext_noop(
        "The image “{name}” is too large ({width} × {height} pixels; at most {limit} pixels)."
    ),
    "image_svg": gettext_noop(
        "The image “{name}” is an SVG drawing, which is refused: it can carry scripts."
    ),
    "image_not_image": gettext_noop("The file “{name}” is not a PNG, JPEG, GIF or WebP image."),
    # Warnings: imported, with a loss.
    "images_dropped": gettext_noop(
        "{count} images in feedback or answer texts were left out: those texts are plain "
        "text on the platform."
    ),
    "external_images_dropped": gettext_noop(
        "{count} images that are not in the file were removed from the question text."
    ),
    "files_dropped": gettext_noop(
        "Embedded files that are not images of the question text were left out: {names}."
    ),
    # Export.
    "export_unknown_type": gettext_noop("Questions of this type cannot be written in Moodle XML."),
    "export_invalid": gettext_noop(
        "The question's answers are incomplete or inconsistent, so it cannot be written in "
        "Moodle XML."
    ),
}


class _Reject(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _error(line: int, title: str | None, code: str, **params: Any) -> QuestionImportError:
    return QuestionImportError(
        line=line, title=title, code=code, reason=MESSAGES[code], params=dict(params)
    )


# --- Images -----------------------------------------------------------------------------
@dataclass
class EmbeddedImage:
    """An image a question uses, decoded and checked (:func:`check_image`)."""

    filename: str
    data: bytes
    content_type: str
    width: int
    height: int


def check_image(name: str, data: bytes) -> EmbeddedImage:
    """``data`` as an :class:`EmbeddedImage` when it is a PNG, JPEG, GIF or WebP image
    within the limits, else :class:`_Reject` with the reason."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise _Reject("image_too_large", name=name, limit=MAX_IMAGE_BYTES)
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or b"<svg" in head:
        raise _Reject("image_svg", name=name)
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            width, height = image.size
            if fmt not in IMAGE_FORMATS:
                raise _Reject("image_not_image", name=name)
            if width * height > MAX_IMAGE_PIXELS:
                raise _Reject(
                    "image_too_many_pixels",
                    name=name,
                    width=width,
                    height=height,
                    limit=MAX_IMAGE_PIXELS,
                )
            image.verify()
    except _Reject:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _Reject("image_not_image", name=name) from None
    return EmbeddedImage(name, data, IMAGE_FORMATS[fmt], width, height)


def _decode_base64(name: str, text: str) -> bytes:
    compact = re.sub(r"\s+", "", text or "")
    if len(compact) > (MAX_IMAGE_BYTES * 4) // 3 + 8:
        raise _Reject("image_too_large", name=name, limit=MAX_IMAGE_BYTES)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise _Reject("image_bad_base64", name=name) from None


# --- Parsed question --------------------------------------------------------------------
@dataclass
class MoodleQuestion(ParsedQuestion):
    """A question read from Moodle XML, with the images its stem and data use: the stem's
    ``<img src="@@PLUGINFILE@@/<name>">`` and ``data["image"]["name"]`` ==
    ``"@@PLUGINFILE@@/<name>"`` name a key of ``images``; the Django layer stores them and
    puts the stored image's address in their place."""

    moodle_type: str = ""
    images: dict[str, EmbeddedImage] = field(default_factory=dict)
    losses: list[tuple[str, dict[str, Any]]] = field(default_factory=list, repr=False)
    """What the question lost on the way in: ``(code, params)``, reported as warnings."""


# --- Text helpers -----------------------------------------------------------------------
_GRADES = (
    Decimal("1"),
    Decimal("0.9"),
    Decimal("0.8333333"),
    Decimal("0.8"),
    Decimal("0.75"),
    Decimal("0.7"),
    Decimal("0.6666667"),
    Decimal("0.6"),
    Decimal("0.5"),
    Decimal("0.4"),
    Decimal("0.3333333"),
    Decimal("0.3"),
    Decimal("0.25"),
    Decimal("0.2"),
    Decimal("0.1666667"),
    Decimal("0.1428571"),
    Decimal("0.125"),
    Decimal("0.1111111"),
    Decimal("0.1"),
    Decimal("0.05"),
    Decimal("0"),
)
_GRADE_TOLERANCE = Decimal("0.00001")
_UID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def moodle_grade(percent: Decimal, *, negative: bool) -> float | None:
    """Moodle's grade (0..1, or -1..1 when ``negative``) nearest ``percent`` / 100 when it
    is one of Moodle's grades, else ``None``."""
    value = percent / 100
    for grade in _GRADES:
        for candidate in (grade, -grade) if negative else (grade,):
            if abs(value - candidate) < _GRADE_TOLERANCE:
                return json_number(candidate)
    return None


def json_number(value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def format_percent(fraction: float) -> str:
    """A fraction as Moodle writes it: ``33.33333``, ``100``, ``-50``."""
    text = f"{Decimal(repr(float(fraction))) * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_fixed(value: Any, places: int = 7) -> str:
    return f"{Decimal(repr(float(value))):.{places}f}"


def format_number(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _paragraphs(text: str) -> str:
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)


_MARKDOWN_STRONG = re.compile(r"\*\*(.+?)\*\*")
_MARKDOWN_EM = re.compile(r"(?<![*\w])[*_](?![*\s])(.+?)(?<![\s*])[*_](?![*\w])")


def _markdown(text: str) -> str:
    out = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        block = " ".join(line.strip() for line in block.split("\n") if line.strip())
        if not block:
            continue
        escaped = html.escape(block, quote=False)
        escaped = _MARKDOWN_STRONG.sub(r"<strong>\1</strong>", escaped)
        escaped = _MARKDOWN_EM.sub(r"<em>\1</em>", escaped)
        out.append(f"<p>{escaped}</p>")
    return "".join(out)


_HAS_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_TAG_RENAME = re.compile(r"<(/?)\s*(b|i)(?=[\s>/])", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_LINE_BREAK = "\u2028"  # where a <br> stood, until the stem is cleaned
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def plain_text(raw: str, fmt: str = "html") -> str:
    """A Moodle text in ``fmt`` as plain text."""
    if not raw or raw.isspace():
        return ""
    if fmt in ("plain_text", "markdown"):
        return "\n".join(line.strip() for line in raw.strip().split("\n")).strip()
    if "<" not in raw and "&" not in raw:  # no markup: what html_to_text gives, faster
        text = re.sub(r"[ \t\r\f\v]+", " ", raw)
        return "\n".join(line.strip() for line in text.split("\n")).strip()
    return html_to_text(_BR.sub("\n", raw))


# --- Reading ------------------------------------------------------------------------------
class _LineTreeBuilder(ET.TreeBuilder):
    """A tree builder that remembers the line each element starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[ET.Element, int] = {}
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes")


@dataclass
class _Answer:
    number: int
    raw: str
    format: str
    percent: Decimal
    feedback: str
    element: ET.Element

    @property
    def text(self) -> str:
        return plain_text(self.raw, self.format)


class MoodleQuestionReader:
    """One ``<question>`` element, read field by field for a type's ``moodlexml_read``."""

    def __init__(self, element: ET.Element, line: int) -> None:
        self.element = element
        self.line = line
        self.moodle_type = element.get("type", "")
        self.images: dict[str, EmbeddedImage] = {}
        self._files: dict[str, str] = {}
        for file in element.iter("file"):
            name = file.get("name")
            if name and (file.get("encoding") or "base64") == "base64":
                # Referenced as @@PLUGINFILE@@<path><name>; most files sit at the root.
                folder = (file.get("path") or "/").strip("/")
                key = f"{folder}/{name}" if folder else name
                self._files.setdefault(key, file.text or "")
        self.stem_raw = self.text("questiontext")
        self.stem_format = self.format("questiontext")
        self.moodle: dict[str, Any] = {}

    # -- raw access
    def find(self, path: str) -> ET.Element | None:
        return self.element.find(path)

    def findall(self, path: str) -> list[ET.Element]:
        return self.element.findall(path)

    def text(self, path: str, default: str = "", element: ET.Element | None = None) -> str:
        """The text of ``path/text`` (Moodle's formatted fields), or of ``path`` itself."""
        base = self.element if element is None else element
        node = base.find(path)
        if node is None:
            return default
        inner = node.find("text")
        if inner is not None:
            return inner.text or ""
        return node.text or ""

    def value(self, path: str, default: str = "", element: ET.Element | None = None) -> str:
        base = self.element if element is None else element
        node = base.find(path)
        return default if node is None or node.text is None else node.text.strip()

    def format(self, path: str, default: str = "html", element: ET.Element | None = None) -> str:
        base = self.element if element is None else element
        node = base.find(path)
        return (node.get("format") if node is not None else None) or default

    def flag(self, path: str, default: bool = False, element: ET.Element | None = None) -> bool:
        """Moodle writes flags as ``<x>1</x>``, ``<x>true</x>`` or an empty ``<x/>``."""
        base = self.element if element is None else element
        node = base.find(path)
        if node is None:
            return default
        if node.text is None or not node.text.strip():
            return True
        return _flag(node.text)

    def number(
        self, path: str, default: Decimal | None = None, element: ET.Element | None = None
    ) -> Decimal | None:
        raw = self.value(path, element=element)
        if not raw:
            return default
        return self.decimal(raw, path)

    def decimal(self, raw: str, where: str) -> Decimal:
        try:
            number = Decimal(raw.strip().replace(",", "."))
        except InvalidOperation:
            raise _Reject("bad_number", value=raw.strip()[:40], where=where) from None
        if not number.is_finite():
            raise _Reject("bad_number", value=raw.strip()[:40], where=where)
        return number

    def plain(self, path: str, element: ET.Element | None = None) -> str:
        return plain_text(self.text(path, element=element), self.format(path, element=element))

    def keep(self, key: str, value: Any) -> None:
        """Keep a Moodle-only setting for the export (``data["moodle"]``)."""
        self.moodle[key] = value

    def reject(self, code: str, **params: Any) -> None:
        raise _Reject(code, **params)

    # -- answers
    def answers(self, *, negative: bool = False, path: str = "answer") -> list[_Answer]:
        answers = []
        for number, node in enumerate(self.findall(path), start=1):
            raw_fraction = (node.get("fraction") or "0").strip()
            try:
                percent = Decimal(raw_fraction)
            except InvalidOperation:
                raise _Reject("bad_fraction", value=raw_fraction[:40], number=number) from None
            if not percent.is_finite():
                raise _Reject("bad_fraction", value=raw_fraction[:40], number=number)
            answers.append(
                _Answer(
                    number=number,
                    raw=self.text(".", element=node),
                    format=node.get("format") or "html",
                    percent=percent,
                    feedback=self.plain("feedback", element=node),
                    element=node,
                )
            )
        for answer in answers:
            if moodle_grade(answer.percent, negative=negative) is None:
                raise _Reject(
                    "invalid_grade", value=format_number(answer.percent), number=answer.number
                )
        return answers

    def option_entry(self, answer: _Answer, ident: str, fraction: int | float) -> dict[str, Any]:
        """An answer as an entry ``{id, text, fraction, feedback?}`` (text required)."""
        text = answer.text
        if not text:
            raise _Reject("missing_answer_text", number=answer.number)
        entry: dict[str, Any] = {"id": ident, "text": text, "fraction": fraction}
        if answer.feedback:
            entry["feedback"] = answer.feedback
        return entry

    def grade(self, answer: _Answer, *, negative: bool = False) -> int | float:
        grade = moodle_grade(answer.percent, negative=negative)
        assert grade is not None  # checked by answers()
        return grade

    # -- images and stems
    def image(self, filename: str) -> str:
        """Decode and check the embedded file ``filename``; its reference for the data."""
        if filename not in self.images:
            if filename not in self._files:
                raise _Reject("image_missing", name=filename)
            self.images[filename] = check_image(
                filename, _decode_base64(filename, self._files[filename])
            )
        return PLUGINFILE + filename

    def background_image(self) -> dict[str, Any]:
        """The drag-and-drop background: the question's own ``<file>`` (or, as some
        plugins write it, ``<bgimage><file>``) as ``{name, width, height, alt}``."""
        for node in [*self.findall("file"), *self.findall("bgimage/file")]:
            name = node.get("name")
            if name:
                reference = self.image(name)
                image = self.images[name]
                return {"name": reference, "width": image.width, "height": image.height, "alt": ""}
        raise _Reject("dd_no_image")

    def file_names(self) -> list[str]:
        """The names of the files embedded in the question."""
        return list(self._files)

    def add_image(self, filename: str, base64_text: str) -> str:
        self._files.setdefault(filename, base64_text)
        return self.image(filename)

    def stem_html(self, raw: str, fmt: str) -> str:
        """A Moodle text as stem HTML with its embedded images kept."""
        if fmt == "plain_text" or (fmt == "moodle_auto_format" and not _HAS_TAG.search(raw)):
            return _paragraphs(raw)
        if fmt == "markdown":
            return _markdown(raw)
        problems: list[_Reject] = []

        def keep_image(element: str, attribute: str, value: str) -> str | None:
            if element != "img" or attribute != "src":
                return value
            if not value.startswith(PLUGINFILE):
                return None
            filename = urllib.parse.unquote(value[len(PLUGINFILE) :]).lstrip("/")
            if not filename or filename not in self._files:
                return None
            try:
                return self.image(filename)
            except _Reject as problem:
                problems.append(problem)
                return None

        text = _BR.sub(_LINE_BREAK, raw)
        text = _TAG_RENAME.sub(
            lambda m: f"<{m.group(1)}{'strong' if m.group(2).lower() == 'b' else 'em'}", text
        )
        cleaned = nh3.clean(
            text,
            tags=set(STEM_TAGS) | {"img"},
            attributes={"img": {"src", "alt"}},
            attribute_filter=keep_image,
            link_rel=None,
            strip_comments=True,
        )
        if problems:
            raise problems[0]
        cleaned = _IMG_WITHOUT_SRC.sub("", cleaned).strip()
        if _LINE_BREAK in cleaned:
            # A stem has no <br>: the lines it separated become paragraphs (the parser
            # closes a paragraph where a list starts, and no paragraph holds another).
            cleaned = nh3.clean(
                "<p>" + cleaned.replace(_LINE_BREAK, "</p><p>") + "</p>",
                tags=set(STEM_TAGS) | {"img"},
                attributes={"img": {"src", "alt"}},
                link_rel=None,
            )
            cleaned = re.sub(r"<p>\s*</p>", "", cleaned).strip()
        return cleaned


def _category_tags(path: str) -> list[str]:
    """``$course$/top/Customs/Tariff`` -> ``["Customs", "Tariff"]`` (``//`` is a slash)."""
    protected = path.strip().replace("//", "\x00")
    segments = [s.replace("\x00", "/").strip() for s in protected.split("/")]
    if segments and re.fullmatch(r"\$[a-z]+\$", segments[0]):
        segments = segments[1:]
    if segments and segments[0] == "top":
        segments = segments[1:]
    return [segment[:100] for segment in segments if segment]


_DECLARATION = re.compile(r"\A\ufeff?\s*<\?xml[^>]*\?>")


def is_moodlexml(text: str) -> bool:
    """Whether ``text`` looks like Moodle XML: an XML document whose root is ``<quiz>``."""
    head = _DECLARATION.sub("", text[:4096], count=1)
    head = re.sub(r"<!--.*?-->", "", head, flags=re.DOTALL).lstrip()
    return head.startswith("<quiz") and (len(head) == 4 or not head[5:6].isalnum())


def parse_moodlexml(source: str | bytes) -> ImportResult:
    """Read a Moodle XML file: the questions it holds and the ones it had to refuse."""
    result = ImportResult()
    size = len(source)
    if size > MAX_FILE_BYTES:
        result.errors.append(_error(1, None, "file_too_large", size=size, limit=MAX_FILE_BYTES))
        return result
    if isinstance(source, str):
        # The declaration would name an encoding the text no longer has; it is one line.
        source = _DECLARATION.sub("", source, count=1).encode("utf-8")
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.parser = parser
    try:
        parser.feed(source)
        root = parser.close()
    except defusedxml.DefusedXmlException:
        result.errors.append(_error(1, None, "unsafe_xml"))
        return result
    except ET.ParseError as problem:
        line = getattr(problem, "position", (1, 0))[0]
        result.errors.append(_error(line, None, "not_xml", error=str(problem)[:200]))
        return result
    if root.tag != "quiz":
        result.errors.append(_error(1, None, "not_moodle_xml", root=str(root.tag)[:40]))
        return result
    tags: list[str] = []
    uids: set[str] = set()
    for element in root.findall("question"):
        line = builder.lines.get(element, 1)
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            node = element.find("category/text")
            if node is None:
                node = element.find("category")
            tags = _category_tags(node.text if node is not None and node.text else "")
            continue
        title = _title(element)
        try:
            question = _read_question(element, line, tags)
            result.warnings.extend(
                _error(line, question.title, code, **params) for code, params in question.losses
            )
            if question.uid is not None:
                # Moodle's idnumber is unique per category only: a second question with
                # the same one would replace the first in the bank, so it gets its own.
                if question.uid in uids:
                    question.uid = None
                else:
                    uids.add(question.uid)
            result.questions.append(question)
        except _Reject as problem:
            result.errors.append(_error(line, title, problem.code, **problem.params))
        except RecursionError:
            result.errors.append(_error(line, title, "malformed", detail="nested too deeply"))
        except Exception as problem:  # one bad question never stops the others
            result.errors.append(
                _error(line, title, "malformed", detail=f"{type(problem).__name__}")
            )
    return result


def _title(element: ET.Element) -> str | None:
    node = element.find("name/text")
    if node is None or not (node.text or "").strip():
        return None
    return " ".join(html_to_text(node.text or "").split())[:200] or None


def _read_question(element: ET.Element, line: int, tags: list[str]) -> MoodleQuestion:
    moodle_type = (element.get("type") or "").strip()
    if not moodle_type:
        raise _Reject("missing_type")
    mapping = moodle_mapping(moodle_type)
    if mapping is None:
        raise _Reject("unsupported_type", qtype=moodle_type[:60])
    q = MoodleQuestionReader(element, line)
    qtype, data = mapping.read(q)
    stem = q.stem_html(q.stem_raw, q.stem_format)
    old_image = q.value("image")
    old_base64 = q.value("image_base64")
    if old_image and old_base64:
        filename = old_image.rsplit("/", 1)[-1] or "image.png"
        reference = q.add_image(filename, old_base64)
        stem += f'<p><img src="{html.escape(reference)}" alt=""></p>'
    if not html_to_text(stem) and "<img" not in stem and mapping.scored:
        raise _Reject("missing_stem")
    feedback = {}
    for key, path in (
        ("general", "generalfeedback"),
        ("correct", "correctfeedback"),
        ("partial", "partiallycorrectfeedback"),
        ("incorrect", "incorrectfeedback"),
    ):
        text = q.plain(path)
        if text:
            feedback[key] = text
    grade = q.number("defaultgrade", Decimal(1))
    points = json_number(grade) if grade is not None and mapping.scored else int(mapping.scored)
    penalty = q.number("penalty")
    data["penalty"] = json_number(penalty) if penalty is not None else mapping.default_penalty
    hints = []
    for hint in q.findall("hint"):
        entry: dict[str, Any] = {"text": q.plain(".", element=hint)}
        for option in ("shownumcorrect", "clearwrong"):
            if hint.find(option) is not None:
                entry[option] = True
        options = q.value("options", element=hint)
        if options:
            entry["options"] = options
        hints.append(entry)
    if hints:
        data["hints"] = hints
    if q.flag("hidden"):
        q.keep("hidden", True)
    if q.moodle:
        data["moodle"] = q.moodle
    question_tags = list(tags)
    for tag in q.findall("tags/tag"):
        text = " ".join(q.text(".", element=tag).split())[:100]
        if text and text not in question_tags:
            question_tags.append(text)
    idnumber = q.value("idnumber")
    title = _title(element) or title_from_stem(stem) or moodle_type
    return MoodleQuestion(
        line=line,
        title=title,
        type=qtype,
        stem=stem,
        points=points,
        feedback=feedback,
        data=data,
        tags=question_tags,
        uid=idnumber if _UID.fullmatch(idnumber) else None,
        moodle_type=moodle_type,
        images=q.images,
        losses=_losses(q, element),
    )


_IMG = re.compile(r"<img\b", re.IGNORECASE)


def _losses(q: MoodleQuestionReader, element: ET.Element) -> list[tuple[str, dict[str, Any]]]:
    """What the platform could not keep: images in feedback and answer texts (plain text
    here), images from outside the file, embedded files that are no image of the stem."""
    losses: list[tuple[str, dict[str, Any]]] = []
    stem_node = element.find("questiontext/text")
    in_texts = sum(
        len(_IMG.findall(node.text or "")) for node in element.iter("text") if node is not stem_node
    )
    if in_texts:
        losses.append(("images_dropped", {"count": in_texts}))
    kept = len(_IMG.findall(q.stem_raw))
    referenced = len(re.findall(r"<img\b[^>]*" + re.escape(PLUGINFILE), q.stem_raw, re.I))
    if kept - referenced > 0:
        losses.append(("external_images_dropped", {"count": kept - referenced}))
    pictured = {
        urllib.parse.unquote(name).lstrip("/")
        for node in element.iter("text")
        for name in re.findall(
            r"<img\b[^>]*" + re.escape(PLUGINFILE) + r"([^\"'>\s]+)", node.text or ""
        )
    }
    unused = sorted(name for name in q.file_names() if name not in set(q.images) | pictured)
    if unused:
        losses.append(("files_dropped", {"names": ", ".join(unused)[:300]}))
    return losses


# --- Writing ------------------------------------------------------------------------------
class MoodleQuestionWriter:
    """Builds one ``<question>`` element for a type's ``moodlexml_write``."""

    def __init__(self, question: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
        self.question = question
        self.data: Mapping[str, Any] = question.get("data") or {}
        self.moodle: Mapping[str, Any] = self.data.get("moodle") or {}
        self.files = files
        self.element = ET.Element("question")

    def add(
        self, tag: str, text: Any = None, parent: ET.Element | None = None, **attrs: str
    ) -> ET.Element:
        node = ET.SubElement(self.element if parent is None else parent, tag, attrs)
        if text is not None:
            node.text = str(text)
        return node

    def formatted(
        self, tag: str, text: str, fmt: str = "html", parent: ET.Element | None = None
    ) -> ET.Element:
        node = self.add(tag, parent=parent, format=fmt)
        self.add("text", text or "", parent=node)
        self.attach_files(node, text or "")
        return node

    def plain_html(self, text: str) -> str:
        """A platform plain text as Moodle HTML."""
        return html.escape(text or "", quote=False).replace("\n", "<br>")

    def attach_files(self, node: ET.Element, text: str) -> None:
        for match in re.finditer(re.escape(PLUGINFILE) + r"([^\"'<>\s]+)", text):
            filename = urllib.parse.unquote(match.group(1))
            self.file(node, filename)

    def file(self, node: ET.Element, filename: str) -> None:
        """``files[filename]`` as a ``<file>`` of ``node`` (once); a name with folders
        (``maps/port.png``) is written as Moodle does, ``path="/maps/"``."""
        folder, _, name = filename.rpartition("/")
        path = f"/{folder}/" if folder else "/"
        if filename in self.files and not any(
            child.get("name") == name and child.get("path", "/") == path
            for child in node.findall("file")
        ):
            self.add(
                "file",
                base64.b64encode(self.files[filename]).decode("ascii"),
                parent=node,
                name=name,
                path=path,
                encoding="base64",
            )

    def flag(self, tag: str, value: bool) -> None:
        self.add(tag, "1" if value else "0")

    def image_file(self, node: ET.Element, reference: str) -> None:
        """The image ``reference`` (``@@PLUGINFILE@@/<name>``) as a ``<file>`` of ``node``."""
        name = reference[len(PLUGINFILE) :] if reference.startswith(PLUGINFILE) else reference
        self.file(node, name)

    def combined_feedback(self) -> None:
        feedback = self.question.get("feedback") or {}
        self.formatted("correctfeedback", self.plain_html(feedback.get("correct", "")))
        self.formatted("partiallycorrectfeedback", self.plain_html(feedback.get("partial", "")))
        self.formatted("incorrectfeedback", self.plain_html(feedback.get("incorrect", "")))
        if self.moodle.get("shownumcorrect"):
            self.add("shownumcorrect")

    def answer(
        self, fraction: float, text: str, feedback: str = "", fmt: str = "html"
    ) -> ET.Element:
        node = self.add("answer", fraction=format_percent(fraction), format=fmt)
        self.add("text", text, parent=node)
        self.formatted("feedback", self.plain_html(feedback), parent=node)
        return node


class _Unexpressible(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def export_moodlexml(
    questions: Iterable[Mapping[str, Any]], files: Mapping[str, bytes] | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """Questions (dicts like :meth:`ParsedQuestion.as_dict`) as a Moodle XML file, and the
    ``(title, reason)`` of each one it could not write. A stem or ``data["image"]["name"]``
    may reference ``@@PLUGINFILE@@/<name>``; ``files`` maps those names to their bytes,
    written as base64 ``<file>`` elements."""
    files = files or {}
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    skipped: list[tuple[str, str]] = []
    current_tags: list[str] | None = None
    for question in questions:
        title = str(question.get("title") or question.get("uid") or "")
        mapping = platform_mapping(str(question.get("type")))
        if mapping is None:
            skipped.append((title, MESSAGES["export_unknown_type"]))
            continue
        writer = MoodleQuestionWriter(question, files)
        try:
            moodle_type = _write_question(writer, mapping)
        except (_Unexpressible, KeyError, TypeError, ValueError, AttributeError):
            skipped.append((title, MESSAGES["export_invalid"]))
            continue
        writer.element.set("type", moodle_type)
        tags = sorted(question.get("tags") or [])
        if tags != current_tags:
            category = ET.Element("question", {"type": "category"})
            node = ET.SubElement(category, "category")
            path = "/".join(["$course$", "top", *(t.replace("/", "//") for t in tags)])
            ET.SubElement(node, "text").text = path
            info = ET.SubElement(category, "info", {"format": "moodle_auto_format"})
            ET.SubElement(info, "text").text = ""
            out.append("<!-- question: 0  -->")
            out.append(_serialize(category, 1))
            current_tags = tags
        out.append(_serialize(writer.element, 1))
    out.append("</quiz>")
    return "\n".join(out) + "\n", skipped


def _write_question(w: MoodleQuestionWriter, mapping: _Mapping) -> str:
    question = w.question
    data = w.data
    feedback = question.get("feedback") or {}
    name = w.add("name")
    w.add("text", question.get("title") or question.get("uid") or "", parent=name)
    w.formatted("questiontext", str(question.get("stem") or ""))
    w.formatted("generalfeedback", w.plain_html(feedback.get("general", "")))
    points = question.get("points", 1)
    w.add("defaultgrade", format_fixed(points if points is not None else 1))
    w.add("penalty", format_fixed(data.get("penalty", mapping.default_penalty)))
    w.add("hidden", "1" if w.moodle.get("hidden") else "0")
    w.add("idnumber", question.get("uid") or "")
    moodle_type = mapping.write(w)
    for hint in data.get("hints") or []:
        node = w.formatted("hint", w.plain_html(hint.get("text", "")))
        for option in ("shownumcorrect", "clearwrong"):
            if hint.get(option):
                w.add(option, parent=node)
        if hint.get("options"):
            w.add("options", hint["options"], parent=node)
    return moodle_type


_CDATA_NEEDED = re.compile(r"[<>&]")


def _serialize(element: ET.Element, depth: int) -> str:
    pad = "  " * depth
    attrs = "".join(
        f' {key}="{html.escape(str(value), quote=True)}"' for key, value in element.attrib.items()
    )
    children = list(element)
    text = element.text
    if not children:
        if text is None:
            return f"{pad}<{element.tag}{attrs}/>"
        if element.tag != "file" and _CDATA_NEEDED.search(text):
            body = "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
        else:
            body = html.escape(text, quote=False)
        return f"{pad}<{element.tag}{attrs}>{body}</{element.tag}>"
    inner = "\n".join(_serialize(child, depth + 1) for child in children)
    return f"{pad}<{element.tag}{attrs}>\n{inner}\n{pad}</{element.tag}>"


# --- Type mappings --------------------------------------------------------------------------
# Each platform type that Moodle can express carries its mapping in its module
# (``assessments/types/<type>.py``): ``moodle_qtypes`` (the Moodle types it reads),
# ``moodlexml_read(q)``, which takes a :class:`MoodleQuestionReader` and returns ``(platform
# type, data)`` (refusing through ``q.reject``; the stem, feedback, points, penalty, hints
# and tags are read by the format), and ``moodlexml_write(w)``, which fills a
# :class:`MoodleQuestionWriter` after the common fields and returns the Moodle type name.
# The format finds them through the type registry; a Moodle type no module claims is
# refused.


@dataclass(frozen=True)
class _Mapping:
    read: Callable[[MoodleQuestionReader], tuple[str, dict[str, Any]]]
    write: Callable[[MoodleQuestionWriter], str]
    default_penalty: float = 0.3333333
    scored: bool = True  # False for a text block that is never scored (no points, may be empty)


def _registry_types() -> Iterable[Any]:
    from .. import types as registry  # at call time: the types import this module lazily

    return registry.TYPES


def _registry_mapping(qtype: Any) -> _Mapping:
    return _Mapping(
        qtype.moodlexml_read,
        qtype.moodlexml_write,
        getattr(qtype, "moodle_default_penalty", 0.3333333),
        getattr(qtype, "scored", True),
    )


def moodle_mapping(moodle_type: str) -> _Mapping | None:
    """How the Moodle type ``moodle_type`` is read, or ``None`` when it is not supported."""
    for qtype in _registry_types():
        if moodle_type in getattr(qtype, "moodle_qtypes", ()) and hasattr(qtype, "moodlexml_read"):
            return _registry_mapping(qtype)
    return None


def platform_mapping(platform_type: str) -> _Mapping | None:
    """How questions of the platform type ``platform_type`` are written, or ``None``."""
    for qtype in _registry_types():
        if getattr(qtype, "name", None) == platform_type and hasattr(qtype, "moodlexml_write"):
            return _registry_mapping(qtype)
    return None
