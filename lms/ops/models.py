"""Rows of operations: the daily jobs' last run (lms/ops/daily_jobs.py)."""

from __future__ import annotations

from django.db import models


class DailyJobRun(models.Model):
    """One row per daily job: the last day it was queued and the last day it completed
    (days in the platform's TIME_ZONE)."""

    name = models.CharField(max_length=100, unique=True)
    queued_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.completed_on}"
