"""The one place where the platform reads its environment.

Every deployment-specific value comes from an environment variable read here.
Settings modules import :data:`ENV` and never touch :data:`os.environ` themselves.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

RATE = re.compile(
    r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])(?:ec|econds?|in|inutes?|rs?|ours?|ays?)?\s*$",
    re.IGNORECASE,
)
"""A rate: a number of hits per period (5/min, 20/hour, 3/15m); see lms/accounts/throttles.py."""


@dataclass(frozen=True)
class Env:
    """Typed access to a mapping of environment variables."""

    values: Mapping[str, str] = field(default_factory=lambda: os.environ)

    def str(self, name: str, default: str = "") -> str:
        """The variable's value; an unset or empty variable gives ``default``."""
        return self.values.get(name, "").strip() or default

    def required(self, name: str, purpose: str) -> str:
        value = self.str(name)
        if not value:
            raise ImproperlyConfigured(
                f"The environment variable {name} is not set. It is required in production: "
                f"{purpose}"
            )
        return value

    def bool(self, name: str, default: bool = False) -> bool:
        raw = self.str(name)
        if not raw:
            return default
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")

    def int(self, name: str, default: int) -> int:
        raw = self.str(name)
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from exc

    def rate(self, name: str, default: str) -> str:
        """A rate such as ``20/hour`` (at least one hit per period)."""
        raw = self.str(name, default)
        match = RATE.match(raw)
        if not match or int(match.group(1)) < 1:
            raise ImproperlyConfigured(
                f"{name} must be a rate such as 5/min, 20/hour or 3/15m, not {raw!r}."
            )
        return raw

    def list(self, name: str, default: list[str] | None = None) -> list[str]:
        raw = self.str(name)
        if not raw:
            return list(default or [])
        return [item.strip() for item in raw.split(",") if item.strip()]


ENV = Env()
