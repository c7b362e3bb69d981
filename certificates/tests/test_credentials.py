"""Tests for certificates.credentials (pure module; no database).

Signatures are checked with joserfc, a JOSE library independent of the PyJWT used
for signing, against the published JWKS dict.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import stat
from datetime import UTC, datetime, timedelta, timezone

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet, OKPKey

from certificates import credentials as cr

pytestmark = pytest.mark.filterwarnings(
    # joserfc flags "EdDSA" as superseded by the fully-specified "Ed25519" (RFC 9864);
    # OB 3.0 and our JWKS use "EdDSA".
    "ignore:EdDSA is deprecated:Warning"
)

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ISSUER_ID = "https://lms.example.org/certificates/issuer"
LIST_URL = "https://lms.example.org/certificates/status/1"
T0 = datetime(2025, 3, 1, 12, 30, 45, tzinfo=UTC)

# RFC 8037, Appendix A.1 (Ed25519 private key) and A.3 (its RFC 7638 thumbprint).
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

# Bitstring Status List v1.0, "Example BitstringStatusListCredential": an empty 16 KiB list.
SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def key() -> cr.IssuerKey:
    return cr.IssuerKey.generate()


@pytest.fixture(scope="module")
def other_key() -> cr.IssuerKey:
    return cr.IssuerKey.generate()


@pytest.fixture
def issuer() -> dict:
    return cr.issuer_profile(
        issuer_id=ISSUER_ID,
        name="Regional Customs Training Centre",
        url="https://lms.example.org",
        email="certificates@example.org",
        description="Training for customs officers",
    )


def make_credential(issuer: dict, **overrides) -> dict:
    kwargs = {
        "credential_id": "urn:uuid:6f1c2b5e-0b7a-4e4b-9a53-2f0c8f1d7e11",
        "issuer": issuer,
        "subject_name": "María José Pérez",
        "subject_identifier": "OFF-2024-0042",
        "achievement_id": "https://lms.example.org/courses/valuation/achievement",
        "achievement_name": "Customs Valuation — WTO Agreement",
        "achievement_description": "Applies the transaction value method.",
        "criteria_narrative": "Completed all modules and passed the final exam (≥ 80 %).",
        "valid_from": T0,
        "valid_until": None,
        "status": cr.status_entry(list_url=LIST_URL, index=94567),
        "language": "es",
        "evidence_url": "https://lms.example.org/certificates/abc/evidence",
    }
    kwargs.update(overrides)
    return cr.badge_credential(**kwargs)


def jose_decode(token: str, jwks_dict: dict):
    return jose_jwt.decode(token, KeySet.import_key_set(jwks_dict), algorithms=["EdDSA"])


# --------------------------------------------------------------------------- keys


def test_kid_is_rfc7638_thumbprint_of_rfc8037_vector():
    private = Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037_D))
    key = cr.IssuerKey(private)
    assert key.public_jwk()["x"] == RFC8037_X
    assert key.kid == RFC8037_THUMBPRINT


def test_kid_matches_joserfc_thumbprint(key):
    assert OKPKey.import_key(key.public_jwk()).thumbprint() == key.kid


def test_kid_mismatch_rejected(key, other_key):
    with pytest.raises(ValueError, match="thumbprint"):
        cr.IssuerKey(key.private_key, kid=other_key.kid)


def test_public_jwk_and_jwks_have_no_private_material(key, other_key):
    jwk = key.public_jwk()
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": jwk["x"],
        "kid": key.kid,
        "alg": "EdDSA",
        "use": "sig",
    }
    doc = cr.jwks([key, other_key, key])
    assert [k["kid"] for k in doc["keys"]] == [key.kid, other_key.kid]
    assert all("d" not in k for k in doc["keys"])
    assert "private" not in repr(key).lower()
    KeySet.import_key_set(doc)  # a valid JWK Set for an independent library


def test_key_from_pem_round_trip(key):
    loaded = cr.key_from_pem(key.private_pem().decode())
    assert loaded == key
    assert loaded.kid == key.kid


@pytest.mark.parametrize(
    "pem",
    [
        "",
        "not a pem",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ],
)
def test_bad_pem_raises_value_error(pem):
    with pytest.raises(ValueError):
        cr.key_from_pem(pem)


def test_non_ed25519_pem_raises_value_error():
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="Ed25519"):
        cr.key_from_pem(pem)


def test_encrypted_pem_raises_value_error():
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    with pytest.raises(ValueError):
        cr.key_from_pem(pem)


def test_load_or_create_key_creates_0600_file_once(tmp_path):
    path = tmp_path / "keys" / "nested" / "issuer.pem"
    first = cr.load_or_create_key(None, path)
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    written = path.read_bytes()

    second = cr.load_or_create_key(None, path)
    assert second.kid == first.kid
    assert path.read_bytes() == written
    assert [p.name for p in path.parent.iterdir()] == ["issuer.pem"]  # no temp files left


def test_load_or_create_key_prefers_given_pem(tmp_path, key):
    path = tmp_path / "issuer.pem"
    loaded = cr.load_or_create_key(key.private_pem().decode(), path)
    assert loaded.kid == key.kid
    assert not path.exists()
    # A blank setting counts as "not given".
    created = cr.load_or_create_key("  ", path)
    assert path.exists()
    assert created.kid != key.kid


def test_load_or_create_key_never_overwrites_a_bad_file(tmp_path):
    path = tmp_path / "issuer.pem"
    path.write_text("garbage")
    with pytest.raises(ValueError):
        cr.load_or_create_key(None, path)
    assert path.read_text() == "garbage"


# --------------------------------------------------------------------------- credential


def test_credential_has_required_ob3_structure(issuer):
    cred = make_credential(issuer, valid_until=T0 + timedelta(days=730))
    assert cred["@context"] == [VC_V2, OB_303]
    assert cred["id"] == "urn:uuid:6f1c2b5e-0b7a-4e4b-9a53-2f0c8f1d7e11"
    assert "VerifiableCredential" in cred["type"]
    assert "OpenBadgeCredential" in cred["type"]
    assert cred["name"] == "Customs Valuation — WTO Agreement"
    assert cred["issuer"]["id"] == ISSUER_ID
    assert cred["issuer"]["type"] == ["Profile"]
    assert cred["issuer"]["name"] == "Regional Customs Training Centre"
    assert cred["validFrom"] == "2025-03-01T12:30:45Z"
    assert cred["validUntil"] == "2027-03-01T12:30:45Z"
    assert "issuanceDate" not in cred  # VCDM 1.1 term, not used with VC 2.0

    subject = cred["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert "id" not in subject
    achievement = subject["achievement"]
    assert achievement["id"] == "https://lms.example.org/courses/valuation/achievement"
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["name"] == "Customs Valuation — WTO Agreement"
    assert achievement["description"] == "Applies the transaction value method."
    assert achievement["criteria"] == {
        "narrative": "Completed all modules and passed the final exam (≥ 80 %)."
    }
    assert achievement["inLanguage"] == "es"

    assert cred["evidence"] == [
        {"id": "https://lms.example.org/certificates/abc/evidence", "type": ["Evidence"]}
    ]
    assert cred["credentialStatus"] == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    assert cred["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
            "ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]


def test_subject_identity_is_salted_sha256_and_checkable(issuer):
    cred = make_credential(issuer)
    name_obj, id_obj = cred["credentialSubject"]["identifier"]
    for obj in (name_obj, id_obj):
        assert obj["type"] == "IdentityObject"
        assert obj["hashed"] is True
        assert re.fullmatch(r"sha256\$[0-9a-f]{64}", obj["identityHash"])
        assert obj["salt"]
    assert name_obj["identityType"] == "name"
    assert id_obj["identityType"] == "identifier"
    expected = hashlib.sha256(("María José Pérez" + name_obj["salt"]).encode()).hexdigest()
    assert name_obj["identityHash"] == "sha256$" + expected
    expected_id = hashlib.sha256(("OFF-2024-0042" + id_obj["salt"]).encode()).hexdigest()
    assert id_obj["identityHash"] == "sha256$" + expected_id

    # The plaintext name and identifier appear nowhere in the credential.
    dump = json.dumps(cred, ensure_ascii=False)
    assert "Pérez" not in dump
    assert "OFF-2024-0042" not in dump

    assert cr.identity_matches(name_obj, "  María   José Pérez ")
    assert not cr.identity_matches(name_obj, "Maria Jose Perez")
    assert cr.identity_matches(id_obj, "OFF-2024-0042")
    assert not cr.identity_matches(id_obj, "OFF-2024-0043")


def test_identity_salt_differs_per_credential_and_can_be_given(issuer):
    a = make_credential(issuer, credential_id="urn:uuid:a")["credentialSubject"]["identifier"]
    b = make_credential(issuer, credential_id="urn:uuid:b")["credentialSubject"]["identifier"]
    assert a[0]["identityHash"] != b[0]["identityHash"]
    given = make_credential(issuer, identity_salt="pepper", subject_identifier=None)
    (only,) = given["credentialSubject"]["identifier"]
    assert only["salt"] == "pepper"


def test_credential_is_deterministic_and_validates_dates(issuer):
    assert make_credential(issuer) == make_credential(issuer)
    with pytest.raises(ValueError, match="timezone"):
        make_credential(issuer, valid_from=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="later"):
        make_credential(issuer, valid_until=T0)
    minus5 = timezone(timedelta(hours=-5))
    cred = make_credential(issuer, valid_from=datetime(2025, 1, 1, 7, 0, 0, 999, tzinfo=minus5))
    assert cred["validFrom"] == "2025-01-01T12:00:00Z"


def test_issuer_profile_and_document(issuer):
    assert issuer == {
        "id": ISSUER_ID,
        "type": ["Profile"],
        "name": "Regional Customs Training Centre",
        "url": "https://lms.example.org",
        "email": "certificates@example.org",
        "description": "Training for customs officers",
    }
    doc = cr.profile_document(issuer)
    assert doc["@context"] == [OB_303]
    assert {k: v for k, v in doc.items() if k != "@context"} == issuer
    minimal = cr.issuer_profile(issuer_id=ISSUER_ID, name="X", url="https://x")
    assert "email" not in minimal
    assert "description" not in minimal


def test_status_entry_validation():
    with pytest.raises(ValueError):
        cr.status_entry(list_url=LIST_URL, index=-1)
    entry = cr.status_entry(list_url=LIST_URL, index=0, purpose="suspension")
    assert entry["statusListIndex"] == "0"
    assert entry["statusPurpose"] == "suspension"
    assert entry["id"] != entry["statusListCredential"]


# --------------------------------------------------------------------------- VC-JWT


def test_sign_round_trip_verified_by_joserfc(issuer, key):
    cred = make_credential(issuer, valid_until=T0 + timedelta(days=365))
    token = cr.sign_credential(cred, key)
    published = cr.jwks([key])

    decoded = jose_decode(token, published)
    assert decoded.header["alg"] == "EdDSA"
    assert decoded.header["typ"] == "JWT"
    assert decoded.header["kid"] == key.kid
    assert decoded.header["jwk"]["x"] == key.public_jwk()["x"]
    assert "d" not in decoded.header["jwk"]
    assert set(decoded.header) <= {"alg", "kid", "jwk", "typ"}  # OB 3.0 allows no others

    claims = decoded.claims
    assert claims["iss"] == ISSUER_ID
    assert claims["jti"] == cred["id"]
    assert claims["nbf"] == int(T0.timestamp())
    assert claims["exp"] == int((T0 + timedelta(days=365)).timestamp())
    assert "sub" not in claims  # the subject has no id
    assert "vc" not in claims  # VCDM 2.0: the payload is the credential itself
    assert {k: v for k, v in claims.items() if k not in {"iss", "jti", "nbf", "exp"}} == cred

    assert cr.verify_credential(token, published, now=T0 + timedelta(days=1)) == cred


def test_signing_is_deterministic(issuer, key):
    cred = make_credential(issuer)
    assert cr.sign_credential(cred, key) == cr.sign_credential(cred, key)


def test_tampered_payload_rejected(issuer, key):
    token = cr.sign_credential(make_credential(issuer), key)
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["credentialSubject"]["achievement"]["name"] = "Advanced Risk Management"
    claims["name"] = "Advanced Risk Management"
    forged_payload = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    forged = f"{header}.{forged_payload}.{signature}"

    with pytest.raises(BadSignatureError):
        jose_decode(forged, cr.jwks([key]))
    with pytest.raises(cr.InvalidCredentialSignatureError):
        cr.verify_credential(forged, cr.jwks([key]), now=T0)


def test_token_signed_by_another_key_rejected(issuer, key, other_key):
    cred = make_credential(issuer)
    published = cr.jwks([key])

    # Honest kid of an unpublished key: no key to verify with.
    stranger = cr.sign_credential(cred, other_key)
    with pytest.raises(JoseError):
        jose_decode(stranger, published)
    with pytest.raises(cr.UnknownKeyError):
        cr.verify_credential(stranger, published, now=T0)

    # Forged: signed by another key but claiming the published kid.
    payload = {**cred, "iss": ISSUER_ID, "jti": cred["id"], "nbf": int(T0.timestamp())}
    forged = pyjwt.encode(
        payload, other_key.private_key, algorithm="EdDSA", headers={"kid": key.kid}
    )
    with pytest.raises(BadSignatureError):
        jose_decode(forged, published)
    with pytest.raises(cr.InvalidCredentialSignatureError):
        cr.verify_credential(forged, published, now=T0)

    # Forged with the attacker's key embedded as "jwk": the JWKS key still decides.
    forged_jwk = pyjwt.encode(
        payload,
        other_key.private_key,
        algorithm="EdDSA",
        headers={"kid": key.kid, "jwk": other_key.public_jwk()},
    )
    with pytest.raises(cr.InvalidCredentialSignatureError):
        cr.verify_credential(forged_jwk, published, now=T0)

    # Signed by the right key but embedding someone else's "jwk": an OB 3.0 verifier
    # using the header key would fail it, so we do too.
    inconsistent = pyjwt.encode(
        payload,
        key.private_key,
        algorithm="EdDSA",
        headers={"kid": key.kid, "jwk": other_key.public_jwk()},
    )
    with pytest.raises(cr.InvalidCredentialSignatureError, match="embedded jwk"):
        cr.verify_credential(inconsistent, published, now=T0)


def test_expired_and_not_yet_valid(issuer, key):
    cred = make_credential(issuer, valid_until=T0 + timedelta(days=30))
    token = cr.sign_credential(cred, key)
    published = cr.jwks([key])
    after = T0 + timedelta(days=31)

    with pytest.raises(ExpiredTokenError):
        jose_jwt.JWTClaimsRegistry(now=int(after.timestamp())).validate(
            jose_decode(token, published).claims
        )
    with pytest.raises(cr.CredentialExpiredError):
        cr.verify_credential(token, published, now=after)
    with pytest.raises(cr.CredentialNotYetValidError):
        cr.verify_credential(token, published, now=T0 - timedelta(seconds=1))
    assert cr.verify_credential(token, published, now=T0) == cred
    assert cr.verify_credential(token, published, now=after, leeway=2 * 86400) == cred


def test_claims_must_match_credential(issuer, key):
    cred = make_credential(issuer)
    published = cr.jwks([key])
    base = {"iss": ISSUER_ID, "jti": cred["id"], "nbf": int(T0.timestamp())}
    for bad in (
        {"iss": "https://evil.example"},
        {"jti": "urn:uuid:other"},
        {"nbf": int(T0.timestamp()) - 60},
        {"sub": "did:example:someone"},
    ):
        token = pyjwt.encode(
            {**cred, **base, **bad}, key.private_key, algorithm="EdDSA", headers={"kid": key.kid}
        )
        with pytest.raises(cr.MalformedCredentialError):
            cr.verify_credential(token, published, now=T0 + timedelta(days=1))


def test_sub_is_credential_subject_id_when_present(issuer, key):
    cred = make_credential(issuer)
    cred["credentialSubject"]["id"] = "did:example:holder"
    token = cr.sign_credential(cred, key)
    assert jose_decode(token, cr.jwks([key])).claims["sub"] == "did:example:holder"
    assert cr.verify_credential(token, cr.jwks([key]), now=T0) == cred


def test_kid_may_point_into_published_jwks(issuer, key):
    url = "https://lms.example.org/.well-known/jwks.json"
    token = cr.sign_credential(make_credential(issuer), key, jwks_url=url)
    assert pyjwt.get_unverified_header(token)["kid"] == f"{url}#{key.kid}"
    cr.verify_credential(token, cr.jwks([key]), now=T0)


def test_garbage_token_rejected(key):
    with pytest.raises(cr.MalformedCredentialError):
        cr.verify_credential("not-a-token", cr.jwks([key]))
    with pytest.raises(cr.CredentialVerificationError):
        cr.verify_credential("a.b.c", cr.jwks([key]))


# --------------------------------------------------------------------------- status list


def test_bitstring_set_bits_decode_at_edges():
    indexes = [0, 7, 8, 131071]
    encoded = cr.encode_bitstring(indexes)

    # Independent decoding: multibase "u" + unpadded base64url of a GZIP stream.
    assert re.fullmatch(r"u[A-Za-z0-9_-]+", encoded)
    compressed = b64url_decode(encoded[1:])
    assert compressed[:2] == b"\x1f\x8b"
    raw = gzip.decompress(compressed)
    assert len(raw) == 131072 // 8
    assert raw[0] == 0b1000_0001  # index 0 is the most significant bit of byte 0
    assert raw[1] == 0b1000_0000
    assert raw[-1] == 0b0000_0001
    assert sum(bin(b).count("1") for b in raw) == 4

    assert cr.decode_bitstring(encoded) == raw
    for i in indexes:
        assert cr.bit_is_set(encoded, i)
    for i in (1, 6, 9, 15, 65536, 131070):
        assert not cr.bit_is_set(encoded, i)
    assert cr.encode_bitstring(indexes) == encoded  # deterministic


def test_bitstring_size_and_range_enforced():
    with pytest.raises(ValueError):
        cr.encode_bitstring([], size=131064)
    with pytest.raises(ValueError):
        cr.encode_bitstring([], size=131072 + 4)
    with pytest.raises(ValueError):
        cr.encode_bitstring([131072])
    with pytest.raises(ValueError):
        cr.encode_bitstring([-1])
    big = cr.encode_bitstring([200_000], size=262_144)
    assert cr.bit_is_set(big, 200_000)
    with pytest.raises(ValueError):
        cr.bit_is_set(big, 262_144)


def test_decode_bitstring_rejects_bad_input():
    short = "u" + b64url_encode(gzip.compress(bytes(100)))
    for bad in ("", "H4sI", "u!!!", "u" + b64url_encode(b"not gzip"), short):
        with pytest.raises(ValueError):
            cr.decode_bitstring(bad)


def test_decode_spec_example_list():
    assert cr.decode_bitstring(SPEC_EMPTY_LIST) == bytes(16384)
    assert not cr.bit_is_set(SPEC_EMPTY_LIST, 0)


def test_status_list_credential_signed_and_verified(issuer, key):
    encoded = cr.encode_bitstring([94567])
    cred = cr.status_list_credential(
        list_url=LIST_URL, issuer=issuer, encoded_list=encoded, valid_from=T0
    )
    assert cred["@context"][0] == VC_V2
    assert cred["id"] == LIST_URL
    assert cred["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert cred["issuer"]["id"] == ISSUER_ID
    assert cred["validFrom"] == "2025-03-01T12:30:45Z"
    assert cred["credentialSubject"] == {
        "id": f"{LIST_URL}#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": encoded,
    }
    plain = cr.status_list_credential(
        list_url=LIST_URL, issuer=ISSUER_ID, encoded_list=encoded, valid_from=T0
    )
    assert plain["@context"] == [VC_V2]
    assert plain["issuer"] == ISSUER_ID

    token = cr.sign_credential(cred, key)
    claims = jose_decode(token, cr.jwks([key])).claims
    assert claims["sub"] == f"{LIST_URL}#list"
    verified = cr.verify_credential(token, cr.jwks([key]), now=T0)
    assert cr.bit_is_set(verified["credentialSubject"]["encodedList"], 94567)

    with pytest.raises(ValueError):
        cr.status_list_credential(
            list_url=LIST_URL, issuer=issuer, encoded_list="uAAAA", valid_from=T0
        )
