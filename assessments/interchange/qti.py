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


def gap_id(identifier: str) -> str:
    """A QTI identifier as a gap id of a ``{{marker}}`` (letters, digits, ``_``, ``-``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", identifier)[:60] or "gap"


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

    # -- helpers for the types' readers
    number = staticmethod(_number)
    gap_id = staticmethod(gap_id)

    @staticmethod
    def clamp(value: float, low: float = -1.0, high: float = 1.0) -> int | float:
        """``value`` within ``[low, high]``, rounded, as an int when it is whole."""
        number = round(min(high, max(low, value)), 7)
        return int(number) if float(number).is_integer() else number

    @staticmethod
    def numbers(keys: Iterable[str]) -> list[float] | None:
        """The keys as finite numbers, or ``None`` when one is not a number."""
        try:
            values = [float(key) for key in keys]
        except ValueError:
            return None
        return values if all(math.isfinite(v) for v in values) else None

    def known(self, values: Iterable[str], ids: Iterable[str]) -> None:
        """Refuse the item when a value names no choice of ``ids``."""
        known = set(ids)
        for value in values:
            if value not in known:
                self.reject("unknown_choice", value=value[:60])

    def processing_of(self, response: str) -> str:
        """How the response ``response`` is scored (a cloze's gaps each have their own)."""
        return _processing(self.root, response)

    def pairs(self) -> list[tuple[str, str]]:
        """The correct response's pairs (``directedPair`` or ``pair`` values)."""
        pairs = []
        for value in self.correct():
            parts = value.split()
            if len(parts) != 2:
                self.reject("match_bad_pair", value=value[:60])
            pairs.append((parts[0], parts[1]))
        if not pairs:
            self.reject("no_correct")
        return pairs

    def keyed_choices(self) -> tuple[list[dict[str, str]], list[str], dict[str, float]]:
        """A choice interaction's choices (with their feedback), its correct ones and the
        mapping's credits (empty unless scored by the mapping); refused with fewer than
        two choices, no correct one, or a correct one that is no choice."""
        options = self.choices("simple-choice", feedback=True)
        if len(options) < 2:
            self.reject("too_few_choices", minimum=2, count=len(options))
        correct = self.correct()
        if not correct:
            self.reject("no_correct")
        self.known(correct, (o["id"] for o in options))
        return options, correct, self.mapping() if self.mapped else {}

    def placed(self, choices: Iterable[str], targets: Iterable[str]) -> dict[str, str]:
        """The correct response's pairs as ``{target: choice}`` (a gap or a drop zone and
        what goes there; either order of the pair); refused when a pair names something
        else or a target gets two choices."""
        choice_ids, target_ids = set(choices), set(targets)
        placed: dict[str, str] = {}
        for first, second in self.pairs():
            if first in target_ids and second in choice_ids:
                first, second = second, first
            if first not in choice_ids or second not in target_ids:
                self.reject("match_bad_pair", value=f"{first} {second}"[:60])
            if placed.get(second, first) != first:
                self.reject("gap_no_partner", identifier=second[:60])
            placed[second] = first
        return placed

    def text_answers(
        self, decl: _Declaration, processing: str
    ) -> tuple[list[dict[str, Any]], bool]:
        """The accepted answers of a text entry (credit over the best answer's) and whether
        they are case-sensitive."""
        answers: list[dict[str, Any]] = []
        case_sensitive = True
        if decl.mapping and processing != "match_correct":
            entries = [(k, v, cs) for k, v, cs in decl.mapping if v > 0 and k]
            top = max((v for _k, v, _cs in entries), default=0)
            for key, value, _cs in entries:
                answers.append({"text": key, "fraction": self.clamp(value / top, 0)})
            if entries and not any(cs for _k, _v, cs in entries):
                case_sensitive = False
        texts = {a["text"] for a in answers}
        for value in decl.correct:
            if value and value not in texts:
                answers.append({"text": value, "fraction": 1})
                texts.add(value)
        if not answers:
            self.reject("no_correct")
        return [
            {"id": f"a{number}", "text": a["text"], "fraction": a["fraction"]}
            for number, a in enumerate(answers, start=1)
        ], case_sensitive

    def background(self) -> dict[str, Any]:
        """The interaction's image (a hotspot's or a graphic gap match's) as the platform's
        image data; refused when there is none."""
        for child in self.interaction:
            found = self.image_element(child)
            if found is None:
                continue
            src, alt, raw_width, raw_height = found
            reference = self.image(src)
            image = self.images[src]
            width = _number(raw_width, "width") if raw_width else image.width
            height = _number(raw_height, "height") if raw_height else image.height
            prompt = self.interaction.find("prompt")
            alt = (
                alt or (self.plain(prompt) if prompt is not None else "") or posixpath.basename(src)
            )
            return {
                "name": reference,
                "width": int(width) if float(width).is_integer() else width,
                "height": int(height) if float(height).is_integer() else height,
                "alt": alt,
            }
        self.reject("hotspot_no_image")
        return {}

    def region(self, node: ET.Element, width: float, height: float) -> dict[str, Any]:
        """A hotspot choice or area (``shape`` and ``coords``) as a region of the image:
        ``rect`` a rectangle, ``poly`` a polygon, ``circle`` and ``ellipse`` a polygon of
        :data:`CIRCLE_SIDES` sides, all inside the image."""
        return _region(self, node, width, height)

    def area(
        self, identifier: str, shape: str, coords: str, width: float, height: float
    ) -> dict[str, Any]:
        """An area mapping's entry as a region (see :meth:`region`)."""
        node = ET.Element("area", {"identifier": identifier, "shape": shape, "coords": coords})
        return _region(self, node, width, height)

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


def _coords(q: QtiItemReader, node: ET.Element) -> list[float]:
    raw = node.get("coords", "")
    try:
        return [float(v) for v in raw.replace(" ", "").split(",") if v != ""]
    except ValueError:
        q.reject("hotspot_coords", identifier=node.get("identifier", "")[:60], coords=raw[:60])
    return []


def _ellipse(cx: float, cy: float, rx: float, ry: float, width: float, height: float) -> list:
    clamp = QtiItemReader.clamp
    points = []
    for step in range(CIRCLE_SIDES):
        angle = 2 * math.pi * step / CIRCLE_SIDES
        x = min(width, max(0.0, cx + rx * math.cos(angle)))
        y = min(height, max(0.0, cy + ry * math.sin(angle)))
        points.append([clamp(round(x, 2), 0, width), clamp(round(y, 2), 0, height)])
    return points


def _region(q: QtiItemReader, node: ET.Element, width: float, height: float) -> dict[str, Any]:
    clamp = QtiItemReader.clamp
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
        coords: Any = [clamp(v, 0, 1e9) for v in (left, top, right - left, bottom - top)]
        return {"id": ident, "label": label, "shape": "rect", "coords": coords}
    if shape in ("poly", "polygon"):
        if len(numbers) < 6 or len(numbers) % 2:
            q.reject("hotspot_coords", **bad)
        points = [
            [clamp(min(width, max(0.0, x)), 0, 1e9), clamp(min(height, max(0.0, y)), 0, 1e9)]
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
    if not interactions:
        candidates = _readers("item-body")
        if not candidates:
            raise _Reject("no_interaction")
        reader = QtiItemReader(root, body, _Declaration(""), "none", resolve)
    else:
        interaction = interactions[0]
        candidates = _readers(interaction.tag) if len(interactions) == 1 else []
        if not candidates:
            candidates = _gap_readers(interactions)
        if not candidates and len(interactions) > 1:
            names = sorted({f"qti-{node.tag}" for node in interactions})
            raise _Reject("several_interactions", count=len(interactions), names=", ".join(names))
        if not candidates:
            raise _Reject("unsupported_interaction", name=f"qti-{interaction.tag}")
        response = interaction.get("response-identifier", "")
        declarations = _declarations(root)
        if response not in declarations:
            raise _Reject("no_declaration", identifier=response[:60])
        processing = _processing(root, response)
        reader = QtiItemReader(
            root,
            interaction,
            declarations[response],
            processing,
            resolve,
            declarations,
            interactions,
        )
    qtype = _chosen(candidates, reader)
    data = qtype.qti_read(reader)
    stem = reader.stem_html(body)
    if not interactions and not html_to_text(stem) and "<img" not in stem:
        raise _Reject("no_interaction")
    points = _points(root) if getattr(qtype, "scored", True) else 0
    return _question(root, line, reader, qtype.name, data, stem, warnings, label, points)


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
        self.bare = False  # no interaction at all (a description)

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

    # -- helpers for the types' writers
    @staticmethod
    def format(value: float) -> str:
        """A number as QTI writes it (``2``, ``0.5``)."""
        return _format(value)

    @staticmethod
    def node(tag: str, attrs: Mapping[str, str] | None = None) -> ET.Element:
        """A free-standing element (an inline gap, a rubric block) to place later."""
        return ET.Element(tag, dict(attrs or {}))

    def stem_elements(self, text: str) -> list[ET.Element]:
        """HTML (a stem, a rubric) as XHTML elements, images renamed to the package's."""
        return _stem_elements(text, self.image_path)

    def choice(self, element: ET.Element, option: Mapping[str, Any]) -> None:
        """A ``qti-simple-choice`` of ``element`` with the option's text and feedback."""
        node = self.add(
            element, "qti-simple-choice", str(option["text"]), identifier=self.ident(option["id"])
        )
        if option.get("feedback"):
            self.add(
                node,
                "qti-feedback-inline",
                str(option["feedback"]),
                outcome_identifier="FEEDBACK",
                identifier=self.ident(option["id"]),
                show_hide="show",
            )
            self.feedback = True

    def shape_coords(self, region: Mapping[str, Any]) -> tuple[str, str]:
        """A platform region as QTI's ``shape`` and ``coords``."""
        coords = region["coords"]
        if region["shape"] == "rect":
            x, y, width, height = (float(v) for v in coords)
            return "rect", ",".join(_format(v) for v in (x, y, x + width, y + height))
        if region["shape"] == "polygon":
            return "poly", ",".join(_format(float(v)) for point in coords for v in point)
        raise ValueError("export_invalid")

    def image_node(self, parent: ET.Element, image: Mapping[str, Any]) -> ET.Element:
        """The platform image ``image`` as an ``<img>`` of ``parent``."""
        return self.add(
            parent,
            "img",
            src=self.image_path(str(image["name"])),
            alt=str(image.get("alt") or ""),
            width=_format(image["width"]),
            height=_format(image["height"]),
        )


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
    qtype = _writer(str(question.get("type")))
    if qtype is None:
        raise ValueError("export_unknown_type")
    writer = QtiItemWriter(question, image_path or _plain_image_path)
    try:
        qtype.qti_write(writer)
    except ValueError:
        raise
    except (KeyError, TypeError, AttributeError, IndexError):
        raise ValueError("export_invalid") from None
    if not writer.bare and (
        writer.declaration is None or (writer.element is None and not writer.gaps)
    ):
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


# --- The types' mappings ----------------------------------------------------------------------
# Each question type that QTI can express carries its own mapping in its module of
# ``assessments/types/``: ``qti_interactions`` (the interactions it reads, canonical names
# without ``qti-``; ``item-body`` for an item without any), ``qti_gap_interactions`` (the
# inline interactions it reads when an item holds several of them, each a gap),
# ``qti_accepts(q)`` (whether it reads this very item, e.g. by cardinality or by the
# ``data-platform-type`` an export wrote), ``qti_read(q)`` (a :class:`QtiItemReader` in,
# the question's data out, refusing through ``q.reject``; the stem, points, feedback and
# title are read here) and ``qti_write(w)`` (declares the response and builds the
# interaction on a :class:`QtiItemWriter`). This module names no type.


def _types() -> tuple[Any, ...]:
    from .. import types as registry  # the registry is pure Python, like this module

    return tuple(registry.TYPES)


def _readers(interaction: str) -> list[Any]:
    """The types that read a lone ``interaction``."""
    return [t for t in _types() if interaction in getattr(t, "qti_interactions", ())]


def _gap_readers(interactions: list[ET.Element]) -> list[Any]:
    """The types that read these inline interactions as the gaps of one text."""
    return [
        t
        for t in _types()
        if all(node.tag in getattr(t, "qti_gap_interactions", ()) for node in interactions)
        and getattr(t, "qti_gap_interactions", ())
    ]


def _chosen(candidates: list[Any], reader: QtiItemReader) -> Any:
    """The type that reads the item: the one its export marked (``data-platform-type``)
    when that one accepts it, else the first that does."""
    accepting = [t for t in candidates if t.qti_accepts(reader)]
    if not accepting:
        raise _Reject("unsupported_interaction", name=f"qti-{reader.name}")
    marked = reader.attr("data-platform-type")
    return next((t for t in accepting if t.name == marked), accepting[0])


def _writer(platform_type: str) -> Any:
    """The type called ``platform_type`` when it can be written as QTI, else ``None``."""
    for qtype in _types():
        if qtype.name == platform_type and getattr(qtype, "qti_write", None) is not None:
            return qtype
    return None
