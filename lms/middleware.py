"""Cross-cutting middleware of the platform shell."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware as DjangoCSPMiddleware


class ContentSecurityPolicyMiddleware(DjangoCSPMiddleware):
    """Django's CSP middleware, with the admin policy for the Wagtail and Django admins.

    The public site runs under ``SECURE_CSP`` (scripts by nonce only). The admins ship
    inline scripts and styles of their own, so paths under ``LMS_ADMIN_PATH_PREFIXES`` get
    ``LMS_ADMIN_CSP``, which still allows nothing outside this origin.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not hasattr(response, "_csp_config") and request.path.startswith(
            tuple(settings.LMS_ADMIN_PATH_PREFIXES)
        ):
            response._csp_config = settings.LMS_ADMIN_CSP
        return super().process_response(request, response)
