"""Second-factor devices of the platform's own (issue 16).

TOTP apps use django-otp's ``TOTPDevice`` as it is. Two devices are ours, both
django-otp devices so that django-otp's session key and device lookup serve all three:

- :class:`RecoveryCodeDevice`: ten one-time recovery codes, stored as SHA-256 digests
  (django-otp's static device keeps its codes in clear text). A code is random (60 bits),
  so a plain digest is enough: nothing guessable to brute-force offline.
- :class:`PasskeyDevice`: one WebAuthn credential (a passkey or a security key), checked
  with python-fido2 (:mod:`lms.mfa.passkeys`).

Devices belong to a person, not to an administration: a platform admin or a regional
coordinator has none, and nobody but their owner lists them.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin


def recovery_code_digest(code: str) -> str:
    """The stored form of a recovery code, whatever its case, spaces or dashes."""
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """The set of a person's recovery codes: each works once."""

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return 0  # the account's budget counts failures (lms/mfa/services.py)

    def verify_token(self, token: str) -> bool:
        """Consume ``token`` when it is one of the unused codes (deleted in the same
        transaction, so it never works twice)."""
        deleted, _rows = self.codes.filter(digest=recovery_code_digest(str(token))).delete()
        if deleted:
            self.set_last_used_timestamp(commit=True)
        return bool(deleted)


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="mfa_recovery_code_once")
        ]

    def __str__(self) -> str:
        return f"recovery code {self.pk}"  # never the code: only its digest is kept


class PasskeyDevice(TimestampMixin, Device):
    """A WebAuthn credential: its id (base64url) and the attested credential data (COSE
    public key) that verifies its signatures; the signature counter detects clones."""

    credential_id = models.CharField(max_length=1400, unique=True)
    credential_data = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)

    class Meta(Device.Meta):
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")

    def verify_token(self, token: str) -> bool:
        return False  # verified by a signed challenge, never by a typed code


class EnrolmentWindow(models.Model):
    """Time within which a privileged person may enrol their first second factor, opened
    by a platform admin (``LMS_MFA_ENROLMENT_WINDOW``); used by that enrolment, once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closes_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "closes_at"], name="mfa_window_user")]

    def __str__(self) -> str:
        return f"enrolment window {self.pk}"
