"""Background tasks: thin wrappers around services."""

from django_tasks import task

from .services import attempts_close_overdue


@task()
def close_overdue_attempts() -> int:
    """Close and grade overdue attempts; schedule it every minute with the task worker."""
    return attempts_close_overdue()
