"""A manager enrols a TOTP app and a passkey (Chromium's virtual authenticator, through the
DevTools protocol's WebAuthn domain), signs out, and reaches the dashboard again only
after the password and a second factor: the passkey once, the TOTP app once (issue 16).

WebAuthn needs a secure context and a relying party id that is a host name: the site is
opened at http://localhost:<port> (Chromium treats localhost as secure), so the content
origin, derived as localhost in tests, is moved out of the way for this test.
"""

from __future__ import annotations

import re
import subprocess
import time
from base64 import b32decode
from binascii import hexlify, unhexlify
from urllib.parse import parse_qs, urlsplit

import pytest
from django_otp.oath import hotp
from playwright.sync_api import expect

from lms.audit.models import AuditAction, AuditRecord
from lms.mfa.models import PasskeyDevice

pytestmark = pytest.mark.django_db(transaction=True)

DASHBOARD = "/administrations/PER/dashboard/"


@pytest.fixture
def site(settings, live_server):
    origin = live_server.url.replace("127.0.0.1", "localhost")
    settings.LMS_MFA_REQUIRED = True
    settings.LMS_CONTENT_ORIGIN = "http://content.invalid"
    settings.LMS_MFA_RP_ID = "localhost"
    settings.LMS_MFA_ALLOWED_ORIGINS = [origin]
    return origin


@pytest.fixture
def screen(browser, site):
    context = browser.new_context(base_url=site, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield page, cdp, authenticator["authenticatorId"]
    context.close()


def sign_in(page, username: str, password: str, next_url: str = DASHBOARD) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form:has(#id_password) button[type=submit]").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").first.click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def code(key_hex: str, steps_ahead: int = 0) -> str:
    return f"{hotp(unhexlify(key_hex), int(time.time()) // 30 + steps_ahead, digits=6):06d}"


def test_manager_enrols_totp_and_passkey_and_needs_one_to_reach_the_dashboard(
    screen, per, per_manager, password, tmp_path
):
    page, cdp, authenticator = screen

    # First sign-in: the manager's role sends them to enrolment, not to the dashboard.
    sign_in(page, "manager.per", password)
    expect(page.get_by_test_id("mfa-required")).to_be_visible()
    page.goto(DASHBOARD)
    assert urlsplit(page.url).path == "/accounts/security/"

    # A TOTP app: the QR code (read from the rendered page by zbarimg) and the typed key
    # carry the same secret; a code computed from it confirms the app.
    page.get_by_role("link", name="Set up an authenticator app").click()
    qr = page.get_by_test_id("totp-qr")
    qr.screenshot(path=str(tmp_path / "qr.png"))
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "qr.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    assert decoded.startswith("otpauth://totp/")
    assert parse_qs(urlsplit(decoded).query)["secret"] == [secret]
    key_hex = hexlify(b32decode(secret + "=" * (-len(secret) % 8))).decode()
    page.get_by_label("Name of this app").fill("Phone")
    page.get_by_label("Code from your authenticator app").fill(code(key_hex))
    page.get_by_role("button", name="Confirm").click()

    # Recovery codes, shown once.
    page.get_by_role("button", name="Make ten new recovery codes").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them").click()
    # The page the manager asked for at sign-in, now open.
    expect(page.get_by_role("heading", name=re.compile("Dashboard"))).to_be_visible()
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Sign-in security (second factor)").click()

    # A passkey, made by the virtual authenticator.
    page.get_by_label("Name of this passkey").fill("Laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("button", name="Remove Laptop")).to_be_visible()
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1
    device = PasskeyDevice.objects.get(user=per_manager)
    assert device.name == "Laptop"

    # Signed out and in again: the password alone does not reach the dashboard.
    sign_out(page)
    sign_in(page, "manager.per", password)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.goto(DASHBOARD)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    assert urlsplit(page.url).path == "/accounts/security/verify/"

    # The passkey opens it.
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name=re.compile("Dashboard"))).to_be_visible()
    assert urlsplit(page.url).path == DASHBOARD

    # And so does the TOTP app, on another sign-in.
    sign_out(page)
    sign_in(page, "manager.per", password)
    page.get_by_label("Code from your authenticator app").fill(code(key_hex, 1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name=re.compile("Dashboard"))).to_be_visible()

    # Signed in again with the password only: still outside.
    sign_out(page)
    sign_in(page, "manager.per", password)
    page.goto(DASHBOARD)
    assert urlsplit(page.url).path == "/accounts/security/verify/"

    recorded = list(
        AuditRecord.objects.filter(actor=per_manager)
        .order_by("at", "id")
        .values_list("action", "after")
    )
    enrolled = [after["kind"] for action, after in recorded if action == AuditAction.MFA_ENROL]
    assert enrolled == ["totp", "passkey"]
    assert [after["second_factor"] for action, after in recorded if action == "auth.sign_in"] == [
        "passkey",
        "totp",
    ]
    assert AuditAction.MFA_RECOVERY_CODES in [action for action, _after in recorded]


@pytest.fixture
def checked_screen(browser, live_server, settings):
    """The site at 127.0.0.1 with the policy bypassed for the injected checker."""
    settings.LMS_MFA_REQUIRED = True
    context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_second_factor_pages_pass_axe(checked_screen, per, per_manager, password):
    from lms.mfa import services
    from tests.browser.test_accessibility import violations

    page = checked_screen
    key = services.totp_new_key()
    services.totp_enrol(user=per_manager, key_hex=key, code=code(key), name="Phone")
    services.recovery_codes_generate(user=per_manager)
    sign_in(page, "manager.per", password)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.get_by_text("Use a recovery code").click()
    assert violations(page) == []
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    assert violations(page) == []
    page.get_by_label("Code from your authenticator app").fill(code(key, 1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name=re.compile("Dashboard"))).to_be_visible()
    for path in ("/accounts/security/", "/accounts/security/totp/", "/accounts/security/recovery/"):
        page.goto(path)
        assert violations(page) == [], path
    page.get_by_role("button", name="Make ten new recovery codes").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    assert violations(page) == []
