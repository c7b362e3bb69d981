"""Assignments of training with due dates, and the history of officer imports.

An :class:`Assignment` is what a manager decided: this course (or programme) for these
officers and these units, due on this day. :class:`OfficerAssignment` is what it means for
one officer: a row per officer (a unit's later joiners get theirs when they join), with
its completion and the reminders sent. Rows, not a query over units, because reminders
and "Assigned to me" need per-officer state, and the dashboard counts overdue rows in one
indexed query.
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration, Unit


class Assignment(models.Model):
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("administration"),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("course"),
        help_text=_("The translation the manager picked; any translation counts."),
    )
    course_key = models.UUIDField(null=True, blank=True, db_index=True)
    programme = models.ForeignKey(
        "certificates.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("certification programme"),
    )
    due_on = models.DateField(_("due date"))
    note = models.TextField(_("note to officers"), blank=True)
    units = models.ManyToManyField(
        Unit, blank=True, related_name="assignments", verbose_name=_("units")
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="direct_assignments",
        verbose_name=_("officers"),
    )
    include_subunits = models.BooleanField(
        _("include sub-units"),
        default=True,
        help_text=_("Officers of units inside the chosen units are assigned too."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=(Q(course_key__isnull=False) & Q(programme__isnull=True))
                | (Q(course_key__isnull=True) & Q(programme__isnull=False)),
                name="assignment_course_or_programme",
            ),
        ]
        indexes = [models.Index(fields=["administration", "due_on"])]

    def __str__(self) -> str:
        return f"{self.administration_id} · {self.course_key or self.programme_id} · {self.due_on}"


class OfficerAssignment(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="records")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    # Copied from the assignment so that "overdue" is one indexed filter.
    course_key = models.UUIDField(null=True, blank=True)
    programme = models.ForeignKey(
        "certificates.Programme", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    via_unit = models.BooleanField(default=False)
    assigned_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminded_due_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("officer's assignment")
        verbose_name_plural = _("officers' assignments")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "officer"], name="assignment_once"),
        ]
        indexes = [
            models.Index(fields=["administration", "completed_at", "due_on"], name="oa_admin_open"),
            models.Index(fields=["officer", "completed_at"], name="oa_officer_open"),
        ]

    def __str__(self) -> str:
        return f"{self.officer_id} · {self.assignment_id}"


def import_file_path(instance: OfficerImport, filename: str) -> str:
    """Stored under a random name (the uploaded name is kept in ``filename``): a name a
    manager chose could be guessed from outside, and must never reach a URL."""
    extension = os.path.splitext(filename)[1].lower()[:8]
    folder = instance.administration.code if instance.administration_id else "unassigned"
    return f"tracking/imports/{folder}/{uuid.uuid4().hex}{extension}"


class OfficerImport(models.Model):
    """One upload of an officers file: previewed, then applied (or not)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        QUEUED = "queued", _("Queued")
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="officer_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to=import_file_path, blank=True)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEWED)
    row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    invited_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    send_invitations = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("officer import")
        verbose_name_plural = _("officer imports")
        indexes = [models.Index(fields=["administration", "created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


def mailed_export_path(instance: MailedExport, filename: str) -> str:
    """A random name under the administration's folder; served only through the download
    view, which checks who asks (lms/tracking/mailed_exports.py)."""
    return f"tracking/exports/{instance.administration.code}/{uuid.uuid4().hex}.xlsx"


class MailedExport(models.Model):
    """An XLSX export too large to stream in the request: built by a task, then mailed to
    its requester as a link to the download view (lms/tracking/mailed_exports.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="mailed_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20)
    query = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to=mailed_export_path, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["administration", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.administration_id} ({self.status})"
