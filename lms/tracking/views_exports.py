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

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from courses.models import Enrolment
from lms.accounts.models import Administration
from lms.accounts.timezones import administration_zone, local_date_in

from . import exporting, mailed_exports, selectors
from .filters import matrix_filters_from_query
from .views_dashboard import regional_summary

FORMATS = {"csv", "xlsx"}


def _local_date(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.date | None:
    return timezone.localdate(moment, zone) if moment else None


def _local_minute(moment: dt.datetime | None, zone: dt.tzinfo) -> str:
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _zoned(column: str, zone: dt.tzinfo) -> str:
    """A column's title naming the zone of its times: "Enrolled (America/Lima)"."""
    return _("%(column)s (%(zone)s)") % {"column": column, "zone": str(zone)}


@dataclass
class ExportSpec:
    """What an export holds: its header, its (lazy) rows, and how to name it."""

    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    name: str
    sheet_title: str
    zone: dt.tzinfo | None = None

    def filename(self, fmt: str) -> str:
        today = local_date_in(self.zone) if self.zone is not None else timezone.localdate()
        return f"{self.name}-{today.isoformat()}.{fmt}"


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


def matrix_spec(administration: Administration, query: QueryDict) -> ExportSpec:
    """The matrix with the page's filters: a row per officer; per programme, the status
    and the current certificate's expiry date."""
    filters = matrix_filters_from_query(query)
    columns = selectors.programme_columns(administration)
    zone = administration_zone(administration)
    header = [_("Employee number"), _("Name"), _("Unit"), _("E-mail")]
    for column in columns:
        header += [
            _("%(programme)s: status") % {"programme": column.title},
            _zoned(_("%(programme)s: expires on") % {"programme": column.title}, zone),
        ]
    now = timezone.now()
    labels = {status: str(label) for status, label in selectors.Status.LABELS.items()}

    def rows() -> Iterator[list[Any]]:
        for row in selectors.matrix_export_rows(administration, columns, filters, now=now):
            officer = row.officer
            line: list[Any] = [
                officer.employee_number,
                officer.full_name or officer.username,
                officer.unit_name,
                officer.email,
            ]
            for cell in row.cells:
                line += [labels[cell.status], _local_date(cell.expires_at, zone)]
            yield line

    return ExportSpec(
        header,
        rows(),
        name=f"{administration.code}-compliance",
        sheet_title=_("Compliance"),
        zone=zone,
    )


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
    return _respond(fmt, SPECS[kind](administration, request.GET))


@login_required
@require_GET
def mailed_export_download(request: HttpRequest, token: str) -> FileResponse:
    """A mailed export, for its requester only (lms/tracking/mailed_exports.py)."""
    export = mailed_exports.access_mailed_export(request.user, token)
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=export.filename,
        content_type=exporting.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- progress ------------------------------------------------------------------------------


def _officer_columns() -> list[str]:
    """The first columns of the exports that name officers."""
    return [_("Employee number"), _("Name"), _("Unit")]


def progress_spec(administration: Administration, query: QueryDict) -> ExportSpec:
    """A row per enrolment of the administration's officers."""
    zone = administration_zone(administration)
    header = [
        *_officer_columns(),
        _("Course"),
        _("Status"),
        _("Percent complete"),
        _zoned(_("Enrolled"), zone),
        _zoned(_("Last activity"), zone),
        _zoned(_("Completed"), zone),
    ]
    labels = dict(Enrolment.Status.choices)

    def rows() -> Iterator[list[Any]]:
        for (
            number,
            full_name,
            username,
            unit,
            title,
            course_key,
            status,
            percent,
            enrolled_at,
            last_activity_at,
            completed_at,
        ) in selectors.progress_export_rows(administration):
            yield [
                number,
                full_name or username,
                unit or "",
                title or str(course_key),
                str(labels.get(status, status)),
                percent,
                _local_minute(enrolled_at, zone),
                _local_minute(last_activity_at, zone),
                _local_minute(completed_at, zone),
            ]

    return ExportSpec(
        header,
        rows(),
        name=f"{administration.code}-progress",
        sheet_title=_("Progress"),
        zone=zone,
    )


@login_required
@require_GET
def progress_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return _administration_export(request, code, fmt, "progress")


def scorm_spec(administration: Administration, query: QueryDict) -> ExportSpec:
    """A row per officer and SCORM package played in the administration: completion,
    success, score (reported by the browser: progress only), attempts, time spent."""
    from courses.packages.scorm.selectors import scorm_results_of_administration

    zone = administration_zone(administration)
    header = [
        *_officer_columns(),
        _("SCORM package"),
        _("Version"),
        _("Completion"),
        _("Success"),
        _("Score (%)"),
        _("Attempts"),
        _("Minutes spent"),
        _zoned(_("Last activity"), zone),
    ]

    def rows() -> Iterator[list[Any]]:
        for officer, result in scorm_results_of_administration(administration.pk):
            yield [
                officer.employee_number,
                officer.full_name or officer.username,
                officer.unit.name if officer.unit else "",
                result.title,
                result.version,
                result.completion_label,
                result.success_label,
                result.score_percent,
                result.attempts,
                result.minutes,
                _local_minute(result.last_at, zone),
            ]

    return ExportSpec(
        header,
        rows(),
        name=f"{administration.code}-scorm",
        sheet_title=_("SCORM"),
        zone=zone,
    )


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


SPECS: dict[str, Callable[[Administration, QueryDict], ExportSpec]] = {
    "matrix": matrix_spec,
    "progress": progress_spec,
    "scorm": scorm_spec,
}
"""The administration exports by kind (a mailed export names its kind)."""
