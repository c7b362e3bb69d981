"""The GIFT export is read by gift-pegjs, the independent GIFT parser from npm (issue 13).

``tests/tools/gift_parse.mjs`` runs gift-pegjs 1.0.2 (a devDependency in package.json) on
the exported text; every question must come out of it with the type, answers, credit and
feedback the platform wrote, and read back by the platform's own parser unchanged.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from assessments.gift import _category_tags, export_gift, parse_gift
from assessments.tests.gift_expectations import (
    CORPUS,
    assert_agrees,
    node_available,
    pegjs_parse,
)

pytestmark = pytest.mark.skipif(not node_available(), reason="node is not installed")


def _essay_data() -> dict[str, Any]:
    return {
        "min_words": None,
        "max_words": None,
        "attachments": 0,
        "attachments_required": 0,
        "file_types": [],
        "rubric": None,
        "grader_info": "",
        "response_template": "",
    }


def _short(answers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "answers": answers,
        "case_sensitive": False,
        "ignore_accents": False,
        "ignore_spaces": False,
    }


SHARED = {"general": "Article 1: see the agreement."}

BANK: list[dict[str, Any]] = [
    {
        "uid": "primary-method",
        "type": "single_choice",
        "title": "Primary method: {WTO} = #1",
        "stem": "<p>Which method comes <strong>first</strong>? a ~ b = c # d { e } f : g \\ h</p>",
        "points": 1,
        "feedback": SHARED,
        "data": {
            "options": [
                {"id": "a", "text": "Transaction value", "feedback": "Right: Article 1."},
                {"id": "b", "text": "%50% of the deductive value", "feedback": "<b>no</b> & no"},
                {"id": "c", "text": "[html] looks like a format"},
            ],
            "correct": "a",
        },
        "tags": ["Valuation", "WTO/Agreement"],
    },
    {
        "uid": "several-right",
        "type": "single_choice",
        "title": "Several right, partial and negative credit",
        "stem": "<p>Which documents may prove origin?</p>",
        "points": 1,
        "feedback": {},
        "data": {
            "options": [
                {"id": "a", "text": "Certificate of origin"},
                {"id": "b", "text": "Origin declaration", "feedback": "Also right."},
                {"id": "c", "text": "Supplier's letter", "feedback": "Only half."},
                {"id": "d", "text": "Packing list", "feedback": "Costs you."},
                {"id": "e", "text": "Invoice"},
            ],
            "correct": "a",
            "fractions": {"a": 1, "b": 1, "c": 0.5, "d": -0.3333333},
        },
        "tags": ["Valuation", "WTO/Agreement"],
    },
    {
        "uid": "cif",
        "type": "multiple_response",
        "title": "CIF elements",
        "stem": "<p>Which costs are part of a CIF price?</p>",
        "points": 1,
        "feedback": {"general": "See Incoterms."},
        "data": {
            "options": [
                {"id": "a", "text": "Freight"},
                {"id": "b", "text": "Insurance", "feedback": 'The "I".'},
                {"id": "c", "text": "Buying commissions", "feedback": "Never."},
                {"id": "d", "text": "Duty"},
            ],
            "correct": ["a", "b"],
            "scoring": "right_minus_wrong",
        },
        "tags": [],
    },
    {
        "uid": "release",
        "type": "true_false",
        "title": "Release against a guarantee",
        "stem": "<p>Goods may be released before duties are paid.</p>",
        "points": 1,
        "feedback": SHARED,
        "data": {
            "correct": True,
            "feedback_true": "Yes, against a guarantee.",
            "feedback_false": "Read Article 19.",
        },
        "tags": [],
    },
    {
        "uid": "origin-false",
        "type": "true_false",
        "title": "Wholly obtained",
        "stem": "<p>Any input makes a product non-originating.</p>",
        "points": 1,
        "feedback": {},
        "data": {"correct": False, "feedback_false": "Right: tolerances exist."},
        "tags": [],
    },
    {
        "uid": "seal",
        "type": "short_answer",
        "title": "Seal prefix",
        "stem": "<p>Which prefix do the seals of this office carry?</p>",
        "points": 1,
        "feedback": SHARED,
        "data": _short(
            [
                {"id": "a", "text": "PE-", "fraction": 1, "feedback": "Right."},
                {"id": "b", "text": "%PE", "fraction": 0.5, "feedback": "Almost: %."},
                {"id": "c", "text": "P*", "fraction": 0.25},
                {"id": "d", "text": "*", "fraction": 0, "feedback": "No: see the seal register."},
            ]
        ),
        "tags": [],
    },
    {
        "uid": "duty",
        "type": "numeric",
        "title": "Duty amount",
        "stem": "<p>The duty rate is 12 %. What is the duty on 1000?</p>",
        "points": 1,
        "feedback": {"correct": "Exactly 120.", "general": "12 % of 1000 is 120."},
        "data": {"answer": 120, "tolerance": 0.5},
        "tags": ["Calculation"],
    },
    {
        "uid": "tiny",
        "type": "numeric",
        "title": "Tiny numbers",
        "stem": "<p>How small?</p>",
        "points": 1,
        "feedback": {},
        "data": {"answer": 1.5e-7, "tolerance": 1e-8},
        "tags": ["Calculation"],
    },
    {
        "uid": "teu",
        "type": "numeric",
        "title": "TEU with alternatives",
        "stem": "<p>The container holds how many TEU?</p>",
        "points": 1,
        "feedback": SHARED,
        "data": {
            "answers": [
                {"value": 2, "tolerance": 0, "fraction": 1, "feedback": "Right: a 40-foot box."},
                {"value": -1.5, "tolerance": 0.25, "fraction": 0.5, "feedback": "Half."},
                {"value": 4, "tolerance": 0, "fraction": 0},
                {"value": None, "fraction": 0, "feedback": "Completely wrong."},
            ],
            "units": [],
            "unit_handling": "none",
            "unit_penalty": 0,
        },
        "tags": ["Calculation"],
    },
    {
        "uid": "documents",
        "type": "matching",
        "title": "Documents",
        "stem": "<p>Match each document to what it proves.</p><p>Every one.</p>",
        "points": 1,
        "feedback": SHARED,
        "data": {
            "premises": [
                {"id": "p1", "text": "Invoice -> price & value"},
                {"id": "p2", "text": "Bill of lading"},
                {"id": "p3", "text": "Certificate: origin"},
            ],
            "responses": [
                {"id": "r1", "text": "The price = value"},
                {"id": "r2", "text": "The carriage {by sea}"},
                {"id": "r3", "text": "The preference #1"},
                {"id": "r4", "text": "The insurance"},
            ],
            "correct": {"p1": "r1", "p2": "r2", "p3": "r3"},
            "scoring": "per_premise",
        },
        "tags": [],
    },
    {
        "uid": "release-essay",
        "type": "essay",
        "title": "Release procedure",
        "stem": "<p>Describe the release procedure.</p><ul><li>steps</li><li>documents</li></ul>",
        "points": 1,
        "feedback": {"general": "A model answer: …"},
        "data": _essay_data(),
        "tags": [],
    },
    {
        "uid": "instructions",
        "type": "description",
        "title": "Instructions",
        "stem": "<p>You may use the tariff for the next questions: {all} of it.</p>",
        "points": 0,
        "feedback": {},
        "data": {},
        "tags": [],
    },
]


def _agree_with_pegjs(questions: list[dict[str, Any]], text: str) -> None:
    items = pegjs_parse(text)
    tags: list[str] = []
    questions_seen = 0
    for item in items:
        if item["type"] == "Category":
            tags = _category_tags(item["title"])
            continue
        question = questions[questions_seen]
        questions_seen += 1
        assert_agrees(question, item, [*tags, *(item.get("tags") or [])])
    assert questions_seen == len(questions)


def test_the_harness_reports_what_gift_pegjs_refuses():
    # gift-pegjs reads feedback on a numeric answer only in the {#=...} form: the old
    # export wrote {#120:0.5#feedback}, which it refuses.
    with pytest.raises(AssertionError, match="gift-pegjs refused"):
        pegjs_parse("Duty? {\n\t#120:0.5#Exactly 120.\n}\n")


def test_the_bank_covers_every_type_gift_can_express():
    from assessments.gift import EXPORTABLE_TYPES

    assert {question["type"] for question in BANK} == EXPORTABLE_TYPES


def test_export_of_every_type_is_read_by_gift_pegjs_and_by_us_alike():
    text, skipped = export_gift(copy.deepcopy(BANK))
    assert skipped == []
    _agree_with_pegjs(BANK, text)
    result = parse_gift(text)
    assert result.errors == []
    assert [q.as_dict() for q in result.questions] == BANK


def test_export_syntax_moodle_and_gift_pegjs_both_read():
    text, _ = export_gift(copy.deepcopy(BANK))
    assert "// [id:primary-method]\n::Primary method\\: \\{WTO\\} \\= \\#1::[html]" in text
    assert "\t=Transaction value#Right\\: Article 1.\n" in text
    # a leading % or [ would be read as a weight or a format: written as an entity
    assert "\t~&\\#37;50% of the deductive value#&lt;b&gt;no&lt;/b&gt; &amp; no\n" in text
    assert "\t~&\\#91;html] looks like a format\n" in text
    # several right options are all "=", partial and negative credit are weights on "~"
    assert "\t=Origin declaration#Also right.\n\t~%50%Supplier's letter" in text
    assert "\t~%-33.33333%Packing list#Costs you.\n\t~Invoice\n" in text
    # short answers always carry their weight (Moodle keeps a leading % otherwise)
    assert "\t=%100%PE-#Right.\n\t=%50%%PE#Almost\\: %.\n\t=%25%P*\n\t=%0%*#No" in text
    # numeric answers in the {#=value:tolerance#feedback} form, no exponents
    assert "{\n\t#\n\t=120:0.5#Exactly 120.\n\t####12 % of 1000 is 120.\n}" in text
    assert "=0.00000015:0.00000001" in text
    assert "\t=2:0#Right\\: a 40-foot box.\n\t=%50%-1.5:0.25#Half.\n\t=%0%4:0\n" in text
    assert "\t~#Completely wrong.\n" in text
    # matching: premises are HTML (-> becomes -&gt;), responses plain text
    assert "\t=Invoice -&gt; price &amp; value -> The price \\= value\n" in text
    assert "\t= -> The insurance\n" in text
    assert "[html]<p>Describe the release procedure.</p><ul>" in text
    assert "::Instructions::[html]<p>You may use the tariff for the next questions\\: " in text


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.gift")), ids=lambda path: path.stem)
def test_the_export_of_each_corpus_file_is_read_by_gift_pegjs(path):
    questions = [q.as_dict() for q in parse_gift(path.read_text("utf-8")).questions]
    text, skipped = export_gift(copy.deepcopy(questions))
    assert skipped == []
    if questions:
        _agree_with_pegjs(questions, text)
