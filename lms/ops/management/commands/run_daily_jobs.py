"""``manage.py run_daily_jobs``: queue each daily job once a day, catching up missed days
(lms/ops/daily_jobs.py). Run it from a daily timer; running it again the same day does
nothing."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from lms.ops.daily_jobs import daily_jobs_queue


class Command(BaseCommand):
    help = "Queue each daily job (reminders, overdue attempts, expiries) once per day."

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        queued = daily_jobs_queue(today=today)
        for item in queued:
            if item.last_completed_on is None or (today - item.last_completed_on).days <= 1:
                self.stdout.write(f"{item.name}: queued")
            else:
                gap = (today - item.last_completed_on).days - 1
                self.stdout.write(f"{item.name}: queued, catching up {gap} missed day(s)")
        if not queued:
            self.stdout.write("Nothing to do: every daily job has run today.")
