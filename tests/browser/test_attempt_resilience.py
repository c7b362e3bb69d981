"""The attempt page over bad links and small screens (issue 11, points 7 and 9): a reload
shows every type's saved answer (the server's, or the newer one still queued on the
device), a proxy's 5xx never loses an answer, and on a 390 px phone the page fits and a
hotspot can be zoomed and clicked precisely."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from assessments.models import Attempt
from tests.browser.test_assessment import answer_every_type, question, saved, start_attempt

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER_URL = "**/attempts/*/answer/"
ORDER = ["Seizure", "Entered in CEN", "RILO validates", "Alert"]


def stored(officer, qtype):
    return Attempt.objects.get(user=officer).responses.get(version__type=qtype).answer


def selected_label(page, premise):
    return (
        question(page, "matching")
        .get_by_label(premise)
        .evaluate("s => s.options[s.selectedIndex].text")
    )


def test_a_reload_shows_every_types_saved_answer(page, assessment, per_officer, password):
    start_attempt(page, assessment, per_officer, password)
    answer_every_type(page)
    first_click = stored(per_officer, "hotspot")["clicks"][0]
    page.reload()
    page.wait_for_load_state("load")

    expect(question(page, "single_choice").get_by_label("CENcomm")).to_be_checked()
    multiple = question(page, "multiple_response")
    expect(multiple.get_by_label("New consignee")).to_be_checked()
    expect(multiple.get_by_label("Odd route")).to_be_checked()
    expect(multiple.get_by_label("Usual trade")).not_to_be_checked()
    expect(question(page, "true_false").get_by_label("False")).to_be_checked()
    expect(question(page, "numeric").locator("input")).to_have_value("5.0")
    items = question(page, "ordering").locator("[data-ordering] li span")
    expect(items).to_have_text(ORDER)
    assert selected_label(page, "Tobacco") == "FCTC Protocol"
    assert selected_label(page, "Wildlife") == "CITES"
    hotspot = question(page, "hotspot")
    expect(hotspot.locator(".hotspot-mark")).to_have_count(1)
    expect(hotspot.locator("[data-hotspot-count]")).to_have_text("1 / 2")

    # The next change adds to what was saved; it does not start again from blank.
    question(page, "matching").get_by_label("Wildlife").select_option(label="FCTC Protocol")
    saved(page, "matching")
    pairs = stored(per_officer, "matching")["pairs"]
    assert pairs == {"p1": "r1", "p2": "r1"}
    image = hotspot.locator("[data-hotspot] img")
    box = image.bounding_box()
    image.click(position={"x": 700 * box["width"] / 960, "y": 300 * box["width"] / 960})
    saved(page, "hotspot")
    clicks = stored(per_officer, "hotspot")["clicks"]
    assert len(clicks) == 2 and clicks[0] == first_click
    question(page, "ordering").get_by_role("button", name="Move up: Alert").click()
    saved(page, "ordering")
    assert stored(per_officer, "ordering")["order"] == ["s", "e", "a", "v"]


def test_a_queued_answer_newer_than_the_servers_wins_after_a_reload(
    page, assessment, per_officer, password
):
    start_attempt(page, assessment, per_officer, password)
    matching = question(page, "matching")
    matching.get_by_label("Tobacco").select_option(label="FCTC Protocol")
    saved(page, "matching")

    # The proxy answers 503 now: the next answers wait on the device.
    page.route(ANSWER_URL, lambda route: route.fulfill(status=503, body="Service Unavailable"))
    matching.get_by_label("Tobacco").select_option(label="CITES")
    matching.get_by_label("Wildlife").select_option(label="CITES")
    expect(matching.locator("[data-save-status]")).to_have_attribute("data-state", "unsaved")
    ordering = question(page, "ordering")
    first = ordering.locator("[data-ordering] li span").first.inner_text()
    ordering.get_by_role("button", name=f"Move down: {first}").click()
    queued = ordering.locator("[data-ordering] li span").all_inner_texts()
    assert stored(per_officer, "matching") == {"pairs": {"p1": "r1"}}
    assert stored(per_officer, "ordering") is None

    page.reload()  # still failing: the page shows the queued answers, not the server's
    page.wait_for_load_state("load")
    assert selected_label(page, "Tobacco") == "CITES"
    assert selected_label(page, "Wildlife") == "CITES"
    expect(question(page, "ordering").locator("[data-ordering] li span")).to_have_text(queued)

    page.unroute(ANSWER_URL)  # the proxy is back: the queue goes out
    saved(page, "matching")
    saved(page, "ordering")
    assert stored(per_officer, "matching") == {"pairs": {"p1": "r2", "p2": "r2"}}
    ids = {"Seizure": "s", "Entered in CEN": "e", "RILO validates": "v", "Alert": "a"}
    assert stored(per_officer, "ordering") == {"order": [ids[text] for text in queued]}
    queue = page.evaluate(
        "localStorage.getItem(JSON.parse("
        "document.getElementById('attempt-settings').textContent).storageKey)"
    )
    assert json.loads(queue or "{}") == {}


def test_a_json_5xx_is_retried_and_only_an_explicit_refusal_drops_an_answer(
    page, assessment, per_officer, password
):
    start_attempt(page, assessment, per_officer, password)
    failures = {"left": 2}

    def flaky(route):
        if failures["left"]:
            failures["left"] -= 1
            route.fulfill(
                status=502,
                content_type="application/json",
                body=json.dumps({"detail": "Bad gateway"}),
            )
        else:
            route.continue_()

    page.route(ANSWER_URL, flaky)
    question(page, "single_choice").get_by_label("CENcomm").check()
    saved(page, "single_choice")  # after two 502s and their retries
    assert failures["left"] == 0
    assert stored(per_officer, "single_choice") == {"option": "b"}
    page.unroute(ANSWER_URL)

    # The server's own refusal (JSON, 4xx, with a code) is final and shown.
    page.route(
        ANSWER_URL,
        lambda route: route.fulfill(
            status=409,
            content_type="application/json",
            body=json.dumps({"saved": False, "code": "closed", "message": "Time is up"}),
        ),
    )
    question(page, "true_false").get_by_label("False").check()
    status = question(page, "true_false").locator("[data-save-status]")
    expect(status).to_have_attribute("data-state", "refused")
    expect(status).to_contain_text("Time is up")


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_on_a_phone_the_page_fits_and_a_zoomed_hotspot_click_lands_right(
    phone, assessment, per_officer, password
):
    page = phone
    start_attempt(page, assessment, per_officer, password)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    hotspot = question(page, "hotspot")
    image = hotspot.locator("[data-hotspot] img")
    viewport = hotspot.locator("[data-hotspot-viewport]")
    hotspot.scroll_into_view_if_needed()
    fitted = image.bounding_box()["width"]
    assert fitted <= 390

    hotspot.get_by_role("button", name="Zoom in").click()
    hotspot.get_by_role("button", name="Zoom in").click()
    zoomed = image.bounding_box()["width"]
    assert zoomed == pytest.approx(fitted * 2.25, rel=0.02)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the frame scrolls

    # Pan the frame so that the cooling unit (x 44..128, y 74..286) is in view, and tap it.
    target = (120, 260)
    viewport.evaluate(
        "(frame, [x, y]) => { const img = frame.querySelector('img');"
        " const s = img.getBoundingClientRect().width / 960;"
        " frame.scrollLeft = x * s - 40; frame.scrollTop = y * s - 40; }",
        list(target),
    )
    box = image.bounding_box()
    scale = box["width"] / 960
    x, y = box["x"] + target[0] * scale, box["y"] + target[1] * scale
    frame = viewport.bounding_box()
    assert frame["x"] <= x <= frame["x"] + frame["width"]
    assert frame["y"] <= y <= frame["y"] + frame["height"]
    page.touchscreen.tap(x, y)
    saved(page, "hotspot")
    [[clicked_x, clicked_y]] = stored(per_officer, "hotspot")["clicks"]
    assert abs(clicked_x - target[0]) <= 1 and abs(clicked_y - target[1]) <= 1

    # Two fingers spread apart zoom in further around their midpoint.
    before = image.bounding_box()["width"]
    session = page.context.new_cdp_session(page)
    middle = (frame["x"] + frame["width"] / 2, frame["y"] + min(frame["height"], 200) / 2)

    def touch(kind, spread):
        points = [
            {"x": middle[0] - spread, "y": middle[1], "id": 1},
            {"x": middle[0] + spread, "y": middle[1], "id": 2},
        ]
        session.send(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": points if kind != "touchEnd" else []},
        )

    touch("touchStart", 30)
    for spread in range(35, 80, 5):
        touch("touchMove", spread)
    touch("touchEnd", 80)
    assert image.bounding_box()["width"] > before * 1.5

    # Fit to screen brings it back; the officer's click is still where it was.
    hotspot.get_by_role("button", name="Fit to screen").click()
    assert image.bounding_box()["width"] == pytest.approx(fitted, rel=0.02)
    mark = hotspot.locator(".hotspot-mark").bounding_box()
    box = image.bounding_box()
    assert abs(mark["x"] + mark["width"] / 2 - (box["x"] + target[0] * box["width"] / 960)) <= 2
