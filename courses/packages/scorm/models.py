"""SCORM packages (one uploaded zip each) and their launchable items."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.search import index

from lms.accounts.models import Administration

from .manifest import SCORM_12, SCORM_2004, version_label, walk_items


class ScormPackage(index.Indexed, models.Model):
    """One uploaded SCORM package: files stored under ``scorm/<uuid>/`` through Django's
    storage API, the parsed manifest kept as :attr:`manifest` (the model described in
    :mod:`courses.packages.scorm.manifest`). Regional (no administration) or owned by one
    administration, as H5P activities are."""

    VERSIONS = [(SCORM_12, "SCORM 1.2"), (SCORM_2004, "SCORM 2004")]

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=True,
        related_name="scorm_packages",
        verbose_name=_("owned by"),
        help_text=_("Empty for regional packages that every administration may use."),
    )
    identifier = models.CharField(_("manifest identifier"), max_length=255, blank=True)
    version = models.CharField(_("SCORM version"), max_length=8, choices=VERSIONS)
    edition = models.PositiveSmallIntegerField(
        _("SCORM 2004 edition"), null=True, blank=True, help_text=_("2, 3 or 4; empty if unknown.")
    )
    manifest = models.JSONField(_("manifest"), default=dict)
    launchable_count = models.PositiveIntegerField(_("launchable items"), default=0)
    sco_count = models.PositiveIntegerField(_("SCOs"), default=0)
    size_bytes = models.PositiveBigIntegerField(_("package size (bytes)"), default=0)
    unpacked_bytes = models.PositiveBigIntegerField(_("unpacked size (bytes)"), default=0)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        # Searches are scoped to what the author may see (regional and own packages).
        index.FilterField("administration"),
    ]

    class Meta:
        verbose_name = _("SCORM package")
        verbose_name_plural = _("SCORM packages")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def storage_prefix(self) -> str:
        return f"scorm/{self.uuid}"

    @property
    def version_label(self) -> str:
        return version_label(self.version, self.edition)

    @property
    def is_single_sco(self) -> bool:
        """One launchable item: the package plays as one lesson block; several make a
        SCORM course whose organization is the outline."""
        return self.launchable_count == 1

    @property
    def items_summary(self) -> str:
        """ "18 (18 SCOs)": launchable items, of which SCOs (the rest are assets)."""
        return _("%(items)s (%(scos)s SCOs)") % {
            "items": self.launchable_count,
            "scos": self.sco_count,
        }

    @property
    def size_label(self) -> str:
        return filesizeformat(self.size_bytes)

    version_label.fget.short_description = _("version")  # type: ignore[attr-defined]
    items_summary.fget.short_description = _("launchable items")  # type: ignore[attr-defined]
    size_label.fget.short_description = _("size")  # type: ignore[attr-defined]

    def default_organization(self) -> dict[str, Any] | None:
        default = self.manifest.get("default_organization")
        return next(
            (
                organization
                for organization in self.manifest.get("organizations", [])
                if organization.get("identifier") == default
            ),
            None,
        )

    def outline(self) -> list[dict[str, Any]]:
        """The default organization's items as a tree (the manifest's item dicts)."""
        organization = self.default_organization()
        return organization["items"] if organization else []

    def launchable_items(self) -> list[dict[str, Any]]:
        return [item for item in walk_items(self.outline()) if item.get("launchable")]


class ScormItem(models.Model):
    """A launchable item of a package's default organization (a SCO or an asset), in
    the organization's order: what the runtime launches and tracks."""

    SCO = "sco"
    ASSET = "asset"
    TYPES = [(SCO, _("SCO")), (ASSET, _("Asset"))]

    package = models.ForeignKey(ScormPackage, on_delete=models.CASCADE, related_name="items")
    identifier = models.CharField(_("identifier"), max_length=255)
    title = models.CharField(_("title"), max_length=255)
    position = models.PositiveIntegerField(_("position"))
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    resource = models.CharField(_("resource"), max_length=255)
    launch = models.TextField(_("launch address"))
    scorm_type = models.CharField(_("SCORM type"), max_length=8, choices=TYPES)
    is_visible = models.BooleanField(_("visible"), default=True)
    parameters = models.TextField(_("parameters"), blank=True)
    mastery_score = models.FloatField(_("mastery score"), null=True, blank=True)
    completion_threshold = models.FloatField(_("completion threshold"), null=True, blank=True)
    time_limit_action = models.CharField(_("time limit action"), max_length=32, blank=True)
    data_from_lms = models.TextField(_("data from LMS"), blank=True)

    class Meta:
        verbose_name = _("SCORM item")
        verbose_name_plural = _("SCORM items")
        ordering = ["package", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["package", "identifier"], name="scorm_item_once_per_package"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.identifier})"


class ScormSlot(models.Model):
    """Where a package is placed: one SCORM block of one lesson translation (as
    :class:`courses.models.LessonActivity` is for H5P). Rebuilt from the lesson's body when
    the lesson is published (:func:`courses.packages.scorm.services.scorm_slots_sync`), so
    that a commit finds the lesson, the course and the rule without loading the page."""

    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="scorm_slots"
    )
    block_id = models.CharField(max_length=64)
    package = models.ForeignKey(ScormPackage, on_delete=models.PROTECT, related_name="slots")
    required = models.BooleanField(_("required"), default=True)
    lesson_key = models.UUIDField()
    course_key = models.UUIDField(db_index=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("SCORM block")
        verbose_name_plural = _("SCORM blocks")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "block_id"], name="scorm_slot_once")
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id}:{self.block_id}"


class ScormRuntimeData(models.Model):
    """An officer's run-time data of one SCO of a package (SCORM 1.2 ``cmi.core.*`` or
    SCORM 2004 ``cmi.*``), written by commits from the player
    (:func:`courses.packages.scorm.services.scorm_commit`). Statuses are kept as SCORM 2004
    names them (1.2's ``lesson_status`` is also kept as written). Times in seconds:
    ``total_seconds`` sums the closed sessions, ``session_seconds`` is the open one's.

    The values are the browser's claims: they move lesson progress, never a certificate.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scorm_data"
    )
    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="+", db_index=True
    )
    package = models.ForeignKey(ScormPackage, on_delete=models.CASCADE, related_name="+")
    item = models.CharField(_("item identifier"), max_length=255)
    seq = models.BigIntegerField(
        default=0, help_text=_("The newest commit's sequence number: older ones change nothing.")
    )
    session = models.CharField(max_length=64, blank=True)
    location = models.TextField(blank=True)
    suspend_data = models.TextField(blank=True)
    lesson_status = models.CharField(max_length=16, blank=True)
    completion_status = models.CharField(max_length=16, default="not attempted")
    success_status = models.CharField(max_length=16, default="unknown")
    exit = models.CharField(max_length=16, blank=True)
    score_raw = models.FloatField(null=True, blank=True)
    score_min = models.FloatField(null=True, blank=True)
    score_max = models.FloatField(null=True, blank=True)
    score_scaled = models.FloatField(null=True, blank=True)
    progress_measure = models.FloatField(null=True, blank=True)
    total_seconds = models.FloatField(default=0)
    session_seconds = models.FloatField(default=0)
    attempt_count = models.PositiveIntegerField(default=1)
    ended = models.BooleanField(
        default=False, help_text=_("The last session ended (LMSFinish or Terminate).")
    )
    interactions = models.JSONField(default=list, blank=True)
    objectives = models.JSONField(default=list, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SCORM run-time data")
        verbose_name_plural = _("SCORM run-time data")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "package", "item"], name="scorm_runtime_once_per_sco"
            )
        ]
        indexes = [models.Index(fields=["administration", "package"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.package_id} · {self.item}"
