"""Attempts and their responses. The draw (questions, versions, option orders) is stored
when the attempt starts; grading happens on the server only."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration

from .banks import QuestionVersion


class Attempt(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Closed at the deadline")
        GRADING = "grading", _("Awaiting grading")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="attempts"
    )
    assessment = models.ForeignKey(
        "assessments.AssessmentPage", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assessment_key = models.UUIDField(db_index=True, default=uuid.uuid4)
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    language = models.CharField(max_length=8, default="en")
    started_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(null=True, blank=True)
    percent = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True)
    pass_mark = models.PositiveSmallIntegerField(default=70)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "assessment_key", "number"], name="attempt_number_once"
            ),
            models.UniqueConstraint(
                fields=["user", "assessment_key"],
                condition=Q(status="open"),
                name="one_open_attempt",
            ),
        ]
        indexes = [
            models.Index(fields=["administration", "assessment_key"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.assessment_key} · #{self.number}"


class Response(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    section = models.CharField(max_length=120, blank=True)
    option_order = models.JSONField(default=dict, blank=True)
    answer = models.JSONField(null=True, blank=True)
    seq = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    fraction = models.FloatField(null=True, blank=True)
    points = models.FloatField(null=True, blank=True)
    max_points = models.FloatField(default=1)
    needs_grading = models.BooleanField(default=False)
    """Waits for a person's grade (an essay of a submitted attempt): the grading queue."""

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="response_position_once")
        ]
        indexes = [
            models.Index(
                fields=["attempt"], condition=Q(needs_grading=True), name="response_needs_grading"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.position}"


class AttemptEvent(models.Model):
    class Kind(models.TextChoices):
        STARTED = "started", _("Started")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Closed at the deadline")
        GRADED = "graded", _("Graded")

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.kind}"
