"""Open Badges 3.0 as an outside verifier sees it: the issuer profile and keys fetched
over HTTP, the badge's VC-JWT checked with an independent JOSE library (joserfc), and
revocation read from the published Bitstring Status List."""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError
from joserfc.jwk import KeySet

from certificates import credentials, issuer, services
from certificates.models import Programme
from certificates.tests.fixtures import issue, make_programme

pytestmark = [
    pytest.mark.django_db,
    # RFC 9864 deprecates the alg name "EdDSA" for "Ed25519"; OB 3.0 issuers still use it.
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
]

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def fetch_json(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.json()


def path_of(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def published_keys(client) -> KeySet:
    """The issuer's JWKS as a verifier gets it: over HTTP."""
    return KeySet.import_key_set(fetch_json(client, "/credentials/jwks.json"))


def verify(token: str, keys: KeySet) -> jwt.Token:
    """Check the signature with joserfc, which picks the key by the header's ``kid``: the
    published key set and the tokens use the same key id."""
    return jwt.decode(token, keys, algorithms=["EdDSA"])


def iso(moment) -> str:
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def status_of(client, keys: KeySet, certificate) -> bool:
    """Whether the certificate's bit is set in the status list its badge names."""
    token = verify(issuer.signed_badge(certificate), keys)
    entry = token.claims["credentialStatus"]
    response = client.get(path_of(entry["statusListCredential"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    assert response["Cache-Control"] == "no-cache"
    status_list = verify(response.content.decode(), keys).claims
    assert status_list["id"] == entry["statusListCredential"]
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = status_list["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"] == "revocation"
    return credentials.bit_is_set(subject["encodedList"], int(entry["statusListIndex"]))


# --- published documents ----------------------------------------------------------------


def test_the_issuer_profile_is_published_at_its_id(client, db):
    response = client.get("/credentials/issuer/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    profile = response.json()
    assert profile["@context"] == [OB_CONTEXT]
    assert profile["type"] == ["Profile"]
    assert path_of(profile["id"]) == "/credentials/issuer/"
    assert profile["id"] == issuer.issuer_id()
    assert profile["name"] and profile["url"]


def test_the_public_keys_are_published_without_private_parts(client, db):
    response = client.get("/credentials/jwks.json")
    assert response.status_code == 200
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    keys = response.json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519"
    assert "d" not in keys[0]


# --- the badge --------------------------------------------------------------------------


def test_the_badge_verifies_with_the_published_key(client, earned, published_keys):
    certificate = earned.certificate
    profile = fetch_json(client, "/credentials/issuer/")
    token = issuer.signed_badge(certificate)
    header_kid = verify(token, published_keys).header["kid"]
    assert header_kid == published_keys.keys[0].kid
    claims = verify(token, published_keys).claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": profile["id"]},
        jti={"essential": True, "value": f"urn:uuid:{certificate.uuid}"},
        nbf={"essential": True},
        exp={"essential": True},
    ).validate(claims)
    assert claims["@context"] == [VC_CONTEXT, OB_CONTEXT]
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["issuer"]["id"] == profile["id"]
    assert claims["validFrom"] == iso(certificate.issued_at)
    assert claims["validUntil"] == iso(certificate.expires_at)
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    title = earned.programme.title_for(certificate.language)  # the holder's language: es
    assert achievement["name"] == claims["name"] == title
    assert title == "Analista certificado en comercio ilícito"
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["criteria"]["narrative"]
    # The holder's name appears only hashed; nothing else about the person.
    assert "Carlos" not in str(claims)
    assert earned.officer.email not in str(claims)
    assert credentials.identity_matches(subject["identifier"][0], "Carlos Huamán Torres")
    entry = claims["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert int(entry["statusListIndex"]) == certificate.status_index % services.STATUS_LIST_SIZE


def test_a_tampered_badge_does_not_verify(client, earned, published_keys):
    token = issuer.signed_badge(earned.certificate)
    header, payload, signature = token.split(".")
    forged_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(BadSignatureError):
        verify(f"{header}.{payload}.{forged_signature}", published_keys)
    other = issuer.signed_badge(issue(earned.officer, make_programme(code="integrity")))
    with pytest.raises(BadSignatureError):
        verify(f"{header}.{other.split('.')[1]}.{signature}", published_keys)


def test_an_expired_badge_fails_claims_validation(client, earned, published_keys):
    programme = make_programme(code="integrity", validity_months=12)
    old = issue(earned.officer, programme, issued_at=timezone.now() - timedelta(days=800))
    claims = verify(issuer.signed_badge(old), published_keys).claims
    assert claims["validUntil"] == iso(old.expires_at)
    with pytest.raises(ExpiredTokenError):
        jwt.JWTClaimsRegistry(exp={"essential": True}).validate(claims)


def test_the_achievement_resolves_at_its_id(client, earned, published_keys):
    claims = verify(issuer.signed_badge(earned.certificate), published_keys).claims
    achievement_id = claims["credentialSubject"]["achievement"]["id"]
    response = client.get(path_of(achievement_id), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    document = response.json()
    assert document["id"] == achievement_id
    assert document["type"] == ["Achievement"]
    assert document["achievementType"] == "Certificate"
    assert document["name"] == "Analista certificado en comercio ilícito"
    assert document["inLanguage"] == "es"
    assert document["description"] and document["criteria"]["narrative"]
    assert document["creator"]["id"] == claims["issuer"]["id"]
    english = client.get(path_of(achievement_id), HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["name"] == "Certified illicit trade analyst" and english["inLanguage"] == "en"


def test_an_unknown_or_closed_programme_has_no_achievement(client, db):
    make_programme(code="closed")
    Programme.objects.filter(code="closed").update(is_active=False)
    assert client.get("/credentials/achievements/closed/").status_code == 404
    assert client.get("/credentials/achievements/nothing-here/").status_code == 404


def test_a_closed_programme_keeps_the_achievement_its_badges_name(client, earned):
    Programme.objects.filter(pk=earned.programme.pk).update(is_active=False)
    assert client.get("/credentials/achievements/illicit-trade/").status_code == 200


# --- revocation through the status list -------------------------------------------------


def test_revocation_sets_the_bit_in_the_published_status_list(
    client, earned, per_manager, published_keys
):
    certificate = earned.certificate
    assert status_of(client, published_keys, certificate) is False
    services.certificate_revoke(actor=per_manager, certificate=certificate, reason="Fraud.")
    assert status_of(client, published_keys, certificate) is True


def test_only_the_revoked_certificate_is_flagged(client, earned, per_manager, published_keys):
    other = issue(earned.officer, make_programme(code="integrity"))
    services.certificate_revoke(actor=per_manager, certificate=earned.certificate, reason="Fraud.")
    assert status_of(client, published_keys, other) is False


def test_status_lists_beyond_those_in_use_are_not_found(client, earned):
    last = earned.certificate.status_index // services.STATUS_LIST_SIZE
    assert client.get(f"/credentials/status/{last}/").status_code == 200
    assert client.get(f"/credentials/status/{last + 1}/").status_code == 404


def test_the_status_list_reads_as_json_for_people(client, earned, per_manager):
    certificate = earned.certificate
    services.certificate_revoke(actor=per_manager, certificate=certificate, reason="Fraud.")
    list_number, position = divmod(certificate.status_index, services.STATUS_LIST_SIZE)
    response = client.get(f"/credentials/status/{list_number}/", {"format": "json"})
    assert response.status_code == 200
    document = response.json()
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert "nbf" not in document and "iss" not in document
    assert credentials.bit_is_set(document["credentialSubject"]["encodedList"], position)
