"""An officer answers a cloze question with the keyboard only (a number, a choice among
radio buttons, checkboxes, a dropdown and a typed acronym, all inside the stem), reloads
(every gap comes back), submits, and the result is right; the review lists each gap."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from assessments.demo.merge import BANKS_DIR, load_bank, question_in
from assessments.models import (
    AssessmentPage,
    Attempt,
    DrawRule,
    Question,
    QuestionBank,
    ReviewPolicy,
)
from assessments.services import question_version_save
from courses import services as course_services
from courses.tests.fixtures import add
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# The demo's cloze on the Revised Arusha Declaration: numeric, radio, checkbox, dropdown
# and short-answer gaps.
HEAD_OF_CUSTOMS = "the head of Customs and the executive team"
MERIT = "selection and promotion on merit"
ROTATION = "rotation of staff out of vulnerable posts"


@pytest.fixture
def cloze_assessment(course_tree):
    spec = next(
        q for q in load_bank(BANKS_DIR / "integrity.json")["questions"] if q["type"] == "cloze"
    )
    english = question_in("en", spec)
    bank = QuestionBank.objects.create(title="Integrity")
    question = Question.objects.create(bank=bank, uid=spec["uid"])
    question_version_save(
        actor=None,
        question=question,
        qtype="cloze",
        data=english["data"],
        texts={
            "en": {
                "title": english["title"],
                "stem": english["stem"],
                "feedback": english["feedback"],
                "data": english["data"],
            }
        },
        points=2,
    )
    page = AssessmentPage(
        title="Arusha",
        slug="arusha",
        pass_mark=60,
        shuffle_options=True,
        review_policy=ReviewPolicy.ANSWERS,
    )
    page.draw_rules = [DrawRule(bank=bank, count=1, section="All")]
    add(course_tree.module2, page)
    return page, course_tree


def focused_label(page: Page) -> str:
    """The text of the label around the focused control."""
    return page.evaluate("() => document.activeElement.closest('label').textContent.trim()")


def focused_gap(page: Page) -> str:
    return page.evaluate("() => document.activeElement.closest('[data-gap]').dataset.gap")


def saved(question: Locator) -> None:
    expect(question.locator("[data-save-status]")).to_have_attribute("data-state", "saved")


def test_officer_fills_every_kind_of_gap_with_the_keyboard(
    page, cloze_assessment, per_officer, password
):
    assessment, tree = cloze_assessment
    per_officer.preferred_language = "en"
    per_officer.save()
    course_services.enrolment_create(actor=per_officer, course=tree.course)
    sign_in(page, per_officer.username, password)
    page.goto(assessment.url)
    page.locator("[data-action=start-attempt]").click()
    question = page.locator("[data-question][data-type=cloze]")
    expect(question).to_have_count(1)
    page.wait_for_load_state("load")
    # The legend names the question; the stem, with its gaps, follows it (no raw marker).
    expect(question.locator("legend")).not_to_contain_text("{{")
    expect(question.locator("[data-cloze]")).to_contain_text("Revised Arusha Declaration")
    expect(question).not_to_contain_text("{{")

    # Gap 1, a number: reached with Tab from the page's start would take long; the
    # officer starts in it and goes on with the keyboard alone.
    question.get_by_label("Gap 1", exact=True).focus()
    page.keyboard.type("10")

    # Gap 2, radio buttons: Tab enters the group, the arrows choose.
    page.keyboard.press("Tab")
    assert focused_gap(page) == "g2"
    for _ in range(3):
        if focused_label(page) == HEAD_OF_CUSTOMS:
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(question.get_by_label(HEAD_OF_CUSTOMS)).to_be_checked()

    # Gap 3, checkboxes: Tab from box to box, Space ticks the two practices of the RAD.
    page.keyboard.press("Tab")
    for _ in range(4):
        assert focused_gap(page) == "g3"
        if focused_label(page) in (MERIT, ROTATION):
            page.keyboard.press("Space")
        page.keyboard.press("Tab")

    # Gap 4, a dropdown: the arrows go through its options.
    assert focused_gap(page) == "g4"
    dropdown = question.get_by_label("Gap 4", exact=True)
    for _ in range(4):
        if dropdown.evaluate("s => s.options[s.selectedIndex].text") == "dismissal":
            break
        page.keyboard.press("ArrowDown")
    expect(dropdown.locator("option:checked")).to_have_text("dismissal")

    # Gap 5, typed text: case does not matter.
    page.keyboard.press("Tab")
    assert focused_gap(page) == "g5"
    page.keyboard.type("cips")
    page.keyboard.press("Tab")  # leaving the gap saves it
    saved(question)

    attempt = Attempt.objects.get(user=per_officer)
    stored = attempt.responses.get().answer["gaps"]
    assert stored["g1"] == "10" and stored["g5"] == "cips"
    assert stored["g2"] == "a" and stored["g3"] == ["a", "b"] and stored["g4"] == "a"

    page.reload()  # every gap comes back from the server
    question = page.locator("[data-question][data-type=cloze]")
    expect(question.get_by_label("Gap 1", exact=True)).to_have_value("10")
    expect(question.get_by_label(HEAD_OF_CUSTOMS)).to_be_checked()
    expect(question.get_by_label(MERIT)).to_be_checked()
    expect(question.get_by_label(ROTATION)).to_be_checked()
    expect(question.get_by_label("promotion by length of service alone")).not_to_be_checked()
    expect(question.get_by_label("Gap 4", exact=True).locator("option:checked")).to_have_text(
        "dismissal"
    )
    expect(question.get_by_label("Gap 5", exact=True)).to_have_value("cips")

    page.locator("[data-action=submit-attempt]").click()
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "passed")
    attempt.refresh_from_db()
    assert attempt.percent == 100.0 and attempt.status == "submitted"
    review = page.locator("[data-cloze-review]")
    expect(review.locator("[data-gap-review]")).to_have_count(5)
    expect(review.locator("[data-state=right]")).to_have_count(5)
    expect(page.locator("[data-review]")).not_to_contain_text("{{")
