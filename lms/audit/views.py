"""The audit trail pages: an administration's trail for its managers (and platform
admins), the whole platform's for platform admins; filters by action and days,
paginated, and a CSV export of the same filters (streamed, formulas neutralised by
lms/tracking/exporting.py; the export is itself recorded in the trail).

Thin: the selectors answer who may read what (404 otherwise)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms.accounts.models import Administration
from lms.tracking import exporting

from . import selectors
from .forms import TrailFilterForm
from .models import AuditAction, AuditRecord
from .services import audit_record

PER_PAGE = 50


def _trail(
    request: HttpRequest, code: str | None
) -> tuple[Administration | None, TrailFilterForm, QuerySet[AuditRecord]]:
    administration = (
        selectors.access_trail_administration(request.user, code) if code is not None else None
    )
    form = TrailFilterForm(request.GET or None)
    records = selectors.audit_record_list_for_user(
        request.user, administration, **(form.filters() if request.GET else {})
    )
    return administration, form, records


@login_required
@require_GET
def trail(request: HttpRequest, code: str | None = None) -> HttpResponse:
    administration, form, records = _trail(request, code)
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/trail.html",
        {"administration": administration, "form": form, "page": page},
    )


HEADER_FIELDS = (
    "at",
    "action",
    "actor_id",
    "actor_username",
    "actor_name",
    "actor_administration__code",
    "administration__code",
    "target_type__model",
    "target_id",
    "target_repr",
    "client_ip",
    "user_agent",
    "request_id",
    "before",
    "after",
)


def _header() -> list[str]:
    return [
        _("When (UTC)"),
        _("Action code"),
        _("Action"),
        _("Actor id"),
        _("Actor's username"),
        _("Actor's name"),
        _("Actor's administration"),
        _("Administration"),
        _("Target type"),
        _("Target id"),
        _("Target"),
        _("Client address"),
        _("User agent"),
        _("Request id"),
        _("Before"),
        _("After"),
    ]


def _rows(records: QuerySet[AuditRecord]) -> Iterator[list[Any]]:
    labels = {code: str(label) for code, label in AuditAction.choices}
    for row in records.values_list(*HEADER_FIELDS).iterator(chunk_size=2000):
        at, action, *rest = row
        *middle, before, after = rest
        yield [
            at.astimezone(timezone.UTC),
            action,
            labels.get(action, action),
            *middle,
            json.dumps(before, sort_keys=True) if before is not None else None,
            json.dumps(after, sort_keys=True) if after is not None else None,
        ]


@login_required
@require_GET
def trail_export(request: HttpRequest, code: str | None = None) -> StreamingHttpResponse:
    administration, _form, records = _trail(request, code)
    filename = f"audit-{administration.code if administration else 'platform'}-"
    filename += f"{timezone.localdate().isoformat()}.csv"
    audit_record(
        actor=request.user,
        action=AuditAction.AUDIT_EXPORT,
        administration=administration,
        target=administration,
        target_repr=filename,
        after={"format": "csv", "filters": dict(request.GET.lists())},
    )
    return exporting.streaming_response(
        exporting.csv_rows(_header(), _rows(records)),
        filename=filename,
        content_type=exporting.CSV_CONTENT_TYPE,
    )
