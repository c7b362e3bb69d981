"""The administration dashboard (key figures and charts) and the regional view.

Thin: find the administration (or check the regional role) through the selectors, ask
them for the figures, turn the figures into charts (``charts``) and render. The
dashboard costs a fixed number of queries whatever the number of officers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from certificates.models import Programme

from . import charts, selectors
from .selectors import ProgrammeCoverage, RegionalRow, UnitCoverage

#: The unit chart shows this many units (the lowest coverage); the table shows them all.
UNIT_CHART_BARS = 15


def percent_text(value: float) -> str:
    """``45.5 %`` in the active language's number format."""
    return _("%(percent)s %%") % {"percent": formats.number_format(value, 1)}


def month_label(month: dt.date) -> str:
    """The month as a short, localized label (``Jan 2026``, ``ene 2026``)."""
    return formats.date_format(month, "M Y")


# --- the dashboard -------------------------------------------------------------------------


def completions_chart(months: Sequence[tuple[dt.date, int]], *, chart_id: str) -> charts.Chart:
    return charts.vertical_bar_chart(
        [charts.Bar(month_label(month), count) for month, count in months],
        chart_id=chart_id,
        title=_("Completions per month"),
        description=_("Courses completed by officers in each of the last %(months)d months.")
        % {"months": len(months)},
        label_heading=_("Month"),
        value_heading=_("Completions"),
    )


def programme_chart(coverage: Sequence[ProgrammeCoverage]) -> charts.Chart:
    bars = [
        charts.Bar(item.column.title, item.percent, percent_text(item.percent)) for item in coverage
    ]
    return charts.horizontal_bar_chart(
        bars,
        chart_id="chart-programmes",
        title=_("Certification coverage per programme"),
        description=_("Share of officers holding a valid certificate of each programme."),
        label_heading=_("Programme"),
        value_heading=_("Coverage"),
    )


def unit_chart(units: Sequence[UnitCoverage]) -> charts.Chart:
    def label(unit: UnitCoverage) -> str:
        return unit.name or _("No unit")

    shown = sorted(units, key=lambda unit: (unit.percent, label(unit)))[:UNIT_CHART_BARS]
    table = charts.Table(
        _("Coverage per unit"),
        (_("Unit"), _("Officers"), _("Coverage")),
        tuple(
            (label(unit), formats.number_format(unit.officers), percent_text(unit.percent))
            for unit in units
        ),
        summary=_("All units (%(count)d)") % {"count": len(units)},
    )
    return charts.horizontal_bar_chart(
        [charts.Bar(label(unit), unit.percent, percent_text(unit.percent)) for unit in shown],
        chart_id="chart-units",
        title=_("Coverage per unit"),
        description=_(
            "Share of officer and programme pairs with a valid certificate, for the "
            "%(count)d units with the lowest coverage."
        )
        % {"count": len(shown)},
        label_heading=_("Unit"),
        value_heading=_("Coverage"),
        table=table,
    )


@login_required
@require_GET
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    administration = selectors.access_tracked_administration(request.user, code)
    now = timezone.now()
    columns = selectors.programme_columns(administration)
    # key_figures counts the officers; coverage needs them for its percentages.
    coverage = selectors.programme_coverage(administration, columns, officer_count=0, now=now)
    figures = selectors.key_figures(administration, coverage, now=now)
    coverage = [replace(item, officers=figures.officers) for item in coverage]
    months = selectors.completions_per_month(administration, now=now)[administration.pk]
    units = selectors.unit_coverage(administration, columns, now=now)
    return render(
        request,
        "tracking/dashboard.html",
        {
            "administration": administration,
            "figures": figures,
            "coverage": coverage,
            "charts": [
                completions_chart(months, chart_id="chart-completions"),
                programme_chart(coverage),
                unit_chart(units),
            ],
            "expiring_days": selectors.EXPIRING_DAYS,
            "active_days": selectors.ACTIVE_DAYS,
        },
    )


# --- the regional view (aggregates only) --------------------------------------------------


@dataclass(frozen=True)
class RegionalLine:
    """A line of the regional table: an administration, or the totals, or the medians."""

    code: str
    name: str
    officers: float
    percents: tuple[float | None, ...]  # per regional programme
    completions: float


@dataclass(frozen=True)
class RegionalSummary:
    programmes: list[Programme]
    titles: list[str]
    months: list[dt.date]
    lines: list[RegionalLine]
    total: RegionalLine
    median: RegionalLine
    rows: list[RegionalRow]


def regional_summary(
    programmes: Sequence[Programme], rows: Sequence[RegionalRow]
) -> RegionalSummary:
    """The regional table: a line per administration, the region's totals (coverage of
    all officers of the region) and the medians (coverage over administrations with
    officers). Pure arithmetic on :func:`selectors.regional_overview`."""
    lines = [
        RegionalLine(
            row.administration.code,
            row.administration.name,
            row.officers,
            tuple(row.percent(programme.pk) for programme in programmes),
            sum(count for _month, count in row.completions),
        )
        for row in rows
    ]
    officers = sum(row.officers for row in rows)
    total = RegionalLine(
        "",
        _("All administrations"),
        officers,
        tuple(
            round(100 * sum(row.coverage.get(p.pk, 0) for row in rows) / officers, 1)
            if officers
            else None
            for p in programmes
        ),
        sum(line.completions for line in lines),
    )
    staffed = [line for line in lines if line.officers]

    def middle(values: list[float]) -> float:
        return charts.median(values) or 0

    median = RegionalLine(
        "",
        _("Median"),
        middle([line.officers for line in lines]),
        tuple(
            charts.median(
                [line.percents[index] for line in staffed if line.percents[index] is not None]
            )
            for index in range(len(programmes))
        ),
        middle([line.completions for line in lines]),
    )
    return RegionalSummary(
        list(programmes),
        [programme.title_for() for programme in programmes],
        [month for month, _count in rows[0].completions] if rows else [],
        lines,
        total,
        median,
        list(rows),
    )


def regional_charts(summary: RegionalSummary) -> list[charts.Chart]:
    staffed = [row for row in summary.rows if row.officers and not row.small]
    coverage = charts.comparison_chart(
        [
            charts.Series(
                title,
                tuple(
                    charts.Bar(
                        row.administration.code,
                        row.percent(programme.pk),
                        percent_text(row.percent(programme.pk)),
                    )
                    for row in staffed
                ),
            )
            for programme, title in zip(summary.programmes, summary.titles, strict=True)
        ],
        chart_id="chart-regional-coverage",
        title=_("Certification coverage per programme and administration"),
        description=_(
            "For each regional programme, the share of each administration's officers "
            "holding a valid certificate, highest first; the line marks the median."
        ),
        label_heading=_("Administration"),
        median_text=percent_text,
        median_label=_("Median:"),
    )
    completions = charts.small_multiples(
        [
            charts.Series(
                row.administration.code,
                tuple(charts.Bar(month_label(month), count) for month, count in row.completions),
            )
            for row in summary.rows
        ],
        chart_id="chart-regional-completions",
        title=_("Completions per month and administration"),
        description=_(
            "One small chart per administration, all on the same scale: courses completed "
            "in each of the last %(months)d months."
        )
        % {"months": len(summary.months)},
        label_heading=_("Administration"),
        total_heading=_("Total"),
    )
    return [coverage, completions]


@login_required
@require_GET
def regional(request: HttpRequest) -> HttpResponse:
    programmes, rows = selectors.regional_overview(request.user)
    summary = regional_summary(programmes, rows)
    return render(
        request,
        "tracking/regional.html",
        {
            "summary": summary,
            "charts": regional_charts(summary),
            "min_group": settings.LMS_REGIONAL_MIN_GROUP,
        },
    )
