"""Django's PostgreSQL backend, whose connection health check costs no round trip.

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
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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
