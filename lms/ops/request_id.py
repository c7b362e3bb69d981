"""A request id on every request, its response and every log record written meanwhile.

An incoming ``X-Request-ID`` (from the proxy: nginx's ``$request_id``, a load balancer's
trace id) is kept when it is sane: 1 to 64 characters of ``[A-Za-z0-9._-]``. Anything else
(a newline that would forge a log line, 10 KB of padding, another alphabet) is replaced by
a new random id, so a log line never carries what a client wrote there.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
NO_REQUEST = "-"
"""The id of log records written outside a request (commands, the task worker, start-up)."""

current_request_id: ContextVar[str] = ContextVar("lms_request_id", default=NO_REQUEST)


def request_id_from(incoming: str | None) -> str:
    """``incoming`` when it is a sane id, else a new one (32 hexadecimal characters)."""
    if incoming and SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in ``MIDDLEWARE``: sets ``request.request_id`` and the id of the log records,
    and answers it in the ``X-Request-ID`` header (a user can quote it to the helpdesk)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        # Kept until the response is closed (request_finished, below), not just until
        # this returns: Django logs "Not Found" and other 4xx/5xx after the middleware.
        current_request_id.set(request_id)
        _tag_sentry_scope(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="lms.ops.request_id.forget")
def _forget_request_id(**kwargs: object) -> None:
    current_request_id.set(NO_REQUEST)


def _tag_sentry_scope(request_id: str) -> None:
    """When Sentry is on (``lms.ops.sentry``), its events carry the request id too."""
    sentry_sdk = sys.modules.get("sentry_sdk")
    if sentry_sdk is not None and sentry_sdk.is_initialized():
        sentry_sdk.get_isolation_scope().set_tag("request_id", request_id)


class RequestIdFilter(logging.Filter):
    """On the log handlers: gives every record ``request_id`` (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True
