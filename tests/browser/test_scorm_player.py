"""Real SCORM packages played in a lesson (issue 12, point 8): Rustici's Golf examples from
the corpus, unmodified, in Debian's Chromium.

The lesson page (http://127.0.0.1:<port>) frames the player shell from the content origin
(http://localhost:<port>) in a sandbox; the shell provides scorm-again's API and loads the
SCO beside it; what the SCO commits reaches the lesson page by postMessage and the server
by the page's POST with the session and CSRF token. The officer plays, leaves, comes back
and resumes where they were, and the lesson completes.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from courses.models import Enrolment
from courses.packages.scorm.models import ScormRuntimeData
from courses.packages.scorm.tests.runtime import GOLF_12, GOLF_2004_SEQUENCING, scorm_course
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(page):
    """The conftest's page, taken away from the SCO before the context closes: the SCO's
    unload handlers finish its session while the live server still answers."""
    yield page
    try:
        page.goto("about:blank", timeout=5_000)
        page.wait_for_timeout(200)
    except Exception:  # teardown only: the test's outcome is already known
        pass


def block(page):
    return page.locator("[data-scorm-block]")


def sco(page):
    """The SCO's own page (Golf's launch page, with its Previous/Next buttons)."""
    return page.frame_locator("[data-scorm-block] iframe.scorm-frame").frame_locator("iframe")


def sco_frame(page):
    """The SCO's frame object (to read what the SCO sees through the API)."""
    shell = next(f for f in page.frames if "/scorm/player/" in f.url)
    return next(f for f in page.frames if f.parent_frame == shell)


def next_until_the_end(page):
    button = sco(page).locator("#butNext")
    expect(button).to_be_visible(timeout=30_000)
    while button.is_enabled():
        button.click()
        page.wait_for_timeout(150)


def stored(page, officer, item, **expected):
    """Wait until the officer's data of the item is stored with the expected values (the
    API commits a few seconds after the SCO's last change)."""
    for _attempt in range(60):
        row = ScormRuntimeData.objects.filter(user=officer, item=item).first()
        if row is not None and all(getattr(row, k) == v for k, v in expected.items()):
            return row
        page.wait_for_timeout(250)
    raise AssertionError(f"{item} not stored with {expected}: {row and row.__dict__}")


def saved(page):
    """Wait until every commit sent so far is stored."""
    expect(block(page)).to_have_attribute("data-scorm-state", "saved", timeout=20_000)


@pytest.fixture
def officer(per_officer):
    per_officer.preferred_language = "en"
    per_officer.save()
    return per_officer


def open_lesson(page, live_server, tree, officer, password, *, signed_in=False):
    if not signed_in:
        sign_in(page, officer.username, password)
    page.goto(live_server.url + tree.lesson.url)
    expect(block(page)).to_have_attribute("data-scorm-state", "ready", timeout=30_000)


def test_a_scorm_12_package_plays_resumes_and_completes_the_lesson(
    page, live_server, home_page, officer, password
):
    from courses.packages.scorm.tests.runtime import enrol

    tree = scorm_course(home_page, packages=[GOLF_12])
    enrol(officer, tree)
    page.on("dialog", lambda dialog: dialog.accept())  # Golf asks whether to resume
    page.on("console", lambda message: print("console:", message.text))
    open_lesson(page, live_server, tree, officer, password)
    expect(sco(page).locator("#butNext")).to_be_visible(timeout=30_000)
    # The SCO runs on the content origin, and found the API in its parent (the shell).
    assert sco_frame(page).url.startswith(live_server.url.replace("127.0.0.1", "localhost"))
    for _step in range(3):
        sco(page).locator("#butNext").click()
        page.wait_for_timeout(150)
    # The API commits a few seconds after the SCO's last change.
    stored(page, officer, "item_1", location="3", lesson_status="incomplete")
    saved(page)

    # The officer closes the page and comes back: the SCO resumes at its bookmark.
    page.goto(live_server.url + "/learning/")
    page.goto(live_server.url + tree.lesson.url)
    expect(block(page)).to_have_attribute("data-scorm-state", "ready", timeout=30_000)
    frame = sco_frame(page)
    frame.wait_for_function("() => window.parent.API && window.parent.API.isInitialized()")
    assert frame.evaluate("() => window.parent.API.cmi.core.entry") == "resume"
    expect(sco(page).locator("#butPrevious")).to_be_enabled()  # not the first page: resumed
    assert frame.evaluate("() => currentPage") == 3

    next_until_the_end(page)
    expect(block(page)).to_have_attribute("data-scorm-done", "true", timeout=20_000)
    page.reload()
    expect(page.locator("[data-lesson-status]")).to_have_attribute(
        "data-lesson-status", "completed"
    )
    enrolment = Enrolment.objects.get(user=officer)
    assert enrolment.lesson_status[str(tree.lesson.translation_key)] == "completed"


def answer_the_test(page):
    """Golf's test (shared/assessmenttemplate.html) answered right: the questions are
    read from the test page itself."""
    test = sco(page).frame_locator("#contentFrame")
    test.locator("input[type=button], button").last.wait_for()
    shell = next(f for f in page.frames if "/scorm/player/" in f.url)
    sco_page = next(f for f in page.frames if f.parent_frame == shell)
    content = next(f for f in page.frames if f.parent_frame == sco_page)
    content.evaluate(
        """() => {
          const field = (q, suffix) => document.getElementById(`question_${q.Id}_${suffix}`);
          for (const q of test.Questions) {
            if (q.Type === "choice") {
              field(q, q.Answers.indexOf(q.CorrectAnswer)).checked = true;
            } else if (q.Type === "true-false") {
              field(q, q.CorrectAnswer ? "True" : "False").checked = true;
            } else {
              field(q, "Text").value = String(q.CorrectAnswer);
            }
          }
          SubmitAnswers();
        }"""
    )


def test_a_scorm_2004_sequenced_package_is_taken_in_order_resumes_and_completes(
    page, live_server, home_page, officer, password
):
    from courses.packages.scorm.tests.runtime import enrol

    tree = scorm_course(home_page, packages=[GOLF_2004_SEQUENCING])
    enrol(officer, tree)
    page.on("dialog", lambda dialog: dialog.accept())
    open_lesson(page, live_server, tree, officer, password)
    toc = block(page).locator(".scorm-toc")
    expect(toc.locator('[data-scorm-item="playing_item"]')).to_have_attribute(
        "aria-current", "step"
    )
    # Forced order: the next SCO is closed until this one is satisfied.
    expect(toc.locator('[data-scorm-item="etuqiette_item"]')).to_be_disabled()
    next_until_the_end(page)
    expect(toc.locator('[data-scorm-item="etuqiette_item"]')).to_be_enabled(timeout=20_000)
    expect(toc.locator('[data-scorm-item="handicapping_item"]')).to_be_disabled()

    toc.locator('[data-scorm-item="etuqiette_item"]').click()
    expect(toc.locator('[data-scorm-item="etuqiette_item"]')).to_have_attribute(
        "aria-current", "step"
    )
    sco(page).locator("#butNext").click()
    stored(page, officer, "etuqiette_item", location="1")
    saved(page)
    playing = ScormRuntimeData.objects.get(user=officer, item="playing_item")
    assert (playing.completion_status, playing.success_status) == ("completed", "passed")

    # Leave and come back: the officer is taken back to the SCO they were in, resumed.
    page.goto(live_server.url + "/learning/")
    page.goto(live_server.url + tree.lesson.url)
    expect(block(page)).to_have_attribute("data-scorm-state", "ready", timeout=30_000)
    expect(toc.locator('[data-scorm-item="etuqiette_item"]')).to_have_attribute(
        "aria-current", "step"
    )
    frame = sco_frame(page)
    frame.wait_for_function(
        "() => window.parent.API_1484_11 && window.parent.API_1484_11.isInitialized()"
    )
    assert frame.evaluate("() => window.parent.API_1484_11.cmi.entry") == "resume"
    assert frame.evaluate("() => currentPage") == 1

    next_until_the_end(page)
    for item in ("handicapping_item", "havingfun_item"):
        expect(toc.locator(f'[data-scorm-item="{item}"]')).to_be_enabled(timeout=20_000)
        if item == "handicapping_item":  # by flow: the package's Continue
            block(page).locator('[data-scorm-nav="continue"]').click()
        else:  # by choice: the table of contents
            toc.locator(f'[data-scorm-item="{item}"]').click()
        expect(toc.locator(f'[data-scorm-item="{item}"]')).to_have_attribute("aria-current", "step")
        next_until_the_end(page)
    expect(toc.locator('[data-scorm-item="assessment_item"]')).to_be_enabled(timeout=20_000)
    toc.locator('[data-scorm-item="assessment_item"]').click()
    answer_the_test(page)
    expect(block(page)).to_have_attribute("data-scorm-done", "true", timeout=20_000)
    page.reload()
    expect(page.locator("[data-lesson-status]")).to_have_attribute(
        "data-lesson-status", "completed"
    )


def test_the_scorm_lesson_page_and_its_table_of_contents_pass_axe(
    browser, live_server, home_page, officer, password
):
    from courses.packages.scorm.tests.runtime import enrol
    from tests.browser.test_accessibility import violations

    tree = scorm_course(home_page, packages=[GOLF_2004_SEQUENCING])
    enrol(officer, tree)
    # The injected checker needs the page's policy bypassed (it allows no inline script).
    context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        page.on("dialog", lambda dialog: dialog.accept())
        open_lesson(page, live_server, tree, officer, password)
        expect(sco(page).locator("#butNext")).to_be_visible(timeout=30_000)
        assert violations(page) == []
        # Positive control: the checker sees an unnamed button in the table of contents.
        page.evaluate(
            "document.querySelector('.scorm-toc ol').append(document.createElement('button'))"
        )
        assert any(line.startswith("button-name") for line in violations(page))
    finally:
        context.close()


def test_a_commit_the_server_did_not_take_is_sent_again(
    page, live_server, home_page, officer, password
):
    from courses.packages.scorm.tests.runtime import enrol

    tree = scorm_course(home_page, packages=[GOLF_12])
    enrol(officer, tree)
    page.on("dialog", lambda dialog: dialog.accept())
    failures = []

    def first_fails(route):
        if not failures:
            failures.append(route.request.post_data)
            route.fulfill(status=503, body="unavailable")
        else:
            route.continue_()

    page.route("**/scorm/commit/**", first_fails)
    open_lesson(page, live_server, tree, officer, password)
    sco(page).locator("#butNext").click()
    expect(block(page).locator("[data-scorm-status]")).to_have_text(
        "The server did not answer: trying again…", timeout=20_000
    )
    stored(page, officer, "item_1", location="1")
    saved(page)
    assert failures and '"cmi.core.lesson_location"' in failures[0]
