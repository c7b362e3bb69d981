"""The project's JSON question format: export, validation on import, round trips."""

import copy
import json

import pytest

from assessments.gift import ImportResult, ParsedQuestion, QuestionImportError
from assessments.portable import FORMAT, MESSAGES, QUESTION_TYPES, export_json, parse_json
from assessments.tests.test_type_drag_drop import QUESTIONS as DRAG_DROP_QUESTIONS

BANK = {"title": "Valoración aduanera – nivel 1", "tags": ["valuation", "wto"]}

# One small, valid question of each type (QUESTION_FORMAT.md). Stems are already in the
# allowed HTML, so they come back unchanged.
EXAMPLES = [
    {
        "uid": "5b0e6f0e-0001-4c1e-9a00-000000000001",
        "type": "single_choice",
        "title": "First valuation method",
        "stem": "<p>Which method is tried <strong>first</strong>?</p>",
        "points": 1,
        "feedback": {"correct": "Article 1 comes first.", "incorrect": "Article 1 comes first."},
        "data": {
            "options": [
                {"id": "a", "text": "Transaction value", "feedback": "Right."},
                {"id": "b", "text": "Deductive value"},
                {"id": "c", "text": "Computed value"},
            ],
            "correct": "a",
        },
        "tags": ["valuation"],
    },
    {
        "uid": "5b0e6f0e-0002-4c1e-9a00-000000000002",
        "type": "multiple_response",
        "title": "CIF elements",
        "stem": "<p>Which costs are included in a CIF price?</p>",
        "points": 2,
        "feedback": {},
        "data": {
            "options": [
                {"id": "a", "text": "Freight to the port of import"},
                {"id": "b", "text": "Insurance"},
                {"id": "c", "text": "Buying commissions", "feedback": "Not part of CIF."},
            ],
            "correct": ["a", "b"],
            "scoring": "right_minus_wrong",
        },
        "tags": ["valuation", "incoterms"],
    },
    {
        "uid": "5b0e6f0e-0003-4c1e-9a00-000000000003",
        "type": "true_false",
        "title": "Release against guarantee",
        "stem": "<p>Goods may be released before duties are paid if a guarantee is lodged.</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "correct": True,
            "feedback_true": "Yes: Article 19 of the Kyoto Convention.",
            "feedback_false": "Release against a guarantee is allowed.",
        },
        "tags": [],
    },
    {
        "uid": "5b0e6f0e-0004-4c1e-9a00-000000000004",
        "type": "numeric",
        "title": "Duty amount",
        "stem": "<p>The duty rate is 12 %. What is the duty on a customs value of 1000?</p>",
        "points": 1.5,
        "feedback": {"correct": "12 % of 1000 is 120.", "incorrect": "12 % of 1000 is 120."},
        "data": {"answer": 120, "tolerance": 0.5},
        "tags": ["calculation"],
    },
    {
        "uid": "5b0e6f0e-0005-4c1e-9a00-000000000005",
        "type": "ordering",
        "title": "Clearance steps",
        "stem": "<p>Put the clearance steps in order.</p>",
        "points": 1,
        "feedback": {"partial": "Almost: check the order of the last steps."},
        "data": {
            "items": [
                {"id": "i1", "text": "Lodge the declaration"},
                {"id": "i2", "text": "Risk assessment"},
                {"id": "i3", "text": "Physical inspection"},
                {"id": "i4", "text": "Release"},
            ],
            "correct_order": ["i1", "i2", "i3", "i4"],
            "scoring": "adjacent_pairs",
        },
        "tags": ["procedure"],
    },
    {
        "uid": "5b0e6f0e-0006-4c1e-9a00-000000000006",
        "type": "matching",
        "title": "Documents",
        "stem": "<p>Match each document to what it proves.</p>",
        "points": 1,
        "feedback": {},
        "data": {
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
        },
        "tags": ["documents"],
    },
    {
        "uid": "5b0e6f0e-0007-4c1e-9a00-000000000007",
        "type": "hotspot",
        "title": "Container seal",
        "stem": "<p>Click the container seal.</p>",
        "points": 1,
        "feedback": {"correct": "Well spotted.", "incorrect": "The seal is on the right door."},
        "data": {
            "image": {"width": 800, "height": 600, "alt": "Rear doors of a container"},
            "regions": [
                {"id": "r1", "label": "Seal", "shape": "rect", "coords": [500, 250, 40, 60]},
                {
                    "id": "r2",
                    "label": "Bolt",
                    "shape": "polygon",
                    "coords": [[300, 300], [340, 300], [320, 360]],
                },
            ],
            "targets": "any",
            "max_clicks": 2,
            "wrong_click_penalty": 0.25,
        },
        "tags": ["inspection"],
    },
    {
        "uid": "5b0e6f0e-0001-4c1e-9a00-000000000008",
        "type": "cloze",
        "title": "Seal check",
        "stem": "<p>The seal reads {{g1}}; the gross weight is {{g2}} t. Next: {{g3}}.</p>",
        "points": 2,
        "feedback": {"partial": "Check each gap."},
        "data": {
            "gaps": [
                {
                    "id": "g1",
                    "kind": "short_answer",
                    "weight": 1,
                    "case_sensitive": False,
                    "answers": [
                        {"id": "a1", "text": "PE-004512", "fraction": 1},
                        {"id": "a2", "text": "PE-*", "fraction": 0.5, "feedback": "Close."},
                    ],
                },
                {
                    "id": "g2",
                    "kind": "numeric",
                    "weight": 2,
                    "answers": [{"value": 18.4, "tolerance": 0.1, "fraction": 1}],
                },
                {
                    "id": "g3",
                    "kind": "choice",
                    "weight": 1,
                    "display": "checkbox",
                    "options": [
                        {"id": "a", "text": "Examine it", "fraction": 1},
                        {"id": "b", "text": "Release it", "fraction": -1, "feedback": "No."},
                    ],
                },
            ]
        },
        "tags": ["inspection"],
    },
    {
        "uid": "5b0e6f0e-0001-4c1e-9a00-0000000000a1",
        "type": "short_answer",
        "title": "Seal number",
        "stem": "<p>Which seal number is on the doors?</p>",
        "points": 1,
        "feedback": {"incorrect": "Compare the seal with the record."},
        "data": {
            "answers": [
                {"id": "a", "text": "PE-004512", "fraction": 1, "feedback": "Yes."},
                {"id": "b", "text": "PE-004*", "fraction": 0.5},
            ],
            "case_sensitive": False,
            "ignore_accents": False,
            "ignore_spaces": False,
        },
        "tags": ["seals"],
    },
    {
        "uid": "5b0e6f0e-0001-4c1e-9a00-0000000000e1",
        "type": "essay",
        "title": "An offered gift",
        "stem": "<p>A broker offers you a gift after clearance. What do you do, and why?</p>",
        "points": 4,
        "feedback": {},
        "data": {
            "min_words": 60,
            "max_words": 250,
            "attachments": 0,
            "attachments_required": 0,
            "file_types": [],
            "rubric": {
                "criteria": [
                    {
                        "id": "c1",
                        "text": "Refuses and reports",
                        "levels": [
                            {"id": "l1", "text": "No", "points": 0},
                            {"id": "l2", "text": "Yes", "points": 2},
                        ],
                    },
                    {
                        "id": "c2",
                        "text": "Names the integrity rule",
                        "levels": [
                            {"id": "l3", "text": "No", "points": 0},
                            {"id": "l4", "text": "Yes", "points": 2},
                        ],
                    },
                ]
            },
            "grader_info": "The code of conduct forbids gifts; the answer names the channel.",
            "response_template": "",
        },
        "tags": ["integrity"],
    },
    {
        "uid": "5b0e6f0e-0001-4c1e-9a00-0000000000a2",
        "type": "description",
        "title": "The case",
        "stem": "<p>A reefer container arrives from Guayaquil.</p>",
        "points": 0,
        "feedback": {},
        "data": {},
        "tags": [],
    },
    {
        "uid": "5b0e6f0e-0001-4c1e-9a00-0000000000a3",
        "type": "numeric",
        "title": "Gross weight",
        "stem": "<p>48 cartons of 12.5 kg: what gross weight?</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "answers": [
                {"value": 600, "tolerance": 0, "fraction": 1},
                {"value": None, "fraction": 0, "feedback": "Multiply."},
            ],
            # Units have no GIFT form (test_gift reads these examples too): see
            # test_numeric_with_units_makes_the_round_trip below.
            "units": [],
            "unit_handling": "none",
            "unit_penalty": 0,
        },
        "tags": [],
    },
    *(
        {
            "uid": f"5b0e6f0e-00dd-4c1e-9a00-00000000000{number}",
            "type": qtype,
            "title": f"Drag and drop {number}",
            "stem": texts["stem"],
            "points": 2,
            "feedback": {},
            "data": copy.deepcopy(data),
            "tags": ["drag-and-drop"],
        }
        for number, (qtype, data, texts) in enumerate(DRAG_DROP_QUESTIONS.values(), start=1)
    ),
]


def examples():
    return copy.deepcopy(EXAMPLES)


def document(questions, **overrides):
    doc = {"format": FORMAT, "version": 1, "bank": BANK, "questions": questions}
    doc.update(overrides)
    return json.dumps(doc)


def test_examples_cover_every_type():
    assert sorted(set(q["type"] for q in EXAMPLES)) == sorted(QUESTION_TYPES)


def test_numeric_with_units_makes_the_round_trip():
    question = next(copy.deepcopy(q) for q in EXAMPLES if q["title"] == "Gross weight")
    question["data"].update(
        units=[{"unit": "kg", "multiplier": 1}, {"unit": "t", "multiplier": 0.001}],
        unit_handling="required",
        unit_penalty=0.25,
    )
    [parsed] = parse_json(export_json(BANK, [copy.deepcopy(question)])).questions
    assert parsed.as_dict() == question


def test_export_layout_is_stable():
    text = export_json(BANK, examples())
    doc = json.loads(text)
    assert list(doc) == ["format", "version", "bank", "questions"]
    assert doc["format"] == "customs-lms-questions" and doc["version"] == 1
    assert doc["bank"] == BANK
    for question in doc["questions"]:
        assert list(question) == [
            "uid",
            "type",
            "title",
            "stem",
            "points",
            "feedback",
            "data",
            "tags",
        ]
    assert "Valoración aduanera – nivel 1" in text  # ensure_ascii=False
    assert text.startswith('{\n  "format": "customs-lms-questions",\n')
    assert text.endswith("}\n")
    # Same input, same bytes, whatever the key order of the input dicts.
    shuffled = [dict(reversed(list(q.items()))) for q in examples()]
    assert export_json(BANK, shuffled) == text


@pytest.mark.parametrize("example", EXAMPLES, ids=[q["type"] for q in EXAMPLES])
def test_round_trip_of_each_type(example):
    result = parse_json(export_json(BANK, [copy.deepcopy(example)]))
    assert result.errors == []
    [question] = result.questions
    assert isinstance(question, ParsedQuestion)
    assert question.line == 1
    assert question.as_dict() == {k: v for k, v in example.items()}


def test_round_trip_of_the_whole_bank_is_byte_identical():
    text = export_json(BANK, examples())
    result = parse_json(text)
    assert isinstance(result, ImportResult)
    assert result.errors == []
    assert result.bank == BANK
    assert [q.line for q in result.questions] == list(range(1, len(EXAMPLES) + 1))
    assert export_json(result.bank, [q.as_dict() for q in result.questions]) == text


def test_missing_uid_is_derived_from_the_content():
    question = examples()[0]
    del question["uid"]
    first = json.loads(export_json(BANK, [question]))["questions"][0]["uid"]
    again = json.loads(export_json(BANK, [copy.deepcopy(question)]))["questions"][0]["uid"]
    assert first == again and len(first) == 36


def test_optional_fields_get_defaults_and_stems_are_cleaned():
    raw = {
        "type": "true_false",
        "stem": '<p onclick="steal()">Is <b>this</b> safe?<script>alert(1)</script></p>',
        "data": {"correct": False},
    }
    result = parse_json(document([raw]))
    assert result.errors == []
    [question] = result.questions
    assert question.stem == "<p>Is <strong>this</strong> safe?</p>"
    assert question.title == "Is this safe?"
    assert question.points == 1
    assert question.feedback == {} and question.tags == [] and question.uid is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "not_json"),
        ("{not json", "not_json"),
        ('{"format": "customs-lms-questions", "version": 1, "questions": [NaN]}', "not_json"),
        ("[1, 2, 3]", "not_this_format"),
        ('{"format": "moodle-xml", "version": 1, "questions": []}', "not_this_format"),
        (
            '{"format": "customs-lms-questions", "version": 2, "questions": []}',
            "unsupported_version",
        ),
        (
            '{"format": "customs-lms-questions", "version": true, "questions": []}',
            "unsupported_version",
        ),
        ('{"format": "customs-lms-questions", "version": 1}', "not_this_format"),
        ('{"format": "customs-lms-questions", "version": 1, "questions": {}}', "not_this_format"),
        (
            '{"format": "customs-lms-questions", "version": 1, "bank": [], "questions": []}',
            "bad_bank",
        ),
        (
            '{"format": "customs-lms-questions", "version": 1, "bank": {"tags": [1]}, '
            '"questions": []}',
            "bad_bank",
        ),
    ],
)
def test_files_that_are_not_this_format_get_one_error_at_line_0(text, code):
    result = parse_json(text)
    assert result.questions == []
    assert [(e.line, e.code) for e in result.errors] == [(0, code)]
    error = result.errors[0]
    assert error.reason == MESSAGES[code]
    assert error.message  # the template formats with its params


def test_bytes_are_accepted_and_bad_utf8_is_reported():
    assert parse_json(export_json(BANK, examples()).encode()).errors == []
    result = parse_json(b"\xff\xfe{")
    assert [(e.line, e.code) for e in result.errors] == [(0, "not_json")]


def mutate(index, change):
    question = examples()[index]
    change(question)
    return question


def _set(path, value):
    def change(question):
        target = question
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path):
    def change(question):
        target = question
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _both(*changes):
    def change(question):
        for each in changes:
            each(question)

    return change


BROKEN = [
    # (example index, change, expected code, expected params subset)
    (0, _set(["type"], "calculated"), "unknown_type", {"type": "calculated"}),
    (0, _set(["type"], 3), "wrong_json_type", {"field": "type"}),
    (0, _delete(["data"]), "missing_field", {"field": "data"}),
    (0, _set(["colour"], "red"), "unknown_field", {"field": "colour"}),
    (0, _set(["stem"], "<script>x</script>"), "empty_text", {"field": "stem"}),
    (0, _set(["points"], 0), "must_be_positive", {"field": "points"}),
    (0, _set(["points"], "1"), "wrong_json_type", {"field": "points", "expected": "number"}),
    (0, _set(["points"], True), "wrong_json_type", {"field": "points"}),
    (0, _set(["feedback"], {"good": "x"}), "unknown_field", {"field": "feedback.good"}),
    (0, _set(["tags"], "valuation"), "wrong_json_type", {"field": "tags"}),
    (0, _set(["data", "correct"], "z"), "unknown_id", {"field": "data.correct", "id": "z"}),
    (0, _set(["data", "options", 1, "id"], "a"), "duplicate_id", {"id": "a"}),
    (0, _set(["data", "options", 1, "text"], "  "), "empty_text", {}),
    (0, _delete(["data", "options", 2, "id"]), "missing_field", {"field": "data.options[2].id"}),
    (0, _set(["data", "options"], [{"id": "a", "text": "Only"}]), "too_few_entries", {}),
    (1, _set(["data", "correct"], "a"), "wrong_json_type", {"expected": "list"}),
    (1, _set(["data", "correct"], ["a", "a"]), "duplicate_entry", {"id": "a"}),
    (1, _set(["data", "scoring"], "best_effort"), "not_allowed", {"field": "data.scoring"}),
    (1, _delete(["data", "scoring"]), "missing_field", {"field": "data.scoring"}),
    (2, _set(["data", "correct"], "true"), "wrong_json_type", {"expected": "boolean"}),
    (2, _set(["data", "feedback_ture"], "x"), "unknown_field", {"field": "data.feedback_ture"}),
    (3, _set(["data", "answer"], "120"), "wrong_json_type", {"field": "data.answer"}),
    (3, _set(["data", "tolerance"], -1), "must_not_be_negative", {}),
    (4, _set(["data", "correct_order"], ["i1", "i2", "i3"]), "incomplete_order", {}),
    (4, _set(["data", "correct_order"], ["i1", "i2", "i3", "i3"]), "incomplete_order", {}),
    (4, _set(["data", "correct_order"], ["i1", "i2", "i3", "i9"]), "unknown_id", {"id": "i9"}),
    (5, _set(["data", "correct"], {"p1": "r1", "p2": "r2"}), "incomplete_matching", {}),
    (5, _set(["data", "correct", "p3"], "p1"), "unknown_id", {"id": "p1"}),
    (5, _set(["data", "responses", 0, "id"], "p1"), "duplicate_id", {"id": "p1"}),
    (6, _set(["data", "image", "width"], 0), "must_be_positive", {}),
    (6, _set(["data", "image", "alt"], ""), "empty_text", {"field": "data.image.alt"}),
    (6, _set(["data", "regions", 0, "coords"], [790, 0, 40, 60]), "bad_coords", {}),
    (6, _set(["data", "regions", 1, "coords"], [[0, 0], [1, 1]]), "bad_coords", {}),
    (6, _set(["data", "regions", 0, "shape"], "circle"), "not_allowed", {}),
    (6, _set(["data", "max_clicks"], 0), "must_be_positive", {}),
    (6, _set(["data", "max_clicks"], 1.5), "wrong_json_type", {"expected": "integer"}),
    (6, _set(["data", "wrong_click_penalty"], 1.5), "must_be_fraction", {}),
    (6, _set(["data", "targets"], "some"), "not_allowed", {"allowed": "any, all"}),
    (
        6,
        _both(_set(["data", "targets"], "all"), _set(["data", "max_clicks"], 1)),
        "too_few_clicks",
        {"minimum": 2},
    ),
    (
        6,
        _set(["data", "regions", 0, "label"], " "),
        "empty_text",
        {"field": "data.regions[0].label"},
    ),
    (
        6,
        _set(["data", "regions", 1, "coords"], [[0, 0], [5, 5], [10, 10]]),
        "bad_coords",
        {"shape": "polygon"},
    ),
    (6, _set(["data", "image", "width"], "800"), "wrong_json_type", {"field": "data.image.width"}),
]


@pytest.mark.parametrize(("index", "change", "code", "params"), BROKEN)
def test_each_broken_question_is_reported_and_the_others_still_import(index, change, code, params):
    good = examples()
    broken = mutate(index, change)
    questions = [*good[:3], broken, *good[3:]]
    for number, question in enumerate(questions):
        if question is not broken:
            question["uid"] = f"uid-{number}"
    result = parse_json(document(questions))
    assert [q.title for q in result.questions] == [q["title"] for q in good]
    assert [q.line for q in result.questions] == [1, 2, 3, *range(5, len(EXAMPLES) + 2)]
    [error] = result.errors
    assert isinstance(error, QuestionImportError)
    assert (error.line, error.code) == (4, code)
    assert error.title == (broken["title"] if isinstance(broken.get("title"), str) else None)
    assert params.items() <= error.params.items()
    assert error.reason == MESSAGES[code]
    assert error.message == MESSAGES[code].format(**error.params)


def test_questions_that_are_not_objects_and_duplicate_uids():
    first, second = examples()[:2]
    second["uid"] = first["uid"]
    result = parse_json(document([first, "not a question", second]))
    assert [q.line for q in result.questions] == [1]
    assert [(e.line, e.code, e.title) for e in result.errors] == [
        (2, "not_an_object", None),
        (3, "duplicate_uid", "CIF elements"),
    ]


def test_every_message_formats_with_its_params():
    params = {
        "json_line": 1,
        "json_column": 2,
        "detail": "Expecting value",
        "version": 2,
        "field": "data.correct",
        "expected": "string",
        "type": "essay",
        "allowed": "any, all",
        "minimum": 2,
        "id": "a",
        "shape": "rect",
        "uid": "x",
    }
    for code, template in MESSAGES.items():
        assert template.format(**params), code
