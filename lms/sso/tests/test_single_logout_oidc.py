"""OpenID Connect single logout (RP-Initiated and Back-Channel Logout 1.0) against the
stand-in provider: signing out of an SSO session sends the browser on to the provider's
end-session endpoint with the ID token hint and a one-time state, through our own page
(the CSP's form-action stays 'self'); a password session signs out locally. A logout
token ends the sessions of that subject opened through that provider; tampered, foreign,
replayed, stale, ID-token-shaped, wrongly addressed ones change nothing, and PER's
provider cannot end a PAN officer's session."""

from __future__ import annotations

import re
import time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from joserfc.jwk import ECKey, OctKey

from lms.accounts.tests.factories import PASSWORD
from lms.audit.models import AuditAction, AuditRecord
from lms.sso.models import ExternalIdentity, IdentityProvider
from lms.sso.services import provider_save

from .providers import CLIENT_ID, oidc_provider
from .standin_op import standin_provider
from .test_oidc import sign_in_with

BACKCHANNEL = "/sso/per-test/oidc/backchannel-logout/"


@pytest.fixture
def per_idp(op, per, per_unit):
    return oidc_provider(per, op)


def signed_in(op, sid="op-session-1", sub="subject-1"):
    """A new browser signed in through the stand-in as ``sub``."""
    browser = Client()
    response, _request = sign_in_with(
        browser, op, lambda nonce: op.sign(op.claims(nonce, sid=sid, sub=sub))
    )
    assert response.status_code == 302, response.content
    assert browser.get("/accounts/profile/").status_code == 200
    return browser


def still_signed_in(browser) -> bool:
    return browser.get("/accounts/profile/").status_code == 200


def onward_url(response) -> str:
    match = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', response.content.decode())
    assert match, response.content
    return unescape(match.group(1))


def test_sign_out_sends_the_browser_to_the_end_session_endpoint(op, per_idp):
    browser = signed_in(op)
    response = browser.post("/accounts/logout/")
    assert response.status_code == 200
    # Not a redirect (form-action 'self' would block it), and the CSP is the site's own.
    assert "form-action 'self'" in response["Content-Security-Policy"]
    assert op.issuer not in response["Content-Security-Policy"]
    url = onward_url(response)
    assert f'href="{url}"'.replace("&", "&amp;") in response.content.decode()
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{op.issuer}/session/end"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["post_logout_redirect_uri"] == "http://testserver/sso/per-test/oidc/logged-out/"
    assert query["id_token_hint"].count(".") == 2
    assert len(query["state"]) >= 32
    # The local session is over already.
    assert not still_signed_in(browser)
    record = AuditRecord.objects.get(action=AuditAction.SIGN_OUT)
    assert record.after == {"provider": "per-test", "via": "rp"}

    # The provider's return: the state once, then never again.
    back = browser.get("/sso/per-test/oidc/logged-out/", {"state": query["state"]})
    assert back.status_code == 200
    assert "You have signed out" in back.content.decode()
    again = browser.get("/sso/per-test/oidc/logged-out/", {"state": query["state"]})
    assert again.status_code == 400
    forged = browser.get("/sso/per-test/oidc/logged-out/", {"state": "forged"})
    assert forged.status_code == 400
    # Another browser cannot use this browser's state.
    other = Client().get("/sso/per-test/oidc/logged-out/", {"state": query["state"]})
    assert other.status_code == 400


def test_password_session_signs_out_locally(per_officer, op, per_idp):
    browser = Client()
    browser.post("/accounts/login/", {"username": per_officer.username, "password": PASSWORD})
    assert still_signed_in(browser)
    response = browser.post("/accounts/logout/")
    assert response.status_code == 200
    assert "http-equiv" not in response.content.decode()
    assert response.templates[0].name == "accounts/logged_out.html"
    assert not still_signed_in(browser)
    assert not AuditRecord.objects.filter(action=AuditAction.SIGN_OUT).exists()


def test_sign_out_through_a_deactivated_provider_stays_local(op, per_idp):
    browser = signed_in(op)
    per_idp.is_active = False
    per_idp.save()
    response = browser.post("/accounts/logout/")
    assert response.status_code == 200
    assert "http-equiv" not in response.content.decode()
    assert not still_signed_in(browser)


def test_logout_token_ends_that_subjects_sessions_from_that_provider(op, per_idp):
    first, second = signed_in(op, sid="s1"), signed_in(op, sid="s2")
    someone_else = signed_in(op, sid="s3", sub="subject-2")
    response = Client().post(BACKCHANNEL, {"logout_token": op.sign_logout(op.logout_token())})
    assert response.status_code == 200
    assert not still_signed_in(first)
    assert not still_signed_in(second)
    assert still_signed_in(someone_else)
    records = AuditRecord.objects.filter(action=AuditAction.SIGN_OUT)
    assert [r.after for r in records] == [{"provider": "per-test", "via": "backchannel"}]


def test_logout_token_with_sid_ends_that_provider_session_only(op, per_idp):
    first, second = signed_in(op, sid="s1"), signed_in(op, sid="s2")
    response = Client().post(
        BACKCHANNEL, {"logout_token": op.sign_logout(op.logout_token(sub=None, sid="s1"))}
    )
    assert response.status_code == 200
    assert not still_signed_in(first)
    assert still_signed_in(second)


def foreign_key():
    return ECKey.generate_key("P-256", parameters={"kid": "k1"})


BAD_TOKENS = {
    "tampered": lambda op: op.sign_logout(op.logout_token())[:-4] + "AAAA",
    "foreign key": lambda op: op.sign_logout(op.logout_token(), key=foreign_key()),
    "wrong issuer": lambda op: op.sign_logout(op.logout_token(iss="https://evil.example")),
    "wrong audience": lambda op: op.sign_logout(op.logout_token(aud="another-client")),
    "no events": lambda op: op.sign_logout(op.logout_token(events=None)),
    "other event": lambda op: op.sign_logout(
        op.logout_token(events={"http://schemas.openid.net/event/other": {}})
    ),
    "nonce (an ID token)": lambda op: op.sign_logout(op.logout_token(nonce="n")),
    "no jti": lambda op: op.sign_logout(op.logout_token(jti=None)),
    "no sub nor sid": lambda op: op.sign_logout(op.logout_token(sub=None)),
    "stale": lambda op: op.sign_logout(op.logout_token(iat=int(time.time()) - 3600, exp=None)),
    "expired": lambda op: op.sign_logout(op.logout_token(exp=int(time.time()) - 600)),
    "future": lambda op: op.sign_logout(op.logout_token(iat=int(time.time()) + 3600)),
    "no iat": lambda op: op.sign_logout(op.logout_token(iat=None)),
    "symmetric, keyed by the client secret": lambda op: op.sign_logout(
        op.logout_token(),
        key=OctKey.import_key("per-secret-per-secret-per-secret"),
        alg="HS256",
    ),
    "unsigned": lambda op: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzdWJqZWN0LTEifQ.",
    "empty": lambda op: "",
}


@pytest.mark.parametrize("bad", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_bad_logout_tokens_are_refused_and_end_nothing(op, per_idp, bad):
    browser = signed_in(op)
    response = Client().post(BACKCHANNEL, {"logout_token": bad(op)})
    assert response.status_code == 400
    assert still_signed_in(browser)
    assert AuditRecord.objects.filter(action=AuditAction.SIGN_OUT_REFUSED).count() == 1
    assert not AuditRecord.objects.filter(action=AuditAction.SIGN_OUT).exists()


def test_replayed_logout_token_is_refused(op, per_idp):
    token = op.sign_logout(op.logout_token())
    assert Client().post(BACKCHANNEL, {"logout_token": token}).status_code == 200
    browser = signed_in(op)
    assert Client().post(BACKCHANNEL, {"logout_token": token}).status_code == 400
    assert still_signed_in(browser)
    refused = AuditRecord.objects.get(action=AuditAction.SIGN_OUT_REFUSED)
    assert refused.after["reason"] == "logout token already used"


def test_unknown_or_inactive_provider_is_refused(op, per_idp):
    token = op.sign_logout(op.logout_token())
    assert (
        Client().post("/sso/nobody/oidc/backchannel-logout/", {"logout_token": token}).status_code
        == 404
    )
    per_idp.is_active = False
    per_idp.save()
    assert Client().post(BACKCHANNEL, {"logout_token": token}).status_code == 404
    assert Client().get(BACKCHANNEL).status_code == 405


def test_per_provider_cannot_end_a_pan_officers_session(op, per_idp, pan, pan_officer):
    """PAN's provider (another issuer, same subject name) signed the PAN officer in; PER's
    provider's valid logout token naming that subject ends nothing of PAN's."""
    with standin_provider("lms-pan") as pan_op:
        pan_idp = provider_save(
            actor=None,
            provider=IdentityProvider(
                administration=pan,
                slug="pan-test",
                name="ANA",
                kind=IdentityProvider.Kind.OIDC,
                issuer=pan_op.issuer,
                client_id="lms-pan",
            ),
            before=None,
            client_secret="pan-secret-pan-secret-pan-secret",
        )
        ExternalIdentity.objects.create(
            provider=pan_idp,
            administration=pan,
            user=pan_officer,
            issuer=pan_op.issuer,
            subject="subject-1",
        )
        pan_browser = Client()
        response, _ = sign_in_with(
            pan_browser,
            pan_op,
            lambda nonce: pan_op.sign(pan_op.claims(nonce, sid="pan-sid")),
            slug="pan-test",
        )
        assert response.status_code == 302
        assert still_signed_in(pan_browser)
        sessions = Session.objects.count()

        for claims in (
            op.logout_token(),  # the PAN officer's subject
            op.logout_token(sub=None, sid="pan-sid"),  # the PAN session's sid
            op.logout_token(sub=str(pan_officer.pk)),
        ):
            response = Client().post(BACKCHANNEL, {"logout_token": op.sign_logout(claims)})
            assert response.status_code == 200
        assert still_signed_in(pan_browser)
        assert Session.objects.count() == sessions
        assert not AuditRecord.objects.filter(action=AuditAction.SIGN_OUT).exists()


def test_signing_out_of_the_wagtail_admin_is_single_logout_too(op, per_idp):
    """The admin's own sign-out (/cms/logout/, Wagtail's menu) ends the session through
    the same view: on to the provider's end-session endpoint."""
    from django.urls import reverse

    assert reverse("wagtailadmin_logout") == "/cms/logout/"
    browser = signed_in(op)
    response = browser.post("/cms/logout/")
    assert response.status_code == 200
    assert onward_url(response).startswith(f"{op.issuer}/session/end?")
    assert not still_signed_in(browser)
    assert AuditRecord.objects.get(action=AuditAction.SIGN_OUT).after["via"] == "rp"
