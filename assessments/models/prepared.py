"""Draws made ahead of a synchronised start (issue 15): never attempts.

When hundreds of officers press Start in the same second, drawing each attempt (reading
the pools, shuffling, making a token for every option, writing forty rows) is the work
that piles up. A background job draws ahead, for each officer enrolled in the course of
an assessment about to open, and keeps the draw here; starting then copies the prepared
rows into the new attempt in one statement (:func:`assessments.services.attempt_start`).

These rows live in their own tables on purpose, not as an attempt with a special status:
every list, count, report, export, statistic, API and admin view of attempts and
responses reads ``Attempt`` and ``Response``, and none of them can see or count a draw
that did not start. A prepared draw does not mark its question versions as used (only a
started attempt does), and a draw whose versions are no longer current, or whose
assessment's draw rules changed, is discarded at start and the attempt is drawn there
and then. An officer has at most one prepared draw per assessment (its translations included).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lms.accounts.models import Administration

from .banks import QuestionVersion


class PreparedAttempt(models.Model):
    """One officer's draw of one assessment page, made before they start it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(
        "assessments.AssessmentPage", on_delete=models.CASCADE, related_name="+"
    )
    """The page it was drawn from; a translation of it whose draw rules are the same
    (same fingerprint) starts from it too, as translations share their attempts."""
    assessment_key = models.UUIDField()
    rules = models.CharField(max_length=64)
    """The fingerprint of the draw rules and shuffles it was drawn under
    (:func:`assessments.services.draw_fingerprint`)."""
    created_at = models.DateTimeField(auto_now_add=True)
    sheet_html = models.TextField(blank=True)
    """The draw's question sheet, rendered ahead (:mod:`assessments.sheet`); empty when
    not rendered (the officer has no language of their own yet)."""
    sheet_language = models.CharField(max_length=8, blank=True)
    sheet_digest = models.CharField(max_length=64, blank=True)
    sheet_meta = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "assessment_key"], name="one_prepared_attempt")
        ]
        indexes = [models.Index(fields=["assessment_key", "user"], name="prepared_by_assessment")]

    def __str__(self) -> str:
        return f"prepared {self.user_id} · {self.assessment_key}"


class PreparedResponse(models.Model):
    """A question of a prepared draw: what :class:`Response` is made of when it starts."""

    prepared = models.ForeignKey(PreparedAttempt, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(max_length=120, blank=True)
    option_order = models.JSONField(default=dict, blank=True)
    max_points = models.FloatField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prepared", "position"], name="prepared_position_once")
        ]

    def __str__(self) -> str:
        return f"prepared {self.prepared_id}:{self.position}"


class AttemptSheet(models.Model):
    """The question sheet of a started attempt, moved from its prepared draw: the attempt
    page serves it until the first answer is saved (:mod:`assessments.sheet`). Sheets of
    attempts no longer open are deleted by the next preparation run."""

    attempt = models.OneToOneField(
        "assessments.Attempt", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    language = models.CharField(max_length=8)
    digest = models.CharField(max_length=64)
    html = models.TextField()
    meta = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"sheet of attempt {self.attempt_id}"
