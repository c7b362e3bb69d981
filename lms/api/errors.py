"""Errors under /api/ are JSON: ``{"detail": "..."}`` (DRF's shape), including unknown
addresses and unexpected server errors."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

logger = logging.getLogger("lms.api")

API_PATH_PREFIX = "/api/"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, and for an unexpected exception in an API view a logged JSON 500
    (outside /api/, DRF views keep Django's usual 500 handling)."""
    response = exception_handler(exc, context)
    if response is not None:
        return response
    request = context.get("request")
    if request is None or not request.path.startswith(API_PATH_PREFIX):
        return None
    logger.error("Unexpected error in the API at %s", request.path, exc_info=exc)
    set_rollback()
    return Response({"detail": _("A server error occurred.")}, status=500)


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any address under /api/v1/ that no endpoint answers, whatever the method."""
    if not request.path.endswith("/"):
        detail = _("No API endpoint has this address. API addresses end with a slash.")
    else:
        detail = _("No API endpoint has this address.")
    return JsonResponse({"detail": detail}, status=404)
