"""SQLite, the embedded default (``make run``), under a classroom's concurrent writes.

A database file in a temporary folder, configured by the project's own settings helper
(``lms.settings.base.database_from_url``: IMMEDIATE transactions, a busy timeout, WAL), and
real threads, each with its own Django connection as each request of the threaded
development server has. Each transaction reads, then writes, as an xAPI post (the slot,
then the statement) or an exam autosave (the attempt, then the answer) does: the pattern
that answered "database is locked" (a 500) in deferred transactions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connections, transaction
from django.utils import timezone

from lms.settings.base import database_from_url

ALIAS = "sqlite_concurrency"
THREADS = 8
TRANSACTIONS = 25


@pytest.fixture
def sqlite_file(tmp_path, django_db_blocker) -> Iterator[str]:
    """The alias of a database file in ``tmp_path`` with the project's SQLite options and
    one table (Django's sessions: a real model, no foreign keys)."""
    config = database_from_url(f"sqlite:///{tmp_path / 'classroom.sqlite3'}")
    connections.settings[ALIAS] = connections.configure_settings({"default": config})["default"]
    try:
        with django_db_blocker.unblock():
            with connections[ALIAS].schema_editor() as editor:
                editor.create_model(Session)
            yield ALIAS
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


def rows(alias: str):
    return Session.objects.using(alias)


def read_then_write(alias: str, key: str) -> None:
    """One request's transaction: read, then write what the read decided."""
    with transaction.atomic(using=alias):
        seen = rows(alias).filter(session_key__startswith=f"{key}-").count()
        rows(alias).create(
            session_key=f"{key}-{seen}", session_data="{}", expire_date=timezone.now()
        )


def test_the_database_file_is_in_wal_mode_with_immediate_transactions(sqlite_file):
    connection = connections[sqlite_file]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.transaction_mode == "IMMEDIATE"


def test_concurrent_writers_never_meet_a_locked_database(sqlite_file):
    start = threading.Barrier(THREADS)
    errors: list[str] = []

    def officer(number: int) -> None:
        try:
            start.wait(timeout=30)
            for _ in range(TRANSACTIONS):
                read_then_write(sqlite_file, f"officer{number}")
        except Exception as error:  # every failure is the finding
            errors.append(repr(error))
        finally:
            connections[sqlite_file].close()

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    # Every transaction committed, and each one read what the officer's previous ones wrote.
    keys = set(rows(sqlite_file).values_list("session_key", flat=True))
    assert keys == {f"officer{n}-{i}" for n in range(THREADS) for i in range(TRANSACTIONS)}


def test_a_transaction_holds_the_write_lock_from_its_start(sqlite_file):
    """How the 500s came: two requests read, one writes and commits, and the other's write
    then fails at once (its snapshot is stale: no timeout helps). With IMMEDIATE the second
    request waits at its start until the first commits, then goes ahead."""
    outcome: list[str] = []

    def other_request() -> None:
        try:
            read_then_write(sqlite_file, "other")
            outcome.append("committed")
        except OperationalError as error:
            outcome.append(str(error))
        finally:
            connections[sqlite_file].close()

    with transaction.atomic(using=sqlite_file):
        assert rows(sqlite_file).count() == 0
        other = threading.Thread(target=other_request)
        other.start()
        other.join(timeout=0.5)
        # A deferred transaction would have let the other request commit by now.
        assert other.is_alive() and outcome == []
        rows(sqlite_file).create(
            session_key="first-0", session_data="{}", expire_date=timezone.now()
        )
    other.join(timeout=30)
    assert outcome == ["committed"]
    assert set(rows(sqlite_file).values_list("session_key", flat=True)) == {"first-0", "other-0"}
