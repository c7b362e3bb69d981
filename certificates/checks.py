"""System checks of the certificates app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def credential_key_configured(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """In production every app server must sign credentials with the same key: give it
    in LMS_CREDENTIAL_KEY instead of letting each server generate its own file."""
    if settings.LMS_CREDENTIAL_KEY:
        from .credentials import key_from_pem

        try:
            key_from_pem(settings.LMS_CREDENTIAL_KEY)
        except ValueError as error:
            return [
                Error(
                    f"LMS_CREDENTIAL_KEY is not a usable Ed25519 private key: {error}",
                    id="certificates.E001",
                )
            ]
        return []
    return [
        Warning(
            "LMS_CREDENTIAL_KEY is not set: each app server would sign Open Badges "
            "credentials with a key generated in its own LMS_CREDENTIAL_KEY_FILE.",
            hint="Set LMS_CREDENTIAL_KEY to one Ed25519 private key in PEM (PKCS#8), e.g. "
            "the output of: python -c 'from certificates.credentials import IssuerKey; "
            "print(IssuerKey.generate().private_pem().decode())'",
            id="certificates.W001",
        )
    ]
