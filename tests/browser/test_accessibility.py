"""Accessibility checked from outside: axe-core (npm, run in the real browser) over the
officer's exam pages, on a desktop and on a 390 px phone. Any violation of WCAG 2.x A/AA
rules fails the test with axe's own description of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_assessment import answer_every_type, start_attempt

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def violations(page) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as it is now, one line each."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run 'make test', which installs it.")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — '"
        " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))",
        TAGS,
    )
    return list(found)


@pytest.fixture(params=[{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def screen(request, browser, live_server):
    """A desktop and a phone; the injected checker needs the page's CSP bypassed (the
    site's own policy allows no inline script, which is the point)."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport=request.param,
        bypass_csp=True,
        has_touch=request.param["width"] < 500,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_attempt_and_result_pages_pass_axe(screen, assessment, per_officer, password):
    page = screen
    start_attempt(page, assessment, per_officer, password)
    assert violations(page) == []
    # Positive control: the checker does see a violation when there is one.
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    assert any(line.startswith("image-alt") for line in violations(page))
    page.evaluate("document.querySelector('main > img').remove()")
    answer_every_type(page)
    hotspot = page.locator("[data-question][data-type=hotspot]")
    hotspot.get_by_role("button", name="Zoom in").click()
    assert violations(page) == []
    page.locator("[data-action=submit-attempt]").click()
    expect(page.locator("[data-result]")).to_be_visible()
    assert violations(page) == []
    assessment.page.review_policy = "answers"
    assessment.page.save()
    page.reload()
    expect(page.locator("[data-review]").first).to_be_visible()
    assert violations(page) == []
