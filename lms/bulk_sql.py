"""Many rows as one SQL row source, for writes whose cost is the ORM rather than the database.

``bulk_create`` and ``bulk_update`` prepare every value of every row field by field (and
``bulk_update`` builds a CASE per row and field); for the forty responses of an attempt
that costs more than the database's work. :func:`rows_cte` gives a ``WITH`` clause naming
the rows instead: PostgreSQL gets one array per column (a parameter per column, so the
driver has nothing long to parse), other databases a ``VALUES`` list. The caller's
statement reads the rows by the CTE's name (``INSERT ... SELECT ... FROM name`` or
``UPDATE ... FROM name``). Values are passed as parameters, never in the SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections


def rows_cte(
    name: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]
) -> tuple[str, list[Any]]:
    """``WITH name (columns) AS (...)`` holding ``rows``, and its parameters.

    ``columns`` are (column name, PostgreSQL type) pairs; the names and types are the
    caller's constants, never input. Cast a column in the caller's statement where the
    database needs it (``CAST(x AS jsonb)``)."""
    names = ", ".join(column for column, _type in columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for _column, kind in columns)
        clause = f"WITH {name} ({names}) AS (SELECT * FROM unnest({arrays}))"  # noqa: S608
        params: list[Any] = [[row[index] for row in rows] for index in range(len(columns))]
        return clause, params
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    clause = f"WITH {name} ({names}) AS (VALUES {', '.join([one] * len(rows))})"
    return clause, [value for row in rows for value in row]


def execute(sql: str, params: Sequence[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def row_values(
    instance: Any, *, leave_out: Sequence[str] = ()
) -> tuple[list[str], list[str], list[Any]]:
    """The quoted column names, placeholders and database values of an unsaved model
    ``instance``, as ``Model.save()`` would insert them (defaults and ``auto_now_add``
    filled in on the instance), for an ``INSERT ... SELECT`` written out by the caller. The
    primary key and the fields named in ``leave_out`` (the caller supplies them) are not
    included. On PostgreSQL each placeholder carries its column's type (``%s::integer``):
    a statement whose parameters the server binds (``preparing_cursor``) cannot otherwise
    type a value in a ``SELECT`` list (a NULL would be text)."""
    database = connections[DEFAULT_DB_ALIAS]
    fields, columns, placeholders = _insert_shape(type(instance), tuple(leave_out), database)
    values = [field.get_db_prep_save(field.pre_save(instance, True), database) for field in fields]
    return list(columns), list(placeholders), values


_shapes: dict[tuple[type, tuple[str, ...], str], tuple[tuple, tuple, tuple]] = {}


def _insert_shape(model: type, leave_out: tuple[str, ...], database: Any) -> tuple:
    """The fields :func:`row_values` inserts, their quoted columns and placeholders: the
    same for every row of a model (worked out once per process: a Start runs this twice)."""
    key = (model, leave_out, database.vendor)
    found = _shapes.get(key)
    if found is None:
        quote = database.ops.quote_name
        typed = database.vendor == "postgresql"
        fields = tuple(
            field
            for field in model._meta.concrete_fields
            if not (field.primary_key or field.name in leave_out or field.generated)
        )
        found = _shapes[key] = (
            fields,
            tuple(quote(field.column) for field in fields),
            tuple(f"%s::{field.cast_db_type(database)}" if typed else "%s" for field in fields),
        )
    return found
