"""Manual grading (essays): the files an officer attaches to an essay and the grades a
training manager gives. Grades are kept as history: a regrade adds a row and makes it
the current one, the earlier rows stay."""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration

from .attempts import Attempt, Response


def essay_file_key() -> str:
    """The id the attempt page and the answer carry for a stored file: 128 random bits,
    so that it cannot be guessed (access is checked as well)."""
    return secrets.token_hex(16)


def essay_file_path(instance: EssayFile, filename: str) -> str:
    """Stored under the administration's folder with a random name; the officer's own
    file name is kept in ``filename`` and never reaches the storage."""
    extension = os.path.splitext(filename)[1].lower()[:8]
    return f"assessments/essays/{instance.administration.code}/{secrets.token_hex(16)}{extension}"


class EssayFile(models.Model):
    """A file attached to an essay response (``response.answer["files"]`` holds keys)."""

    key = models.CharField(max_length=32, unique=True, default=essay_file_key, editable=False)
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="essay_files")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="files")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(upload_to=essay_file_path)
    filename = models.CharField(_("file"), max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("essay file")
        verbose_name_plural = _("essay files")
        indexes = [
            models.Index(fields=["administration", "attempt"], name="essay_file_admin_attempt")
        ]

    def __str__(self) -> str:
        return self.filename


class ManualGrade(models.Model):
    """One grade a person gave to one response. ``current`` marks the grade that counts;
    a regrade clears it on the earlier row and adds a new one (history kept)."""

    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="manual_grades")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="manual_grades")
    grader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    graded_at = models.DateTimeField(auto_now_add=True)
    rubric = models.JSONField(default=dict, blank=True)
    """Criterion id → chosen level id."""
    fraction = models.FloatField()
    points = models.FloatField()
    comment = models.TextField(blank=True)
    current = models.BooleanField(default=True)
    regrade = models.BooleanField(default=False)
    """Given after the attempt's result was complete."""

    class Meta:
        verbose_name = _("manual grade")
        verbose_name_plural = _("manual grades")
        ordering = ["response", "graded_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["response"], condition=Q(current=True), name="manual_grade_current_once"
            )
        ]
        indexes = [
            models.Index(fields=["administration", "attempt"], name="manual_grade_admin_attempt")
        ]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.points}"
