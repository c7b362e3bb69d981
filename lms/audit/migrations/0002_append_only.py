"""Append-only in the database: triggers refuse every UPDATE of an audit record and
every DELETE except retention pruning's (lms/audit/retention.py explains the design).

PostgreSQL: one PL/pgSQL row trigger. A DELETE passes only when the transaction has set
``lms.audit_prune_days`` (``SET LOCAL``, so it ends with the transaction) and the row is
older than that many days; anything else raises.

SQLite (no settings, no functions): a DELETE passes only when the one-row table
``audit_prune_permit`` holds a retention and the row is older than it; pruning inserts
that row and deletes it again inside its own transaction, so no other connection ever
sees it.
"""

from django.db import migrations

POSTGRESQL = """
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    days text := current_setting('lms.audit_prune_days', true);
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit records are append-only: UPDATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF days IS NULL OR days = '' THEN
        RAISE EXCEPTION 'audit records are append-only: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD."at" >= now() - make_interval(days => days::integer) THEN
        RAISE EXCEPTION 'audit record % is within the retention: DELETE refused', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditrecord
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditrecord;
DROP FUNCTION IF EXISTS audit_append_only();
"""

SQLITE = [
    "CREATE TABLE audit_prune_permit (days integer NOT NULL)",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditrecord
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditrecord
    WHEN NOT EXISTS (
        SELECT 1 FROM audit_prune_permit AS permit
        WHERE OLD."at" < strftime('%Y-%m-%d %H:%M:%f', 'now', printf('%+d days', -permit.days))
    )
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE refused'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_no_delete",
    "DROP TRIGGER IF EXISTS audit_no_update",
    "DROP TABLE IF EXISTS audit_prune_permit",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": [POSTGRESQL], "sqlite": SQLITE}),
            _run({"postgresql": [POSTGRESQL_REVERSE], "sqlite": SQLITE_REVERSE}),
        )
    ]
