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
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import DailyJobRun

log = logging.getLogger(__name__)


def _expiry_reminders() -> object:
    from certificates.services import expiry_reminders_send

    return expiry_reminders_send()


def _evaluate_certificates() -> object:
    from certificates.services import certificates_evaluate_all

    return certificates_evaluate_all()


def _render_missing_certificates() -> object:
    from certificates.services import certificates_render_missing

    return certificates_render_missing()


def _close_overdue_attempts() -> object:
    from assessments.services import attempts_close_overdue

    return attempts_close_overdue()


def _assignment_reminders() -> object:
    from lms.tracking.assignments import assignment_reminders_send

    return assignment_reminders_send()


def _sync_assignments() -> object:
    from lms.tracking.assignments import assignments_sync

    return assignments_sync()


def _delete_expired_exports() -> object:
    from lms.tracking.mailed_exports import mailed_exports_delete_expired

    return mailed_exports_delete_expired()


@dataclass(frozen=True)
class DailyJob:
    name: str
    run: Callable[[], object]


DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob("close_overdue_attempts", _close_overdue_attempts),
    DailyJob("evaluate_certificates", _evaluate_certificates),
    DailyJob("render_missing_certificates", _render_missing_certificates),
    DailyJob("certificate_expiry_reminders", _expiry_reminders),
    DailyJob("sync_assignments", _sync_assignments),
    DailyJob("assignment_reminders", _assignment_reminders),
    DailyJob("delete_expired_exports", _delete_expired_exports),
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
