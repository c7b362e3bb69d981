"""API tokens: how an administration's other systems (HR, a ministry's dashboard) reach
the REST API.

A token belongs to one administration and acts for it only. The secret is shown once,
when the token is created; the database keeps its SHA-256 digest (``key_hash``) and the
first characters (``prefix``) that let a manager recognise it in the list. A token has
an expiry (at most a year) and can be revoked.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.tokens.models import BearerToken


class ApiToken(BearerToken):
    """An API token (the shared parts: :class:`lms.tokens.models.BearerToken`), with its
    access: read, or read and write."""

    SECRET_PREFIX = "lms_"

    class Scopes(models.TextChoices):
        READ = "read", _("Read")
        READ_WRITE = "read write", _("Read and write")

    scopes = models.CharField(
        _("access"), max_length=16, choices=Scopes.choices, default=Scopes.READ
    )

    class Meta(BearerToken.Meta):
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @property
    def can_write(self) -> bool:
        return self.scopes == self.Scopes.READ_WRITE
