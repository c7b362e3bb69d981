"""An officer answers the three drag-and-drop questions with the keyboard only (words into
the gaps of a text, labels onto the zones of an image, markers on an image), reloads (the
answers come back), submits, and the result is right."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from assessments.models import AssessmentPage, Attempt, DrawRule, ReviewPolicy
from assessments.tests.fixtures import make_bank
from assessments.tests.test_type_drag_drop import QUESTIONS
from courses import services as course_services
from courses.tests.fixtures import add
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def question(page: Page, qtype: str) -> Locator:
    return page.locator(f"[data-question][data-type={qtype}]")


def saved(page: Page, qtype: str) -> None:
    expect(question(page, qtype).locator("[data-save-status]")).to_have_attribute(
        "data-state", "saved"
    )


def press(page: Page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)


@pytest.fixture
def drag_assessment(course_tree):
    bank = make_bank("Drag and drop", questions=QUESTIONS)
    page = AssessmentPage(
        title="Drag and drop",
        slug="drag-and-drop",
        pass_mark=60,
        shuffle_options=True,
        review_policy=ReviewPolicy.ANSWERS,
    )
    page.draw_rules = [DrawRule(bank=bank, count=3, section="All")]
    add(course_tree.module2, page)
    return page, course_tree


def test_officer_answers_drag_and_drop_with_the_keyboard_only(
    page, drag_assessment, per_officer, password
):
    assessment, tree = drag_assessment
    per_officer.preferred_language = "en"
    per_officer.save()
    course_services.enrolment_create(actor=per_officer, course=tree.course)
    sign_in(page, per_officer.username, password)
    page.goto(assessment.url)
    page.locator("[data-action=start-attempt]").click()
    expect(page.locator("[data-question]")).to_have_count(3)
    page.wait_for_load_state("load")

    # 1. Words into the gaps: pick a choice (Enter), go to its gap, drop it (Enter).
    text = question(page, "drag_drop_text")
    live = text.locator("[data-dd-live]")
    gap = text.locator("[data-dd-slot]")
    text.get_by_role("button", name="seal record").focus()
    press(page, "Enter")
    expect(live).to_contain_text("Picked up seal record")
    gap.nth(0).focus()
    press(page, "Enter")  # another group: refused
    expect(live).to_contain_text("belongs to another group")
    press(page, "Escape")
    expect(live).to_contain_text("seal record put back")
    text.get_by_role("button", name="packing list").focus()
    press(page, "Enter")
    gap.nth(0).focus()
    press(page, "Enter")  # the wrong word first ...
    expect(gap.nth(0)).to_have_accessible_name("Gap 1: packing list")
    press(page, "Delete")  # ... taken out again
    expect(gap.nth(0)).to_have_accessible_name("Gap 1: empty")
    for number, word in (
        (1, "bill of lading"),
        (2, "commercial invoice"),
        (3, "certificate of origin"),
    ):
        text.locator(".dd-pool").get_by_role("button", name=word).focus()
        press(page, "Enter")
        gap.nth(0).focus()
        press(page, "ArrowRight", number - 1)  # the arrow keys go from gap to gap
        press(page, "Enter")
        expect(gap.nth(number - 1)).to_have_accessible_name(f"Gap {number}: {word}")
    expect(text.locator(".dd-pool").get_by_role("button", name="bill of lading")).to_be_hidden()
    saved(page, "drag_drop_text")

    # 2. Labels onto the zones of an image (numbered in reading order).
    image = question(page, "drag_drop_image")
    zones = image.locator("[data-dd-slot]")
    for number, label in (
        (1, "Implausible price"),
        (2, "Seal differs"),
        (3, "HS code contradicts"),
    ):
        image.get_by_role("button", name=label).focus()
        press(page, "Enter")
        zones.nth(0).focus()
        press(page, "ArrowDown", number - 1)
        press(page, "Enter")
        expect(zones.nth(number - 1)).to_have_accessible_name(f"Drop zone {number}: {label}")
    saved(page, "drag_drop_image")

    # 3. Markers: pick one (Enter takes the focus to the image), move the cursor with the
    # arrow keys from the middle (400, 250), place it (Enter).
    marker = question(page, "drag_drop_marker")
    board = marker.locator("[data-dd-markers]")
    marker.locator(".dd-pool").get_by_role("button", name="Seal").focus()
    press(page, "Enter")
    expect(board).to_be_focused()
    press(page, "Shift+ArrowRight", 2)
    press(page, "ArrowRight", 2)  # x 500
    press(page, "ArrowDown", 5)  # y 300: inside the seal's circle
    press(page, "Enter")
    expect(marker.locator("[data-dd-live]")).to_contain_text("Marker Seal placed at 500, 300")
    marker.locator(".dd-pool").get_by_role("button", name="Hinge").focus()
    press(page, "Enter")
    press(page, "Shift+ArrowLeft", 9)
    press(page, "ArrowLeft", 2)  # x 120
    press(page, "Shift+ArrowUp", 4)
    press(page, "ArrowUp")  # y 130: the first hinge
    press(page, "Enter")
    marker.locator(".dd-pool").get_by_role("button", name="Hinge").focus()
    press(page, "Enter")
    press(page, "Shift+ArrowDown", 6)  # y 370: the second hinge
    press(page, "Enter")
    expect(marker.locator(".dd-pin")).to_have_count(3)
    saved(page, "drag_drop_marker")

    page.reload()  # the server gives every answer back
    text = question(page, "drag_drop_text")
    expect(text.locator("[data-dd-slot]").nth(0)).to_have_accessible_name("Gap 1: bill of lading")
    expect(text.locator("[data-dd-slot]").nth(2)).to_have_accessible_name(
        "Gap 3: certificate of origin"
    )
    expect(
        question(page, "drag_drop_image").locator("[data-dd-slot]").nth(0)
    ).to_have_accessible_name("Drop zone 1: Implausible price")
    expect(question(page, "drag_drop_marker").locator(".dd-pin")).to_have_count(3)

    page.locator("[data-action=submit-attempt]").click()
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "passed")
    attempt = Attempt.objects.get(user=per_officer)
    assert attempt.percent == 100.0 and attempt.status == "submitted"
    answers = {r.version.type: r.answer for r in attempt.responses.select_related("version")}
    assert answers["drag_drop_text"] == {
        "gaps": {"gapA": "keyBL", "gapB": "keyINV", "gapC": "keyCO"}
    }
    assert answers["drag_drop_marker"] == {
        "placements": {"keyHINGE": [[120.0, 130.0], [120.0, 370.0]], "keySEAL": [[500.0, 300.0]]}
    }
    expect(page.locator("[data-dd-review] .dd-right")).to_have_count(9)


def drag(
    page: Page, source: Locator, target: Locator, x: float | None = None, y: float | None = None
) -> None:
    """Drags ``source`` onto ``target`` (at its centre, or at x, y inside it) with the mouse."""
    target.scroll_into_view_if_needed()
    source.scroll_into_view_if_needed()
    start, end = source.bounding_box(), target.bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    to_x = end["x"] + (x if x is not None else end["width"] / 2)
    to_y = end["y"] + (y if y is not None else end["height"] / 2)
    page.mouse.move(to_x, to_y, steps=8)
    page.mouse.up()


def test_officer_drags_with_the_mouse_and_zooms(page, drag_assessment, per_officer, password):
    assessment, tree = drag_assessment
    page.set_viewport_size({"width": 1280, "height": 1400})  # an item and its target in sight
    per_officer.preferred_language = "en"
    per_officer.save()
    course_services.enrolment_create(actor=per_officer, course=tree.course)
    sign_in(page, per_officer.username, password)
    page.goto(assessment.url)
    page.locator("[data-action=start-attempt]").click()
    expect(page.locator("[data-question]")).to_have_count(3)
    page.wait_for_load_state("load")

    text = question(page, "drag_drop_text")
    gaps = text.locator("[data-dd-slot]")
    drag(page, text.locator(".dd-pool").get_by_role("button", name="bill of lading"), gaps.nth(0))
    expect(gaps.nth(0)).to_have_accessible_name("Gap 1: bill of lading")
    drag(page, gaps.nth(0), gaps.nth(1))  # moved from gap to gap
    expect(gaps.nth(1)).to_have_accessible_name("Gap 2: bill of lading")
    expect(gaps.nth(0)).to_have_accessible_name("Gap 1: empty")
    saved(page, "drag_drop_text")

    image = question(page, "drag_drop_image")
    drag(
        page,
        image.get_by_role("button", name="Implausible price"),
        image.locator("[data-dd-slot]").nth(0),
    )
    expect(image.locator("[data-dd-slot]").nth(0)).to_have_accessible_name(
        "Drop zone 1: Implausible price"
    )
    saved(page, "drag_drop_image")

    marker = question(page, "drag_drop_marker")
    board = marker.locator("[data-dd-markers]")
    marker.get_by_role("button", name="Zoom in").click()
    expect(board).to_have_attribute("data-zoom", "1.5")
    marker.get_by_role("button", name="Fit to screen").click()
    box = board.locator("img").bounding_box()
    assert box
    scale = box["width"] / 800
    drag(
        page,
        marker.locator(".dd-pool").get_by_role("button", name="Seal"),
        board.locator("img"),
        500 * scale,
        300 * scale,
    )
    expect(marker.locator(".dd-pin")).to_have_count(1)
    saved(page, "drag_drop_marker")
    response = Attempt.objects.get(user=per_officer).responses.get(version__type="drag_drop_marker")
    (point,) = response.answer["placements"]["keySEAL"]
    assert abs(point[0] - 500) <= 3 and abs(point[1] - 300) <= 3
    drag(page, marker.locator(".dd-pin"), page.locator("h1"))  # dragged off the image: removed
    expect(marker.locator(".dd-pin")).to_have_count(0)


def test_the_drag_and_drop_page_passes_axe(
    browser, live_server, drag_assessment, per_officer, password
):
    """axe-core's WCAG A/AA rules over the attempt page, empty and answered (filled gaps
    and zones, placed markers), and the review."""
    from tests.browser.test_accessibility import violations

    context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    assessment, tree = drag_assessment
    per_officer.preferred_language = "en"
    per_officer.save()
    course_services.enrolment_create(actor=per_officer, course=tree.course)
    sign_in(page, per_officer.username, password)
    page.goto(assessment.url)
    page.locator("[data-action=start-attempt]").click()
    expect(page.locator("[data-question]")).to_have_count(3)
    page.wait_for_load_state("load")
    assert violations(page) == []
    text = question(page, "drag_drop_text")
    text.locator(".dd-pool").get_by_role("button", name="packing list").focus()
    press(page, "Enter")  # carried: the targets are outlined
    assert violations(page) == []
    text.locator("[data-dd-slot]").nth(0).focus()
    press(page, "Enter")
    marker = question(page, "drag_drop_marker")
    marker.locator(".dd-pool").get_by_role("button", name="Hinge").focus()
    press(page, "Enter")
    press(page, "Enter")
    expect(marker.locator(".dd-pin")).to_have_count(1)
    saved(page, "drag_drop_marker")
    assert violations(page) == []
    page.locator("[data-action=submit-attempt]").click()
    expect(page.locator("[data-review]")).to_have_count(3)
    assert violations(page) == []
    context.close()
