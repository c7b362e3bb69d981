"""Single sign-on refusals in Chromium against the real SAML IdP (npm samlp, issue 16): a
response tampered with, wrapped around a second assertion, stripped of its signature,
replayed, issued for another service provider or by another administration's IdP is
refused with the translated refusal page; nobody is created, linked or signed in, and the
refusal is in the audit trail with its reason. A RelayState (or ``next``) naming another
site is never followed.

The SAML Response travels through the browser (HTTP-POST binding: the IdP's page posts it
to our ACS), so the test is the man in the middle: Playwright intercepts that POST and
changes the form on its way (``page.route`` on the ACS), or keeps it to post it again.
The AuthnRequest travels through the browser too (HTTP-Redirect), which is how a response
for another SP, or from PER's IdP, is obtained for a sign-in begun at PAN.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from lxml import etree
from playwright.sync_api import expect

from lms.accounts.models import User
from lms.audit.models import AuditAction, AuditRecord
from lms.sso.models import ExternalIdentity, IdentityProvider
from lms.sso.services import provider_save
from tests.browser.conftest import browser_page
from tests.idp.saml import saml_idp

pytestmark = pytest.mark.django_db(transaction=True)

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}
PAN_IDP = "urn:pa:ana:idp"
PER_IDP = "urn:pe:sunat:idp"
INTRANET_SP = "urn:pa:ana:intranet"  # another service provider of PAN's IdP
INTRANET_ACS = "http://127.0.0.1:9/intranet/saml/acs"  # never reached: intercepted
ACS = re.compile(r"/sso/pan-ana/saml/acs/$")
HOME = re.compile(r"^http://127\.0\.0\.1:\d+/$")
EVIL = "https://evil.example/steal"
REFUSED_EN = "Single sign-on did not succeed"
REFUSED_ES = "El inicio de sesión único no tuvo éxito"
PEDRO = {
    "nameid": "pan-0001-opaque",
    "email": "pedro.rios@ana.gob.pa",
    "name": "Pedro Ríos",
    "unit": "BALBOA",
    "locale": "en",
}
VICTIM_SUBJECT = "pan-0002-yessenia"
VICTIM_EMAIL = "yessenia.castillo@ana.gob.pa"


@dataclass
class Pan:
    provider: IdentityProvider
    idp_url: str
    sp: str
    acs: str
    posted: list[dict[str, str]] = field(default_factory=list)  # ACS forms, as the IdP sent them


@pytest.fixture
def pan_idp(live_server, pan, pan_unit) -> Iterator[Pan]:
    """PAN's real IdP and our provider for it; it also serves PAN's intranet (another SP)."""
    sp = f"{live_server.url}/sso/pan-ana/saml/metadata/"
    acs = f"{live_server.url}/sso/pan-ana/saml/acs/"
    with saml_idp(
        entity_id=PAN_IDP,
        service_providers={sp: acs, INTRANET_SP: INTRANET_ACS},
        accounts={"pedro": PEDRO},
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
        yield Pan(provider=provider, idp_url=idp.url, sp=sp, acs=acs)


@pytest.fixture
def victim(pan_officer, pan_idp) -> User:
    """A PAN officer already linked to PAN's IdP: whom a rewritten assertion would name."""
    pan_officer.email = VICTIM_EMAIL
    pan_officer.save()
    ExternalIdentity.objects.create(
        provider=pan_idp.provider,
        administration=pan_officer.administration,
        user=pan_officer,
        issuer=PAN_IDP,
        subject=VICTIM_SUBJECT,
    )
    return pan_officer


@pytest.fixture
def page_es(browser, live_server):
    with browser_page(browser, live_server.url, "es-PA") as page:
        yield page


@pytest.fixture
def other_page(browser, live_server):
    """Another browser session (an attacker's)."""
    with browser_page(browser, live_server.url) as page:
        yield page


# --- The man in the middle -------------------------------------------------------------


def xml_of(saml_response: str) -> etree._Element:
    return etree.fromstring(base64.b64decode(saml_response))


def encoded(root: etree._Element) -> str:
    return base64.b64encode(etree.tostring(root)).decode()


def on_acs_post(page, pan: Pan, change: Callable[[dict[str, str]], dict[str, str]]) -> None:
    """Every POST to PAN's ACS in ``page``: its form is kept in ``pan.posted`` as the IdP
    sent it, and goes on as ``change`` makes it (the browser's cookies unchanged)."""

    def handle(route) -> None:
        form = dict(parse_qsl(route.request.post_data or "", keep_blank_values=True))
        pan.posted.append(dict(form))
        route.continue_(post_data=urlencode(change(form)))

    page.route(ACS, handle)


def rewriting(rewrite: Callable[[etree._Element], None]) -> Callable[[dict[str, str]], dict]:
    def change(form: dict[str, str]) -> dict[str, str]:
        root = xml_of(form["SAMLResponse"])
        rewrite(root)
        return form | {"SAMLResponse": encoded(root)}

    return change


def post_form(page, action: str, form: dict[str, str]) -> None:
    """A real browser form POST of ``form`` to ``action``, from a page of our site (as the
    IdP's auto-submitting page does; the same site, so the pending cookie goes along)."""
    if not page.url.startswith("http"):
        page.goto("/accounts/login/")
    with page.expect_navigation():
        page.evaluate(
            """([action, form]) => {
                const f = document.createElement("form");
                f.method = "post";
                f.action = action;
                for (const [name, value] of Object.entries(form)) {
                    const input = document.createElement("input");
                    input.type = "hidden"; input.name = name; input.value = value;
                    f.appendChild(input);
                }
                document.body.appendChild(f);
                f.submit();
            }""",
            [action, form],
        )


def idp_sign_in(page, username: str = "pedro") -> None:
    page.get_by_label("User").fill(username)
    page.get_by_role("button", name="Sign in at the IdP").click()


def start(page, next_url: str | None = None) -> None:
    page.goto(
        "/sso/pan-ana/saml/start/" + (f"?{urlencode({'next': next_url})}" if next_url else "")
    )


def assert_signed_out(page) -> None:
    page.goto("/accounts/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def assert_refused(
    page, *, reason: str, message: str = REFUSED_EN, users: int = 0, identities: int = 0
) -> None:
    """The refusal page, nothing created, linked or signed in, one audited refusal."""
    expect(page.get_by_test_id("sso-refused")).to_contain_text(message)
    expect(page.get_by_role("button", name=re.compile("Sign out|Cerrar sesión"))).to_have_count(0)
    assert User.objects.count() == users
    assert ExternalIdentity.objects.count() == identities
    assert not AuditRecord.objects.filter(
        action__in=[
            AuditAction.SIGN_IN,
            AuditAction.ACCOUNT_CREATE_JIT,
            AuditAction.ACCOUNT_LINK,
        ]
    ).exists()
    refused = AuditRecord.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert refused.administration.code == "PAN"
    assert reason in refused.after["reason"], refused.after["reason"]
    assert_signed_out(page)


# --- Changes to the signed assertion ---------------------------------------------------


def the(root: etree._Element, path: str) -> etree._Element:
    (element,) = root.xpath(path, namespaces=NS)
    return element


def email_value(root: etree._Element) -> etree._Element:
    (value,) = root.xpath(
        "//saml:Attribute[contains(@Name, 'email')]/saml:AttributeValue", namespaces=NS
    )
    return value


def rewrite_nameid(root: etree._Element) -> None:
    the(root, "//saml:Assertion/saml:Subject/saml:NameID").text = VICTIM_SUBJECT


def rewrite_email(root: etree._Element) -> None:
    email_value(root).text = VICTIM_EMAIL


def strip_signatures(root: etree._Element) -> None:
    signatures = root.xpath("//ds:Signature", namespaces=NS)
    assert signatures  # the IdP did sign
    for signature in signatures:
        signature.getparent().remove(signature)


def wrap_unsigned_assertion_before(root: etree._Element) -> None:
    """XML signature wrapping: an unsigned copy naming the victim, with its own ID, before
    the signed assertion (which stays, still valid)."""
    signed = the(root, "/samlp:Response/saml:Assertion")
    forged = etree.fromstring(etree.tostring(signed))
    for signature in forged.xpath("ds:Signature", namespaces=NS):
        forged.remove(signature)
    forged.set("ID", "_forged" + signed.get("ID").lstrip("_"))
    the(forged, "saml:Subject/saml:NameID").text = VICTIM_SUBJECT
    email_value(forged).text = VICTIM_EMAIL
    signed.addprevious(forged)


def wrap_signed_assertion_inside(root: etree._Element) -> None:
    """Wrapping, the other way: the forged assertion takes the signed one's place, and the
    signed one hides in the forged one's Advice (where a careless verifier still finds the
    element the signature references)."""
    signed = the(root, "/samlp:Response/saml:Assertion")
    forged = etree.fromstring(etree.tostring(signed))
    for signature in forged.xpath("ds:Signature", namespaces=NS):
        forged.remove(signature)
    forged.set("ID", "_forged" + signed.get("ID").lstrip("_"))
    the(forged, "saml:Subject/saml:NameID").text = VICTIM_SUBJECT
    email_value(forged).text = VICTIM_EMAIL
    signed.addprevious(forged)
    advice = etree.SubElement(forged, f"{{{NS['saml']}}}Advice")
    forged.find(f"{{{NS['saml']}}}Conditions").addnext(advice)
    advice.append(signed)


@pytest.mark.parametrize(
    ("rewrite", "reason"),
    [
        (rewrite_nameid, "Signature validation failed"),
        (rewrite_email, "Signature validation failed"),
        (strip_signatures, "The Assertion of the Response is not signed"),
        (wrap_unsigned_assertion_before, "SAML Response must contain 1 assertion"),
        (wrap_signed_assertion_inside, "SAML Response must contain 1 assertion"),
    ],
    ids=["nameid-rewritten", "email-rewritten", "unsigned", "wrapping-sibling", "wrapping-advice"],
)
def test_changed_response_is_refused(page_es, home_page, pan_idp, victim, rewrite, reason):
    on_acs_post(page_es, pan_idp, rewriting(rewrite))
    start(page_es)
    idp_sign_in(page_es)

    expect(page_es.get_by_role("heading", name="Inicio de sesión rechazado")).to_be_visible()
    assert_refused(page_es, reason=reason, message=REFUSED_ES, users=1, identities=1)
    # The IdP did answer, with a signed assertion for Pedro.
    (form,) = pan_idp.posted
    original = xml_of(form["SAMLResponse"])
    assert the(original, "//saml:Assertion/saml:Subject/saml:NameID").text == PEDRO["nameid"]
    assert original.xpath("//saml:Assertion/ds:Signature", namespaces=NS)
    assert list(ExternalIdentity.objects.values_list("user", flat=True)) == [victim.pk]


def test_untouched_response_through_the_interception_signs_in(page, home_page, pan_idp, victim):
    """The control: intercepting and re-encoding alone changes nothing, so each refusal
    above is the change's."""
    on_acs_post(page, pan_idp, rewriting(lambda root: None))
    start(page)
    idp_sign_in(page)
    page.wait_for_url(HOME)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert ExternalIdentity.objects.get(subject=PEDRO["nameid"]).user.email == PEDRO["email"]
    assert not AuditRecord.objects.filter(action=AuditAction.SIGN_IN_FAILED).exists()


# --- Replays -----------------------------------------------------------------------------


def test_response_replayed_is_refused(page, other_page, home_page, pan_idp):
    kept: dict[str, Any] = {}

    def keep(form: dict[str, str]) -> dict[str, str]:
        # The whole request, the pending sign-in cookie included (a proxy's log of it).
        kept["cookies"] = [
            c for c in page.context.cookies(pan_idp.acs) if c["name"] == "lms_saml_pending"
        ]
        return form

    on_acs_post(page, pan_idp, keep)
    start(page)
    idp_sign_in(page)
    page.wait_for_url(HOME)
    user = User.objects.get()
    (form,) = pan_idp.posted
    assert len(kept["cookies"]) == 1
    page.unroute(ACS)

    # 1. The same browser, signed out, posts it again: no sign-in pending any more.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert_signed_out(page)
    post_form(page, pan_idp.acs, form)
    expect(page.get_by_test_id("sso-refused")).to_contain_text(REFUSED_EN)
    assert_signed_out(page)

    # 2. The same browser with a new sign-in pending (another AuthnRequest): the old
    # response answers another request.
    # (Its AuthnRequest is held on its way: the IdP, still signed in, would answer it.)
    divert_authn_request(page, hold=True)
    start(page)
    expect(page.locator("body")).to_have_text("held")
    post_form(page, pan_idp.acs, form)
    expect(page.get_by_test_id("sso-refused")).to_contain_text(REFUSED_EN)
    assert_signed_out(page)

    # 3. Another browser, with nothing pending.
    post_form(other_page, pan_idp.acs, form)
    expect(other_page.get_by_test_id("sso-refused")).to_contain_text(REFUSED_EN)
    assert_signed_out(other_page)

    # 4. Another browser with the original request's cookie too: the assertion was used.
    other_page.context.add_cookies(kept["cookies"])
    post_form(other_page, pan_idp.acs, form)
    expect(other_page.get_by_test_id("sso-refused")).to_contain_text(REFUSED_EN)
    assert_signed_out(other_page)

    assert list(User.objects.all()) == [user]
    assert ExternalIdentity.objects.count() == 1
    assert AuditRecord.objects.filter(action=AuditAction.SIGN_IN).count() == 1
    reasons = list(
        AuditRecord.objects.filter(action=AuditAction.SIGN_IN_FAILED)
        .order_by("id")
        .values_list("after__reason", flat=True)
    )
    assert len(reasons) == 4, reasons
    assert (
        reasons[0] == reasons[2] == "no sign-in pending in this browser (unsolicited or replayed)"
    )
    assert "does not match the ID of the AuthNRequest" in reasons[1]
    assert reasons[3] == "assertion already used"


# --- Genuine responses, but not for PAN's ACS --------------------------------------------


START = re.compile(r"/sso/pan-ana/saml/start/")


def divert_authn_request(
    page, *, to_idp: str | None = None, issuer: str | None = None, hold: bool = False
) -> None:
    """Our start page's redirect to the IdP (HTTP-Redirect) goes to ``to_idp`` instead,
    or its AuthnRequest names ``issuer`` as the requesting SP (AuthnRequests are not
    signed; the request's ID, which our pending cookie holds, is kept), or it is held
    (the browser gets a page saying so, and the pending cookie). Playwright does not
    route a redirect's next hop, so the start page's answer itself is changed."""

    def handle(route) -> None:
        answer = route.fetch(max_redirects=0)
        assert answer.status == 302
        headers = [h for h in answer.headers_array if h["name"].lower() != "location"]
        parts = urlsplit(answer.headers["location"])
        query = dict(parse_qsl(parts.query))
        if issuer is not None:
            xml = zlib.decompress(base64.b64decode(query["SAMLRequest"]), -15)
            root = etree.fromstring(xml)
            the(root, "saml:Issuer").text = issuer
            deflate = zlib.compressobj(wbits=-15)
            raw = deflate.compress(etree.tostring(root)) + deflate.flush()
            query["SAMLRequest"] = base64.b64encode(raw).decode()
        if to_idp is not None:
            parts = parts._replace(netloc=urlsplit(to_idp).netloc)
        location = urlunsplit(parts._replace(query=urlencode(query)))
        cookies = {h["name"]: h["value"] for h in headers if h["name"].lower() == "set-cookie"}
        if hold:
            route.fulfill(status=200, content_type="text/plain", body="held", headers=cookies)
        else:
            route.fulfill(status=302, headers={**cookies, "Location": location})

    page.route(START, handle)


def test_response_for_another_service_provider_is_refused(page, home_page, pan_idp):
    """PAN's IdP answers our request as if PAN's intranet had sent it: its response
    (audience and destination the intranet's) is caught on its way there and posted to
    our ACS, in the browser whose sign-in it answers."""
    caught: list[dict[str, str]] = []

    def catch(route) -> None:
        caught.append(dict(parse_qsl(route.request.post_data or "")))
        route.fulfill(status=200, content_type="text/plain", body="the intranet")

    page.route(INTRANET_ACS, catch)
    divert_authn_request(page, issuer=INTRANET_SP)
    start(page)
    idp_sign_in(page)
    expect(page.locator("body")).to_have_text("the intranet")
    (form,) = caught
    response = xml_of(form["SAMLResponse"])
    assert response.get("Destination") == INTRANET_ACS
    assert the(response, "//saml:Audience").text == INTRANET_SP
    assert the(response, "/samlp:Response/saml:Issuer").text == PAN_IDP

    post_form(page, pan_idp.acs, form)
    # Checked before the audience, so the reason is the Destination's.
    assert_refused(page, reason="The response was received at")


def test_response_of_pers_idp_at_pans_acs_is_refused(page, home_page, live_server, per, pan_idp):
    """PER's IdP, which the platform trusts for PER, answers a sign-in begun at PAN with a
    response made out to PAN (audience, destination, our request's ID), signed with its
    own key, naming PAN's officer: PAN's ACS trusts PAN's IdP only."""
    per_sp = f"{live_server.url}/sso/per-sunat/saml/metadata/"
    with saml_idp(
        entity_id=PER_IDP,
        service_providers={
            per_sp: f"{live_server.url}/sso/per-sunat/saml/acs/",
            pan_idp.sp: pan_idp.acs,  # the malicious (or misconfigured) part
        },
        accounts={"pedro": PEDRO},
    ) as per_idp:
        provider_save(
            actor=None,
            provider=IdentityProvider(
                administration=per,
                slug="per-sunat",
                name="SUNAT",
                kind=IdentityProvider.Kind.SAML,
                issuer=per_idp.entity_id,
                saml_idp_metadata=per_idp.metadata,
                email_domains=["sunat.gob.pe"],
                create_accounts=True,
            ),
            before=None,
        )
        on_acs_post(page, pan_idp, lambda form: form)
        divert_authn_request(page, to_idp=per_idp.url)
        start(page)
        idp_sign_in(page)
        assert_refused(page, reason=f"expected {PAN_IDP}, got {PER_IDP}")
    (form,) = pan_idp.posted
    response = xml_of(form["SAMLResponse"])
    assert response.get("Destination") == pan_idp.acs
    assert the(response, "//saml:Audience").text == pan_idp.sp
    assert the(response, "/samlp:Response/saml:Issuer").text == PER_IDP


# --- Where the browser goes after signing in ---------------------------------------------


@pytest.fixture
def evil_visits(page) -> list[str]:
    """Every request of ``page`` to evil.example, redirect hops included (which
    ``page.route`` does not see; the .example name never resolves anyway)."""
    visits: list[str] = []
    page.on(
        "request",
        lambda request: (
            visits.append(request.url) if urlsplit(request.url).hostname == "evil.example" else None
        ),
    )
    return visits


def test_relay_state_naming_another_site_is_not_followed(page, home_page, pan_idp, evil_visits):
    on_acs_post(page, pan_idp, lambda form: form | {"RelayState": EVIL})
    start(page)
    idp_sign_in(page)
    page.wait_for_url(HOME)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert pan_idp.posted[0]["RelayState"]  # the IdP did send one back, which we replaced
    assert evil_visits == []


@pytest.mark.parametrize("next_url", [EVIL, "//evil.example/steal", "/\\evil.example/steal"])
def test_next_naming_another_site_is_not_followed(page, home_page, pan_idp, evil_visits, next_url):
    start(page, next_url)
    idp_sign_in(page)
    page.wait_for_url(HOME)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert evil_visits == []


def test_next_on_this_site_is_followed(page, home_page, pan_idp):
    """The control: a path of this site survives the round trip."""
    start(page, "/accounts/profile/")
    idp_sign_in(page)
    page.wait_for_url(re.compile(r"/accounts/profile/$"))
