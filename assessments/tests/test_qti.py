"""QTI read and written without the database: every file of 1EdTech's examples
(``../shared/corpora/qti``, see its ``MANIFEST.tsv``; test data only, read from there) is
read without a crash, the items whose interactions map import with their correct answers,
the others are refused with the item's identifier and the reason; exports are QTI 3.0
items in a content package and read back as the same questions; hostile files (XXE,
entity expansion, zip slip, zip bombs, references out of the package) are refused.

``LMS_QTI_CORPUS`` (folders separated by ``os.pathsep``) points the crash and round-trip
tests at other folders of real files, for acceptance runs.
"""

from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from assessments.gift import ImportResult
from assessments.grading import validate_question
from assessments.interchange import qti
from assessments.interchange.qti import (
    MESSAGES,
    NS,
    QtiQuestion,
    export_qti_item,
    export_qti_package,
    is_qti,
    parse_qti,
)
from assessments.types import REGISTRY
from assessments.types.base import QuestionType

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "qti"
EXTRA = [Path(p) for p in os.environ.get("LMS_QTI_CORPUS", "").split(os.pathsep) if p]
FILES = sorted(
    path
    for folder in [CORPUS, *EXTRA]
    if folder.is_dir()
    for path in folder.iterdir()
    if path.suffix in (".xml", ".zip")
)

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the QTI corpus is absent")


def read(name: str) -> ImportResult:
    return parse_qti((CORPUS / name).read_bytes())


def question(result: ImportResult, identifier: str) -> QtiQuestion:
    found = [q for q in result.questions if getattr(q, "identifier", "") == identifier]
    assert len(found) == 1, [getattr(q, "identifier", "") for q in result.questions]
    return found[0]  # type: ignore[return-value]


def refusal(result: ImportResult, identifier: str) -> tuple[str, dict[str, Any], str]:
    found = [e for e in result.errors if e.title and e.title.split(" (")[0] == identifier]
    assert len(found) == 1, [(e.title, e.code) for e in result.errors]
    return found[0].code, found[0].params, found[0].message


# --- the corpus ---------------------------------------------------------------------------
@corpus
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_file_is_read_without_a_crash(path: Path) -> None:
    result = parse_qti(path.read_bytes())
    assert result.questions or result.errors
    for parsed in result.questions:
        if parsed.type in REGISTRY:  # short answers are read before the type is registered
            assert validate_question(parsed.type, parsed.data) == [], (parsed.title, parsed.data)
        if parsed.type in ("cloze", "drag_drop_text"):
            problems: list[str] = []
            REGISTRY[parsed.type].check_stem(parsed.data, parsed.stem, problems)
            assert problems == [], parsed.stem
        for name in parsed.images:
            assert f"{qti.PLUGINFILE}{name}" in parsed.stem + json.dumps(parsed.data)
    for error in result.errors + result.warnings:
        assert error.code in MESSAGES
        assert error.message  # the template formats with its parameters
    for error in result.errors:
        if error.code not in ("no_items", "package_problem", "no_manifest"):
            assert error.title  # the item's identifier (and file in a package)


@corpus
def test_the_corpus_is_all_listed() -> None:
    listed = {
        line.split("\t", 1)[0]
        for line in (CORPUS / "MANIFEST.tsv").read_text("utf-8").splitlines()[1:]
        if line.strip()
    }
    assert {p.name for p in CORPUS.iterdir() if p.suffix in (".xml", ".zip")} == listed


@corpus
def test_qti3_choice_in_a_package_with_its_image() -> None:
    result = read("1edtech__simple.zip")
    assert result.errors == [] and result.warnings == []
    item = question(result, "choice")
    assert item.type == "single_choice"
    assert item.title == "Unattended Luggage"
    assert item.uid == "choice"
    assert item.data["correct"] == "ChoiceA"
    assert item.data["options"][0] == {
        "id": "ChoiceA",
        "text": "You must stay with your luggage at all times.",
    }
    assert [o["id"] for o in item.data["options"]] == ["ChoiceA", "ChoiceB", "ChoiceC"]
    assert item.stem == (
        "<p>Look at the text in the picture.</p>"
        '<p><img src="@@PLUGINFILE@@/images/sign.png" alt="NEVER LEAVE LUGGAGE UNATTENDED"></p>'
        "<p>What does it say?</p>"
    )
    image = item.images["images/sign.png"]
    assert (image.content_type, image.width, image.height) == ("image/png", 170, 99)
    assert item.points == 1


@corpus
def test_qti22_loose_choice_without_its_image_warns() -> None:
    result = read("1edtech__qti22_item__choice.xml")
    item = question(result, "choice")
    assert item.data["correct"] == "ChoiceA"
    assert "<img" not in item.stem
    (warning,) = result.warnings
    assert warning.code == "image_dropped"
    assert warning.params["name"] == "images/sign.png"


@corpus
def test_text_entry_mapping_with_case() -> None:
    item = question(read("1edtech__qti22_item__text_entry.xml"), "textEntry")
    assert item.type == "short_answer"
    assert item.data["answers"] == [
        {"id": "a1", "text": "York", "fraction": 1},
        {"id": "a2", "text": "york", "fraction": 0.5},
    ]
    assert item.data["case_sensitive"] is True
    assert "sun of _____;" in item.stem


@corpus
def test_order_qti3_and_qti22() -> None:
    for name, identifier in (
        ("1edtech__qti30_item__QTI3-order.xml", "QTI3-order"),
        ("1edtech__qti22_item__order.xml", "order"),
    ):
        item = question(read(name), identifier)
        assert item.type == "ordering"
        assert item.data["correct_order"] == ["DriverC", "DriverA", "DriverB"]
        assert {i["id"]: i["text"] for i in item.data["items"]}["DriverA"] == "Rubens Barrichello"
        assert item.data["scoring"] == "all_or_nothing"


@corpus
def test_partial_order_scoring_is_refused() -> None:
    code, _params, _message = refusal(read("1edtech__qti22_items.zip"), "orderPartialScoring")
    assert code == "custom_processing"


@corpus
def test_essays() -> None:
    item = question(read("1edtech__qti30_item__essay.xml"), "essay")
    assert item.type == "essay"
    assert "Write an abstract about the life of this historical figure." in item.stem
    assert item.data["rubric"] is None and item.data["attachments"] == 0
    postcard = question(read("1edtech__qti22_item__extended_text.xml"), "extendedText")
    assert postcard.type == "essay"
    assert "Write Sam a postcard." in postcard.stem


@corpus
def test_match_and_associate() -> None:
    result = read("1edtech__qti22_items.zip")
    match = question(result, "match")
    assert match.type == "matching"
    assert match.data["correct"] == {"C": "R", "D": "M", "L": "M", "P": "T"}
    assert {r["id"]: r["text"] for r in match.data["responses"]}["T"] == "The Tempest"
    associate = question(result, "associate")
    assert associate.data["correct"] == {"A": "P", "C": "M", "D": "L"}
    assert associate.data["scoring"] == "per_premise"


@corpus
def test_multiple_choice_mapping_keeps_credit() -> None:
    found = [
        q for q in read("1edtech__qti22_items.zip").questions if q.title == "Composition of Water"
    ]
    item = found[0]  # choice_multiple.xml (choice_multiple_rtl.xml is its Hebrew twin)
    assert item.type == "multiple_response"
    assert item.data["correct"] == ["H", "O"]
    assert item.data["fractions"] == {"H": 0.5, "O": 0.5, "Cl": -0.5}
    assert item.data["scoring"] == "right_minus_wrong"


@corpus
def test_hotspot_in_a_package_circle_as_polygon() -> None:
    item = question(read("1edtech__sharedMedia.zip"), "hotspot")
    assert item.type == "hotspot"
    assert item.data["image"]["width"] == 206 and item.data["image"]["height"] == 280
    (region,) = item.data["regions"]
    assert region["id"] == "A" and region["shape"] == "polygon"
    assert len(region["coords"]) == qti.CIRCLE_SIDES
    for x, y in region["coords"]:  # the circle at (77, 115), radius 8
        assert abs(((x - 77) ** 2 + (y - 115) ** 2) ** 0.5 - 8) < 0.01
    assert item.data["targets"] == "any" and item.data["max_clicks"] == 1


@corpus
def test_hotspot_without_its_image_is_refused() -> None:
    code, params, _ = refusal(read("1edtech__qti22_item__hotspot.xml"), "hotspot")
    assert (code, params["name"]) == ("image_missing", "images/ukair.png")
    code, params, _ = refusal(read("1edtech__qti30_item__QTI3-hotspot.xml"), "QTI3-hotspot")
    assert (code, params["name"]) == ("image_missing", "images/map_cape_cod.svg")


@corpus
@pytest.mark.skipif("drag_drop_text" not in REGISTRY, reason="no drag_drop_text type")
def test_gap_match_is_drag_and_drop_into_text() -> None:
    item = question(read("1edtech__qti22_item__gap_match.xml"), "gapMatch")
    assert item.type == "drag_drop_text"
    assert item.data["gaps"] == [{"id": "G1", "correct": "W"}, {"id": "G2", "correct": "Su"}]
    assert {c["id"]: c["text"] for c in item.data["choices"]}["Su"] == "summer"
    assert "Now is the {{G1}} of our discontent" in item.stem


@corpus
@pytest.mark.skipif("cloze" not in REGISTRY, reason="no cloze type")
def test_inline_choice_is_a_cloze_choice_gap() -> None:
    item = question(read("1edtech__qti22_item__inline_choice.xml"), "inlineChoice")
    assert item.type == "cloze"
    (gap,) = item.data["gaps"]
    assert gap["kind"] == "choice" and gap["display"] == "dropdown"
    assert [(o["text"], o["fraction"]) for o in gap["options"]] == [
        ("Gloucester", 0),
        ("Lancaster", 0),
        ("York", 1),
    ]
    assert "sun of {{RESPONSE}};" in item.stem


@corpus
@pytest.mark.skipif("drag_drop_image" not in REGISTRY, reason="no drag_drop_image type")
def test_graphic_gap_match_is_drag_and_drop_onto_an_image() -> None:
    item = question(read("1edtech__qti22_items.zip"), "graphicGapMatchText")
    assert item.type == "drag_drop_image"
    assert item.data["zones"] == [
        {"id": "A", "x": 12, "y": 108, "correct": "GLA"},
        {"id": "B", "x": 128, "y": 103, "correct": "EDI"},
        {"id": "C", "x": 66, "y": 165, "correct": "MAN"},
    ]
    assert item.data["image"]["name"] == "@@PLUGINFILE@@/images/ukairtags.png"


@corpus
def test_written_out_processing_equivalent_to_map_response() -> None:
    item = question(read("1edtech__englishBasicLevelV2.zip"), "A_104374830")
    assert item.type == "short_answer"
    assert item.data["answers"] == [{"id": "a1", "text": "songs were sung", "fraction": 1}]


@corpus
@pytest.mark.parametrize(
    ("name", "identifier", "code", "detail"),
    [
        ("1edtech__qti30_item__slider-1.xml", "slider-1", "unsupported_interaction", "slider"),
        ("1edtech__qti22_item__upload.xml", "upload", "unsupported_interaction", "upload"),
        ("1edtech__qti22_item__adaptive.xml", "adaptive", "adaptive", ""),
        ("1edtech__qti22_item__template.xml", "template", "templates", ""),
        (
            "1edtech__qti30_item__Example05-feedbackBlock-adaptive.xml",
            "Example05-feedbackBlock-adaptive",
            "adaptive",
            "",
        ),
    ],
)
def test_unsupported_items_are_reported(name: str, identifier: str, code: str, detail: str) -> None:
    result = read(name)
    assert result.questions == []
    found, params, message = refusal(result, identifier)
    assert found == code
    assert detail in params.get("name", "")
    if detail:
        assert f"qti-{detail}-interaction" in message


@corpus
@pytest.mark.parametrize("name", ["1edtech__lti.zip", "1edtech__usageData.zip"])
def test_packages_without_items(name: str) -> None:
    result = read(name)
    assert result.questions == []
    assert [e.code for e in result.errors] == ["no_items"]


@corpus
def test_pci_packages_are_refused_item_by_item() -> None:
    result = read("1edtech__pci_item_examples.zip")
    assert result.questions == [] and len(result.errors) == 4
    assert {e.code for e in result.errors} == {"unsupported_interaction", "several_interactions"}
    assert all("qti-portable-custom-interaction" in e.message for e in result.errors)


# --- hostile input --------------------------------------------------------------------------
ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="{ident}"
  title="Tariff" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-item-body>
    <p>Which chapter covers coffee?{extra}</p>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-simple-choice identifier="A">Chapter 8</qti-simple-choice>
      <qti-simple-choice identifier="B">Chapter 9</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing
    template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>
"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="M">
  <resources>{resources}</resources>
</manifest>
"""


def item(ident: str = "tariff", extra: str = "") -> str:
    return ITEM.format(ident=ident, extra=extra)


def package(files: dict[str, bytes | str], hrefs: list[str]) -> bytes:
    resources = "".join(
        f'<resource identifier="r{n}" type="imsqti_item_xmlv3p0" href="{href}"/>'
        for n, href in enumerate(hrefs)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST.format(resources=resources))
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def png(width: int = 4, height: int = 3) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_plain_item_reads() -> None:
    result = parse_qti(item())
    (parsed,) = result.questions
    assert parsed.data["correct"] == "B" and parsed.stem == "<p>Which chapter covers coffee?</p>"


def test_xxe_and_entity_expansion_are_refused() -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + item(extra="&e;").split("?>", 1)[1]
    )
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + item(extra="&b;").split("?>", 1)[1]
    )
    for text in (xxe, laughs):
        result = parse_qti(text)
        assert result.questions == []
        assert [e.code for e in result.errors] == ["unsafe_xml"]
    in_package = parse_qti(package({"a.xml": xxe}, ["a.xml"]))
    assert [e.code for e in in_package.errors] == ["unsafe_xml"]


def test_zip_slip_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST.format(resources=""))
        archive.writestr("../../evil.xml", item())
    result = parse_qti(buffer.getvalue())
    assert result.questions == []
    assert any("outside the package" in e.message for e in result.errors)
    assert {e.code for e in result.errors} == {"package_problem"}


def test_manifest_reference_out_of_the_package_is_refused() -> None:
    result = parse_qti(package({"a.xml": item()}, ["../a.xml", "/etc/passwd", "a.xml"]))
    assert [q.uid for q in result.questions] == ["tariff"]
    assert [e.code for e in result.errors] == ["bad_reference", "bad_reference"]


def test_image_reference_out_of_the_package_is_not_followed() -> None:
    extra = '<img src="../secret.png" alt="x"/><img src="https://example.org/x.png" alt="y"/>'
    result = parse_qti(package({"items/a.xml": item(extra=extra)}, ["items/a.xml"]))
    (parsed,) = result.questions
    assert "<img" not in parsed.stem and parsed.images == {}
    assert [w.params["name"] for w in result.warnings] == [
        "../secret.png",
        "https://example.org/x.png",
    ]


def test_zip_bomb_ratio_is_refused() -> None:
    bomb = b"\0" * (20 * 1024 * 1024)
    result = parse_qti(package({"a.xml": item(), "big.bin": bomb}, ["a.xml"]))
    assert result.questions == []
    assert any("zip bomb" in e.message for e in result.errors)


def test_svg_and_fake_images_are_dropped_with_a_warning() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    files: dict[str, bytes | str] = {
        "a.xml": item(extra='<img src="x.svg" alt="s"/><img src="y.png" alt="p"/>'),
        "x.svg": svg,
        "y.png": b"not an image",
    }
    result = parse_qti(package(files, ["a.xml"]))
    (parsed,) = result.questions
    assert parsed.images == {}
    assert [w.params["name"] for w in result.warnings] == ["x.svg", "y.png"]
    assert "SVG" in result.warnings[0].message


def test_one_bad_item_does_not_stop_the_others() -> None:
    files: dict[str, bytes | str] = {"a.xml": item("a"), "b.xml": "<broken", "c.xml": item("c")}
    result = parse_qti(package(files, ["a.xml", "b.xml", "c.xml", "missing.xml"]))
    assert [q.uid for q in result.questions] == ["a", "c"]
    assert [(e.title, e.code) for e in result.errors] == [
        ("b.xml", "not_xml"),
        ("missing.xml", "item_missing"),
    ]


def test_not_a_manifest_nor_an_item() -> None:
    assert [e.code for e in parse_qti("<quiz/>").errors] == ["not_item"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.xml", item())
    assert [e.code for e in parse_qti(buffer.getvalue()).errors] == ["no_manifest"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (item(), True),
        ('<?xml version="1.0"?>\n<!-- c -->\n<assessmentItem xmlns="x"/>', True),
        (b"PK\x03\x04rest", True),
        ("<quiz></quiz>", False),
        ("Q?\nA. x\nB. y\nANSWER: A", False),
    ],
)
def test_detection(source: str | bytes, expected: bool) -> None:
    assert is_qti(source) is expected


# --- export and round trip -----------------------------------------------------------------
IMAGE = png(200, 100)

PLATFORM: list[dict[str, Any]] = [
    {
        "uid": "sc",
        "type": "single_choice",
        "title": "Coffee",
        "stem": "<p>Which chapter covers <strong>coffee</strong>?</p>",
        "points": 2,
        "feedback": {"correct": "Yes.", "incorrect": "No: chapter 9."},
        "data": {
            "options": [
                {"id": "a", "text": "Chapter 8", "feedback": "Tea is in chapter 9 too."},
                {"id": "b", "text": "Chapter 9"},
            ],
            "correct": "b",
            "fractions": {"a": 0.5, "b": 1},
        },
        "tags": [],
    },
    {
        "uid": "mr",
        "type": "multiple_response",
        "title": "Documents",
        "stem": "<p>Which documents travel with transit goods?</p><ul><li>Pick all</li></ul>",
        "points": 1,
        "feedback": {},
        "data": {
            "options": [
                {"id": "a", "text": "T1"},
                {"id": "b", "text": "CMR"},
                {"id": "c", "text": "Passport"},
            ],
            "correct": ["a", "b"],
            "scoring": "per_option",
        },
        "tags": [],
    },
    {
        "uid": "mr-weights",
        "type": "multiple_response",
        "title": "Weights",
        "stem": "<p>Weights</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "options": [
                {"id": "a", "text": "x"},
                {"id": "b", "text": "y"},
                {"id": "c", "text": "z"},
                {"id": "d", "text": "w"},
            ],
            "correct": ["a", "b"],
            "fractions": {"a": 1, "b": 0.5, "c": -1},
            "scoring": "right_minus_wrong",
        },
        "tags": [],
    },
    {
        "uid": "ord",
        "type": "ordering",
        "title": "Steps",
        "stem": "<p>Order the steps.</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "items": [{"id": "i1", "text": "Declare"}, {"id": "i2", "text": "Inspect"}],
            "correct_order": ["i1", "i2"],
            "scoring": "adjacent_pairs",
        },
        "tags": [],
    },
    {
        "uid": "match",
        "type": "matching",
        "title": "Codes",
        "stem": "<p>Match.</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "premises": [{"id": "p1", "text": "Coffee"}, {"id": "p2", "text": "Tea"}],
            "responses": [
                {"id": "r1", "text": "0901"},
                {"id": "r2", "text": "0902"},
                {"id": "r3", "text": "0903"},
            ],
            "correct": {"p1": "r1", "p2": "r2"},
            "scoring": "per_premise",
        },
        "tags": [],
    },
    {
        "uid": "match-all",
        "type": "matching",
        "title": "Codes all",
        "stem": "<p>Match all.</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "premises": [{"id": "p1", "text": "Coffee"}, {"id": "p2", "text": "Tea"}],
            "responses": [{"id": "r1", "text": "0901"}, {"id": "r2", "text": "0902"}],
            "correct": {"p1": "r1", "p2": "r2"},
            "scoring": "all_or_nothing",
        },
        "tags": [],
    },
    {
        "uid": "essay",
        "type": "essay",
        "title": "Report",
        "stem": "<p>Write the report.</p>",
        "points": 5,
        "feedback": {},
        "data": {
            "min_words": 20,
            "max_words": 200,
            "attachments": 0,
            "attachments_required": 0,
            "file_types": [],
            "rubric": None,
            "grader_info": "<p>Look for the <em>seal</em> number.</p>",
            "response_template": "Seal:\nRoute:",
        },
        "tags": [],
    },
    {
        "uid": "hs",
        "type": "hotspot",
        "title": "Seal on the truck",
        "stem": '<p>Click the seal.</p><p><img src="@@PLUGINFILE@@/truck.png" alt="truck"></p>',
        "points": 1,
        "feedback": {},
        "data": {
            "image": {"name": "@@PLUGINFILE@@/truck.png", "width": 200, "height": 100, "alt": "A"},
            "regions": [
                {"id": "r1", "label": "Seal", "shape": "rect", "coords": [10, 10, 20, 30]},
                {
                    "id": "r2",
                    "label": "Door",
                    "shape": "polygon",
                    "coords": [[50, 50], [60.5, 50], [55, 70]],
                },
            ],
            "targets": "all",
            "max_clicks": 3,
            "wrong_click_penalty": 0.25,
        },
        "tags": [],
    },
    {
        "uid": "hs-any",
        "type": "hotspot",
        "title": "Any",
        "stem": "<p>Any.</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "image": {"name": "@@PLUGINFILE@@/truck.png", "width": 200, "height": 100, "alt": "A"},
            "regions": [
                {"id": "r1", "label": "Seal", "shape": "rect", "coords": [10, 10, 20, 30]},
                {"id": "r2", "label": "Lock", "shape": "rect", "coords": [100, 10, 20, 30]},
            ],
            "targets": "any",
            "max_clicks": 1,
            "wrong_click_penalty": 0,
        },
        "tags": [],
    },
]
OPTIONAL: list[dict[str, Any]] = [
    {
        "uid": "tf",
        "type": "true_false",
        "title": "Seal",
        "stem": "<p>A broken seal must be reported.</p>",
        "points": 1,
        "feedback": {},
        "data": {"correct": True, "feedback_false": "It must: article 12."},
        "tags": [],
    },
    {
        "uid": "num",
        "type": "numeric",
        "title": "Years",
        "stem": "<p>How many years are records kept?</p>",
        "points": 1,
        "feedback": {},
        "data": {"answer": 5, "tolerance": 0, "unit": "years"},
        "tags": [],
    },
    {
        "uid": "num-answers",
        "type": "numeric",
        "title": "Weight",
        "stem": "<p>Net weight in kg?</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "answers": [
                {"value": 12.5, "tolerance": 0.5, "fraction": 1},
                {"value": 12, "tolerance": 0, "fraction": 0.5},
            ],
            "units": [],
            "unit_handling": "none",
            "unit_penalty": 0,
        },
        "tags": [],
    },
    {
        "uid": "sa",
        "type": "short_answer",
        "title": "Seal",
        "stem": "<p>Which seal number?</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "answers": [
                {"id": "a1", "text": "PE-004512", "fraction": 1},
                {"id": "a2", "text": "Précinto", "fraction": 0.5},
            ],
            "case_sensitive": False,
            "ignore_accents": True,
            "ignore_spaces": True,
        },
        "tags": [],
    },
    {
        "uid": "cloze",
        "type": "cloze",
        "title": "Cloze",
        "stem": "<p>Coffee is heading {{g1}}, weight {{g2}} kg, origin {{g3}}.</p>",
        "points": 3,
        "feedback": {},
        "data": {
            "gaps": [
                {
                    "id": "g1",
                    "kind": "short_answer",
                    "weight": 1,
                    "answers": [{"id": "a1", "text": "0901", "fraction": 1}],
                    "case_sensitive": False,
                },
                {
                    "id": "g2",
                    "kind": "numeric",
                    "weight": 2,
                    "answers": [{"value": 12.5, "tolerance": 0.5, "fraction": 1}],
                },
                {
                    "id": "g3",
                    "kind": "choice",
                    "weight": 1,
                    "options": [
                        {"id": "a", "text": "Brazil", "fraction": 1},
                        {"id": "b", "text": "Peru", "fraction": 0},
                    ],
                    "display": "radio",
                },
            ]
        },
        "tags": [],
    },
    {
        "uid": "ddt",
        "type": "drag_drop_text",
        "title": "Words",
        "stem": "<p>The {{g1}} declares the {{g2}}.</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "mode": "drag",
            "choices": [
                {"id": "c1", "text": "declarant", "group": 1, "unlimited": False},
                {"id": "c2", "text": "goods", "group": 2, "unlimited": True},
            ],
            "gaps": [{"id": "g1", "correct": "c1"}, {"id": "g2", "correct": "c2"}],
            "shuffle": True,
        },
        "tags": [],
    },
    {
        "uid": "ddi",
        "type": "drag_drop_image",
        "title": "Labels",
        "stem": "<p>Put the labels on the truck.</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "image": {"name": "@@PLUGINFILE@@/truck.png", "width": 200, "height": 100, "alt": "T"},
            "items": [
                {"id": "i1", "text": "Seal", "group": 1, "unlimited": False},
                {"id": "i2", "text": "Plate", "group": 1, "unlimited": False},
            ],
            "zones": [{"id": "z1", "x": 10, "y": 20, "correct": "i1"}],
        },
        "tags": [],
    },
    {
        "uid": "desc",
        "type": "description",
        "title": "About",
        "stem": "<p>The next questions are about transit.</p>",
        "points": 0,
        "feedback": {},
        "data": {},
        "tags": [],
    },
]
QUESTIONS = PLATFORM + [
    q for q in OPTIONAL if q["type"] in REGISTRY and not validate_question(q["type"], q["data"])
]


@pytest.mark.parametrize("platform", QUESTIONS, ids=lambda q: q["uid"])
def test_platform_questions_are_valid(platform: dict[str, Any]) -> None:
    assert validate_question(platform["type"], platform["data"]) == []


def comparable(parsed: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(parsed, sort_keys=True)
    return json.loads(re.sub(r"@@PLUGINFILE@@/[^\"]*?truck[^\"]*\.png", "TRUCK", text))


def test_round_trip_of_every_type_through_a_package() -> None:
    data, skipped = export_qti_package(QUESTIONS, {"truck.png": IMAGE}, title="Bank")
    assert skipped == []
    result = parse_qti(data)
    assert result.errors == [] and result.warnings == []
    back = {q.uid: q.as_dict() for q in result.questions}
    assert list(back) == [q["uid"] for q in QUESTIONS]
    for original in QUESTIONS:
        assert comparable(back[original["uid"]]) == comparable(original), original["uid"]
    hotspot = next(q for q in result.questions if q.uid == "hs")
    assert hotspot.images["images/truck.png"].data == IMAGE


@corpus
def test_round_trip_of_the_corpus() -> None:
    questions, files = [], {}
    for path in FILES:
        for number, parsed in enumerate(parse_qti(path.read_bytes()).questions):
            parsed.uid = f"{path.stem[:40]}-{number}"
            questions.append(parsed)
            files.update({name: image.data for name, image in parsed.images.items()})
    data, skipped = export_qti_package([q.as_dict() for q in questions], files)
    assert skipped == []
    back = {q.uid: q for q in parse_qti(data).questions}
    assert len(back) == len(questions)
    for original in questions:
        again = back[original.uid]
        pattern = r"@@PLUGINFILE@@/[^\"]*"
        assert re.sub(pattern, "IMG", json.dumps(again.as_dict(), sort_keys=True)) == re.sub(
            pattern, "IMG", json.dumps(original.as_dict(), sort_keys=True)
        )
        assert sorted(i.data for i in again.images.values()) == sorted(
            i.data for i in original.images.values()
        )


Q = "{" + NS + "}"


def test_exported_item_is_structurally_qti3() -> None:
    text = export_qti_item(PLATFORM[0])
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == Q + "qti-assessment-item"
    assert root.get("identifier") == "sc" and root.get("title") == "Coffee"
    order = [child.tag.removeprefix(Q) for child in root]
    assert order == [
        "qti-response-declaration",
        "qti-outcome-declaration",
        "qti-outcome-declaration",
        "qti-outcome-declaration",
        "qti-item-body",
        "qti-response-processing",
        "qti-modal-feedback",
        "qti-modal-feedback",
    ]
    declaration = root.find(Q + "qti-response-declaration")
    assert declaration is not None
    assert declaration.attrib == {
        "identifier": "RESPONSE",
        "cardinality": "single",
        "base-type": "identifier",
    }
    assert [v.text for v in declaration.iter(Q + "qti-value")] == ["b"]
    assert [
        (e.get("map-key"), e.get("mapped-value")) for e in declaration.iter(Q + "qti-map-entry")
    ] == [("a", "0.5"), ("b", "1")]
    processing = root.find(Q + "qti-response-processing")
    assert processing is not None
    assert processing.get("template") == (
        "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response.xml"
    )
    interaction = root.find(f"{Q}qti-item-body/{Q}qti-choice-interaction")
    assert interaction is not None and interaction.get("response-identifier") == "RESPONSE"
    assert [c.get("identifier") for c in interaction] == ["a", "b"]
    maxscore = root.findall(Q + "qti-outcome-declaration")[1]
    assert maxscore.get("identifier") == "MAXSCORE"
    assert [v.text for v in maxscore.iter(Q + "qti-value")] == ["2"]


def test_match_correct_template_without_partial_credit() -> None:
    root = ET.fromstring(
        export_qti_item(next(q for q in PLATFORM if q["uid"] == "ord")).encode("utf-8")
    )
    processing = root.find(Q + "qti-response-processing")
    assert processing is not None and processing.get("template", "").endswith(
        "/rptemplates/match_correct.xml"
    )
    declaration = root.find(Q + "qti-response-declaration")
    assert declaration is not None and declaration.get("cardinality") == "ordered"


def test_package_manifest() -> None:
    data, _ = export_qti_package(PLATFORM, {"truck.png": IMAGE}, title="Bank")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    cp = "{http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1}"
    assert manifest.tag == cp + "manifest"
    resources = manifest.findall(f"{cp}resources/{cp}resource")
    assert [r.get("type") for r in resources] == ["imsqti_item_xmlv3p0"] * len(PLATFORM)
    hotspot = next(r for r in resources if r.get("identifier") == "hs")
    assert [f.get("href") for f in hotspot.findall(cp + "file")] == [
        "items/hs.xml",
        "items/images/truck.png",
    ]
    assert "items/images/truck.png" in names and names.count("items/images/truck.png") == 1


def test_export_reports_what_it_cannot_write() -> None:
    unknown = {"uid": "m", "type": "drag_drop_marker", "title": "TF", "data": {}}
    broken = {"uid": "b", "type": "single_choice", "title": "Broken", "data": {}}
    no_image = {**next(q for q in PLATFORM if q["uid"] == "hs"), "uid": "hs2", "title": "No image"}
    data, skipped = export_qti_package([unknown, broken, no_image], {})
    assert skipped == [
        ("TF", MESSAGES["export_unknown_type"]),
        ("Broken", MESSAGES["export_invalid"]),
        ("No image", MESSAGES["export_image"]),
    ]
    assert parse_qti(data).errors[0].code == "no_items"


def test_items_sharing_an_identifier_stay_separate_questions() -> None:
    files: dict[str, bytes | str] = {"a.xml": item("same"), "b.xml": item("same")}
    result = parse_qti(package(files, ["a.xml", "b.xml"]))
    assert [q.uid for q in result.questions] == ["same", "same-2"]


def test_a_too_large_image_is_left_out_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qti, "MAX_IMAGE_BYTES", 10)
    files: dict[str, bytes | str] = {
        "a.xml": item(extra='<img src="p.png" alt="p"/>'),
        "p.png": png(),
    }
    result = parse_qti(package(files, ["a.xml", "a.xml"]))
    (parsed,) = result.questions  # listed twice in the manifest, read once
    assert parsed.images == {}
    assert [(w.code, w.params["name"]) for w in result.warnings] == [("image_dropped", "p.png")]
    assert "too large" in result.warnings[0].message


def test_a_good_image_in_a_package_is_kept() -> None:
    files: dict[str, bytes | str] = {
        "items/a.xml": item(extra='<img src="img/p%20q.png" alt="p"/>'),
        "items/img/p q.png": png(),
    }
    (parsed,) = parse_qti(package(files, ["items/a.xml"])).questions
    assert parsed.stem.endswith('<img src="@@PLUGINFILE@@/img/p%20q.png" alt="p"></p>')
    assert parsed.images["img/p%20q.png"].width == 4


def test_hostile_manifests_and_items() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "imsmanifest.xml",
            '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<manifest><resources>&x;</resources></manifest>",
        )
    result = parse_qti(buffer.getvalue())
    assert [(e.title, e.code) for e in result.errors] == [("imsmanifest.xml", "unsafe_xml")]
    deep = item(extra="<span>" * 5000 + "x" + "</span>" * 5000)
    (error,) = parse_qti(deep).errors  # nested too deeply for the parser or the reader
    assert error.code in ("not_xml", "malformed")
    assert parse_qti(b"PK\x03\x04 not really a zip").errors[0].code == "package_problem"
    assert parse_qti("").errors[0].code == "not_xml"


@corpus
def test_select_point_is_a_hotspot_with_its_scored_areas() -> None:
    item = question(read("1edtech__qti22_items.zip"), "selectPoint")
    assert item.type == "hotspot"
    (region,) = item.data["regions"]
    for x, y in region["coords"]:  # the area: a circle at (102, 113), radius 16
        assert abs(((x - 102) ** 2 + (y - 113) ** 2) ** 0.5 - 16) < 0.01
    assert (item.data["targets"], item.data["max_clicks"]) == ("any", 1)
    assert item.data["image"]["name"] == "@@PLUGINFILE@@/images/uk.png"


def test_the_types_carry_the_mappings_and_the_format_has_no_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """QTI asks the type registry and nothing else: a type without its mapping is neither
    read nor written."""
    platform = next(q for q in PLATFORM if q["uid"] == "ord")
    item = export_qti_item(platform)
    (back,) = parse_qti(item).questions
    assert (back.type, back.data) == ("ordering", platform["data"])
    ordering = type(REGISTRY["ordering"])
    monkeypatch.setattr(ordering, "qti_interactions", ())
    result = parse_qti(item)
    assert result.questions == []
    assert result.errors[0].params == {"name": "qti-order-interaction"}
    monkeypatch.delattr(ordering, "qti_write")
    with pytest.raises(ValueError, match="export_unknown_type"):
        export_qti_item(platform)


def test_one_type_reads_an_interaction_unless_the_export_marked_another() -> None:
    """Types that share an interaction tell their items apart (``qti_accepts``): a choice
    is single or multiple by its cardinality; true/false and numeric questions are read
    as such only from the platform's marked export, else they are the single choice and
    short answer any other tool's item would be."""
    claims: dict[str, list[Any]] = {}
    for qtype in REGISTRY.values():
        for name in qtype.qti_interactions:
            claims.setdefault(name, []).append(qtype)
    shared = {name: types for name, types in claims.items() if len(types) > 1}
    assert set(shared) == {"choice-interaction", "text-entry-interaction"}
    for types in shared.values():  # all but one decide which items are theirs
        takes_all = [t.name for t in types if type(t).qti_accepts is QuestionType.qti_accepts]
        assert len(takes_all) <= 1, takes_all
    for uid, marked, unmarked in (
        ("tf", "true_false", "single_choice"),
        ("num", "numeric", "short_answer"),
    ):
        platform = next(q for q in OPTIONAL if q["uid"] == uid)
        item = export_qti_item(platform)
        assert parse_qti(item).questions[0].type == marked
        stripped = re.sub(r' data-platform-type="[a-z_]+"', "", item)
        assert parse_qti(stripped).questions[0].type == unmarked
