"""The second factor is on for these tests (the suite's settings turn it off)."""

from __future__ import annotations

import time
from binascii import unhexlify

import pytest
from django_otp.oath import hotp


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.LMS_MFA_REQUIRED = True


def code_at(key_hex: str, offset_steps: int = 0) -> str:
    """The code an authenticator app shows for ``key_hex`` now (or ``offset_steps`` time
    steps of 30 s later): RFC 6238 computed by django-otp's own HOTP, not by lms.mfa."""
    step = int(time.time()) // 30 + offset_steps
    return f"{hotp(unhexlify(key_hex), step, digits=6):06d}"
