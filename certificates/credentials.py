"""Open Badges 3.0 verifiable credentials, VC-JWT signing, JWKS and Bitstring Status Lists.

A pure module: no Django models, no settings, no database. Everything it needs is
passed in as arguments, and every function except key generation is deterministic
given its inputs (Ed25519 signatures are deterministic, the GZIP header carries no
timestamp), so the same certificate always produces the same credential and token.

Specifications followed:

* 1EdTech Open Badges Specification v3.0 (data model: ``OpenBadgeCredential``,
  ``Profile``, ``AchievementSubject``, ``Achievement``, ``IdentityObject``;
  section "JSON Web Token Proof Format": JOSE header, JWT payload and the
  checks a verifier runs on ``iss``/``sub``/``jti``/``nbf``/``exp``).
* W3C Verifiable Credentials Data Model v2.0 (``@context``, ``validFrom``,
  ``validUntil``).
* W3C Bitstring Status List v1.0 (``BitstringStatusListEntry``,
  ``BitstringStatusListCredential``, ``encodedList``).
* RFC 7515/7519 (JWS, JWT), RFC 8037 (OKP keys, ``EdDSA``), RFC 7638 (JWK
  thumbprint, used as the ``kid``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import tempfile
import unicodedata
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "JWT_ALGORITHM",
    "MIN_STATUS_LIST_BITS",
    "OB_ACHIEVEMENT_CREDENTIAL_SCHEMA",
    "OB_V3_CONTEXT",
    "VC_V2_CONTEXT",
    "CredentialExpiredError",
    "CredentialNotYetValidError",
    "CredentialVerificationError",
    "InvalidCredentialSignatureError",
    "IssuerKey",
    "MalformedCredentialError",
    "UnknownKeyError",
    "badge_credential",
    "bit_is_set",
    "decode_bitstring",
    "encode_bitstring",
    "identity_hash",
    "identity_matches",
    "issuer_profile",
    "jwk_thumbprint",
    "jwks",
    "key_from_pem",
    "load_or_create_key",
    "profile_document",
    "sign_credential",
    "status_entry",
    "status_list_credential",
    "verify_credential",
]

# --------------------------------------------------------------------------- constants

#: JSON-LD context of the W3C Verifiable Credentials Data Model v2.0. It also defines
#: the Bitstring Status List terms.
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
#: JSON-LD context of Open Badges 3.0, context version 3.0.3.
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: 1EdTech JSON Schema for AchievementCredential/OpenBadgeCredential.
OB_ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
OB_SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"

#: JOSE ``alg`` for Ed25519 signatures (RFC 8037).
JWT_ALGORITHM = "EdDSA"
#: Bitstring Status List v1.0: the uncompressed bitstring is at least 16 KiB.
MIN_STATUS_LIST_BITS = 131_072
#: Refuse to inflate status lists beyond this many bytes (decompression-bomb guard).
MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024

#: Registered JWT claims this module adds to (and strips from) the credential payload.
_JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat")


# --------------------------------------------------------------------------- errors


class CredentialVerificationError(Exception):
    """Base class: the token is not an acceptable credential."""


class MalformedCredentialError(CredentialVerificationError, ValueError):
    """The token or its credential is structurally invalid or inconsistent."""


class UnknownKeyError(CredentialVerificationError):
    """The token's ``kid`` names no key in the supplied JWKS."""


class InvalidCredentialSignatureError(CredentialVerificationError):
    """The signature does not verify with the key the token names."""


class CredentialExpiredError(CredentialVerificationError):
    """The credential's ``exp``/``validUntil`` has passed."""


class CredentialNotYetValidError(CredentialVerificationError):
    """The credential's ``nbf``/``validFrom`` has not been reached yet."""


# --------------------------------------------------------------------------- helpers


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(value: str) -> bytes:
    """Strict base64url (RFC 4648 §5) without padding."""
    if not isinstance(value, str) or "=" in value:
        raise ValueError("expected unpadded base64url text")
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid base64url: {exc}") from exc


def _utc(dt: datetime, what: str) -> datetime:
    if not isinstance(dt, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return dt.astimezone(UTC).replace(microsecond=0)


def _iso(dt: datetime, what: str) -> str:
    """ISO 8601 UTC with a ``Z`` suffix, whole seconds (JWT NumericDates are seconds)."""
    return _utc(dt, what).replace(tzinfo=None).isoformat() + "Z"


def _parse_iso(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise MalformedCredentialError(f"{what} must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedCredentialError(f"{what} is not ISO 8601: {value!r}") from exc
    if parsed.tzinfo is None:
        raise MalformedCredentialError(f"{what} has no timezone: {value!r}")
    return parsed


def _timestamp(dt: datetime) -> int:
    return int(dt.astimezone(UTC).replace(microsecond=0).timestamp())


def _require_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    return value


# --------------------------------------------------------------------------- keys


def jwk_thumbprint(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (base64url SHA-256) of an Ed25519 public key.

    The required members of an OKP key are ``crv``, ``kty`` and ``x`` (RFC 8037 §2),
    serialised in lexicographic order with no whitespace.
    """
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


@dataclass(frozen=True)
class IssuerKey:
    """An Ed25519 signing key and its ``kid``.

    ``kid`` is the RFC 7638 thumbprint of the public key; it is computed when left
    empty and checked when given. Keys compare equal when their ``kid`` is equal
    (that is, when they are the same key pair). The private key never appears in
    ``repr()``.
    """

    private_key: Ed25519PrivateKey = field(repr=False, compare=False)
    kid: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.private_key, Ed25519PrivateKey):
            raise ValueError("IssuerKey needs an Ed25519 private key")
        expected = jwk_thumbprint(self.private_key.public_key())
        if not self.kid:
            object.__setattr__(self, "kid", expected)
        elif self.kid != expected:
            raise ValueError("kid does not match the RFC 7638 thumbprint of the key")

    @classmethod
    def generate(cls) -> IssuerKey:
        """A fresh random key (the only non-deterministic function here)."""
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK (RFC 8037); never contains ``d``."""
        raw = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64url(raw),
            "kid": self.kid,
            "alg": JWT_ALGORITHM,
            "use": "sig",
        }

    def private_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM of the private key."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def key_from_pem(pem: str | bytes) -> IssuerKey:
    """Load an unencrypted PEM private key; it must be Ed25519.

    Raises ``ValueError`` with a readable message for anything else (garbage,
    an encrypted key, an RSA/EC key, a public key).
    """
    data = pem.encode("utf-8") if isinstance(pem, str) else pem
    if not isinstance(data, bytes) or not data.strip():
        raise ValueError("empty PEM: no issuer signing key given")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a usable unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(
            f"issuer signing key must be Ed25519, got {type(key).__name__.lstrip('_')}"
        )
    return IssuerKey(key)


def load_or_create_key(pem: str | None, path: Path) -> IssuerKey:
    """Return the issuer key from ``pem``, else from ``path``, else a new one.

    * ``pem`` given (non-blank): parse it; ``path`` is not touched.
    * ``path`` exists: parse it (a bad file raises ``ValueError``; it is never
      overwritten).
    * otherwise: generate a key and write it to ``path`` as PKCS#8 PEM with mode
      0600, creating parent directories. The file appears atomically (hard link of
      a complete temporary file), so concurrent callers agree on one key.
    """
    if pem and pem.strip():
        return key_from_pem(pem)
    path = Path(path)
    if path.exists():
        return key_from_pem(path.read_bytes())

    path.parent.mkdir(parents=True, exist_ok=True)
    key = IssuerKey.generate()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(key.private_pem())
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            # Lost a race with another process: use the key it wrote.
            return key_from_pem(path.read_bytes())
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return key


def jwks(keys: Sequence[IssuerKey]) -> dict[str, list[dict[str, str]]]:
    """A JWK Set (RFC 7517 §5) of the public halves of ``keys``, duplicates removed."""
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for key in keys:
        if key.kid not in seen:
            seen.add(key.kid)
            out.append(key.public_jwk())
    return {"keys": out}


def _public_key_from_jwk(jwk_dict: Mapping[str, Any]) -> Ed25519PublicKey:
    if jwk_dict.get("kty") != "OKP" or jwk_dict.get("crv") != "Ed25519":
        raise UnknownKeyError("JWKS entry is not an Ed25519 (OKP) key")
    if "d" in jwk_dict:
        raise MalformedCredentialError("JWKS entry contains private key material")
    try:
        raw = _b64url_decode(jwk_dict.get("x", ""))
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise MalformedCredentialError(f"JWKS entry has a bad 'x': {exc}") from exc


# --------------------------------------------------------------------------- OB 3.0 model


def issuer_profile(
    *,
    issuer_id: str,
    name: str,
    url: str,
    email: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """An Open Badges 3.0 ``Profile`` describing the issuer, for embedding in credentials.

    Embedded profiles carry no ``@context`` (the credential's applies); use
    :func:`profile_document` for the stand-alone document served at ``issuer_id``.
    """
    profile: dict[str, Any] = {
        "id": _require_text(issuer_id, "issuer_id"),
        "type": ["Profile"],
        "name": _require_text(name, "name"),
        "url": _require_text(url, "url"),
    }
    if email:
        profile["email"] = email
    if description:
        profile["description"] = description
    return profile


def profile_document(profile: Mapping[str, Any]) -> dict[str, Any]:
    """The stand-alone JSON-LD form of a ``Profile`` (as OB 3.0's getProfile returns it)."""
    doc = {k: v for k, v in profile.items() if k != "@context"}
    return {"@context": [OB_V3_CONTEXT], **doc}


def _normalize_identity(value: str) -> str:
    """NFC and collapsed whitespace, so that a verifier re-typing a name gets the same hash.

    Case is preserved: OB 3.0 hashes the identifier exactly as UTF-8 text.
    """
    if not isinstance(value, str):
        raise TypeError("identity value must be a string")
    normalized = " ".join(unicodedata.normalize("NFC", value).split())
    if not normalized:
        raise ValueError("identity value must not be blank")
    return normalized


def identity_hash(value: str, salt: str) -> str:
    """OB 3.0 ``IdentityHash``: ``sha256$`` + hex SHA-256 of UTF-8(value + salt).

    ``value`` is normalised first (Unicode NFC, whitespace collapsed and trimmed).
    """
    digest = hashlib.sha256((_normalize_identity(value) + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def identity_matches(identity_object: Mapping[str, Any], candidate: str) -> bool:
    """Whether ``candidate`` (e.g. a name typed by a verifier) matches an ``IdentityObject``."""
    stored = identity_object.get("identityHash")
    if not isinstance(stored, str):
        return False
    try:
        if identity_object.get("hashed"):
            algorithm, _, _digest = stored.partition("$")
            if algorithm.lower() != "sha256":
                return False
            expected = identity_hash(candidate, identity_object.get("salt") or "")
            return hmac.compare_digest(stored.lower(), expected.lower())
        return hmac.compare_digest(
            _normalize_identity(stored).encode(), _normalize_identity(candidate).encode()
        )
    except (TypeError, ValueError):
        return False


def _derived_salt(credential_id: str, identity_type: str) -> str:
    """A per-credential salt derived from the credential id (keeps the module deterministic)."""
    seed = f"ob3-identity-salt\x00{credential_id}\x00{identity_type}".encode()
    return _b64url(hashlib.sha256(seed).digest()[:16])


def _identity_object(value: str, *, identity_type: str, salt: str) -> dict[str, Any]:
    return {
        "type": "IdentityObject",
        "identityHash": identity_hash(value, salt),
        "identityType": identity_type,
        "hashed": True,
        "salt": salt,
    }


def status_entry(*, list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` for a credential's ``credentialStatus``.

    ``statusListIndex`` is a base-10 string as the spec requires. The entry ``id`` is
    ``<list_url>#<index>`` (optional in the spec, and it must differ from the list URL).
    """
    _require_text(list_url, "list_url")
    _require_text(purpose, "purpose")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError("status list index must be an integer >= 0")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def badge_credential(
    *,
    credential_id: str,
    issuer: dict[str, Any],
    subject_name: str,
    subject_identifier: str | None,
    achievement_id: str,
    achievement_name: str,
    achievement_description: str,
    criteria_narrative: str,
    achievement_type: str = "Certificate",
    valid_from: datetime,
    valid_until: datetime | None,
    status: dict[str, Any] | list[dict[str, Any]] | None,
    language: str | None = None,
    evidence_url: str | None = None,
    subject_identifier_type: str = "identifier",
    identity_salt: str | None = None,
) -> dict[str, Any]:
    """An unsigned Open Badges 3.0 ``OpenBadgeCredential``.

    The holder has no DID, so ``credentialSubject`` has no ``id``; OB 3.0 then
    requires at least one ``identifier`` (``IdentityObject``). The holder's name is
    included only as a salted SHA-256 ``IdentityObject`` (``identityType`` ``name``),
    plus a second one for ``subject_identifier`` when given (``identityType``
    ``subject_identifier_type``). Anyone holding the credential can confirm a name
    they already know with :func:`identity_matches`, but cannot read it off the
    credential. The salt is ``identity_salt`` or, by default, derived from
    ``credential_id`` (unique per credential, so two credentials of the same person
    do not share a hash).

    The credential-level ``name`` (required by OB 3.0, shown by wallets) is the
    achievement name, so it carries no personal data either.
    """
    _require_text(credential_id, "credential_id")
    if not isinstance(issuer, Mapping) or not issuer.get("id"):
        raise ValueError("issuer must be a Profile dict with an 'id'")
    _require_text(achievement_id, "achievement_id")
    _require_text(achievement_name, "achievement_name")
    _require_text(achievement_description, "achievement_description")
    _require_text(criteria_narrative, "criteria_narrative")
    _require_text(achievement_type, "achievement_type")
    start = _utc(valid_from, "valid_from")
    if valid_until is not None and _utc(valid_until, "valid_until") <= start:
        raise ValueError("valid_until must be later than valid_from")

    def salt_for(identity_type: str) -> str:
        if identity_salt is not None:
            return identity_salt
        return _derived_salt(credential_id, identity_type)

    identifiers = [_identity_object(subject_name, identity_type="name", salt=salt_for("name"))]
    if subject_identifier:
        _require_text(subject_identifier_type, "subject_identifier_type")
        identifiers.append(
            _identity_object(
                subject_identifier,
                identity_type=subject_identifier_type,
                salt=salt_for(subject_identifier_type),
            )
        )

    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": achievement_type,
        "name": achievement_name,
        "description": achievement_description,
        "criteria": {"narrative": criteria_narrative},
    }
    if language:
        achievement["inLanguage"] = language

    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement_name,
        "issuer": {k: v for k, v in issuer.items() if k != "@context"},
        "validFrom": _iso(valid_from, "valid_from"),
    }
    if valid_until is not None:
        credential["validUntil"] = _iso(valid_until, "valid_until")
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": achievement,
    }
    if evidence_url:
        credential["evidence"] = [{"id": evidence_url, "type": ["Evidence"]}]
    if status:
        credential["credentialStatus"] = status
    credential["credentialSchema"] = [
        {"id": OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": OB_SCHEMA_VALIDATOR_TYPE}
    ]
    return credential


# --------------------------------------------------------------------------- status list


def encode_bitstring(set_indexes: Iterable[int], size: int = MIN_STATUS_LIST_BITS) -> str:
    """``encodedList`` for a Bitstring Status List with the given bits set.

    Index 0 is the left-most bit, i.e. the most significant bit of the first byte.
    The result is multibase base64url (prefix ``u``, no padding) of the GZIP-compressed
    bitstring; GZIP ``mtime`` is 0 so the output is deterministic.

    Raises ``ValueError`` when ``size`` is below 131,072 or not a multiple of 8, or an
    index is outside ``0 <= index < size``.
    """
    if isinstance(size, bool) or not isinstance(size, int):
        raise ValueError("size must be an integer number of bits")
    if size < MIN_STATUS_LIST_BITS:
        raise ValueError(f"status list must hold at least {MIN_STATUS_LIST_BITS} bits")
    if size % 8:
        raise ValueError("status list size must be a multiple of 8 bits")
    bits = bytearray(size // 8)
    for index in set_indexes:
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(f"status list index must be an integer, got {index!r}")
        if not 0 <= index < size:
            raise ValueError(f"status list index {index} outside 0..{size - 1}")
        bits[index >> 3] |= 0x80 >> (index & 7)
    compressor = zlib.compressobj(level=9, wbits=31)  # 16 + 15: GZIP container, mtime 0
    compressed = compressor.compress(bytes(bits)) + compressor.flush()
    return "u" + _b64url(compressed)


def decode_bitstring(encoded: str) -> bytes:
    """The uncompressed bitstring from an ``encodedList``.

    Raises ``ValueError`` for a missing ``u`` multibase prefix, bad base64url, bad
    GZIP data, trailing data, a list above 16 MiB, or one below the 131,072-bit
    minimum (the spec's STATUS_LIST_LENGTH_ERROR).
    """
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    compressed = _b64url_decode(encoded[1:])
    inflater = zlib.decompressobj(wbits=31)
    try:
        bits = inflater.decompress(compressed, MAX_STATUS_LIST_BYTES + 1)
    except zlib.error as exc:
        raise ValueError(f"encodedList is not GZIP data: {exc}") from exc
    if len(bits) > MAX_STATUS_LIST_BYTES:
        raise ValueError("status list is too large")
    if not inflater.eof or inflater.unused_data:
        raise ValueError("encodedList GZIP stream is truncated or has trailing data")
    if len(bits) * 8 < MIN_STATUS_LIST_BITS:
        raise ValueError(f"status list shorter than {MIN_STATUS_LIST_BITS} bits")
    return bits


def bit_is_set(encoded: str, index: int) -> bool:
    """Whether bit ``index`` is set (e.g. revoked); ``ValueError`` when out of range."""
    bits = decode_bitstring(encoded)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(bits) * 8:
        raise ValueError(f"status list index {index!r} outside 0..{len(bits) * 8 - 1}")
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))


def status_list_credential(
    *,
    list_url: str,
    issuer: dict[str, Any] | str,
    encoded_list: str,
    valid_from: datetime,
    purpose: str = "revocation",
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` published at ``list_url``.

    Its subject ``id`` is ``<list_url>#list`` as in the spec's example. When
    ``issuer`` is an OB ``Profile`` dict the OB context is added so its terms resolve.
    """
    _require_text(list_url, "list_url")
    _require_text(purpose, "purpose")
    decode_bitstring(encoded_list)  # refuse to publish a malformed list
    if isinstance(issuer, Mapping):
        if not issuer.get("id"):
            raise ValueError("issuer profile must have an 'id'")
        issuer_value: dict[str, Any] | str = {k: v for k, v in issuer.items() if k != "@context"}
        context = [VC_V2_CONTEXT, OB_V3_CONTEXT]
    else:
        issuer_value = _require_text(issuer, "issuer")
        context = [VC_V2_CONTEXT]
    return {
        "@context": context,
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_value,
        "validFrom": _iso(valid_from, "valid_from"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }


# --------------------------------------------------------------------------- VC-JWT


def _issuer_id(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise MalformedCredentialError("credential has no issuer id")
    return issuer_id


def _subject_id(credential: Mapping[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping):
        subject_id = subject.get("id")
        return subject_id if isinstance(subject_id, str) and subject_id else None
    return None


def _jwt_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The JWT claims OB 3.0 derives from the credential (iss, jti, nbf, sub, exp)."""
    credential_id = credential.get("id")
    if not isinstance(credential_id, str) or not credential_id:
        raise MalformedCredentialError("credential has no id (needed for jti)")
    claims: dict[str, Any] = {
        "iss": _issuer_id(credential),
        "jti": credential_id,
        "nbf": _timestamp(_parse_iso(credential.get("validFrom"), "validFrom")),
    }
    subject_id = _subject_id(credential)
    if subject_id is not None:
        claims["sub"] = subject_id
    if credential.get("validUntil") is not None:
        claims["exp"] = _timestamp(_parse_iso(credential["validUntil"], "validUntil"))
    return claims


def sign_credential(
    credential: dict[str, Any], key: IssuerKey, *, jwks_url: str | None = None
) -> str:
    """Sign ``credential`` as a compact VC-JWT following OB 3.0 "JSON Web Token Proof Format".

    * JOSE header: ``alg`` ``EdDSA``, ``typ`` ``JWT``, ``kid`` and ``jwk`` (the public
      key, never ``d``). ``kid`` is the key's RFC 7638 thumbprint, or
      ``<jwks_url>#<thumbprint>`` when ``jwks_url`` is given (a URI pointing into the
      published JWKS, as in the spec's example header).
    * Payload: the credential object itself (VCDM 2.0 style, no ``vc`` wrapper) plus
      ``iss`` = ``issuer.id``, ``jti`` = ``id``, ``nbf`` = ``validFrom``,
      ``exp`` = ``validUntil`` (when present) and ``sub`` = ``credentialSubject.id``
      (only when the subject has an ``id``; see the module report).

    Raises ``MalformedCredentialError`` when the credential lacks what the claims
    need, or already carries a conflicting claim.
    """
    claims = _jwt_claims(credential)
    for name in _JWT_CLAIMS:
        if name in credential and credential[name] != claims.get(name):
            raise MalformedCredentialError(f"credential carries a conflicting {name!r} claim")
    payload = {**credential, **claims}
    kid = f"{jwks_url}#{key.kid}" if jwks_url else key.kid
    headers = {"typ": "JWT", "kid": kid, "jwk": key.public_jwk()}
    return jwt.encode(payload, key.private_key, algorithm=JWT_ALGORITHM, headers=headers)


def _find_jwk(jwks_dict: Mapping[str, Any], kid: str) -> Mapping[str, Any]:
    keys = jwks_dict.get("keys") if isinstance(jwks_dict, Mapping) else None
    if not isinstance(keys, list):
        raise UnknownKeyError("JWKS has no 'keys' list")
    candidates = [kid]
    if "#" in kid:
        candidates.append(kid.rsplit("#", 1)[1])
    for wanted in candidates:
        for entry in keys:
            if isinstance(entry, Mapping) and entry.get("kid") == wanted:
                return entry
    raise UnknownKeyError(f"no key with kid {kid!r} in the JWKS")


def verify_credential(
    token: str,
    jwks_dict: dict[str, Any],
    *,
    now: datetime | None = None,
    leeway: int = 0,
) -> dict[str, Any]:
    """Verify a VC-JWT against a JWKS and return the credential it carries.

    The key is chosen by the header ``kid`` (a thumbprint, or a URI whose fragment is
    one); a ``jwk`` embedded in the header is never trusted, only required to match.
    Then the OB 3.0 verifier checks are run: ``iss``/``jti``/``nbf``/``exp``/``sub``
    must agree with ``issuer.id``/``id``/``validFrom``/``validUntil``/
    ``credentialSubject.id``, ``nbf`` must have been reached and ``exp`` not passed
    (against ``now``, default the current time, with ``leeway`` seconds).

    Returns the credential without the JWT claims, i.e. what was passed to
    :func:`sign_credential`. Raises a :class:`CredentialVerificationError` subclass.
    """
    if not isinstance(token, str) or token.count(".") != 2:
        raise MalformedCredentialError("not a compact JWS")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.exceptions.DecodeError as exc:
        raise MalformedCredentialError(f"unreadable JOSE header: {exc}") from exc
    if header.get("alg") != JWT_ALGORITHM:
        raise InvalidCredentialSignatureError(f"unsupported alg {header.get('alg')!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise UnknownKeyError("token has no kid")
    entry = _find_jwk(jwks_dict, kid)
    public_key = _public_key_from_jwk(entry)
    embedded = header.get("jwk")
    if embedded is not None and (
        not isinstance(embedded, Mapping) or embedded.get("x") != entry.get("x")
    ):
        raise InvalidCredentialSignatureError("embedded jwk does not match the JWKS key")

    try:
        payload = jwt.decode(
            token,
            public_key,
            algorithms=[JWT_ALGORITHM],
            options={
                "verify_signature": True,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except (jwt.exceptions.InvalidSignatureError, _CryptoInvalidSignature) as exc:
        raise InvalidCredentialSignatureError("signature does not verify") from exc
    except jwt.exceptions.InvalidTokenError as exc:
        raise MalformedCredentialError(f"invalid token: {exc}") from exc

    credential = {k: v for k, v in payload.items() if k not in _JWT_CLAIMS}
    expected = _jwt_claims(credential)
    for name in ("iss", "jti", "nbf", "sub", "exp"):
        if payload.get(name) != expected.get(name):
            raise MalformedCredentialError(
                f"JWT claim {name!r} does not match the credential "
                f"({payload.get(name)!r} != {expected.get(name)!r})"
            )

    moment = _timestamp(_utc(now, "now")) if now is not None else _timestamp(datetime.now(UTC))
    if payload["nbf"] > moment + leeway:
        raise CredentialNotYetValidError("credential is not valid yet (nbf/validFrom)")
    if "exp" in payload and payload["exp"] <= moment - leeway:
        raise CredentialExpiredError("credential has expired (exp/validUntil)")
    return credential
