"""Where a privileged action comes from: the client's address, its user agent and the
request id, kept for the current request so that services (which never see the request)
can write them into the audit trail.

:class:`AuditOriginMiddleware` keeps the request; a record reads its origin from
:func:`lms.accounts.throttles.client_address` (the one rule for "the client's address")
and :mod:`lms.ops.request_id`; outside a request (a task, a command) the origin is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

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
# The request being served, read only when a privileged action writes a record: most
# requests write none, so their origin is never worked out.
_current_request: ContextVar[HttpRequest | None] = ContextVar("lms_audit_request", default=None)


def current_origin() -> Origin:
    """The origin of the request being served; empty outside a request."""
    request = _current_request.get()
    return NO_ORIGIN if request is None else origin_of(request)


def current_user() -> Any | None:
    """The signed-in person of the request being served (None outside a request, or when
    nobody is signed in): the actor of records written where no caller names one (model
    signals, such as a second factor deleted in ``/django-admin/``)."""
    request = _current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None


def origin_of(request: HttpRequest) -> Origin:
    """The origin of ``request`` (the user agent cut to what the trail keeps)."""
    return Origin(
        client_ip=client_address(request) or None,
        user_agent=(request.headers.get("User-Agent") or "")[:USER_AGENT_MAX],
        request_id=getattr(request, "request_id", "") or "",
    )


class AuditOriginMiddleware:
    """After the request id middleware: keeps the request for the trail's origin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _current_request.set(request)
        return self.get_response(request)


@receiver(request_finished, dispatch_uid="lms.audit.context.forget")
def _forget_origin(**kwargs: object) -> None:
    _current_request.set(None)
