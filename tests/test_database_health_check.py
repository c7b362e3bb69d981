"""The database connection's health check (lms/db/postgresql): a request on a healthy
kept connection sends nothing to check it, and a connection the server ended (a restart,
``pg_terminate_backend``) is still found and replaced before the request's first query."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from lms.accounts.models import User
from lms.db.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL's backend (the CI leg runs it)"
)


def request_starts() -> None:
    """What each request's close_old_connections does to a kept connection: it re-arms
    the check (the suite's connections are not kept between requests, CONN_MAX_AGE 0)."""
    connection.health_check_done = False


class Sent:
    """Counts what is sent on the raw psycopg connection, past Django's own wrappers."""

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw, self.count = raw, 0
        self.original = raw.cursor

        def counting(*args, **kwargs):
            self.count += 1
            return self.original(*args, **kwargs)

        raw.cursor = counting

    def restore(self) -> None:
        self.raw.cursor = self.original


def test_the_settings_use_the_checking_backend():
    assert isinstance(connections["default"], DatabaseWrapper)
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db(transaction=True)
def test_a_healthy_kept_connection_is_checked_without_a_round_trip():
    User.objects.count()  # connected
    request_starts()
    sent = Sent(connection.connection)
    try:
        with CaptureQueriesContext(connection) as queries:
            assert User.objects.count() == 0
        assert len(queries) == 1
        # Django's check would have opened a cursor for SELECT 1 before the query.
        assert sent.count == 1
        assert connection.health_check_done
    finally:
        sent.restore()


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_the_first_query():
    User.objects.count()
    ended = connection.connection.info.backend_pid
    dsn = connection.connection.info.dsn
    with psycopg.connect(dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [ended])
        for _ in range(100):  # the backend exits a moment later
            alive = other.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [ended]
            ).fetchone()[0]
            if not alive:
                break
            time.sleep(0.02)
    request_starts()
    assert User.objects.count() == 0  # no error: the check found the ended connection
    assert connection.connection.info.backend_pid != ended


@pytest.mark.django_db(transaction=True)
def test_a_connection_left_in_a_transaction_is_checked_by_asking_the_server():
    User.objects.count()
    raw = connection.connection
    raw.execute("BEGIN")  # not idle: the state alone does not tell
    try:
        sent = Sent(raw)
        try:
            assert connection.is_usable()
            assert sent.count == 1  # Django's SELECT 1
        finally:
            sent.restore()
    finally:
        raw.execute("ROLLBACK")
