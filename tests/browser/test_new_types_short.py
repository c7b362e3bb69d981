"""An officer answers a short answer, reads a description and answers a numeric question
with units in a real browser: typed answers are saved on leaving the field and on Enter
(which never submits the attempt), an unknown unit is refused with the units named, the
answers come back after a reload, and the submitted attempt scores the two questions only
(the description adds nothing), with the review showing what matched."""

import pytest
from playwright.sync_api import expect

from assessments.models import Attempt
from assessments.tests.short_types_fixtures import short_types_assessment
from courses import services as course_services
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def typed(course_tree):
    return short_types_assessment(course_tree)


def question(page, qtype):
    return page.locator(f"[data-question][data-type={qtype}]")


def state(page, qtype, value):
    expect(question(page, qtype).locator("[data-save-status]")).to_have_attribute(
        "data-state", value
    )


def test_officer_answers_short_answer_description_and_units(page, typed, per_officer, password):
    per_officer.preferred_language = "en"
    per_officer.save()
    course_services.enrolment_create(actor=per_officer, course=typed.tree.course)
    sign_in(page, per_officer.username, password)
    page.goto(typed.page.url)
    page.locator("[data-action=start-attempt]").click()
    expect(page.locator("[data-question]")).to_have_count(3)
    page.wait_for_load_state("load")
    attempt = Attempt.objects.get(user=per_officer)

    # The description is text only: no number, no points, no field, no save status.
    case = question(page, "description")
    expect(case).to_contain_text("CSQU 305438-3")
    expect(case.locator("input, textarea, select, [data-save-status], legend")).to_have_count(0)
    expect(page.locator("legend")).to_have_count(2)
    expect(page.get_by_text("Question 1 ·")).to_have_count(1)
    expect(page.get_by_text("Question 2 ·")).to_have_count(1)
    expect(page.get_by_text("Question 3 ·")).to_have_count(0)

    # Short answer: typed, then the officer leaves the field (Tab): saved.
    seal = question(page, "short_answer").get_by_label("Your answer")
    seal.fill("pe 004512")
    seal.press("Tab")
    state(page, "short_answer", "saved")
    assert attempt.responses.get(version__type="short_answer").answer == {"text": "pe 004512"}

    # Numeric with units: the units are named, never the answer; an unknown unit is refused.
    weight = question(page, "numeric")
    expect(weight.locator("[data-units]")).to_have_text("Give the number with its unit: kg, t.")
    field = weight.get_by_label("Your answer")
    field.fill("0.6 tonnes")
    field.blur()
    state(page, "numeric", "refused")
    expect(weight.locator("[data-save-status]")).to_contain_text(
        "“tonnes” is not one of the units of this question (kg, t)."
    )
    # Enter saves the answer and does not submit the attempt.
    field.fill("0,6 t")
    field.press("Enter")
    state(page, "numeric", "saved")
    attempt.refresh_from_db()
    assert attempt.status == "open"
    assert attempt.responses.get(version__type="numeric").answer == {"value": "0.6 t"}

    page.reload()  # the server gives the answers back
    expect(question(page, "short_answer").get_by_label("Your answer")).to_have_value("pe 004512")
    expect(question(page, "numeric").get_by_label("Your answer")).to_have_value("0.6 t")

    # Typed and submitted at once: the answer is saved before the attempt is graded.
    seal = question(page, "short_answer").get_by_label("Your answer")
    seal.fill("PE-004512")
    page.locator("[data-action=submit-attempt]").click()
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "passed")
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    assert (attempt.score, attempt.max_score, attempt.percent) == (2.0, 2.0, 100.0)
    assert attempt.responses.get(version__type="short_answer").answer == {"text": "PE-004512"}

    # The review (policy "answers") shows the matched answer's feedback and the units.
    short = page.locator("[data-review]").filter(has_text="Which seal number")
    expect(short.locator("[data-your-answer]")).to_have_text("PE-004512")
    expect(short.locator("[data-answer-feedback]")).to_have_text("The seal on the doors.")
    expect(short.locator("[data-accepted]")).to_contain_text("PE-004* (50 % of the points)")
    numeric = page.locator("[data-review]").filter(has_text="48 cartons")
    expect(numeric.locator("[data-your-answer]")).to_have_text("0.6 t")
    expect(numeric.locator("[data-accepted]")).to_have_text("600 kg")
    expect(numeric).to_contain_text("1.0 of 1.0 points")
    described = page.locator("[data-review][data-unscored]")
    expect(described).to_contain_text("CSQU 305438-3")
    expect(described).not_to_contain_text("points")
