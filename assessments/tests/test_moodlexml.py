"""Moodle XML read and written without the database: every file of the corpus
(``../shared/corpora/moodlexml``, Moodle's own fixtures, see its ``MANIFEST.tsv``) is read
without a crash, with the questions and refusals expected; each type's export has the
elements of Moodle's fixture; export then import gives the same questions; hostile files
are refused.

``LMS_MOODLEXML_CORPUS`` (folders separated by ``os.pathsep``) points the crash and round
trip tests at other folders of real files, for acceptance runs.
"""

from __future__ import annotations

import base64
import io
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from assessments.interchange import moodlexml
from assessments.interchange.moodlexml import (
    MESSAGES,
    export_moodlexml,
    format_percent,
    is_moodlexml,
    parse_moodlexml,
)
from assessments.types import REGISTRY

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "moodlexml"
EXTRA = [Path(p) for p in os.environ.get("LMS_MOODLEXML_CORPUS", "").split(os.pathsep) if p]
FILES = sorted(
    path for folder in [CORPUS, *EXTRA] if folder.is_dir() for path in folder.glob("*.xml")
)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the Moodle XML corpus is absent")


def read(name: str) -> moodlexml.ImportResult:
    return parse_moodlexml((CORPUS / name).read_text("utf-8"))


def only(name: str) -> moodlexml.MoodleQuestion:
    result = read(name)
    assert result.errors == [] and len(result.questions) == 1
    return result.questions[0]


# What each corpus file gives: (platform types read, codes of the refused questions).
EXPECTED = {
    "moodle-main__format_xml__deprecated_category.xml": (["true_false"], []),
    "moodle-main__format_xml__error_invalid_grades.xml": ([], ["invalid_grade"]),
    "moodle-main__format_xml__html_chars_in_idnumbers.xml": (["true_false"], []),
    "moodle37__format_xml__broken_cloze_questions.xml": (
        [],
        [
            "cloze_no_gaps",
            "cloze_too_few_choices",
            "cloze_too_few_choices",
            "cloze_no_full_credit",
            "cloze_bad_number",
        ],
    ),
    "moodle37__format_xml__categories_reverse_order.xml": (["essay", "short_answer"], []),
    "moodle37__format_xml__category_with_description.xml": (["true_false"], []),
    "moodle37__format_xml__export_category.xml": (["true_false"], []),
    "moodle37__format_xml__multianswer.xml": (["cloze"], []),
    "moodle37__format_xml__multichoice.xml": (["single_choice"], []),
    "moodle37__format_xml__nested_categories.xml": (["true_false"], []),
    "moodle37__format_xml__nested_categories_with_questions.xml": (
        ["true_false", "essay", "true_false", "true_false", "true_false"],
        [],
    ),
    "moodle37__format_xml__old_format_file.xml": (["true_false", "true_false"], []),
    "moodle37__format_xml__sample_questions_with_old_image_tag.xml": (
        ["cloze", "single_choice"],
        [],
    ),
    "moodle37__format_xml__truefalse.xml": (["true_false", "true_false"], []),
    "moodle37__qtype_ddimageortext__testquestion.moodle.xml": (["drag_drop_image"], []),
    "moodle37__qtype_ddmarker__testquestion.moodle.xml": (["drag_drop_marker"], []),
    "moodle37__qtype_ddwtos__testquestion.moodle.xml": (["drag_drop_text"], []),
    "moodle37__qtype_description__testquestion.moodle.xml": (["description"], []),
    "moodle37__qtype_essay__testquestion.moodle.xml": (["essay"], []),
    "moodle37__qtype_gapselect__testquestion.moodle.xml": (["drag_drop_text"], []),
    "moodle37__qtype_match__testquestion.moodle.xml": (["matching"], []),
    "moodle37__qtype_multichoice__testquestion.moodle.xml": (["multiple_response"], []),
    "moodle37__qtype_numerical__testquestion.moodle.xml": (["numeric"], []),
    "moodle37__qtype_shortanswer__testquestion.moodle.xml": (["short_answer"], []),
    "moodle37__qtype_truefalse__testquestion.moodle.xml": (["true_false"], []),
}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_file_is_read_without_a_crash(path):
    result = parse_moodlexml(path.read_text("utf-8"))
    root = ET.parse(path).getroot()
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    assert len(result.questions) + len(result.errors) == len(questions)
    for error in result.errors:
        assert error.code in MESSAGES and error.line >= 1 and error.title
        assert error.message  # the placeholders are all filled
    for question in result.questions:
        assert question.line >= 1 and question.title and question.type


def test_every_corpus_file_is_expected():
    """A new file in the corpus gets its line in EXPECTED."""
    assert sorted(p.name for p in CORPUS.glob("*.xml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_gives_the_expected_questions_and_refusals(name):
    types, codes = EXPECTED[name]
    result = read(name)
    assert [q.type for q in result.questions] == types
    assert [e.code for e in result.errors] == codes


def test_multichoice_keeps_fractions_and_feedback():
    question = only("moodle37__qtype_multichoice__testquestion.moodle.xml")
    assert question.title == "Multi-choice-001"
    assert question.stem == "Find the capital cities in Europe."
    options = question.data["options"]
    assert [o["text"] for o in options] == ["Tokyo", "Spain", "London", "Barcelona", "Paris"]
    assert question.data["fractions"] == {"c": 0.5, "e": 0.5}
    assert question.data["correct"] == ["c", "e"]
    assert question.data["scoring"] == "right_minus_wrong"
    assert question.data["penalty"] == 0.3333333
    assert question.feedback == {
        "general": "Berlin, Paris and London",
        "correct": "Your answer is correct.",
        "partial": "Your answer is partially correct.",
        "incorrect": "Your answer is incorrect.",
    }
    assert question.data["hints"] == [{"text": "First hint"}, {"text": "Second hint"}]
    assert question.tags == ["Default for C1"]


def test_single_multichoice_keeps_per_answer_feedback_and_drops_the_linked_sound():
    question = only("moodle37__format_xml__multichoice.xml")
    assert question.type == "single_choice" and question.data["correct"] == "b"
    assert [(o["text"], o.get("feedback")) for o in question.data["options"]] == [
        ("English", "Sorry, listen again."),
        ("French", "Yes, well done!"),
        ("German", "Sorry, listen again."),
        ("Danish", "Sorry, listen again."),
    ]
    assert question.data["penalty"] == 0.1
    assert "fractions" not in question.data  # only the right answer earns credit
    assert "<a" not in question.stem and "bonjour.mp3" not in question.stem
    assert "Listen to this greeting:" in question.stem
    # What it lost is said: the flags of its answers and the sound behind the link.
    warnings = read("moodle37__format_xml__multichoice.xml").warnings
    assert [(w.line, w.title, w.code, w.params) for w in warnings] == [
        (12, "Greeting", "images_dropped", {"count": 4}),
        (12, "Greeting", "files_dropped", {"names": "bonjour.mp3"}),
    ]
    assert question.tags == ["Default for testhead", "Multichoice"]


def test_invalid_grade_is_reported_with_name_line_and_value():
    (error,) = read("moodle-main__format_xml__error_invalid_grades.xml").errors
    assert error.line == 4
    assert error.title == "Question with invalid grades : x > 1 & x < 2"
    assert error.params == {"value": "33", "number": 2}


def test_truefalse_feedback_per_answer():
    question = only("moodle37__qtype_truefalse__testquestion.moodle.xml")
    assert question.data["correct"] is True
    assert question.data["feedback_true"] == "This is the right answer."
    assert question.data["feedback_false"] == "This is the wrong answer."
    assert question.feedback == {"general": "You should have selected true."}
    assert question.data["penalty"] == 1


def test_shortanswer_answers_fractions_and_feedback():
    question = only("moodle37__qtype_shortanswer__testquestion.moodle.xml")
    assert question.type == "short_answer"
    assert question.data["case_sensitive"] is False
    assert [(a["text"], a["fraction"], a["feedback"]) for a in question.data["answers"]] == [
        ("frog", 1, "Frog is a very good answer."),
        ("toad", 0.8, "Toad is an OK good answer."),
        ("*", 0, "That is a bad answer."),
    ]


SINGLE_WITH_CREDITS = """<quiz>
  <question type="multichoice">
    <name><text>Seals</text></name>
    <questiontext><text>Which seal?</text></questiontext>
    <single>true</single>
    <answer fraction="100"><text>Bolt seal</text></answer>
    <answer fraction="100"><text>Cable seal</text></answer>
    <answer fraction="33.33333"><text>Padlock</text></answer>
    <answer fraction="-50"><text>Tape</text></answer>
    <answer fraction="0"><text>None</text></answer>
  </question>
</quiz>"""


def test_single_choice_with_several_right_answers_and_credits():
    (question,) = parse_moodlexml(SINGLE_WITH_CREDITS).questions
    assert question.type == "single_choice" and question.data["correct"] == "a"
    assert question.data["fractions"] == {"a": 1, "b": 1, "c": 0.3333333, "d": -0.5}
    text, _ = export_moodlexml([question.as_dict()])
    assert [f for f in re.findall(r'fraction="([^"]+)"', text)] == [
        "100",
        "100",
        "33.33333",
        "-50",
        "0",
    ]
    again = parse_moodlexml(text).questions[0].data
    assert {k: v for k, v in again.items() if k != "moodle"} == question.data
    problems: list[str] = []
    REGISTRY["single_choice"].validate(question.data, problems)
    assert problems == []


def test_numerical_answer_and_tolerance():
    question = only("moodle37__qtype_numerical__testquestion.moodle.xml")
    assert question.type == "numeric"
    assert question.data["answer"] == 6.25 and question.data["tolerance"] == 0.05


NUMERICAL_WITH_UNITS = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="numerical">
    <name><text>Gross mass</text></name>
    <questiontext format="html"><text>Mass of the pallet?</text></questiontext>
    <defaultgrade>2</defaultgrade>
    <penalty>0.1</penalty>
    <answer fraction="100"><text>1500</text><tolerance>10</tolerance>
      <feedback><text>Right.</text></feedback></answer>
    <answer fraction="50"><text>1500</text><tolerance>100</tolerance>
      <feedback><text>Close.</text></feedback></answer>
    <answer fraction="0"><text>*</text><feedback><text>Weigh it again.</text></feedback></answer>
    <units>
      <unit><multiplier>1</multiplier><unit_name>kg</unit_name></unit>
      <unit><multiplier>0.001</multiplier><unit_name>g</unit_name></unit>
    </units>
    <unitgradingtype>1</unitgradingtype>
    <unitpenalty>0.2500000</unitpenalty>
    <showunits>0</showunits>
    <unitsleft>0</unitsleft>
  </question>
</quiz>
"""


def test_numerical_with_units_and_several_answers():
    (question,) = parse_moodlexml(NUMERICAL_WITH_UNITS).questions
    assert question.points == 2
    assert question.data["answers"] == [
        {"value": 1500, "tolerance": 10, "fraction": 1, "feedback": "Right."},
        {"value": 1500, "tolerance": 100, "fraction": 0.5, "feedback": "Close."},
        {"value": None, "fraction": 0, "feedback": "Weigh it again."},
    ]
    assert question.data["units"] == [
        {"unit": "kg", "multiplier": 1},
        {"unit": "g", "multiplier": 0.001},
    ]
    assert question.data["unit_handling"] == "required"
    assert question.data["unit_penalty"] == 0.25
    text, skipped = export_moodlexml([question.as_dict()])
    assert skipped == []
    (again,) = parse_moodlexml(text).questions
    assert again.data == question.data


def test_matching_with_a_distractor():
    question = only("moodle37__qtype_match__testquestion.moodle.xml")
    data = question.data
    assert [p["text"] for p in data["premises"]] == ["frog", "cat", "newt"]
    assert [r["text"] for r in data["responses"]] == ["amphibian", "mammal", "insect"]
    assert data["correct"] == {"p1": "r1", "p2": "r2", "p3": "r1"}
    assert data["scoring"] == "per_premise"
    assert question.feedback["correct"] == "Well done!"


def test_essay_keeps_every_field():
    question = only("moodle37__qtype_essay__testquestion.moodle.xml")
    data = question.data
    assert data["response_format"] == "editor" and data["response_required"] is True
    assert data["attachments"] == 0 and data["attachments_required"] == 0
    assert data["file_types"] == [] and data["min_words"] is None
    assert data["moodle"]["responsefieldlines"] == "15"


def test_description_has_no_points():
    question = only("moodle37__qtype_description__testquestion.moodle.xml")
    assert question.type == "description" and question.points == 0 and question.stem


def test_cloze_gaps_and_markers():
    question = only("moodle37__format_xml__multianswer.xml")
    gaps = question.data["gaps"]
    assert [g["kind"] for g in gaps] == ["choice"] * 4 + ["short_answer"]
    assert "{{g1}}" in question.stem and "{{g5}}" in question.stem and "{1:" not in question.stem
    assert gaps[1]["options"] == [
        {"id": "a", "text": "California", "fraction": 0, "feedback": "Wrong"},
        {"id": "b", "text": "Arizona", "fraction": 1, "feedback": "OK"},
    ]
    assert [(a["text"], a["fraction"]) for a in gaps[4]["answers"]] == [
        ("Paris", 1),
        ("Marseille", 0.5),
        ("*", 0),
    ]
    assert gaps[4]["answers"][0]["feedback"] == "Congratulations!"
    # Both flags are kept as images in the stem.
    assert sorted(question.images) == ["arizona_2.png", "california-state-flag.png"]
    assert 'src="@@PLUGINFILE@@/arizona_2.png" alt="Arizona flag"' in question.stem


def test_cloze_syntax_variants():
    text = (
        '<quiz><question type="cloze"><name><text>Variants</text></name>'
        '<questiontext format="html"><text><![CDATA[<p>'
        "{2:SAC:=Seal}{:NM:=3.5:0.1#ok~%50%3:1}{1:MCH:a~=b}{1:MRS:%50%a~%50%b~%-100%c}"
        "{1:MULTICHOICE_VS:x~=y\\~z}"
        "</p>]]></text></questiontext></question></quiz>"
    )
    (question,) = parse_moodlexml(text).questions
    gaps = question.data["gaps"]
    assert gaps[0]["weight"] == 2 and gaps[0]["case_sensitive"] is True
    assert gaps[1]["answers"] == [
        {"value": 3.5, "tolerance": 0.1, "fraction": 1, "feedback": "ok"},
        {"value": 3, "tolerance": 1, "fraction": 0.5},
    ]
    assert gaps[2]["display"] == "radio" and gaps[2]["moodle"] == "MULTICHOICE_H"
    assert gaps[3]["display"] == "checkbox" and gaps[3]["moodle"] == "MULTIRESPONSE_S"
    assert [o["fraction"] for o in gaps[3]["options"]] == [0.5, 0.5, -1]
    assert gaps[4]["options"][1]["text"] == "y~z"
    exported, _ = export_moodlexml([question.as_dict()])
    (again,) = parse_moodlexml(exported).questions
    assert again.data == question.data and again.stem == question.stem


def test_gapselect_becomes_drag_drop_text():
    question = only("moodle37__qtype_gapselect__testquestion.moodle.xml")
    assert question.stem == "The {{g1}} {{g2}} on the {{g3}}."
    assert question.data["mode"] == "select"
    assert [c["text"] for c in question.data["choices"]] == ["cat", "sat", "mat", "dog", "table"]
    assert question.data["gaps"] == [
        {"id": "g1", "correct": "c1"},
        {"id": "g2", "correct": "c2"},
        {"id": "g3", "correct": "c3"},
    ]


def test_ddwtos_becomes_drag_drop_text_in_drag_mode():
    text = (
        '<quiz><question type="ddwtos"><name><text>Words</text></name>'
        '<questiontext format="html"><text>[[2]] goes before [[1]].</text></questiontext>'
        "<dragbox><text>declaration</text><group>1</group></dragbox>"
        "<dragbox><text>arrival</text><group>1</group><infinite/></dragbox>"
        "</question></quiz>"
    )
    (question,) = parse_moodlexml(text).questions
    assert question.data["mode"] == "drag"
    assert question.data["gaps"] == [{"id": "g1", "correct": "c2"}, {"id": "g2", "correct": "c1"}]
    assert question.data["choices"][1]["unlimited"] is True
    exported, _ = export_moodlexml([question.as_dict()])
    assert "[[2]] goes before [[1]]." in exported and "<dragbox>" in exported
    assert parse_moodlexml(exported).questions[0].data == question.data


def test_ddimageortext_background_items_and_zones():
    question = only("moodle37__qtype_ddimageortext__testquestion.moodle.xml")
    data = question.data
    assert data["image"] == {
        "name": "@@PLUGINFILE@@/oceanfloorbase.jpg",
        "width": 579,
        "height": 149,
        "alt": "",
    }
    assert question.images["oceanfloorbase.jpg"].content_type == "image/jpeg"
    assert len(data["items"]) == 8 and data["items"][0]["text"] == "island\narc"
    assert data["zones"][0] == {"id": "z1", "x": 53, "y": 17, "correct": "i7"}


def test_ddmarker_markers_and_zones():
    question = only("moodle37__qtype_ddmarker__testquestion.moodle.xml")
    data = question.data
    assert data["image"]["name"] == "@@PLUGINFILE@@/mkmap.png"
    assert data["markers"] == [
        {"id": "m1", "text": "OU", "count": 1},
        {"id": "m2", "text": "Railway station", "count": 3},
    ]
    assert data["zones"][0] == {
        "id": "z1",
        "marker": "m1",
        "shape": "circle",
        "coords": [322, 213, 10],
    }
    assert data["moodle"]["showmisplaced"] is True


def test_categories_become_tags_and_idnumbers_fit_or_not():
    questions = read("moodle37__format_xml__nested_categories_with_questions.xml").questions
    assert [q.tags for q in questions] == [
        ["Iota"],
        ["Iota", "Kappa"],
        ["Iota", "Kappa"],
        ["Iota", "Kappa", "Lambda"],
        ["Iota", "Mu"],
    ]
    reverse = read("moodle37__format_xml__categories_reverse_order.xml").questions
    assert [q.tags for q in reverse] == [["Sigma", "Tau"], ["Sigma"]]
    (odd,) = read("moodle-main__format_xml__html_chars_in_idnumbers.xml").questions
    assert odd.uid is None  # "T & F" is not an identifier
    text = (
        '<quiz><question type="truefalse"><name><text>T</text></name>'
        "<questiontext><text>Sealed?</text></questiontext><idnumber>seal-01</idnumber>"
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer>'
        "<tags><tag><text>seals</text></tag></tags></question></quiz>"
    )
    (question,) = parse_moodlexml(text).questions
    assert question.uid == "seal-01" and question.tags == ["seals"]


def test_a_repeated_idnumber_is_kept_once():
    question = (
        '<question type="truefalse"><name><text>{name}</text></name>'
        "<questiontext><text>Sealed?</text></questiontext><idnumber>seal</idnumber>"
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question>'
    )
    text = "<quiz>" + question.format(name="A") + question.format(name="B") + "</quiz>"
    assert [q.uid for q in parse_moodlexml(text).questions] == ["seal", None]


def test_old_image_tag_is_kept_as_an_image():
    questions = read("moodle37__format_xml__sample_questions_with_old_image_tag.xml").questions
    for question in questions:
        assert '<img src="@@PLUGINFILE@@/moodle.png" alt="">' in question.stem
        assert question.images["moodle.png"].content_type == "image/png"


def test_images_in_the_stem_are_decoded_and_checked():
    question = read("moodle37__format_xml__truefalse.xml").questions[0]
    assert list(question.images) == ["logo.jpg"]
    image = question.images["logo.jpg"]
    assert (image.width, image.height) > (0, 0)
    assert Image.open(io.BytesIO(image.data)).format == "JPEG"


UNSUPPORTED = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="calculated">
    <name><text>Duty</text></name>
    <questiontext><text>{a} times {b}?</text></questiontext>
  </question>
  <question type="stack">
    <name><text>Algebra</text></name>
  </question>
  <question type="coderunner">
    <name><text>Program</text></name>
  </question>
  <question type="truefalse">
    <name><text>Fine</text></name>
    <questiontext><text>Fine?</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="randomsamatch"><name><text>Random</text></name></question>
  <question type="calculatedmulti"><name><text>Multi</text></name></question>
  <question type="calculatedsimple"><name><text>Simple</text></name></question>
  <question><name><text>No type</text></name></question>
</quiz>
"""


def test_unsupported_types_are_reported_with_name_and_line():
    result = parse_moodlexml(UNSUPPORTED)
    assert [q.title for q in result.questions] == ["Fine"]
    assert [(e.line, e.title, e.code) for e in result.errors] == [
        (3, "Duty", "unsupported_type"),
        (7, "Algebra", "unsupported_type"),
        (10, "Program", "unsupported_type"),
        (19, "Random", "unsupported_type"),
        (20, "Multi", "unsupported_type"),
        (21, "Simple", "unsupported_type"),
        (22, "No type", "missing_type"),
    ]
    assert result.errors[1].message == (
        "Questions of the Moodle type “stack” cannot be imported: the platform has no "
        "matching question type."
    )


def test_malformed_questions_never_stop_the_others():
    text = (
        '<quiz><question type="multichoice"><name><text>Bad</text></name>'
        '<questiontext><text>Q</text></questiontext><answer fraction="abc"><text>a</text>'
        '</answer></question><question type="multichoice"><name><text>One</text></name>'
        '<questiontext><text>Q</text></questiontext><answer fraction="100"><text>a</text>'
        '</answer></question><question type="ddmarker"><name><text>Map</text></name>'
        "<questiontext><text>Q</text></questiontext></question>"
        '<question type="truefalse"><name><text>Good</text></name>'
        "<questiontext><text>Q</text></questiontext>"
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question></quiz>'
    )
    result = parse_moodlexml(text)
    assert [q.title for q in result.questions] == ["Good"]
    assert [e.code for e in result.errors] == ["bad_fraction", "too_few_answers", "dd_no_image"]


# --- Hostile files -------------------------------------------------------------------------
def test_external_entity_is_refused():
    text = (
        '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<quiz><question type="truefalse"><name><text>&xxe;</text></name></question></quiz>'
    )
    result = parse_moodlexml(text)
    assert result.questions == [] and [e.code for e in result.errors] == ["unsafe_xml"]
    assert "root:" not in result.errors[0].message


def test_billion_laughs_is_refused():
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    text = f'<!DOCTYPE quiz [<!ENTITY l0 "lol">{entities}]><quiz><question>&l9;</question></quiz>'
    result = parse_moodlexml(text)
    assert result.questions == [] and [e.code for e in result.errors] == ["unsafe_xml"]


def test_not_xml_and_not_moodle_are_reported():
    assert [e.code for e in parse_moodlexml("<quiz><question>").errors] == ["not_xml"]
    assert [e.code for e in parse_moodlexml("<html></html>").errors] == ["not_moodle_xml"]
    assert is_moodlexml('<?xml version="1.0"?>\n<!-- x -->\n<quiz>\n</quiz>')
    assert not is_moodlexml("::Title:: Question {T}")
    assert not is_moodlexml("<quizzes/>")


def _question_with_file(name: str, payload: bytes, src: str | None = None) -> str:
    encoded = base64.b64encode(payload).decode()
    return (
        '<quiz><question type="truefalse"><name><text>With file</text></name>'
        '<questiontext format="html"><text><![CDATA[<p>Look '
        f'<img src="{src or "@@PLUGINFILE@@/" + name}" alt="pic"></p>]]></text>'
        f'<file name="{name}" path="/" encoding="base64">{encoded}'
        "</file></questiontext>"
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question></quiz>'
    )


def _png(width: int = 4, height: int = 3) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, "PNG")
    return out.getvalue()


def test_a_real_png_is_kept():
    (question,) = parse_moodlexml(_question_with_file("dot.png", _png())).questions
    assert question.stem == '<p>Look <img src="@@PLUGINFILE@@/dot.png" alt="pic"></p>'
    assert question.images["dot.png"].width == 4


def test_an_image_in_a_folder_is_kept_and_written_back_there():
    text = _question_with_file("dot.png", _png(), "@@PLUGINFILE@@/maps/dot.png").replace(
        'path="/"', 'path="/maps/"'
    )
    (question,) = parse_moodlexml(text).questions
    assert question.stem == '<p>Look <img src="@@PLUGINFILE@@/maps/dot.png" alt="pic"></p>'
    files = {name: image.data for name, image in question.images.items()}
    exported, _ = export_moodlexml([question.as_dict()], files)
    assert '<file name="dot.png" path="/maps/" encoding="base64">' in exported
    (again,) = parse_moodlexml(exported).questions
    assert again.stem == question.stem and list(again.images) == ["maps/dot.png"]


def test_huge_base64_is_refused(monkeypatch):
    monkeypatch.setattr(moodlexml, "MAX_IMAGE_BYTES", 1000)
    result = parse_moodlexml(_question_with_file("big.png", _png(200, 200) + b"\0" * 2000))
    assert [e.code for e in result.errors] == ["image_too_large"]
    assert result.errors[0].params["name"] == "big.png"


def test_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(moodlexml, "MAX_IMAGE_PIXELS", 10)
    result = parse_moodlexml(_question_with_file("wide.png", _png(4, 3)))
    assert [e.code for e in result.errors] == ["image_too_many_pixels"]
    assert result.errors[0].params == {"name": "wide.png", "width": 4, "height": 3, "limit": 10}


def test_bad_base64_is_refused():
    text = _question_with_file("dot.png", _png()).replace(
        'encoding="base64">', 'encoding="base64">!!'
    )
    assert [e.code for e in parse_moodlexml(text).errors] == ["image_bad_base64"]


def test_a_non_image_named_png_is_refused():
    result = parse_moodlexml(_question_with_file("fake.png", b"MZ\x90\x00 not an image at all"))
    assert [e.code for e in result.errors] == ["image_not_image"]


def test_an_svg_with_a_script_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    result = parse_moodlexml(_question_with_file("evil.svg", svg))
    assert [e.code for e in result.errors] == ["image_svg"]


def test_an_image_from_elsewhere_is_stripped():
    result = parse_moodlexml(_question_with_file("x.png", _png(), "http://evil/x.png"))
    (question,) = result.questions
    assert question.stem == "<p>Look </p>" and question.images == {}
    assert [(w.code, w.params) for w in result.warnings] == [
        ("external_images_dropped", {"count": 1}),
        ("files_dropped", {"names": "x.png"}),
    ]
    text = (
        '<quiz><question type="truefalse"><name><text>Script</text></name>'
        '<questiontext format="html"><text><![CDATA[<p onclick="x()">Hi<script>alert(1)'
        '</script><img src="javascript:alert(1)"><b>bold</b> <i>it</i></p>]]></text>'
        '</questiontext><answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question></quiz>'
    )
    (question,) = parse_moodlexml(text).questions
    assert question.stem == "<p>Hi<strong>bold</strong> <em>it</em></p>"


def test_text_formats():
    def stem(fmt: str, text: str) -> str:
        xml = (
            f'<quiz><question type="description"><name><text>D</text></name>'
            f'<questiontext format="{fmt}"><text><![CDATA[{text}]]></text></questiontext>'
            "</question></quiz>"
        )
        return parse_moodlexml(xml).questions[0].stem

    assert stem("plain_text", "a < b\nc") == "<p>a &lt; b</p><p>c</p>"
    assert stem("moodle_auto_format", "one\ntwo") == "<p>one</p><p>two</p>"
    assert stem("markdown", "**Seal** the *box*\n\nnext") == (
        "<p><strong>Seal</strong> the <em>box</em></p><p>next</p>"
    )
    assert stem("html", "<h1>Title</h1><p>x</p>") == "Title<p>x</p>"
    assert stem("html", "<p>one<br />two<br><br/>three</p>") == "<p>one</p><p>two</p><p>three</p>"


# --- Export --------------------------------------------------------------------------------
def _paths(element: ET.Element) -> set[str]:
    found = set()

    def walk(node: ET.Element, path: str) -> None:
        found.add(path)
        for child in node:
            walk(child, f"{path}/{child.tag}")

    walk(element, "")
    return found


# Elements Moodle writes today that these older fixtures lack (Moodle's exporter writes
# idnumber since 3.6, filetypeslist since 3.6; hidden and defaultgrade for every type).
ADDED_BY_NEWER_MOODLE = {"/idnumber", "/filetypeslist", "/hidden", "/defaultgrade", "/penalty"}
# What the platform does not keep: images in feedback and answers (plain text here), other
# embedded files (sound behind a link), and the 1.9 image tags, written as <file> now.
NOT_KEPT = {
    "/generalfeedback/file",
    "/answer/file",
    "/answer/feedback/file",
    "/image",
    "/image_base64",
}
TYPE_FIXTURES = [name for name in sorted(EXPECTED) if EXPECTED[name][0]]


@pytest.mark.parametrize("name", TYPE_FIXTURES)
def test_export_has_the_elements_of_moodles_fixture(name):
    result = read(name)
    files = {n: i.data for q in result.questions for n, i in q.images.items()}
    text, skipped = export_moodlexml([q.as_dict() for q in result.questions], files)
    assert skipped == []
    exported = [
        q for q in ET.fromstring(text.encode()).findall("question") if q.get("type") != "category"
    ]
    originals = [
        q
        for q in ET.parse(CORPUS / name).getroot().findall("question")
        if q.get("type") != "category"
    ]
    for original, mine, parsed in zip(originals, exported, result.questions, strict=True):
        expected_type = {"cloze": "multianswer"}.get(original.get("type"), original.get("type"))
        assert mine.get("type") == expected_type
        theirs, ours = _paths(original), _paths(mine)
        not_kept = set(NOT_KEPT)
        if not any(f.get("name") in parsed.images for f in original.findall("questiontext/file")):
            not_kept.add("/questiontext/file")  # a file that is no image: a linked sound
        assert theirs - ours <= not_kept, sorted(theirs - ours)
        assert ours - theirs <= ADDED_BY_NEWER_MOODLE | {"/questiontext/file"}, sorted(
            ours - theirs
        )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_round_trip_gives_the_same_questions(path):
    first = parse_moodlexml(path.read_text("utf-8"))
    files = {n: i.data for q in first.questions for n, i in q.images.items()}
    text, skipped = export_moodlexml([q.as_dict() for q in first.questions], files)
    assert skipped == []
    second = parse_moodlexml(text)
    assert second.errors == []
    assert len(second.questions) == len(first.questions)
    for before, after in zip(first.questions, second.questions, strict=True):
        assert after.type == before.type
        assert after.title == before.title
        assert after.stem == before.stem
        assert after.points == before.points
        assert after.feedback == before.feedback
        assert after.data == before.data
        assert sorted(after.tags) == sorted(before.tags)
        assert after.uid == before.uid
        assert {n: i.data for n, i in after.images.items()} == {
            n: i.data for n, i in before.images.items()
        }


def test_fractions_are_written_with_moodles_precision():
    assert [format_percent(f) for f in (1, 0.5, 0.3333333, -1, 0, 0.1428571, 0.05)] == [
        "100",
        "50",
        "33.33333",
        "-100",
        "0",
        "14.28571",
        "5",
    ]


def test_export_of_platform_questions_without_moodle_details():
    questions = [
        {
            "type": "multiple_response",
            "title": "Documents",
            "stem": "<p>Which go with the declaration?</p>",
            "points": 1,
            "feedback": {"correct": "Yes"},
            "data": {
                "options": [
                    {"id": "a", "text": "Invoice"},
                    {"id": "b", "text": "Packing list"},
                    {"id": "c", "text": "Menu"},
                ],
                "correct": ["a", "b"],
                "scoring": "right_minus_wrong",
            },
            "tags": ["Documents"],
        },
        {"type": "hotspot", "title": "Map", "stem": "", "data": {}, "tags": []},
        {"type": "ordering", "title": "Steps", "stem": "", "data": {}, "tags": []},
    ]
    text, skipped = export_moodlexml(questions)
    assert skipped == [
        ("Map", MESSAGES["export_unknown_type"]),
        ("Steps", MESSAGES["export_invalid"]),  # no items
    ]
    assert "$course$/top/Documents" in text
    (question,) = parse_moodlexml(text).questions
    assert re.findall(r'fraction="([^"]+)"', text) == ["50", "50", "-100"]
    assert "fractions" not in question.data  # exactly right_minus_wrong: the rule says it
    assert question.data["correct"] == ["a", "b"] and question.feedback == {"correct": "Yes"}


@pytest.mark.parametrize(
    "name",
    [
        "moodle37__qtype_multichoice__testquestion.moodle.xml",
        "moodle37__qtype_truefalse__testquestion.moodle.xml",
        "moodle37__qtype_match__testquestion.moodle.xml",
        "moodle37__format_xml__truefalse.xml",
    ],
)
def test_the_json_format_keeps_what_moodle_xml_brought(name):
    """Penalty, hints, Moodle's settings and the general feedback survive a JSON round trip."""
    from assessments.portable import export_json, parse_json

    questions = read(name).questions
    result = parse_json(export_json({"title": "Bank"}, [q.as_dict() for q in questions]))
    assert result.errors == []
    for before, after in zip(questions, result.questions, strict=True):
        assert after.data == before.data and after.feedback == before.feedback


ORDERING = """<quiz>
  <question type="ordering">
    <name><text>Release steps</text></name>
    <questiontext format="html"><text>Put the steps of a release in order.</text></questiontext>
    <idnumber>release-steps</idnumber>
    <layouttype>VERTICAL</layouttype>
    <selecttype>ALL</selecttype>
    <selectcount>0</selectcount>
    <gradingtype>RELATIVE_NEXT_EXCLUDE_LAST</gradingtype>
    <showgrading>SHOW</showgrading>
    <numberingstyle>abc</numberingstyle>
    <correctfeedback format="html"><text>Right order.</text></correctfeedback>
    <partiallycorrectfeedback format="html"><text>Some pairs.</text></partiallycorrectfeedback>
    <incorrectfeedback format="html"><text>No.</text></incorrectfeedback>
    <shownumcorrect>1</shownumcorrect>
    <answer fraction="2" format="html"><text>Inspection</text>
      <feedback format="html"><text>Second.</text></feedback></answer>
    <answer fraction="1" format="html"><text>Declaration</text>
      <feedback format="html"><text></text></feedback></answer>
    <answer fraction="3" format="html"><text>Release</text>
      <feedback format="html"><text></text></feedback></answer>
    <hint format="html"><text>Paper first.</text></hint>
  </question>
</quiz>"""
# The element paths of Moodle's own ordering export (qtype_ordering's testexport fixture).
MOODLE_ORDERING_PATHS = {
    "",
    "/name",
    "/name/text",
    "/questiontext",
    "/questiontext/text",
    "/generalfeedback",
    "/generalfeedback/text",
    "/defaultgrade",
    "/penalty",
    "/hidden",
    "/idnumber",
    "/layouttype",
    "/selecttype",
    "/selectcount",
    "/gradingtype",
    "/showgrading",
    "/numberingstyle",
    "/correctfeedback",
    "/correctfeedback/text",
    "/partiallycorrectfeedback",
    "/partiallycorrectfeedback/text",
    "/incorrectfeedback",
    "/incorrectfeedback/text",
    "/shownumcorrect",
    "/answer",
    "/answer/text",
    "/answer/feedback",
    "/answer/feedback/text",
    "/hint",
    "/hint/text",
}


def test_ordering_is_read_and_written_as_moodle_does():
    (question,) = parse_moodlexml(ORDERING).questions
    assert question.type == "ordering" and question.uid == "release-steps"
    assert [i["text"] for i in question.data["items"]] == ["Declaration", "Inspection", "Release"]
    assert question.data["correct_order"] == ["i1", "i2", "i3"]
    assert question.data["scoring"] == "adjacent_pairs"
    assert question.data["items"][1]["feedback"] == "Second."
    text, skipped = export_moodlexml([question.as_dict()])
    assert skipped == []
    (exported,) = [
        q for q in ET.fromstring(text.encode()).findall("question") if q.get("type") == "ordering"
    ]
    assert _paths(exported) == MOODLE_ORDERING_PATHS
    assert [a.get("fraction") for a in exported.findall("answer")] == ["1", "2", "3"]
    assert exported.findtext("gradingtype") == "RELATIVE_NEXT_EXCLUDE_LAST"
    (again,) = parse_moodlexml(text).questions
    assert again.data == question.data and again.feedback == question.feedback


def test_ordering_graded_otherwise_is_refused():
    other = ORDERING.replace("RELATIVE_NEXT_EXCLUDE_LAST", "LONGEST_ORDERED_SUBSET")
    assert [e.code for e in parse_moodlexml(other).errors] == ["ordering_grading"]
    subset = ORDERING.replace("<selecttype>ALL", "<selecttype>RANDOM")
    assert [e.code for e in parse_moodlexml(subset).errors] == ["ordering_subset"]
