"""Single sign-on through a real OpenID provider (npm oidc-provider, started by the test
on loopback) in Chromium (issue 16): first sign-in creates a PER officer with the unit
and language of the claims, the second links the same account by subject, and PER's
provider cannot sign anyone into PAN. Single logout: signing out here ends the
provider's session too (RP-Initiated Logout, through the site's real CSP), and signing
out at the provider ends the site's session (Back-Channel Logout)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lms.accounts.models import User
from lms.accounts.tests.factories import PASSWORD
from lms.audit.models import AuditAction, AuditRecord
from lms.sso.models import ExternalIdentity, IdentityProvider
from lms.sso.services import provider_save
from tests.idp.oidc import oidc_provider

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_ID = "lms-per"
CLIENT_SECRET = "per-client-secret-0123456789-abcdefghij"
ACCOUNTS = {
    "ana.quispe": {
        "email": "ana.quispe@sunat.gob.pe",
        "name": "Ana Quispe Mamani",
        "locale": "es-PE",
        "unit": "CALLAO",
        "preferred_username": "ana.quispe",
    },
    # Someone of PER's directory whose e-mail and username are those of a PAN officer.
    "intruder": {
        "email": "yessenia@ana.gob.pa",
        "name": "Not Yessenia",
        "locale": "en",
        "preferred_username": "officer.pan",
    },
}


@pytest.fixture
def per_provider(live_server, per, per_unit):
    redirect = f"{live_server.url}/sso/per-sunat/oidc/callback/"
    with oidc_provider(
        clients=[
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [redirect],
                "post_logout_redirect_uris": [f"{live_server.url}/sso/per-sunat/oidc/logged-out/"],
                "backchannel_logout_uri": (
                    f"{live_server.url}/sso/per-sunat/oidc/backchannel-logout/"
                ),
            }
        ],
        accounts=ACCOUNTS,
    ) as issuer:
        yield provider_save(
            actor=None,
            provider=IdentityProvider(
                administration=per,
                slug="per-sunat",
                name="SUNAT",
                kind=IdentityProvider.Kind.OIDC,
                issuer=issuer,
                client_id=CLIENT_ID,
                email_domains=["sunat.gob.pe"],
                create_accounts=True,
            ),
            before=None,
            client_secret=CLIENT_SECRET,
        )


def sso_sign_in(page, email: str, login: str | None) -> None:
    """From the sign-in page, through the provider's login form when it asks."""
    page.goto("/accounts/login/")
    page.locator("#id_sso_email").fill(email)
    page.get_by_role("button", name="Continue with single sign-on").click()
    page.get_by_role("link", name="Sign in with SUNAT").click()
    if login is not None:
        page.locator("input[name=login]").fill(login)
        page.locator("input[name=password]").fill("any password at the provider")
        page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))


def test_first_sign_in_creates_the_per_officer_then_links_the_same_account(
    page, home_page, per_provider, per_unit
):
    sso_sign_in(page, "ana.quispe@sunat.gob.pe", "ana.quispe")

    # Signed in, in Spanish (the locale claim).
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    user = User.objects.get(email="ana.quispe@sunat.gob.pe")
    assert user.administration.code == "PER"
    assert user.unit == per_unit
    assert user.preferred_language == "es"
    assert user.full_name == "Ana Quispe Mamani"
    assert not user.has_usable_password()
    assert user.groups.filter(name="Officers").exists()
    identity = ExternalIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (per_provider.issuer, "ana.quispe")
    actions = list(
        AuditRecord.objects.filter(actor=user).order_by("id").values_list("action", flat=True)
    )
    assert actions == [AuditAction.ACCOUNT_CREATE_JIT, AuditAction.SIGN_IN]

    sign_out_through_the_provider(page, "Cerrar sesión")

    # Again: the provider asks for credentials again; the same account, by sub.
    sso_sign_in(page, "ana.quispe@sunat.gob.pe", "ana.quispe")
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    assert User.objects.filter(email="ana.quispe@sunat.gob.pe").count() == 1
    assert ExternalIdentity.objects.count() == 1
    assert AuditRecord.objects.filter(actor=user, action=AuditAction.SIGN_IN).count() == 2


def sign_out_through_the_provider(page, sign_out_label: str) -> str:
    """Sign out on the site: the POST is answered by our page (with the site's CSP,
    form-action 'self' intact), which goes on to the provider's end-session endpoint;
    the person confirms there and lands on our signed-out page."""
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    with page.expect_response(
        lambda r: r.url.endswith("/accounts/logout/") and r.request.method == "POST"
    ) as posted:
        page.get_by_role("button", name=sign_out_label).click()
    answer = posted.value
    assert answer.status == 200
    csp = answer.header_value("content-security-policy") or ""
    assert "form-action 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "http://127.0.0.1" not in csp.split("form-action")[1].split(";")[0]
    # The provider's confirmation form (oidc-provider's rpInitiatedLogout default).
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(re.compile(r"/sso/per-sunat/oidc/logged-out/\?state="))
    returned = page.url
    assert violations == []
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^(You have signed out|Ha cerrado la sesión)$")
    )
    page.goto("/accounts/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    return returned


def test_sign_out_ends_the_provider_session_and_the_return_state_is_single_use(
    page, home_page, per_provider
):
    sso_sign_in(page, "ana.quispe@sunat.gob.pe", "ana.quispe")
    user = User.objects.get(email="ana.quispe@sunat.gob.pe")
    returned = sign_out_through_the_provider(page, "Cerrar sesión")
    record = AuditRecord.objects.get(action=AuditAction.SIGN_OUT)
    assert (record.actor_id, record.administration.code) == (user.pk, "PER")
    assert record.after == {"provider": "per-sunat", "via": "rp"}

    # The provider's return, replayed: refused (the state was used once).
    page.goto(returned)
    expect(page.get_by_test_id("sso-refused")).to_be_visible()
    refused = AuditRecord.objects.get(action=AuditAction.SIGN_OUT_REFUSED)
    assert refused.after["reason"] == "unknown or reused logout state"

    # The provider's session is gone: it shows its login form again.
    page.goto("/sso/per-sunat/oidc/start/")
    expect(page.locator("input[name=login]")).to_be_visible()


def test_signing_out_at_the_provider_ends_the_site_session_by_back_channel(
    page, home_page, per_provider
):
    sso_sign_in(page, "ana.quispe@sunat.gob.pe", "ana.quispe")
    user = User.objects.get(email="ana.quispe@sunat.gob.pe")
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()

    # Out at the provider, in the same browser: it posts a logout token to the site.
    page.goto(f"{per_provider.issuer}/session/end")
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.locator("body")).to_contain_text("Sign-out Success")

    page.goto("/accounts/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    record = AuditRecord.objects.get(action=AuditAction.SIGN_OUT)
    assert (record.actor_id, record.after) == (
        user.pk,
        {"provider": "per-sunat", "via": "backchannel"},
    )


def test_a_password_session_keeps_the_local_sign_out(page, home_page, per_provider, per_officer):
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(per_officer.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(re.compile(r"/accounts/logout/$"))
    expect(page.get_by_role("button", name="Cerrar sesión")).to_have_count(0)
    assert not AuditRecord.objects.filter(action=AuditAction.SIGN_OUT).exists()


def test_per_provider_cannot_sign_anyone_into_pan(page, home_page, per_provider, pan_officer):
    pan_officer.email = "yessenia@ana.gob.pa"
    pan_officer.save()

    # The chooser offers PER's provider; its account claims the PAN officer's e-mail
    # and username.
    page.goto("/accounts/sso/")
    page.get_by_role("link", name=re.compile("SUNAT")).click()
    page.locator("input[name=login]").fill("intruder")
    page.locator("input[name=password]").fill("any password at the provider")
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))

    signed_in = User.objects.exclude(pk=pan_officer.pk).get(email="yessenia@ana.gob.pa")
    assert signed_in.administration.code == "PER"
    assert signed_in.username == "officer.pan.2"
    assert not ExternalIdentity.objects.filter(user=pan_officer).exists()
    page.goto("/accounts/profile/")
    expect(page.locator("main")).not_to_contain_text("Yessenia Castillo")
    expect(page.locator("#id_full_name")).to_have_value("Not Yessenia")


def test_callback_with_a_forged_state_is_refused_and_creates_nobody(page, home_page, per_provider):
    users = User.objects.count()
    page.goto("/sso/per-sunat/oidc/callback/?code=stolen&state=forged")
    expect(page.get_by_test_id("sso-refused")).to_contain_text("Single sign-on did not succeed")
    assert User.objects.count() == users
    refused = AuditRecord.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert refused.administration.code == "PER"
    assert refused.after["reason"] == "unknown or reused state"


def test_open_redirect_in_next_is_not_followed(page, home_page, per_provider):
    page.goto("/sso/per-sunat/oidc/start/?next=https://evil.example/phish")
    page.locator("input[name=login]").fill("ana.quispe")
    page.locator("input[name=password]").fill("any password at the provider")
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
