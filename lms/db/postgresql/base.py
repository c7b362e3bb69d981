"""Django's PostgreSQL backend, whose connection health check costs no round trip, and with
a cursor for statements the server prepares once per connection.

Production keeps database connections open between requests (``CONN_MAX_AGE``) and checks
them at the start of each request (``CONN_HEALTH_CHECKS``), so that a PostgreSQL restart
costs no officer an error page. Django's check sends ``SELECT 1`` and waits for the
answer: one round trip on every request, some 9 % of an app worker's time when a whole
class presses Start at once (bench/exam_burst.py).

A connection left idle can only have gone bad by something the server sent unasked (the
"terminating connection" notice of a restart or of ``pg_terminate_backend``, then the end
of the stream) or by the socket closing. So the check looks at the connection's state and
asks the operating system, without waiting, whether anything arrived: nothing means usable.
When something did arrive, or the connection is in any state but idle, Django's own check
runs. (A server that vanished without a word, a cut cable, is found by neither check
before the query: it needs the TCP keepalives of ``DATABASE_URL``'s options.)

Django binds parameters on the client: the server parses and plans every statement anew.
For the few statements every signed-in request or every Start runs (:mod:`lms.prepared`,
``assessments.services._start_prepared``), planning costs the server more than running
them (0.2 to 0.4 ms for the user with its roles or the Start statement, against 0.1 ms to
run). :meth:`DatabaseWrapper.preparing_cursor` binds parameters on the server instead, and
psycopg prepares a statement once it has run it ``prepare_threshold`` times (5) on that
connection: then it is parsed once per connection, and PostgreSQL keeps its plan. (Django
turns psycopg's preparing off unless told; its own cursors bind on the client and never
prepare, whatever the threshold.) Behind a pooler in transaction mode that does not carry
prepared statements, turn it off with ``?prepare_threshold=none`` in ``DATABASE_URL``.
"""

from __future__ import annotations

import select
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base
from psycopg import pq

#: psycopg's own default: a statement is prepared on its fifth run on a connection.
PREPARE_THRESHOLD = 5


def prepare_threshold(option: Any) -> int | None:
    """The ``prepare_threshold`` option as psycopg takes it: from a URL's query string it
    is text; empty, "none" or "off" turn preparing off."""
    if option is None or isinstance(option, int):
        return option
    text = str(option).strip().lower()
    if text in ("", "none", "off", "false"):
        return None
    if not text.isdigit():
        raise ImproperlyConfigured(
            f"DATABASE_URL's prepare_threshold must be a whole number or none, not {option!r}."
        )
    return int(text)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        options = self.settings_dict["OPTIONS"]
        wanted = prepare_threshold(options.get("prepare_threshold", PREPARE_THRESHOLD))
        params = super().get_connection_params()
        params["prepare_threshold"] = wanted
        return params

    def preparing_cursor(self) -> Any:
        """A cursor like :meth:`cursor` (wrapped, logged, counted by the query-count
        tests) whose statements psycopg prepares on the server after a few runs (see the
        module). Its parameters are typed: a bare ``%s`` whose type the server cannot
        infer from where it stands (a ``SELECT`` list) needs a cast."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(base.ServerBindingCursor(self.connection))

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        pgconn = connection.pgconn
        if (
            pgconn.status != pq.ConnStatus.OK
            or pgconn.transaction_status != pq.TransactionStatus.IDLE
        ):
            return super().is_usable()
        try:
            poller = select.poll()
            poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
            unasked = bool(poller.poll(0))
        except (OSError, ValueError):
            return False
        return super().is_usable() if unasked else True
