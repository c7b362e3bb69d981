"""``/healthz`` and ``/readyz`` for load balancers and orchestrators.

- ``/healthz`` (liveness): the process answers. No database, no cache, no file: always
  cheap, ``200 ok`` as long as the worker runs its requests.
- ``/readyz`` (readiness): whether this instance can serve, through django-health-check's
  checks: the database (``SELECT 1``), the default cache (set and get), the default
  storage (write, read and delete a scratch file under ``ops/readyz/``), and the task
  queue (:class:`TaskQueue`). ``200`` when every check passes, ``503`` otherwise, with a
  JSON body naming each check and whether it passed. A failing check's exception (which may
  name hosts, users, paths) goes to the log, never to the body.

Both are answered by :class:`OperatorEndpointsMiddleware`, first in ``MIDDLEWARE``: a load
balancer probes an instance by its address, over plain HTTP, so the host check, the HTTPS
redirect, sessions, languages and throttles must not stand in the way. ``/metrics`` takes
the same short cut for a scraper that shows the token (``lms.ops.metrics``), and the
ordinary way (a 404) for anyone else.
"""

from __future__ import annotations

import dataclasses
import datetime
import inspect
import logging
import uuid
from collections.abc import Callable

from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import resolve
from django.utils import timezone
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.exceptions import HealthCheckException, ServiceUnavailable

from .metrics import may_scrape
from .task_queue import lag_is_too_long, queue_state

logger = logging.getLogger("lms.ops")

ALWAYS_ANSWERED = frozenset({"/healthz", "/readyz"})
METRICS_PATH = "/metrics"


class OperatorEndpointsMiddleware:
    """Answers the probes (and an authorised scrape) before the rest of the middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path in ALWAYS_ANSWERED or (path == METRICS_PATH and may_scrape(request)):
            match = resolve(path)
            request.resolver_match = match
            return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)


@never_cache
def liveness(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@dataclasses.dataclass
class ScratchStorage(Storage):
    """django-health-check's storage check, writing under ``ops/readyz/``."""

    def get_file_name(self) -> str:
        return f"ops/readyz/{uuid.uuid4().hex}.txt"


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """The task queue of the backend ``alias`` (:mod:`lms.ops.task_queue`): unavailable
    when its oldest ready task has waited longer than ``LMS_TASK_QUEUE_MAX_LAG_SECONDS``
    (the workers are down or cannot keep up). The immediate backend has no queue: ok."""

    alias: str = "default"
    detail: str = dataclasses.field(default="", init=False, repr=False)

    def run(self) -> None:
        state = queue_state(self.alias)
        now = timezone.now()
        threshold = datetime.timedelta(seconds=settings.LMS_TASK_QUEUE_MAX_LAG_SECONDS)
        if state.kind != "database":
            self.detail = state.kind
            return
        lag = int(state.lag(now).total_seconds())
        self.detail = f"{state.ready} ready, oldest waiting {lag} s"
        if lag_is_too_long(state, now, threshold):
            raise ServiceUnavailable(
                f"the oldest ready task has waited {lag} s "
                f"(more than {int(threshold.total_seconds())} s)"
            )


def readiness_checks() -> dict[str, HealthCheck]:
    return {
        "database": Database(),
        "cache": Cache(),
        "storage": ScratchStorage(),
        "task_queue": TaskQueue(),
    }


def _run(name: str, check: HealthCheck) -> dict[str, str]:
    """One check, from this thread (Django's database connections are per thread): a
    synchronous check runs here, an asynchronous one (the cache's) in an event loop whose
    thread-sensitive calls come back here."""
    try:
        if inspect.iscoroutinefunction(check.run):
            async_to_sync(check.run)()
        else:
            check.run()
    except HealthCheckException as error:
        logger.warning("Readiness check %s failed: %s", name, error, exc_info=error.__cause__)
        answer = {"status": "unavailable"}
        if isinstance(check, TaskQueue):
            answer["detail"] = str(error.message)
        return answer
    except Exception:
        logger.exception("Readiness check %s failed", name)
        return {"status": "unavailable"}
    if isinstance(check, TaskQueue):
        return {"status": "ok", "detail": check.detail}
    return {"status": "ok"}


@never_cache
def readiness(request: HttpRequest) -> JsonResponse:
    results = {name: _run(name, check) for name, check in readiness_checks().items()}
    ready = all(result["status"] == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )
