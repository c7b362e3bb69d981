"""The OpenID Connect callback refuses every bad answer and changes nothing (issue 16):
forged or reused state, wrong nonce, a tampered or foreign signature, wrong audience or
issuer, an expired token, an unsigned one; it sends PKCE; a multi-factor ``amr`` is
passed on to the second-factor check; a callback for PER's provider yields PER accounts
only."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc.jwk import ECKey, OctKey

from lms.accounts.models import User
from lms.accounts.tests.factories import UserFactory
from lms.audit.models import AuditAction, AuditRecord
from lms.sso.models import ExternalIdentity, IdentityProvider
from lms.sso.services import MFA_SESSION_KEY, provider_save

from .providers import CLIENT_ID, oidc_provider


@pytest.fixture
def per_idp(op, per, per_unit):
    return oidc_provider(per, op, trust_mfa=True)


def start(client, slug="per-test", next_url="/courses/"):
    response = client.get(f"/sso/{slug}/oidc/start/", {"next": next_url})
    assert response.status_code == 302, response.content
    return response["Location"]


def sign_in_with(client, op, make_token, slug="per-test"):
    """Start, let the stand-in answer ``make_token(nonce)``, and call back."""
    request = op.authorize(start(client, slug))
    op.id_token = lambda: make_token(request["nonce"])
    return client.get(
        f"/sso/{slug}/oidc/callback/", {"code": "the-code", "state": request["state"]}
    ), request


def test_good_token_signs_in_with_pkce_and_creates_the_officer(client, op, per_idp, per_unit):
    response, request = sign_in_with(
        client, op, lambda nonce: op.sign(op.claims(nonce, unit="CALLAO"))
    )
    assert response.status_code == 302
    assert response["Location"] == "/courses/"
    assert request["code_challenge_method"] == "S256"
    assert len(request["code_challenge"]) == 43
    assert request["redirect_uri"] == "http://testserver/sso/per-test/oidc/callback/"
    user = User.objects.get(email="rosa@sunat.gob.pe")
    assert (user.administration, user.unit, user.preferred_language) == (
        per_idp.administration,
        per_unit,
        "es",
    )
    assert client.session["_auth_user_id"] == str(user.pk)
    assert MFA_SESSION_KEY not in client.session


def _refused(response, reason_part):
    assert response.status_code == 400
    assert "Single sign-on did not succeed" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session
    assert not User.objects.exists()
    assert not ExternalIdentity.objects.exists()
    record = AuditRecord.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert reason_part in record.after["reason"]
    assert record.administration.code == "PER"


@pytest.mark.parametrize(
    "bad_token, reason",
    [
        (lambda op, nonce: op.sign(op.claims("another-nonce")), "nonce"),
        (lambda op, nonce: op.sign(op.claims(nonce, aud="someone-else")), "aud"),
        (lambda op, nonce: op.sign(op.claims(nonce, iss="http://127.0.0.1:1")), "iss"),
        (
            lambda op, nonce: op.sign(
                op.claims(nonce, iat=int(time.time()) - 4000, exp=int(time.time()) - 3600)
            ),
            "expired",
        ),
        # Signed by a key the provider does not publish (same kid).
        (
            lambda op, nonce: op.sign(
                op.claims(nonce), key=ECKey.generate_key("P-256", parameters={"kid": "k1"})
            ),
            "signature",
        ),
        # A valid token whose payload was changed afterwards.
        (lambda op, nonce: _tampered(op.sign(op.claims(nonce))), "signature"),
        # HMAC with a key anyone could choose, and no signature at all.
        (
            lambda op, nonce: op.sign(
                op.claims(nonce), key=OctKey.import_key("x" * 32), alg="HS256"
            ),
            "ID token refused",
        ),
        (lambda op, nonce: _unsigned(op.claims(nonce)), "ID token refused"),
    ],
    ids=["nonce", "audience", "issuer", "expired", "foreign-key", "tampered", "hs256", "none"],
)
def test_bad_id_tokens_are_refused_and_change_nothing(client, op, per_idp, bad_token, reason):
    response, _request = sign_in_with(client, op, lambda nonce: bad_token(op, nonce))
    _refused(response, reason)


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _tampered(token: str) -> str:
    import base64
    import json

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def _unsigned(claims: dict) -> str:
    import json

    return ".".join(
        [_b64(json.dumps({"alg": "none"}).encode()), _b64(json.dumps(claims).encode()), ""]
    )


def test_forged_and_reused_state_are_refused(client, op, per_idp):
    response, request = sign_in_with(client, op, lambda nonce: op.sign(op.claims(nonce)))
    assert response.status_code == 302
    client.logout()
    # The same answer again (a replay): its state was used up.
    replay = client.get(
        "/sso/per-test/oidc/callback/", {"code": "the-code", "state": request["state"]}
    )
    assert replay.status_code == 400
    assert "_auth_user_id" not in replay.wsgi_request.session
    forged = client.get("/sso/per-test/oidc/callback/", {"code": "x", "state": "forged"})
    assert forged.status_code == 400
    assert User.objects.count() == 1


def test_state_of_one_provider_is_refused_at_another(client, op, per_idp, pan):
    provider_save(
        actor=None,
        provider=IdentityProvider(
            administration=pan,
            slug="pan-test",
            name="ANA",
            kind=IdentityProvider.Kind.OIDC,
            issuer=op.issuer,
            client_id=CLIENT_ID,
            create_accounts=True,
        ),
        before=None,
        client_secret="pan-secret",
    )
    request = op.authorize(start(client, "per-test"))
    op.id_token = lambda: op.sign(op.claims(request["nonce"]))
    response = client.get(
        "/sso/pan-test/oidc/callback/", {"code": "the-code", "state": request["state"]}
    )
    assert response.status_code == 400
    assert not User.objects.exists()
    assert not op.token_requests  # refused before the code was even exchanged


def test_without_pkce_verifier_the_provider_refuses_the_code(client, op, per_idp):
    """The stand-in refuses a wrong verifier, as a provider does: the platform shows the
    refusal and creates nobody."""
    request = op.authorize(start(client))
    op.challenge = "not-the-challenge"
    op.id_token = lambda: op.sign(op.claims(request["nonce"]))
    response = client.get(
        "/sso/per-test/oidc/callback/", {"code": "the-code", "state": request["state"]}
    )
    _refused(response, "code exchange failed")


def test_mfa_asserted_by_amr_is_passed_on(client, op, per_idp):
    response, _request = sign_in_with(
        client, op, lambda nonce: op.sign(op.claims(nonce, amr=["pwd", "otp"]))
    )
    assert response.status_code == 302
    assert client.session[MFA_SESSION_KEY] is True


def test_mfa_not_trusted_is_not_passed_on(client, op, per_idp):
    per_idp.trust_mfa = False
    per_idp.save()
    response, _request = sign_in_with(
        client, op, lambda nonce: op.sign(op.claims(nonce, amr=["mfa"]))
    )
    assert response.status_code == 302
    assert MFA_SESSION_KEY not in client.session


def test_open_redirect_in_next_goes_home(client, op, per_idp):
    request = op.authorize(start(client, next_url="https://evil.example/"))
    op.id_token = lambda: op.sign(op.claims(request["nonce"]))
    response = client.get("/sso/per-test/oidc/callback/", {"code": "c", "state": request["state"]})
    assert response["Location"] == "/"
    for bad in ["//evil.example/", "https:evil.example", "/\\evil.example"]:
        request = op.authorize(start(client, next_url=bad))
        op.id_token = lambda: op.sign(op.claims(request["nonce"]))
        response = client.get(
            "/sso/per-test/oidc/callback/", {"code": "c", "state": request["state"]}
        )
        assert response["Location"] == "/", bad


def test_unknown_and_inactive_providers_answer_404(client, per_idp):
    assert client.get("/sso/nobody/oidc/start/").status_code == 404
    per_idp.is_active = False
    per_idp.save()
    assert client.get("/sso/per-test/oidc/start/").status_code == 404
    assert client.get("/sso/per-test/oidc/callback/?state=x&code=y").status_code == 404


def test_link_only_provider_links_its_own_administrations_account_never_another(
    client, op, per_idp, per, pan
):
    per_idp.create_accounts = False
    per_idp.save()
    pan_person = UserFactory(username="rosa.pan", email="rosa@sunat.gob.pe", administration=pan)
    # Only a PAN account has that e-mail: refused, nothing linked or created.
    response, _request = sign_in_with(client, op, lambda nonce: op.sign(op.claims(nonce)))
    assert response.status_code == 400
    assert "no account for you in this administration" in response.content.decode()
    assert not ExternalIdentity.objects.exists()
    assert User.objects.count() == 1

    per_person = UserFactory(username="rosa.per", email="ROSA@sunat.gob.pe", administration=per)
    response, _request = sign_in_with(client, op, lambda nonce: op.sign(op.claims(nonce)))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(per_person.pk)
    identity = ExternalIdentity.objects.get()
    assert (identity.user, identity.subject) == (per_person, "subject-1")
    assert AuditRecord.objects.filter(action=AuditAction.ACCOUNT_LINK, actor=per_person).exists()
    assert not ExternalIdentity.objects.filter(user=pan_person).exists()


def test_unverified_email_is_never_used_to_link(client, op, per_idp, per):
    per_idp.create_accounts = False
    per_idp.save()
    UserFactory(username="rosa.per", email="rosa@sunat.gob.pe", administration=per)
    response, _request = sign_in_with(
        client, op, lambda nonce: op.sign(op.claims(nonce, email_verified=False))
    )
    assert response.status_code == 400
    assert not ExternalIdentity.objects.exists()


def test_account_moved_to_another_administration_is_refused(client, op, per_idp, pan):
    response, _request = sign_in_with(client, op, lambda nonce: op.sign(op.claims(nonce)))
    assert response.status_code == 302
    user = User.objects.get()
    client.logout()
    user.administration = pan
    user.unit = None
    user.save()
    response, _request = sign_in_with(client, op, lambda nonce: op.sign(op.claims(nonce)))
    assert response.status_code == 400
    assert "_auth_user_id" not in response.wsgi_request.session


def test_callback_answers_with_the_providers_error(client, op, per_idp):
    request = op.authorize(start(client))
    response = client.get(
        "/sso/per-test/oidc/callback/", {"error": "access_denied", "state": request["state"]}
    )
    _refused(response, "access_denied")


def test_the_state_parameter_round_trips(client, op, per_idp):
    location = start(client)
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert len(query["state"][0]) >= 30 and len(query["nonce"][0]) >= 30
