"""Second factors' signals.

- At sign-in, note in the session whether the person has a second factor, so that the
  middleware knows without a query on every page whether an officer who opted in must
  prove it (privileged people must, whatever the note says); and record the sign-in in
  the trail (:func:`lms.audit.sign_ins.record_password_sign_in`: ``SIGN_IN``, or
  ``SIGN_IN_PASSWORD`` when the factor must still follow).
- Every second factor created or deleted, by any path (the security pages, a cascade,
  ``/django-admin/``, a shell), writes its trail record here, once: ``MFA_ENROL`` for a
  TOTP app or a passkey created, ``MFA_REMOVE`` for one deleted,
  ``MFA_RECOVERY_CODES_REMOVE`` when a person's recovery codes go. The actor is whoever
  is signed in to the request (the owner on the security pages, a platform admin in the
  Django admin; nobody outside a request); the record belongs to the owner's
  administration, and names the owner when someone else acted. Recovery codes generated
  are recorded by :func:`lms.mfa.services.recovery_codes_generate` (a bulk write sends no
  signal).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.accounts.roles import is_privileged
from lms.audit.context import current_user
from lms.audit.models import AuditAction
from lms.audit.services import audit_record
from lms.audit.sign_ins import record_password_sign_in

from . import services
from .models import PasskeyDevice, RecoveryCodeDevice
from .session import HAS_FACTOR_KEY, is_verified


@receiver(user_logged_in, dispatch_uid="lms.mfa.note_factor")
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    pending = False
    if session is not None and settings.LMS_MFA_REQUIRED:
        has_factor = session[HAS_FACTOR_KEY] = services.has_factor(user)
        pending = not is_verified(session) and (has_factor or is_privileged(user))
    record_password_sign_in(request, user, second_factor_pending=pending)


def _kind(device: Device) -> str:
    if isinstance(device, PasskeyDevice):
        return "passkey"
    return "recovery" if isinstance(device, RecoveryCodeDevice) else "totp"


def _record(action: AuditAction, device: Device, facts: dict[str, Any], *, deleted: bool) -> None:
    owner = device.user
    actor = current_user()
    if actor is None or actor.pk != owner.pk:
        facts["user"] = owner.get_username()
    audit_record(
        actor=actor,
        action=action,
        administration=owner.administration_id,
        target=device,
        target_repr=device.name,
        before=facts if deleted else None,
        after=None if deleted else facts,
    )


@receiver(post_save, sender=TOTPDevice, dispatch_uid="lms.mfa.totp_created")
@receiver(post_save, sender=PasskeyDevice, dispatch_uid="lms.mfa.passkey_created")
def _factor_created(sender: Any, instance: Device, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    facts: dict[str, Any] = {"kind": _kind(instance)}
    if not instance.confirmed:
        facts["confirmed"] = False
    _record(AuditAction.MFA_ENROL, instance, facts, deleted=False)


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="lms.mfa.totp_deleted")
@receiver(post_delete, sender=PasskeyDevice, dispatch_uid="lms.mfa.passkey_deleted")
def _factor_deleted(sender: Any, instance: Device, **kwargs: Any) -> None:
    facts = {"kind": _kind(instance), "name": instance.name}
    _record(AuditAction.MFA_REMOVE, instance, facts, deleted=True)


@receiver(post_delete, sender=RecoveryCodeDevice, dispatch_uid="lms.mfa.recovery_deleted")
def _recovery_codes_deleted(sender: Any, instance: RecoveryCodeDevice, **kwargs: Any) -> None:
    _record(AuditAction.MFA_RECOVERY_CODES_REMOVE, instance, {"kind": "recovery"}, deleted=True)
