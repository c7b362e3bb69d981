"""Provider secrets (OIDC client secrets) encrypted at rest.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with a key derived by HKDF
from ``SECRET_KEY``; the keys of ``SECRET_KEY_FALLBACKS`` still decrypt, so the secrets
survive Django's documented key rotation (set the new key, move the old one to the
fallbacks, save each provider again, then drop the fallback). The credential key of
certificates is an Ed25519 signing key and cannot encrypt; it is not used here.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"lms.sso.provider-secret"


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def secret_encrypt(plain: str) -> str:
    return _keys().encrypt(plain.encode()).decode() if plain else ""


def secret_decrypt(token: str) -> str:
    """The plain secret; empty when none is stored. Raises ``InvalidToken`` when no key
    of this installation can read it (the key changed without a fallback)."""
    return _keys().decrypt(token.encode()).decode() if token else ""


def secret_rotate(token: str) -> str:
    """``token`` encrypted again with the current key (a fallback key may have made it)."""
    return _keys().rotate(token.encode()).decode() if token else ""


__all__ = ["InvalidToken", "secret_decrypt", "secret_encrypt", "secret_rotate"]
