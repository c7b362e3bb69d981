"""Background tasks: thin wrappers around services."""

from lms.tasks_retry import HEAVY_POLICY, retrying_task

from .services import attempts_close_overdue


@retrying_task()
def close_overdue_attempts() -> int:
    """Close and grade overdue attempts; schedule it every minute with the task worker."""
    return attempts_close_overdue()


@retrying_task(HEAVY_POLICY)
def run_question_import(import_id: int) -> str:
    """Import a large question file queued from a bank's import page."""
    from .imports import question_import_run

    return question_import_run(import_id)


@retrying_task()
def prepare_attempts() -> int:
    """Draw ahead the attempts of the assessments about to open (assessments/preparation)."""
    from .preparation import attempts_prepare_due

    return attempts_prepare_due()
