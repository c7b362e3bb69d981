"""What every journey checks on each page it reaches: no English string of the platform's
own in the visible text (tests/english.py), no axe-core violation,
no horizontal scroll. One helper, so that the journeys stay short and say what they do."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.test_accessibility import AXE, TAGS
from tests.english import leaks

# Every impact, not only serious and critical: the journeys' pages have none at all.
IMPACTS = ("critical", "serious", "moderate", "minor")


def axe_problems(page) -> list[str]:
    """axe-core's WCAG A/AA violations (of any impact) on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run 'make test', which installs it.")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "([tags, grave]) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.filter(v => grave.includes(v.impact)).map(v => v.id + ' ('"
        " + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join("
        "' ')).join(', ')))",
        [TAGS, list(IMPACTS)],
    )
    return list(found)


def page_problems(page, language: str, content: set[str], *, axe: bool = True) -> list[str]:
    """Everything wrong with the page as the reader sees it, each line naming the page."""
    page.wait_for_load_state("load")
    where = page.url.split("//", 1)[-1].split("/", 1)[-1]
    problems = [f"/{where} English: {leak}" for leak in leaks(page.content(), language, content)]
    if axe:
        problems += [f"/{where} axe: {line}" for line in axe_problems(page)]
    scroll = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if scroll > 1:
        problems.append(f"/{where} scrolls sideways by {scroll} px")
    return problems


def new_journey_page(
    browser, live_server, *, locale: str, zone: str | None = None, width: int = 1280
):
    """One context and one page for a whole journey, in ``locale`` (the browser's
    Accept-Language), on a screen ``width`` wide (390: a phone). The CSP is bypassed
    only so that axe-core can be injected: the site's own policy allows no inline
    script, which is the point."""
    context = browser.new_context(
        base_url=live_server.url,
        locale=locale,
        timezone_id=zone,
        viewport={"width": width, "height": 900 if width > 500 else 844},
        has_touch=width <= 500,
        bypass_csp=True,
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


# --- The keyboard ------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {
    what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : '')
      + ' ' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
    ring: outline || style.boxShadow !== 'none',
    x: box.left + window.scrollX, y: box.top + window.scrollY,
    width: box.width, height: box.height,
  };
}"""


def focused(page) -> dict | None:
    """The focused element: a short description, whether a focus ring (an outline or a
    box shadow) shows, and its box on the page."""
    return page.evaluate(FOCUSED)


def tab_to(page, selector: str, *, key: str = "Tab", limit: int = 60) -> list[dict]:
    """Presses ``key`` until the focused element matches ``selector`` (unless it does
    already); returns every element focused on the way (the last one matches). Fails
    if focus is lost (on the body), if an element shows no focus ring, or if
    ``selector`` is never reached."""
    visited: list[dict] = []
    if page.evaluate("s => document.activeElement.matches(s)", selector):
        return [focused(page)]  # already there (a field with autofocus)
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        assert now is not None, f"focus lost after {[v['what'] for v in visited]}"
        assert now["ring"], f"no visible focus on {now['what']}"
        visited.append(now)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return visited
    raise AssertionError(f"{selector} not reached by {key}: {[v['what'] for v in visited]}")


def in_reading_order(boxes: list[dict]) -> bool:
    """Each box is after the previous one as a reader goes: to its right on the same
    line, or on a later line."""
    for before, after in itertools.pairwise(boxes):
        same_line = after["y"] < before["y"] + before["height"] and before["y"] < (
            after["y"] + after["height"]
        )
        if same_line and after["x"] < before["x"] + before["width"] - 1:
            return False
        if not same_line and after["y"] < before["y"]:
            return False
    return True
