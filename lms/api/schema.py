"""OpenAPI schema hooks (drf-spectacular)."""

from __future__ import annotations

from typing import Any

API_PREFIX = "/api/"


def only_platform_api(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """Keep the platform's own endpoints; drop the Wagtail admin's internal API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]
