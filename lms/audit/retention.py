"""Retention of the audit trail: the one path that deletes audit records.

``LMS_AUDIT_RETENTION_DAYS`` (default 3650, ten years) says how long a record is kept;
:func:`audit_records_prune` runs among the daily jobs (lms/ops/daily_jobs.py) and
deletes the records older than that.

Why a permit passed to the trigger, not a privileged function
--------------------------------------------------------------
The database triggers (migrations/0002_append_only.py) refuse every UPDATE, and every
DELETE unless the *same transaction* has declared a retention: ``SET LOCAL
lms.audit_prune_days`` on PostgreSQL, a row of ``audit_prune_permit`` on SQLite, inserted
and deleted again before the transaction ends. The trigger then lets through only the rows
older than that many days, and checks it row by row with the database's own clock, so a
pruning query with a wrong ``WHERE`` still cannot remove a recent record, and an ordinary
``DELETE`` (the ORM, the admin, a cascade, a hand-typed query) is refused. The permit works
on both databases alike; a ``SECURITY DEFINER`` function would need a second database role
that owns the table, which the embedded SQLite set-up does not have.

What this does not stop: a database role that owns the table can drop the triggers, and
``TRUNCATE`` fires no row trigger (the test suite's database flush relies on that). An
installation that wants the trail safe from its own database administrators runs the
application as a role that does not own the tables and ships the trail to a log store.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from .models import AuditRecord


def retention_days() -> int:
    days = int(getattr(settings, "LMS_AUDIT_RETENTION_DAYS", 3650))
    if days < 1:
        raise ImproperlyConfigured("LMS_AUDIT_RETENTION_DAYS must be at least 1.")
    return days


def delete_older_than(days: int) -> int:
    """Delete the records older than ``days`` (negative: every record, for tests) under
    the permit the triggers ask for. Inside the caller's transaction."""
    # The table name is the model's own constant, never input.
    table = connection.ops.quote_name(AuditRecord._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('lms.audit_prune_days', %s, true)", [str(days)])
            cursor.execute(
                f'DELETE FROM {table} WHERE "at" < now() - make_interval(days => %s)',  # noqa: S608
                [days],
            )
            deleted = cursor.rowcount
            cursor.execute("SELECT set_config('lms.audit_prune_days', '', true)")
        else:
            cursor.execute("INSERT INTO audit_prune_permit (days) VALUES (%s)", [days])
            cutoff = "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', printf('%%+d days', -%s))"
            cursor.execute(f'DELETE FROM {table} WHERE "at" < {cutoff}', [days])  # noqa: S608
            deleted = cursor.rowcount
            cursor.execute("DELETE FROM audit_prune_permit")
    return deleted


def audit_records_prune() -> int:
    """Delete the audit records older than ``LMS_AUDIT_RETENTION_DAYS``; returns how many."""
    days = retention_days()
    with transaction.atomic():
        return delete_older_than(days)
