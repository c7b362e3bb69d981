"""Prometheus metrics, at ``/metrics`` for the operator's scraper only.

Counted in each process (prometheus-client):

- ``lms_http_requests_total{route,method,status}`` and the latency histogram
  ``lms_http_request_duration_seconds{route,method,status}``. ``route`` is the URL
  pattern's name (``assessments:attempt``, ``wagtail_serve``), never the path: no id, slug,
  user name or administration code can become a label. ``method`` is one of the HTTP
  methods (anything else is ``other``), ``status`` the class (``2xx``, ``4xx``...).
- ``lms_tasks_finished_total{status}``: tasks that ran in this process (the web process
  with the immediate backend, the worker with a queue), by outcome.

Computed from the database when scraped (one process answers for all):

- ``lms_metrics_database_up``: 1 when the gauges below could be read;
- ``lms_attempts_open``: exam attempts in progress, all administrations together;
- ``lms_task_queue_ready``, ``lms_task_queue_failed``, ``lms_task_queue_lag_seconds``:
  the database task queue, when the backend has one (``lms.ops.task_queue``).

Several processes (gunicorn workers): set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory writable by the app, the same for every worker of one host, emptied before each
start. The scrape then adds up the counters of every worker, dead ones included
(prometheus-client's multiprocess mode; no gauge here lives in a worker).

Access: ``Authorization: Bearer <METRICS_TOKEN>``. Without a token configured, only a
loopback client may read them, and only where ``LMS_METRICS_LOOPBACK`` is on (development).
Anyone else gets the site's ordinary 404: nothing says there is something here.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.django import PrometheusDjangoView
from prometheus_client.registry import Collector

from .task_queue import queue_state

logger = logging.getLogger("lms.ops")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
"""The route of a request that matched no URL pattern (a 404 from the resolver)."""
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter(
    "lms_http_requests",
    "HTTP requests answered, by URL route name, method and status class.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "lms_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL route name, method and status class.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
TASKS_FINISHED = Counter(
    "lms_tasks_finished",
    "Background tasks that ran in this process, by outcome (SUCCEEDED, FAILED).",
    ["status"],
)


def route_of(request: HttpRequest) -> str:
    """The name of the URL pattern that answered (or its pattern when unnamed)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    # ``view_name`` of an unnamed pattern is the view's dotted path (a decorator's name,
    # often): the pattern says more.
    return (match.view_name if match.url_name else match.route) or UNMATCHED


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class MetricsMiddleware:
    """Near the top of ``MIDDLEWARE`` (after the request id): times every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        labels = (
            route_of(request),
            request.method if request.method in METHODS else "other",
            status_class(response.status_code),
        )
        REQUESTS.labels(*labels).inc()
        LATENCY.labels(*labels).observe(time.perf_counter() - started)
        return response


def connect_task_signals() -> None:
    from django_tasks.signals import task_finished

    task_finished.connect(_count_task, dispatch_uid="lms.ops.metrics.count_task")


def _count_task(sender: Any, task_result: Any, **kwargs: Any) -> None:
    TASKS_FINISHED.labels(str(task_result.status)).inc()


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time (aggregates only). When the database
    cannot answer, ``lms_metrics_database_up`` is 0 and the process metrics still come."""

    def collect(self) -> Iterator[Metric]:
        try:
            gauges = list(self._gauges())
        except DatabaseError:
            logger.warning("The database gauges could not be read", exc_info=True)
            gauges = []
        yield GaugeMetricFamily(
            "lms_metrics_database_up",
            "1 when the database gauges below were read at this scrape, 0 otherwise.",
            value=1 if gauges else 0,
        )
        yield from gauges

    def _gauges(self) -> Iterator[Metric]:
        from assessments.models import Attempt

        attempts = GaugeMetricFamily(
            "lms_attempts_open", "Exam attempts in progress, all administrations together."
        )
        attempts.add_metric([], Attempt.objects.filter(status=Attempt.Status.OPEN).count())
        yield attempts

        state = queue_state()
        if state.kind != "database":
            return
        yield GaugeMetricFamily(
            "lms_task_queue_ready", "Tasks ready to run, waiting for a worker.", value=state.ready
        )
        yield GaugeMetricFamily(
            "lms_task_queue_failed",
            "Failed tasks kept in the queue table (until pruned).",
            value=state.failed,
        )
        yield GaugeMetricFamily(
            "lms_task_queue_lag_seconds",
            "How long the oldest ready task has been waiting.",
            value=state.lag(timezone.now()).total_seconds(),
        )


def scrape_registry() -> CollectorRegistry:
    """This process's metrics, or every worker's in multiprocess mode, plus the gauges."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry = CollectorRegistry()
        registry.register(_Process(REGISTRY))
    registry.register(DatabaseCollector())
    return registry


class _Process(Collector):
    """The process's default registry, seen through a scrape registry of its own."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        return self.registry.collect()


LOOPBACK = ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")


def may_scrape(request: HttpRequest) -> bool:
    token = settings.LMS_METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        scheme, _space, value = sent.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        )
    if not settings.LMS_METRICS_LOOPBACK:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in LOOPBACK)


@method_decorator(never_cache, name="dispatch")
class MetricsView(PrometheusDjangoView):
    """prometheus-client's Django view (text or OpenMetrics, gzip when asked), behind the
    token: anyone else gets the site's 404 whatever the method."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_scrape(request):
            raise Http404
        self.registry = scrape_registry()
        return super().dispatch(request, *args, **kwargs)


metrics_view = MetricsView.as_view()
