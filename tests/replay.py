"""Expensive fixtures built once per test process, then replayed as rows.

A course tree takes some 1,500 queries to build the way authors build it (pages added
and published through Wagtail, translations copied, the catalogue search updated), and
several hundred tests ask for one. ``@replayed`` builds it for real the first time and
records what the build changed in the database: the rows it inserted, the columns it
changed in rows that were there, the rows it deleted. Later tests that ask for the same
fixture from the same starting point get those changes written back directly (a few
bulk statements), then the fixture's value read afresh from the database.

"The same starting point" is checked, never assumed: before each use the row count and
highest primary key of every table are read in one query, and a recording is replayed
only onto a database in exactly the state it was recorded from. Anything else (a test
that created rows first, in another order) builds the fixture for real and records that
too. The recorded rows carry their primary keys, so on PostgreSQL, where sequences do
not roll back with a test's transaction, each database test starts with every sequence
set just past its table's highest key, as a fresh database would be: the same fixtures
then give the same keys in every test, as they already do on SQLite.

What is not in the database is not replayed: files a fixture writes stay in the test
process's media folder, so only fixtures whose files stay put may be replayed, and the
fixture's value may hold model instances (read again by primary key), namespaces, lists,
dicts and plain values.

``LMS_TEST_REPLAY=0`` builds every fixture for real; ``LMS_TEST_REPLAY_ONLY=a,b`` replays
only the fixtures named; ``LMS_TEST_REPLAY_CHECK=1`` also compares every table with the
recorded starting point before a replay and names, on standard error, the tables and
columns that differ beyond the count and highest key (time stamps, names), to look for a
fixture whose build depends on them.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models, transaction

ENABLED = os.environ.get("LMS_TEST_REPLAY", "1") != "0"
FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")

Key = tuple[Any, ...]


@dataclass
class _Table:
    name: str
    key: list[str]  # primary key columns; SQLite tables without one use the rowid
    integer_key: str | None  # the single integer key column, for max() and sequences
    virtual: bool = False


@dataclass
class _Recording:
    inserts: dict[str, list[Any]] = field(default_factory=dict)
    updates: dict[str, list[tuple[Key, dict[str, Any]]]] = field(default_factory=dict)
    deletes: dict[str, list[Key]] = field(default_factory=dict)
    value: Any = None
    before: Any = None


_tables: dict[str, list[_Table]] = {}
_fingerprint_sql: dict[str, str] = {}
_recordings: dict[tuple[str, str, tuple], _Recording] = {}
_sequence_sql: dict[str, str] = {}


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def tables() -> list[_Table]:
    vendor = connection.vendor
    if vendor not in _tables:
        found = []
        with connection.cursor() as cursor:
            names = connection.introspection.table_names(cursor)
            virtual: set[str] = set()
            if vendor == "sqlite":
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND sql LIKE 'CREATE VIRTUAL TABLE%'"
                )
                virtual = {row[0] for row in cursor.fetchall()}
            shadows = {f"{table}{suffix}" for table in virtual for suffix in FTS_SHADOWS}
            for name in sorted(names):
                if name in shadows or name.startswith("sqlite_") or name == "django_migrations":
                    continue
                key = [] if name in virtual else _primary_key(cursor, name)
                integer_key = key[0] if len(key) == 1 and _is_integer(name, key[0]) else None
                if vendor == "sqlite" and not key:
                    integer_key = "rowid"
                found.append(_Table(name, key, integer_key, name in virtual))
        _tables[vendor] = found
    return _tables[vendor]


def _primary_key(cursor: Any, table: str) -> list[str]:
    return list(connection.introspection.get_primary_key_columns(cursor, table) or [])


def _is_integer(table: str, column: str) -> bool:
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == table:
            pk = model._meta.pk
            return pk.column == column and isinstance(
                pk, models.AutoField | models.BigAutoField | models.SmallAutoField
            )
    return connection.vendor == "sqlite" and column == "rowid"


def fingerprint() -> tuple:
    """Every table's row count and highest integer key, in one query."""
    vendor = connection.vendor
    if vendor not in _fingerprint_sql:
        parts = []
        for table in tables():
            top = f"MAX({_quote(table.integer_key)})" if table.integer_key else "0"
            parts.append(f"SELECT COUNT(*), {top} FROM {_quote(table.name)}")
        _fingerprint_sql[vendor] = " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql[vendor])
        return tuple(tuple(row) for row in cursor.fetchall())


def _rows(table: _Table) -> dict[Key, dict[str, Any]]:
    """The table's rows by key, each as column -> value in a form the database takes
    back unchanged (PostgreSQL: JSON of the row; SQLite: its own values)."""
    rows: dict[Key, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT to_jsonb(t) FROM {_quote(table.name)} t")
            for (text,) in cursor.fetchall():
                # Django's connection leaves JSON undecoded (its JSONField decodes).
                row = json.loads(text) if isinstance(text, str) else text
                key = tuple(row[column] for column in table.key) if table.key else None
                rows[key if key is not None else (json.dumps(row, sort_keys=True),)] = row
        else:
            select = "rowid AS rowid, *" if not table.key else "*"
            cursor.execute(f"SELECT {select} FROM {_quote(table.name)}")
            columns = [column[0] for column in cursor.description]
            for values in cursor.fetchall():
                row = dict(zip(columns, values, strict=True))
                rows[tuple(row[column] for column in (table.key or ["rowid"]))] = row
    return rows


def snapshot() -> dict[str, dict[Key, dict[str, Any]]]:
    return {table.name: _rows(table) for table in tables()}


def difference(before: dict, after: dict) -> _Recording:
    by_name = {table.name: table for table in tables()}
    recording = _Recording()
    for name, rows in after.items():
        old = before[name]
        inserted = [row for key, row in rows.items() if key not in old]
        if inserted:
            recording.inserts[name] = inserted
        changed = []
        for key, row in rows.items():
            if key in old and row != old[key]:
                changed.append(
                    (
                        key,
                        {
                            column: value
                            for column, value in row.items()
                            if old[key][column] != value
                        },
                    )
                )
        if changed:
            recording.updates[name] = changed
        deleted = [key for key in old if key not in rows]
        if deleted and connection.vendor == "postgresql" and not by_name[name].key:
            raise _Unreplayable  # no key to delete it by
        if deleted:
            recording.deletes[name] = deleted
    return recording


def _where(table: _Table) -> str:
    return " AND ".join(f"{_quote(column)} = %s" for column in table.key or ["rowid"])


def apply(recording: _Recording) -> None:
    by_name = {table.name: table for table in tables()}
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for name, keys in recording.deletes.items():
            cursor.executemany(
                f"DELETE FROM {_quote(name)} WHERE {_where(by_name[name])}",
                [list(key) for key in keys],
            )
        for name, changes in recording.updates.items():
            table = by_name[name]
            for key, columns in changes:
                if postgres:
                    sets = ", ".join(f"{_quote(c)} = r.{_quote(c)}" for c in columns)
                    match = " AND ".join(f"t.{_quote(c)} = r.{_quote(c)}" for c in table.key)
                    cursor.execute(
                        f"UPDATE {_quote(name)} t SET {sets} FROM jsonb_populate_record("
                        f"NULL::{_quote(name)}, %s::jsonb) r WHERE {match}",
                        [json.dumps({**columns, **dict(zip(table.key, key, strict=True))})],
                    )
                else:
                    sets = ", ".join(f"{_quote(c)} = %s" for c in columns)
                    cursor.execute(
                        f"UPDATE {_quote(name)} SET {sets} WHERE {_where(table)}",
                        [*columns.values(), *key],
                    )
        inserts = sorted(recording.inserts.items(), key=lambda item: by_name[item[0]].virtual)
        for name, rows in inserts:
            if postgres:
                cursor.executemany(
                    f"INSERT INTO {_quote(name)} SELECT * FROM jsonb_populate_record("
                    f"NULL::{_quote(name)}, %s::jsonb)",
                    [[json.dumps(row)] for row in rows],
                )
            else:
                columns = list(rows[0])
                if by_name[name].virtual:
                    # A full-text table may be kept by triggers on its source table, which
                    # the inserts above have just run: write its rows over theirs.
                    cursor.executemany(
                        f"DELETE FROM {_quote(name)} WHERE rowid = %s",
                        [[row["rowid"]] for row in rows],
                    )
                cursor.executemany(
                    f"INSERT INTO {_quote(name)} ({', '.join(map(_quote, columns))}) "
                    f"VALUES ({', '.join(['%s'] * len(columns))})",
                    [[row[column] for column in columns] for row in rows],
                )
        if postgres:
            for name in recording.inserts:
                table = by_name[name]
                if table.integer_key:
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, %s), "
                        f"(SELECT MAX({_quote(table.integer_key)}) FROM {_quote(name)}))",
                        [_quote(name), table.integer_key],
                    )


class _Unreplayable(Exception):
    pass


def describe(value: Any) -> Any:
    """The fixture's value as instructions to read it again."""
    if isinstance(value, models.Model):
        if value.pk is None:
            raise _Unreplayable
        return ("model", type(value), value.pk)
    if isinstance(value, SimpleNamespace):
        return ("namespace", {name: describe(item) for name, item in vars(value).items()})
    if isinstance(value, dict):
        return ("dict", {name: describe(item) for name, item in value.items()})
    if isinstance(value, list | tuple):
        return (type(value).__name__, [describe(item) for item in value])
    if value is None or isinstance(value, str | int | float | bool):
        return ("plain", value)
    raise _Unreplayable


def rebuild(description: Any) -> Any:
    kind, payload, *rest = description
    if kind == "model":
        return payload._base_manager.get(pk=rest[0])
    if kind == "namespace":
        return SimpleNamespace(**{name: rebuild(item) for name, item in payload.items()})
    if kind == "dict":
        return {name: rebuild(item) for name, item in payload.items()}
    if kind in ("list", "tuple"):
        items = [rebuild(item) for item in payload]
        return items if kind == "list" else tuple(items)
    return payload


def _report_differences(fixture: str, before: dict, now: dict) -> None:
    for name, rows in now.items():
        was = before[name]
        if rows == was:
            continue
        columns = {
            column
            for key in set(rows) | set(was)
            for column in set(rows.get(key, {})) | set(was.get(key, {}))
            if rows.get(key, {}).get(column) != was.get(key, {}).get(column)
        }
        print(f"REPLAY-DIFF {fixture} {name} {sorted(columns)}", file=sys.stderr)


def replayed(build: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a function-scoped database fixture (under ``@pytest.fixture``)."""

    @functools.wraps(build)
    def fixture(*args: Any, **kwargs: Any) -> Any:
        only = os.environ.get("LMS_TEST_REPLAY_ONLY")
        if not ENABLED or (only and build.__name__ not in only.split(",")):
            return build(*args, **kwargs)
        start = fingerprint()
        key = (build.__qualname__, connection.vendor, start)
        recording = _recordings.get(key)
        if recording is not None:
            if os.environ.get("LMS_TEST_REPLAY_CHECK"):
                _report_differences(build.__qualname__, recording.before, snapshot())
            with transaction.atomic():
                apply(recording)
            return rebuild(recording.value)
        before = snapshot()
        value = build(*args, **kwargs)
        try:
            description = describe(value)
        except _Unreplayable:
            return value
        try:
            recording = difference(before, snapshot())
        except _Unreplayable:
            return value
        recording.value = description
        recording.before = before
        _recordings[key] = recording
        return value

    return fixture


def _sequences_sql() -> str:
    if "postgresql" not in _sequence_sql:
        parts = []
        with connection.cursor() as cursor:
            for table in tables():
                if not table.integer_key:
                    continue
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)", [_quote(table.name), table.integer_key]
                )
                (sequence,) = cursor.fetchone()
                if sequence:
                    parts.append(
                        f"setval('{sequence}', COALESCE((SELECT MAX({_quote(table.integer_key)}) "
                        f"FROM {_quote(table.name)}), 0) + 1, false)"
                    )
        _sequence_sql["postgresql"] = "SELECT " + ", ".join(parts) if parts else ""
    return _sequence_sql["postgresql"]


@pytest.fixture(autouse=True)
def _fixed_sequences(request: pytest.FixtureRequest) -> None:
    """On PostgreSQL, each plain database test starts with its sequences just past the
    highest keys, so the same fixtures give the same keys (see the module's docstring)."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server", "django_db_reset_sequences"} & names or (
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    )
    if not ENABLED or transactional or not ("db" in names or marker):
        return
    request.getfixturevalue("db")
    if connection.vendor == "postgresql":
        sql = _sequences_sql()
        if sql:
            with connection.cursor() as cursor:
                cursor.execute(sql)
