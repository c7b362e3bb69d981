"""API tokens: how an administration's other systems (HR, a ministry's dashboard) reach
the REST API.

A token belongs to one administration and acts for it only. The secret is shown once,
when the token is created; the database keeps its SHA-256 digest (``key_hash``) and the
first characters (``prefix``) that let a manager recognise it in the list. A token has
an expiry (at most a year) and can be revoked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration


class ApiToken(models.Model):
    class Scopes(models.TextChoices):
        READ = "read", _("Read")
        READ_WRITE = "read write", _("Read and write")

    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. the HR system.")
    )
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("administration"),
    )
    scopes = models.CharField(
        _("access"), max_length=16, choices=Scopes.choices, default=Scopes.READ
    )
    prefix = models.CharField(_("prefix"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["administration", "created_at"], name="apitoken_admin")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scopes == self.Scopes.READ_WRITE

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired()

    @property
    def state(self) -> str:
        """``revoked``, ``expired`` or ``active``."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.is_expired() else "active"
