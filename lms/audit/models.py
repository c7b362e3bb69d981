"""The audit trail: one append-only row per privileged action (issue 16).

Who (the actor's id, a snapshot of their username and full name, and their
administration at the time), what (a stable action code, shown with a translated label),
which administration the action concerns, the target (content type, id and a text
snapshot), when, from where (client address, user agent, request id) and the state
before and after, as JSON.

A row is never changed and never deleted by the application: :meth:`AuditRecord.save`
refuses an existing row, :meth:`AuditRecord.delete` and the queryset's ``update`` and
``delete`` refuse always, and database triggers refuse raw SQL too (see
``migrations/0002_append_only.py`` and :mod:`lms.audit.retention`, the only path that
may delete, and only rows older than the retention).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditImmutable(Exception):
    """Raised when code tries to change or delete an audit record."""


class AuditAction(models.TextChoices):
    """Stable codes: stored in rows and exports, never renamed (add new ones instead)."""

    USER_ROLES_CHANGE = "user.roles_change", _("Roles changed")
    OFFICER_IMPORT_APPLY = "officer_import.apply", _("Officer import applied")
    ASSIGNMENT_CREATE = "assignment.create", _("Assignment created")
    ASSIGNMENT_WITHDRAW = "assignment.withdraw", _("Assignment withdrawn")
    CERTIFICATE_REVOKE = "certificate.revoke", _("Certificate revoked")
    CERTIFICATE_REISSUE = "certificate.reissue", _("Certificate reissued")
    GRADE_MANUAL = "grade.manual", _("Response graded by hand")
    QUESTION_KEY_EDIT = "question.version", _("Question edited (new version)")
    BANK_OWNER_CHANGE = "bank.owner_change", _("Question bank ownership changed")
    API_TOKEN_CREATE = "api_token.create", _("API token created")
    API_TOKEN_REVOKE = "api_token.revoke", _("API token revoked")
    EXPORT_DOWNLOAD = "export.download", _("Personal data exported")
    EXPORT_REQUEST = "export.request", _("Personal data export requested by e-mail")
    AUDIT_EXPORT = "audit.export", _("Audit trail exported")
    # Identity (issue 16): single sign-on, second factors, SCIM provisioning.
    SIGN_IN = "auth.sign_in", _("Signed in")
    SIGN_IN_FAILED = "auth.sign_in_failed", _("Sign-in refused")
    SIGN_OUT = "auth.sign_out", _("Signed out through the identity provider")
    SIGN_OUT_REFUSED = "auth.sign_out_refused", _("Single logout refused")
    SIGN_IN_LOCKOUT = "auth.lockout", _("Sign-in locked after failed passwords")
    SIGN_IN_PASSWORD = "auth.password_accepted", _("Password accepted, second factor asked")
    SIGN_IN_SETTINGS_CHANGE = "auth.settings_change", _("Sign-in settings changed")
    IDENTITY_PROVIDER_CHANGE = "idp.change", _("Identity provider configured")
    IDENTITY_PROVIDER_DELETE = "idp.delete", _("Identity provider removed")
    ACCOUNT_LINK = "idp.account_link", _("Account linked to an identity provider")
    ACCOUNT_CREATE_JIT = "idp.account_create", _("Account created at first sign-in")
    MFA_ENROL = "mfa.enrol", _("Second factor enrolled")
    MFA_REMOVE = "mfa.remove", _("Second factor removed")
    MFA_RECOVERY_CODES = "mfa.recovery_codes", _("Recovery codes generated")
    MFA_RECOVERY_CODES_REMOVE = "mfa.recovery_codes_remove", _("Recovery codes removed")
    MFA_ENROLMENT_WINDOW = "mfa.enrolment_window", _("Second-factor enrolment window opened")
    MFA_RECOVERY_USED = "mfa.recovery_used", _("Recovery code used")
    MFA_LOCKOUT = "mfa.lockout", _("Second factor locked after failed codes")
    SCIM_TOKEN_CREATE = "scim_token.create", _("SCIM token created")
    SCIM_TOKEN_REVOKE = "scim_token.revoke", _("SCIM token revoked")
    SCIM_USER_CREATE = "scim.user_create", _("User provisioned by SCIM")
    SCIM_USER_UPDATE = "scim.user_update", _("User updated by SCIM")
    SCIM_USER_DEACTIVATE = "scim.user_deactivate", _("User deactivated by SCIM")
    SCIM_GROUP_CHANGE = "scim.group_change", _("Unit changed by SCIM")


class AuditRecordQuerySet(models.QuerySet["AuditRecord"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("audit records cannot be updated")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AuditImmutable("audit records are deleted only by retention pruning")


class AuditRecord(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # The actor: an id without a database constraint (deleting a user keeps the trail),
    # and a snapshot of who they were.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("actor's username"), max_length=150, blank=True)
    actor_name = models.CharField(_("actor's name"), max_length=200, blank=True)
    actor_administration = models.ForeignKey(
        "accounts.Administration",
        verbose_name=_("actor's administration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    administration = models.ForeignKey(
        "accounts.Administration",
        verbose_name=_("administration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_records",
        help_text=_("The administration the action concerns (none: platform-wide)."),
    )
    action = models.CharField(_("action"), max_length=64, choices=AuditAction.choices)
    target_type = models.ForeignKey(
        ContentType,
        verbose_name=_("target type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=300, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["administration", "-at"], name="audit_admin_at"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutable("audit records cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("audit records are deleted only by retention pruning")
