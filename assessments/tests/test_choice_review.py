"""The review of a single-choice or multiple-response question with credits (Moodle's
weights, ``data.fractions``): every option whose credit is not 0 shows it, a tick for the
right options and the percentage for partial and negative credit (issue 13)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from assessments import services, types
from assessments.content import merged
from assessments.models import AssessmentPage, DrawRule, ReviewPolicy
from assessments.tests.fixtures import browser_answer, make_bank
from courses import services as course_services
from courses.tests.fixtures import add

OPTIONS = [
    {"id": "a", "text": "Seal intact"},
    {"id": "b", "text": "Seal number differs by one digit"},
    {"id": "c", "text": "Seal missing"},
    {"id": "d", "text": "Seal intact, papers in order"},
    {"id": "e", "text": "No idea"},
]


def review(qtype: str, question: dict[str, Any], answer: dict[str, Any]) -> dict[str, str]:
    """The review of one answer as the result page renders it: option text -> what its
    line says after the text."""
    item = {
        "type": qtype,
        "question": question,
        "answer": answer,
        "review": types.get(qtype).review_view(question, answer),
    }
    html = render_to_string("assessments/review_answer.html", {"item": item})
    lines = {}
    texts = sorted((option["text"] for option in question["options"]), key=len, reverse=True)
    for body in re.findall(r"<li>(.*?)</li>", html, re.S):
        text = next(text for text in texts if body.startswith(text))
        rest = re.sub(r"<[^>]+>", "", body[len(text) :])
        lines[text] = " ".join(rest.split())
    return lines


def test_single_choice_without_credits_ticks_the_correct_option_only():
    question = {"options": OPTIONS[:3], "correct": "a"}
    lines = review("single_choice", question, {"option": "b"})
    assert lines == {
        "Seal intact": "✓ correct",
        "Seal number differs by one digit": "— your choice",
        "Seal missing": "",
    }


def test_single_choice_with_credits_shows_each_credit_that_is_not_zero():
    question = {
        "options": OPTIONS,
        "correct": "a",
        "fractions": {"a": 1, "b": 0.5, "c": -0.25, "d": 1, "e": 0},
    }
    lines = review("single_choice", question, {"option": "b"})
    assert lines == {
        "Seal intact": "✓ correct",
        "Seal number differs by one digit": "— your choice 50 % credit",
        "Seal missing": "-25 % credit",
        "Seal intact, papers in order": "✓ correct",
        "No idea": "",
    }


def test_multiple_response_with_credits_ticks_the_right_options_with_their_share():
    question = {
        "options": OPTIONS[:4],
        "correct": ["a", "b", "d"],
        "scoring": "right_minus_wrong",
        "fractions": {"a": 0.5, "b": 0.3333333, "d": 1, "c": -1},
    }
    lines = review("multiple_response", question, {"options": ["a", "c"]})
    assert lines == {
        "Seal intact": "— your choice ✓ correct 50 % credit",
        "Seal number differs by one digit": "✓ correct 33.33 % credit",
        "Seal missing": "— your choice -100 % credit",
        "Seal intact, papers in order": "✓ correct",
    }


def test_multiple_response_without_credits_ticks_the_correct_options():
    question = {"options": OPTIONS[:3], "correct": ["a", "c"], "scoring": "all_or_nothing"}
    lines = review("multiple_response", question, {"options": ["b"]})
    assert lines == {
        "Seal intact": "✓ correct",
        "Seal number differs by one digit": "— your choice",
        "Seal missing": "✓ correct",
    }


def test_the_percentage_follows_the_language_and_the_attribute_does_not():
    question = {"options": OPTIONS[:2], "correct": "a", "fractions": {"a": 1, "b": 1 / 3}}
    item = {
        "type": "single_choice",
        "question": question,
        "answer": {"option": None},
        "review": types.get("single_choice").review_view(question, {"option": None}),
    }
    with translation.override("fr"):
        html = render_to_string("assessments/review_answer.html", {"item": item})
    assert 'data-credit="33.33"' in html and "33,33 %" in html


@pytest.mark.django_db
def test_the_result_page_shows_the_credit_of_each_option(course_tree, per_officer, client):
    texts = {"stem": "<p>Which seal finding earns what?</p>"}
    texts["options"] = {option["id"]: {"text": option["text"]} for option in OPTIONS[:3]}
    data = {
        "options": [{"id": option["id"]} for option in OPTIONS[:3]],
        "correct": "a",
        "fractions": {"a": 1, "b": 0.5},
    }
    bank = make_bank(questions={"weighted": ("single_choice", data, texts)})
    page = AssessmentPage(
        title="Seal check",
        slug="seal-check",
        pass_mark=40,
        max_attempts=1,
        review_policy=ReviewPolicy.ANSWERS,
    )
    page.draw_rules = [DrawRule(bank=bank, count=1, section="All")]
    add(course_tree.module2, page)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    attempt = services.attempt_start(actor=per_officer, assessment=page)
    response = attempt.responses.select_related("version").get()
    services.response_save(
        actor=per_officer,
        attempt_id=attempt.pk,
        position=response.position,
        seq=1,
        answer=browser_answer(response, {"option": "b"}),
    )
    services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    client.force_login(per_officer)
    html = client.get(f"/attempts/{attempt.pk}/result/").content.decode()
    lines = {
        text: body
        for body in re.findall(r"<li>(.*?)</li>", html, re.S)
        for text in ("Seal intact", "Seal number differs", "Seal missing")
        if body.startswith(text)
    }
    assert "<em>" in lines["Seal number differs"]  # the officer's choice
    assert 'data-credit="50"' in lines["Seal number differs"] and "50 %" in html
    assert "✓" in lines["Seal intact"] and "data-credit" not in lines["Seal intact"]
    assert "✓" not in lines["Seal missing"] and "data-credit" not in lines["Seal missing"]
    assert merged(response.version.data, {})["fractions"] == {"a": 1, "b": 0.5}
