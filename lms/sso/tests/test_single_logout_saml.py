"""SAML single logout against the real IdP (npm samlp, on loopback), HTTP-Redirect and
signed both ways: the SP metadata publishes the SLS; signing out sends a signed
LogoutRequest with the NameID and SessionIndex of the sign-in; the IdP's LogoutResponse
is accepted once, for a request of this browser; an IdP-initiated LogoutRequest ends
that person's sessions from that provider and is answered with a signed LogoutResponse;
tampered, unsigned, replayed, foreign ones end nothing, and PER's IdP cannot end a PAN
officer's session."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.test import Client

from lms.accounts.models import User
from lms.audit.models import AuditAction, AuditRecord
from tests.idp.saml import saml_idp, signing_pair

from .providers import saml_provider
from .test_saml import ACCOUNTS, ACS, SP

SLS = "http://testserver/sso/{slug}/saml/sls/"


@pytest.fixture
def sp_pair(settings):
    settings.LMS_SAML_SP_CERT, settings.LMS_SAML_SP_KEY = signing_pair("LMS SP")
    return settings.LMS_SAML_SP_CERT


def running_idp(entity_id, slug, sp_cert, accounts=ACCOUNTS):
    return saml_idp(
        entity_id=entity_id,
        service_providers={SP.format(slug=slug): ACS.format(slug=slug)},
        single_logout={SP.format(slug=slug): {"url": SLS.format(slug=slug), "cert": sp_cert}},
        accounts=accounts,
    )


@pytest.fixture
def pan_idp(db, sp_pair):
    with running_idp("urn:pa:ana:idp", "pan-ana", sp_pair) as idp:
        yield idp


@pytest.fixture
def pan_provider(pan, pan_unit, pan_idp):
    return saml_provider(pan, "pan-ana", pan_idp)


def signed_in(idp, login, slug="pan-ana"):
    """A platform browser and an IdP browser, signed in through the IdP as ``login``."""
    browser, at_idp = Client(), requests.Session()
    at_idp.post(f"{idp.url}/login", data={"username": login}, allow_redirects=False)
    start = browser.get(f"/sso/{slug}/saml/start/")
    page = at_idp.get(start["Location"], timeout=10)
    fields = dict(re.findall(r'name="(SAMLResponse|RelayState)"\s+value="([^"]*)"', page.text))
    response = browser.post(f"/sso/{slug}/saml/acs/", {k: unescape(v) for k, v in fields.items()})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert still_signed_in(browser)
    return browser, at_idp


def still_signed_in(browser) -> bool:
    return browser.get("/accounts/profile/").status_code == 200


def local(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://testserver", url
    return f"{parts.path}?{parts.query}"


def idp_logout_request(at_idp, idp) -> str:
    """The IdP starts single logout: the (signed) LogoutRequest URL for our SLS."""
    response = at_idp.get(f"{idp.url}/slo", allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def test_sp_metadata_publishes_the_sls_and_signing_certificate(client, pan_provider):
    metadata = client.get("/sso/pan-ana/saml/metadata/").content.decode()
    assert (
        'SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        'Location="http://testserver/sso/pan-ana/saml/sls/"'
    ) in metadata
    assert '<md:KeyDescriptor use="signing">' in metadata


def test_sp_initiated_logout_round_trip(pan_provider, pan_idp):
    browser, at_idp = signed_in(pan_idp, "pedro")
    response = browser.post("/accounts/logout/")
    assert response.status_code == 200
    url = unescape(re.search(r'content="0;url=([^"]+)"', response.content.decode()).group(1))
    assert url.startswith(f"{pan_idp.url}/slo?")
    query = parse_qs(urlsplit(url).query)
    assert {"SAMLRequest", "SigAlg", "Signature", "RelayState"} <= set(query)
    assert not still_signed_in(browser)

    # The IdP checks our signature and answers with its own, to our SLS.
    answer = at_idp.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = answer.headers["Location"]
    assert back.startswith(SLS.format(slug="pan-ana") + "?SAMLResponse=")
    assert "Signature=" in back
    done = browser.get(local(back))
    assert done.status_code == 200, done.content.decode()[:1000]
    assert done.templates[0].name == "accounts/logged_out.html"
    # The IdP's session is over.
    assert at_idp.get(f"{pan_idp.url}/slo", allow_redirects=False).status_code == 200
    # Once only, and only in the browser that asked.
    assert browser.get(local(back)).status_code == 400
    assert Client().get(local(back)).status_code == 400
    refused = AuditRecord.objects.filter(action=AuditAction.SIGN_OUT_REFUSED)
    assert refused.count() == 2


def test_tampered_logout_request_from_our_side_is_refused_by_the_idp(pan_provider, pan_idp):
    browser, at_idp = signed_in(pan_idp, "pedro")
    response = browser.post("/accounts/logout/")
    url = unescape(re.search(r'content="0;url=([^"]+)"', response.content.decode()).group(1))
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    query["RelayState"] = "https://evil.example/"
    tampered = f"{pan_idp.url}/slo?{urlencode(query)}"
    assert at_idp.get(tampered, allow_redirects=False).status_code == 400


def test_idp_initiated_logout_ends_the_session_and_answers_signed(pan_provider, pan_idp):
    browser, at_idp = signed_in(pan_idp, "pedro")
    bystander, _ = signed_in(pan_idp, "marta")
    request_url = idp_logout_request(at_idp, pan_idp)
    response = Client().get(local(request_url))
    assert response.status_code == 302, response.content.decode()[:1000]
    answer = response["Location"]
    assert answer.startswith(f"{pan_idp.url}/slo?SAMLResponse=")
    assert "Signature=" in answer
    assert not still_signed_in(browser)
    assert still_signed_in(bystander)
    user = User.objects.get(email="pedro.rios@ana.gob.pa")
    record = AuditRecord.objects.get(action=AuditAction.SIGN_OUT)
    assert (record.actor_id, record.after) == (user.pk, {"provider": "pan-ana", "via": "idp"})
    # The IdP accepts our signed LogoutResponse and closes its session.
    assert at_idp.get(answer, allow_redirects=False).status_code == 200


def tamper(url: str, **changes: str | None) -> str:
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{urlsplit(url).path}?{urlencode(query)}"


@pytest.mark.parametrize(
    "change",
    [
        {"Signature": None, "SigAlg": None},  # unsigned
        {"Signature": "AAAA" * 64},  # wrong signature
        {"RelayState": "https://evil.example/"},  # signed content changed
        {"SigAlg": "http://www.w3.org/2000/09/xmldsig#rsa-sha1"},  # deprecated algorithm
        {"SAMLRequest": "bm90IHhtbA=="},  # garbage
    ],
    ids=["unsigned", "bad-signature", "relaystate-changed", "sha1", "garbage"],
)
def test_bad_logout_requests_end_nothing(pan_provider, pan_idp, change):
    browser, at_idp = signed_in(pan_idp, "pedro")
    response = Client().get(tamper(idp_logout_request(at_idp, pan_idp), **change))
    assert response.status_code == 400
    assert still_signed_in(browser)
    assert not AuditRecord.objects.filter(action=AuditAction.SIGN_OUT).exists()
    assert AuditRecord.objects.filter(action=AuditAction.SIGN_OUT_REFUSED).count() == 1


def test_replayed_logout_request_is_refused(pan_provider, pan_idp):
    first, at_idp = signed_in(pan_idp, "pedro")
    request_url = idp_logout_request(at_idp, pan_idp)
    assert Client().get(local(request_url)).status_code == 302
    assert not still_signed_in(first)
    browser, _ = signed_in(pan_idp, "pedro")
    assert Client().get(local(request_url)).status_code == 400
    assert still_signed_in(browser)
    refused = AuditRecord.objects.get(action=AuditAction.SIGN_OUT_REFUSED)
    assert refused.after["reason"] == "LogoutRequest already used"


def test_unknown_or_inactive_provider_is_refused(pan_provider, pan_idp):
    browser, at_idp = signed_in(pan_idp, "pedro")
    request_url = local(idp_logout_request(at_idp, pan_idp))
    assert Client().get(request_url.replace("/pan-ana/", "/nobody/")).status_code == 404
    pan_provider.is_active = False
    pan_provider.save()
    assert Client().get(request_url).status_code == 404
    pan_provider.is_active = True
    pan_provider.save()
    assert still_signed_in(browser)


def test_per_idp_cannot_end_a_pan_officers_session(
    pan, pan_unit, pan_provider, pan_idp, per, sp_pair
):
    """PER's IdP, validly signed, names the PAN officer's NameID: nothing of PAN ends."""
    pan_browser, _ = signed_in(pan_idp, "pedro")
    impostor = {"pedro": dict(ACCOUNTS["pedro"], email="someone@sunat.gob.pe")}
    with running_idp("urn:pe:sunat:idp", "per-sunat", sp_pair, accounts=impostor) as per_idp:
        saml_provider(per, "per-sunat", per_idp)
        _per_browser, at_per_idp = signed_in(per_idp, "pedro", slug="per-sunat")
        request_url = idp_logout_request(at_per_idp, per_idp)
        assert "pan-ana" not in request_url
        # At PER's SLS: valid, so answered; ends PER's own session only.
        assert Client().get(local(request_url)).status_code == 302
        assert still_signed_in(pan_browser)
        # At PAN's SLS: not PAN's IdP's signature nor issuer.
        signed_in(per_idp, "pedro", slug="per-sunat")
        _b, at_per_idp = signed_in(per_idp, "pedro", slug="per-sunat")
        foreign = local(idp_logout_request(at_per_idp, per_idp)).replace("/per-sunat/", "/pan-ana/")
        assert Client().get(foreign).status_code == 400
        assert still_signed_in(pan_browser)
    pan_user = User.objects.get(email="pedro.rios@ana.gob.pa")
    assert not AuditRecord.objects.filter(action=AuditAction.SIGN_OUT, actor=pan_user).exists()
