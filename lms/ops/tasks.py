"""Background tasks of operations: thin wrappers around services."""

import datetime as dt

from lms.tasks_retry import retrying_task


@retrying_task()
def run_daily_job(name: str, day: str) -> str:
    """One daily job (lms/ops/daily_jobs.py), queued by ``manage.py run_daily_jobs``."""
    from .daily_jobs import daily_job_run

    return str(daily_job_run(name=name, day=dt.date.fromisoformat(day)))
