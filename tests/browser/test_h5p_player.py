"""Official H5P content types played in a lesson through the content origin (issue 12,
points 2 and 6, and the rule that package content never runs on the officer's page origin
with its session cookie readable).

The lesson page (http://127.0.0.1:<port>) frames each activity from the content origin
(http://localhost:<port>) in a sandbox; the frame has no cookie, cannot read the lesson
page, and sends what the content reports to the lesson page by postMessage, which posts it
to the site with the session and CSRF token.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from courses import services
from courses.models import (
    CourseIndexPage,
    CoursePage,
    H5PResult,
    H5PUserData,
    LessonActivity,
    LessonPage,
    ModulePage,
)
from courses.packages.h5p.services import LIBRARIES_PREFIX, h5p_package_import
from courses.tests.fixtures import add
from courses.tests.test_h5p_corpus import SHARED_CORPUS
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LESSON = "/official/types/questions/two-questions/"
MULTICHOICE = "h5p-html-exporter__hub-content__H5P.MultiChoice.h5p"
QUESTIONSET = "h5p-html-exporter__hub-content__H5P.QuestionSet.h5p"
TRUEFALSE = "h5p-html-exporter__hub-content__H5P.TrueFalse.h5p"


@pytest.fixture
def lesson(home_page, per_officer):
    """MultiChoice and QuestionSet as exported by h5p.org, imported as a platform admin
    would, in one lesson of a course the officer is enrolled in."""
    per_officer.preferred_language = "en"
    per_officer.save()
    installer = UserFactory(username="h5p.installer", roles={Role.PLATFORM_ADMIN})
    activities = {
        name: h5p_package_import(actor=installer, data=(SHARED_CORPUS / name).read_bytes())
        for name in (MULTICHOICE, QUESTIONSET, TRUEFALSE)
    }
    index = add(home_page, CourseIndexPage(title="Official", slug="official"))
    course = add(
        index,
        CoursePage(title="Types", slug="types", summary="H5P's own.", track="illicit_trade"),
    )
    module = add(course, ModulePage(title="Questions", slug="questions"))
    body = [
        {"type": "h5p", "value": {"activity": activities[name].pk, "required": True}, "id": key}
        for key, name in (("mc", MULTICHOICE), ("qs", QUESTIONSET), ("tf", TRUEFALSE))
    ]
    page = add(module, LessonPage(title="Two questions", slug="two-questions", body=body))
    services.enrolment_create(actor=per_officer, course=course)
    return {
        key: LessonActivity.objects.get(lesson=page, block_id=key) for key in ("mc", "qs", "tf")
    }


def block(page, key):
    return page.locator(f'[data-h5p-block="{key}"]')


def content(page, key):
    shell = page.frame_locator(f'[data-h5p-block="{key}"] iframe.h5p-frame')
    return shell.frame_locator("iframe.h5p-iframe")


def shell_frame(page, key):
    """The player shell's frame (for evaluating script in it, as content could)."""
    handle = block(page, key).locator("iframe.h5p-frame").element_handle()
    return handle.content_frame()


def open_lesson(page, password):
    sign_in(page, "officer.per", password)
    page.goto(LESSON)
    for key in ("mc", "qs", "tf"):
        expect(block(page, key)).to_have_attribute("data-h5p-ready", "true", timeout=30_000)


def test_content_runs_without_the_session_and_cannot_reach_the_lesson_page(
    page, live_server, lesson, password
):
    to_content = []
    page.on("requestfinished", lambda r: to_content.append(r) if "//localhost:" in r.url else None)
    open_lesson(page, password)
    main = live_server.url
    policy = page.evaluate(
        "() => fetch(location.href).then(r => r.headers.get('content-security-policy'))"
    )
    assert "'unsafe-eval'" not in policy
    shell = shell_frame(page, "mc")
    assert urlsplit(shell.url).netloc == urlsplit(main).netloc.replace("127.0.0.1", "localhost")
    h5p_frame = shell.child_frames[0]
    for frame in (shell, h5p_frame):
        assert frame.evaluate("document.cookie") == ""
        assert (
            frame.evaluate(
                "() => { try { return window.top.document.title; } catch (e) { return e.name; } }"
            )
            == "SecurityError"
        )
    assert "csrftoken=" in page.evaluate("document.cookie")  # the lesson page has its own
    # No request of the player's (shell, package files, libraries) carried a cookie.
    assert len(to_content) > 20
    assert not [r.url for r in to_content if "cookie" in r.all_headers()]

    # The frame asks the site for an officer's page with credentials: its policy stops the
    # request before it leaves the browser, so no session could go with it.
    to_site = []
    page.on("request", lambda r: to_site.append(r.url) if r.url.startswith(main) else None)
    for frame in (shell, h5p_frame):
        outcome = frame.evaluate(
            "url => fetch(url, {credentials: 'include'})"
            ".then(r => 'read ' + r.status, e => 'refused ' + e.name)",
            f"{main}/learning/",
        )
        assert outcome == "refused TypeError"
    page.wait_for_timeout(300)
    assert to_site == []


def test_answers_reach_the_site_through_the_lesson_page_and_a_reload_restores_them(
    page, lesson, per_officer, password
):
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    sent = []
    page.on(
        "request",
        lambda r: (
            sent.append(json.loads(r.post_data))
            if "/h5p/xapi/" in r.url and r.method == "POST" and r.frame == page.main_frame
            else None
        ),
    )
    open_lesson(page, password)
    # The site is down when the officer answers: the lesson page keeps the statements,
    # says so, and sends the same statements (same ids) again until the site takes them.
    refused_ids = []

    def down(route):
        if len(refused_ids) < 2 and '"result"' in route.request.post_data:
            refused_ids.append(json.loads(route.request.post_data)["id"])
            route.fulfill(status=503, body="<html>Service unavailable</html>")
        else:
            route.continue_()

    page.route("**/h5p/xapi/**", down)
    mc = content(page, "mc")
    mc.get_by_text("Very dark purple").click()
    mc.get_by_role("button", name="Check").click()
    status = block(page, "mc").locator("[data-h5p-status]")
    expect(status).to_have_text("The server did not answer: trying again…")
    expect(block(page, "mc")).to_have_attribute("data-h5p-recorded", "true", timeout=20_000)
    expect(status).to_have_text("Result saved.")
    result = H5PResult.objects.get(user=per_officer, activity=lesson["mc"].activity)
    assert (result.score_raw, result.score_max) == (1.0, 1.0)
    assert len(refused_ids) == 2 and refused_ids[0] == refused_ids[1]
    assert refused_ids[0] in {statement["id"] for statement in sent}

    # A question inside the QuestionSet: its statement (sub-content) goes too, with an id.
    qs = content(page, "qs")
    qs.locator(".h5p-multichoice .h5p-answer").first.click()
    with page.expect_response(
        lambda r: (
            f"/h5p/xapi/{lesson['qs'].pk}/" in r.url
            and "contextActivities" in (r.request.post_data or "")
            and '"parent"' in (r.request.post_data or "")
        )
    ) as answered:
        qs.locator(".h5p-question-check-answer").first.click()
    assert answered.value.status == 200 and answered.value.json()["success"] is True
    statements = [s for s in sent if s.get("verb", {}).get("id", "").endswith("/answered")]
    assert statements and all(len(s["id"]) == 36 for s in sent)
    assert any(s.get("context", {}).get("contextActivities", {}).get("parent") for s in sent)

    # H5P saves its state every few seconds: through the lesson page, then a reload.
    for _ in range(80):
        if H5PUserData.objects.filter(
            user=per_officer, activity=lesson["mc"].activity, data_type="state"
        ).exists():
            break
        page.wait_for_timeout(250)
    state = H5PUserData.objects.get(
        user=per_officer, activity=lesson["mc"].activity, data_type="state"
    )
    assert json.loads(state.data)["answers"] == [0]  # the first option, as written
    page.reload()
    expect(block(page, "mc")).to_have_attribute("data-h5p-ready", "true", timeout=30_000)
    expect(content(page, "mc").locator("[aria-checked=true]")).to_have_text("Very dark purple")
    assert not [
        text for text in console if "Content Security Policy" in text and "127.0.0.1" in text
    ]


def test_a_broken_install_shows_why_the_activity_cannot_be_shown(page, lesson, password):
    """A library file lost from storage after the import: the officer reads which."""
    library = next(
        library
        for library in lesson["tf"].activity.libraries.select_related("current")
        if library.machine_name == "H5P.TrueFalse"
    )
    folder = library.folder
    default_storage.delete(f"{LIBRARIES_PREFIX}/{library.storage_folder}/library.json")
    sign_in(page, "officer.per", password)
    page.goto(LESSON)
    expect(block(page, "tf")).to_have_attribute("data-h5p-error", "missing_library")
    expect(block(page, "tf").locator("[data-h5p-status]")).to_have_text(
        f"This activity cannot be shown: a part of it ({folder}) is missing on this site. "
        "Please tell your training manager."
    )
    expect(block(page, "mc")).to_have_attribute("data-h5p-ready", "true", timeout=30_000)


def test_a_frame_that_never_loads_is_reported(page, lesson, password):
    settings.LMS_H5P_READY_TIMEOUT_SECONDS = 3
    try:
        page.route("**/h5p/player/", lambda route: route.abort())
        sign_in(page, "officer.per", password)
        page.goto(LESSON)
        expect(block(page, "mc")).to_have_attribute("data-h5p-error", "timeout", timeout=10_000)
        expect(block(page, "mc").locator("[data-h5p-status]")).to_have_text(
            "This activity cannot be shown: it did not load in time. Check your connection, "
            "then reload the page."
        )
    finally:
        settings.LMS_H5P_READY_TIMEOUT_SECONDS = 60


def test_the_documentation_tool_saves_the_officers_document(page, home_page, per_officer, password):
    """The sandbox lets content save what the officer wrote (allow-downloads): the
    Documentation tool's export is a .docx made in the frame."""
    installer = UserFactory(username="h5p.installer", roles={Role.PLATFORM_ADMIN})
    name = "h5p-html-exporter__hub-content__H5P.DocumentationTool.h5p"
    tool = h5p_package_import(actor=installer, data=(SHARED_CORPUS / name).read_bytes())
    index = add(home_page, CourseIndexPage(title="Tools", slug="tools"))
    course = add(
        index, CoursePage(title="Plan", slug="plan", summary="Plans.", track="illicit_trade")
    )
    module = add(course, ModulePage(title="Write", slug="write"))
    body = [{"type": "h5p", "value": {"activity": tool.pk, "required": False}, "id": "doc"}]
    add(module, LessonPage(title="Your plan", slug="your-plan", body=body))
    services.enrolment_create(actor=per_officer, course=course)
    sign_in(page, "officer.per", password)
    page.goto("/tools/plan/write/your-plan/")
    expect(block(page, "doc")).to_have_attribute("data-h5p-ready", "true", timeout=30_000)
    tool_frame = content(page, "doc")
    tool_frame.locator(".h5p-navigation-menu-entry").last.click()
    tool_frame.locator(".export-document-button").click()
    with page.expect_download() as saved:
        tool_frame.locator(".joubel-exportable-export-button").click()
    assert saved.value.suggested_filename.endswith(".docx")
