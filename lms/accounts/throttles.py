"""Who is asking, and how often: the client's address and budgets kept in the cache.

- :func:`client_address` is the one rule for "the client's address" (sign-in lockout,
  password reset, API authentication failures): ``REMOTE_ADDR``, or, when
  ``LMS_NUM_PROXIES`` proxies stand in front of the app (``DJANGO_NUM_PROXIES``), the
  address the outermost trusted proxy saw, read from ``X-Forwarded-For`` as Django REST
  framework's ``NUM_PROXIES`` reads it. Without proxies the header is ignored: anyone can
  write it, and a limit per address that trusts it limits nobody.
- :class:`Budget` counts hits per identity in windows of the cache (``cache.add`` then
  ``cache.incr``: atomic with the local-memory cache and with Redis), so that every app
  process sharing the cache shares the budget. Identities are hashed into the key (an
  e-mail address is not a safe cache key). While Redis is unreachable it counts in the
  database instead (never "allow everything"). Every throttle and lockout count of the
  platform is a budget: sign-in failures per address, password resets, API
  authentication failures, and the DRF throttles (:class:`BudgetThrottle`: certificate
  verification lookups, API requests). django-axes' per-account counts are database
  rows already.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from rest_framework.throttling import SimpleRateThrottle

from lms.cache import CacheUnavailable, counting_cache
from lms.settings.env import RATE

from .models import BudgetCount

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
    """``rate`` hits per identity in ``scope``. A window opens at an identity's first hit
    and lasts the rate's period; the hits in it are counted atomically (``add`` then
    ``incr``), so every app process sharing the cache shares the budget, however many
    requests race.

    While the shared cache cannot be reached (:class:`lms.cache.CacheUnavailable`), the
    same windows are counted in the database (:class:`BudgetCount`, one row per identity,
    locked while it is counted): a Redis outage never lets attempts through uncounted (a
    throttle that failed open would be a hole; one that failed closed would shut out
    every officer signing in and every employer verifying a certificate). The database
    counts start afresh with the outage, and the cache's when Redis comes back: a client
    gets at most one extra budget at each change."""

    scope: str
    rate: Rate

    def _key(self, identity: str) -> str:
        digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"lms-budget:{self.scope}:{self.rate.count}/{self.rate.seconds}:{digest}"

    def _wait(self, started: float | None, now: float) -> int:
        ends = (now if started is None else started) + self.rate.seconds
        return max(1, math.ceil(ends - now))

    def spent(self, identity: str, *, now: float | None = None) -> int | None:
        """Seconds to wait when ``identity`` has no hit left in its window, else None.
        Counts nothing."""
        now = time.time() if now is None else now
        key = self._key(identity)
        try:
            store = counting_cache()
            used = store.get(f"{key}:n", 0)
            started = store.get(f"{key}:t") if used >= self.rate.count else None
        except CacheUnavailable:
            used, started = _database_count(key, self.rate.seconds, now, hit=False)
        return self._wait(started, now) if used >= self.rate.count else None

    def hit(self, identity: str, *, now: float | None = None) -> int | None:
        """Count one hit; seconds to wait when it went over the budget, else None."""
        now = time.time() if now is None else now
        key = self._key(identity)
        try:
            used, started = self._cache_hit(key, now)
        except CacheUnavailable:
            used, started = _database_count(key, self.rate.seconds, now, hit=True)
        return self._wait(started, now) if used > self.rate.count else None

    def _cache_hit(self, key: str, now: float) -> tuple[int, float | None]:
        store, timeout = counting_cache(), self.rate.seconds
        store.add(f"{key}:t", now, timeout=timeout)
        store.add(f"{key}:n", 0, timeout=timeout)
        try:
            used = store.incr(f"{key}:n")
        except ValueError:  # the window ended between add and incr
            store.set(f"{key}:t", now, timeout=timeout)
            store.set(f"{key}:n", 1, timeout=timeout)
            return 1, now
        return used, (store.get(f"{key}:t") if used > self.rate.count else None)


def _database_count(key: str, seconds: int, now: float, *, hit: bool) -> tuple[int, float]:
    """Hits of ``key``'s window in the database (the cache is unreachable), after
    counting one more when ``hit``; and when the window started."""
    if not hit:
        row = BudgetCount.objects.filter(key=key, expires_at__gt=now).first()
        return (row.count, row.started_at) if row else (0, now)
    with transaction.atomic():
        row, created = BudgetCount.objects.select_for_update().get_or_create(
            key=key, defaults={"count": 0, "started_at": now, "expires_at": now + seconds}
        )
        if not created and row.expires_at <= now:
            row.count, row.started_at, row.expires_at = 0, now, now + seconds
        row.count += 1
        row.save(update_fields=["count", "started_at", "expires_at"])
    if created:  # now and then: forget the windows that ended
        BudgetCount.objects.filter(expires_at__lte=now).delete()
    return row.count, row.started_at


class BudgetThrottle(SimpleRateThrottle):
    """A Django REST framework throttle counted by a :class:`Budget` (atomic across app
    processes, counted in the database while the cache is unreachable) instead of DRF's
    list of timestamps, which two processes can overwrite. Subclasses give the scope, the
    rate (``get_rate``) and the identity (``get_cache_key``)."""

    retry: int | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        identity = self.get_cache_key(request, view)
        if identity is None:
            return True
        rate = Rate.parse(self.rate, setting=f"the {self.scope} throttle rate")
        self.retry = Budget(f"throttle-{self.scope}", rate).hit(identity)
        return self.retry is None

    def wait(self) -> float | None:
        return self.retry
