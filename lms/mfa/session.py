"""Where a session keeps its second factor: django-otp's device key, when it was proven,
and the identity provider's word that it asserted MFA itself.

The single sign-on part (issue 16) sets :data:`IDP_ASSERTED_KEY` to ``True`` when the
identity provider says the person proved a second factor there (OIDC ``amr``, SAML
``AuthnContext``); such a session counts as verified here.
"""

from __future__ import annotations

import time

import django_otp
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

IDP_ASSERTED_KEY = "lms.mfa.idp_asserted"
VERIFIED_AT_KEY = "lms.mfa.verified_at"
# Set at sign-in: whether the person has a second factor (officers who opted in must
# then prove it too); read by the middleware so that an officer's page costs no query.
HAS_FACTOR_KEY = "lms.mfa.has_factor"
TOTP_PENDING_KEY = "lms.mfa.totp_pending"
PASSKEY_STATE_KEY = "lms.mfa.passkey_state"
# The page a person wanted when sent to enrolment: reached once the recovery codes are kept.
THEN_KEY = "lms.mfa.then"


def is_verified(session: SessionBase) -> bool:
    """Whether this session proved a second factor (here, or at the identity provider)."""
    return bool(session.get(DEVICE_ID_SESSION_KEY)) or session.get(IDP_ASSERTED_KEY) is True


def is_fresh(session: SessionBase) -> bool:
    """Whether a second factor was proven here within ``LMS_MFA_FRESH_SECONDS`` (removing
    a factor asks for a fresh proof)."""
    at = session.get(VERIFIED_AT_KEY)
    if not isinstance(at, int | float) or not session.get(DEVICE_ID_SESSION_KEY):
        return False
    return time.time() - at <= settings.LMS_MFA_FRESH_SECONDS


def mark_verified(request: HttpRequest, device: Device) -> None:
    """The session proved ``device``: django-otp's key, the time, and a new session id
    (its privileges grew, as at sign-in)."""
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session[VERIFIED_AT_KEY] = int(time.time())
    request.session[HAS_FACTOR_KEY] = True
