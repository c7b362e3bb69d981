"""SCIM 2.0 provisioning (issue 16): the tokens an administration's HR system or identity
provider uses, and what SCIM keeps about the users and units it provisions.

Why not :class:`lms.api.models.ApiToken`: an API token opens the REST API (read or
read-write scopes over officers, assignments, certificates); a SCIM token opens only
``/scim/v2/``. Keeping them apart means a leaked SCIM token cannot read certificates and a
leaked API token cannot create accounts, and each list shows managers what it is for. Both
are kinds of one :class:`lms.tokens.models.BearerToken`: the secret shown once, stored as
its SHA-256 digest with an eight-character prefix to recognise it, an expiry, and
revocation.

:class:`ScimUser` and :class:`ScimGroup` hold the SCIM-only facts of a user or a unit: the
client's ``externalId`` (unique per administration), the given, family and display names
as the client sent them (the platform keeps one full name), every e-mail address the
client sent (:class:`ScimEmail` rows; the platform writes to the primary one), the
enterprise ``organization`` as asserted, whether ``active`` was removed, when SCIM last
changed the row, and, for users, that SCIM deleted them (the account is only
deactivated: officers' training records stay, and SCIM answers 404 for it from then on,
as RFC 7644 §3.6 requires).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration, Unit
from lms.tokens.models import BearerToken


class ScimToken(BearerToken):
    """A SCIM token: the shared parts only (:class:`lms.tokens.models.BearerToken`)."""

    SECRET_PREFIX = "scim_"

    class Meta(BearerToken.Meta):
        verbose_name = _("SCIM token")
        verbose_name_plural = _("SCIM tokens")


class ScimUser(models.Model):
    """The SCIM side of one user (created at the first SCIM write that concerns them)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim", primary_key=True
    )
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=255, blank=True)
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    # The enterprise ``organization`` as the client sent it (it can only name the
    # token's administration); empty when the client did not assert one.
    organization = models.CharField(max_length=200, blank=True)
    # ``active`` removed (unassigned, RFC 7644 §3.5.2.2): the account is inactive and
    # SCIM returns no ``active`` until a client asserts one again.
    active_unassigned = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "external_id"],
                condition=~Q(external_id=""),
                name="scimuser_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"SCIM {self.user_id}"

    @property
    def emails(self) -> list[dict[str, Any]]:
        """The addresses as the client sent them, in its order (``{"value", "type",
        "primary"}`` each); uses a ``prefetch_related("addresses")`` cache when present."""
        rows = sorted(self.addresses.all(), key=lambda row: row.position)
        return [
            {"value": row.value, "type": row.type or None, "primary": row.primary} for row in rows
        ]


class ScimEmail(models.Model):
    """One e-mail address a SCIM client sent for a user, as sent (RFC 7643 §4.1.2).

    A row per address rather than a JSON list, so that filters on the multi-valued
    ``emails`` (RFC 7644 §3.4.2.2: a user matches when *any* address matches, and
    ``emails[type eq "work" and value co "@x"]`` when one address matches both) are plain
    indexed SQL on SQLite and PostgreSQL alike: JSON array lookups differ between the
    two (``json_each`` against ``jsonb`` operators) and neither indexes a case-insensitive
    match inside an array.

    ``chosen`` marks the address the platform writes to (the primary one, else the
    first), which is also ``User.email``: filters read that address from ``User.email``
    (it may since have been changed on the platform) with this row's type and primary.
    """

    owner = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="addresses")
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    value = models.CharField(max_length=254)
    type = models.CharField(max_length=32, blank=True)  # "": none sent
    primary = models.BooleanField(null=True, blank=True)
    chosen = models.BooleanField(default=False)

    class Meta:
        ordering = ["owner", "position"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "position"], name="scimemail_position"),
            models.UniqueConstraint(
                fields=["owner"], condition=Q(chosen=True), name="scimemail_one_chosen"
            ),
        ]
        indexes = [
            # Filters (``emails eq "x"``) compare LOWER(value); tenancy comes from the
            # user the row belongs to (the filter's users are the token's administration's).
            models.Index(Lower("value"), name="scimemail_value_lower"),
        ]

    def __str__(self) -> str:
        return self.value


class ScimGroup(models.Model):
    """The SCIM side of one unit."""

    unit = models.OneToOneField(
        Unit, on_delete=models.CASCADE, related_name="scim", primary_key=True
    )
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "external_id"],
                condition=~Q(external_id=""),
                name="scimgroup_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"SCIM unit {self.unit_id}"
