"""QTI 3.0 item import and export (and QTI 2.x items where the difference is spelling).

Plain Python (no Django at import time). :func:`parse_qti` reads one item file
(``<qti-assessment-item>`` in QTI 3.0, ``<assessmentItem>`` in QTI 2.1/2.2) or an IMS
content package (a ZIP file with ``imsmanifest.xml``, whose item resources are read one by
one) and returns an :class:`~assessments.gift.ImportResult`: every item it could read,
shaped per ``QUESTION_FORMAT.md`` (as :class:`QtiQuestion`, a
:class:`~assessments.gift.ParsedQuestion` that also carries the images it uses), and one
:class:`~assessments.gift.QuestionImportError` for every item it refused, titled with the
item's identifier (and its file in a package) and giving the reason; one bad item never
stops the others. :func:`export_qti_item` writes one question as a QTI 3.0 item and
:func:`export_qti_package` a bank as a content package.

Safety
------
XML is parsed with ``defusedxml`` like Moodle XML (:mod:`.moodlexml`): a DOCTYPE, an entity
declaration or an external reference refuses the file (``unsafe_xml``); nothing is ever
fetched. Packages are opened with the platform's safe archive reader
(:class:`courses.packages.archive.SafeArchive`, the one SCORM uses): absolute names, ``..``
in any spelling, links, duplicate names, lying headers, overlapping entries and members
that inflate more than :data:`LIMITS` allows (size, count, unpacked total, compression
ratio) refuse the whole package, each problem reported. Item and image references are
resolved inside the package only (``..``, absolute paths and addresses with a scheme are
not followed). Images are checked with Pillow as Moodle XML's are
(:func:`.moodlexml.check_image`: PNG, JPEG, GIF or WebP within the limits; SVG refused).

How QTI maps onto the platform
------------------------------
2.x names are read as their 3.0 spelling (``choiceInteraction`` is
``qti-choice-interaction``, ``maxChoices`` is ``max-choices``). An item holds one
interaction (an end-attempt button beside it is ignored); its ``title`` is the question's
title and its ``identifier`` the question's uid when it is a valid one. The item body,
without the interaction, feedback blocks, template blocks and rubric blocks, becomes the
stem (cleaned to the stem HTML; the interaction's prompt is put where the interaction
stood; an inline text entry becomes a blank ``_____``); images the stem shows
(``<img>``, or ``<object>`` of an image type) are stored for the bank, as Moodle XML's
are, when the package holds them, else left out with a warning. ``MAXSCORE``'s default
value is the question's points (1 without it); ``qti-modal-feedback`` whose identifier is
``correct``, ``incorrect``, ``partial`` or ``general`` becomes that feedback.

Response processing: the standard templates ``match_correct``, ``map_response`` and
``map_response_point`` (QTI 2 and 3 addresses, and Common Cartridge's ``CC2_match``,
``CC2_match_basic``, ``CC2_map_response``), no processing at all, and a written-out
processing that scores ``SCORE`` with the interaction's mapping (``map-response``) or its
correct response (``correct``), as Onyx and TAO write the templates out, are read; any
other processing, adaptive items and items with templates (``qti-template-declaration``)
are refused, since their score cannot be kept.

Interactions: ``qti-choice-interaction`` with cardinality single becomes ``single_choice``
(a mapping gives the options' credit as ``fractions``, each mapped value over the correct
option's), else ``multiple_response`` (``all_or_nothing`` under ``match_correct``; under a
mapping the options' credit as ``fractions``, each mapped value over the mapping's upper
bound or else the sum of the positive values, which the platform adds up as QTI does);
``qti-order-interaction`` becomes ``ordering``; ``qti-match-interaction`` (first match set
the premises, second the responses) and ``qti-associate-interaction`` (each correct pair a
premise and its response, the other choices extra responses) become ``matching``
(``per_premise`` under a mapping); ``qti-text-entry-interaction`` becomes ``short_answer``
(the mapping's entries with credit as accepted answers, each mapped value over the
highest, or the correct responses at full credit; case-sensitive unless every entry says
otherwise); ``qti-extended-text-interaction`` becomes ``essay`` (a scorer's rubric block is
the grader information, the response's default value the response template);
``qti-hotspot-interaction`` becomes ``hotspot`` (the correct choices are the regions;
``qti-select-point-interaction`` too, its area mapping's areas with credit the regions:
``rect`` as a rectangle, ``poly`` as a polygon, ``circle`` and ``ellipse`` as a 32-sided
polygon inside the image; targets ``any`` for one answer, ``all`` for several);
``qti-graphic-gap-match-interaction`` becomes ``drag_drop_image`` (image items keep their
image), ``qti-gap-match-interaction`` ``drag_drop_text`` (the text with its gaps is the
stem, each gap a ``{{marker}}``), an inline choice or several text entries and inline
choices ``cloze`` (one gap per interaction, each scored by its own response), and an item
without any interaction ``description``, each while the platform has the type; a choice
or text entry an export marked ``data-platform-type`` comes back as a ``true_false`` or
``numeric`` question. Everything else (portable custom interactions, sliders, uploads,
drawing, hot text, graphic order and associate, position object, media, and
other mixes of interactions) is refused with the interactions' names.

Export writes QTI 3.0 (namespace :data:`NS`): a response declaration with the correct
response (and a mapping where credit is partial), ``SCORE`` and ``MAXSCORE`` outcomes, the
stem and the interaction in the body, and the standard ``match_correct`` or
``map_response`` template (a cloze, whose gaps are responses of their own, sums each gap's
``qti-map-response``); settings QTI has no attribute for (a scoring rule, word limits,
accent- and space-insensitive matching, a hotspot's wrong-click penalty, a drag-and-drop
choice's group, a cloze gap's weight) travel as ``data-`` attributes of the interaction,
which QTI 3 allows and other players ignore. A true/false question is a choice between
``true`` and ``false`` and a numeric question a text entry of base type float, each marked
``data-platform-type`` (with the tolerances and unit as ``data-`` attributes) so that they
come back as what they were; an option's feedback is its ``qti-feedback-inline``. Lost on
export: per-answer feedback of short answers, numeric answers and cloze gaps, numeric units
with their penalty (such a question is not written), an essay's rubric and attachments.
"""

from __future__ import annotations

import html
import io
import math
import posixpath
import re
import urllib.parse
import xml.etree.ElementTree as ET  # types and building only: parsing goes through defusedxml
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import defusedxml
import nh3
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import fromstring as defused_fromstring

from courses.packages.archive import ArchiveLimits, SafeArchive, escapes, is_absolute

from ..content import STEM_TAGS
from ..gift import (
    ImportResult,
    ParsedQuestion,
    QuestionImportError,
    gettext_noop,
    html_to_text,
    title_from_stem,
)
from .moodlexml import MAX_IMAGE_BYTES, PLUGINFILE, EmbeddedImage, check_image

__all__ = [
    "MESSAGES",
    "NS",
    "QtiItemReader",
    "QtiItemWriter",
    "QtiQuestion",
    "export_qti_item",
    "export_qti_package",
    "is_qti",
    "parse_qti",
]

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
"""The QTI 3.0 assessment item namespace."""
CP_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
SCHEMA = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0p1_v1p0.xsd"
CP_SCHEMA = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"

MiB = 1024 * 1024
MAX_FILE_BYTES = 100 * MiB
MAX_ITEM_BYTES = 5 * MiB
MAX_ITEMS = 5_000
LIMITS = ArchiveLimits(
    max_archive_bytes=MAX_FILE_BYTES,
    max_entries=10_000,
    max_unpacked_bytes=500 * MiB,
    max_compression_ratio=100.0,
)
"""The package limits (as SCORM's defaults)."""
CIRCLE_SIDES = 32
BLANK = "_____"

MESSAGES: dict[str, str] = {
    # The whole file.
    "file_too_large": gettext_noop("The file is too large ({size} bytes; at most {limit})."),
    "not_xml": gettext_noop("The file is not well-formed XML: {error}."),
    "unsafe_xml": gettext_noop(
        "The file declares a DOCTYPE, entities or external references, which are refused "
        "(they can read files of the server or make it run out of memory)."
    ),
    "not_item": gettext_noop(
        "The file is not a QTI item: its root element is <{root}>, not <qti-assessment-item> "
        "or <assessmentItem>."
    ),
    "package_problem": gettext_noop("The package is refused: {reason}"),
    "no_manifest": gettext_noop("The package has no imsmanifest.xml."),
    "no_items": gettext_noop(
        "The package holds no QTI items (its resources are of the types: {types})."
    ),
    "too_many_items": gettext_noop("The package holds more than {limit} items."),
    "item_missing": gettext_noop(
        "The item file “{path}” named by the manifest is not in the package."
    ),
    "item_too_large": gettext_noop("The item file is too large ({size} bytes; at most {limit})."),
    "bad_reference": gettext_noop("The reference “{path}” points outside the package."),
    # One item.
    "adaptive": gettext_noop(
        "Adaptive items (scored over several attempts) cannot be imported: the platform scores "
        "one answer."
    ),
    "templates": gettext_noop(
        "Items with templates (values drawn at random) cannot be imported: the platform's "
        "questions are fixed."
    ),
    "no_body": gettext_noop("The item has no body."),
    "no_interaction": gettext_noop("The item has no interaction, so there is nothing to answer."),
    "several_interactions": gettext_noop(
        "The item has {count} interactions ({names}); a platform question has one."
    ),
    "unsupported_interaction": gettext_noop(
        "The interaction <{name}> cannot be imported: the platform has no matching question type."
    ),
    "custom_processing": gettext_noop(
        "The item's response processing is not one of the standard templates (match_correct, "
        "map_response), so its scoring cannot be kept."
    ),
    "custom_template": gettext_noop(
        "The response processing template “{template}” is not a standard one (match_correct, "
        "map_response)."
    ),
    "no_declaration": gettext_noop(
        "The interaction's response “{identifier}” has no response declaration."
    ),
    "no_correct": gettext_noop("The item has no correct response and no mapping with credit."),
    "bad_number": gettext_noop("“{value}” is not a number ({where})."),
    "too_few_choices": gettext_noop(
        "The interaction needs at least {minimum} choices; it has {count}."
    ),
    "choice_math": gettext_noop(
        "Choice “{identifier}” is a formula (MathML), which option texts cannot hold."
    ),
    "choice_no_text": gettext_noop(
        "Choice “{identifier}” has no text (nor an image with a text alternative)."
    ),
    "unknown_choice": gettext_noop("The correct response names “{value}”, which is not a choice."),
    "order_incomplete": gettext_noop("The correct order does not list every choice exactly once."),
    "match_sets": gettext_noop("A match interaction needs two match sets; it has {count}."),
    "match_bad_pair": gettext_noop(
        "The correct pair “{value}” does not pair two choices of the item."
    ),
    "match_several": gettext_noop(
        "“{premise}” has several correct partners; a platform matching pairs each premise with one "
        "response."
    ),
    "match_unpaired": gettext_noop("“{premise}” has no correct partner."),
    "hotspot_no_image": gettext_noop("The hotspot interaction has no image."),
    "hotspot_no_size": gettext_noop("The size of the image “{name}” is not known."),
    "hotspot_shape": gettext_noop(
        "Hotspot “{identifier}” has the shape “{shape}”, which cannot be imported (rect, poly, "
        "circle and ellipse can)."
    ),
    "hotspot_coords": gettext_noop(
        "Hotspot “{identifier}” has coordinates “{coords}” that cannot be read."
    ),
    "gap_no_partner": gettext_noop("The drop zone “{identifier}” takes more than one item."),
    "image_missing": gettext_noop("The image “{name}” is not in the package."),
    "image_too_large": gettext_noop("The image “{name}” is too large (at most {limit} bytes)."),
    "image_too_many_pixels": gettext_noop(
        "The image “{name}” is too large ({width} × {height} pixels; at most {limit} pixels)."
    ),
    "image_svg": gettext_noop(
        "The image “{name}” is an SVG drawing, which is refused: it can carry scripts."
    ),
    "image_not_image": gettext_noop("The file “{name}” is not a PNG, JPEG, GIF or WebP image."),
    "malformed": gettext_noop("The item could not be read: {detail}."),
    # Warnings: the item is imported, with a loss.
    "image_dropped": gettext_noop("The image “{name}” was left out of the question: {reason}"),
    "math_dropped": gettext_noop(
        "{count} formula(s) (MathML) were left out of the question text: question texts "
        "cannot hold formulas."
    ),
    "stimulus_dropped": gettext_noop(
        "The shared stimulus “{path}” the item refers to was not imported: only the item's "
        "own text is."
    ),
    # Export.
    "export_unknown_type": gettext_noop("Questions of this type cannot be written in QTI."),
    "export_invalid": gettext_noop(
        "The question's answers are incomplete or inconsistent, so it cannot be written in QTI."
    ),
    "export_image": gettext_noop(
        "The question's image is not stored with the bank, so it cannot be written in QTI."
    ),
}

_IMAGE_REASONS = {"image_too_large", "image_too_many_pixels", "image_svg", "image_not_image"}
_UID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class _Reject(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _error(line: int, title: str | None, code: str, **params: Any) -> QuestionImportError:
    return QuestionImportError(
        line=line, title=title, code=code, reason=MESSAGES[code], params=dict(params)
    )


@dataclass
class QtiQuestion(ParsedQuestion):
    """A question read from a QTI item, with the images it uses: the stem's
    ``<img src="@@PLUGINFILE@@/<path>">`` and a hotspot's ``data["image"]["name"]`` ==
    ``"@@PLUGINFILE@@/<path>"`` name a key of ``images`` (the path in the package); the
    Django layer stores them as it does Moodle XML's."""

    identifier: str = ""
    interaction: str = ""
    images: dict[str, EmbeddedImage] = field(default_factory=dict)


# --- XML --------------------------------------------------------------------------------
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


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _canonical(name: str) -> str:
    """A QTI 2 or 3 element or attribute name in QTI 3.0 spelling without ``qti-``:
    ``choiceInteraction`` and ``qti-choice-interaction`` are ``choice-interaction``."""
    if "}" in name:
        name = name.rsplit("}", 1)[1]
    if name.startswith("qti-"):
        return name[4:]
    return _CAMEL.sub(r"-\1", name).lower()


def _parse_xml(source: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    """The document's root with every name in canonical spelling, and element lines;
    :class:`_Reject` when the XML is unsafe or broken."""
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.parser = parser
    try:
        parser.feed(source)
        root = parser.close()
    except defusedxml.DefusedXmlException:
        raise _Reject("unsafe_xml") from None
    except ET.ParseError as problem:
        raise _Reject("not_xml", error=str(problem)[:200]) from None
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = _canonical(element.tag)
        if element.attrib:
            element.attrib = {_canonical(k): v for k, v in element.attrib.items()}
    return root, builder.lines


_DECLARATION = re.compile(r"\A\ufeff?\s*<\?xml[^>]*\?>")
_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(qti-assessment-item|assessmentItem)[\s>/]")


def is_qti(source: str | bytes, filename: str = "") -> bool:
    """Whether ``source`` is a QTI item (its root element) or a ZIP file (a content
    package; its manifest is checked when it is read)."""
    if isinstance(source, bytes | bytearray):
        if bytes(source[:4]) == b"PK\x03\x04":
            return True
        head = bytes(source[:4096]).decode("utf-8", "replace")
    else:
        head = source[:4096]
    head = _DECLARATION.sub("", head, count=1)
    head = re.sub(r"<!--.*?-->", "", head, flags=re.DOTALL).lstrip()
    return bool(_ROOT.match(head))


# --- Reading --------------------------------------------------------------------------------
@dataclass
class _Declaration:
    identifier: str
    cardinality: str = "single"
    base_type: str = "identifier"
    correct: list[str] = field(default_factory=list)
    mapping: list[tuple[str, float, bool]] = field(default_factory=list)
    default: list[str] = field(default_factory=list)
    upper_bound: float | None = None
    areas: list[tuple[str, str, float]] = field(default_factory=list)  # shape, coords, value


def _number(text: str | None, where: str) -> float:
    try:
        value = float((text or "").strip())
    except ValueError:
        raise _Reject("bad_number", value=(text or "").strip()[:40], where=where) from None
    if not math.isfinite(value):
        raise _Reject("bad_number", value=(text or "").strip()[:40], where=where)
    return value


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "1")


def _values(element: ET.Element | None) -> list[str]:
    if element is None:
        return []
    return [" ".join((v.text or "").split()) for v in element.findall("value")]


def _declarations(root: ET.Element) -> dict[str, _Declaration]:
    found = {}
    for node in root.findall("response-declaration"):
        ident = node.get("identifier", "")
        decl = _Declaration(
            identifier=ident,
            cardinality=node.get("cardinality", "single"),
            base_type=node.get("base-type", "identifier"),
            correct=_values(node.find("correct-response")),
            default=[v.text or "" for v in node.findall("default-value/value")],
        )
        mapping = node.find("mapping")
        if mapping is not None:
            upper = mapping.get("upper-bound")
            decl.upper_bound = _number(upper, "upper-bound") if upper else None
            for entry in mapping.findall("map-entry"):
                decl.mapping.append(
                    (
                        " ".join((entry.get("map-key") or "").split()),
                        _number(entry.get("mapped-value"), "mapped-value"),
                        _flag(entry.get("case-sensitive"), True),
                    )
                )
        areas = node.find("area-mapping")
        for entry in [] if areas is None else areas.findall("area-map-entry"):
            decl.areas.append(
                (
                    entry.get("shape", ""),
                    entry.get("coords", ""),
                    _number(entry.get("mapped-value"), "mapped-value"),
                )
            )
        found[ident] = decl
    return found


_TEMPLATE_KINDS = {
    "match_correct": "match_correct",
    "cc2_match": "match_correct",
    "cc2_match_basic": "match_correct",
    "map_response": "map_response",
    "cc2_map_response": "map_response",
    "map_response_point": "map_response_point",
}
_UNSCORABLE = frozenset(
    {"random", "random-integer", "random-float", "custom-operator", "lookup-outcome-value"}
)


def _processing(root: ET.Element, response: str) -> str:
    """How the item scores its response: ``match_correct``, ``map_response``,
    ``map_response_point`` or ``none``; :class:`_Reject` when it cannot be kept."""
    node = root.find("response-processing")
    if node is None:
        return "none"
    template = (node.get("template") or node.get("template-location") or "").strip()
    if len(node) == 0:
        if not template:
            return "none"
        name = template.rstrip("/").rsplit("/", 1)[-1].lower().removesuffix(".xml")
        if name in _TEMPLATE_KINDS:
            return _TEMPLATE_KINDS[name]
        raise _Reject("custom_template", template=template[:120])
    if any(element.tag in _UNSCORABLE for element in node.iter()):
        raise _Reject("custom_processing")
    for setter in node.iter("set-outcome-value"):
        if setter.get("identifier") != "SCORE":
            continue
        for element in setter.iter():
            if element.tag in ("map-response", "map-response-point") and (
                element.get("identifier") == response
            ):
                return "map_response" if element.tag == "map-response" else "map_response_point"
    scored = [s for s in node.iter("set-outcome-value") if s.get("identifier") == "SCORE"]
    credits = set()
    for setter in scored:
        for value in setter.iter("base-value"):
            try:
                credits.add(float(value.text or "0"))
            except ValueError:
                raise _Reject("custom_processing") from None
    partial = len({credit for credit in credits if credit > 0}) > 1  # credit for other answers
    if (
        scored
        and not partial
        and any(c.get("identifier") == response for c in node.iter("correct"))
    ):
        return "match_correct"
    raise _Reject("custom_processing")


_DROPPED = frozenset(
    {
        "feedback-inline",
        "feedback-block",
        "modal-feedback",
        "template-block",
        "template-inline",
        "rubric-block",
        "end-attempt-interaction",
        "script",
        "style",
        "math",
        "audio",
        "video",
        "printed-variable",
        "stylesheet",
        "catalog-info",
        "prompt",
        "gap-text",
        "gap-img",
    }
)
_BLOCK = frozenset(
    {
        "div",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "aside",
        "header",
        "footer",
        "figure",
        "figcaption",
        "pre",
        "address",
        "table",
        "tr",
        "td",
        "th",
        "caption",
        "dl",
        "dt",
        "dd",
        "hr",
        "content-body",
    }
)
_RENAMED = {"b": "strong", "i": "em"}
_HAS_BLOCK = re.compile(r"<(p|ul|ol)>")
_INLINE_INTERACTIONS = frozenset(
    {"text-entry-interaction", "inline-choice-interaction", "end-attempt-interaction"}
)


class QtiItemReader:
    """One item, read for a type's ``qti_read``: its interaction, the interaction's response
    declaration, how it is scored, texts and images."""

    def __init__(
        self,
        root: ET.Element,
        interaction: ET.Element,
        declaration: _Declaration,
        processing: str,
        resolve: Callable[[str], bytes | None] | None,
        declarations: Mapping[str, _Declaration] | None = None,
        interactions: list[ET.Element] | None = None,
    ) -> None:
        self.root = root
        self.interaction = interaction
        self.interactions = interactions or [interaction]
        self.declarations: Mapping[str, _Declaration] = declarations or {
            declaration.identifier: declaration
        }
        self.markers: dict[ET.Element, str] = {}  # an interaction -> its {{gap}} marker
        self.name = interaction.tag
        self.decl = declaration
        self.processing = processing
        self._resolve = resolve
        self.images: dict[str, EmbeddedImage] = {}
        self.dropped: list[tuple[str, str, dict[str, Any]]] = []  # (name, code, params)
        self.formulas = 0  # MathML left out of the stem

    # -- attributes
    def attr(self, name: str, default: str = "", element: ET.Element | None = None) -> str:
        return ((self.interaction if element is None else element).get(name) or default).strip()

    def integer(self, name: str, default: int, element: ET.Element | None = None) -> int:
        raw = self.attr(name, element=element)
        if not raw:
            return default
        return int(_number(raw, name))

    def scoring(self, allowed: Iterable[str], default: str) -> str:
        """The platform scoring rule an export wrote (``data-scoring``), else ``default``."""
        rule = self.attr("data-scoring")
        return rule if rule in allowed else default

    def reject(self, code: str, **params: Any) -> None:
        raise _Reject(code, **params)

    # -- credit
    @property
    def mapped(self) -> bool:
        return self.processing in ("map_response", "map_response_point") and bool(self.decl.mapping)

    def mapping(self) -> dict[str, float]:
        return {key: value for key, value, _cs in self.decl.mapping}

    def correct(self) -> list[str]:
        """The correct response's values, or the mapping's keys with positive credit."""
        if self.decl.correct:
            return list(self.decl.correct)
        return [key for key, value, _cs in self.decl.mapping if value > 0]

    # -- texts
    def plain(self, element: ET.Element) -> str:
        """The text of a choice (feedback and scripts left out); an image-only choice
        reads as its text alternative."""
        parts: list[str] = []

        def walk(node: ET.Element) -> None:
            if node.tag in _DROPPED:
                return
            if node.tag == "img" and node.get("alt"):
                parts.append(f" {node.get('alt')} ")
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
            if node.tag in _BLOCK or node.tag in ("p", "br", "li"):
                parts.append(" ")

        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        return " ".join("".join(parts).split())

    def choices(
        self, tag: str, parent: ET.Element | None = None, *, feedback: bool = False
    ) -> list[dict[str, str]]:
        """The choices ``tag`` of the interaction (or ``parent``): id and text, and with
        ``feedback`` the text of their inline feedback."""
        entries = []
        for node in (self.interaction if parent is None else parent).findall(tag):
            ident = node.get("identifier", "")
            text = self.plain(node)
            if not text and node.find(".//math") is not None:
                raise _Reject("choice_math", identifier=ident[:60])
            if not text:
                raise _Reject("choice_no_text", identifier=ident[:60])
            entry = {"id": ident, "text": text}
            said = " ".join(
                " ".join("".join(inline.itertext()).split())
                for inline in node.iter("feedback-inline")
            ).strip()
            if feedback and said:
                entry["feedback"] = said
            entries.append(entry)
        return entries

    # -- images
    def image(self, src: str) -> str:
        """Check the package's image ``src``; its reference for the stem or data, or
        :class:`_Reject` with the reason."""
        if self._resolve is None:
            raise _Reject("image_missing", name=src[:120])
        if src in self.images:
            return PLUGINFILE + src
        data = self._resolve(src)
        if data is None:
            raise _Reject("image_missing", name=src[:120])
        try:
            self.images[src] = check_image(posixpath.basename(src), data)
        except Exception as problem:  # check_image's refusal carries a code and params
            code = getattr(problem, "code", "image_not_image")
            if code not in _IMAGE_REASONS:
                code = "image_not_image"
            params = dict(getattr(problem, "params", {}) or {})
            params["name"] = src[:120]
            raise _Reject(code, **params) from None
        return PLUGINFILE + src

    def image_element(self, node: ET.Element) -> tuple[str, str, str, str] | None:
        """``(src, alt, width, height)`` of an ``<img>`` or an image ``<object>``."""
        if node.tag == "img" and node.get("src"):
            return (
                node.get("src", ""),
                node.get("alt", ""),
                node.get("width", ""),
                node.get("height", ""),
            )
        if node.tag == "object" and node.get("data"):
            kind = node.get("type", "")
            if kind.startswith("image/") or not kind:
                alt = " ".join("".join(node.itertext()).split())
                return node.get("data", ""), alt, node.get("width", ""), node.get("height", "")
        return None

    # -- stem
    def stem_html(self, body: ET.Element) -> str:
        """The item body as stem HTML, the interaction replaced by its prompt (or a blank
        when it stands inside a sentence)."""
        return self.fragment_html(body)

    def fragment_html(self, element: ET.Element) -> str:
        """The content of ``element`` as stem HTML (images kept when the package has them)."""
        marker = "\ue000"
        html_text = self._html_children(element, marker)
        cleaned = nh3.clean(
            html_text,
            tags=set(STEM_TAGS) | {"img"},
            attributes={"img": {"src", "alt"}},
            attribute_filter=_keep_src,
            link_rel=None,
            strip_comments=True,
        )
        cleaned = re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", cleaned)
        cleaned = re.sub(r"<p>\s*" + marker + r"\s*</p>", "", cleaned)
        cleaned = cleaned.replace(marker, BLANK)
        cleaned = re.sub(r"<(p|li|strong|em)>\s*</\1>", "", cleaned)
        cleaned = re.sub(r"\s+", " ", cleaned)
        cleaned = re.sub(r"\s*(</?(?:p|ul|ol|li)>)\s*", r"\1", cleaned)
        return cleaned.strip()

    def _html_children(self, element: ET.Element, marker: str) -> str:
        out = [html.escape(element.text or "", quote=False)]
        for child in element:
            out.append(self._html_node(child, marker))
            out.append(html.escape(child.tail or "", quote=False))
        return "".join(out)

    def _html_node(self, node: ET.Element, marker: str) -> str:
        tag = node.tag if isinstance(node.tag, str) else ""
        if node in self.markers:
            return self.markers[node]
        if node is self.interaction:
            if tag in _INLINE_INTERACTIONS:
                return marker
            prompt = node.find("prompt")
            inner = "" if prompt is None else self._html_children(prompt, marker)
            if inner.strip() and not _HAS_BLOCK.search(inner):
                inner = f"<p>{inner}</p>"
            if tag == "gap-match-interaction":  # the text with its gaps is inside
                inner += self._html_children(node, marker)
            return inner
        if tag == "gap" and node.get("identifier"):
            return "{{" + gap_id(node.get("identifier", "")) + "}}"
        if tag == "math":
            self.formulas += 1
        if tag in _DROPPED or tag.endswith("-interaction") or not tag:
            return ""
        found = self.image_element(node)
        if found is not None:
            src, alt, _w, _h = found
            try:
                reference = self.image(src)
            except _Reject as problem:
                self.dropped.append((src, problem.code, problem.params))
                return ""
            return f'<img src="{html.escape(reference)}" alt="{html.escape(alt)}">'
        if tag == "br":
            return " "
        tag = _RENAMED.get(tag, tag)
        inner = self._html_children(node, marker)
        if tag in STEM_TAGS:
            return f"<{tag}>{inner}</{tag}>"
        if tag in _BLOCK:
            return (
                f" {inner} " if _HAS_BLOCK.search(inner) or not inner.strip() else f"<p>{inner}</p>"
            )
        return inner


def gap_id(identifier: str) -> str:
    """A QTI identifier as a gap id of a ``{{marker}}`` (letters, digits, ``_``, ``-``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", identifier)[:60] or "gap"


def _keep_src(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if value.startswith(PLUGINFILE) else None
    return value


def _modal_feedback(root: ET.Element) -> dict[str, str]:
    feedback = {}
    for node in root.findall("modal-feedback"):
        key = node.get("identifier", "")
        if key in ("correct", "incorrect", "partial", "general") and key not in feedback:
            text = " ".join("".join(node.itertext()).split())
            if text:
                feedback[key] = text
    return feedback


def _points(root: ET.Element) -> int | float:
    for node in root.findall("outcome-declaration"):
        if node.get("identifier") == "MAXSCORE":
            values = _values(node.find("default-value"))
            if values:
                try:
                    points = float(values[0])
                except ValueError:
                    return 1
                if math.isfinite(points) and points > 0:
                    return int(points) if points.is_integer() else points
    return 1


def _uid(identifier: str) -> str | None:
    """The question's uid: the item's identifier when it is a valid uid, also once the
    ``_`` an export puts before a uid starting with a digit is taken away."""
    if re.fullmatch(r"_[0-9].*", identifier):
        identifier = identifier[1:]
    return identifier if _UID.fullmatch(identifier) else None


def _item_title(root: ET.Element) -> str:
    return " ".join((root.get("title") or root.get("identifier") or "").split())[:200]


def _read_item(
    root: ET.Element,
    line: int,
    resolve: Callable[[str], bytes | None] | None,
    warnings: list[QuestionImportError],
    label: str | None,
) -> QtiQuestion:
    if root.tag != "assessment-item":
        raise _Reject("not_item", root=str(root.tag)[:60])
    if _flag(root.get("adaptive"), False):
        raise _Reject("adaptive")
    if (
        root.find("template-declaration") is not None
        or root.find("template-processing") is not None
    ):
        raise _Reject("templates")
    body = root.find("item-body")
    if body is None:
        raise _Reject("no_body")
    interactions = [
        node
        for node in body.iter()
        if isinstance(node.tag, str)
        and node.tag.endswith("-interaction")
        and node.tag != "end-attempt-interaction"
    ]
    if not interactions and _registered("description"):
        reader = QtiItemReader(root, body, _Declaration(""), "none", resolve)
        stem = reader.stem_html(body)
        if not html_to_text(stem) and "<img" not in stem:
            raise _Reject("no_interaction")
        return _question(root, line, reader, "description", {}, stem, warnings, label, 0)
    if not interactions:
        raise _Reject("no_interaction")
    interaction = interactions[0]
    gapped = all(node.tag in _GAP_INTERACTIONS for node in interactions) and (
        len(interactions) > 1 or interaction.tag != "text-entry-interaction"
    )
    if gapped and _registered("cloze"):
        mapping: _Mapping | None = _CLOZE
    elif len(interactions) > 1:
        names = sorted({f"qti-{node.tag}" for node in interactions})
        raise _Reject("several_interactions", count=len(interactions), names=", ".join(names))
    else:
        mapping = qti_mapping(interaction.tag)
    if mapping is None:
        raise _Reject("unsupported_interaction", name=f"qti-{interaction.tag}")
    response = interaction.get("response-identifier", "")
    declarations = _declarations(root)
    if response not in declarations:
        raise _Reject("no_declaration", identifier=response[:60])
    processing = _processing(root, response)
    reader = QtiItemReader(
        root, interaction, declarations[response], processing, resolve, declarations, interactions
    )
    qtype, data = mapping.read(reader)
    stem = reader.stem_html(body)
    return _question(root, line, reader, qtype, data, stem, warnings, label, _points(root))


def _question(
    root: ET.Element,
    line: int,
    reader: QtiItemReader,
    qtype: str,
    data: dict[str, Any],
    stem: str,
    warnings: list[QuestionImportError],
    label: str | None,
    points: int | float,
) -> QtiQuestion:
    identifier = root.get("identifier", "")
    title = _item_title(root) or title_from_stem(stem) or identifier or qtype
    for name, code, params in reader.dropped:
        reason = MESSAGES[code].format(**{"name": name, **params})
        warnings.append(
            _error(line, label or title, "image_dropped", name=name[:120], reason=reason)
        )
    if reader.formulas:
        warnings.append(_error(line, label or title, "math_dropped", count=reader.formulas))
    for ref in root.iter("assessment-stimulus-ref"):
        path = ref.get("href") or ref.get("identifier") or ""
        warnings.append(_error(line, label or title, "stimulus_dropped", path=path[:120]))
    return QtiQuestion(
        line=line,
        title=title,
        type=qtype,
        stem=stem,
        points=points,
        feedback=_modal_feedback(root),
        data=data,
        uid=_uid(identifier),
        identifier=identifier,
        interaction=f"qti-{reader.name}" if reader.name != "item-body" else "",
        images=reader.images,
    )


def _read_document(
    source: bytes,
    result: ImportResult,
    resolve: Callable[[str], bytes | None] | None,
    path: str = "",
) -> None:
    """Read one item file into ``result``."""
    try:
        root, lines = _parse_xml(source)
    except _Reject as problem:
        result.errors.append(_error(1, path or None, problem.code, **problem.params))
        return
    identifier = root.get("identifier", "")
    label = f"{identifier} ({path})" if path and identifier else (identifier or path or None)
    line = lines.get(root, 1)
    try:
        result.questions.append(_read_item(root, line, resolve, result.warnings, label))
    except _Reject as problem:
        result.errors.append(_error(line, label, problem.code, **problem.params))
    except RecursionError:
        result.errors.append(_error(line, label, "malformed", detail="nested too deeply"))
    except Exception as problem:  # one bad item never stops the others
        result.errors.append(_error(line, label, "malformed", detail=type(problem).__name__))


def parse_qti(source: str | bytes, filename: str = "") -> ImportResult:
    """Read a QTI item file or content package: the questions it holds and the items it
    had to refuse."""
    result = ImportResult()
    size = len(source)
    if size > MAX_FILE_BYTES:
        result.errors.append(_error(1, None, "file_too_large", size=size, limit=MAX_FILE_BYTES))
        return result
    if isinstance(source, str):
        source = _DECLARATION.sub("", source, count=1).encode("utf-8")
    if bytes(source[:4]) == b"PK\x03\x04":
        _read_package(bytes(source), result)
    else:
        _read_document(bytes(source), result, None)
    return result


_ITEM_TYPE = re.compile(r"imsqti_(?:item_xmlv[0-9p]+|v2p[0-9])", re.IGNORECASE)


def _inside(base: str, reference: str) -> str | None:
    """``reference`` (relative to the folder ``base``) as a package path, or ``None`` when
    it leaves the package or is an address."""
    reference = reference.strip()
    if not reference or "://" in reference or reference.startswith(("data:", "//")):
        return None
    reference = reference.split("#", 1)[0].split("?", 1)[0]
    if is_absolute(reference) or escapes(reference):
        return None
    joined = posixpath.normpath(posixpath.join(base, urllib.parse.unquote(reference)))
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    return joined


def _read_package(source: bytes, result: ImportResult) -> None:
    with SafeArchive(source, LIMITS) as archive:
        if archive.problems:
            for problem in archive.problems:
                result.errors.append(
                    _error(1, problem.path or None, "package_problem", reason=problem.message())
                )
            return
        if "imsmanifest.xml" not in archive.files:
            result.errors.append(_error(1, None, "no_manifest"))
            return
        size = archive.files["imsmanifest.xml"].size
        if size > MAX_ITEM_BYTES:
            result.errors.append(
                _error(1, "imsmanifest.xml", "item_too_large", size=size, limit=MAX_ITEM_BYTES)
            )
            return
        try:
            manifest, _lines = _parse_xml(archive.read("imsmanifest.xml"))
        except _Reject as problem:
            result.errors.append(_error(1, "imsmanifest.xml", problem.code, **problem.params))
            return
        resources = manifest.find("resources")
        items: list[str] = []
        types: set[str] = set()
        for resource in [] if resources is None else resources.findall("resource"):
            kind = resource.get("type", "")
            types.add(kind)
            if not _ITEM_TYPE.fullmatch(kind):
                continue
            base = (resources.get("base") or "") + (resource.get("base") or "")
            href = resource.get("href") or ""
            if not href:
                files = resource.findall("file")
                href = files[0].get("href", "") if files else ""
            path = _inside(base, href)
            if path is None:
                result.errors.append(
                    _error(1, href[:120] or None, "bad_reference", path=href[:120])
                )
                continue
            if path not in items:
                items.append(path)
        if not items:
            result.errors.append(
                _error(1, None, "no_items", types=", ".join(sorted(t for t in types if t)) or "-")
            )
            return
        if len(items) > MAX_ITEMS:
            result.errors.append(_error(1, None, "too_many_items", limit=MAX_ITEMS))
            return
        for path in items:
            if path not in archive.files:
                result.errors.append(_error(1, path, "item_missing", path=path))
                continue
            entry = archive.files[path]
            if entry.size > MAX_ITEM_BYTES:
                result.errors.append(
                    _error(1, path, "item_too_large", size=entry.size, limit=MAX_ITEM_BYTES)
                )
                continue
            folder = posixpath.dirname(path)

            def resolve(src: str, folder: str = folder) -> bytes | None:
                target = _inside(folder, src)
                if target is None or target not in archive.files:
                    return None
                if archive.files[target].size > MAX_IMAGE_BYTES:
                    raise _Reject("image_too_large", name=src[:120], limit=MAX_IMAGE_BYTES)
                return archive.read(target)

            _read_document(archive.read(path), result, resolve, path)
        taken: set[str] = set()
        for parsed in result.questions:  # two items with one identifier stay two questions
            if parsed.uid is None:
                continue
            uid, number = parsed.uid, 2
            while uid.lower() in taken:
                uid, number = f"{parsed.uid[:60]}-{number}", number + 1
            taken.add(uid.lower())
            parsed.uid = uid


# --- Writing --------------------------------------------------------------------------------
class QtiItemWriter:
    """Builds one QTI 3.0 item for a type's ``qti_write``: the type adds its interaction
    (:meth:`interaction`) and response declaration (:meth:`declare`)."""

    def __init__(self, question: Mapping[str, Any], image_path: Callable[[str], str]) -> None:
        self.question = question
        self.data: Mapping[str, Any] = question.get("data") or {}
        self.image_path = image_path
        self.declarations: list[ET.Element] = []
        self.element: ET.Element | None = None
        self.gaps: dict[str, ET.Element] = {}  # {{marker}} in the stem -> inline interaction
        self.scored: list[str] = []  # responses summed by a written-out processing (cloze)
        self.stem_inside = False  # the stem goes inside the interaction (gap match)
        self.template = "match_correct"  # "" for no response processing (human scored)
        self.inline = False
        self.human = False  # scored by a person (an essay)
        self.feedback = False  # inline feedback needs the FEEDBACK outcome
        self.before: list[ET.Element] = []  # body elements before the stem (rubric blocks)

    @staticmethod
    def ident(value: Any) -> str:
        """A platform id as a QTI identifier (letters, digits, ``_``, ``.``, ``-``,
        starting with a letter or ``_``)."""
        text = str(value)
        if _IDENTIFIER.fullmatch(text):
            return text
        cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
        return f"_{cleaned}"

    @property
    def declaration(self) -> ET.Element | None:
        return self.declarations[0] if self.declarations else None

    def declare(
        self,
        cardinality: str,
        base_type: str,
        correct: Iterable[str] = (),
        mapping: Iterable[tuple[str, float, bool | None]] = (),
        *,
        lower_bound: float | None = None,
        upper_bound: float | None = None,
        default: str | None = None,
        identifier: str = "RESPONSE",
    ) -> ET.Element:
        node = ET.Element(
            "qti-response-declaration",
            {"identifier": identifier, "cardinality": cardinality, "base-type": base_type},
        )
        if default is not None:
            holder = ET.SubElement(node, "qti-default-value")
            ET.SubElement(holder, "qti-value").text = default
        values = list(correct)
        if values:
            holder = ET.SubElement(node, "qti-correct-response")
            for value in values:
                ET.SubElement(holder, "qti-value").text = value
        entries = list(mapping)
        if entries:
            attrs = {"default-value": "0"}
            if lower_bound is not None:
                attrs["lower-bound"] = _format(lower_bound)
            if upper_bound is not None:
                attrs["upper-bound"] = _format(upper_bound)
            holder = ET.SubElement(node, "qti-mapping", attrs)
            for key, value, case in entries:
                entry = {"map-key": key, "mapped-value": _format(value)}
                if case is not None:
                    entry["case-sensitive"] = "true" if case else "false"
                ET.SubElement(holder, "qti-map-entry", entry)
            self.template = "map_response"
        self.declarations.append(node)
        return node

    def interaction(self, tag: str, *, inline: bool = False, **attrs: Any) -> ET.Element:
        clean = {k.replace("_", "-"): str(v) for k, v in attrs.items() if v is not None}
        self.element = ET.Element(tag, {"response-identifier": "RESPONSE", **clean})
        self.inline = inline
        return self.element

    def add(
        self, parent: ET.Element, tag: str, text: str | None = None, **attrs: Any
    ) -> ET.Element:
        clean = {k.replace("_", "-"): str(v) for k, v in attrs.items() if v is not None}
        node = ET.SubElement(parent, tag, clean)
        if text is not None:
            node.text = text
        return node


def _format(value: float) -> str:
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(round(number, 7))


def _stem_elements(stem: str, image_path: Callable[[str], str]) -> list[ET.Element]:
    """The stem HTML as XHTML elements of the item body (images renamed to the package's
    files)."""

    def src(match: re.Match[str]) -> str:
        return f'src="{html.escape(image_path(html.unescape(match.group(1))))}"'

    text = re.sub(r'src="([^"]*)"', src, stem or "")
    text = re.sub(r"<img([^>]*?)\s*/?>", r"<img\1/>", text)
    text = text.replace("&nbsp;", "&#160;")
    try:
        holder = defused_fromstring(f"<div>{text}</div>")
    except (ET.ParseError, defusedxml.DefusedXmlException):
        holder = ET.Element("div")
        ET.SubElement(holder, "p").text = html_to_text(stem or "")
    if holder.text and holder.text.strip():
        paragraph = ET.Element("p")
        paragraph.text = holder.text
        return [paragraph, *list(holder)]
    return list(holder)


def export_qti_item(
    question: Mapping[str, Any], image_path: Callable[[str], str] | None = None
) -> str:
    """One question (a dict like :meth:`ParsedQuestion.as_dict`) as a QTI 3.0 item;
    ``ValueError`` with a :data:`MESSAGES` code when QTI cannot hold it. ``image_path``
    turns a stem's or hotspot's ``@@PLUGINFILE@@/<name>`` into the file's path in the
    package."""
    mapping = qti_platform_mapping(str(question.get("type")))
    if mapping is None:
        raise ValueError("export_unknown_type")
    writer = QtiItemWriter(question, image_path or _plain_image_path)
    try:
        mapping.write(writer)
    except ValueError:
        raise
    except (KeyError, TypeError, AttributeError, IndexError):
        raise ValueError("export_invalid") from None
    bare = str(question.get("type")) == "description"
    if not bare and (writer.declaration is None or (writer.element is None and not writer.gaps)):
        raise ValueError("export_invalid")
    identifier = writer.ident(question.get("uid") or question.get("identifier") or "item")
    root = ET.Element(
        "qti-assessment-item",
        {
            "xmlns": NS,
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": f"{NS} {SCHEMA}",
            "identifier": identifier,
            "title": str(question.get("title") or identifier),
            "adaptive": "false",
            "time-dependent": "false",
        },
    )
    root.extend(writer.declarations)
    for name, value in (("SCORE", "0"), ("MAXSCORE", _format(question.get("points") or 1))):
        attrs = {"identifier": name, "cardinality": "single", "base-type": "float"}
        if name == "SCORE" and writer.human:
            attrs["external-scored"] = "human"
        node = ET.SubElement(root, "qti-outcome-declaration", attrs)
        default = ET.SubElement(node, "qti-default-value")
        ET.SubElement(default, "qti-value").text = value
    feedback = {k: v for k, v in (question.get("feedback") or {}).items() if v}
    if feedback or writer.feedback:
        ET.SubElement(
            root,
            "qti-outcome-declaration",
            {"identifier": "FEEDBACK", "cardinality": "single", "base-type": "identifier"},
        )
    body = ET.SubElement(root, "qti-item-body")
    body.extend(writer.before)
    stem = ET.Element("div")
    stem.extend(_stem_elements(str(question.get("stem") or ""), writer.image_path))
    if writer.gaps:
        _insert_markers(stem, writer.gaps)
    if writer.element is not None and writer.stem_inside:
        writer.element.extend(stem)
        body.append(writer.element)
    else:
        body.extend(stem)
        if writer.element is not None and writer.inline:
            ET.SubElement(body, "p").append(writer.element)
        elif writer.element is not None:
            body.append(writer.element)
    if writer.scored:
        processing = ET.SubElement(root, "qti-response-processing")
        for response in writer.scored:
            setter = ET.SubElement(processing, "qti-set-outcome-value", {"identifier": "SCORE"})
            total = ET.SubElement(setter, "qti-sum")
            ET.SubElement(total, "qti-variable", {"identifier": "SCORE"})
            ET.SubElement(total, "qti-map-response", {"identifier": response})
    elif writer.template:
        ET.SubElement(
            root, "qti-response-processing", {"template": f"{TEMPLATES}{writer.template}.xml"}
        )
    for key in ("correct", "partial", "incorrect", "general"):
        if key in feedback:
            node = ET.SubElement(
                root,
                "qti-modal-feedback",
                {"outcome-identifier": "FEEDBACK", "show-hide": "show", "identifier": key},
            )
            ET.SubElement(node, "qti-content-body").text = str(feedback[key])
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_MARKER = re.compile(r"\{\{([A-Za-z0-9_-]+)\}\}")


def _insert_markers(parent: ET.Element, gaps: Mapping[str, ET.Element]) -> None:
    """Put each gap's interaction where its ``{{marker}}`` stands in ``parent``'s text."""
    result: list[ET.Element] = []

    def add_text(text: str) -> None:
        if not text:
            return
        if result:
            result[-1].tail = (result[-1].tail or "") + text
        else:
            parent.text = (parent.text or "") + text

    def feed(text: str) -> None:
        position = 0
        for match in _MARKER.finditer(text):
            node = gaps.get(match.group(1))
            if node is None:
                continue
            add_text(text[position : match.start()])
            node.tail = None
            result.append(node)
            position = match.end()
        add_text(text[position:])

    text, children = parent.text or "", list(parent)
    parent.text = None
    for child in children:
        parent.remove(child)
    feed(text)
    for child in children:
        tail, child.tail = child.tail or "", None
        _insert_markers(child, gaps)
        result.append(child)
        feed(tail)
    parent.extend(result)


def _plain_image_path(reference: str) -> str:
    return reference[len(PLUGINFILE) :] if reference.startswith(PLUGINFILE) else reference


def export_qti_package(
    questions: Iterable[Mapping[str, Any]],
    files: Mapping[str, bytes] | None = None,
    title: str = "",
) -> tuple[bytes, list[tuple[str, str]]]:
    """Questions as a QTI 3.0 content package (ZIP bytes: ``imsmanifest.xml``, one item
    file per question under ``items/``, images under ``items/images/``), and the
    ``(title, reason)`` of each question it could not write. ``files`` maps the names in
    ``@@PLUGINFILE@@/<name>`` references to their bytes."""
    files = files or {}
    skipped: list[tuple[str, str]] = []
    resources: list[tuple[str, str, list[str]]] = []  # identifier, item path, its files
    package: dict[str, bytes] = {}
    taken: dict[str, tuple[str, bytes]] = {}  # case-folded image path -> (path, bytes)
    used: set[str] = set()
    for number, question in enumerate(questions, start=1):
        name = str(question.get("title") or question.get("uid") or "")
        base = QtiItemWriter.ident(question.get("uid") or f"item-{number}")
        identifier, count = base, 2
        while identifier.lower() in used:
            identifier, count = f"{base}-{count}", count + 1
        images: list[str] = []
        missing: list[str] = []
        staged: dict[str, tuple[str, bytes]] = {}

        def image_path(
            reference: str,
            images: list[str] = images,
            missing: list[str] = missing,
            staged: dict[str, tuple[str, bytes]] = staged,
        ) -> str:
            wanted = _plain_image_path(reference)
            if wanted not in files:
                missing.append(wanted)
                return wanted
            data = files[wanted]
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", posixpath.basename(wanted)).lstrip(".")
            stem, dot, extension = (safe or "image").rpartition(".")
            if not dot:
                stem, extension = extension, "png"
            path, count = f"items/images/{stem}.{extension}", 2
            existing = taken.get(path.casefold()) or staged.get(path.casefold())
            while existing is not None and existing[1] != data:
                path, count = f"items/images/{stem}-{count}.{extension}", count + 1
                existing = taken.get(path.casefold()) or staged.get(path.casefold())
            if existing is not None:
                path = existing[0]
            staged[path.casefold()] = (path, data)
            if path not in images:
                images.append(path)
            return path.removeprefix("items/")

        try:
            text = export_qti_item({**question, "uid": identifier}, image_path)
        except ValueError as problem:
            code = str(problem) if str(problem) in MESSAGES else "export_invalid"
            skipped.append((name, MESSAGES[code]))
            continue
        if missing:
            skipped.append((name, MESSAGES["export_image"]))
            continue
        used.add(identifier.lower())
        for folded, (path, data) in staged.items():
            if folded not in taken:
                taken[folded] = (path, data)
                package[path] = data
        path = f"items/{identifier}.xml"
        package[path] = text.encode("utf-8")
        resources.append((identifier, path, images))
    manifest = ET.Element(
        "manifest",
        {
            "xmlns": CP_NS,
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": f"{CP_NS} {CP_SCHEMA}",
            "identifier": "MANIFEST-" + (QtiItemWriter.ident(title)[:60] if title else "bank"),
        },
    )
    metadata = ET.SubElement(manifest, "metadata")
    ET.SubElement(metadata, "schema").text = "QTI Package"
    ET.SubElement(metadata, "schemaversion").text = "3.0.0"
    ET.SubElement(manifest, "organizations")
    holder = ET.SubElement(manifest, "resources")
    for identifier, path, images in resources:
        resource = ET.SubElement(
            holder,
            "resource",
            {"identifier": identifier, "type": "imsqti_item_xmlv3p0", "href": path},
        )
        ET.SubElement(resource, "file", {"href": path})
        for image in images:
            ET.SubElement(resource, "file", {"href": image})
    ET.indent(manifest, space="  ")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "imsmanifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(manifest, encoding="unicode")
            + "\n",
        )
        for path, data in package.items():
            archive.writestr(path, data)
    return buffer.getvalue(), skipped


# --- Type mappings --------------------------------------------------------------------------
# Each platform type that QTI can express has a pair of functions: ``read(q)`` takes a
# :class:`QtiItemReader` and returns ``(platform type, data)`` (raising through
# ``q.reject`` when the item cannot be read; the stem, points, feedback and title are read
# by the format), ``write(w)`` declares the response and builds the interaction on a
# :class:`QtiItemWriter`. A type module of ``assessments/types/`` may carry them as
# ``qti_interactions`` (the interaction names it reads, without ``qti-``), ``qti_read`` and
# ``qti_write``; the format asks the type registry first and falls back to the mappings
# below, each used only while its platform type is registered.


@dataclass(frozen=True)
class _Mapping:
    read: Callable[[QtiItemReader], tuple[str, dict[str, Any]]]
    write: Callable[[QtiItemWriter], None]
    platform_type: str = ""


def _registry_types() -> Iterable[Any]:
    try:
        from .. import types as registry
    except Exception:  # the registry is optional for this pure module
        return ()
    return getattr(registry, "TYPES", ())


def _registered(platform_type: str) -> bool:
    names = {getattr(qtype, "name", "") for qtype in _registry_types()}
    return not names or platform_type in names or platform_type in _ALWAYS


def qti_mapping(interaction: str) -> _Mapping | None:
    """How the interaction ``interaction`` (canonical name, e.g. ``choice-interaction``)
    is read, or ``None`` when the platform has no type for it."""
    for qtype in _registry_types():
        if interaction in getattr(qtype, "qti_interactions", ()) and hasattr(qtype, "qti_read"):
            return _Mapping(qtype.qti_read, qtype.qti_write, qtype.name)
    mapping = _READERS.get(interaction)
    if mapping is None or not _registered(mapping.platform_type):
        return None
    return mapping


def qti_platform_mapping(platform_type: str) -> _Mapping | None:
    """How questions of ``platform_type`` are written, or ``None``."""
    for qtype in _registry_types():
        if getattr(qtype, "name", None) == platform_type and hasattr(qtype, "qti_write"):
            return _Mapping(qtype.qti_read, qtype.qti_write, platform_type)
    return _WRITERS.get(platform_type)


def _clamp(value: float, low: float = -1.0, high: float = 1.0) -> int | float:
    number = round(min(high, max(low, value)), 7)
    return int(number) if float(number).is_integer() else number


def _known(q: QtiItemReader, values: Iterable[str], ids: Iterable[str]) -> None:
    known = set(ids)
    for value in values:
        if value not in known:
            q.reject("unknown_choice", value=value[:60])


# choice -> single_choice / multiple_response
MULTIPLE_RULES = ("all_or_nothing", "right_minus_wrong", "per_option")


def read_choice(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    data: dict[str, Any]
    options = q.choices("simple-choice", feedback=True)
    if len(options) < 2:
        q.reject("too_few_choices", minimum=2, count=len(options))
    ids = [o["id"] for o in options]
    correct = q.correct()
    if not correct:
        q.reject("no_correct")
    _known(q, correct, ids)
    values = q.mapping() if q.mapped else {}
    if (
        q.attr("data-platform-type") == "true_false"
        and sorted(ids) == ["false", "true"]
        and q.decl.cardinality == "single"
    ):
        data = {"correct": correct[0] == "true"}
        for option in options:
            if option.get("feedback"):
                data[f"feedback_{option['id']}"] = option["feedback"]
        return "true_false", data
    if q.decl.cardinality == "single":
        right = correct[0]
        data = {"options": options, "correct": right}
        top = values.get(right) or max(values.values(), default=0)
        if top > 0:
            fractions = {i: _clamp(values[i] / top) for i in ids if values.get(i)}
            fractions[right] = 1
            if len(fractions) > 1:
                data["fractions"] = fractions
        return "single_choice", data
    rule = q.scoring(MULTIPLE_RULES, "right_minus_wrong" if values else "all_or_nothing")
    data = {"options": options, "correct": [i for i in ids if i in set(correct)], "scoring": rule}
    if values:  # the mapping's credits, over the most one can earn (its upper bound)
        top = q.decl.upper_bound or round(sum(v for v in values.values() if v > 0), 6) or 1
        fractions = {i: _clamp(values[i] / top) for i in ids if values.get(i)}
        data["fractions"] = fractions
        data["correct"] = [i for i in ids if fractions.get(i, 0) > 0]
    return "multiple_response", data


def _choice(w: QtiItemWriter, element: ET.Element, option: Mapping[str, Any]) -> None:
    node = w.add(
        element, "qti-simple-choice", str(option["text"]), identifier=w.ident(option["id"])
    )
    if option.get("feedback"):
        w.add(
            node,
            "qti-feedback-inline",
            str(option["feedback"]),
            outcome_identifier="FEEDBACK",
            identifier=w.ident(option["id"]),
            show_hide="show",
        )
        w.feedback = True


def write_choice(w: QtiItemWriter) -> None:
    data = w.data
    single = w.question["type"] == "single_choice"
    options = data["options"]
    if single:
        fractions = data.get("fractions") or {}
        mapping = [(w.ident(k), float(v), None) for k, v in fractions.items() if v]
        w.declare("single", "identifier", [w.ident(data["correct"])], mapping)
        element = w.interaction("qti-choice-interaction", shuffle="false", max_choices=1)
    else:
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
    for option in options:
        _choice(w, element, option)


def write_true_false(w: QtiItemWriter) -> None:
    data = w.data
    w.declare("single", "identifier", ["true" if data["correct"] else "false"])
    element = w.interaction(
        "qti-choice-interaction", shuffle="false", max_choices=1, data_platform_type="true_false"
    )
    for value, text in (("true", "True"), ("false", "False")):
        option = {"id": value, "text": text, "feedback": data.get(f"feedback_{value}") or ""}
        _choice(w, element, option)


# order -> ordering
def read_order(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    items = q.choices("simple-choice")
    if len(items) < 2:
        q.reject("too_few_choices", minimum=2, count=len(items))
    order = list(q.decl.correct)
    if sorted(order) != sorted(i["id"] for i in items):
        q.reject("order_incomplete")
    return "ordering", {
        "items": items,
        "correct_order": order,
        "scoring": q.scoring(("all_or_nothing", "adjacent_pairs"), "all_or_nothing"),
    }


def write_order(w: QtiItemWriter) -> None:
    data = w.data
    w.declare("ordered", "identifier", [w.ident(i) for i in data["correct_order"]])
    rule = data.get("scoring", "all_or_nothing")
    element = w.interaction(
        "qti-order-interaction",
        shuffle="true",
        data_scoring=rule if rule != "all_or_nothing" else None,
    )
    for item in data["items"]:
        w.add(element, "qti-simple-choice", str(item["text"]), identifier=w.ident(item["id"]))


# match / associate -> matching
MATCHING_RULES = ("all_or_nothing", "per_premise")


def _pairs(q: QtiItemReader) -> list[tuple[str, str]]:
    pairs = []
    for value in q.correct():
        parts = value.split()
        if len(parts) != 2:
            q.reject("match_bad_pair", value=value[:60])
        pairs.append((parts[0], parts[1]))
    if not pairs:
        q.reject("no_correct")
    return pairs


def read_match(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    sets = q.interaction.findall("simple-match-set")
    if len(sets) != 2:
        q.reject("match_sets", count=len(sets))
    premises = q.choices("simple-associable-choice", sets[0])
    responses = q.choices("simple-associable-choice", sets[1])
    premise_ids = {p["id"] for p in premises}
    response_ids = {r["id"] for r in responses}
    correct: dict[str, str] = {}
    for first, second in _pairs(q):
        if first in response_ids and second in premise_ids:
            first, second = second, first
        if first not in premise_ids or second not in response_ids:
            q.reject("match_bad_pair", value=f"{first} {second}"[:60])
        if correct.get(first, second) != second:
            q.reject("match_several", premise=first[:60])
        correct[first] = second
    for premise in premises:
        if premise["id"] not in correct:
            q.reject("match_unpaired", premise=premise["id"][:60])
    return "matching", {
        "premises": premises,
        "responses": responses,
        "correct": {p["id"]: correct[p["id"]] for p in premises},
        "scoring": q.scoring(MATCHING_RULES, "per_premise" if q.mapped else "all_or_nothing"),
    }


def read_associate(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    choices = q.choices("simple-associable-choice")
    by_id = {c["id"]: c for c in choices}
    used: set[str] = set()
    premises: list[dict[str, str]] = []
    responses: list[dict[str, str]] = []
    correct: dict[str, str] = {}
    for first, second in _pairs(q):
        if first not in by_id or second not in by_id or first == second:
            q.reject("match_bad_pair", value=f"{first} {second}"[:60])
        if first in used or second in used:
            q.reject("match_several", premise=(first if first in used else second)[:60])
        used |= {first, second}
        premises.append(by_id[first])
        responses.append(by_id[second])
        correct[first] = second
    responses += [c for c in choices if c["id"] not in used]
    return "matching", {
        "premises": premises,
        "responses": responses,
        "correct": correct,
        "scoring": q.scoring(MATCHING_RULES, "per_premise" if q.mapped else "all_or_nothing"),
    }


def write_match(w: QtiItemWriter) -> None:
    data = w.data
    premises, responses = data["premises"], data["responses"]
    pairs = [f"{w.ident(p)} {w.ident(r)}" for p, r in data["correct"].items()]
    per_premise = data.get("scoring") == "per_premise"
    w.declare(
        "multiple",
        "directedPair",
        pairs,
        [(pair, 1.0, None) for pair in pairs] if per_premise else (),
        lower_bound=0 if per_premise else None,
    )
    element = w.interaction("qti-match-interaction", shuffle="true", max_associations=len(premises))
    first = w.add(element, "qti-simple-match-set")
    for premise in premises:
        w.add(
            first,
            "qti-simple-associable-choice",
            str(premise["text"]),
            identifier=w.ident(premise["id"]),
            match_max=1,
        )
    second = w.add(element, "qti-simple-match-set")
    for response in responses:
        w.add(
            second,
            "qti-simple-associable-choice",
            str(response["text"]),
            identifier=w.ident(response["id"]),
            match_max=len(premises),
        )


# text entry -> short_answer
def _text_answers(
    q: QtiItemReader, decl: _Declaration, processing: str
) -> tuple[list[dict[str, Any]], bool]:
    """The accepted answers of a text entry (credit over the best answer's) and whether
    they are case-sensitive."""
    answers: list[dict[str, Any]] = []
    case_sensitive = True
    if decl.mapping and processing != "match_correct":
        entries = [(k, v, cs) for k, v, cs in decl.mapping if v > 0 and k]
        top = max((v for _k, v, _cs in entries), default=0)
        for key, value, _cs in entries:
            answers.append({"text": key, "fraction": _clamp(value / top, 0)})
        if entries and not any(cs for _k, _v, cs in entries):
            case_sensitive = False
    texts = {a["text"] for a in answers}
    for value in decl.correct:
        if value and value not in texts:
            answers.append({"text": value, "fraction": 1})
            texts.add(value)
    if not answers:
        q.reject("no_correct")
    return [
        {"id": f"a{number}", "text": a["text"], "fraction": a["fraction"]}
        for number, a in enumerate(answers, start=1)
    ], case_sensitive


def read_text_entry(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    answers, case_sensitive = _text_answers(q, q.decl, q.processing)
    values = _numbers(a["text"] for a in answers)
    if q.attr("data-platform-type") == "numeric" and values is not None:
        tolerances = q.attr("data-tolerances").split()
        entries = [
            {
                "value": int(value) if value.is_integer() else value,
                "tolerance": _clamp(_number(tolerance, "tolerance"), 0, 1e15) if tolerance else 0,
                "fraction": answer["fraction"],
            }
            for answer, value, tolerance in zip(
                answers, values, tolerances + [""] * len(answers), strict=False
            )
        ]
        if q.attr("data-shape") != "answers" and len(entries) == 1:
            data: dict[str, Any] = {"answer": entries[0]["value"]}
            data["tolerance"] = entries[0]["tolerance"]
            if q.attr("data-unit"):
                data["unit"] = q.attr("data-unit")
            return "numeric", data
        return "numeric", {
            "answers": entries,
            "units": [],
            "unit_handling": "none",
            "unit_penalty": 0,
        }
    return "short_answer", {
        "answers": answers,
        "case_sensitive": case_sensitive,
        "ignore_accents": q.attr("data-ignore-accents") == "true",
        "ignore_spaces": q.attr("data-ignore-spaces") == "true",
    }


def write_text_entry(w: QtiItemWriter) -> None:
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


def write_numeric(w: QtiItemWriter) -> None:
    data = w.data
    extended = "answers" in data
    if extended and data.get("units"):
        raise ValueError("export_invalid")  # units and their penalty have no QTI form
    answers = (
        data["answers"]
        if extended
        else [{"value": data["answer"], "tolerance": data.get("tolerance", 0), "fraction": 1}]
    )
    if not answers or any(
        not isinstance(a.get("value"), int | float) or isinstance(a.get("value"), bool)
        for a in answers
    ):
        raise ValueError("export_invalid")  # "*" (any other number) has no QTI form
    keys = [_format(a["value"]) for a in answers]
    best = [k for k, a in zip(keys, answers, strict=True) if a.get("fraction", 1) == 1]
    mapping = [(k, float(a.get("fraction", 1)), None) for k, a in zip(keys, answers, strict=True)]
    w.declare("single", "float", best[:1], mapping if extended else ())
    w.interaction(
        "qti-text-entry-interaction",
        inline=True,
        expected_length=max(10, *map(len, keys)),
        data_platform_type="numeric",
        data_tolerances=" ".join(_format(a.get("tolerance", 0)) for a in answers),
        data_unit=data.get("unit") or None,
        data_shape="answers" if extended else None,
    )


# extended text -> essay
def read_extended_text(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    grader = ""
    for block in q.root.iter("rubric-block"):
        if "scorer" in (block.get("view") or "").split():
            grader += q.fragment_html(block)

    def words(name: str) -> int | None:
        raw = q.attr(name)
        if not raw.isdigit():
            return None
        return int(raw) or None

    return "essay", {
        "min_words": words("data-min-words"),
        "max_words": words("data-max-words"),
        "attachments": 0,
        "attachments_required": 0,
        "file_types": [],
        "rubric": None,
        "grader_info": grader,
        "response_template": q.decl.default[0] if q.decl.default else "",
    }


def write_extended_text(w: QtiItemWriter) -> None:
    data = w.data
    w.declare("single", "string", default=data.get("response_template") or None)
    w.template = ""
    w.human = True
    w.interaction(
        "qti-extended-text-interaction",
        data_min_words=data.get("min_words") or None,
        data_max_words=data.get("max_words") or None,
    )
    if data.get("grader_info"):
        block = ET.Element("qti-rubric-block", {"use": "scoring", "view": "scorer"})
        holder = ET.SubElement(block, "qti-content-body")
        for element in _stem_elements(str(data["grader_info"]), w.image_path):
            holder.append(element)
        w.before.append(block)


# hotspot -> hotspot
def _coords(q: QtiItemReader, node: ET.Element) -> list[float]:
    raw = node.get("coords", "")
    try:
        return [float(v) for v in raw.replace(" ", "").split(",") if v != ""]
    except ValueError:
        q.reject("hotspot_coords", identifier=node.get("identifier", "")[:60], coords=raw[:60])
    return []


def _ellipse(cx: float, cy: float, rx: float, ry: float, width: float, height: float) -> list:
    points = []
    for step in range(CIRCLE_SIDES):
        angle = 2 * math.pi * step / CIRCLE_SIDES
        x = min(width, max(0.0, cx + rx * math.cos(angle)))
        y = min(height, max(0.0, cy + ry * math.sin(angle)))
        points.append([_clamp(round(x, 2), 0, width), _clamp(round(y, 2), 0, height)])
    return points


def _region(q: QtiItemReader, node: ET.Element, width: float, height: float) -> dict[str, Any]:
    ident = node.get("identifier", "")
    shape = (node.get("shape") or "").lower()
    numbers = _coords(q, node)
    bad = {"identifier": ident[:60], "coords": node.get("coords", "")[:60]}
    label = node.get("hotspot-label") or node.get("aria-label") or ident
    if shape in ("rect", "rectangle"):
        if len(numbers) != 4:
            q.reject("hotspot_coords", **bad)
        x1, y1, x2, y2 = numbers
        left, top = max(0.0, min(x1, x2)), max(0.0, min(y1, y2))
        right, bottom = min(width, max(x1, x2)), min(height, max(y1, y2))
        coords: Any = [_clamp(v, 0, 1e9) for v in (left, top, right - left, bottom - top)]
        return {"id": ident, "label": label, "shape": "rect", "coords": coords}
    if shape in ("poly", "polygon"):
        if len(numbers) < 6 or len(numbers) % 2:
            q.reject("hotspot_coords", **bad)
        points = [
            [_clamp(min(width, max(0.0, x)), 0, 1e9), _clamp(min(height, max(0.0, y)), 0, 1e9)]
            for x, y in zip(numbers[::2], numbers[1::2], strict=True)
        ]
        if len(points) > 3 and points[0] == points[-1]:
            points.pop()
        return {"id": ident, "label": label, "shape": "polygon", "coords": points}
    if shape in ("circle", "ellipse"):
        if (shape == "circle" and len(numbers) != 3) or (shape == "ellipse" and len(numbers) != 4):
            q.reject("hotspot_coords", **bad)
        cx, cy, rx = numbers[:3]
        ry = numbers[3] if shape == "ellipse" else rx
        return {
            "id": ident,
            "label": label,
            "shape": "polygon",
            "coords": _ellipse(cx, cy, rx, ry, width, height),
        }
    q.reject("hotspot_shape", identifier=ident[:60], shape=shape[:20] or "default")
    return {}


def _background(q: QtiItemReader) -> dict[str, Any]:
    for child in q.interaction:
        found = q.image_element(child)
        if found is None:
            continue
        src, alt, raw_width, raw_height = found
        reference = q.image(src)
        image = q.images[src]
        width = _number(raw_width, "width") if raw_width else image.width
        height = _number(raw_height, "height") if raw_height else image.height
        prompt = q.interaction.find("prompt")
        alt = alt or (q.plain(prompt) if prompt is not None else "") or posixpath.basename(src)
        return {
            "name": reference,
            "width": int(width) if float(width).is_integer() else width,
            "height": int(height) if float(height).is_integer() else height,
            "alt": alt,
        }
    q.reject("hotspot_no_image")
    return {}


def read_hotspot(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    image = _background(q)
    choices = {node.get("identifier", ""): node for node in q.interaction.iter("hotspot-choice")}
    wanted = q.correct()
    if q.mapped:
        wanted += [k for k, v in q.mapping().items() if v > 0 and k not in wanted]
    if not wanted:
        q.reject("no_correct")
    _known(q, wanted, choices)
    regions = [_region(q, choices[i], image["width"], image["height"]) for i in wanted]
    single = q.decl.cardinality == "single"
    max_clicks = q.integer("max-choices", 1 if single else len(choices)) or len(choices)
    targets = "any" if single else "all"
    if targets == "all":
        max_clicks = max(max_clicks, len(regions))
    penalty = q.attr("data-wrong-click-penalty")
    return "hotspot", {
        "image": image,
        "regions": regions,
        "targets": targets,
        "max_clicks": max(1, max_clicks),
        "wrong_click_penalty": _clamp(_number(penalty, "penalty"), 0) if penalty else 0,
    }


def read_select_point(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    """A select-point interaction scored by its area mapping: each area with credit is a
    region of a hotspot question."""
    image = _background(q)
    areas = [(shape, coords) for shape, coords, value in q.decl.areas if value > 0]
    if not areas or q.processing == "match_correct":
        q.reject("no_correct")
    regions = []
    for number, (shape, coords) in enumerate(areas, start=1):
        node = ET.Element("area", {"identifier": f"r{number}", "shape": shape, "coords": coords})
        regions.append(_region(q, node, image["width"], image["height"]))
    single = q.decl.cardinality == "single"
    max_clicks = q.integer("max-choices", 1) or len(regions)
    return "hotspot", {
        "image": image,
        "regions": regions,
        "targets": "any" if single else "all",
        "max_clicks": max(1, max_clicks, 0 if single else len(regions)),
        "wrong_click_penalty": 0,
    }


def _shape_coords(region: Mapping[str, Any]) -> tuple[str, str]:
    coords = region["coords"]
    if region["shape"] == "rect":
        x, y, width, height = (float(v) for v in coords)
        return "rect", ",".join(_format(v) for v in (x, y, x + width, y + height))
    if region["shape"] == "polygon":
        return "poly", ",".join(_format(float(v)) for point in coords for v in point)
    raise ValueError("export_invalid")


def write_hotspot(w: QtiItemWriter) -> None:
    data = w.data
    image = data["image"]
    regions = data["regions"]
    single = data.get("targets", "any") == "any"
    ids = [w.ident(r["id"]) for r in regions]
    if single:
        mapping = [(i, 1.0, None) for i in ids] if len(ids) > 1 else []
        w.declare("single", "identifier", ids[:1], mapping)
    else:
        w.declare("multiple", "identifier", ids)
    penalty = data.get("wrong_click_penalty") or 0
    element = w.interaction(
        "qti-hotspot-interaction",
        max_choices=1 if single else max(len(ids), int(data.get("max_clicks") or 1)),
        data_wrong_click_penalty=_format(penalty) if penalty else None,
    )
    if single and int(data.get("max_clicks") or 1) != 1:
        raise ValueError("export_invalid")
    w.add(
        element,
        "img",
        src=w.image_path(str(image["name"])),
        alt=str(image.get("alt") or ""),
        width=_format(image["width"]),
        height=_format(image["height"]),
    )
    for region, ident in zip(regions, ids, strict=True):
        shape, coords = _shape_coords(region)
        w.add(
            element,
            "qti-hotspot-choice",
            identifier=ident,
            shape=shape,
            coords=coords,
            hotspot_label=str(region.get("label") or "") or None,
        )


# graphic gap match -> drag_drop_image
def read_graphic_gap_match(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    image = _background(q)
    items = []
    for node in q.interaction:
        if node.tag not in ("gap-img", "gap-text"):
            continue
        ident = node.get("identifier", "")
        item: dict[str, Any] = {
            "id": ident,
            "text": q.plain(node),
            "group": 1,
            "unlimited": node.get("match-max", "1").strip() == "0",
        }
        picture = next(
            (found for child in node if (found := q.image_element(child)) is not None), None
        )
        if picture is not None:
            item["image"] = {"name": q.image(picture[0])}
            item["text"] = item["text"] or ident
        if not item["text"]:
            q.reject("choice_no_text", identifier=ident[:60])
        items.append(item)
    item_ids = {i["id"] for i in items}
    spots = {n.get("identifier", ""): n for n in q.interaction.iter("associable-hotspot")}
    placed: dict[str, str] = {}
    for first, second in _pairs(q):
        if first in spots and second in item_ids:
            first, second = second, first
        if first not in item_ids or second not in spots:
            q.reject("match_bad_pair", value=f"{first} {second}"[:60])
        if placed.get(second, first) != first:
            q.reject("gap_no_partner", identifier=second[:60])
        placed[second] = first
    zones = []
    for ident, node in spots.items():
        if ident not in placed:
            continue
        region = _region(q, node, image["width"], image["height"])
        if region["shape"] == "rect":
            x, y = region["coords"][0], region["coords"][1]
        else:
            x = min(point[0] for point in region["coords"])
            y = min(point[1] for point in region["coords"])
        zones.append({"id": ident, "x": x, "y": y, "correct": placed[ident]})
    return "drag_drop_image", {"image": image, "items": items, "zones": zones}


def write_graphic_gap_match(w: QtiItemWriter) -> None:
    data = w.data
    image = data["image"]
    pairs = [f"{w.ident(z['correct'])} {w.ident(z['id'])}" for z in data["zones"]]
    w.declare("multiple", "directedPair", pairs)
    element = w.interaction("qti-graphic-gap-match-interaction")
    w.add(
        element,
        "img",
        src=w.image_path(str(image["name"])),
        alt=str(image.get("alt") or ""),
        width=_format(image["width"]),
        height=_format(image["height"]),
    )
    for item in data["items"]:
        picture = item.get("image") or {}
        if picture.get("name"):
            gap = w.add(
                element,
                "qti-gap-img",
                identifier=w.ident(item["id"]),
                match_max=0 if item.get("unlimited") else 1,
            )
            w.add(gap, "img", src=w.image_path(str(picture["name"])), alt=str(item["text"]))
            continue
        w.add(
            element,
            "qti-gap-text",
            str(item["text"]),
            identifier=w.ident(item["id"]),
            match_max=0 if item.get("unlimited") else 1,
        )
    for zone in data["zones"]:
        x, y = float(zone["x"]), float(zone["y"])
        right = min(float(image["width"]), x + 40)
        bottom = min(float(image["height"]), y + 20)
        w.add(
            element,
            "qti-associable-hotspot",
            identifier=w.ident(zone["id"]),
            shape="rect",
            coords=",".join(_format(v) for v in (x, y, right, bottom)),
            match_max=1,
        )


# several text entries and inline choices -> cloze
_GAP_INTERACTIONS = frozenset({"text-entry-interaction", "inline-choice-interaction"})


def _numbers(keys: Iterable[str]) -> list[float] | None:
    try:
        values = [float(key) for key in keys]
    except ValueError:
        return None
    return values if all(math.isfinite(v) for v in values) else None


def read_cloze(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    gaps: list[dict[str, Any]] = []
    seen: set[str] = set()
    for node in q.interactions:
        response = node.get("response-identifier", "")
        decl = q.declarations.get(response)
        if decl is None:
            q.reject("no_declaration", identifier=response[:60])
            return "", {}
        processing = _processing(q.root, response)
        ident = gap_id(response)
        while ident in seen:
            ident += "_"
        seen.add(ident)
        raw_weight = q.attr("data-weight", element=node)
        gap: dict[str, Any] = {
            "id": ident,
            "weight": int(raw_weight) if raw_weight.isdigit() else 1,
        }
        gap["weight"] = max(1, gap["weight"])
        if node.tag == "text-entry-interaction":
            answers, case_sensitive = _text_answers(q, decl, processing)
            tolerances = q.attr("data-tolerances", element=node).split()
            values = _numbers(a["text"] for a in answers)
            if decl.base_type in ("float", "integer") and values is not None:
                gap["kind"] = "numeric"
                gap["answers"] = [
                    {
                        "value": int(v) if v.is_integer() else v,
                        "tolerance": _clamp(_number(t, "tolerance"), 0, 1e15) if t else 0,
                        "fraction": a["fraction"],
                    }
                    for a, v, t in zip(
                        answers, values, tolerances + [""] * len(answers), strict=False
                    )
                ]
            else:
                gap.update(kind="short_answer", answers=answers, case_sensitive=case_sensitive)
                for flag in ("ignore_accents", "ignore_spaces"):
                    if q.attr("data-" + flag.replace("_", "-"), element=node) == "true":
                        gap[flag] = True
        else:
            options = q.choices("inline-choice", node)
            if len(options) < 2:
                q.reject("too_few_choices", minimum=2, count=len(options))
            mapped = processing != "match_correct" and bool(decl.mapping)
            values_by_id = {k: v for k, v, _cs in decl.mapping} if mapped else {}
            correct = decl.correct or [k for k, v in values_by_id.items() if v > 0]
            if not correct:
                q.reject("no_correct")
            _known(q, correct, (o["id"] for o in options))
            top = values_by_id.get(correct[0]) or max(values_by_id.values(), default=0)
            for option in options:
                if values_by_id and top > 0:
                    option["fraction"] = _clamp(values_by_id.get(option["id"], 0) / top)
                else:
                    option["fraction"] = 1 if option["id"] == correct[0] else 0
            display = q.attr("data-display", element=node)
            gap.update(
                kind="choice",
                options=options,
                display=display if display in ("dropdown", "radio") else "dropdown",
            )
        q.markers[node] = "{{" + ident + "}}"
        gaps.append(gap)
    return "cloze", {"gaps": gaps}


def write_cloze(w: QtiItemWriter) -> None:
    for gap in w.data["gaps"]:
        ident = w.ident(gap["id"])
        kind = gap["kind"]
        weight = gap.get("weight", 1)
        if kind == "choice":
            if gap.get("display") == "checkbox":
                raise ValueError("export_invalid")
            options = gap["options"]
            best = max(options, key=lambda o: o.get("fraction", 0))
            w.declare(
                "single",
                "identifier",
                [w.ident(best["id"])],
                [(w.ident(o["id"]), float(o.get("fraction", 0)), None) for o in options],
                identifier=ident,
            )
            node = ET.Element(
                "qti-inline-choice-interaction",
                {"response-identifier": ident, "shuffle": "false"},
            )
            if gap.get("display") == "radio":
                node.set("data-display", "radio")
            for option in options:
                ET.SubElement(
                    node, "qti-inline-choice", {"identifier": w.ident(option["id"])}
                ).text = str(option["text"])
        else:
            answers = gap["answers"]
            numeric = kind == "numeric"
            if numeric and any(not isinstance(a.get("value"), int | float) for a in answers):
                raise ValueError("export_invalid")
            keys = [_format(a["value"]) if numeric else str(a["text"]) for a in answers]
            best = [k for k, a in zip(keys, answers, strict=True) if a.get("fraction", 1) == 1]
            case = None if numeric else bool(gap.get("case_sensitive"))
            w.declare(
                "single",
                "float" if numeric else "string",
                best[:1],
                [
                    (k, float(a.get("fraction", 1)), case)
                    for k, a in zip(keys, answers, strict=True)
                ],
                identifier=ident,
            )
            node = ET.Element(
                "qti-text-entry-interaction",
                {"response-identifier": ident, "expected-length": str(max(10, *map(len, keys)))},
            )
            if numeric and any(a.get("tolerance") for a in answers):
                node.set(
                    "data-tolerances", " ".join(_format(a.get("tolerance", 0)) for a in answers)
                )
            for flag in ("ignore_accents", "ignore_spaces"):
                if gap.get(flag):
                    node.set("data-" + flag.replace("_", "-"), "true")
        if weight != 1:
            node.set("data-weight", str(weight))
        w.gaps[gap["id"]] = node
        w.scored.append(ident)


_CLOZE = _Mapping(read_cloze, write_cloze, "cloze")


# gap match -> drag_drop_text
def read_gap_match(q: QtiItemReader) -> tuple[str, dict[str, Any]]:
    choices = []
    for node in q.interaction:
        if node.tag not in ("gap-text", "gap-img"):
            continue
        ident = node.get("identifier", "")
        text = q.plain(node)
        if not text:
            q.reject("choice_no_text", identifier=ident[:60])
        group = q.attr("data-group", element=node)
        choices.append(
            {
                "id": ident,
                "text": text,
                "group": int(group) if group.isdigit() and int(group) >= 1 else 1,
                "unlimited": q.attr("match-max", "1", element=node) == "0",
            }
        )
    choice_ids = {c["id"] for c in choices}
    gaps = [node.get("identifier", "") for node in q.interaction.iter("gap")]
    placed: dict[str, str] = {}
    for first, second in _pairs(q):
        if first in gaps and second in choice_ids:
            first, second = second, first
        if first not in choice_ids or second not in gaps:
            q.reject("match_bad_pair", value=f"{first} {second}"[:60])
        if placed.get(second, first) != first:
            q.reject("gap_no_partner", identifier=second[:60])
        placed[second] = first
    for gap in gaps:
        if gap not in placed:
            q.reject("match_unpaired", premise=gap[:60])
    mode = q.attr("data-mode")
    return "drag_drop_text", {
        "mode": mode if mode in ("drag", "select") else "drag",
        "choices": choices,
        "gaps": [{"id": gap_id(gap), "correct": placed[gap]} for gap in gaps],
        "shuffle": q.attr("shuffle") == "true",
    }


def write_gap_match(w: QtiItemWriter) -> None:
    data = w.data
    pairs = [f"{w.ident(g['correct'])} {w.ident(g['id'])}" for g in data["gaps"]]
    w.declare("multiple", "directedPair", pairs)
    mode = data.get("mode", "drag")
    element = w.interaction(
        "qti-gap-match-interaction",
        shuffle="true" if data.get("shuffle") else "false",
        data_mode=mode if mode != "drag" else None,
    )
    for choice in data["choices"]:
        group = int(choice.get("group", 1))
        w.add(
            element,
            "qti-gap-text",
            str(choice["text"]),
            identifier=w.ident(choice["id"]),
            match_max=0 if choice.get("unlimited") else 1,
            data_group=group if group != 1 else None,
        )
    for gap in data["gaps"]:
        w.gaps[gap["id"]] = ET.Element("qti-gap", {"identifier": w.ident(gap["id"])})
    w.stem_inside = True


# no interaction -> description
def write_description(w: QtiItemWriter) -> None:
    w.template = ""


_ALWAYS = frozenset({"short_answer"})
"""Types the format reads even before the registry has them (checked on import)."""

_READERS: dict[str, _Mapping] = {
    "choice-interaction": _Mapping(read_choice, write_choice, "single_choice"),
    "order-interaction": _Mapping(read_order, write_order, "ordering"),
    "match-interaction": _Mapping(read_match, write_match, "matching"),
    "associate-interaction": _Mapping(read_associate, write_match, "matching"),
    "text-entry-interaction": _Mapping(read_text_entry, write_text_entry, "short_answer"),
    "extended-text-interaction": _Mapping(read_extended_text, write_extended_text, "essay"),
    "hotspot-interaction": _Mapping(read_hotspot, write_hotspot, "hotspot"),
    "select-point-interaction": _Mapping(read_select_point, write_hotspot, "hotspot"),
    "graphic-gap-match-interaction": _Mapping(
        read_graphic_gap_match, write_graphic_gap_match, "drag_drop_image"
    ),
    "gap-match-interaction": _Mapping(read_gap_match, write_gap_match, "drag_drop_text"),
}
_WRITERS: dict[str, _Mapping] = {
    "single_choice": _READERS["choice-interaction"],
    "true_false": _Mapping(read_choice, write_true_false, "true_false"),
    "multiple_response": _READERS["choice-interaction"],
    "ordering": _READERS["order-interaction"],
    "matching": _READERS["match-interaction"],
    "short_answer": _READERS["text-entry-interaction"],
    "numeric": _Mapping(read_text_entry, write_numeric, "numeric"),
    "essay": _READERS["extended-text-interaction"],
    "hotspot": _READERS["hotspot-interaction"],
    "drag_drop_image": _READERS["graphic-gap-match-interaction"],
    "drag_drop_text": _READERS["gap-match-interaction"],
    "cloze": _CLOZE,
    "description": _Mapping(read_cloze, write_description, "description"),
}
