"""Cloze questions (Moodle's embedded answers): gaps of three kinds in the stem, weighted.

Validation of the gaps and of every language's stem against them, normalisation,
grading with real values (weights, partial credit, Moodle's MULTIRESPONSE rule), the
attempt's tokens per gap, the attempt page (nothing of the key in its HTML), the review
and item analysis, and the demo question in four languages.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from assessments import services, tokens, types
from assessments.analysis import option_counts
from assessments.content import merged, public_view
from assessments.demo.merge import BANKS_DIR, load_bank, question_in
from assessments.grading import (
    ResponseError,
    grade,
    normalize_response,
    validate_question,
    validate_stem,
)
from assessments.models import AssessmentPage, DrawRule, Question, QuestionBank
from assessments.portability import ImportRefused, questions_import
from assessments.tests.fixtures import browser_answer
from courses import services as course_services
from courses.tests.fixtures import add

# A seal check, as in the illicit-trade course: one gap of each kind, weights 1, 2, 1, 1.
DATA = {
    "gaps": [
        {
            "id": "seal",
            "kind": "short_answer",
            "weight": 1,
            "case_sensitive": False,
            "answers": [
                {"id": "s1", "text": "PE-004512", "fraction": 1},
                {"id": "s2", "text": "PE-0045*", "fraction": 0.5, "feedback": "Close: check it."},
            ],
        },
        {
            "id": "weight",
            "kind": "numeric",
            "weight": 2,
            "answers": [
                {"id": "w1", "value": 18.4, "tolerance": 0.1, "fraction": 1},
                {"id": "w2", "value": 18400, "tolerance": 100, "fraction": 0.5},
                {"id": "w3", "value": "*", "fraction": 0, "feedback": "Tonnes, from the B/L."},
            ],
        },
        {
            "id": "flags",
            "kind": "choice",
            "weight": 1,
            "display": "checkbox",
            "options": [
                {"id": "a", "text": "The seal number differs from the record", "fraction": 0.5},
                {"id": "b", "text": "The consignee is new", "fraction": 0.5},
                {"id": "c", "text": "The shipper is known", "fraction": -1, "feedback": "No."},
            ],
        },
        {
            "id": "next",
            "kind": "choice",
            "weight": 1,
            "display": "dropdown",
            "options": [
                {"id": "a", "text": "Release the container", "fraction": 0},
                {"id": "b", "text": "Refer it for a physical examination", "fraction": 1},
            ],
        },
    ]
}
STEM = (
    "<p>The seal on the doors reads {{seal}}; the declared gross weight is {{weight}} "
    "tonnes. Red flags: {{flags}}. Next step: {{next}}.</p>"
)
RIGHT = {
    "seal": "PE-004512",
    "weight": "18,4",
    "flags": ["a", "b"],
    "next": "b",
}


# --- validation ---------------------------------------------------------------------------


def test_a_well_formed_cloze_has_no_problems():
    assert validate_question("cloze", DATA) == []
    assert validate_stem("cloze", DATA, STEM) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(gaps=[]), "at least one gap"),
        (lambda d: d["gaps"][1].update(id="seal"), "used more than once"),
        (lambda d: d["gaps"][0].update(id="g 1"), "needs an id"),
        (lambda d: d["gaps"][0].update(kind="essay"), "unknown kind"),
        (lambda d: d["gaps"][0].update(weight=0), "weight"),
        (lambda d: d["gaps"][0].update(weight=1.5), "weight"),
        (lambda d: d["gaps"][0]["answers"][0].update(fraction=0.9), "full credit"),
        (lambda d: d["gaps"][0]["answers"][1].update(text=" "), "has no text"),
        (lambda d: d["gaps"][0]["answers"][1].update(fraction=-0.5), "from 0 to 1"),
        (lambda d: d["gaps"][0].update(case_sensitive="yes"), "true or false"),
        (lambda d: d["gaps"][1]["answers"][0].update(value="18.4"), "finite number"),
        (lambda d: d["gaps"][1]["answers"][0].update(tolerance=-1), "tolerance"),
        (lambda d: d["gaps"][1].update(answers=[]), "at least one answer"),
        (lambda d: d["gaps"][2]["options"][1].update(fraction=0.25), "add up to 1"),
        (lambda d: d["gaps"][2]["options"][2].update(fraction=-2), "from -1 to 1"),
        (lambda d: d["gaps"][3].update(display="list"), "unknown display"),
        (lambda d: d["gaps"][3]["options"].pop(), "At least 2 options"),
        (lambda d: d["gaps"][3]["options"][1].update(fraction=0.5), "full credit"),
        (lambda d: d["gaps"][3]["options"][1].update(id="a"), "used more than once"),
    ],
)
def test_the_gap_structure_is_validated(change, expected):
    data = json.loads(json.dumps(DATA))
    change(data)
    problems = validate_question("cloze", data)
    assert any(expected.lower() in p.lower() for p in problems), problems


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("<p>{{seal}} {{weight}} {{flags}}</p>", ["no marker {{next}}"]),
        (STEM.replace("</p>", " {{extra}}</p>"), ["marks {{extra}}, which is not a gap"]),
        (STEM.replace("</p>", " {{seal}}</p>"), ["marks gap “seal” 2 times"]),
    ],
)
def test_every_stem_marks_exactly_the_gaps(stem, expected):
    problems = validate_stem("cloze", DATA, stem)
    assert [p for p in problems if any(e in p for e in expected)] == problems != []


def test_other_types_have_no_stem_rule():
    assert validate_stem("single_choice", {"options": []}, "<p>{{g1}}</p>") == []


# --- normalisation ------------------------------------------------------------------------


def test_a_response_is_checked_and_made_canonical():
    given = {"gaps": {"next": "b", "seal": "  pe-004512 ", "weight": "18,4", "flags": ["b", "a"]}}
    canonical = normalize_response("cloze", DATA, given)
    assert canonical == {
        "gaps": {"seal": "pe-004512", "weight": "18,4", "flags": ["a", "b"], "next": "b"}
    }
    assert normalize_response("cloze", DATA, canonical) == canonical
    blank = {"gaps": {"seal": " ", "weight": "", "flags": [], "next": None}}
    assert normalize_response("cloze", DATA, blank) == {"gaps": {}}
    assert normalize_response("cloze", DATA, None) == {"gaps": {}}


@pytest.mark.parametrize(
    ("gaps", "code"),
    [
        ({"weight": "eighteen"}, "not_a_number"),
        ({"weight": "1e3"}, "not_a_number"),
        ({"other": "x"}, "unknown_option"),
        ({"next": "z"}, "unknown_option"),
        ({"flags": ["a", "z"]}, "unknown_option"),
        ({"flags": "a"}, "wrong_shape"),
        ({"next": ["b"]}, "wrong_shape"),
        ({"seal": 4512}, "wrong_shape"),
        ({"seal": "x" * 256}, "too_long"),
    ],
)
def test_a_response_that_does_not_fit_is_refused(gaps, code):
    with pytest.raises(ResponseError) as refused:
        normalize_response("cloze", DATA, {"gaps": gaps})
    assert refused.value.code == code


def test_a_response_must_be_a_mapping_of_gaps():
    for wrong in ({"gaps": ["seal"]}, {"gap": {}}, {"gaps": {}, "more": 1}):
        with pytest.raises(ResponseError):
            normalize_response("cloze", DATA, wrong)


# --- grading ------------------------------------------------------------------------------


def fraction(gaps: dict) -> float:
    return grade("cloze", DATA, {"gaps": gaps}).fraction


def test_all_right_is_full_credit():
    result = grade("cloze", DATA, {"gaps": RIGHT})
    assert result.fraction == 1.0 and result.correct
    assert all(g["right"] for g in result.detail["gaps"].values())


def test_the_question_fraction_is_the_weighted_mean_of_the_gaps():
    # seal 1 (weight 1), weight 0.5 (weight 2), flags 0 (1), next 0 (1): (1 + 1) / 5.
    assert fraction({"seal": "PE-004512", "weight": "18400", "flags": ["a", "c"]}) == 0.4
    # Only the numeric gap, right: 2 of 5.
    assert fraction({"weight": "18.45"}) == 0.4
    # Only the dropdown, right: 1 of 5.
    assert fraction({"next": "b"}) == 0.2
    assert grade("cloze", DATA, {"gaps": {}}).detail["blank"] is True


def test_short_answer_gaps_match_like_short_answers():
    assert fraction({"seal": "pe-004512"}) == 0.2  # case ignored
    assert fraction({"seal": "PE004512"}) == 0.2  # a code, with or without separators
    assert fraction({"seal": "PE-004599"}) == 0.1  # the wildcard answer, half credit
    assert fraction({"seal": "PE-9"}) == 0.0
    data = json.loads(json.dumps(DATA))
    data["gaps"][0]["case_sensitive"] = True
    assert grade("cloze", data, {"gaps": {"seal": "pe-004512"}}).fraction == 0.0
    detail = grade("cloze", DATA, {"gaps": {"seal": "PE-004511"}}).detail["gaps"]["seal"]
    assert detail["feedback"] == ["Close: check it."] and detail["fraction"] == 0.5


def test_numeric_gaps_take_a_decimal_comma_and_the_first_tolerance_that_holds():
    assert fraction({"weight": "18,35"}) == 0.4
    assert fraction({"weight": " 18.5 "}) == 0.4  # |18.5 - 18.4| = 0.1: within
    assert fraction({"weight": "18,51"}) == 0.0  # the catch-all: nothing
    assert fraction({"weight": "18350"}) == 0.2  # in kilograms: half credit
    detail = grade("cloze", DATA, {"gaps": {"weight": "17"}}).detail["gaps"]["weight"]
    assert detail["feedback"] == ["Tonnes, from the B/L."]
    # The catch-all as the numeric type writes it (null, Moodle XML's "*" read back).
    data = json.loads(json.dumps(DATA))
    data["gaps"][1]["answers"][2] = {"value": None, "fraction": 0.25}
    assert validate_question("cloze", data) == []
    assert grade("cloze", data, {"gaps": {"weight": "-3"}}).fraction == 0.1
    assert detail["correct"] == [{"value": 18.4, "tolerance": 0.1}]


def test_checkbox_gaps_add_their_fractions_floored_at_zero():
    assert fraction({"flags": ["a"]}) == 0.1  # half of a weight-1 gap
    assert fraction({"flags": ["a", "b"]}) == 0.2
    assert fraction({"flags": ["a", "b", "c"]}) == 0.0  # 0.5 + 0.5 - 1
    assert fraction({"flags": ["c"]}) == 0.0  # never below 0
    detail = grade("cloze", DATA, {"gaps": {"flags": ["a", "c"]}}).detail["gaps"]["flags"]
    assert detail["feedback"] == ["No."] and detail["correct"] == ["a", "b"]


def test_a_wrong_dropdown_gives_nothing_and_a_negative_option_no_less():
    data = json.loads(json.dumps(DATA))
    data["gaps"][3]["options"][0]["fraction"] = -0.5
    assert grade("cloze", data, {"gaps": {"next": "a"}}).fraction == 0.0


# --- tokens -------------------------------------------------------------------------------


def test_each_choice_gap_has_its_own_tokens_and_text_gaps_pass_through():
    drawn = tokens.tokens_draw("cloze", DATA)
    assert set(drawn) == {"gap.flags:a", "gap.flags:b", "gap.flags:c", "gap.next:a", "gap.next:b"}
    browser = tokens.answer_for_browser("cloze", {"gaps": RIGHT}, drawn)
    assert browser["gaps"]["seal"] == "PE-004512" and browser["gaps"]["weight"] == "18,4"
    assert browser["gaps"]["flags"] == [drawn["gap.flags:a"], drawn["gap.flags:b"]]
    assert browser["gaps"]["next"] == drawn["gap.next:b"]
    assert tokens.answer_from_browser("cloze", browser, drawn) == {"gaps": RIGHT}
    # An authored id, or another gap's token, is refused.
    for wrong in ({"next": "b"}, {"next": drawn["gap.flags:b"]}, {"flags": ["a"]}):
        with pytest.raises(ResponseError) as refused:
            tokens.answer_from_browser("cloze", {"gaps": wrong}, drawn)
        assert refused.value.code == "unknown_option"
    with pytest.raises(ResponseError) as refused:
        tokens.answer_from_browser("cloze", {"gaps": {"flags": [drawn["gap.flags:a"]] * 2}}, drawn)
    assert refused.value.code == "duplicate"
    # A refusal never names an authored option id.
    error = tokens.refusal_in_tokens(ResponseError("unknown_option", value="c"), drawn)
    assert error.params["value"] == drawn["gap.flags:c"]


def test_the_public_view_cuts_the_stem_at_the_gaps_and_shows_no_key():
    drawn = tokens.tokens_draw("cloze", DATA)
    order = {"gap.next": ["b", "a"], "tokens": drawn}
    view = public_view("cloze", DATA, {"stem": STEM}, order)
    assert view["stem_inline"] is True
    gaps = [s["gap"] for s in view["segments"] if "gap" in s]
    assert [(g["id"], g["number"], g["kind"]) for g in gaps] == [
        ("seal", 1, "short_answer"),
        ("weight", 2, "numeric"),
        ("flags", 3, "choice"),
        ("next", 4, "choice"),
    ]
    assert [o["id"] for o in gaps[3]["options"]] == [drawn["gap.next:b"], drawn["gap.next:a"]]
    html = "".join(s.get("html", "") for s in view["segments"])
    assert "{{" not in html and html.startswith("<p>The seal") and html.endswith(".</p>")
    text = json.dumps(view["segments"])
    for secret in ("fraction", "PE-004512", "18.4", "feedback", "Tonnes", '"a"', '"b"'):
        assert secret not in text


def test_a_marker_inside_a_tag_is_not_a_gap_and_a_missing_one_comes_last():
    drawn = tokens.tokens_draw("cloze", DATA)
    stem = '<p>{{seal}} <img src="/x.png" alt="{{weight}}"> {{flags}} {{next}}</p>'
    view = public_view("cloze", DATA, {"stem": stem}, {"tokens": drawn})
    places = [s["gap"]["id"] for s in view["segments"] if "gap" in s]
    assert places == ["seal", "flags", "next", "weight"]


def test_texts_per_language_merge_into_the_gaps():
    data = {
        "gaps": [
            {
                "id": "g1",
                "kind": "choice",
                "display": "radio",
                "options": [{"id": "a", "fraction": 1}, {"id": "b", "fraction": 0}],
            },
            {
                "id": "g2",
                "kind": "short_answer",
                "answers": [{"id": "a1", "text": "CEN", "fraction": 1}],
            },
        ]
    }
    texts = {
        "stem": "<p>{{g1}} {{g2}}</p>",
        "gaps": {
            "g1": {"options": {"a": {"text": "Sí"}, "b": {"text": "No", "feedback": "¡No!"}}},
            "g2": {"answers": {"a1": {"feedback": "Bien."}}},
        },
    }
    full = merged(data, texts)
    assert full["gaps"][0]["options"][1] == {
        "id": "b",
        "fraction": 0,
        "text": "No",
        "feedback": "¡No!",
    }
    assert full["gaps"][1]["answers"][0]["text"] == "CEN"  # the key stays the key
    assert full["gaps"][1]["answers"][0]["feedback"] == "Bien."
    assert "text" not in full["gaps"][0]
    assert validate_question("cloze", full) == []
    assert "no text" in " ".join(validate_question("cloze", merged(data, {"stem": ""})))


def test_item_analysis_counts_answers_per_gap():
    counts = option_counts(
        [
            {"gaps": {"seal": "PE-004512", "flags": ["a", "b"]}},
            {"gaps": {"seal": "PE-004512", "next": "b"}},
            None,
        ],
        "cloze",
    )
    assert counts == {"seal → PE-004512": 2, "flags → a+b": 1, "next → b": 1}


def test_the_type_module_is_pure_python():
    source = (BANKS_DIR.parent.parent / "types" / "cloze.py").read_text()
    imports = re.findall(r"^(?:from|import) (\S+)", source, re.M)
    assert not [name for name in imports if name.split(".")[0] in ("django", "assessments")]


# --- the demo question ------------------------------------------------------------------


def test_the_demo_cloze_is_valid_in_four_languages():
    bank = load_bank(BANKS_DIR / "integrity.json")
    question = next(q for q in bank["questions"] if q["type"] == "cloze")
    kinds = {g["kind"] for g in question["data"]["gaps"]}
    displays = {g.get("display") for g in question["data"]["gaps"]} - {None}
    assert kinds == {"short_answer", "numeric", "choice"}
    assert displays == {"dropdown", "radio", "checkbox"}
    for language in ("en", "es", "pt-br", "fr"):
        merged_question = question_in(language, question)
        assert validate_question("cloze", merged_question["data"]) == [], language
        assert validate_stem("cloze", merged_question["data"], merged_question["stem"]) == []


# --- through the pages --------------------------------------------------------------------


@pytest.fixture
def cloze_assessment(course_tree, per_officer):
    bank = QuestionBank.objects.create(title="Seals")
    question = Question.objects.create(bank=bank, uid="seal-check")
    services.question_version_save(
        actor=None,
        question=question,
        qtype="cloze",
        data=DATA,
        texts={"en": {"title": "Seal check", "stem": STEM}},
        points=5,
    )
    page = AssessmentPage(
        title="Seals", slug="seals", max_attempts=1, shuffle_options=True, review_policy="answers"
    )
    page.draw_rules = [DrawRule(bank=bank, count=1)]
    add(course_tree.module2, page)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    return SimpleNamespace(page=page, question=question)


@pytest.mark.django_db
def test_the_attempt_page_shows_gaps_and_nothing_of_the_key(client, cloze_assessment, per_officer):
    per_officer.preferred_language = "en"  # the labels below are read in English
    per_officer.save(update_fields=["preferred_language"])
    attempt = services.attempt_start(actor=per_officer, assessment=cloze_assessment.page)
    client.force_login(per_officer)
    html = client.get(f"/attempts/{attempt.pk}/").content.decode()
    start = html.index('id="attempt-form"')
    body = html[start : html.index("</form>", start)]
    for secret in ("PE-004512", "18.4", "18400", "fraction", "Close: check it", "Tonnes"):
        assert secret not in body
    assert "{{" not in body  # no raw marker, in the legend or anywhere
    for number in (1, 2, 3, 4):
        assert f"Gap {number}" in body
    assert 'data-type="cloze"' in body and "js/types/cloze.js" in html
    values = re.findall(r'value="([^"]*)"', body)
    drawn = attempt.responses.get().option_order["tokens"]
    option_values = [v for v in values if v and v in drawn.values()]
    assert len(option_values) == 5  # every option by token
    assert not {"a", "b", "c"} & set(values)
    assert 'inputmode="decimal"' in body


@pytest.mark.django_db
def test_an_answer_saved_submitted_and_reviewed(client, cloze_assessment, per_officer):
    attempt = services.attempt_start(actor=per_officer, assessment=cloze_assessment.page)
    response = attempt.responses.select_related("version").get()
    answer = browser_answer(
        response, {"gaps": {"seal": "pe004512", "weight": "18400", "flags": ["a", "c"]}}
    )
    client.force_login(per_officer)
    reply = client.post(
        f"/attempts/{attempt.pk}/answer/",
        json.dumps({"position": response.position, "seq": 1, "answer": answer}),
        content_type="application/json",
    )
    assert reply.status_code == 200, reply.content
    # The reload shows the saved answer: texts in their gaps, the options ticked.
    html = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert 'value="pe004512"' in html and 'value="18400"' in html
    drawn = response.option_order["tokens"]
    assert re.search(rf'value="{drawn["gap.flags:a"]}"\s+checked', html)
    client.post(f"/attempts/{attempt.pk}/submit/")
    response.refresh_from_db()
    assert response.fraction == 0.4 and response.points == 2.0
    result = client.get(f"/attempts/{attempt.pk}/result/").content.decode()
    assert "data-cloze-review" in result
    rows = re.findall(r'data-gap-review="(\d)" data-state="(\w+)"', result)
    assert rows == [("1", "right"), ("2", "partial"), ("3", "wrong"), ("4", "wrong")]
    assert "<strong>[1]</strong>" in result and "{{seal}}" not in result
    assert "PE-004512" in result and "18.4 ± 0.1" in result and "No." in result


@pytest.mark.django_db
def test_an_import_whose_stem_misses_a_gap_is_refused(regional_author):
    bank = QuestionBank.objects.create(title="Imported")
    text = json.dumps(
        {
            "format": "customs-lms-questions",
            "version": 1,
            "bank": {"title": "Imported"},
            "questions": [
                {"type": "cloze", "title": "Seal", "stem": "<p>{{seal}}</p>", "data": DATA}
            ],
        }
    )
    with pytest.raises(ImportRefused) as refused:
        questions_import(actor=None, bank=bank, text=text, fmt="json")
    reasons = " ".join(reason for _line, reason in refused.value.report.rejected)
    assert "{{weight}}" in reasons


@pytest.mark.django_db
def test_the_question_form_checks_every_languages_stem(client, regional_author):
    bank = QuestionBank.objects.create(title="Authored")
    client.force_login(regional_author)
    form = {
        "bank": bank.pk,
        "uid": "cloze-1",
        "tags": "",
        "qtype": "cloze",
        "points": "1",
        "data": json.dumps(DATA),
        "texts": json.dumps(
            {"en": {"title": "T", "stem": STEM}, "es": {"title": "T", "stem": "<p>{{seal}}</p>"}}
        ),
    }
    response = client.post("/cms/questions/new/", form)
    assert response.status_code == 200
    assert "es: The stem has no marker {{weight}}" in response.content.decode()
    form["texts"] = json.dumps({"en": {"title": "T", "stem": STEM}})
    assert client.post("/cms/questions/new/", form).status_code == 302
    assert Question.objects.get(uid="cloze-1").current_version.type == "cloze"


@pytest.mark.django_db
def test_the_editor_lists_the_cloze_and_starts_it_from_a_skeleton(client, regional_author):
    client.force_login(regional_author)
    html = client.get("/cms/questions/new/").content.decode()
    assert '<option value="cloze">' in html
    config = json.loads(
        re.search(
            r'<script id="question-editor-config" type="application/json">(.*?)</script>',
            html,
            re.S,
        ).group(1)
    )
    skeleton = config["skeletons"]["cloze"]
    data, texts = skeleton["data"], skeleton["texts"]
    assert validate_stem("cloze", data, texts["stem"]) == []
    # Filled in by the author (the empty texts are what the skeleton asks for), it is valid.
    data["gaps"][0]["answers"][0]["text"] = "CEN"
    texts["gaps"]["g3"]["options"] = {"a": {"text": "2000"}, "b": {"text": "1987"}}
    assert validate_question("cloze", merged(data, texts)) == []


def test_the_review_numbers_the_gaps_in_the_stems_reading_order():
    kind = types.get("cloze")
    data = {"gaps": list(reversed(json.loads(json.dumps(DATA))["gaps"]))}  # next, ..., seal
    review = kind.review_view(data, {"gaps": {"seal": "PE-004512", "next": "a"}}, stem=STEM)
    rows = [(r["number"], r["kind"], r["state"], r["answer"]) for r in review["gaps"]]
    assert rows == [
        (1, "short_answer", "right", "PE-004512"),
        (2, "numeric", "wrong", ""),
        (3, "choice", "wrong", ""),
        (4, "choice", "wrong", "Release the container"),
    ]
    assert review["gaps"][3]["correct"] == "Refer it for a physical examination"
    assert kind.review_stem(STEM).count("<strong>[") == 4
    assert kind.review_stem(STEM).index("[1]") < kind.review_stem(STEM).index("[4]")
