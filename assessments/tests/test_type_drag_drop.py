"""Drag and drop: words into a text (drag_drop_text), labels onto an image
(drag_drop_image) and markers at points (drag_drop_marker): validation, normalisation,
grading, tokens, item analysis, and the attempt page, which must carry no key."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import pytest

from assessments import services
from assessments.analysis import option_counts
from assessments.content import public_view
from assessments.grading import ResponseError, grade, normalize_response, validate_question
from assessments.models import AssessmentPage, Attempt, DrawRule, ReviewPolicy
from assessments.tests.fixtures import browser_answer, make_bank
from assessments.tokens import answer_for_browser, answer_from_browser, tokens_draw
from assessments.types.drop_common import stem_segments
from courses import services as course_services
from courses.tests.fixtures import add

# Ids chosen so that a leak is easy to see: an authored id never reaches the page.
TEXT_DATA: dict[str, Any] = {
    "mode": "drag",
    "choices": [
        {"id": "keyBL", "text": "bill of lading", "group": 1},
        {"id": "keyINV", "text": "commercial invoice", "group": 1},
        {"id": "keyPL", "text": "packing list", "group": 1},
        {"id": "keyCO", "text": "certificate of origin", "group": 2, "unlimited": True},
        {"id": "keyX", "text": "seal record", "group": 2},
    ],
    "gaps": [
        {"id": "gapA", "correct": "keyBL"},
        {"id": "gapB", "correct": "keyINV"},
        {"id": "gapC", "correct": "keyCO"},
    ],
    "shuffle": True,
}
TEXT_STEM = (
    "<p>The {{gapA}} is the carrier's receipt; the {{gapB}} states the price; "
    "the {{gapC}} backs a preference.</p>"
)

IMAGE_DATA: dict[str, Any] = {
    "image": {"name": "bill_of_lading", "width": 1000, "height": 700, "alt": "Document set"},
    "items": [
        {"id": "keySeal", "text": "Seal differs", "group": 1},
        {"id": "keyHS", "text": "HS code contradicts", "group": 1},
        {"id": "keyPrice", "text": "Implausible price", "group": 1},
    ],
    "zones": [
        {"id": "zoneS", "x": 28, "y": 300, "correct": "keySeal"},
        {"id": "zoneH", "x": 28, "y": 484, "correct": "keyHS"},
        {"id": "zoneP", "x": 790, "y": 170, "correct": "keyPrice"},
    ],
}

MARKER_DATA: dict[str, Any] = {
    "image": {"name": "container_doors", "width": 800, "height": 500, "alt": "Container doors"},
    "markers": [
        {"id": "keySEAL", "text": "Seal", "count": 1},
        {"id": "keyHINGE", "text": "Hinge", "count": None},
    ],
    "zones": [
        {"id": "zoneSEAL", "marker": "keySEAL", "shape": "circle", "coords": [500, 300, 30]},
        {"id": "zoneH1", "marker": "keyHINGE", "shape": "rect", "coords": [100, 100, 40, 60]},
        {
            "id": "zoneH2",
            "marker": "keyHINGE",
            "shape": "polygon",
            "coords": [[100, 340], [140, 340], [140, 400], [100, 400]],
        },
    ],
}


def problems(qtype: str, data: dict[str, Any]) -> list[str]:
    return [str(p) for p in validate_question(qtype, data)]


# --- validation ---------------------------------------------------------------------------


def test_valid_questions_have_no_problems():
    assert problems("drag_drop_text", TEXT_DATA) == []
    assert problems("drag_drop_text", {**TEXT_DATA, "mode": "select"}) == []
    assert problems("drag_drop_image", IMAGE_DATA) == []
    assert problems("drag_drop_marker", MARKER_DATA) == []


def test_text_problems_are_named():
    data = json.loads(json.dumps(TEXT_DATA))
    data["mode"] = "pick"
    data["gaps"].append({"id": "gapD", "correct": "nope"})
    data["gaps"].append({"id": "gapE", "correct": "keyBL"})
    data["choices"][0]["group"] = 0
    found = problems("drag_drop_text", data)
    assert "Unknown mode pick; use drag or select." in found
    assert "The gap “gapD” names an unknown correct choice nope." in found
    assert "The group of “keyBL” must be a whole number of at least 1." in found
    assert "“keyBL” is the answer of 2 places: mark it unlimited, or it can only fill one." in found
    # In select mode every gap is its own list: a choice may answer several.
    data.update(mode="select")
    assert not any("answer of 2 places" in p for p in problems("drag_drop_text", data))


def test_image_and_marker_problems_are_named():
    image = json.loads(json.dumps(IMAGE_DATA))
    image["zones"][0]["x"] = 1200
    del image["image"]["width"]
    assert "The image width and height must be positive numbers." in problems(
        "drag_drop_image", image
    )
    image["image"]["width"] = 1000
    assert problems("drag_drop_image", image) == [
        "Drop zone “zoneS” needs a position x, y inside the image."
    ]
    marker = json.loads(json.dumps(MARKER_DATA))
    marker["markers"][1]["count"] = 1
    marker["zones"][0]["coords"] = [790, 300, 30]
    marker["zones"].append({"id": "z9", "marker": "ghost", "shape": "star", "coords": []})
    assert problems("drag_drop_marker", marker) == [
        "Zone “zoneSEAL” lies outside the image.",
        "Zone “z9” names an unknown marker ghost.",
        "Zone “z9”: unknown shape; use circle, rect or polygon.",
        "Marker “keyHINGE” may be placed 1 times but 2 zones expect it.",
    ]


def test_problems_are_translatable():
    (problem,) = validate_question("drag_drop_marker", {**MARKER_DATA, "markers": []})[:1]
    assert problem.translated(lambda s: s.upper()) == "AT LEAST ONE MARKER IS NEEDED."


# --- normalisation and grading -----------------------------------------------------------


def test_text_answers_are_checked_and_graded_per_gap():
    given = {"gaps": {"gapA": "keyBL", "gapB": "keyPL", "gapC": "", "gapX": None}}
    with pytest.raises(ResponseError) as error:
        normalize_response("drag_drop_text", TEXT_DATA, given)
    assert error.value.code == "unknown_option" and error.value.params["value"] == "gapX"
    given["gaps"].pop("gapX")
    assert normalize_response("drag_drop_text", TEXT_DATA, given) == {
        "gaps": {"gapA": "keyBL", "gapB": "keyPL"}
    }
    result = grade("drag_drop_text", TEXT_DATA, given)
    assert result.fraction == 0.333333 and not result.correct
    assert result.detail["right"] == ["gapA"] and result.detail["wrong"] == ["gapB"]
    assert result.detail["unanswered"] == ["gapC"]
    right = {"gaps": {"gapA": "keyBL", "gapB": "keyINV", "gapC": "keyCO"}}
    assert grade("drag_drop_text", TEXT_DATA, right).fraction == 1.0
    for wrong, code in (
        ({"gapA": "keyCO"}, "wrong_group"),  # group 2 in a group 1 gap
        ({"gapA": "keyBL", "gapB": "keyBL"}, "duplicate"),  # limited, used twice
        ({"gapA": "nope"}, "unknown_option"),
        ({"gapA": 3}, "wrong_shape"),
    ):
        with pytest.raises(ResponseError) as error:
            normalize_response("drag_drop_text", TEXT_DATA, {"gaps": wrong})
        assert error.value.code == code
    # An unlimited choice fills several gaps; in select mode any choice does.
    two = {**TEXT_DATA, "gaps": [*TEXT_DATA["gaps"], {"id": "gapD", "correct": "keyCO"}]}
    assert (
        grade("drag_drop_text", two, {"gaps": {"gapC": "keyCO", "gapD": "keyCO"}}).fraction == 0.5
    )
    select = {**TEXT_DATA, "mode": "select"}
    assert normalize_response(
        "drag_drop_text", select, {"gaps": {"gapA": "keyBL", "gapB": "keyBL"}}
    )
    assert grade("drag_drop_text", TEXT_DATA, {"gaps": {}}).detail["blank"] is True


def test_image_answers_grade_as_the_share_of_zones():
    result = grade(
        "drag_drop_image", IMAGE_DATA, {"zones": {"zoneS": "keySeal", "zoneH": "keyPrice"}}
    )
    assert result.fraction == 0.333333
    assert result.detail["correct"] == {"zoneS": "keySeal", "zoneH": "keyHS", "zoneP": "keyPrice"}
    with pytest.raises(ResponseError) as error:
        normalize_response(
            "drag_drop_image", IMAGE_DATA, {"zones": {"zoneS": "keySeal", "zoneH": "keySeal"}}
        )
    assert error.value.code == "duplicate"


def test_markers_grade_by_zone_shapes_and_cost_when_misplaced():
    inside = {"placements": {"keySEAL": [[510, 310]], "keyHINGE": [[120, 130], [120, 370]]}}
    assert grade("drag_drop_marker", MARKER_DATA, inside).fraction == 1.0
    # On the circle's edge counts; one hinge right, one in the seal's circle (wrong kind).
    edge = {"placements": {"keySEAL": [[530, 300]], "keyHINGE": [[120, 130], [500, 300]]}}
    result = grade("drag_drop_marker", MARKER_DATA, edge)
    assert result.detail["zones_right"] == ["zoneSEAL", "zoneH1"]
    assert result.detail["wrong_placements"] == 1
    assert result.fraction == 0.333333  # (2 - 1) / 3
    nowhere = {"placements": {"keyHINGE": [[1, 1], [2, 2], [3, 3]]}}
    assert grade("drag_drop_marker", MARKER_DATA, nowhere).fraction == 0.0  # floored
    assert normalize_response(
        "drag_drop_marker", MARKER_DATA, {"placements": {"keySEAL": [[1, 2]]}}
    ) == {"placements": {"keySEAL": [[1.0, 2.0]]}}
    for wrong, code in (
        ({"keySEAL": [[1, 1], [2, 2]]}, "too_many_markers"),  # count 1
        ({"keyHINGE": [[1, 1]] * 21}, "too_many_markers"),  # unlimited: at most 20
        ({"keySEAL": [[801, 1]]}, "outside_image"),
        ({"keySEAL": [[-1, 1]]}, "outside_image"),
        ({"zoneSEAL": [[1, 1]]}, "unknown_option"),
        ({"keySEAL": [[1, True]]}, "wrong_shape"),
        ({"keyHINGE": [1, 1]}, "wrong_shape"),
    ):
        with pytest.raises(ResponseError) as error:
            normalize_response("drag_drop_marker", MARKER_DATA, {"placements": wrong})
        assert error.value.code == code, wrong


def test_item_analysis_counts_what_went_where():
    values = [{"gapA": "keyBL", "gapB": "keyPL"}, {"gapA": "keyBL"}, {}]
    assert option_counts([{"gaps": v} for v in values], "drag_drop_text") == {
        "gapA → keyBL": 2,
        "gapB → keyPL": 1,
    }
    placements = [{"placements": {"keyHINGE": [[1, 1], [2, 2]], "keySEAL": [[3, 3]]}}]
    assert option_counts(placements, "drag_drop_marker") == {"keyHINGE": 2, "keySEAL": 1}


# --- tokens and the public view -----------------------------------------------------------


def test_answers_travel_in_tokens_both_ways():
    tokens = tokens_draw("drag_drop_text", TEXT_DATA)
    page = answer_for_browser("drag_drop_text", {"gaps": {"gapA": "keyBL"}}, tokens)
    assert page == {"gaps": {tokens["gaps:gapA"]: tokens["choices:keyBL"]}}
    assert answer_from_browser("drag_drop_text", page, tokens) == {"gaps": {"gapA": "keyBL"}}
    with pytest.raises(ResponseError):  # an authored id is refused like any unknown one
        answer_from_browser("drag_drop_text", {"gaps": {"gapA": tokens["choices:keyBL"]}}, tokens)
    marks = tokens_draw("drag_drop_marker", MARKER_DATA)
    assert "zones:zoneSEAL" not in marks
    page = answer_for_browser("drag_drop_marker", {"placements": {"keySEAL": [[5.0, 6.0]]}}, marks)
    assert page == {"placements": {marks["markers:keySEAL"]: [[5.0, 6.0]]}}
    assert answer_from_browser("drag_drop_marker", page, marks) == {
        "placements": {"keySEAL": [[5.0, 6.0]]}
    }
    with pytest.raises(ResponseError):
        answer_from_browser("drag_drop_marker", {"placements": {"keySEAL": []}}, marks)


def test_the_stem_is_cut_at_its_gaps_only_in_text():
    segments = stem_segments(
        '<p>A {{g1}} <img src="x" alt="{{g2}}"> {{g9}} {{g1}}</p>', ["g1", "g2"]
    )
    assert segments == [
        {"html": "<p>A "},
        {"gap": "g1"},
        {"html": ' <img src="x" alt="{{g2}}"> {{g9}} {{g1}}</p>'},
        {"html": " "},
        {"gap": "g2"},  # not in the text: put at the end, still answerable
    ]


def test_public_views_carry_tokens_and_no_key():
    order = {"choices": ["keyCO", "keyBL", "keyX", "keyINV", "keyPL"]}
    order["tokens"] = tokens_draw("drag_drop_text", TEXT_DATA)
    view = public_view("drag_drop_text", TEXT_DATA, {"stem": TEXT_STEM}, order)
    gaps = [s for s in view["segments"] if "gap" in s]
    assert [g["number"] for g in gaps] == [1, 2, 3] and [g["group"] for g in gaps] == [1, 1, 2]
    assert [c["text"] for c in gaps[2]["choices"]] == ["certificate of origin", "seal record"]
    assert [c["text"] for c in view["choices"]] == [  # the attempt's shuffled order
        "certificate of origin",
        "bill of lading",
        "seal record",
        "commercial invoice",
        "packing list",
    ]
    unshuffled = public_view(
        "drag_drop_text", {**TEXT_DATA, "shuffle": False}, {"stem": TEXT_STEM}, order
    )
    assert [c["text"] for c in unshuffled["choices"]][:2] == [
        "bill of lading",
        "certificate of origin",
    ]
    marker_order = {"tokens": tokens_draw("drag_drop_marker", MARKER_DATA)}
    marker_view = public_view("drag_drop_marker", MARKER_DATA, {"stem": "<p>S</p>"}, marker_order)
    assert [m["limit"] for m in marker_view["markers"]] == [1, 20]  # not the zones' number
    image_order = {"tokens": tokens_draw("drag_drop_image", IMAGE_DATA)}
    image_view = public_view("drag_drop_image", IMAGE_DATA, {"stem": "<p>S</p>"}, image_order)
    for view, drawn in ((view, order), (marker_view, marker_order), (image_view, image_order)):
        text = json.dumps(view)
        # A random token may spell "key" by chance ("key7pe58kn"): only what is not a token
        # is searched for the ids ("keyCO") and the answer's fields.
        for token in drawn["tokens"].values():
            text = text.replace(token, "TOKEN")
        assert "key" not in text and "correct" not in text and "coords" not in text, text


# --- the attempt page -----------------------------------------------------------------------

QUESTIONS = {
    "ddt": ("drag_drop_text", TEXT_DATA, {"stem": TEXT_STEM}),
    "ddi": ("drag_drop_image", IMAGE_DATA, {"stem": "<p>Put each red flag on its field.</p>"}),
    "ddm": ("drag_drop_marker", MARKER_DATA, {"stem": "<p>Mark the seal and the hinges.</p>"}),
}
RIGHT = {
    "drag_drop_text": {"gaps": {"gapA": "keyBL", "gapB": "keyINV", "gapC": "keyCO"}},
    "drag_drop_image": {"zones": {"zoneS": "keySeal", "zoneH": "keyHS", "zoneP": "keyPrice"}},
    "drag_drop_marker": {
        "placements": {"keySEAL": [[505, 295]], "keyHINGE": [[110, 110], [120, 380]]}
    },
}


@pytest.fixture
def sitting(course_tree, per_officer, db):
    bank = make_bank("Drag and drop", questions=QUESTIONS)
    page = AssessmentPage(
        title="Drag", slug="drag", pass_mark=60, review_policy=ReviewPolicy.ANSWERS
    )
    page.draw_rules = [DrawRule(bank=bank, count=3, section="All")]
    add(course_tree.module2, page)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    return SimpleNamespace(page=page, officer=per_officer)


@pytest.mark.django_db
def test_the_attempt_page_shows_no_key_restores_answers_and_reviews(client, sitting):
    sitting.officer.preferred_language = "en"  # the labels below are read in English
    sitting.officer.save(update_fields=["preferred_language"])
    client.force_login(sitting.officer)
    client.post(f"/assessments/{sitting.page.pk}/start/")
    attempt = Attempt.objects.get(user=sitting.officer)
    html = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert 'data-dd="text"' in html and 'data-dd="image"' in html and 'data-dd="marker"' in html
    assert html.count("js/types/drag_drop.js") == 1
    assert not re.search(r"key[A-Z]|zone[A-Z]|gap[A-Z]|\"correct\"|coords|\{\{", html)
    assert "bill of lading" in html and "Seal differs" in html and "Hinge" in html
    assert "{{" not in html and "The " in html
    for response in attempt.responses.select_related("version"):
        saved = client.post(
            f"/attempts/{attempt.pk}/answer/",
            json.dumps(
                {
                    "position": response.position,
                    "seq": 1,
                    "answer": browser_answer(response, RIGHT[response.version.type]),
                }
            ),
            content_type="application/json",
        )
        assert saved.status_code == 200, saved.content
    again = client.get(f"/attempts/{attempt.pk}/").content.decode()
    for response in attempt.responses.select_related("version"):
        tokens = response.option_order["tokens"]
        if response.version.type == "drag_drop_text":
            assert f'data-dd-slot="{tokens["gaps:gapA"]}"' in again
            assert f'data-value="{tokens["choices:keyBL"]}"' in again
        elif response.version.type == "drag_drop_image":
            assert f'data-value="{tokens["items:keyPrice"]}"' in again
        else:
            assert f"{tokens['markers:keySEAL']}&quot;:[[505.0,295.0]]" in again
    result = client.post(f"/attempts/{attempt.pk}/submit/", follow=True).content.decode()
    attempt.refresh_from_db()
    assert attempt.percent == 100
    assert result.count("✓") == 3 + 3 + 3 and "✗" not in result
    assert "Gap 1" in result and "Drop zone 1" in result and "expects the marker Seal" in result
    assert "{{gapA}}" not in result


@pytest.mark.django_db
def test_a_forged_answer_is_refused_with_tokens_only(client, sitting):
    client.force_login(sitting.officer)
    attempt = services.attempt_start(actor=sitting.officer, assessment=sitting.page)
    response = next(
        r
        for r in attempt.responses.select_related("version")
        if r.version.type == "drag_drop_marker"
    )
    token = response.option_order["tokens"]["markers:keySEAL"]
    refused = client.post(
        f"/attempts/{attempt.pk}/answer/",
        json.dumps(
            {
                "position": response.position,
                "seq": 1,
                "answer": {"placements": {token: [[1, 1], [2, 2]]}},
            }
        ),
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "too_many_markers"
    authored = client.post(
        f"/attempts/{attempt.pk}/answer/",
        json.dumps(
            {
                "position": response.position,
                "seq": 2,
                "answer": {"placements": {"keySEAL": [[1, 1]]}},
            }
        ),
        content_type="application/json",
    )
    assert authored.status_code == 400 and authored.json()["code"] == "unknown_option"


def test_the_stem_must_mark_each_gap_once():
    from assessments.grading import validate_stem

    assert validate_stem("drag_drop_text", TEXT_DATA, TEXT_STEM) == []
    found = [
        str(p)
        for p in validate_stem(
            "drag_drop_text", TEXT_DATA, "<p>{{gapA}} {{gapA}} {{gapB}} {{zz}}</p>"
        )
    ]
    assert found == [
        "The stem must mark the gap “gapA” once, as {{gapA}}; it marks it 2 times.",
        "The stem must mark the gap “gapC” once, as {{gapC}}; it marks it 0 times.",
        "The stem marks a gap “zz” that the question lacks.",
    ]


def test_the_demo_banks_hold_each_drag_and_drop_type_in_four_languages():
    from assessments.demo.merge import BANKS_DIR, load_bank, question_in
    from assessments.grading import validate_stem

    questions = [
        q
        for q in load_bank(BANKS_DIR / "illicit_trade.json")["questions"]
        if q["type"].startswith("drag_drop")
    ]
    assert sorted(q["type"] for q in questions) == [
        "drag_drop_image",
        "drag_drop_marker",
        "drag_drop_text",
    ]
    for q in questions:
        for language in ("en", "es", "pt-br", "fr"):
            merged = question_in(language, q)
            assert validate_question(q["type"], merged["data"]) == [], (q["uid"], language)
            assert validate_stem(q["type"], merged["data"], merged["stem"]) == []


# --- authoring through the question form (its JSON fields) ---------------------------------

AUTHORED = {
    "drag_drop_text": (
        {k: v for k, v in TEXT_DATA.items() if k != "choices"}
        | {"choices": [{k: v for k, v in c.items() if k != "text"} for c in TEXT_DATA["choices"]]},
        {"choices": {c["id"]: {"text": c["text"]} for c in TEXT_DATA["choices"]}},
    ),
    "drag_drop_image": (IMAGE_DATA, {}),
    "drag_drop_marker": (MARKER_DATA, {}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("qtype", sorted(AUTHORED))
def test_authors_create_each_type_through_the_json_fields(client, regional_author, qtype):
    bank = make_bank("Authored", questions={})
    client.force_login(regional_author)
    page = client.get("/cms/questions/new/").content.decode()
    assert f'value="{qtype}"' in page  # in the type list
    data, extra = AUTHORED[qtype]
    stem = TEXT_STEM if qtype == "drag_drop_text" else "<p>Place them.</p>"
    texts = {"en": {"title": qtype, "stem": stem, **extra}}
    form = {"bank": bank.pk, "uid": qtype, "tags": "", "qtype": qtype, "points": "2"}
    response = client.post(
        "/cms/questions/new/", {**form, "data": json.dumps(data), "texts": json.dumps(texts)}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    version = bank.questions.get(uid=qtype).current_version
    assert version.type == qtype and version.data == data
    if qtype == "drag_drop_text":  # a stem that misses a gap is refused, per language
        texts["es"] = {**texts["en"], "stem": "<p>El {{gapA}} y la {{gapB}}.</p>"}
        response = client.post(
            "/cms/questions/new/",
            {**form, "uid": "again", "data": json.dumps(data), "texts": json.dumps(texts)},
        )
        assert response.status_code == 200
        assert "es: The stem must mark the gap “gapC” once" in response.content.decode().replace(
            "&ldquo;", "“"
        )


def test_select_mode_renders_a_list_per_gap_with_the_saved_choice():
    from django.template.loader import render_to_string

    from assessments.types import get

    data = {**TEXT_DATA, "mode": "select"}
    order = {"tokens": tokens_draw("drag_drop_text", data)}
    view = public_view("drag_drop_text", data, {"stem": TEXT_STEM}, order)
    saved = answer_for_browser("drag_drop_text", {"gaps": {"gapB": "keyPL"}}, order["tokens"])
    get("drag_drop_text").arrange_view(view, saved)
    page = render_to_string(
        "assessments/types/drag_drop_text.html", {"q": {"position": 4, "view": view}}
    )
    assert page.count("<select") == 3 and "{{" not in page
    assert not re.search(r"key[A-Z]|gap[A-Z]", page)
    selects = re.findall(r"<select[^>]*>.*?</select>", page, re.S)
    assert 'aria-label="Gap 2"' in selects[1]
    assert f'<option value="{order["tokens"]["choices:keyPL"]}" selected>packing list' in selects[1]
    assert "seal record" in selects[2] and "seal record" not in selects[0]  # by group
