"""The abstract bearer token: what every kind of token stores (see the package's
docstring). A concrete kind sets :attr:`BearerToken.SECRET_PREFIX` and its ``Meta``
(verbose names); its table, ``related_name`` (``<app>_tokens``) and index name
(``<model>_admin``) follow from its app and class."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration


class BearerToken(models.Model):
    SECRET_PREFIX = ""
    """How the kind's secrets begin (``lms_``, ``scim_``): tells a reader which it is."""

    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. the HR system.")
    )
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="%(app_label)s_tokens",
        verbose_name=_("administration"),
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
        abstract = True
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["administration", "created_at"], name="%(class)s_admin")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now: dt.datetime | None = None) -> bool:
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

    @property
    def shown_prefix(self) -> str:
        """How the token begins, as listed to managers."""
        return f"{self.SECRET_PREFIX}{self.prefix}…"
