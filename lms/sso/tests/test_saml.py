"""SAML 2.0 against a real IdP (npm samlp, started on loopback): a PAN officer is
created at first sign-in and linked by persistent NameID after; tampered, expired,
replayed, unsolicited and other-provider responses are refused and change nothing; the
SP metadata is published and the IdP metadata imported (issue 16)."""

from __future__ import annotations

import base64
import html
import re

import pytest
import requests

from lms.accounts.models import User
from lms.audit.models import AuditAction, AuditRecord
from lms.sso.models import ExternalIdentity, IdentityProvider
from lms.sso.services import MFA_SESSION_KEY
from tests.idp.saml import saml_idp

from .providers import saml_provider

SP = "http://testserver/sso/{slug}/saml/metadata/"
ACS = "http://testserver/sso/{slug}/saml/acs/"
MFA_CLASS = "http://schemas.microsoft.com/claims/multipleauthn"
ACCOUNTS = {
    "pedro": {
        "nameid": "pan-0001-opaque",
        "email": "pedro.rios@ana.gob.pa",
        "name": "Pedro Ríos",
        "unit": "BALBOA",
        "locale": "es-PA",
    },
    "marta": {
        "nameid": "pan-0002-opaque",
        "email": "marta@ana.gob.pa",
        "name": "Marta Gómez",
        "authn_context": MFA_CLASS,
    },
}


def _saml_provider(administration, slug, idp):
    return saml_provider(administration, slug, idp, trust_mfa=True, mfa_values=[MFA_CLASS])


@pytest.fixture
def pan_idp(db):
    with saml_idp(
        entity_id="urn:pa:ana:idp",
        service_providers={SP.format(slug="pan-ana"): ACS.format(slug="pan-ana")},
        accounts=ACCOUNTS,
    ) as idp:
        yield idp


@pytest.fixture
def pan_provider(pan, pan_unit, pan_idp):
    return _saml_provider(pan, "pan-ana", pan_idp)


def idp_answer(client, login: str, slug: str = "pan-ana") -> dict[str, str]:
    """Start at the platform, sign in at the IdP as ``login``: the form the IdP's page
    would post to the platform (action, SAMLResponse, RelayState)."""
    start = client.get(f"/sso/{slug}/saml/start/", {"next": "/courses/"})
    assert start.status_code == 302, start.content
    page = requests.get(start["Location"], cookies={"idp_user": login}, timeout=10)
    assert page.status_code == 200, page.text
    action = html.unescape(re.search(r'action="([^"]+)"', page.text).group(1))
    fields = dict(re.findall(r'name="(SAMLResponse|RelayState)"\s+value="([^"]*)"', page.text))
    return {"action": action, **{k: html.unescape(v) for k, v in fields.items()}}


def post_answer(client, answer: dict[str, str]):
    path = answer["action"].removeprefix("http://testserver")
    data = {k: v for k, v in answer.items() if k != "action"}
    return client.post(path, data)


def test_pan_officer_signs_in_created_then_linked_by_persistent_nameid(
    client, pan_provider, pan_unit
):
    answer = idp_answer(client, "pedro")
    assert answer["action"] == ACS.format(slug="pan-ana")
    response = post_answer(client, answer)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/courses/"
    user = User.objects.get(email="pedro.rios@ana.gob.pa")
    assert (user.administration.code, user.unit, user.preferred_language) == ("PAN", pan_unit, "es")
    assert user.full_name == "Pedro Ríos"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert MFA_SESSION_KEY not in client.session
    identity = ExternalIdentity.objects.get()
    assert (identity.issuer, identity.subject) == ("urn:pa:ana:idp", "pan-0001-opaque")

    client.logout()
    response = post_answer(client, idp_answer(client, "pedro"))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert User.objects.count() == 1
    assert AuditRecord.objects.filter(action=AuditAction.SIGN_IN, actor=user).count() == 2


def test_multi_factor_authn_context_is_passed_on(client, pan_provider):
    response = post_answer(client, idp_answer(client, "marta"))
    assert response.status_code == 302
    assert client.session[MFA_SESSION_KEY] is True


def _refused(response, reason_part):
    assert response.status_code == 400, response.content.decode()[:2000]
    assert "Single sign-on did not succeed" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session
    assert not User.objects.exists()
    assert not ExternalIdentity.objects.exists()
    record = AuditRecord.objects.filter(action=AuditAction.SIGN_IN_FAILED).first()
    assert reason_part in record.after["reason"], record.after["reason"]


def test_tampered_assertion_is_refused(client, pan_provider):
    answer = idp_answer(client, "pedro")
    xml = base64.b64decode(answer["SAMLResponse"]).decode()
    assert "pan-0001-opaque" in xml
    answer["SAMLResponse"] = base64.b64encode(
        xml.replace("pan-0001-opaque", "pan-0999-opaque").encode()
    ).decode()
    _refused(post_answer(client, answer), "Signature validation failed")


def test_unsigned_assertion_is_refused(client, pan_provider):
    answer = idp_answer(client, "pedro")
    xml = base64.b64decode(answer["SAMLResponse"]).decode()
    unsigned = re.sub(r"<(\w+:)?Signature[ >].*?</(\w+:)?Signature>", "", xml, flags=re.S)
    assert unsigned != xml
    answer["SAMLResponse"] = base64.b64encode(unsigned.encode()).decode()
    _refused(post_answer(client, answer), "SAML response refused")


def test_replayed_and_unsolicited_responses_are_refused(client, pan_provider):
    answer = idp_answer(client, "pedro")
    assert post_answer(client, answer).status_code == 302
    client.logout()
    User.objects.all().delete()
    # The same response again, in the same browser: its pending request was used up.
    _refused(post_answer(client, answer), "no sign-in pending")
    # And from a browser that never started a sign-in.
    client.cookies.clear()
    AuditRecord_count = AuditRecord.objects.filter(action=AuditAction.SIGN_IN_FAILED).count()
    response = post_answer(client, answer)
    assert response.status_code == 400
    assert (
        AuditRecord.objects.filter(action=AuditAction.SIGN_IN_FAILED).count()
        == AuditRecord_count + 1
    )


def test_assertion_of_an_idp_whose_clock_is_behind_is_expired(client, pan, pan_unit):
    with saml_idp(
        entity_id="urn:pa:ana:idp",
        service_providers={SP.format(slug="pan-ana"): ACS.format(slug="pan-ana")},
        accounts=ACCOUNTS,
        clock_skew_seconds=-2 * 60 * 60,
    ) as idp:
        _saml_provider(pan, "pan-ana", idp)
        answer = idp_answer(client, "pedro")
        _refused(post_answer(client, answer), "SAML response refused")


def test_per_provider_refuses_a_pan_assertion_and_pan_idp_cannot_sign_into_per(
    client, per, pan, pan_unit, pan_idp
):
    """PER's provider trusts PER's IdP only: PAN's signed assertion, posted to PER's ACS
    (with a pending PER sign-in), is refused; nothing is created in either."""
    pan_provider = _saml_provider(pan, "pan-ana", pan_idp)
    with saml_idp(
        entity_id="urn:pe:sunat:idp",
        service_providers={SP.format(slug="per-sunat"): ACS.format(slug="per-sunat")},
        accounts={},
    ) as per_idp:
        _saml_provider(per, "per-sunat", per_idp)
        client.get("/sso/per-sunat/saml/start/")
        answer = idp_answer(client, "pedro", slug="pan-ana")
        answer["action"] = ACS.format(slug="per-sunat")
        response = post_answer(client, answer)
    assert response.status_code == 400
    assert not User.objects.exists()
    assert pan_provider.identities.count() == 0


def test_sp_metadata_is_published(client, pan_provider):
    response = client.get("/sso/pan-ana/saml/metadata/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    body = response.content.decode()
    assert f'entityID="{SP.format(slug="pan-ana")}"' in body
    assert f'Location="{ACS.format(slug="pan-ana")}"' in body
    assert "nameid-format:persistent" in body
    assert client.get("/sso/nobody/saml/metadata/").status_code == 404


def test_platform_admin_imports_idp_metadata(client, pan, platform_admin, pan_idp):
    client.force_login(platform_admin)
    data = {
        "administration": pan.pk,
        "slug": "pan-ana",
        "name": "ANA",
        "kind": "saml",
        "is_active": "on",
        "issuer": "urn:pa:ana:idp",
        "scopes": "openid",
        "claim_email": "email",
        "claim_name": "name",
        "claim_username": "preferred_username",
        "mfa_values": "[]",
    }
    broken = client.post(
        "/django-admin/sso/identityprovider/add/", {**data, "saml_idp_metadata": "<nope"}
    )
    assert broken.status_code == 200
    assert not IdentityProvider.objects.exists()
    other = client.post(
        "/django-admin/sso/identityprovider/add/",
        {**data, "issuer": "urn:other", "saml_idp_metadata": pan_idp.metadata},
    )
    assert other.status_code == 200
    response = client.post(
        "/django-admin/sso/identityprovider/add/", {**data, "saml_idp_metadata": pan_idp.metadata}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert IdentityProvider.objects.get().saml_idp_metadata == pan_idp.metadata


@pytest.mark.parametrize(
    "garbage",
    [
        "%%% not base64",
        base64.b64encode(b"<not-saml/>").decode(),
        base64.b64encode(b"\xff").decode(),
    ],
)
def test_malformed_responses_are_refused_not_errors(client, pan_provider, garbage):
    client.get("/sso/pan-ana/saml/start/")
    response = client.post("/sso/pan-ana/saml/acs/", {"SAMLResponse": garbage})
    _refused(response, "SAML response refused")
