"""The daily jobs and ``manage.py run_daily_jobs`` (issue 15).

One system timer (or cron line) runs ``python manage.py run_daily_jobs`` once a day, or
more often: each job in :data:`DAILY_JOBS` is queued at most once per day (the day in the
platform's TIME_ZONE), through the task queue (``run_daily_job``, retried with back-off
like every task, lms/tasks_retry.py), and the day is marked completed when the job has
run. A day without a run (the machine was down, the timer missed) is caught up by the
next run: the jobs work from the platform's state, not from a day's window (reminders
not yet sent, attempts past their deadline, certificates not yet issued or rendered), so
one run covers a gap of any length. A job queued today that has not completed yet is not
queued again today; a job that failed every retry is queued again the next day.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import DailyJobRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DailyJob:
    name: str
    service: str
    """The dotted path of the service it calls, without arguments (imported when run:
    the higher layers are not imported by this module)."""

    def run(self) -> object:
        return import_string(self.service)()


DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob("close_overdue_attempts", "assessments.services.attempts_close_overdue"),
    DailyJob("evaluate_certificates", "certificates.services.certificates_evaluate_all"),
    DailyJob("render_missing_certificates", "certificates.services.certificates_render_missing"),
    DailyJob("certificate_expiry_reminders", "certificates.services.expiry_reminders_send"),
    DailyJob("sync_assignments", "lms.tracking.assignments.assignments_sync"),
    DailyJob("assignment_reminders", "lms.tracking.assignments.assignment_reminders_send"),
    DailyJob("delete_expired_exports", "lms.tracking.mailed_exports.mailed_exports_delete_expired"),
    DailyJob("prune_audit_trail", "lms.audit.retention.audit_records_prune"),
)
JOBS_BY_NAME = {job.name: job for job in DAILY_JOBS}


@dataclass(frozen=True)
class Queued:
    name: str
    last_completed_on: dt.date | None
    """The last day done before this run (None: never); more than a day ago is a catch-up."""


def daily_jobs_queue(*, today: dt.date | None = None) -> list[Queued]:
    """Queue each daily job not yet queued today (see the module's text); returns them."""
    from .tasks import run_daily_job

    today = today or timezone.localdate()
    queued: list[Queued] = []
    for job in DAILY_JOBS:
        with transaction.atomic():
            row, _created = DailyJobRun.objects.select_for_update().get_or_create(name=job.name)
            if row.queued_on == today or row.completed_on == today:
                continue
            row.queued_on = today
            row.save(update_fields=["queued_on"])
        queued.append(Queued(job.name, row.completed_on))
        # Outside the row's transaction: the immediate backend runs the job right here.
        run_daily_job.enqueue(job.name, today.isoformat())
    return queued


def daily_job_run(*, name: str, day: dt.date) -> object:
    """Run the daily job ``name`` for ``day`` and mark the day completed."""
    result = JOBS_BY_NAME[name].run()
    DailyJobRun.objects.filter(name=name).update(completed_on=day, completed_at=timezone.now())
    log.info("Daily job %s done for %s: %s", name, day, result)
    return result
