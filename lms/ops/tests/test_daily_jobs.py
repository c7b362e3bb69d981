"""``manage.py run_daily_jobs``: each daily job once per day, missed days caught up, and
jobs queued for the worker when there is one (issue 15)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates.models import CertificateEvent
from certificates.services import add_months
from certificates.tests.fixtures import issue, make_programme
from lms.accounts.tests.factories import AdministrationFactory, officer
from lms.ops.daily_jobs import DAILY_JOBS
from lms.ops.models import DailyJobRun
from tests.test_background_tasks import DB_QUEUE, work_off_queue


def run_daily_jobs() -> str:
    out = io.StringIO()
    call_command("run_daily_jobs", stdout=out)
    return out.getvalue()


def expiring_certificate(days_left: int):
    """A certificate issued so long ago that it expires in ``days_left`` days."""
    holder = officer(AdministrationFactory())
    programme = make_programme(code=f"expiring-{days_left}", validity_months=36)
    issued_at = add_months(timezone.now() + timedelta(days=days_left), -36)
    return issue(holder, programme, issued_at=issued_at)


def reminders_of(certificate) -> int:
    return certificate.events.filter(kind=CertificateEvent.Kind.REMINDED).count()


@pytest.mark.django_db
def test_each_daily_job_runs_once_per_day():
    certificate = expiring_certificate(days_left=20)
    mail.outbox.clear()

    first = run_daily_jobs()
    today = timezone.localdate()
    assert set(DailyJobRun.objects.values_list("name", "completed_on")) == {
        (job.name, today) for job in DAILY_JOBS
    }
    assert first.count(": queued") == len(DAILY_JOBS)
    assert reminders_of(certificate) == 1
    sent = len(mail.outbox)
    assert sent >= 1 and certificate.holder.email in mail.outbox[0].to

    second = run_daily_jobs()
    assert "Nothing to do" in second
    assert len(mail.outbox) == sent and reminders_of(certificate) == 1


@pytest.mark.django_db
def test_a_three_day_gap_is_caught_up():
    today = timezone.localdate()
    last = today - timedelta(days=4)  # the days after it, 3 of them, had no run
    for job in DAILY_JOBS:
        DailyJobRun.objects.create(name=job.name, queued_on=last, completed_on=last)
    # Its 30-day reminder fell due during the gap.
    certificate = expiring_certificate(days_left=28)

    out = run_daily_jobs()
    assert "certificate_expiry_reminders: queued, catching up 3 missed day(s)" in out
    assert reminders_of(certificate) == 1
    assert set(DailyJobRun.objects.values_list("completed_on", flat=True)) == {today}


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_QUEUE)
def test_with_a_worker_the_jobs_are_queued_once_and_completed_by_it():
    run_daily_jobs()
    queued = DBTaskResult.objects.filter(task_path="lms.ops.tasks.run_daily_job")
    assert queued.count() == len(DAILY_JOBS)
    assert not DailyJobRun.objects.filter(completed_on__isnull=False).exists()

    assert "Nothing to do" in run_daily_jobs()  # queued today, not done yet: not again
    assert queued.count() == len(DAILY_JOBS)

    work_off_queue()
    assert set(queued.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert set(DailyJobRun.objects.values_list("completed_on", flat=True)) == {timezone.localdate()}
