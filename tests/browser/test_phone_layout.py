"""Every page of the site works on a phone and passes axe (issue 14).

The site's own pages (not the Wagtail or Django admin, not the JSON API) are listed here
by URL name, each with the role that sees it; a test reads the URL configuration and fails
when a page is added without being listed (or explicitly left out, with the reason). Each
role then visits its pages on a 390 x 844 phone, where nothing may scroll sideways, and
axe-core checks every page there and on a desktop: no violation of impact "serious" or
"critical" is allowed (lesser ones are printed, to read with ``-s``).

The data is wide on purpose: eleven officers, six certification programmes with long
titles, assessments, certificates, assignments, an import and API tokens.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from binascii import unhexlify
from types import SimpleNamespace

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import hotp
from playwright.sync_api import expect

from assessments import services as assessment_services
from certificates.tests.fixtures import make_programme
from courses.models import Enrolment
from lms.api.services import api_token_create
from lms.mfa import services as mfa_services
from lms.scim.services import scim_token_create
from lms.tracking.assignments import assignment_create
from lms.tracking.models import Assignment, OfficerImport
from lms.tracking.tests.conftest import world  # noqa: F401  (the fixture)
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import AXE, TAGS

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SERIOUS = ("serious", "critical")

#: Site pages by URL name: who sees them in the sweep. Wagtail pages (course, lesson...)
#: are served by ``wagtail_serve`` and listed in ``site`` below.
SWEPT = {
    "accounts:login": "anonymous",
    "accounts:password_reset": "anonymous",
    "accounts:password_reset_done": "anonymous",
    "accounts:password_reset_confirm": "anonymous",
    "accounts:password_reset_complete": "anonymous",
    "certificates:verify_form": "anonymous",
    "certificates:verify": "anonymous",
    "wagtail_serve": "officer",
    "accounts:profile": "officer",
    "accounts:password_change": "officer",
    "accounts:password_change_done": "officer",
    "courses:my_learning": "officer",
    "courses:catalogue": "officer",
    "courses:search": "officer",
    "tracking:my_assignments": "officer",
    "home:calendar_address": "officer",
    "certificates:mine": "officer",
    "assessments:attempt": "officer",
    "assessments:result": "officer",
    "accounts:administrations": "manager",
    "accounts:administration_detail": "manager",
    "tracking:dashboard": "manager",
    "tracking:matrix": "manager",
    "tracking:officer": "manager",
    "tracking:assignments": "manager",
    "tracking:assignment_new": "manager",
    "tracking:assignment": "manager",
    "tracking:assignment_withdraw": "manager",
    "tracking:imports": "manager",
    "tracking:import": "manager",
    "api_pages:tokens": "manager",
    "api_pages:token_revoke": "manager",
    "audit:trail": "manager",
    "audit:platform_trail": "platform admin",
    "certificates:manage": "manager",
    "certificates:manage_detail": "manager",
    "tracking:regional": "coordinator",
    "sso:choose": "anonymous",
    "mfa:security": "manager",
    "mfa:totp_add": "manager",
    "mfa:verify": "training manager",
    "scim_pages:tokens": "manager",
    "scim_pages:token_revoke": "manager",
}
#: URL names that are no page to look at, and why.
NOT_PAGES = {
    "accounts:logout": "POST only",
    "accounts:language": "POST only",
    "courses:enrol": "POST only",
    "assessments:start": "POST only",
    "assessments:answer": "JSON, from the attempt page's script",
    "assessments:submit": "POST only",
    "assessments:essay_file_upload": "POST only",
    "assessments:essay_file": "a download",
    "assessments:image": "an image",
    "courses:h5p_xapi": "JSON, from the player",
    "courses:h5p_state": "JSON, from the player",
    "courses:scorm:commit": "JSON, from the player",
    "tracking:officer_invite": "POST only",
    "tracking:matrix_export": "a download",
    "tracking:progress_export": "a download",
    "tracking:scorm_export": "a download",
    "tracking:regional_export": "a download",
    "tracking:import_template": "a download",
    "tracking:mailed_export": "a download (the link of a mailed export)",
    "audit:trail_export": "a download",
    "audit:platform_trail_export": "a download",
    "courses:h5p_player_messages": "a script (the H5P player's texts)",
    "home:calendar_feed": "an iCalendar file",
    "home:calendar_address_off": "POST only",
    "tracking:import_apply": "POST only",
    "tracking:import_discard": "POST only",
    "certificates:revoke": "POST only",
    "certificates:pdf": "a PDF",
    "certificates:badge": "a JSON credential",
    "certificates:issuer": "a JSON document",
    "certificates:jwks": "a JSON document",
    "certificates:status_list": "a JSON credential",
    "certificates:achievement": "a JSON document",
    "wagtailcore_authenticate_with_password": "Wagtail's private-page form (no page is private)",
    "wagtailcore_login": "redirects to accounts:login",
    "ops:healthz": "plain text, for load balancers",
    "ops:readyz": "JSON, for load balancers",
    "ops:metrics": "Prometheus text, for the operator's scraper",
    "mfa:recovery": "shown only to a session proven by its second factor "
    "(tests/browser/test_second_factor.py checks it with axe)",
    "mfa:device_remove": "POST only",
    "mfa:passkey_register": "JSON, from the passkey script",
    "mfa:passkey_register_options": "JSON, from the passkey script",
    "mfa:passkey_verify": "JSON, from the passkey script",
    "mfa:passkey_verify_options": "JSON, from the passkey script",
    "sso:oidc_start": "a redirect to the identity provider",
    "sso:oidc_callback": "the identity provider's answer (a redirect)",
    "sso:saml_start": "a redirect to the identity provider",
    "sso:saml_acs": "the identity provider's POST (a redirect)",
    "sso:saml_metadata": "an XML document",
    "sso:oidc_backchannel_logout": "the identity provider's server-to-server POST",
    "sso:oidc_logged_out": "the provider's return after sign-out, with a one-time state: "
    "the signed-out page (accounts/logged_out.html) or the refusal page",
    "sso:saml_sls": "the identity provider's logout request or answer: a redirect, the "
    "signed-out page (accounts/logged_out.html) or the refusal page",
}
#: Prefixes of what is not the site's own pages.
OUTSIDE = ("cms/", "django-admin/", "documents/", "api/v1/", "scim/v2/")


def site_url_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(OUTSIDE):
                continue
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern, route, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(namespace + pattern.name)

    walk(get_resolver(), "", "")
    return names


def test_every_site_page_is_in_the_sweep():
    names = site_url_names()
    assert names - set(SWEPT) - set(NOT_PAGES) == set(), "add the new page to SWEPT"
    assert set(SWEPT) | set(NOT_PAGES) <= names, "a listed URL name no longer exists"


@pytest.fixture
def site(
    world,  # noqa: F811
    earned,
    assessment,
    per_manager,
    coordinator,
    regional_author,
    platform_admin,
    password,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    """Wide data, and every page's address by role."""
    course = assessment.tree.course
    for number in range(4):
        make_programme(
            code=f"long-{number}",
            course=course,
            titles={"en": f"Advanced border risk management and post-clearance audit {number}"},
        )
    officer = earned.officer
    # A second attempt in progress (the first one, passed, earned the certificate).
    attempt = assessment_services.attempt_start(actor=officer, assessment=assessment.page)
    with django_capture_on_commit_callbacks(execute=True):
        assignment_create(
            actor=per_manager,
            administration=world.per,
            due_on=timezone.localdate() + dt.timedelta(days=30),
            course=course,
            units=[world.unit],
            note="Before the regional operation.",
        )
    assignment = Assignment.objects.filter(administration=world.per).latest("pk")
    token, _secret = api_token_create(
        actor=per_manager,
        administration=world.per,
        name="HR system of the national customs authority",
        scopes="read",
        expires_in_days=90,
    )
    scim_token, _scim_secret = scim_token_create(
        actor=per_manager, administration=world.per, name="HR directory", expires_in_days=90
    )
    # A training manager with an authenticator app: the sign-in's verification step.
    key = mfa_services.totp_new_key()
    step = int(timezone.now().timestamp()) // 30
    mfa_services.totp_enrol(
        user=regional_author,
        key_hex=key,
        code=f"{hotp(unhexlify(key), step, digits=6):06d}",
        name="Phone",
    )
    upload = tmp_path / "officers.csv"
    upload.write_text(
        "employee_number,full_name,email,unit\n"
        "NEW-1,Rosa Quispe Mamani,rosa.quispe@example.org,CALLAO\n"
        "NEW-2,Luis Ñahui Condori,not-an-email,CALLAO\n",
        encoding="utf-8",
    )
    client = Client()
    client.force_login(per_manager)
    with upload.open("rb") as handle:
        client.post(reverse("tracking:imports", args=["PER"]), {"file": handle})
    officer_import = OfficerImport.objects.get()
    certificate = earned.certificate
    uid = urlsafe_base64_encode(force_bytes(officer.pk))
    reset_token = default_token_generator.make_token(officer)
    lesson = "/courses/detecting/landscape/live-channels/"
    return SimpleNamespace(
        password=password,
        users={
            "officer": officer.username,
            "manager": per_manager.username,
            "coordinator": coordinator.username,
            "training manager": regional_author.username,
            "platform admin": platform_admin.username,
        },
        lesson=lesson,
        pages={
            "anonymous": [
                "/accounts/login/",
                "/accounts/reset/",
                "/accounts/reset/sent/",
                f"/accounts/reset/{uid}/{reset_token}/",
                "/accounts/reset/complete/",
                "/verify/",
                f"/verify/{certificate.code}/",
                "/accounts/sso/",
            ],
            "officer": [
                "/",
                "/learning/",
                "/learning/catalogue/",
                "/learning/search/?q=tipologias",  # results (the Spanish lesson), not an empty list
                "/courses/detecting/",
                "/courses/detecting/landscape/",
                "/courses/detecting/landscape/typologies/",
                lesson,
                assessment.page.url,
                f"/attempts/{attempt.pk}/",
                f"/attempts/{earned.attempt.pk}/result/",
                "/my/assignments/",
                "/my/calendar/",
                "/certificates/",
                "/accounts/profile/",
                "/accounts/password/",
                "/accounts/password/done/",
            ],
            "manager": [
                "/administrations/",
                "/administrations/PER/",
                "/administrations/PER/dashboard/",
                "/administrations/PER/compliance/",
                f"/administrations/PER/officers/{officer.pk}/",
                f"/administrations/PER/officers/{world.people.renewed.pk}/",
                "/administrations/PER/assignments/",
                "/administrations/PER/assignments/new/",
                f"/administrations/PER/assignments/{assignment.pk}/",
                f"/administrations/PER/assignments/{assignment.pk}/withdraw/",
                "/administrations/PER/imports/",
                f"/administrations/PER/imports/{officer_import.pk}/",
                "/administrations/PER/api-tokens/",
                f"/administrations/PER/api-tokens/{token.pk}/revoke/",
                "/administrations/PER/audit/",
                "/administrations/PER/audit/?action=api_token.create",
                "/certificates/manage/",
                f"/certificates/manage/{certificate.pk}/",
                "/api/v1/docs/",
                "/accounts/security/",
                "/accounts/security/totp/",
                "/administrations/PER/scim-tokens/",
                f"/administrations/PER/scim-tokens/{scim_token.pk}/revoke/",
            ],
            "coordinator": ["/regional/", "/accounts/profile/"],
            "training manager": [
                "/learning/",
                "/accounts/profile/",
                "/accounts/security/verify/",
            ],
            "platform admin": ["/audit/"],
        },
    )


def new_screen(browser, live_server, viewport, **extra):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport=viewport,
        bypass_csp=True,
        has_touch=viewport["width"] < 500,
        **extra,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


#: The page's sideways scroll in pixels, and the deepest elements that stick out.
SIDEWAYS = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const out = [...document.body.querySelectorAll('*')].filter(e => {
    const box = e.getBoundingClientRect();
    return box.width && box.right > width + 1
      && !e.closest('.table-wrap, .hotspot-viewport, .dd-viewport')
      && ![...e.children].some(c => c.getBoundingClientRect().right > width + 1);
  });
  return [root.scrollWidth - width, out.slice(0, 3).map(e => e.tagName.toLowerCase()
    + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined
    ? '.' + String(e.className).trim().split(/\\s+/).join('.') : ''))];
}"""


def sideways(page) -> tuple[int, list[str]]:
    """How many pixels the page scrolls sideways (0 when it fits the screen), and what
    sticks out."""
    extra, culprits = page.evaluate(SIDEWAYS)
    return extra, culprits


#: What is wrong with the charts on the screen: each drawn chart (svg.chart with a box)
#: must lie inside the viewport, its container must not scroll, and each of its texts
#: must render at 12 px or more (its font size times the SVG's scale), stay inside the
#: chart's box and overlap no other text.
CHARTS = """() => {
  const width = document.documentElement.clientWidth, problems = [];
  const drawn = [...document.querySelectorAll('svg.chart')]
    .filter(svg => svg.getBoundingClientRect().width > 0);
  for (const svg of drawn) {
    const box = svg.getBoundingClientRect();
    const name = svg.getAttribute('aria-labelledby').split(' ')[0];
    if (box.left < -1 || box.right > width + 1)
      problems.push(`${name}: from ${box.left} to ${box.right}, the screen is ${width}`);
    const frame = svg.parentElement;
    if (frame.scrollWidth > frame.clientWidth + 1) problems.push(`${name}: scrolls sideways`);
    const view = svg.viewBox.baseVal;
    const scale = view && view.width ? Math.min(box.width / view.width,
      box.height / view.height) : 1;
    const texts = [...svg.querySelectorAll('text')]
      .map(t => [t, t.getBoundingClientRect()]).filter(([t, r]) => r.width > 0);
    texts.forEach(([t, r], i) => {
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < 12) problems.push(`${name}: "${t.textContent}" at ${px.toFixed(1)}px`);
      if (r.left < box.left - 1 || r.right > box.right + 1)
        problems.push(`${name}: "${t.textContent}" sticks out`);
      for (const [u, q] of texts.slice(i + 1)) {
        const across = Math.min(r.right, q.right) - Math.max(r.left, q.left);
        const down = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
        if (across > 1 && down > 1)
          problems.push(`${name}: "${t.textContent}" overlaps "${u.textContent}"`);
      }
    });
  }
  return [drawn.length, problems.slice(0, 8)];
}"""


def charts_on(page) -> tuple[int, list[str]]:
    """How many charts the screen shows, and what is wrong with them (see CHARTS)."""
    count, problems = page.evaluate(CHARTS)
    return count, list(problems)


def axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r =>"
        " r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
        TAGS,
    )


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, f"{url}: {response and response.status}"
    page.wait_for_load_state("load")
    if url.startswith("/api/v1/docs/"):
        # Swagger UI draws the page after load; open two operations and a "Try it out"
        # form, so that axe also checks what a reader of the documentation opens.
        expect(page.locator(".swagger-ui .info")).to_be_visible()
        page.locator(".opblock-summary").first.click()
        page.locator(".opblock-summary").nth(1).click()
        page.get_by_role("button", name="Try it out").first.click()
        expect(page.get_by_role("button", name="Execute")).to_be_visible()
        page.wait_for_timeout(300)  # the docs' script labels what Swagger UI just drew
    if "/live-channels/" in url:
        frame = page.locator("iframe.h5p-frame")
        # The H5P frame is named after its activity (in the officer's language).
        expect(frame).to_have_attribute("title", re.compile(r"\w.*: \S"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "role",
    ["anonymous", "officer", "manager", "coordinator", "training manager", "platform admin"],
)
def test_every_page_fits_a_phone_and_passes_axe(browser, live_server, site, role):
    phone = new_screen(browser, live_server, PHONE)
    desktop = new_screen(browser, live_server, DESKTOP)
    if role != "anonymous":
        for screen in (phone, desktop):
            sign_in(screen, site.users[role], site.password)
    overflowing, serious, lesser = [], [], []
    for url in site.pages[role]:
        for name, screen in (("phone", phone), ("desktop", desktop)):
            visit(screen, url)
            if name == "phone" and (found := sideways(screen))[0] > 0:
                overflowing.append(f"{url} scrolls {found[0]}px sideways: {found[1]}")
            overflowing += [f"{name} {url}: {problem}" for problem in charts_on(screen)[1]]
            for violation in axe(screen):
                line = (
                    f"{name} {url}: {violation['id']} ({violation['impact']}) {violation['nodes']}"
                )
                (serious if violation["impact"] in SERIOUS else lesser).append(line)
    print("\n".join([f"[{role}] lesser axe findings:", *lesser]))
    phone.context.close()
    desktop.context.close()
    assert (overflowing, serious) == ([], [])


def test_the_checks_see_a_page_that_scrolls_sideways_and_a_serious_violation(
    browser, live_server, db
):
    """Positive control: both checks of the sweep do fail a page that breaks them."""
    page = new_screen(browser, live_server, PHONE)
    visit(page, "/accounts/login/")
    assert sideways(page)[0] == 0
    assert [v for v in axe(page) if v["impact"] in SERIOUS] == []
    page.evaluate(
        "() => { const wide = document.createElement('p'); wide.className = 'too-wide';"
        " wide.textContent = 'x'.repeat(40); wide.style.width = '600px';"
        " document.querySelector('main').append(wide);"
        " document.querySelector('main').append(document.createElement('img')); }"
    )
    extra, culprits = sideways(page)
    assert extra > 0 and culprits == ["p.too-wide"]
    assert "image-alt" in {v["id"] for v in axe(page) if v["impact"] in SERIOUS}
    # And the charts' check: a chart scaled down (16 px text drawn at half size), a label
    # past its right edge, two labels on top of each other.
    assert charts_on(page) == (0, [])
    page.evaluate(
        "() => { const box = document.createElement('div');"
        ' box.innerHTML = \'<svg class="chart" aria-labelledby="bad-title"\''
        ' + \' viewBox="0 0 640 100" width="320" height="50">\''
        ' + \'<text x="10" y="40">Small</text><text x="10" y="45">Over</text>\''
        ' + \'<text x="560" y="80">Far too long</text></svg>\';'
        " document.querySelector('main').prepend(box); }"
    )
    count, problems = charts_on(page)
    assert count == 1
    assert 'bad-title: "Small" at 8.0px' in problems
    assert 'bad-title: "Far too long" sticks out' in problems
    assert 'bad-title: "Small" overlaps "Over"' in problems
    page.context.close()


def test_the_header_menu_opens_and_closes_with_the_keyboard(
    browser, live_server, per_officer, password
):
    page = new_screen(browser, live_server, PHONE)
    sign_in(page, per_officer.username, password)
    page.goto("/accounts/profile/")
    button = page.locator("[data-menu-button]")
    nav = page.locator("#site-nav")
    language = page.locator("#site-language")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "site-language site-nav")
    expect(nav).to_be_hidden()
    expect(language).to_be_hidden()
    assert sideways(page)[0] == 0
    # Skip link, brand, then the menu button: the order the header reads in.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    box = button.bounding_box()
    assert box and box["width"] >= 24 and box["height"] >= 24
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(language).to_be_visible()
    # Focus moves on into the menu it opened: the language, then the navigation.
    page.keyboard.press("Tab")
    expect(page.locator("#language-select")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(nav.locator("a").first).to_be_focused()
    for link in nav.locator("a, button").all():
        size = link.bounding_box()
        assert size and size["height"] >= 24, link.inner_text()
    # Escape closes the menu and gives focus back to its button; Space opens it again.
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(nav).to_be_hidden()
    page.keyboard.press("Space")
    expect(nav).to_be_visible()
    page.keyboard.press("Space")
    expect(nav).to_be_hidden()
    page.context.close()

    # On a desktop there is no menu button: the navigation is always shown.
    desktop = new_screen(browser, live_server, DESKTOP)
    sign_in(desktop, per_officer.username, password)
    desktop.goto("/accounts/profile/")
    expect(desktop.locator("[data-menu-button]")).to_be_hidden()
    expect(desktop.locator("#site-nav a").first).to_be_visible()
    desktop.context.close()


def test_without_javascript_the_navigation_stacks_on_a_phone(
    browser, live_server, per_officer, password
):
    page = new_screen(browser, live_server, PHONE, java_script_enabled=False)
    sign_in(page, per_officer.username, password)
    page.goto("/accounts/profile/")
    expect(page.locator("[data-menu-button]")).to_be_hidden()
    expect(page.locator("#site-language")).to_be_visible()
    links = page.locator("#site-nav .nav-list a")
    assert links.count() >= 2
    first, second = links.nth(0).bounding_box(), links.nth(1).bounding_box()
    assert second["y"] > first["y"]  # one under the other
    assert sideways(page)[0] == 0
    page.context.close()


def test_a_manager_on_a_phone_reads_the_matrix_as_a_list_and_wide_tables_scroll(
    browser,
    live_server,
    world,  # noqa: F811
    per_manager,
    password,
):
    course = world.programme.requirements.get().course
    for number in range(3):
        make_programme(
            code=f"long-{number}",
            course=course,
            titles={"en": f"Advanced border risk management and post-clearance audit {number}"},
        )
    page = new_screen(browser, live_server, PHONE)
    sign_in(page, per_manager.username, password)
    page.goto("/administrations/PER/compliance/")
    assert sideways(page)[0] == 0
    # On a phone: no table, a list with one officer's states under their name.
    expect(page.locator("#compliance-matrix")).to_be_hidden()
    officer = page.locator(".matrix-list li[data-officer='E-1']")
    expect(officer.get_by_role("heading", name="Beto Expiring")).to_be_visible()
    expect(officer.locator(".matrix-state")).to_have_count(4)
    expect(officer.locator(".matrix-state").first).to_contain_text("Expiring")
    box = officer.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # On a desktop: sortable headers are buttons, and the header says how it is sorted.
    desktop = new_screen(browser, live_server, DESKTOP)
    sign_in(desktop, per_manager.username, password)
    desktop.goto("/administrations/PER/compliance/?status=expired")
    matrix = desktop.locator("#compliance-matrix")
    name_header = matrix.locator("thead th").first
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    number = matrix.get_by_role("button", name="Employee number")
    number.focus()
    desktop.keyboard.press("Enter")
    desktop.wait_for_url("**sort=number**")
    assert "status=expired" in desktop.url  # the filters are kept
    expect(matrix.locator("thead th").nth(1)).to_have_attribute("aria-sort", "ascending")
    expect(name_header).not_to_have_attribute("aria-sort", "ascending")
    matrix.get_by_role("button", name="Employee number").click()
    expect(matrix.locator("thead th").nth(1)).to_have_attribute("aria-sort", "descending")
    desktop.context.close()

    # The officer page's wide tables scroll inside their panel, first column in view, and
    # the scroller is a named region the keyboard reaches.
    page.goto(f"/administrations/PER/officers/{world.people.valid.pk}/")
    assert sideways(page)[0] == 0
    wrap = page.locator("#certificates-heading ~ .table-wrap")
    expect(wrap).to_have_attribute("tabindex", "0")
    expect(wrap).to_have_attribute("role", "region")
    first_cell = wrap.locator("tbody tr th").first
    before = first_cell.bounding_box()
    wrap.focus()
    page.keyboard.press("End")
    wrap.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    assert wrap.evaluate("element => element.scrollLeft") > 0
    after = first_cell.bounding_box()
    assert before and after and abs(after["x"] - before["x"]) < 1  # it stayed

    # Charts: drawn for the phone, the panel's full width, labels of 12 px and more; the
    # desktop keeps the wide drawing.
    people = [world.people.valid, world.people.progress, world.people.renewed]
    Enrolment.objects.bulk_create(
        Enrolment(
            user=people[number % 3],
            administration=world.per,
            course_key=uuid.uuid4(),
            status=Enrolment.Status.COMPLETED,
            completed_at=timezone.now() - dt.timedelta(days=29 * (number % 11)),
        )
        for number in range(40)
    )
    page.goto("/administrations/PER/dashboard/")
    assert sideways(page)[0] == 0
    count, problems = charts_on(page)
    assert (count, problems) == (3, [])
    figure = page.locator(".chart-figure").first.bounding_box()
    chart = page.locator("svg.chart-narrow").first.bounding_box()
    assert chart["width"] >= figure["width"] - 1 and chart["width"] <= PHONE["width"]
    expect(page.locator("svg.chart-wide").first).to_be_hidden()
    labels = page.locator("svg.chart-narrow .chart-label")
    assert labels.count() >= 6
    page.set_viewport_size(DESKTOP)
    expect(page.locator("svg.chart-narrow").first).to_be_hidden()
    assert charts_on(page) == (3, [])
    page.context.close()
