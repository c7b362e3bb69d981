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
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from courses.models import Enrolment
from lms.accounts.timezones import administration_zone, local_date_in

from . import exporting, selectors
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


def _respond(
    fmt: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    name: str,
    sheet_title: str,
    zone: dt.tzinfo | None = None,
) -> StreamingHttpResponse:
    today = local_date_in(zone) if zone is not None else timezone.localdate()
    filename = f"{name}-{today.isoformat()}.{fmt}"
    if fmt == "csv":
        return exporting.streaming_response(
            exporting.csv_rows(header, rows),
            filename=filename,
            content_type=exporting.CSV_CONTENT_TYPE,
        )
    return exporting.streaming_response(
        exporting.xlsx_stream(header, rows, sheet_title=sheet_title),
        filename=filename,
        content_type=exporting.XLSX_CONTENT_TYPE,
    )


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404


# --- the compliance matrix -------------------------------------------------------------------


@login_required
@require_GET
def matrix_export(request: HttpRequest, code: str, fmt: str) -> StreamingHttpResponse:
    """The matrix with the page's filters: a row per officer; per programme, the status
    and the current certificate's expiry date."""
    _check_format(fmt)
    administration = selectors.access_tracked_administration(request.user, code)
    filters = matrix_filters_from_query(request.GET)
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

    return _respond(
        fmt,
        header,
        rows(),
        name=f"{administration.code}-compliance",
        sheet_title=_("Compliance"),
        zone=zone,
    )


# --- progress ------------------------------------------------------------------------------


def _officer_columns() -> list[str]:
    """The first columns of the exports that name officers."""
    return [_("Employee number"), _("Name"), _("Unit")]


@login_required
@require_GET
def progress_export(request: HttpRequest, code: str, fmt: str) -> StreamingHttpResponse:
    """A row per enrolment of the administration's officers."""
    _check_format(fmt)
    administration = selectors.access_tracked_administration(request.user, code)
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

    return _respond(
        fmt,
        header,
        rows(),
        name=f"{administration.code}-progress",
        sheet_title=_("Progress"),
        zone=zone,
    )


@login_required
@require_GET
def scorm_export(request: HttpRequest, code: str, fmt: str) -> StreamingHttpResponse:
    """A row per officer and SCORM package played in the administration: completion,
    success, score (reported by the browser: progress only), attempts, time spent."""
    from courses.packages.scorm.selectors import scorm_results_of_administration

    _check_format(fmt)
    administration = selectors.access_tracked_administration(request.user, code)
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

    return _respond(
        fmt,
        header,
        rows(),
        name=f"{administration.code}-scorm",
        sheet_title=_("SCORM"),
        zone=zone,
    )


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
    return _respond(fmt, header, rows, name="regional", sheet_title=_("Regional"))
