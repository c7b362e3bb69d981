"""Single sign-on through a real SAML IdP (npm samlp, started by the test on loopback) in
Chromium (issue 16): a PAN officer finds PAN's IdP by the domain of their e-mail, is
created at first sign-in with the unit and language of the attributes, signs out, and
signs in again into the same account (persistent NameID). Single logout: signing out
here ends the IdP's session too (our signed LogoutRequest, its signed LogoutResponse,
through the site's real CSP), and an IdP-initiated logout ends the site's session."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lms.accounts.models import User
from lms.audit.models import AuditAction, AuditRecord
from lms.sso.models import ExternalIdentity, IdentityProvider
from lms.sso.services import provider_save
from tests.idp.saml import saml_idp, signing_pair

pytestmark = pytest.mark.django_db(transaction=True)


def running_pan_provider(live_server, pan, settings, clock_skew_seconds=0):
    sp = f"{live_server.url}/sso/pan-ana/saml/metadata/"
    acs = f"{live_server.url}/sso/pan-ana/saml/acs/"
    # The platform's SP signing pair: single logout messages are signed both ways.
    settings.LMS_SAML_SP_CERT, settings.LMS_SAML_SP_KEY = signing_pair("LMS SP")
    with saml_idp(
        entity_id="urn:pa:ana:idp",
        service_providers={sp: acs},
        single_logout={
            sp: {
                "url": f"{live_server.url}/sso/pan-ana/saml/sls/",
                "cert": settings.LMS_SAML_SP_CERT,
            }
        },
        clock_skew_seconds=clock_skew_seconds,
        accounts={
            "pedro": {
                "nameid": "pan-0001-opaque",
                "email": "pedro.rios@ana.gob.pa",
                "name": "Pedro Ríos",
                "unit": "BALBOA",
                "locale": "en",
            }
        },
    ) as idp:
        provider = provider_save(
            actor=None,
            provider=IdentityProvider(
                administration=pan,
                slug="pan-ana",
                name="ANA",
                kind=IdentityProvider.Kind.SAML,
                issuer=idp.entity_id,
                saml_idp_metadata=idp.metadata,
                email_domains=["ana.gob.pa"],
                create_accounts=True,
            ),
            before=None,
        )
        provider.test_idp_url = idp.url
        yield provider


@pytest.fixture
def pan_provider(live_server, pan, pan_unit, settings):
    yield from running_pan_provider(live_server, pan, settings)


@pytest.fixture
def pan_provider_clock_behind(live_server, pan, pan_unit, settings):
    """PAN's IdP with its clock two hours behind: its assertions arrive expired."""
    yield from running_pan_provider(live_server, pan, settings, clock_skew_seconds=-2 * 60 * 60)


def sso_sign_in(page, at_idp: bool, signed_in: bool = True) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_sso_email").fill("pedro.rios@ana.gob.pa")
    page.get_by_role("button", name="Continue with single sign-on").click()
    page.get_by_role("link", name="Sign in with ANA").click()
    if at_idp:
        page.get_by_label("User").fill("pedro")
        page.get_by_role("button", name="Sign in at the IdP").click()
    if signed_in:
        page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))


def test_pan_officer_signs_in_through_pans_saml_idp(page, home_page, pan_provider, pan_unit):
    sso_sign_in(page, at_idp=True)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    user = User.objects.get(email="pedro.rios@ana.gob.pa")
    assert (user.administration.code, user.unit, user.preferred_language) == ("PAN", pan_unit, "en")
    assert ExternalIdentity.objects.get(user=user).subject == "pan-0001-opaque"
    assert AuditRecord.objects.filter(action=AuditAction.ACCOUNT_CREATE_JIT, actor=user).exists()

    sign_out_through_the_idp(page)
    record = AuditRecord.objects.get(action=AuditAction.SIGN_OUT)
    assert (record.actor_id, record.administration.code, record.after) == (
        user.pk,
        "PAN",
        {"provider": "pan-ana", "via": "rp"},
    )

    # The IdP's session ended too: it asks who you are, then the same account.
    sso_sign_in(page, at_idp=True)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert User.objects.filter(email="pedro.rios@ana.gob.pa").count() == 1
    assert AuditRecord.objects.filter(action=AuditAction.SIGN_IN, actor=user).count() == 2


def sign_out_through_the_idp(page) -> str:
    """Sign out on the site: our page (the site's CSP, form-action 'self') sends the
    signed LogoutRequest on to the IdP, whose signed LogoutResponse lands on our SLS."""
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    with page.expect_response(
        lambda r: r.url.endswith("/accounts/logout/") and r.request.method == "POST"
    ) as posted:
        page.get_by_role("button", name="Sign out").click()
    answer = posted.value
    assert answer.status == 200
    csp = answer.header_value("content-security-policy") or ""
    assert "form-action 'self'" in csp
    assert "http://127.0.0.1" not in csp
    page.wait_for_url(re.compile(r"/sso/pan-ana/saml/sls/\?SAMLResponse="))
    returned = page.url
    assert violations == []
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    page.goto("/accounts/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    return returned


def test_logout_response_is_single_use(page, home_page, pan_provider):
    sso_sign_in(page, at_idp=True)
    returned = sign_out_through_the_idp(page)
    page.goto(returned)
    expect(page.get_by_test_id("sso-refused")).to_be_visible()
    refused = AuditRecord.objects.get(action=AuditAction.SIGN_OUT_REFUSED)
    assert "no request of this browser" in refused.after["reason"]


def test_idp_initiated_logout_ends_the_site_session(page, home_page, pan_provider):
    sso_sign_in(page, at_idp=True)
    user = User.objects.get(email="pedro.rios@ana.gob.pa")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Out at the IdP: its signed LogoutRequest goes through our SLS, which answers.
    with page.expect_response(lambda r: "/slo?SAMLResponse=" in r.url) as answered:
        page.goto(f"{pan_provider.test_idp_url}/slo")
    assert answered.value.status == 200

    page.goto("/accounts/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    record = AuditRecord.objects.get(action=AuditAction.SIGN_OUT)
    assert (record.actor_id, record.after) == (user.pk, {"provider": "pan-ana", "via": "idp"})
    # And the IdP's own session is over: it asks who you are again.
    page.goto("/sso/pan-ana/saml/start/")
    expect(page.get_by_label("User")).to_be_visible()


def test_expired_assertion_is_refused_in_the_browser(page, home_page, pan_provider_clock_behind):
    sso_sign_in(page, at_idp=True, signed_in=False)
    expect(page.get_by_test_id("sso-refused")).to_contain_text("Single sign-on did not succeed")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert not User.objects.filter(email="pedro.rios@ana.gob.pa").exists()
    refused = AuditRecord.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert refused.administration.code == "PAN"
    assert "SAML response refused" in refused.after["reason"]
