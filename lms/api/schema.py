"""OpenAPI schema hooks (drf-spectacular)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

API_PREFIX = "/api/"


def only_platform_api(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """Keep the platform's own endpoints; drop the Wagtail admin's internal API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents :class:`lms.api.authentication.ApiTokenAuthentication` as HTTP bearer."""

    target_class = "lms.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "lms_<prefix>_<secret>",
            "description": (
                "An API token created by an administration manager (shown once, at "
                "creation). It acts for its administration only. Scopes: `read` allows "
                "GET; `read write` also allows POST and PATCH. Expired, revoked or unknown "
                "tokens get 401; writing with a read token gets 403."
            ),
        }
