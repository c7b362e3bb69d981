"""Second factors: enrolment, verification with an account-wide lockout, recovery codes,
removal; each writes its audit record (lms/audit): here, or, for devices created and
deleted, in lms/mfa/signals.py, which every path goes through (the Django admin too).

Failed codes (TOTP or recovery) count per account in a :class:`Budget`
(``LMS_MFA_FAILURE_RATE``, 5 per 15 minutes by default); reaching it locks the account's
code entry for ``LMS_MFA_LOCKOUT_SECONDS`` (one ``MFA_LOCKOUT`` record), during which no
code is even checked. django-otp's own per-device delay is off
(``OTP_TOTP_THROTTLE_FACTOR = 0``): one count per account covers every device, so
alternating between a TOTP app and recovery codes gains nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from lms.accounts.models import User
from lms.accounts.roles import Role, is_privileged, roles_of
from lms.accounts.throttles import Budget, Rate
from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from .models import (
    EnrolmentWindow,
    PasskeyDevice,
    RecoveryCode,
    RecoveryCodeDevice,
    recovery_code_digest,
)

RECOVERY_CODE_COUNT = 10
CodeKind = Literal["totp", "recovery"]


class CodeRefused(Exception):
    """A code was not accepted: ``locked`` (with the seconds to wait) or wrong."""

    def __init__(self, *, locked_for: int | None = None) -> None:
        super().__init__("locked" if locked_for else "invalid")
        self.locked_for = locked_for


class LastFactor(Exception):
    """A privileged person may not remove their only second factor."""


class EnrolmentClosed(Exception):
    """A privileged person's first factor needs an open enrolment window
    (``LMS_MFA_ENROLMENT_WINDOW``) and has none."""


# --- what a person has -----------------------------------------------------------------


def totp_devices_of(user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"))


def passkeys_of(user: User) -> list[PasskeyDevice]:
    return list(PasskeyDevice.objects.filter(user=user, confirmed=True).order_by("pk"))


def recovery_device_of(user: User) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.filter(user=user).first()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user).count()


def has_factor(user: User) -> bool:
    """Whether ``user`` has a TOTP app or a passkey (recovery codes only back them up)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or PasskeyDevice.objects.filter(user=user, confirmed=True).exists()
    )


def _audit(user: User, action: AuditAction, device: Device | None = None, **after: object) -> None:
    audit_record(
        actor=user,
        action=action,
        administration=user.administration_id,
        target=device,
        target_repr=device.name if device is not None else "",
        after=after or None,
    )


# --- lockout ---------------------------------------------------------------------------


def _failures() -> Budget:
    return Budget("mfa-failures", Rate.parse(settings.LMS_MFA_FAILURE_RATE))


def _lock() -> Budget:
    return Budget("mfa-lock", Rate(1, max(1, int(settings.LMS_MFA_LOCKOUT_SECONDS))))


def lockout_wait(user: User) -> int | None:
    """Seconds until ``user`` may type codes again; None when not locked."""
    return _lock().spent(str(user.pk))


def _count_failure(user: User, kind: str) -> int | None:
    """One failed code: recorded, counted; returns the lock's wait when this failure
    reached the budget (and records the lockout once)."""
    _audit(user, AuditAction.SIGN_IN_FAILED, second_factor=kind)
    identity = str(user.pk)
    _failures().hit(identity)
    if _failures().spent(identity) is None:
        return None
    _lock().hit(identity)
    _audit(
        user,
        AuditAction.MFA_LOCKOUT,
        failures=_failures().rate.count,
        seconds=int(settings.LMS_MFA_LOCKOUT_SECONDS),
    )
    return lockout_wait(user)


# --- first enrolment of a privileged person ----------------------------------------------
#
# Without a window, whoever holds a privileged account's password could enrol their own
# authenticator as its first factor, and the second factor would protect the account for
# them. With ``LMS_MFA_ENROLMENT_WINDOW`` on, that first enrolment needs a window a
# platform admin opened for this person (after checking who they are, out of band), for
# ``LMS_MFA_ENROLMENT_WINDOW_HOURS`` hours; the enrolment uses it up. Officers (who opt in)
# and later factors (which need the first one proven) are not concerned.


def enrolment_needs_window(user: User) -> bool:
    """Whether ``user``'s next enrolment needs an open window (a privileged person with
    no factor yet, while the setting is on)."""
    return bool(settings.LMS_MFA_ENROLMENT_WINDOW) and is_privileged(user) and not has_factor(user)


def enrolment_window_of(user: User) -> EnrolmentWindow | None:
    """``user``'s open, unused window, if any."""
    return (
        EnrolmentWindow.objects.filter(
            user=user, used_at__isnull=True, closes_at__gt=timezone.now()
        )
        .order_by("-closes_at")
        .first()
    )


def enrolment_window_open(*, actor: User, user: User, hours: int | None = None) -> EnrolmentWindow:
    """Let ``user`` enrol their first factor within ``hours`` (default
    ``LMS_MFA_ENROLMENT_WINDOW_HOURS``). Platform admins only, never for themselves."""
    if Role.PLATFORM_ADMIN not in roles_of(actor) or actor.pk == user.pk or not actor.is_active:
        raise PermissionDenied
    hours = settings.LMS_MFA_ENROLMENT_WINDOW_HOURS if hours is None else hours
    if not isinstance(hours, int) or not 1 <= hours <= 24 * 7:
        raise ValueError("an enrolment window lasts 1 hour to 7 days")
    with transaction.atomic():
        window = EnrolmentWindow.objects.create(
            user=user, opened_by=actor, closes_at=timezone.now() + dt.timedelta(hours=hours)
        )
        audit_record(
            actor=actor,
            action=AuditAction.MFA_ENROLMENT_WINDOW,
            administration=user.administration_id,
            target=user,
            after={"user": user.get_username(), "hours": hours, "closes_at": window.closes_at},
        )
    return window


def _claim_enrolment(user: User) -> None:
    """Inside an enrolment's transaction: use the window up, or :class:`EnrolmentClosed`."""
    if not enrolment_needs_window(user):
        return
    window = (
        EnrolmentWindow.objects.select_for_update()
        .filter(user=user, used_at__isnull=True, closes_at__gt=timezone.now())
        .order_by("-closes_at")
        .first()
    )
    if window is None:
        raise EnrolmentClosed()
    window.used_at = timezone.now()
    window.save(update_fields=["used_at"])


# --- TOTP ------------------------------------------------------------------------------


def totp_new_key() -> str:
    return random_hex(20)


def totp_secret_text(key_hex: str) -> str:
    """The secret as authenticator apps take it typed in (base32, in groups of four)."""
    text = b32encode(unhexlify(key_hex)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_config_url(*, user: User, key_hex: str) -> str:
    """The ``otpauth://`` address the QR code carries (django-otp's, from an unsaved
    device)."""
    return TOTPDevice(user=user, key=key_hex).config_url


def _totp_match(key_hex: str, code: str) -> int | None:
    """The time step ``code`` matches for ``key_hex`` (one step either side), else None."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = TOTP(unhexlify(key_hex), step=30, t0=0, digits=6)
    totp.time = time.time()
    return totp.t() if totp.verify(int(code), tolerance=1) else None


def totp_enrol(*, user: User, key_hex: str, code: str, name: str) -> TOTPDevice:
    """Save a TOTP app once ``code`` proves it was set up with ``key_hex`` (a privileged
    person's first one within an enrolment window, see above: :class:`EnrolmentClosed`)."""
    if enrolment_needs_window(user) and enrolment_window_of(user) is None:
        raise EnrolmentClosed()
    if wait := lockout_wait(user):
        raise CodeRefused(locked_for=wait)
    step = _totp_match(key_hex, code)
    if step is None:
        raise CodeRefused(locked_for=_count_failure(user, "totp"))
    with transaction.atomic():
        _claim_enrolment(user)
        # last_t: the code just typed cannot be replayed to sign in.
        # The trail's MFA_ENROL record: lms/mfa/signals.py (every path that creates one).
        device = TOTPDevice.objects.create(
            user=user, name=name, key=key_hex, confirmed=True, last_t=step
        )
    return device


# --- codes at sign-in --------------------------------------------------------------------


def code_verify(*, user: User, code: str, kind: CodeKind) -> Device:
    """The device that accepts ``code`` (a TOTP code, or a recovery code, consumed), or
    :class:`CodeRefused`. A replayed TOTP code is refused (django-otp keeps the last time
    step used)."""
    if wait := lockout_wait(user):
        raise CodeRefused(locked_for=wait)
    code = (code or "").strip()[:64]
    accepted: Device | None = None
    with transaction.atomic():
        if kind == "totp":
            devices = TOTPDevice.objects.filter(user=user, confirmed=True).select_for_update()
        else:
            devices = RecoveryCodeDevice.objects.filter(user=user).select_for_update()
        for device in devices.order_by("pk"):
            if code and device.verify_token(code):
                accepted = device
                break
        if accepted is not None:
            if kind == "recovery":
                _audit(
                    user,
                    AuditAction.MFA_RECOVERY_USED,
                    accepted,
                    remaining=accepted.codes.count(),
                )
            _audit(user, AuditAction.SIGN_IN, accepted, second_factor=kind)
    if accepted is None:
        raise CodeRefused(locked_for=_count_failure(user, kind))
    return accepted


# --- recovery codes --------------------------------------------------------------------


def _new_recovery_code() -> str:
    text = b32encode(secrets.token_bytes(10)).decode().lower()[:12]  # 60 bits
    return f"{text[:4]}-{text[4:8]}-{text[8:12]}"


def recovery_codes_generate(*, user: User) -> list[str]:
    """Ten new recovery codes (any earlier ones stop working); returned once, stored
    only as digests."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        device, _created = RecoveryCodeDevice.objects.get_or_create(
            user=user, defaults={"name": "Recovery codes"}
        )
        device.codes.all().delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device=device, digest=recovery_code_digest(code)) for code in codes
        )
        _audit(user, AuditAction.MFA_RECOVERY_CODES, device, count=len(codes))
    return codes


# --- passkeys and removal -----------------------------------------------------------------


def passkey_enrol(
    *, user: User, name: str, credential_id: str, credential_data: bytes, sign_count: int
) -> PasskeyDevice:
    with transaction.atomic():
        _claim_enrolment(user)
        device = PasskeyDevice.objects.create(
            user=user,
            name=name,
            credential_id=credential_id,
            credential_data=credential_data,
            sign_count=sign_count,
        )  # its MFA_ENROL record: lms/mfa/signals.py
    return device


def passkey_refused(*, user: User) -> None:
    """A passkey answer that did not verify: recorded (no code was typed, nothing to
    guess: it does not count towards the lockout)."""
    _audit(user, AuditAction.SIGN_IN_FAILED, second_factor="passkey")


def passkey_signed_in(*, device: PasskeyDevice, sign_count: int) -> None:
    with transaction.atomic():
        device.sign_count = sign_count
        device.set_last_used_timestamp(commit=False)
        device.save(update_fields=["sign_count", "last_used_at"])
        _audit(device.user, AuditAction.SIGN_IN, device, second_factor="passkey")


@dataclass(frozen=True)
class Removed:
    kind: str
    name: str


def device_remove(*, user: User, device: TOTPDevice | PasskeyDevice, privileged: bool) -> Removed:
    """Remove one of ``user``'s TOTP apps or passkeys. A privileged person keeps at least
    one (:class:`LastFactor`); whoever removes their last one loses their recovery codes
    too (nothing left for them to back up)."""
    kind = "passkey" if isinstance(device, PasskeyDevice) else "totp"
    with transaction.atomic():
        others = len(totp_devices_of(user)) + len(passkeys_of(user)) - 1
        if others < 1 and privileged:
            raise LastFactor()
        removed = Removed(kind=kind, name=device.name)
        device.delete()  # the MFA_REMOVE record (and recovery codes'): lms/mfa/signals.py
        if others < 1:
            RecoveryCodeDevice.objects.filter(user=user).delete()
    return removed
