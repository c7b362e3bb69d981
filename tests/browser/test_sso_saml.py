"""Single sign-on through a real SAML IdP (npm samlp, started by the test on loopback) in
Chromium (issue 16): a PAN officer finds PAN's IdP by the domain of their e-mail, is
created at first sign-in with the unit and language of the attributes, signs out, and
signs in again into the same account (persistent NameID)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lms.accounts.models import User
from lms.audit.models import AuditAction, AuditRecord
from lms.sso.models import ExternalIdentity, IdentityProvider
from lms.sso.services import provider_save
from tests.idp.saml import saml_idp

pytestmark = pytest.mark.django_db(transaction=True)


def running_pan_provider(live_server, pan, clock_skew_seconds=0):
    sp = f"{live_server.url}/sso/pan-ana/saml/metadata/"
    acs = f"{live_server.url}/sso/pan-ana/saml/acs/"
    with saml_idp(
        entity_id="urn:pa:ana:idp",
        service_providers={sp: acs},
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
        yield provider_save(
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


@pytest.fixture
def pan_provider(live_server, pan, pan_unit):
    yield from running_pan_provider(live_server, pan)


@pytest.fixture
def pan_provider_clock_behind(live_server, pan, pan_unit):
    """PAN's IdP with its clock two hours behind: its assertions arrive expired."""
    yield from running_pan_provider(live_server, pan, clock_skew_seconds=-2 * 60 * 60)


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

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # The IdP remembers the person: straight back, into the same account.
    sso_sign_in(page, at_idp=False)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert User.objects.filter(email="pedro.rios@ana.gob.pa").count() == 1
    assert AuditRecord.objects.filter(action=AuditAction.SIGN_IN, actor=user).count() == 2


def test_expired_assertion_is_refused_in_the_browser(page, home_page, pan_provider_clock_behind):
    sso_sign_in(page, at_idp=True, signed_in=False)
    expect(page.get_by_test_id("sso-refused")).to_contain_text("Single sign-on did not succeed")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert not User.objects.filter(email="pedro.rios@ana.gob.pa").exists()
    refused = AuditRecord.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert refused.administration.code == "PAN"
    assert "SAML response refused" in refused.after["reason"]
