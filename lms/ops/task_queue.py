"""What the configured django-tasks backend can tell about its queue.

The embedded default runs tasks at once, inside the request (``ImmediateBackend``): there
is no queue to measure. A database queue (the ``django-tasks-db`` backend, or the older
``django_tasks.backends.database``) keeps one row per task: the oldest row ready to run
tells how far the workers lag behind, and the rows that failed are counted. Any other
backend (Redis, a cloud queue) is reported as not measured here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.db.models import Count, Min, Model, Q
from django.utils import timezone

# (app label, model) of the database queues known here, newest first.
QUEUE_MODELS = (("django_tasks_db", "DBTaskResult"), ("django_tasks_database", "DBTaskResult"))
IMMEDIATE_BACKENDS = ("ImmediateBackend",)
READY, FAILED = "READY", "FAILED"
AS_SOON_AS_POSSIBLE = datetime(9999, 1, 1, tzinfo=UTC)
"""The database queue stores "no run_after" as 9999-01-01."""


@dataclass(frozen=True)
class QueueState:
    """``kind``: ``immediate`` (no queue), ``database`` (measured) or ``unmeasured``."""

    kind: str
    backend: str
    ready: int = 0
    failed: int = 0
    oldest_ready_at: datetime | None = None

    def lag(self, now: datetime) -> timedelta:
        """How long the oldest task ready to run has been waiting (zero when none waits)."""
        if self.oldest_ready_at is None:
            return timedelta(0)
        return max(now - self.oldest_ready_at, timedelta(0))


def lag_is_too_long(state: QueueState, now: datetime, threshold: timedelta) -> bool:
    return state.kind == "database" and state.lag(now) > threshold


def queue_model() -> type[Model] | None:
    for label, name in QUEUE_MODELS:
        try:
            return apps.get_model(label, name)
        except LookupError:
            continue
    return None


def queue_state(alias: str = "default") -> QueueState:
    """The queue of the task backend ``alias`` (one aggregate query for a database queue)."""
    from django_tasks import task_backends

    backend = task_backends[alias]
    backend_name = type(backend).__name__
    if backend_name in IMMEDIATE_BACKENDS:
        return QueueState(kind="immediate", backend=backend_name)
    model = queue_model()
    if model is None or not type(backend).__module__.startswith(
        ("django_tasks_db", "django_tasks.backends.database")
    ):
        return QueueState(kind="unmeasured", backend=backend_name)
    now = timezone.now()
    rows = model._default_manager.filter(backend_name=alias)
    unscheduled = Q(status=READY, run_after__gte=AS_SOON_AS_POSSIBLE)
    due = Q(status=READY, run_after__lte=now)
    # A task is ready since it was enqueued (no run_after), or since its run_after passed.
    found = rows.aggregate(
        ready=Count("pk", filter=unscheduled | due),
        failed=Count("pk", filter=Q(status=FAILED)),
        enqueued=Min("enqueued_at", filter=unscheduled),
        due=Min("run_after", filter=due),
    )
    oldest = min((t for t in (found["enqueued"], found["due"]) if t), default=None)
    return QueueState(
        kind="database",
        backend=backend_name,
        ready=found["ready"],
        failed=found["failed"],
        oldest_ready_at=oldest,
    )
