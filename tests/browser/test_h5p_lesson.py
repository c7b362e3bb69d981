"""An officer enrols, answers an H5P activity in a lesson, progress moves, a reload
restores the answer; a Spanish officer gets the Spanish course."""

import pytest
from playwright.sync_api import expect

from courses.models import Enrolment, H5PResult, H5PUserData
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LESSON = "/courses/detecting/landscape/live-channels/"


def frame_of(page):
    return page.frame_locator("iframe.h5p-frame").frame_locator("iframe.h5p-iframe")


def test_officer_answers_an_activity_and_a_reload_restores_it(
    page, course_tree, per_officer, password
):
    per_officer.preferred_language = "en"
    per_officer.save()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, "officer.per", password)
    page.goto("/courses/detecting/")
    page.locator("[data-action=enrol]").click()
    expect(page.locator("[data-action=continue]")).to_be_visible()

    page.goto(LESSON)
    expect(page.locator("[data-h5p-ready=true]")).to_have_count(1)
    frame = frame_of(page)
    frame.get_by_label("CENcomm").check()
    with page.expect_response(lambda r: "/h5p/xapi/" in r.url and r.request.method == "POST"):
        frame.get_by_role("button", name="Check").click()
    expect(page.locator("[data-h5p-recorded=true]")).to_have_count(1)

    result = H5PResult.objects.get(user=per_officer)
    assert (result.score_raw, result.score_max, result.success) == (1.0, 1.0, True)
    enrolment = Enrolment.objects.get(user=per_officer)
    assert enrolment.lesson_status[str(course_tree.lesson2.translation_key)] == "completed"
    assert enrolment.percent_complete > 0

    # H5P saves its state on a timer (every 5 s here); wait for it, then reload.
    for _ in range(60):
        if H5PUserData.objects.filter(user=per_officer, data_type="state").exists():
            break
        page.wait_for_timeout(250)
    assert H5PUserData.objects.filter(user=per_officer, data_type="state").exists()
    page.reload()
    expect(page.locator("[data-h5p-ready=true]")).to_have_count(1)
    expect(frame_of(page).get_by_label("CENcomm")).to_be_checked()
    expect(page.locator("[data-lesson-status=completed]")).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_spanish_officer_sees_the_spanish_course(page, course_tree, per_officer, password):
    sign_in(page, "officer.per", password)  # prefers Spanish
    page.goto("/courses/detecting/")
    expect(page.locator("h1")).to_have_text("Detectar el comercio ilícito")
    page.locator("[data-action=enrol]").click()
    page.goto(LESSON)
    expect(page.locator("h1")).to_have_text("Canales en vivo")
    expect(page.locator("[data-h5p-ready=true]")).to_have_count(1)
    expect(frame_of(page).get_by_text("¿Qué herramienta es el canal en vivo")).to_be_visible()
