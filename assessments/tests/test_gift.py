"""Moodle GIFT import and export."""

import copy
import random
import string

import pytest

from assessments.gift import (
    MESSAGES,
    ImportError,
    ImportResult,
    QuestionImportError,
    export_gift,
    option_id,
    parse_gift,
    sanitize_html,
)
from assessments.tests.test_portable import EXAMPLES

SAMPLE = r"""// Customs valuation, level 1 -- written for the regional training centre.
// Lines starting with two slashes are comments.

$CATEGORY: $course$/top/Valuation/WTO Agreement

// A single choice with feedback per option and general feedback.
::Primary method::Which method must be tried first under the WTO Valuation Agreement? {
    =Transaction value#Right\: Article 1 comes first.
    ~Deductive value#Article 5 is used only later.
    ~Fallback method
    ####Article 1\: the price actually paid or payable.
}

::CIF elements::[html]<p>Which costs are part of a <b>CIF</b> price?</p><script>alert(1)</script> {
    ~%50%Freight to the port of import
    ~%50%Insurance#Yes, the "I" in CIF.
    ~%-100%Buying commissions#Never part of the price.
}

Goods may be released before duties are paid
if a guarantee is lodged.{TRUE#Read Article 19 again.#Yes, against a guarantee.}

::Rule of origin::[plain]A product is "wholly obtained" only if <all> its inputs are local.{F}

$CATEGORY: $course$/top/Calculation

::Duty amount::The duty rate is 12 %. What is the duty on a customs value of 1000?
{#120:0.5#Exactly 120.####12 % of 1000 is 120.}

::Tolerance range::Give the weight in tonnes (between 1.5 and 2.5). {#1.5..2.5}

::Best answer::The container holds how many TEU? {#=2:0#Right. =%50%1:0#Half a point ~0}

::Escapes::Which HS heading reads 84\:71 \{computers\}? {
    =Heading 84\:71#The colon is escaped\: \\ and \= too.
    ~Heading 85\~17
    ~Heading 90\#01
}

::Documents::Match each document to what it proves.\nMatch every one. {
    =Commercial invoice -> The price
    =Bill of lading -> The carriage
    =Certificate of origin -> The preference
    = -> The insurance
}

::HS digits::The first {~four =six ~eight} digits of a tariff code are harmonised.
"""


@pytest.fixture(scope="module")
def sample():
    result = parse_gift(SAMPLE)
    assert isinstance(result, ImportResult)
    assert result.errors == []
    return {q.title: q for q in result.questions}


def test_sample_questions_in_order_with_lines_types_and_tags(sample):
    assert [(q.line, q.type, q.title) for q in sample.values()] == [
        (7, "single_choice", "Primary method"),
        (14, "multiple_response", "CIF elements"),
        (
            20,
            "true_false",
            "Goods may be released before duties are paid if a guarantee is lodged.",
        ),
        (23, "true_false", "Rule of origin"),
        (27, "numeric", "Duty amount"),
        (30, "numeric", "Tolerance range"),
        (32, "numeric", "Best answer"),
        (34, "single_choice", "Escapes"),
        (40, "matching", "Documents"),
        (47, "single_choice", "HS digits"),
    ]
    tags = [q.tags for q in sample.values()]
    assert tags == [["Valuation", "WTO Agreement"]] * 4 + [["Calculation"]] * 6
    assert all(q.points == 1 for q in sample.values())


def test_single_choice_with_option_and_general_feedback(sample):
    question = sample["Primary method"]
    assert question.stem == (
        "<p>Which method must be tried first under the WTO Valuation Agreement?</p>"
    )
    assert question.data == {
        "options": [
            {"id": "a", "text": "Transaction value", "feedback": "Right: Article 1 comes first."},
            {"id": "b", "text": "Deductive value", "feedback": "Article 5 is used only later."},
            {"id": "c", "text": "Fallback method"},
        ],
        "correct": "a",
    }
    # Moodle's general feedback, shown whatever the result (before Moodle XML brought
    # feedback.general, it was copied into correct and incorrect)
    assert question.feedback == {"general": "Article 1: the price actually paid or payable."}


def test_multiple_response_from_weights_and_html_is_cleaned(sample):
    question = sample["CIF elements"]
    assert question.stem == "<p>Which costs are part of a <strong>CIF</strong> price?</p>"
    assert question.data == {
        "options": [
            {"id": "a", "text": "Freight to the port of import"},
            {"id": "b", "text": "Insurance", "feedback": 'Yes, the "I" in CIF.'},
            {"id": "c", "text": "Buying commissions", "feedback": "Never part of the price."},
        ],
        "correct": ["a", "b"],
        "scoring": "right_minus_wrong",
    }
    assert question.feedback == {}


def test_true_false_feedback_and_plain_text_is_escaped(sample):
    released = sample["Goods may be released before duties are paid if a guarantee is lodged."]
    assert released.stem == (
        "<p>Goods may be released before duties are paid if a guarantee is lodged.</p>"
    )
    # {TRUE#shown to a wrong answer#shown to a right answer}
    assert released.data == {
        "correct": True,
        "feedback_true": "Yes, against a guarantee.",
        "feedback_false": "Read Article 19 again.",
    }
    origin = sample["Rule of origin"]
    assert origin.stem == (
        '<p>A product is "wholly obtained" only if &lt;all&gt; its inputs are local.</p>'
    )
    assert origin.data == {"correct": False}


def test_numeric_forms(sample):
    duty = sample["Duty amount"]
    assert duty.data == {"answer": 120, "tolerance": 0.5}
    assert duty.feedback == {"correct": "Exactly 120.", "general": "12 % of 1000 is 120."}
    assert sample["Tolerance range"].data == {"answer": 2, "tolerance": 0.5}
    # Several answers: all kept, with their credit and feedback (issue 13; before, only
    # the first full-credit answer was kept).
    best = sample["Best answer"]
    assert best.data == {
        "answers": [
            {"value": 2, "tolerance": 0, "fraction": 1, "feedback": "Right."},
            {"value": 1, "tolerance": 0, "fraction": 0.5, "feedback": "Half a point"},
            {"value": 0, "tolerance": 0, "fraction": 0},
        ],
        "units": [],
        "unit_handling": "none",
        "unit_penalty": 0,
    }
    assert best.feedback == {}


def test_escapes(sample):
    question = sample["Escapes"]
    assert question.stem == "<p>Which HS heading reads 84:71 {computers}?</p>"
    assert [o["text"] for o in question.data["options"]] == [
        "Heading 84:71",
        "Heading 85~17",
        "Heading 90#01",
    ]
    assert question.data["options"][0]["feedback"] == "The colon is escaped: \\ and = too."


def test_matching_with_a_distractor_and_a_line_break(sample):
    question = sample["Documents"]
    assert question.stem == "<p>Match each document to what it proves.</p><p>Match every one.</p>"
    assert question.data == {
        "premises": [
            {"id": "p1", "text": "Commercial invoice"},
            {"id": "p2", "text": "Bill of lading"},
            {"id": "p3", "text": "Certificate of origin"},
        ],
        "responses": [
            {"id": "r1", "text": "The price"},
            {"id": "r2", "text": "The carriage"},
            {"id": "r3", "text": "The preference"},
            {"id": "r4", "text": "The insurance"},
        ],
        "correct": {"p1": "r1", "p2": "r2", "p3": "r3"},
        "scoring": "per_premise",
    }


def test_missing_word_format(sample):
    question = sample["HS digits"]
    assert question.stem == "<p>The first _____ digits of a tariff code are harmonised.</p>"
    assert question.data["correct"] == "b"


BROKEN = r"""::Good one::Is the sky blue?{T}

::Unbalanced::Which form is used for transit? {
    =T1
    ~IM4

::Also good::Which document proves origin? {=Certificate of origin ~Packing list}

::No right answer::Pick one {~a ~b ~c}

// Essays, descriptions, short answers and several = answers are read since issue 13.
::Essay::Describe the release procedure. {}

::Just text::This is a description of the next questions.

::Bad number::How many days? {#ten:1}

::Negative tolerance::How many days? {#10:-1}

::Backwards::How many days? {#10..1}

::Short answer::Two plus two is {=four =4}.

::Two rights::Pick one {=a =b ~c}

::Empty answer::Pick one {=a ~ ~c}

::Bad weight::Pick {~%abc%a ~%100%b}

::Unclosed title Pick one {=a ~b}

::Strange::Pick one {a ~b =c}

::Two blocks::Pick {=a ~b} and {=c ~d}

::No pair::Match {=a -> b =c}

{=a ~b}

::Last good::Transit declarations are lodged at the office of departure.{TRUE}
"""


def test_errors_have_lines_and_good_questions_still_parse():
    result = parse_gift(BROKEN)
    assert [(q.line, q.title) for q in result.questions] == [
        (1, "Good one"),
        (7, "Also good"),
        (12, "Essay"),
        (14, "Just text"),
        (22, "Short answer"),
        (24, "Two rights"),
        (40, "Last good"),
    ]
    assert [q.type for q in result.questions] == [
        "true_false",
        "single_choice",
        "essay",
        "description",
        "short_answer",
        "single_choice",
        "true_false",
    ]
    assert [(e.line, e.title, e.code) for e in result.errors] == [
        (3, "Unbalanced", "unbalanced_braces"),
        (9, "No right answer", "no_correct_answer"),
        (16, "Bad number", "bad_number"),
        (18, "Negative tolerance", "bad_tolerance"),
        (20, "Backwards", "bad_range"),
        (26, "Empty answer", "missing_answer"),
        (28, "Bad weight", "bad_weight"),
        (30, None, "unterminated_title"),
        (32, "Strange", "unknown_syntax"),
        (34, "Two blocks", "several_answer_blocks"),
        (36, "No pair", "bad_matching_pair"),
        (38, None, "missing_stem"),
    ]
    by_code = {e.code: e for e in result.errors}
    assert by_code["bad_number"].params == {"value": "ten"}
    assert by_code["bad_range"].params == {"low": 10, "high": 1}
    assert by_code["missing_answer"].params == {"number": 2}
    assert by_code["bad_weight"].params == {"weight": "%abc%"}
    assert by_code["unknown_syntax"].message == (
        "The answers could not be read near “a ~b =c”. Each answer must start with = (right) "
        "or ~ (wrong)."
    )
    for error in result.errors:
        assert isinstance(error, QuestionImportError)
        assert error.reason == MESSAGES[error.code]
        assert error.message == error.reason.format(**error.params)


def test_import_error_alias():
    assert ImportError is QuestionImportError


def test_every_message_is_a_template_with_known_placeholders():
    known = {"text", "number", "count", "minimum", "weight", "value", "low", "high"}
    for code, template in MESSAGES.items():
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert names <= known, code
        assert template.format(**dict.fromkeys(known, "x"))


def test_windows_line_endings_bom_and_comments_inside_a_question():
    text = "\ufeff// header\r\n::Q::Pick {\r\n// a comment\r\n=a\r\n~b\r\n}\r\n"
    result = parse_gift(text)
    assert result.errors == []
    [question] = result.questions
    assert question.line == 2
    assert question.data["options"] == [{"id": "a", "text": "a"}, {"id": "b", "text": "b"}]


def test_untitled_questions_get_a_title_from_their_text():
    long_text = "Which of the following " + "very " * 30 + "long options? {=a ~b}"
    [question] = parse_gift(long_text).questions
    assert len(question.title) == 80 and question.title.endswith("…")
    assert question.title.startswith("Which of the following very")


def test_sanitizer_keeps_only_the_allowed_tags():
    dirty = (
        '<div class="x"><p style="color:red">A <a href="javascript:x()">link</a>,'
        " <i>em</i> &amp; <img src=x onerror=alert(1)>"
        "<ul><li>one<li>two</ul><style>p{}</style><strong>open"
    )
    assert sanitize_html(dirty) == (
        "<p>A link, <em>em</em> &amp;  <ul><li>one<li>two</li></li></ul><strong>open</strong></p>"
    )


def test_option_ids():
    assert [option_id(i) for i in (0, 1, 25, 26, 27)] == ["a", "b", "z", "aa", "ab"]


def comparable(question):
    """What must survive a GIFT round trip."""
    return {key: value for key, value in question.as_dict().items() if key != "uid"}


def test_round_trip_of_the_sample():
    first = parse_gift(SAMPLE)
    text, skipped = export_gift(q.as_dict() for q in first.questions)
    assert skipped == []
    second = parse_gift(text)
    assert second.errors == []
    assert [comparable(q) for q in second.questions] == [comparable(q) for q in first.questions]
    # and the text is stable from then on
    assert export_gift(q.as_dict() for q in second.questions)[0] == text


def test_export_of_the_json_examples_skips_ordering_and_hotspot_with_reasons():
    text, skipped = export_gift(copy.deepcopy(EXAMPLES))
    reasons = {
        "ordering": MESSAGES["export_ordering"],
        "hotspot": MESSAGES["export_hotspot"],
        "cloze": MESSAGES["export_cloze"],
        "drag_drop_text": MESSAGES["export_drag_drop"],
        "drag_drop_image": MESSAGES["export_drag_drop"],
        "drag_drop_marker": MESSAGES["export_drag_drop"],
    }
    # The examples of every type GIFT cannot hold (QUESTION_FORMAT.md gains examples as
    # types are added), each with its type's reason.
    assert skipped == [(q["title"], reasons[q["type"]]) for q in EXAMPLES if q["type"] in reasons]
    assert ("Clearance steps", MESSAGES["export_ordering"]) in skipped
    assert ("Container seal", MESSAGES["export_hotspot"]) in skipped
    result = parse_gift(text)
    assert result.errors == []
    expressible = [q for q in EXAMPLES if q["type"] not in reasons]
    assert len(result.questions) == len(expressible)
    for parsed, original in zip(result.questions, expressible, strict=True):
        assert parsed.type == original["type"]
        assert parsed.title == original["title"]
        assert parsed.stem == original["stem"]
        if original["type"] == "essay":
            # GIFT's essay is {}: word limits, files and the rubric have no GIFT form.
            assert parsed.data["rubric"] is None and parsed.data["min_words"] is None
        else:
            assert parsed.data == original["data"]
        assert parsed.tags == original["tags"]
        # correct and incorrect feedback come back as the general feedback (GIFT has only
        # that); a short-form numeric question keeps correct on its answer
        feedback = dict(original["feedback"])
        shared = feedback.pop("incorrect", None)
        if original["type"] != "numeric" or feedback.get("correct") == shared:
            feedback.pop("correct", None)
        feedback.pop("partial", None)
        assert parsed.feedback == ({"general": shared, **feedback} if shared else feedback)


def test_round_trip_keeps_special_characters_and_multiline_text():
    question = {
        "type": "single_choice",
        "title": "Specials :: {all} of them",
        "stem": "<p>Heading 84:71 = {computers} ~ #1</p>\n<p>a &lt; b &amp; c</p>",
        "feedback": {"general": "Line one\nline two"},
        "data": {
            "options": [
                {"id": "a", "text": "a ~ b = c # d { e } f : g \\ h", "feedback": "x -> y"},
                {"id": "b", "text": "%50% off <b>not bold</b> & more"},
                {"id": "c", "text": "Two\nlines"},
            ],
            "correct": "b",
        },
        "tags": ["Origin/Preferential", "Kyoto"],
    }
    text, skipped = export_gift([question])
    assert skipped == []
    [parsed] = parse_gift(text).questions
    assert {k: v for k, v in parsed.as_dict().items() if k != "points"} == question
    assert text.startswith("$CATEGORY: $course$/top/Origin//Preferential/Kyoto\n\n")


def test_multiple_response_weights():
    question = copy.deepcopy(EXAMPLES[1])
    question["data"]["options"].append({"id": "d", "text": "Duty"})
    question["data"]["correct"] = ["a", "b", "d"]
    text, _ = export_gift([question])
    # Each right option 100/3; the one wrong option -100/1 (right/3 - wrong/1).
    assert "~%33.33333%Freight" in text and "~%-100%Buying" in text
    assert parse_gift(text).questions[0].data == question["data"]

    question["data"]["scoring"] = "all_or_nothing"
    text, _ = export_gift([question])
    assert "~%-100%Buying" in text
    # GIFT has no scoring name: it comes back as right_minus_wrong
    assert parse_gift(text).questions[0].data["scoring"] == "right_minus_wrong"


def test_true_false_feedback_directions():
    for correct in (True, False):
        for data in (
            {"correct": correct},
            {"correct": correct, "feedback_true": "T!"},
            {"correct": correct, "feedback_false": "F!"},
            {"correct": correct, "feedback_true": "T!", "feedback_false": "F!"},
        ):
            question = {"type": "true_false", "title": "TF", "stem": "<p>S</p>", "data": data}
            [parsed] = parse_gift(export_gift([question])[0]).questions
            assert parsed.data == data


def test_numeric_feedback_and_numbers():
    cases = [
        ({"answer": 0.1, "tolerance": 0.05}, {"correct": "Yes", "general": "No"}),
        ({"answer": -3, "tolerance": 0}, {"correct": "Yes"}),
        ({"answer": 1.5e-7, "tolerance": 1e-8}, {"general": "Both"}),
    ]
    for data, feedback in cases:
        question = {
            "type": "numeric",
            "title": "N",
            "stem": "<p>S</p>",
            "feedback": feedback,
            "data": data,
        }
        [parsed] = parse_gift(export_gift([question])[0]).questions
        assert parsed.data == data
        assert parsed.feedback == feedback
    # Feedback written in the editor: correct goes on the answer, incorrect is general.
    question["feedback"] = {"correct": "Yes", "incorrect": "No"}
    [parsed] = parse_gift(export_gift([question])[0]).questions
    assert parsed.feedback == {"correct": "Yes", "general": "No"}
    # The unit has no GIFT form; the number survives.
    question = {"type": "numeric", "title": "N", "stem": "<p>S</p>", "data": {}}
    question["data"] = {"answer": 5, "tolerance": 1, "unit": "years"}
    [parsed] = parse_gift(export_gift([question])[0]).questions
    assert parsed.data == {"answer": 5, "tolerance": 1}


def test_decimal_range_is_computed_exactly():
    [question] = parse_gift("Pick {#0.1..0.3}").questions
    assert question.data == {"answer": 0.2, "tolerance": 0.1}


def test_unexpressible_questions_are_skipped_with_reasons():
    questions = [
        {"type": "ordering", "title": "O", "stem": "<p>x</p>", "data": {}},
        {"type": "cloze", "title": "C", "stem": "<p>x</p>", "data": {}},
        {"type": "drag_drop_marker", "title": "D", "stem": "<p>x</p>", "data": {}},
        {"type": "mystery", "title": "M", "stem": "<p>x</p>", "data": {}},
        {
            "type": "single_choice",
            "title": "One option",
            "stem": "<p>x</p>",
            "data": {"options": [{"id": "a", "text": "A"}], "correct": "a"},
        },
        {
            "type": "single_choice",
            "title": "Broken",
            "stem": "<p>x</p>",
            "data": {"options": [{"id": "a", "text": "A"}], "correct": "z"},
        },
        {"type": "numeric", "title": "Inf", "stem": "<p>x</p>", "data": {"answer": float("inf")}},
        {
            "type": "short_answer",
            "title": "Arrow",
            "stem": "<p>x</p>",
            "data": {"answers": [{"id": "a", "text": "a -> b", "fraction": 1}]},
        },
    ]
    text, skipped = export_gift(questions)
    assert text == ""
    assert skipped == [
        ("O", MESSAGES["export_ordering"]),
        ("C", MESSAGES["export_cloze"]),
        ("D", MESSAGES["export_drag_drop"]),
        ("M", MESSAGES["export_unknown_type"]),
        ("One option", MESSAGES["export_single_option"]),
        ("Broken", MESSAGES["export_invalid"]),
        ("Inf", MESSAGES["export_bad_number"]),
        ("Arrow", MESSAGES["export_short_answer_arrow"]),
    ]


def test_category_lines_follow_tag_changes():
    base = {"type": "true_false", "stem": "<p>S</p>", "data": {"correct": True}}
    questions = [
        {**base, "title": "A", "tags": []},
        {**base, "title": "B", "tags": ["x", "y"]},
        {**base, "title": "C", "tags": ["x", "y"]},
        {**base, "title": "D", "tags": []},
    ]
    text, _ = export_gift(questions)
    assert text.count("$CATEGORY:") == 2
    parsed = parse_gift(text).questions
    assert [(q.title, q.tags) for q in parsed] == [
        ("A", []),
        ("B", ["x", "y"]),
        ("C", ["x", "y"]),
        ("D", []),
    ]


def test_category_paths_without_context():
    text = "$CATEGORY: top/Origin\n\nQ {T}\n\n$CATEGORY:Transit\nQ2 {F}"
    assert [q.tags for q in parse_gift(text).questions] == [["Origin"], ["Transit"]]


def test_matching_needs_two_distinct_responses():
    [error] = parse_gift("Match {=a -> x =b -> x}").errors
    assert (error.code, error.params) == ("too_few_options", {"minimum": 2, "count": 1})


# --- Issue 13: every construct of Moodle's GIFT -------------------------------------------
ESSAY_DEFAULTS = {
    "min_words": None,
    "max_words": None,
    "attachments": 0,
    "attachments_required": 0,
    "file_types": [],
    "rubric": None,
    "grader_info": "",
    "response_template": "",
}


def _one(text):
    result = parse_gift(text)
    assert result.errors == []
    [question] = result.questions
    return question


def test_short_answer_with_weights_feedback_and_wildcard():
    question = _one(
        "::Seal::Which prefix? {\n  =PE-#Right.\n  =%50%pe#Lower case.\n  =%0%*#No.\n"
        "  ####See the register.\n}"
    )
    assert question.type == "short_answer"
    assert question.data == {
        "answers": [
            {"id": "a", "text": "PE-", "fraction": 1, "feedback": "Right."},
            {"id": "b", "text": "pe", "fraction": 0.5, "feedback": "Lower case."},
            {"id": "c", "text": "*", "fraction": 0, "feedback": "No."},
        ],
        "case_sensitive": False,
        "ignore_accents": False,
        "ignore_spaces": False,
    }
    assert question.feedback == {"general": "See the register."}


def test_short_answer_forms_moodle_reads():
    # One answer needs no =; lower-case true/false is a short answer, as in Moodle.
    assert _one("Write one in words {One#Right}").data["answers"] == [
        {"id": "a", "text": "One", "fraction": 1, "feedback": "Right"}
    ]
    assert _one("Q {true}").type == "short_answer"
    # short answers are plain text, as in Moodle: no HTML decoding in an [html] question
    assert _one("[html]<p>Q</p> {=a &lt; b}").data["answers"][0]["text"] == "a &lt; b"


def test_essay_and_description():
    essay = _one("::Release::Describe the release procedure. {\n####A model answer.\n}")
    assert (essay.type, essay.data, essay.points) == ("essay", ESSAY_DEFAULTS, 1)
    assert essay.feedback == {"general": "A model answer."}
    description = _one("::Intro::You may use the tariff for the next questions.")
    assert (description.type, description.data, description.points) == ("description", {}, 0)
    assert description.stem == "<p>You may use the tariff for the next questions.</p>"


def test_numeric_alternatives_ranges_and_any_other_answer():
    question = _one(
        "TEU? {#\n  =2:0#Right.\n  =%50%1..3#Close.\n  ~4#Four is wrong.\n  ~#Completely wrong.\n}"
    )
    assert question.data == {
        "answers": [
            {"value": 2, "tolerance": 0, "fraction": 1, "feedback": "Right."},
            {"value": 2, "tolerance": 1, "fraction": 0.5, "feedback": "Close."},
            {"value": 4, "tolerance": 0, "fraction": 0, "feedback": "Four is wrong."},
            {"value": None, "fraction": 0, "feedback": "Completely wrong."},
        ],
        "units": [],
        "unit_handling": "none",
        "unit_penalty": 0,
    }
    # Moodle's own test: the wrong-answer feedback after the answer, without =
    moodle = _one("::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")
    assert moodle.data["answers"] == [
        {"value": 3, "tolerance": 2, "fraction": 1},
        {"value": None, "fraction": 0, "feedback": "Completely wrong"},
    ]


def test_choice_weights_several_right_answers_and_spaces_before_weights():
    question = _one("Pick {= a ~ %50% b ~%-33.33333%c =d#Also right. ~e}")
    assert question.type == "single_choice"
    assert question.data["correct"] == "a"
    assert question.data["fractions"] == {"a": 1, "b": 0.5, "c": -0.3333333, "d": 1}
    assert question.data["options"][3] == {"id": "d", "text": "d", "feedback": "Also right."}
    # one = answer and no other credit: the classic shape
    assert "fractions" not in _one("Pick {=a ~b ~c}").data


def test_weights_that_are_refused():
    result = parse_gift(
        "Too much {=%150%a ~b}\n\nShort {=%-50%a =b}\n\nNumeric {#=%-50%5 =6}\n\n"
        "No full credit {=%50%a =%50%b}\n\nPick {=%5O%a ~b}"
    )
    assert [(e.line, e.code, e.params) for e in result.errors] == [
        (1, "bad_weight", {"weight": "%150%"}),
        (3, "negative_weight", {"weight": "%-50%"}),
        (5, "negative_weight", {"weight": "%-50%"}),
        (7, "no_correct_answer", {}),
        (9, "bad_weight", {"weight": "%5O%"}),
    ]


def test_ids_and_tags_in_comments_and_categories():
    text = (
        "$CATEGORY: $course$/top/Origin\n\n"
        "// [id:origin-1]\n// [tag:fred] [tag:barney-wilma]\nQ {T}\n\n"
        "// [id:origin-2]\n\nQ2 {F}\n\n"
        "// [id:origin-1]\nQ3 {T}"
    )
    result = parse_gift(text)
    assert [(q.uid, q.tags) for q in result.questions] == [
        ("origin-1", ["Origin", "fred", "barney-wilma"]),
        ("origin-2", ["Origin"]),
    ]
    assert [(e.line, e.code, e.params) for e in result.errors] == [
        (12, "duplicate_id", {"value": "origin-1"})
    ]
    exported, _ = export_gift(q.as_dict() for q in result.questions)
    assert "// [id:origin-1]\n::Q::[html]<p>Q</p>" in exported
    assert [q.uid for q in parse_gift(exported).questions] == ["origin-1", "origin-2"]


def test_markdown_stems_become_html():
    question = _one(
        "[markdown]Which **two** documents prove _origin_?\\n- a *certificate*\\n"
        "    - or a declaration\\n- never `an invoice`\\n\\n1. first\\n2. second {T}"
    )
    assert question.stem == (
        "<p>Which <strong>two</strong> documents prove <em>origin</em>?</p>"
        "<ul><li>a <em>certificate</em><ul><li>or a declaration</li></ul></li>"
        "<li>never an invoice</li></ul><ol><li>first</li><li>second</li></ol>"
    )
    # an answer in Markdown is plain text
    choice = _one("[markdown]Q {=**bold** answer ~b}")
    assert choice.data["options"][0]["text"] == "bold answer"


def test_every_escape_and_per_answer_formats():
    question = _one(
        "::A\\:B::[html]<p>\\{x\\} \\= \\~ \\# \\\\ y\\nz</p> {\n"
        "  =[plain]<b>kept</b>#[html]<i>fb</i>\n  ~[moodle]m\\:n\n}"
    )
    assert question.title == "A:B"
    assert question.stem == "<p>{x} = ~ # \\ y\nz</p>"
    assert question.data["options"] == [
        {"id": "a", "text": "<b>kept</b>", "feedback": "fb"},
        {"id": "b", "text": "m:n"},
    ]


def test_true_false_needs_capitals_as_in_moodle():
    assert _one("Q {TRUE#wrong#right####general}").data == {
        "correct": True,
        "feedback_true": "right",
        "feedback_false": "wrong",
    }
    assert _one("Q {F}").data == {"correct": False}


def test_images_in_html_are_reported_as_warnings():
    result = parse_gift('[html]<p>Seal <img src="@@PLUGINFILE@@/seal.png"> here</p>{T}')
    [question] = result.questions
    assert question.stem == "<p>Seal   here</p>"
    [warning] = result.warnings
    assert (warning.line, warning.code, warning.params) == (1, "images_dropped", {"count": 1})
    assert warning.message.startswith("The question shows 1 image(s), which were left out")


def test_round_trip_of_every_new_shape():
    text = (
        "::S::Seal? {=PE-#Right. =%50%%pe =%0%*#No.}\n\n"
        "::E::Describe. {}\n\n"
        "::D::Intro text.\n\n"
        "::N::TEU? {#=2:0#Right. =%50%1..3 ~#Wrong.}\n\n"
        "::C::Pick {=a =%50%b ~%-50%c}\n\n"
        "::M::[markdown]**Match** {=a -> b =c -> d = -> e}"
    )
    first = parse_gift(text)
    assert first.errors == []
    exported, skipped = export_gift(q.as_dict() for q in first.questions)
    assert skipped == []
    second = parse_gift(exported)
    assert [q.as_dict() for q in second.questions] == [q.as_dict() for q in first.questions]


def test_numeric_any_other_answer_with_credit_and_what_follows_it():
    question = _one("Q {#=5:0 =%50%*#Anything else is half. ~6#never reached}")
    assert question.data["answers"] == [
        {"value": 5, "tolerance": 0, "fraction": 1},
        {"value": None, "fraction": 0.5, "feedback": "Anything else is half."},
    ]
    text, _ = export_gift([question.as_dict()])
    assert "\t=%50%*#Anything else is half.\n" in text
    assert _one(text).data == question.data
    [error] = parse_gift("Q {#=5:0 =#no number}").errors
    assert (error.code, error.params) == ("missing_answer", {"number": 2})


FUZZ_PIECES = [
    *"{}=~#:%-> \n\\[]abc01.T*_&<\t",
    *("\n\n", "[html]", "[markdown]", "[plain]", "::", "####", "<img>", "<p>", "</p>", "<b>"),
    *("&amp;", "..", "%50%", "%-100%", "\\n", "TRUE", "F", "**", "\n- ", "\n  - ", "1. "),
    *("\n// [id:x]\n", "\n// [tag:t]\n", "\n$CATEGORY: $course$/top/a/b\n\n", "~%50%", "=%0%"),
    *("~#", "{#", "{}", "// note\n"),
]


def test_random_gift_never_crashes_and_reads_back_the_same_after_export():
    rng = random.Random(13)
    for _ in range(3000):
        text = "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(0, 50)))
        first = parse_gift(text)
        exported, skipped = export_gift(q.as_dict() for q in first.questions)
        assert skipped == [], text
        second = parse_gift(exported)
        assert second.errors == [], (text, exported)
        assert [q.as_dict() for q in second.questions] == [q.as_dict() for q in first.questions], (
            text,
            exported,
        )


def test_correct_and_incorrect_feedback_are_written_as_the_general_feedback():
    base = {"type": "true_false", "title": "TF", "stem": "<p>S</p>", "data": {"correct": True}}
    for feedback, general in (
        ({"correct": "Same", "incorrect": "Same"}, "Same"),
        ({"correct": "Right"}, "Right"),
        ({"incorrect": "Wrong"}, "Wrong"),
        ({"correct": "Right", "incorrect": "Wrong"}, "Right\nWrong"),
        ({"general": "General", "correct": "Right", "partial": "Half"}, "General"),
    ):
        [parsed] = parse_gift(export_gift([{**base, "feedback": feedback}])[0]).questions
        assert parsed.feedback == {"general": general}
