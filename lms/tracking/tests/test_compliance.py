"""The compliance rule (one SQL expression), the matrix selector and the key figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lms.accounts.models import Unit
from lms.tracking import selectors
from lms.tracking.selectors import MatrixFilters, Status
from lms.tracking.tests.conftest import NOW, ago, officer

pytestmark = pytest.mark.django_db


def statuses(world, filters=MatrixFilters()):
    columns = selectors.programme_columns(world.per)
    rows = selectors.matrix_rows(
        selectors.compliance_matrix(world.per, columns, filters, now=NOW), columns
    )
    return {row.officer.full_name: row.cells[0].status for row in rows}


def test_each_officer_gets_the_state_the_rule_gives(world):
    assert statuses(world) == {
        "Ana Valid": Status.VALID,
        "Beto Expiring": Status.EXPIRING,
        "Carla Expired": Status.EXPIRED,
        "Dario Overdue": Status.OVERDUE,
        "Elena Progress": Status.IN_PROGRESS,
        "Fabio Nothing": Status.NOT_STARTED,
        "Gina Revoked": Status.NOT_STARTED,
        "Hugo Renewed": Status.VALID,
        "Ines Comeback": Status.VALID,
        "Juan Done": Status.NOT_STARTED,
        "Karla Both": Status.OVERDUE,
    }


def test_cells_carry_the_current_expiry_and_the_open_due_date(world):
    columns = selectors.programme_columns(world.per)
    rows = selectors.matrix_rows(
        selectors.compliance_matrix(world.per, columns, MatrixFilters(q="Beto"), now=NOW), columns
    )
    cell = rows[0].cells[0]
    assert cell.certificate_id is not None
    assert ago(0) < cell.expires_at < ago(-90)
    rows = selectors.matrix_rows(
        selectors.compliance_matrix(world.per, columns, MatrixFilters(q="Karla"), now=NOW), columns
    )
    assert rows[0].cells[0].due_on == timezone.localdate() - dt.timedelta(days=3)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (MatrixFilters(status="expiring"), {"Beto Expiring"}),
        (MatrixFilters(status="overdue"), {"Dario Overdue", "Karla Both"}),
        (MatrixFilters(status="expired", programme="integrity"), {"Carla Expired"}),
        (MatrixFilters(q="o-1"), {"Dario Overdue"}),
        (MatrixFilters(q="ana"), {"Ana Valid"}),
        (MatrixFilters(programme="missing"), set()),
        (MatrixFilters(status="bogus"), set()),
    ],
)
def test_filters(world, filters, expected):
    assert set(statuses(world, filters)) == expected


def test_unit_filter_includes_units_inside_it(world):
    names = set(statuses(world, MatrixFilters(unit=world.unit.pk)))
    assert "Beto Expiring" in names  # Terminal 1 is inside Callao
    assert "Carla Expired" not in names
    assert set(statuses(world, MatrixFilters(unit=world.sub.pk))) == {"Beto Expiring"}


def test_another_administrations_unit_or_officers_never_appear(world):
    pan_unit = Unit.objects.get(administration=world.pan)
    assert statuses(world, MatrixFilters(unit=pan_unit.pk)) == {}
    assert "Pan Person" not in statuses(world, MatrixFilters(q="Pan"))
    assert "Pan Person" not in statuses(world, MatrixFilters(status="valid"))


def test_sort_by_status_puts_the_most_urgent_first(world):
    columns = selectors.programme_columns(world.per)
    ordered = selectors.compliance_matrix(
        world.per, columns, MatrixFilters(programme="integrity", sort="status"), now=NOW
    )
    ranks = [getattr(person, columns[0].alias) for person in ordered]
    assert ranks == sorted(ranks)
    assert Status.of_rank(ranks[0]) == Status.OVERDUE
    assert Status.of_rank(ranks[-1]) == Status.VALID
    names = [
        p.full_name
        for p in selectors.compliance_matrix(
            world.per, columns, MatrixFilters(sort="-name"), now=NOW
        )
    ]
    assert names == sorted(names, reverse=True)


def test_coverage_and_key_figures(world):
    columns = selectors.programme_columns(world.per)
    coverage = selectors.programme_coverage(world.per, columns, officer_count=11, now=NOW)
    [integrity] = coverage
    # Valid: Ana, Beto (expiring), Hugo (renewed once), Ines (new cycle after expiry).
    assert (integrity.valid, integrity.expiring, integrity.expired) == (4, 1, 2)
    assert integrity.percent == round(100 * 4 / 11, 1)
    figures = selectors.key_figures(world.per, coverage, now=NOW)
    assert figures.officers == 11  # the manager is not an officer; PAN's is not PER's
    assert figures.valid_certificates == 4
    assert figures.expiring_certificates == 1
    assert figures.expired_certificates == 2
    assert figures.overdue_assignments == 2
    assert figures.enrolments == 1 and figures.completions == 0


def test_unit_coverage_counts_pairs_per_unit(world):
    columns = selectors.programme_columns(world.per)
    rows = {row.name: row for row in selectors.unit_coverage(world.per, columns, now=NOW)}
    # Callao: Ana, Elena, Gina, Hugo, Ines, Juan; valid: Ana, Hugo, Ines.
    assert (rows["Callao"].officers, rows["Callao"].covered) == (6, 3)
    assert rows["Callao"].percent == 50.0
    assert (rows["Terminal 1"].officers, rows["Terminal 1"].covered) == (1, 1)
    assert rows[""].officers == 1  # no unit


def test_matrix_query_count_does_not_grow(world, django_assert_max_num_queries):
    def page():
        columns = selectors.programme_columns(world.per)
        queryset = selectors.compliance_matrix(world.per, columns, MatrixFilters(), now=NOW)
        return selectors.matrix_rows(queryset[:50], columns)

    with django_assert_max_num_queries(6):
        assert len(page()) == 11
    for index in range(30):
        officer(world.per, world.lima, f"Extra {index}", f"EX-{index}")
    with django_assert_max_num_queries(6):
        assert len(page()) == 41


def test_regional_overview_is_for_coordinators_only(world, coordinator, per_manager):
    programmes, rows = selectors.regional_overview(coordinator, now=NOW)
    assert programmes == [world.programme]
    by_code = {row.administration.code: row for row in rows}
    assert by_code["PER"].officers == 11
    assert by_code["PER"].coverage == {world.programme.pk: 4}
    assert by_code["PAN"].coverage == {world.programme.pk: 1}
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.regional_overview(per_manager)


def test_tracked_administration_is_404_for_others(world, per_manager, pan_manager, coordinator):
    from django.http import Http404

    assert selectors.access_tracked_administration(per_manager, "per") == world.per
    for outsider in (pan_manager, coordinator, world.people.valid):
        with pytest.raises(Http404):
            selectors.access_tracked_administration(outsider, "PER")


def test_every_status_filter_lists_exactly_the_officers_in_that_state(world):
    """The status filter's shortcut (a semi-join on a necessary condition) never drops
    nor adds anyone: it agrees with the unfiltered matrix for every state."""
    everyone = statuses(world)
    for status in Status.ORDER:
        expected = {name for name, state in everyone.items() if state == status}
        assert set(statuses(world, MatrixFilters(status=status))) == expected, status
