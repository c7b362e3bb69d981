"""A software WebAuthn authenticator for the tests: an ES256 key pair from cryptography,
its messages assembled with python-fido2's own data classes (the browser test uses
Chromium's virtual authenticator instead)."""

from __future__ import annotations

import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import sha256, websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

FLAGS = AuthenticatorData.FLAG


class SoftAuthenticator:
    def __init__(self, rp_id: str) -> None:
        self.rp_id = rp_id
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0

    def create(self, options: dict[str, Any], origin: str) -> dict[str, Any]:
        public = options["publicKey"]
        client_data = CollectedClientData.create(
            type="webauthn.create", challenge=websafe_decode(public["challenge"]), origin=origin
        )
        credential = AttestedCredentialData.create(
            Aaguid.NONE, self.credential_id, ES256.from_cryptography_key(self.key.public_key())
        )
        auth_data = AuthenticatorData.create(
            sha256(public["rp"]["id"].encode()),
            FLAGS.UP | FLAGS.UV | FLAGS.AT,
            self.counter,
            credential,
        )
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(bytes(client_data)),
                "attestationObject": websafe_encode(bytes(attestation)),
            },
            "clientExtensionResults": {},
        }

    def get(
        self, options: dict[str, Any], origin: str, *, counter: int | None = None
    ) -> dict[str, Any]:
        public = options["publicKey"]
        client_data = CollectedClientData.create(
            type="webauthn.get", challenge=websafe_decode(public["challenge"]), origin=origin
        )
        self.counter = self.counter + 1 if counter is None else counter
        auth_data = AuthenticatorData.create(
            sha256(public["rpId"].encode()), FLAGS.UP | FLAGS.UV, self.counter
        )
        signature = self.key.sign(bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256()))
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(bytes(client_data)),
                "authenticatorData": websafe_encode(bytes(auth_data)),
                "signature": websafe_encode(signature),
            },
            "clientExtensionResults": {},
        }
