"""The retry policy of every background task (issue 15).

django-tasks and its database backend run a task once: a task that raises is marked
failed and nothing runs it again. :func:`retrying_task` replaces ``@task()`` for every
task of the project: when the task raises, it queues the same task again with the same
arguments, to run after an exponential back-off (``policy.delay(attempt)``), until
``policy.attempts`` attempts have failed. The failed attempt itself still raises, so the
worker's log, the task row and the failure metric show it.

The attempt number travels as the keyword argument ``retry_attempt`` (JSON like every
argument), so a retry is an ordinary queued task, visible and countable like the first.

A backend that cannot run a task later (the immediate backend of the embedded default
runs tasks inside the request) gets no retry: waiting would hold the request, and the
daily reconciliation jobs (``run_daily_jobs``) catch up what failed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

log = logging.getLogger(__name__)

ATTEMPT_KWARG = "retry_attempt"


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` in all (the first included); the n-th retry waits
    ``first_delay * factor ** (n - 1)``, never more than ``max_delay``."""

    attempts: int = 5
    first_delay: timedelta = timedelta(seconds=30)
    factor: float = 4.0
    max_delay: timedelta = timedelta(hours=6)

    def delay(self, failed_attempt: int) -> timedelta:
        """How long to wait after the attempt ``failed_attempt`` (1 = the first) failed."""
        return min(self.first_delay * self.factor ** (failed_attempt - 1), self.max_delay)

    def retries_after(self, failed_attempt: int) -> bool:
        return failed_attempt < self.attempts


DEFAULT_POLICY = RetryPolicy()
# An import or an export reads and writes much: fewer, later retries.
HEAVY_POLICY = RetryPolicy(attempts=3, first_delay=timedelta(minutes=2))


def retry_later(
    the_task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], *, failed_attempt: int
) -> bool:
    """Queue attempt ``failed_attempt + 1`` of ``the_task`` after the policy's delay;
    False when the backend cannot run it later (it then stays failed)."""
    policy: RetryPolicy = the_task.func.retry_policy  # type: ignore[attr-defined]
    if not the_task.get_backend().supports_defer:
        log.warning("%s failed; this task backend cannot retry it later", the_task.name)
        return False
    run_after = timezone.now() + policy.delay(failed_attempt)
    the_task.using(run_after=run_after).enqueue(
        *args, **{**kwargs, ATTEMPT_KWARG: failed_attempt + 1}
    )
    log.warning(
        "%s failed (attempt %d of %d); retrying after %s",
        the_task.name,
        failed_attempt,
        policy.attempts,
        run_after.isoformat(),
    )
    return True


def retrying_task(
    policy: RetryPolicy = DEFAULT_POLICY, **task_options: Any
) -> Callable[[Callable[..., Any]], Task]:
    """``@task(**task_options)`` that retries with ``policy`` (see the module's text)."""

    def decorate(func: Callable[..., Any]) -> Task:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            attempt = int(kwargs.pop(ATTEMPT_KWARG, 1))
            try:
                return func(*args, **kwargs)
            except Exception:
                if policy.retries_after(attempt):
                    try:
                        retry_later(the_task, args, kwargs, failed_attempt=attempt)
                    except Exception:
                        log.exception("Could not queue a retry of %s", the_task.name)
                else:
                    log.error("%s failed %d times: given up", the_task.name, attempt)
                raise

        run.retry_policy = policy  # type: ignore[attr-defined]
        the_task = task(**task_options)(run)
        return the_task

    return decorate
