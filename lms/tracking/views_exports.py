"""Streamed CSV and XLSX exports: the compliance matrix and the progress of an
administration (its managers, platform admins), and the regional aggregates (regional
coordinators, platform admins).

Thin: check access and parse the filters before the response starts (so a refusal is a
plain 404), then hand a lazy row generator to :mod:`lms.tracking.exporting`, which
neutralises formulas and streams. The rows are read in chunks while the response is
being sent (:func:`selectors.matrix_export_rows`, :func:`selectors.progress_export_rows`).

Times are the administration's local times (whoever downloads), and the header names the
zone: "Enrolled (America/Lima)". The rows are written after the view has returned, so the
zone is passed along, never read from the request's active zone.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from . import exporting, mailed_exports, selectors
from .export_specs import SPECS, ExportSpec
from .views_dashboard import regional_summary

FORMATS = {"csv", "xlsx"}


def _respond(fmt: str, spec: ExportSpec) -> StreamingHttpResponse:
    filename = spec.filename(fmt)
    if fmt == "csv":
        return exporting.streaming_response(
            exporting.csv_rows(spec.header, spec.rows),
            filename=filename,
            content_type=exporting.CSV_CONTENT_TYPE,
        )
    return exporting.streaming_response(
        exporting.xlsx_stream(spec.header, spec.rows, sheet_title=spec.sheet_title),
        filename=filename,
        content_type=exporting.XLSX_CONTENT_TYPE,
    )


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404


# --- the compliance matrix -------------------------------------------------------------------


@login_required
@require_GET
def matrix_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return _administration_export(request, code, fmt, "matrix")


def _administration_export(request: HttpRequest, code: str, fmt: str, kind: str) -> HttpResponse:
    """Stream the export; an XLSX of a large administration is built by a task and
    mailed to the requester as a link (lms/tracking/mailed_exports.py)."""
    _check_format(fmt)
    administration = selectors.access_tracked_administration(request.user, code)
    if fmt == "xlsx" and mailed_exports.is_large(administration):
        mailed_exports.mailed_export_request(
            actor=request.user, administration=administration, kind=kind, query=request.GET
        )
        return render(
            request,
            "tracking/export_mailed.html",
            {"administration": administration, "email": request.user.email},
            status=202,
        )
    spec = SPECS[kind](administration, request.GET)
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT_DOWNLOAD,
        administration=administration,
        target=administration,
        target_repr=spec.filename(fmt),
        after={"kind": kind, "format": fmt, "filters": dict(request.GET.lists())},
    )
    return _respond(fmt, spec)


@login_required
@require_GET
def mailed_export_download(request: HttpRequest, token: str) -> FileResponse:
    """A mailed export, for its requester only (lms/tracking/mailed_exports.py)."""
    export = mailed_exports.access_mailed_export(request.user, token)
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT_DOWNLOAD,
        administration=export.administration_id,
        target=export,
        target_repr=export.filename,
        after={"kind": export.kind, "format": "xlsx", "filters": export.query},
    )
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=export.filename,
        content_type=exporting.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- progress ------------------------------------------------------------------------------


@login_required
@require_GET
def progress_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return _administration_export(request, code, fmt, "progress")


@login_required
@require_GET
def scorm_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return _administration_export(request, code, fmt, "scorm")


# --- the regional aggregates -----------------------------------------------------------------


@login_required
@require_GET
def regional_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """A row per administration: officers, valid certificates and coverage per regional
    programme, completions per month and in total. Aggregates only, never names."""
    _check_format(fmt)
    programmes, overview = selectors.regional_overview(request.user)
    summary = regional_summary(programmes, overview)
    header = [_("Code"), _("Administration"), _("Officers")]
    for title in summary.titles:
        header += [
            _("%(programme)s: valid certificates") % {"programme": title},
            _("%(programme)s: coverage %%") % {"programme": title},
        ]
    header += [month.strftime("%Y-%m") for month in summary.months]
    header.append(_("Completions (%(months)d months)") % {"months": len(summary.months)})
    rows = []
    for row in summary.rows:
        line: list[Any] = [row.administration.code, row.administration.name, row.officers]
        for programme in summary.programmes:
            shown = not row.small
            line += [
                row.coverage.get(programme.pk, 0) if shown else None,
                row.percent(programme.pk),
            ]
        line += [count for _month, count in row.completions]
        line.append(sum(count for _month, count in row.completions))
        rows.append(line)
    return _respond(fmt, ExportSpec(header, rows, name="regional", sheet_title=_("Regional")))
