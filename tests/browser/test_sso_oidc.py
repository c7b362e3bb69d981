"""Single sign-on through a real OpenID provider (npm oidc-provider, started by the test
on loopback) in Chromium (issue 16): first sign-in creates a PER officer with the unit
and language of the claims, the second links the same account by subject, sign-out,
and PER's provider cannot sign anyone into PAN."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lms.accounts.models import User
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
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [redirect]}
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

    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_have_count(0)
    page.goto("/accounts/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # Again: the provider's session is still open, so no form; the same account, by sub.
    sso_sign_in(page, "ana.quispe@sunat.gob.pe", None)
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    assert User.objects.filter(email="ana.quispe@sunat.gob.pe").count() == 1
    assert ExternalIdentity.objects.count() == 1
    assert AuditRecord.objects.filter(actor=user, action=AuditAction.SIGN_IN).count() == 2


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
