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


def start_attempt(page, assessment, officer, password):
    """The officer (reading English) enrols, signs in and starts the fixture assessment;
    returns once the attempt page and its script are up."""
    officer.preferred_language = "en"
    officer.save()
    course_services.enrolment_create(actor=officer, course=assessment.tree.course)
    sign_in(page, officer.username, password)
    page.goto(assessment.page.url)
    page.locator("[data-action=start-attempt]").click()
    expect(page.locator("[data-question]")).to_have_count(7)
    page.wait_for_load_state("load")


def answer_every_type(page):
    """Answers the seven questions of the fixture assessment rightly, reloading halfway."""
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

    matching = question(page, "matching")  # ids in the page are tokens: go by the texts
    matching.get_by_label("Tobacco").select_option(label="FCTC Protocol")
    matching.get_by_label("Wildlife").select_option(label="CITES")
    saved(page, "matching")

    ordering = question(page, "ordering")
    wanted = ["Seizure", "Entered in CEN", "RILO validates", "Alert"]
    if ordering.locator("[data-ordering] li").first.inner_text().startswith(wanted[0]):
        # Already first after the shuffle: move it down, so that the officer's order
        # is an answer the page sends (an untouched shuffle is no answer).
        ordering.get_by_role("button", name=f"Move down: {wanted[0]}").click()
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


def test_officer_takes_an_assessment_with_every_type(page, assessment, per_officer, password):
    start_attempt(page, assessment, per_officer, password)

    answer_every_type(page)  # reloads halfway: answers are kept by the server

    page.locator("[data-action=submit-attempt]").click()
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "passed")
    # The default review policy keeps the answers while an attempt remains (1 of 2 used).
    expect(page.locator("[data-review]")).to_have_count(0)
    attempt = Attempt.objects.get(user=per_officer)
    assert attempt.percent == 100.0 and attempt.status == "submitted"
    assessment.page.review_policy = "answers"
    assessment.page.save()
    page.reload()
    expect(page.locator("[data-review]")).to_have_count(7)


def test_hotspot_is_operable_with_the_keyboard(page, assessment, per_officer, password):
    start_attempt(page, assessment, per_officer, password)
    area = question(page, "hotspot").locator("[data-hotspot]")
    area.focus()
    for _ in range(10):
        page.keyboard.press("Shift+ArrowLeft")  # towards the cooling unit on the left
    page.keyboard.press("Enter")
    saved(page, "hotspot")
    response = Attempt.objects.get(user=per_officer).responses.get(version__type="hotspot")
    assert len(response.answer["clicks"]) == 1


def test_answers_given_offline_are_kept_and_sent_when_the_connection_returns(
    page, assessment, per_officer, password
):
    start_attempt(page, assessment, per_officer, password)
    attempt_url = page.url
    attempt = Attempt.objects.get(user=per_officer)

    page.context.set_offline(True)
    expect(page.locator("[data-connection]")).to_have_attribute("data-state", "offline")
    question(page, "single_choice").get_by_label("CENcomm").check()
    expect(question(page, "single_choice").locator("[data-save-status]")).to_have_attribute(
        "data-state", "unsaved"
    )
    # Submitting while answers are unsent holds the submit back and says why.
    page.locator("[data-action=submit-attempt]").click()
    expect(page.locator("[data-submit-notice]")).to_contain_text("Answers not saved yet: 1")
    attempt.refresh_from_db()
    assert attempt.status == "open"
    assert attempt.responses.get(version__type="single_choice").answer is None

    page.context.set_offline(False)  # the connection returns: the answer is sent
    saved(page, "single_choice")
    assert attempt.responses.get(version__type="single_choice").answer == {"option": "b"}

    # An answer kept on the device when the page was closed offline is sent on return.
    page.context.set_offline(True)
    question(page, "true_false").get_by_label("False").check()
    expect(question(page, "true_false").locator("[data-save-status]")).to_have_attribute(
        "data-state", "unsaved"
    )
    second = page.context.new_page()
    page.close()
    page.context.set_offline(False)
    second.goto(attempt_url)
    saved(second, "true_false")
    assert attempt.responses.get(version__type="true_false").answer == {"value": False}

    second.locator("[data-action=submit-attempt]").click()
    expect(second.locator("[data-result]")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.status == "submitted"


def test_a_training_manager_reads_the_item_analysis(page, graded, regional_author, per, password):
    from courses.services import author_groups_sync

    author_groups_sync()  # the regional training manager may edit the regional catalogue
    page.goto("/cms/login/")
    page.locator("#id_username").fill("author")
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/cms/")
    page.goto(f"/cms/pages/{graded.get_parent().pk}/")
    row = page.locator("tr", has_text="Quiz")
    row.get_by_role("button", name="More options").first.click()
    row.get_by_role("link", name="Item analysis").click()
    expect(page.locator("[data-attempts]")).to_have_attribute("data-attempts", "4")
    expect(page.locator("tr[data-item]")).to_have_count(3)
    expect(page.locator("tr[data-item=qc]")).to_have_attribute("data-flagged", "true")
    expect(page.locator("tr[data-item=qc]")).to_contain_text("negative discrimination")
    page.locator("#id_administration").select_option(label=f"PER · {per.name}")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("[data-attempts]")).to_have_attribute("data-attempts", "2")
