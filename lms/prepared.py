"""Queries of the hottest pages, compiled by Django once per connection instead of once
per request.

On a signed-in lesson page the database answers each query in a few hundredths of a
millisecond, while Django spends more than a millisecond building and compiling it (a user
with its roles and administration: joins, an aggregate, a GROUP BY). A
:class:`PreparedQuery` names a queryset *shape*: a function of a few plain values (ids,
UUIDs, strings) that always builds the same SQL with those values as parameters. The
first call on a database connection builds the queryset with two sets of probe values,
compiles it, and finds which SQL parameters each value became; later calls put their
values into those places and run the stored SQL through the compiler Django made, so the
rows become model instances exactly as the queryset would make them (select_related,
annotations, database converters).

On PostgreSQL (:mod:`lms.db.postgresql`) the stored SQL runs through a cursor that binds
its parameters on the server, so that the server too parses and plans it once per
connection rather than on every request (it prepares a statement after a few runs).

It refuses to guess: when the probes do not show one clear place for each value, or a
value's database form is not the value itself (or a UUID's hex on databases without a
UUID type), the shape is marked unpreparable and every call builds the queryset as usual.
Either way the result is what ``list(build(*values))`` returns.

This leans on Django's compiler and ``ModelIterable`` (private, and pinned with Django):
tests run every prepared shape against its plain queryset.
"""

from __future__ import annotations

import copy
import threading
import uuid
import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from django.db.models.sql.compiler import cursor_iter
from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE, MULTI

_UNPREPARABLE = object()


def _identity(value: Any) -> Any:
    return value


def _hex(value: Any) -> Any:
    return value.hex


class _Stand:
    """What ``ModelIterable`` reads of a queryset, around a ready compiler."""

    def __init__(self, template: QuerySet, compiler: Any) -> None:
        self.db = template.db
        self.model = template.model
        self._fetch_mode = template._fetch_mode
        self._known_related_objects: dict[Any, Any] = {}
        self._compiler = compiler
        self.query = self

    def get_compiler(self, *args: Any, **kwargs: Any) -> Any:
        return self._compiler


class _ExecutePrepared:
    """``compiler.execute_sql`` for the rows of a model query (what ``ModelIterable``
    asks), through the connection's :meth:`preparing_cursor`."""

    def __init__(self, connection: Any, compiler: Any, sql: str, params: tuple) -> None:
        self.connection, self.compiler, self.sql, self.params = connection, compiler, sql, params

    def __call__(
        self,
        result_type: str = MULTI,
        chunked_fetch: bool = False,
        chunk_size: int = GET_ITERATOR_CHUNK_SIZE,
    ) -> list[Any]:
        if result_type != MULTI:  # pragma: no cover - ModelIterable asks for rows only
            raise ValueError(result_type)
        cursor = self.connection.preparing_cursor()
        try:
            cursor.execute(self.sql, self.params)
        except Exception:
            cursor.close()
            raise
        compiler = self.compiler
        return list(
            cursor_iter(
                cursor,
                self.connection.features.empty_fetchmany_value,
                compiler.col_count if compiler.has_extra_select else None,
                chunk_size,
            )
        )


class PreparedQuery[M: Model]:
    """``build(*values)`` compiled once per connection and shape (see the module).

    ``probes`` are two tuples of values of the same types as the real ones, different
    from each other in every position. ``shape`` (a call's argument) separates builds
    whose SQL differs otherwise (for example by the number of values)."""

    def __init__(
        self,
        model: type[M],
        build: Callable[..., QuerySet[M]],
        probes: Callable[[int], tuple[Sequence[Any], Sequence[Any]]],
    ) -> None:
        self.model = model
        self.build = build
        self.probes = probes
        # Per connection object (one per thread and alias): {shape: prepared or marker}.
        self._prepared: weakref.WeakKeyDictionary[Any, dict[Hashable, Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def __call__(self, *values: Any) -> list[M]:
        using = router.db_for_read(self.model)
        connection = connections[using]
        shape = len(values)
        with self._lock:
            by_shape = self._prepared.setdefault(connection, {})
        prepared = by_shape.get(shape)
        if prepared is None:
            prepared = by_shape[shape] = self._prepare(using, shape)
        if prepared is _UNPREPARABLE:
            return list(self.build(*values).using(using))
        template, compiler, sql, params, places = prepared
        params = list(params)
        for position, (index, convert) in places.items():
            params[position] = convert(values[index])
        ready = copy.copy(compiler)
        ready.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        if hasattr(connection, "preparing_cursor"):
            ready.execute_sql = _ExecutePrepared(connection, ready, sql, tuple(params))
        return list(ModelIterable(_Stand(template, ready)))

    def prepared_shapes(self) -> set[Hashable]:
        """The shapes prepared on this thread's connection to the model's database (not
        those refused): what a test checks so that a query does not fall back unseen."""
        connection = connections[router.db_for_read(self.model)]
        found = self._prepared.get(connection, {})
        return {shape for shape, prepared in found.items() if prepared is not _UNPREPARABLE}

    def _compile(self, using: str, values: Sequence[Any]) -> tuple[QuerySet, Any, str, tuple]:
        queryset = self.build(*values).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        return queryset, compiler, sql, tuple(params)

    def _prepare(self, using: str, shape: int) -> Any:
        first, second = self.probes(shape)
        if len(first) != shape or len(second) != shape:
            return _UNPREPARABLE
        template, compiler, sql, params = self._compile(using, first)
        places: dict[int, tuple[int, Callable[[Any], Any]]] = {}
        for index in range(shape):
            varied = list(first)
            varied[index] = second[index]
            _queryset, _compiler, other_sql, other_params = self._compile(using, varied)
            if other_sql != sql or len(other_params) != len(params):
                return _UNPREPARABLE
            changed = [
                p for p, (a, b) in enumerate(zip(params, other_params, strict=True)) if a != b
            ]
            if not changed:
                return _UNPREPARABLE
            for position in changed:
                if position in places:
                    return _UNPREPARABLE
                convert = _conversion(
                    first[index], params[position], second[index], other_params[position]
                )
                if convert is None:
                    return _UNPREPARABLE
                places[position] = (index, convert)
        return template, compiler, sql, params, places


def _conversion(value: Any, param: Any, other: Any, other_param: Any) -> Callable | None:
    """How a value becomes its SQL parameter, when it is one of the known simple ways."""
    if type(param) is type(value) and param == value and other_param == other:
        return _identity
    if isinstance(value, uuid.UUID) and param == value.hex and other_param == other.hex:
        return _hex
    return None
