"""Forwarding stored H5P statements to an external learning record store (optional).

Off unless ``LMS_LRS_ENDPOINT`` is set (the LRS's xAPI base address, such as
``https://lrs.example.org/xAPI/``; ``LMS_LRS_KEY`` and ``LMS_LRS_SECRET`` are its basic-auth
credentials). While it is set, every statement the platform stores is queued
(``H5PStatement.forward_state`` pending) and :func:`statements_forward` sends the queue in
batches of ``LMS_LRS_BATCH_SIZE`` as ``POST <endpoint>/statements`` with
``X-Experience-API-Version: 1.0.3``. It runs as a background task after each statement
(``courses.tasks.forward_h5p_statements``) and from ``manage.py h5p_statements_forward``.

What an answer does to the statements of a batch:

- 200 or 204: forwarded;
- no answer (network error, time-out), 5xx, and 401, 403, 404, 408 and 429 (the LRS is
  down, busy or the platform's credentials or address are wrong: nothing is wrong with
  the statements): still queued, tried again after a backoff that doubles from
  :data:`FIRST_BACKOFF` up to :data:`MAX_BACKOFF`; the run stops at the first such answer;
- any other 4xx: the batch is split and each statement sent alone, so that one bad
  statement does not hold back the others; a statement refused alone is recorded as
  refused with the LRS's reason (``forward_error``) and not tried again
  (``h5p_statements_forward --requeue-refused`` queues them again).

Sending is idempotent: statements keep the ids they were stored with, and an LRS keeps
one statement per id (xAPI: the same statement sent again is accepted and not stored
twice), so a batch that reached the LRS before its answer was lost is simply sent again.
Rows are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED``, so several workers never send
the same batch at once.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.client import HTTPException
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ...models.h5p import H5PStatement
from .xapi import XAPI_VERSION

FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=6)
MAX_BATCHES_PER_RUN = 200
RETRY_STATUSES = frozenset({401, 403, 404, 408, 429})
"""4xx answers about the connection, not the statements: tried again later."""
ERROR_CHARS = 1000


@dataclass(frozen=True)
class LrsConfig:
    endpoint: str
    key: str = ""
    secret: str = ""
    batch_size: int = 50
    timeout: float = 10.0

    @property
    def statements_url(self) -> str:
        return self.endpoint.rstrip("/") + "/statements"

    @classmethod
    def from_settings(cls) -> LrsConfig | None:
        endpoint = getattr(settings, "LMS_LRS_ENDPOINT", "")
        if not endpoint:
            return None
        return cls(
            endpoint=endpoint,
            key=settings.LMS_LRS_KEY,
            secret=settings.LMS_LRS_SECRET,
            batch_size=max(1, settings.LMS_LRS_BATCH_SIZE),
            timeout=settings.LMS_LRS_TIMEOUT,
        )


@dataclass(frozen=True)
class Answer:
    status: int | None
    """The HTTP status; None when no answer came (network error, time-out)."""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status in (200, 204)

    @property
    def retry(self) -> bool:
        return self.status is None or self.status >= 500 or self.status in RETRY_STATUSES


def post_statements(config: LrsConfig, statements: list[dict[str, Any]]) -> Answer:
    """POST a list of statements to the LRS; the answer's status and, on failure, why."""
    request = urllib.request.Request(  # noqa: S310 (the address is the operator's setting)
        config.statements_url,
        data=json.dumps(statements, ensure_ascii=False, separators=(",", ":")).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Experience-API-Version": XAPI_VERSION,
        },
    )
    if config.key or config.secret:
        token = base64.b64encode(f"{config.key}:{config.secret}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=config.timeout) as response:  # noqa: S310
            response.read()
            return Answer(status=response.status)
    except urllib.error.HTTPError as error:
        body = error.read(ERROR_CHARS * 4).decode("utf-8", "replace")
        return Answer(status=error.code, reason=f"HTTP {error.code}: {body}"[:ERROR_CHARS])
    except (urllib.error.URLError, HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Answer(status=None, reason=f"no answer: {reason}"[:ERROR_CHARS])


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try (30 s, 1 min, 2 min... 6 h)."""
    return min(FIRST_BACKOFF * (2 ** max(0, attempts - 1)), MAX_BACKOFF)


@dataclass
class ForwardReport:
    sent: int = 0
    refused: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def stopped(self) -> bool:
        return self.failed > 0


def _due(now: datetime) -> Any:
    return H5PStatement.objects.filter(
        Q(forward_after__isnull=True) | Q(forward_after__lte=now),
        forward_state=H5PStatement.Forward.PENDING,
    )


def statements_forward(
    *, config: LrsConfig | None = None, now: datetime | None = None
) -> ForwardReport:
    """Send every statement due to the LRS, batch by batch; stop at the first batch that
    finds the LRS unreachable (it is tried again after its backoff)."""
    config = config or LrsConfig.from_settings()
    report = ForwardReport()
    if config is None:
        return report
    for _batch in range(MAX_BATCHES_PER_RUN):
        moment = now or timezone.now()
        with transaction.atomic():
            rows = list(
                _due(moment)
                .select_for_update(skip_locked=True)
                .order_by("stored", "pk")
                .only("pk", "statement", "forward_attempts")[: config.batch_size]
            )
            if not rows:
                break
            _send(config, rows, report, moment)
        if report.stopped:
            break
    return report


def _send(
    config: LrsConfig, rows: list[H5PStatement], report: ForwardReport, now: datetime
) -> None:
    answer = post_statements(config, [row.statement for row in rows])
    if answer.ok:
        _mark(rows, forward_state=H5PStatement.Forward.SENT, forwarded_at=now, forward_error="")
        report.sent += len(rows)
    elif answer.retry:
        for row in rows:
            attempts = row.forward_attempts + 1
            H5PStatement.objects.filter(pk=row.pk).update(
                forward_attempts=attempts,
                forward_after=now + backoff(attempts),
                forward_error=answer.reason,
            )
        report.failed += len(rows)
        report.errors.append(answer.reason)
    elif len(rows) > 1:
        for row in rows:  # one bad statement must not hold back the others
            _send(config, [row], report, now)
            if report.stopped:
                return
    else:
        _mark(rows, forward_state=H5PStatement.Forward.REFUSED, forward_error=answer.reason)
        report.refused += 1
        report.errors.append(answer.reason)


def _mark(rows: list[H5PStatement], **values: Any) -> None:
    H5PStatement.objects.filter(pk__in=[row.pk for row in rows]).update(
        forward_after=None, **values
    )


def statements_queue(*, refused: bool = False, unqueued: bool = False) -> int:
    """Queue statements again: those the LRS refused (``refused``) and those stored while
    no LRS was configured (``unqueued``). Returns how many were queued."""
    states = []
    if refused:
        states.append(H5PStatement.Forward.REFUSED)
    if unqueued:
        states.append(H5PStatement.Forward.NONE)
    if not states:
        return 0
    return H5PStatement.objects.filter(forward_state__in=states).update(
        forward_state=H5PStatement.Forward.PENDING,
        forward_attempts=0,
        forward_after=None,
        forward_error="",
    )
