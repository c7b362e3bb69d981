"""The API is a machine interface: it answers in UTC, whoever asks.

:class:`lms.accounts.middleware.UserTimeZoneMiddleware` activates a signed-in person's
zone; API token requests authenticate later (inside DRF) and would stay in UTC. So that a
browser session and a token get the same answer in the same form, every request under
:data:`API_PREFIX` runs in UTC: DRF writes each date-time as ISO 8601 with ``Z``
(``2026-03-12T04:30:00Z``). The schema's description says so (``SPECTACULAR_SETTINGS``).
Calendar dates (``due_on``) are days, not moments, and carry no zone.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

#: Where the API is served (``lms/urls.py``).
API_PREFIX = "/api/"
UTC = zoneinfo.ZoneInfo("UTC")


class ApiUtcMiddleware:
    """After ``UserTimeZoneMiddleware``: API requests run in UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        with timezone.override(UTC):
            return self.get_response(request)
