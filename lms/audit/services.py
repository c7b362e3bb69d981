"""Writing the audit trail: :func:`audit_record`, called by the privileged services
inside their own transaction, so that the action and its record commit (or roll back)
together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from lms.accounts.models import Administration, User

from .context import Origin, current_origin
from .models import AuditAction, AuditRecord

REPR_MAX = 300


def audit_record(
    *,
    actor: User | None,
    action: AuditAction,
    administration: Administration | int | None,
    target: models.Model | None = None,
    target_repr: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    origin: Origin | None = None,
) -> AuditRecord:
    """Append one record: ``actor`` did ``action`` to ``target`` in ``administration``.

    ``actor`` None is the platform itself (a command, a seed); the origin defaults to the
    current request's (lms/audit/context.py). Called inside the caller's transaction, so
    that the action and its record commit or roll back together."""
    origin = origin or current_origin()
    administration_id = (
        administration.pk if isinstance(administration, Administration) else administration
    )
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    # One INSERT: atomic by itself, and part of the caller's transaction when there is one.
    return AuditRecord.objects.create(
        actor_id=actor_id,
        actor_username=actor.get_username() if actor_id else "",
        actor_name=actor.get_full_name() if actor_id else "",
        actor_administration_id=getattr(actor, "administration_id", None) if actor_id else None,
        administration_id=administration_id,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=(target_repr or (str(target) if target is not None else ""))[:REPR_MAX],
        client_ip=origin.client_ip,
        user_agent=origin.user_agent,
        request_id=origin.request_id,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    )
