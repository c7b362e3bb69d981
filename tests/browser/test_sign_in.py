"""An officer signs in, reads the site in Spanish, switches to English; lockout."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_spanish_officer_sees_spanish_then_switches_to_english(
    page, home_page, per_officer, password
):
    sign_in(page, "officer.per", password)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Academia de Integridad y Control Aduanero")
    expect(page.get_by_role("navigation", name="Principal")).to_contain_text("Mi cuenta")
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()

    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Customs Integrity & Enforcement Academy")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("My account")
    per_officer.refresh_from_db()
    assert per_officer.preferred_language == "en"


def test_skip_link_and_landmarks(page, home_page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    for role in ("banner", "main", "contentinfo"):
        expect(page.get_by_role(role)).to_have_count(1)


def test_five_wrong_passwords_lock_the_account_with_the_generic_message(
    page, home_page, per_officer, password
):
    per_officer.preferred_language = "en"
    per_officer.save()
    for attempt in range(5):
        sign_in(page, "officer.per", "not-the-password")
        if attempt < 4:
            expect(page.get_by_role("alert")).to_contain_text(
                "The username or password is not correct"
            )
    expect(page.get_by_test_id("lockout-message")).to_contain_text(
        "Too many failed sign-in attempts"
    )
    sign_in(page, "officer.per", password)
    expect(page.get_by_test_id("lockout-message")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_wagtail_admin_runs_under_its_content_security_policy(
    page, home_page, platform_admin, password
):
    """The admin's own policy allows nothing from another origin; the pages an admin uses
    most load without a single violation (no avatars or update checks from elsewhere)."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/cms/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/cms/")
    expect(page).to_have_title(re.compile("Dashboard"))
    for url in [
        "/cms/pages/",
        f"/cms/pages/{home_page.pk}/edit/",
        "/cms/users/new/",
        "/cms/administrations/",
        "/cms/settings/home/sitesettings/",
    ]:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
    assert violations == []
