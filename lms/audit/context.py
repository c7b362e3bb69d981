"""Where a privileged action comes from: the client's address, its user agent and the
request id, kept for the current request so that services (which never see the request)
can write them into the audit trail.

:class:`AuditOriginMiddleware` sets it once per request from
:func:`lms.accounts.throttles.client_address` (the one rule for "the client's address")
and :mod:`lms.ops.request_id`; outside a request (a task, a command) the origin is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from lms.accounts.throttles import client_address

USER_AGENT_MAX = 300


@dataclass(frozen=True)
class Origin:
    client_ip: str | None = None
    user_agent: str = ""
    request_id: str = ""


NO_ORIGIN = Origin()
current_origin: ContextVar[Origin] = ContextVar("lms_audit_origin", default=NO_ORIGIN)


def origin_of(request: HttpRequest) -> Origin:
    """The origin of ``request`` (the user agent cut to what the trail keeps)."""
    return Origin(
        client_ip=client_address(request) or None,
        user_agent=(request.headers.get("User-Agent") or "")[:USER_AGENT_MAX],
        request_id=getattr(request, "request_id", "") or "",
    )


class AuditOriginMiddleware:
    """After the request id middleware: records the request's origin for the trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        current_origin.set(origin_of(request))
        return self.get_response(request)


@receiver(request_finished, dispatch_uid="lms.audit.context.forget")
def _forget_origin(**kwargs: object) -> None:
    current_origin.set(NO_ORIGIN)
