"""The shared cache (Redis in production) and what happens when it cannot be reached.

Several app processes, on one machine or several, must agree on throttles, lockouts and
cached site settings, so production keeps its cache in Redis (``REDIS_URL``). A Redis
outage must not become an outage of the platform:

- :class:`FailSafeRedisCache` is Django's own ``RedisCache`` whose connection and timeout
  errors degrade: ``get`` answers as a miss, ``set``/``add``/``delete`` do nothing, and
  the page is built from the database as it would be on a cold cache. Errors are logged,
  once a minute at most per process. After an error the process leaves Redis alone for
  ``pause_after_error`` seconds (one by default), then tries again: an outage costs a
  page a few milliseconds, not a socket timeout per cache call, and when Redis is back
  the cache is used again without a restart. Sockets time out quickly (connect 0.25 s,
  read 0.5 s by default) and redis-py's own retries are limited to one immediate retry
  (a stale pooled connection after a Redis restart), without back-off.
- Counters never degrade: a throttle or lockout that silently allowed every attempt
  while Redis is down would be a hole. ``incr`` raises :class:`CacheUnavailable`, and
  :func:`counting_cache` gives the strict view of the cache whose every operation
  raises it; :class:`lms.accounts.throttles.Budget` (every throttle and lockout count of
  the platform) then counts in the database instead (see that module).
- Sessions and django-axes' failed sign-ins live in the database already: a Redis outage
  signs nobody out and forgets no failure.

Known limit: a cache entry deleted during an outage (a site setting saved then) is not
deleted in Redis; if Redis kept its data through the outage, the old value is shown
until it expires (ten minutes for site settings).

The deploy check :func:`check_shared_cache` refuses a per-process cache in production.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.checks import Error, Tags, register

try:
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from redis.retry import Retry
except ImportError:  # the deploy check names the problem (lms.E202)
    UNREACHABLE: tuple[type[BaseException], ...] = ()
    Retry = None  # type: ignore[assignment,misc]
else:
    UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

log = logging.getLogger("lms.cache")

LOG_EVERY_SECONDS = 60.0
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
PER_PROCESS_BACKENDS = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


class CacheUnavailable(Exception):
    """The shared cache could not be reached: a count cannot be made or read there."""


class _Breaker:
    """One process's memory of the last error: when to try Redis again, when last logged.

    Shared by the cache objects of every thread of the process (Django makes one per
    thread), so that an outage is logged once a minute per process, not per thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.logged_at = float("-inf")
        self.suppressed = 0
        self.down = False


_BREAKERS: dict[str, _Breaker] = {}
_BREAKERS_LOCK = threading.Lock()


def _breaker_for(location: str) -> _Breaker:
    with _BREAKERS_LOCK:
        return _BREAKERS.setdefault(location, _Breaker())


class ReusedClients(RedisCacheClient):
    """Django's Redis client layer, keeping one redis-py client per connection pool.

    Django builds a new ``redis.Redis`` object for every cache call, and each one copies
    redis-py's table of some eighty response callbacks: 0.13 ms of CPU per call, more than
    the call itself (a page makes four to six). The client holds no connection of its
    own (the pool does, and reconnects after an outage) and is safe to share, so one per
    pool is kept. Django makes a cache object per thread; so is this."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSafeRedisCache(RedisCache):
    """Django's ``RedisCache`` that degrades on connection and timeout errors (module
    docstring). ``OPTIONS`` takes ``pause_after_error`` (seconds) besides redis-py's
    connection options."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {**DEFAULT_OPTIONS, **(params.get("OPTIONS") or {})}
        self.pause_after_error = float(options.pop("pause_after_error", 1.0))
        if Retry is not None:
            options.setdefault("retry", Retry(NoBackoff(), 1))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClients
        self._breaker = _breaker_for(server if isinstance(server, str) else ",".join(server))
        self.strict = StrictCache(self)

    # --- the guard ---------------------------------------------------------------------

    def guarded(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``call(*args, **kwargs)``; :class:`CacheUnavailable` when Redis cannot be
        reached, or was not reachable less than ``pause_after_error`` seconds ago."""
        breaker = self._breaker
        if breaker.down_until > time.monotonic():
            raise CacheUnavailable("the shared cache was unreachable a moment ago")
        try:
            result = call(*args, **kwargs)
        except UNREACHABLE as error:
            self._failed(error)
            raise CacheUnavailable(str(error)) from error
        if breaker.down:
            with breaker.lock:
                if breaker.down:
                    breaker.down = False
                    log.warning("The shared cache (Redis) is reachable again.")
        return result

    def _failed(self, error: BaseException) -> None:
        breaker = self._breaker
        now = time.monotonic()
        with breaker.lock:
            breaker.down = True
            breaker.down_until = now + self.pause_after_error
            if now - breaker.logged_at < LOG_EVERY_SECONDS:
                breaker.suppressed += 1
                return
            suppressed, breaker.suppressed, breaker.logged_at = breaker.suppressed, 0, now
        log.error(
            "The shared cache (Redis) is unreachable: %s. Pages are served from the "
            "database; throttles and lockouts count in the database (%d more errors since "
            "the last report).",
            error,
            suppressed,
        )

    def _degrade(self, fallback: Any, call: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        try:
            return self.guarded(call, *args, **kw)
        except CacheUnavailable:
            return fallback

    # --- degrading operations ----------------------------------------------------------

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._degrade(default, super().get, key, default, version)

    def add(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        # False ("already there"): whoever uses add as a lock does not get it.
        return self._degrade(False, super().add, key, value, timeout, version)

    def set(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._degrade(None, super().set, key, value, timeout, version)

    def touch(
        self, key: str, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._degrade(False, super().touch, key, timeout, version)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._degrade(False, super().delete, key, version)

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return self._degrade({}, super().get_many, keys, version)

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._degrade(False, super().has_key, key, version)

    def set_many(
        self,
        data: dict[str, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[str]:
        return self._degrade(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        self._degrade(None, super().delete_many, keys, version)

    def clear(self) -> None:
        self._degrade(None, super().clear)

    # --- counters never degrade --------------------------------------------------------

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Raises :class:`CacheUnavailable` on an outage: a count cannot be made up."""
        return self.guarded(super().incr, key, delta, version)


class StrictCache:
    """The same Redis cache, whose operations raise :class:`CacheUnavailable` on an
    outage instead of degrading (for counters: :func:`counting_cache`)."""

    def __init__(self, cache: FailSafeRedisCache) -> None:
        self._cache = cache

    def get(self, key: str, default: Any = None) -> Any:
        return self._cache.guarded(RedisCache.get, self._cache, key, default)

    def add(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT) -> bool:
        return self._cache.guarded(RedisCache.add, self._cache, key, value, timeout)

    def set(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self._cache.guarded(RedisCache.set, self._cache, key, value, timeout)

    def incr(self, key: str, delta: int = 1) -> int:
        return self._cache.guarded(RedisCache.incr, self._cache, key, delta)


def counting_cache() -> Any:
    """The default cache for counts: its strict view when it is a
    :class:`FailSafeRedisCache`, else the cache itself (local memory in development and
    tests, which never becomes unreachable)."""
    from django.core.cache import caches

    cache = caches["default"]
    return getattr(cache, "strict", cache)


# --- deploy check ------------------------------------------------------------------------


@register(Tags.caches, Tags.security, deploy=True)
def check_shared_cache(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Production needs a cache shared by every app process (lms.E201), and the Redis
    client when REDIS_URL names Redis (lms.E202).

    Checked whatever the number of processes, unless the operator declares exactly one
    (``WEB_CONCURRENCY=1``, which gunicorn also reads as its number of workers): a check
    cannot see how many workers a process manager starts nor how many machines stand
    behind the proxy, and the platform's production shape is several processes, where a
    per-process cache multiplies every throttle by their number."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    errors = []
    if backend in PER_PROCESS_BACKENDS and getattr(settings, "LMS_APP_PROCESSES", 0) != 1:
        errors.append(
            Error(
                f"The default cache ({backend.rsplit('.', 1)[-1]}) is kept in each process: "
                "every app process would count throttles and lockouts on its own and keep "
                "its own copy of site settings.",
                hint="Set REDIS_URL (for example redis://cache.internal:6379/0) so that "
                "every app process shares one cache; or, with exactly one app process, "
                "set WEB_CONCURRENCY=1.",
                id="lms.E201",
            )
        )
    if "redis" in backend.lower() and importlib.util.find_spec("redis") is None:
        errors.append(
            Error(
                "REDIS_URL is set but the Redis client (the redis package) is not installed: "
                "every page would fail.",
                hint="Install the project's dependencies (pip install -c requirements.lock .).",
                id="lms.E202",
            )
        )
    return errors
