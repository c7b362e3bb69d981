"""Enrolments and per-lesson progress.

Records point at pages through their ``translation_key``: an officer who switches language
keeps their progress, because every translation of a course or lesson shares that key.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")

    class Source(models.TextChoices):
        SELF = "self", _("Self-enrolled")
        ASSIGNED = "assigned", _("Assigned")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="enrolments",
        help_text=_("The officer's administration when they enrolled."),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        related_name="enrolments",
        help_text=_("The translation the officer enrolled from."),
    )
    course_key = models.UUIDField(db_index=True, default=uuid.uuid4)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SELF)
    percent_complete = models.PositiveSmallIntegerField(default=0)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    lesson_status = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Status per lesson key (started, completed), kept with LessonProgress."),
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key"], name="enrolment_once"),
            models.CheckConstraint(
                condition=Q(percent_complete__lte=100), name="enrolment_percent_range"
            ),
        ]
        indexes = [models.Index(fields=["administration", "status"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.course_key}"


class LessonProgress(models.Model):
    class Status(models.TextChoices):
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="lessons")
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    lesson_key = models.UUIDField()
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.STARTED)
    started_at = models.DateTimeField(auto_now_add=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    time_spent_seconds = models.PositiveIntegerField(default=0)
    completed_blocks = models.JSONField(
        default=list, blank=True, help_text=_("Ids of the H5P blocks the officer completed.")
    )
    scores = models.JSONField(
        default=dict, blank=True, help_text=_("Last H5P score per block: raw, max, scaled.")
    )

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson_key"], name="lesson_progress_once")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} · {self.lesson_key} · {self.status}"
