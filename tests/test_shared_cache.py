"""The shared cache (lms/cache.py) against a real Redis server: app processes share their
throttles, and a Redis outage degrades (pages served, counts kept in the database)
instead of failing every page, and ends without a restart."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

from lms.accounts.models import BudgetCount
from lms.cache import CacheUnavailable, FailSafeRedisCache, check_shared_cache
from tests.topology import RedisServer

ROOT = Path(__file__).resolve().parents[1]
UNKNOWN_CODE = "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One Redis for the test session, killed at its end."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared_cache(settings, redis_server: RedisServer) -> RedisServer:
    """The default cache is the production backend on the session's Redis, emptied."""
    if not redis_server.running:  # a test that stopped it failed before starting it again
        redis_server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "lms.cache.FailSafeRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"pause_after_error": 0.2},
        }
    }
    redis.Redis.from_url(redis_server.url).flushdb()
    return redis_server


def budget_keys(server: RedisServer) -> list[bytes]:
    return redis.Redis.from_url(server.url).keys("*lms-budget*")


# --- (a) two app processes share one throttle -------------------------------------------

LOOKUPS = """
import sys
import django
django.setup()
from django.test import RequestFactory
from certificates.api import check_throttle
print("ready", flush=True)
sys.stdin.readline()
request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.20")
print(sum(check_throttle(request) is None for _ in range(10)), flush=True)
"""


def production_env(redis_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "training.customs.example",
        # Never opened while Redis answers: the counts live there.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "REDIS_URL": redis_url,
        **extra,
    }


def test_two_app_processes_share_the_verification_limit(shared_cache, tmp_path):
    """Two production processes, ten lookups each from one client, at the same moment:
    twelve allowed in all (the rate), not twelve per process as with a per-process cache."""
    env = production_env(shared_cache.url, tmp_path, LMS_VERIFY_RATE="12/min")
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", LOOKUPS],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        for process in processes:  # both start counting together
            process.stdin.write("go\n")
            process.stdin.flush()
        allowed = []
        for process in processes:
            out, err = process.communicate(timeout=60)
            assert process.returncode == 0, err
            allowed.append(int(out.strip()))
    finally:
        for process in processes:
            process.kill()
    assert sum(allowed) == 12, allowed
    assert budget_keys(shared_cache), "the count lives in Redis"


# --- (b) an outage degrades, (c) and ends without a restart -----------------------------


@pytest.mark.django_db
def test_a_redis_outage_serves_pages_and_counts_in_the_database(
    shared_cache, client, settings, caplog
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"verify": "3/min", "api": "1000/hour"},
    }
    settings.LMS_LOGIN_ADDRESS_FAILURE_RATE = "3/15m"
    verify = reverse("certificates:verify", args=[UNKNOWN_CODE])
    login = reverse("accounts:login")
    caplog.set_level(logging.WARNING, logger="lms.cache")

    shared_cache.stop()
    try:
        assert client.get(login).status_code == 200
        # The verification limit still holds, counted in the database.
        statuses = [client.get(verify).status_code for _ in range(4)]
        assert statuses == [404, 404, 404, 429]
        assert client.get(verify, REMOTE_ADDR="192.0.2.40").status_code == 404
        # Failed sign-ins from one address still add up to a lockout (any accounts).
        for number in range(3):
            failed = client.post(login, {"username": f"nobody{number}", "password": "wrong"})
            assert failed.status_code == 200
        locked = client.post(login, {"username": "nobody9", "password": "wrong"})
        assert locked.status_code == 429
        # Two verification clients and one address; and the lockout's audit record,
        # written once per account and address (lms/audit/sign_ins.py), counted there too.
        throttles = BudgetCount.objects.exclude(key__startswith="lms-budget:audit-lockout")
        assert throttles.count() == 3
        assert BudgetCount.objects.filter(key__startswith="lms-budget:audit-lockout").count() == 2
        # One report for the whole outage, not one per cache call.
        reports = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(reports) == 1
    finally:
        shared_cache.start()

    # Redis is back: after the pause, the same processes use it again.
    time.sleep(0.3)
    assert client.get(verify, REMOTE_ADDR="192.0.2.41").status_code == 404
    assert BudgetCount.objects.count() == 5  # nothing more in the database once Redis is back
    assert budget_keys(shared_cache)
    cache.set("lms-probe", "back")
    assert cache.get("lms-probe") == "back"
    assert any("reachable again" in r.getMessage() for r in caplog.records)


def test_the_backend_degrades_on_a_closed_port_but_counters_do_not(tmp_path):
    """Nothing listens: reads miss, writes do nothing, a count raises; and for the pause
    after an error the process does not even try (an outage costs no socket timeouts)."""
    server = RedisServer(tmp_path)
    closed = FailSafeRedisCache(server.url, {"OPTIONS": {"pause_after_error": 60}})
    closed.set("key", "value")
    assert closed.get("key", "missing") == "missing"
    assert closed.add("key", 1) is False
    assert closed.get_many(["key"]) == {}
    with pytest.raises(CacheUnavailable):
        closed.incr("key")
    with pytest.raises(CacheUnavailable):
        closed.strict.get("key")
    server.start()
    try:
        redis.Redis.from_url(server.url).set(closed.make_key("key"), b"0")
        assert closed.get("key", "paused") == "paused"  # Redis is up, but not asked yet
    finally:
        server.stop()


def test_cache_calls_reuse_one_client_and_it_reconnects_after_a_restart(shared_cache, monkeypatch):
    """Django would build a redis-py client per call (lms.cache.ReusedClients): a page's
    cache calls build one per thread, and that one still works once Redis is back."""
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    backend = FailSafeRedisCache(shared_cache.url, {"OPTIONS": {"pause_after_error": 0.1}})
    for number in range(20):
        backend.set(f"key{number}", number)
        assert backend.get(f"key{number}") == number
    assert backend.get_many(["key1", "key2"]) == {"key1": 1, "key2": 2}
    assert len(built) == 1
    shared_cache.stop()
    try:
        assert backend.get("key1", "down") == "down"
    finally:
        shared_cache.start()
    time.sleep(0.2)
    backend.set("after", "restart")
    assert backend.get("after") == "restart"
    pools = list(backend._cache._pools.values())
    assert len([client for client in built if client.connection_pool in pools]) == 1


# --- the deploy check -------------------------------------------------------------------


def test_check_deploy_refuses_production_without_a_shared_cache():
    from lms.accounts.tests.test_settings import GOOD_ENV, manage

    env = {k: v for k, v in GOOD_ENV.items() if k != "REDIS_URL"}
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "lms.E201" in result.stderr and "REDIS_URL" in result.stderr


def test_the_check_accepts_one_declared_process_and_names_a_missing_client(settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [e.id for e in check_shared_cache()] == ["lms.E201"]
    settings.LMS_APP_PROCESSES = 2
    assert [e.id for e in check_shared_cache()] == ["lms.E201"]
    settings.LMS_APP_PROCESSES = 1
    assert check_shared_cache() == []
    settings.CACHES = {
        "default": {"BACKEND": "lms.cache.FailSafeRedisCache", "LOCATION": "redis://h:6379/0"}
    }
    assert check_shared_cache() == []
    monkeypatch.setitem(sys.modules, "redis", None)  # as if the client were not installed
    assert [e.id for e in check_shared_cache()] == ["lms.E202"]
