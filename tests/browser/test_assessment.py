"""An officer takes an assessment with every question type, including a hotspot click,
reloads in the middle without losing answers, submits, and sees result and review."""

import pytest
from playwright.sync_api import expect

from assessments.models import Attempt
from courses import services as course_services
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def question(page, qtype):
    return page.locator(f"[data-question][data-type={qtype}]")


def saved(page, qtype):
    expect(question(page, qtype).locator("[data-save-status]")).to_have_attribute(
        "data-state", "saved"
    )


def test_officer_takes_an_assessment_with_every_type(page, assessment, per_officer, password):
    per_officer.preferred_language = "en"
    per_officer.save()
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    sign_in(page, "officer.per", password)
    page.goto(assessment.page.url)
    page.locator("[data-action=start-attempt]").click()
    expect(page.locator("[data-question]")).to_have_count(7)

    question(page, "single_choice").get_by_label("CENcomm").check()
    saved(page, "single_choice")
    question(page, "multiple_response").get_by_label("New consignee").check()
    question(page, "multiple_response").get_by_label("Odd route").check()
    saved(page, "multiple_response")
    question(page, "true_false").get_by_label("False").check()
    saved(page, "true_false")
    numeric = question(page, "numeric").locator("input")
    numeric.fill("5")
    numeric.blur()
    saved(page, "numeric")

    page.reload()  # answers are kept by the server
    expect(question(page, "single_choice").get_by_label("CENcomm")).to_be_checked()
    expect(question(page, "numeric").locator("input")).to_have_value("5.0")

    matching = question(page, "matching")
    matching.locator("select[data-premise=p1]").select_option("r1")
    matching.locator("select[data-premise=p2]").select_option("r2")
    saved(page, "matching")

    ordering = question(page, "ordering")
    wanted = ["Seizure", "Entered in CEN", "RILO validates", "Alert"]
    for target, text in enumerate(wanted):
        for _ in range(4):
            items = ordering.locator("[data-ordering] li").all_inner_texts()
            position = next(i for i, t in enumerate(items) if t.startswith(text))
            if position == target:
                break
            ordering.get_by_role("button", name=f"Move up: {text}").click()
    saved(page, "ordering")

    hotspot = question(page, "hotspot").locator("[data-hotspot] img")
    box = hotspot.bounding_box()
    scale = box["width"] / 960
    hotspot.click(position={"x": 60 * scale, "y": 100 * scale})
    saved(page, "hotspot")

    page.locator("[data-action=submit-attempt]").click()
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "passed")
    expect(page.locator("[data-review]")).to_have_count(7)
    attempt = Attempt.objects.get(user=per_officer)
    assert attempt.percent == 100.0 and attempt.status == "submitted"


def test_hotspot_is_operable_with_the_keyboard(page, assessment, per_officer, password):
    per_officer.preferred_language = "en"
    per_officer.save()
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    sign_in(page, "officer.per", password)
    page.goto(assessment.page.url)
    page.locator("[data-action=start-attempt]").click()
    area = question(page, "hotspot").locator("[data-hotspot]")
    area.focus()
    for _ in range(10):
        page.keyboard.press("Shift+ArrowLeft")  # towards the cooling unit on the left
    page.keyboard.press("Enter")
    saved(page, "hotspot")
    response = Attempt.objects.get(user=per_officer).responses.get(version__type="hotspot")
    assert len(response.answer["clicks"]) == 1
