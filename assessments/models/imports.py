"""A question-bank import that runs in the background: large files are stored, queued
and imported by the task worker while the author watches its progress."""

from __future__ import annotations

import os
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .banks import QuestionBank


def question_import_path(instance: QuestionImport, filename: str) -> str:
    """Stored under a random name per bank: an uploaded name never reaches a URL, and the
    file is never served (it is deleted once imported)."""
    extension = os.path.splitext(filename)[1].lower()[:8]
    return f"assessments/imports/{instance.bank_id}/{uuid.uuid4().hex}{extension}"


WARNING = "warning"
"""The third item of a :attr:`QuestionImport.rejected` entry that is a warning: a question
imported with a loss (an image left out...), ``[line, reason, "warning"]``."""


class QuestionImport(models.Model):
    """A background import. ``rejected`` keeps, in the author's language, ``[line,
    reason]`` for each refused or skipped question and ``[line, reason, "warning"]`` for
    each question imported with a loss (see :attr:`rejections` and :attr:`warnings`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Nothing imported")
        FAILED = "failed", _("Failed")

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to=question_import_path, blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    format = models.CharField(_("format"), max_length=12)
    language = models.CharField(
        _("language"),
        max_length=12,
        help_text=_("The language of the imported texts; refusals are written in it too."),
    )
    interface_language = models.CharField(max_length=12, default="en")
    skip_bad = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(
        default=list, blank=True, help_text="[[line, reason in the author's language], ...]"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("question import")
        verbose_name_plural = _("question imports")

    def __str__(self) -> str:
        return f"{self.filename} → {self.bank}"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.REFUSED, self.Status.FAILED}

    @property
    def rejections(self) -> list[list[Any]]:
        """``[line, reason]`` of each refused or skipped question."""
        return [list(item[:2]) for item in self.rejected or [] if item[2:3] != [WARNING]]

    @property
    def warnings(self) -> list[list[Any]]:
        """``[line, reason]`` of each question imported with a loss."""
        return [list(item[:2]) for item in self.rejected or [] if item[2:3] == [WARNING]]

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0
