"""The audit trail's storage: append-only in the model and in the database (raw SQL on
SQLite and on PostgreSQL), pruning past the retention, the origin of a request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from lms.audit.models import AuditAction, AuditImmutable, AuditRecord
from lms.audit.retention import audit_records_prune
from lms.audit.services import audit_record
from lms.ops.daily_jobs import JOBS_BY_NAME

pytestmark = pytest.mark.django_db

TABLE = AuditRecord._meta.db_table


def _record(actor, administration, **kwargs) -> AuditRecord:
    return audit_record(
        actor=actor,
        action=AuditAction.API_TOKEN_CREATE,
        administration=administration,
        target=administration,
        **kwargs,
    )


def test_a_record_snapshots_the_actor(per_manager, per):
    record = _record(per_manager, per, after={"name": "x"})
    record = AuditRecord.objects.get(pk=record.pk)
    assert record.actor_id == per_manager.pk
    assert record.actor_username == "manager.per"
    assert record.actor_name == per_manager.get_full_name()
    assert record.actor_administration_id == per.pk
    assert record.administration_id == per.pk
    assert record.target_id == str(per.pk)
    assert record.target_type.model == "administration"
    assert record.after == {"name": "x"}
    assert record.get_action_display() == "API token created"


def test_the_model_refuses_to_change_or_delete(per_manager, per):
    record = _record(per_manager, per)
    record.target_repr = "forged"
    with pytest.raises(AuditImmutable):
        record.save()
    with pytest.raises(AuditImmutable):
        record.delete()
    with pytest.raises(AuditImmutable):
        AuditRecord.objects.filter(pk=record.pk).update(target_repr="forged")
    with pytest.raises(AuditImmutable):
        AuditRecord.objects.filter(pk=record.pk).delete()
    assert AuditRecord.objects.get(pk=record.pk).target_repr == str(per)


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_sql_update_is_refused_by_the_database(per_manager, per):
    record = _record(per_manager, per)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"UPDATE {TABLE} SET target_repr = %s WHERE id = %s", ["forged", record.pk])
    assert AuditRecord.objects.get(pk=record.pk).target_repr == str(per)


def test_raw_sql_delete_is_refused_by_the_database_even_for_old_rows(per_manager, per):
    old = _record(per_manager, per)
    AuditRecord.objects.create(
        action=AuditAction.AUDIT_EXPORT, at=timezone.now() - dt.timedelta(days=5000)
    )
    count = AuditRecord.objects.count()
    for sql, params in (
        (f"DELETE FROM {TABLE} WHERE id = %s", [old.pk]),
        (f"DELETE FROM {TABLE}", []),
    ):
        with pytest.raises(DatabaseError, match="DELETE refused"):
            _raw(sql, params)
    assert AuditRecord.objects.count() == count


def test_a_permit_never_lets_a_recent_row_go(per_manager, per):
    """Even inside the pruning path, the trigger checks each row's age itself."""
    recent = _record(per_manager, per)
    with (
        pytest.raises(DatabaseError, match="refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('lms.audit_prune_days', '30', true)")
        else:
            cursor.execute("INSERT INTO audit_prune_permit (days) VALUES (30)")
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [recent.pk])
    assert AuditRecord.objects.filter(pk=recent.pk).exists()


@override_settings(LMS_AUDIT_RETENTION_DAYS=365)
def test_pruning_deletes_only_rows_past_the_retention(per_manager, per):
    now = timezone.now()
    recent = set(AuditRecord.objects.values_list("pk", flat=True))  # the fixtures' roles
    kept = [
        _record(per_manager, per),
        AuditRecord.objects.create(
            action=AuditAction.AUDIT_EXPORT, at=now - dt.timedelta(days=364)
        ),
    ]
    AuditRecord.objects.create(action=AuditAction.AUDIT_EXPORT, at=now - dt.timedelta(days=366))
    AuditRecord.objects.create(action=AuditAction.AUDIT_EXPORT, at=now - dt.timedelta(days=4000))
    assert audit_records_prune() == 2
    assert set(AuditRecord.objects.values_list("pk", flat=True)) == recent | {r.pk for r in kept}
    # The permit ended with the pruning's transaction: a plain DELETE is refused again.
    with pytest.raises(DatabaseError, match="DELETE refused"):
        _raw(f"DELETE FROM {TABLE}", [])
    assert AuditRecord.objects.count() == len(recent) + 2


@override_settings(LMS_AUDIT_RETENTION_DAYS=0)
def test_a_retention_below_one_day_is_refused():
    with pytest.raises(ImproperlyConfigured):
        audit_records_prune()


def test_pruning_is_a_daily_job():
    assert JOBS_BY_NAME["prune_audit_trail"].service == "lms.audit.retention.audit_records_prune"


def test_a_request_records_its_origin(client, per_manager, per):
    """The origin middleware hands the client address, user agent and request id to the
    service (here through the API token page, a privileged action)."""
    client.force_login(per_manager)
    response = client.post(
        f"/administrations/{per.code}/api-tokens/",
        {"name": "HR sync", "scopes": "read", "expires_in_days": "90"},
        HTTP_USER_AGENT="Audit-Test/1.0",
        HTTP_X_REQUEST_ID="req-123",
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 200, response.context["form"].errors
    record = AuditRecord.objects.get(action=AuditAction.API_TOKEN_CREATE)
    assert (record.client_ip, record.user_agent, record.request_id) == (
        "203.0.113.7",
        "Audit-Test/1.0",
        "req-123",
    )
