"""The platform as an Open Badges issuer: its key, its profile, its published URLs, and
the signed documents built from certificates (credentials and status lists). The pure
work is in ``certificates.credentials``; this module adds settings and the database."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from lms.public_url import public_url

from . import credentials, selectors
from .models import Certificate
from .services import STATUS_LIST_SIZE, verify_url


@cache
def issuer_key() -> credentials.IssuerKey:
    """The signing key: ``LMS_CREDENTIAL_KEY`` (PEM) or the key file, generated there on
    first use (mode 0600) when neither exists."""
    return credentials.load_or_create_key(
        settings.LMS_CREDENTIAL_KEY or None, settings.LMS_CREDENTIAL_KEY_FILE
    )


def issuer_id() -> str:
    return public_url(reverse("certificates:issuer"))


def jwks_url() -> str:
    return public_url(reverse("certificates:jwks"))


def status_list_url(list_number: int) -> str:
    return public_url(reverse("certificates:status_list", args=[list_number]))


def profile() -> dict[str, Any]:
    return credentials.issuer_profile(
        issuer_id=issuer_id(),
        name=str(settings.LMS_PLATFORM_NAME),
        url=public_url("/"),
        email=settings.DEFAULT_FROM_EMAIL,
    )


def public_jwks() -> dict[str, Any]:
    return credentials.jwks([issuer_key()])


def achievement_url(certificate: Certificate) -> str:
    return public_url(reverse("certificates:achievement", args=[certificate.programme.code]))


def badge_credential(certificate: Certificate) -> dict[str, Any]:
    """The certificate as an unsigned ``OpenBadgeCredential``, in the holder's language."""
    language = certificate.language
    programme = certificate.programme
    with translation.override(language):
        criteria = translation.gettext(
            "Met the requirements of the certification programme: the courses completed "
            "and the assessments passed that the programme lists."
        )
    list_number, position = divmod(certificate.status_index, STATUS_LIST_SIZE)
    return credentials.badge_credential(
        credential_id=f"urn:uuid:{certificate.uuid}",
        issuer=profile(),
        subject_name=certificate.holder_name,
        subject_identifier=None,
        achievement_id=achievement_url(certificate),
        achievement_name=programme.title_for(language),
        achievement_description=programme.description_for(language)
        or programme.title_for(language),
        criteria_narrative=criteria,
        valid_from=certificate.issued_at,
        valid_until=certificate.expires_at,
        status=credentials.status_entry(list_url=status_list_url(list_number), index=position),
        language=language,
        evidence_url=verify_url(certificate),
    )


def signed_badge(certificate: Certificate) -> str:
    """The certificate's Open Badges 3.0 credential as a VC-JWT."""
    # The key id is the key's thumbprint, exactly as published in the JWKS, so that any
    # JOSE library finds the key by ``kid``.
    return credentials.sign_credential(badge_credential(certificate), issuer_key())


def status_list_jwt(list_number: int) -> str:
    """Status list ``list_number`` as a signed VC-JWT, built from the database on each
    request so that a revocation shows at once."""
    encoded = credentials.encode_bitstring(
        selectors.revoked_status_indexes(list_number, STATUS_LIST_SIZE), size=STATUS_LIST_SIZE
    )
    document = credentials.status_list_credential(
        list_url=status_list_url(list_number),
        issuer=profile(),
        encoded_list=encoded,
        valid_from=timezone.now(),
    )
    return credentials.sign_credential(document, issuer_key())
