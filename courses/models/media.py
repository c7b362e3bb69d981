"""Who owns the images and documents of a Wagtail collection.

Each administration keeps its images and documents in its own collection (Root > "PER",
Root > "PAN", ...), and regional ones live in Root > "Regional". A document is the
administration's whose collection it is in, directly or in a sub-collection; anything
outside every administration's collection is regional. The collections and their
permissions are made by ``courses.services.media_collections_sync`` (and the data
migration that introduced them).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from wagtail.models import Collection

from lms.accounts.models import Administration


class AdministrationCollection(models.Model):
    collection = models.OneToOneField(
        Collection, on_delete=models.CASCADE, related_name="administration_owner"
    )
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owned by"),
        help_text=_("Empty for the regional collection."),
    )

    class Meta:
        verbose_name = _("media collection of an administration")
        verbose_name_plural = _("media collections of administrations")
        constraints = [
            # One collection per administration, and one regional collection.
            models.UniqueConstraint(
                Coalesce("administration", Value(0)), name="one_media_collection_per_owner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection} ({self.administration or _('regional')})"
