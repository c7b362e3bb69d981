"""What the demo seed must give tracking (checked by tests/test_seed_demo.py, which runs
the whole ``seed_demo`` once for every app): the PER manager's dashboard has every key
figure, the compliance matrix every state, the charts most months, and the regional view
several administrations with officers and coverage."""

from __future__ import annotations

from django.utils import timezone

from lms.accounts.models import User
from lms.tracking.models import Assignment, OfficerAssignment, OfficerImport
from lms.tracking.selectors import (
    MatrixFilters,
    Status,
    access_tracked_administration,
    completions_per_month,
    compliance_matrix,
    key_figures,
    officers_of,
    programme_columns,
    programme_coverage,
    regional_overview,
    unit_coverage,
)

# Tables the demo tracking fills, for the idempotency check of tests/test_seed_demo.py.
TABLES = [
    "accounts_unit",
    "tracking_assignment",
    "tracking_assignment_units",
    "tracking_assignment_officers",
    "tracking_officerassignment",
    "tracking_officerimport",
]


def check_demo_tracking() -> None:
    now = timezone.now()
    manager = User.objects.get(username="manager.per")
    per = access_tracked_administration(manager, "PER")

    officers = officers_of(per)
    assert officers.count() >= 200
    assert officers.values("unit").distinct().count() >= 10
    columns = programme_columns(per)
    assert len(columns) == 3 and all(column.course_keys for column in columns)

    # Every state of the compliance matrix, on the page the manager opens.
    for status in Status.ORDER:
        rows = compliance_matrix(per, columns, MatrixFilters(status=status), now=now)
        assert rows.exists(), status

    # Every key figure of the dashboard.
    coverage = programme_coverage(per, columns, officer_count=officers.count(), now=now)
    figures = key_figures(per, coverage, now=now)
    for name, value in vars(figures).items():
        assert value > 0, name
    assert all(item.valid > 0 for item in coverage)
    assert figures.valid_certificates < figures.officers * len(columns)
    units = unit_coverage(per, columns, now=now)
    assert len(units) >= 10 and sum(1 for unit in units if unit.covered) >= 8

    # Completions in most of the last twelve months.
    months = completions_per_month(per, months=12, now=now)[per.pk]
    assert len(months) == 12
    assert sum(1 for _start, count in months if count) >= 6

    # Assignments: open, overdue, completed, direct, withdrawn; an applied import.
    assignments = Assignment.objects.filter(administration=per)
    assert assignments.filter(withdrawn_at__isnull=False).exists()
    assert assignments.filter(officers__isnull=False).exists()
    records = OfficerAssignment.objects.filter(administration=per)
    assert records.filter(completed_at__isnull=True, due_on__lt=now.date()).exists()
    assert records.filter(completed_at__isnull=True, due_on__gte=now.date()).exists()
    assert records.filter(completed_at__isnull=False).exists()
    assert OfficerImport.objects.filter(
        administration=per, status=OfficerImport.Status.APPLIED, uploaded_by=manager
    ).exists()

    # The regional view: several administrations with officers, coverage and completions.
    coordinator = User.objects.get(username="coordinator")
    programmes, rows = regional_overview(coordinator, now=now)
    assert len(programmes) == 3
    with_officers = [row for row in rows if row.officers]
    assert len(with_officers) >= 5
    assert sum(1 for row in with_officers if any(row.coverage.values())) >= 5
    assert sum(1 for row in with_officers if any(n for _m, n in row.completions)) >= 5
