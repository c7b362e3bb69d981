"""What each administration export holds: its header, its lazy rows, its name.

The compliance matrix, the progress and the SCORM results of an administration, built
from the same filters as their pages. The streamed downloads (:mod:`.views_exports`) and
the mailed exports built by the task worker (:mod:`.mailed_exports`) both read them from
:data:`SPECS`.

Times are the administration's local times (whoever downloads), and the header names the
zone: "Enrolled (America/Lima)".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Enrolment
from lms.accounts.models import Administration
from lms.accounts.timezones import administration_zone, local_date_in

from . import selectors
from .filters import matrix_filters_from_query


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


SPECS: dict[str, Callable[[Administration, QueryDict], ExportSpec]] = {
    "matrix": matrix_spec,
    "progress": progress_spec,
    "scorm": scorm_spec,
}
"""The administration exports by kind (a mailed export names its kind)."""
