"""Reading the audit trail. Administration managers read their own administration's
records; platform admins read every record (platform-wide ones too). Anyone else, and
another administration's manager, gets the same 404 as for a missing administration."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from lms.accounts.models import Administration
from lms.accounts.roles import Role, roles_of
from lms.accounts.selectors import can_see_people_of

from .models import AuditRecord

if TYPE_CHECKING:
    from lms.accounts.selectors import Actor


def can_read_trail(actor: Actor, administration: Administration | None) -> bool:
    """``administration`` None: the whole platform's trail (platform admins only)."""
    if administration is None:
        return Role.PLATFORM_ADMIN in roles_of(actor)
    return can_see_people_of(actor, administration)


def access_trail_administration(actor: Actor, code: str) -> Administration:
    """The administration whose trail the actor may read; else 404."""
    administration = Administration.objects.filter(code=code.upper()).first()
    if administration is None or not can_read_trail(actor, administration):
        raise Http404
    return administration


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_record_list_for_user(
    actor: Actor,
    administration: Administration | None,
    *,
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditRecord]:
    """The trail of ``administration`` (None: the whole platform) the actor may read,
    newest first, filtered by action code and by local days ``since``..``until``
    (inclusive)."""
    if not can_read_trail(actor, administration):
        raise Http404
    records = AuditRecord.objects.select_related("target_type")
    if administration is not None:
        records = records.filter(administration=administration)
    else:
        records = records.select_related("administration")
    if action:
        records = records.filter(action=action)
    if since:
        records = records.filter(at__gte=_day_start(since))
    if until:
        records = records.filter(at__lt=_day_start(until + dt.timedelta(days=1)))
    return records.order_by("-at", "-id")
