"""Who is asking, and how often: the client's address and budgets kept in the cache.

- :func:`client_address` is the one rule for "the client's address" (sign-in lockout,
  password reset, API authentication failures): ``REMOTE_ADDR``, or, when
  ``LMS_NUM_PROXIES`` proxies stand in front of the app (``DJANGO_NUM_PROXIES``), the
  address the outermost trusted proxy saw, read from ``X-Forwarded-For`` as Django REST
  framework's ``NUM_PROXIES`` reads it. Without proxies the header is ignored: anyone can
  write it, and a limit per address that trusts it limits nobody.
- :class:`Budget` counts hits per identity in fixed windows of the cache (``cache.add``
  then ``cache.incr``: atomic with the local-memory cache and with Redis), so that every
  app process sharing the cache shares the budget. Identities are hashed into the key
  (an e-mail address is not a safe cache key).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from lms.settings.env import RATE

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: Any) -> str:
    """The client's IP address (see the module's docstring); ``""`` when unknown."""
    meta = request.META
    remote = _valid_address(meta.get("REMOTE_ADDR") or "") or ""
    proxies = getattr(settings, "LMS_NUM_PROXIES", 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR") or ""
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return _valid_address(hops[-min(proxies, len(hops))]) or remote


@dataclass(frozen=True)
class Rate:
    """``count`` hits per ``seconds``, parsed from text such as ``5/min``, ``20/hour``,
    ``3/15m`` (three per fifteen minutes)."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str, *, setting: str = "rate") -> Rate:
        match = RATE.match(text or "")
        if not match or int(match.group(1)) < 1:
            raise ImproperlyConfigured(
                f"{setting} must look like 5/min, 20/hour or 3/15m, not {text!r}."
            )
        multiple = int(match.group(2) or 1)
        return cls(int(match.group(1)), max(1, multiple) * _PERIODS[match.group(3).lower()])


@dataclass(frozen=True)
class Budget:
    """``rate`` hits per identity in ``scope``, counted in fixed windows of the cache."""

    scope: str
    rate: Rate

    def _key(self, identity: str, window: int) -> str:
        digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"lms-budget:{self.scope}:{digest}:{window}"

    def _window(self, now: float | None) -> tuple[int, float]:
        now = time.time() if now is None else now
        window = int(now // self.rate.seconds)
        wait = (window + 1) * self.rate.seconds - now
        return window, max(1, math.ceil(wait))

    def spent(self, identity: str, *, now: float | None = None) -> int | None:
        """Seconds to wait when ``identity`` has no hit left in this window, else None.
        Counts nothing."""
        window, wait = self._window(now)
        used = cache.get(self._key(identity, window), 0)
        return int(wait) if used >= self.rate.count else None

    def hit(self, identity: str, *, now: float | None = None) -> int | None:
        """Count one hit; seconds to wait when it went over the budget, else None."""
        window, wait = self._window(now)
        key = self._key(identity, window)
        cache.add(key, 0, timeout=self.rate.seconds + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=self.rate.seconds + 1)
            used = 1
        return int(wait) if used > self.rate.count else None
