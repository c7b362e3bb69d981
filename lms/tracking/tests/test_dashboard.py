"""The administration dashboard: key figures against a known dataset, links to the matrix
and the exports, charts and their tables, "No data yet", and a query count that does not
grow with the number of officers."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.services import add_months
from certificates.tests.fixtures import issue, make_programme
from courses.models import Enrolment
from lms.accounts.tests.factories import AdministrationFactory, UnitFactory
from lms.tracking.selectors import UnitCoverage, month_starts
from lms.tracking.tests.conftest import officer, overdue_assignment
from lms.tracking.views_dashboard import UNIT_CHART_BARS, unit_chart

pytestmark = pytest.mark.django_db

#: The dashboard's queries (session, user, administration, programmes, figures, charts).
DASHBOARD_QUERIES = 15


def url(code="PER"):
    return reverse("tracking:dashboard", args=[code])


def enrol(person, *, completed_days_ago=None, activity_days_ago=None, completed_at=None):
    """An enrolment in some course, completed (or active) on a given day. Made directly:
    the services only ever complete at the present moment."""
    now = timezone.now()
    if completed_days_ago is not None:
        completed_at = now - dt.timedelta(days=completed_days_ago)
    activity = (
        now - dt.timedelta(days=activity_days_ago)
        if activity_days_ago is not None
        else completed_at
    )
    return Enrolment.objects.create(
        user=person,
        administration=person.administration,
        course_key=uuid.uuid4(),
        status=Enrolment.Status.COMPLETED if completed_at else Enrolment.Status.ACTIVE,
        percent_complete=100 if completed_at else 40,
        completed_at=completed_at,
        last_activity_at=activity,
    )


def mid_month(months_ago: int) -> dt.datetime:
    """The 15th, at noon, of the month ``months_ago`` months before this one."""
    start = month_starts(months_ago + 1)[0]
    return timezone.make_aware(dt.datetime(start.year, start.month, 15, 12))


@pytest.fixture
def dataset(per, pan, per_unit, pan_unit, django_capture_on_commit_callbacks):
    """Six PER officers in known states, and PAN distractors that must never count."""
    now = timezone.now()
    paita = UnitFactory(administration=per, code="PAITA", name="Paita")
    alpha = make_programme(code="alpha", validity_months=36)  # regional
    beta = make_programme(
        code="beta", validity_months=12, administration=per, titles={"en": "Beta"}
    )
    pan_only = make_programme(code="pan-only", administration=pan, titles={"en": "Pan only"})
    people = SimpleNamespace(
        valid=officer(per, per_unit, "Olga Valid", "A-1"),
        expiring=officer(per, per_unit, "Omar Expiring", "A-2"),
        expired=officer(per, paita, "Oscar Expired", "A-3"),
        beta=officer(per, paita, "Otto Beta", "A-4", last_login=now - dt.timedelta(days=5)),
        overdue=officer(per, per_unit, "Ofelia Overdue", "A-5"),
        idle=officer(per, None, "Orlando Idle", "A-6", last_login=now - dt.timedelta(days=40)),
        pan=officer(pan, pan_unit, "Pablo Panama", "B-1", last_login=now),
    )
    with django_capture_on_commit_callbacks(execute=False):
        issue(people.valid, alpha, issued_at=now - dt.timedelta(days=10))
        issue(people.expiring, alpha, issued_at=add_months(now, -36) + dt.timedelta(days=30))
        issue(people.expired, alpha, issued_at=add_months(now, -37))
        issue(people.beta, beta, issued_at=now - dt.timedelta(days=30))
        issue(people.pan, alpha, issued_at=now)
        issue(people.pan, pan_only, issued_at=now)
    enrol(people.valid, completed_at=mid_month(2))  # not active
    enrol(people.expiring, completed_days_ago=0)  # this month: active
    enrol(people.expired, activity_days_ago=1)  # active
    enrol(people.overdue)  # never opened
    enrol(people.pan, completed_days_ago=0)
    overdue_assignment(people.overdue, programme=alpha, due_days=-10)
    overdue_assignment(people.idle, programme=alpha, due_days=-10, done=True)
    overdue_assignment(people.valid, programme=alpha, due_days=10)
    overdue_assignment(people.pan, programme=alpha, due_days=-10)
    return SimpleNamespace(per=per, pan=pan, people=people, alpha=alpha, beta=beta, paita=paita)


def figure(html: str, name: str) -> int:
    match = re.search(rf'data-figure="{name}".*?class="tile-value">(\d+)<', html, re.S)
    assert match, f"no tile {name}"
    return int(match.group(1))


def test_key_figures_match_the_dataset(client, dataset, per_manager):
    client.force_login(per_manager)
    response = client.get(url())
    assert response.status_code == 200
    html = response.content.decode()
    assert {
        name: figure(html, name)
        for name in (
            "officers",
            "active",
            "enrolments",
            "completions",
            "valid",
            "expiring",
            "expired",
            "overdue",
        )
    } == {
        "officers": 6,
        "active": 3,  # Omar and Oscar (recent activity), Otto (signed in 5 days ago)
        "enrolments": 4,
        "completions": 2,
        "valid": 3,  # Olga, Omar (expiring counts as valid) and Otto
        "expiring": 1,
        "expired": 1,
        "overdue": 1,
    }


def test_tiles_link_to_the_filtered_matrix_and_the_page_to_the_exports(
    client, dataset, per_manager
):
    client.force_login(per_manager)
    html = client.get(url()).content.decode()
    matrix = reverse("tracking:matrix", args=["PER"])
    for status in ("valid", "expiring", "expired", "overdue"):
        assert re.search(
            rf'data-figure="{status}"><a href="{re.escape(matrix)}\?status={status}"', html
        )
    for name in ("matrix_export", "progress_export"):
        for fmt in ("csv", "xlsx"):
            assert f'href="{reverse(f"tracking:{name}", args=["PER", fmt])}"' in html
    assert f'href="{matrix}?programme=alpha"' in html


def test_programmes_coverage_and_units_are_shown_with_their_numbers(client, dataset, per_manager):
    client.force_login(per_manager)
    html = client.get(url()).content.decode()
    # Programmes open to PER: the regional one and PER's own, not PAN's.
    assert "Certified illicit trade analyst" in html and "Beta" in html
    assert "Pan only" not in html
    alpha_row = re.search(r'<tr data-programme="alpha">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'class="num">([^<]+)<', alpha_row) == ["2", "1", "1", "33.3 %"]
    # Charts: completions per month, coverage per programme and per unit, each with a table.
    # Each chart twice: the wide drawing and the phone's (charts.css shows one).
    assert html.count('role="img"') == 6
    assert html.count('class="chart chart-wide') == html.count('class="chart chart-narrow') == 3
    assert html.count('class="chart-data"') == 3
    assert "33.3 %" in html and "16.7 %" in html
    # Units: Callao (3 officers, 2 valid pairs of 6), Paita (2 officers, 1 of 4), no unit.
    assert "Callao" in html and "Paita" in html and "No unit" in html
    assert "25.0 %" in html  # Paita: 1 of 2 x 2
    # No officer's name on the dashboard.
    assert "Olga Valid" not in html and "Pablo Panama" not in html


def test_completions_per_month_count_this_month_and_two_months_ago(client, dataset, per_manager):
    from lms.tracking import selectors

    client.force_login(per_manager)
    html = client.get(url()).content.decode()
    months = selectors.completions_per_month(dataset.per)[dataset.per.pk]
    assert [count for _month, count in months][-3:] == [1, 0, 1]
    table = re.search(r'data-chart="chart-completions".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    counts = [int(value) for value in re.findall(r'<td class="num">(\d+)</td>', table)]
    assert len(counts) == 12 and counts[-3:] == [1, 0, 1] and sum(counts) == 2


def test_an_administration_without_data_says_no_data_yet(client, per, per_manager):
    client.force_login(per_manager)
    html = client.get(url()).content.decode()
    assert html.count("No data yet") == 3
    assert 'role="img"' not in html
    assert figure(html, "officers") == 0


def test_the_page_works_in_spanish(client, dataset, per_manager):
    client.force_login(per_manager)
    html = client.get(url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert figure(html, "officers") == 6


def test_unit_chart_draws_the_lowest_units_and_lists_them_all():
    units = [UnitCoverage(index, f"Unit {index:02}", 4, index, 2) for index in range(40)]
    chart = unit_chart(units)
    labels = re.findall(
        r'class="chart-label"[^>]*>(?:<title>[^<]*</title>)?([^<]+)<', str(chart.svg)
    )
    assert labels == [f"Unit {index:02}" for index in range(UNIT_CHART_BARS)]
    assert len(chart.table.rows) == 40
    assert chart.table.summary == "All units (40)"


def test_anonymous_people_are_sent_to_sign_in(client, per):
    response = client.get(url())
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["pan_manager", "per_officer", "coordinator"])
def test_people_without_the_right_get_404(client, per, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url()).status_code == 404
    assert client.get(url("ZZZ")).status_code == 404


def test_platform_admins_see_any_administration(client, dataset, platform_admin):
    client.force_login(platform_admin)
    response = client.get(url("pan"))
    assert response.status_code == 200
    assert figure(response.content.decode(), "officers") == 1


def populate(administration, count):
    """``count`` officers spread over three units, each with a certificate, an enrolment
    and an overdue assignment."""
    now = timezone.now()
    programme = make_programme(code=f"p-{administration.code.lower()}", validity_months=36)
    units = [
        UnitFactory(administration=administration, code=f"U{index}", name=f"Unit {index}")
        for index in range(3)
    ]
    for index in range(count):
        person = officer(administration, units[index % 3], f"Person {index}", f"N-{index}")
        issue(person, programme, issued_at=now - dt.timedelta(days=index * 40))
        enrol(person, completed_days_ago=index * 10 % 300)
        overdue_assignment(person, programme=programme)


def test_query_count_does_not_grow_with_officers(
    client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from lms.accounts.tests.factories import manager

    counts = {}
    for code, size in (("QCA", 3), ("QCB", 30)):
        administration = AdministrationFactory(code=code)
        with django_capture_on_commit_callbacks(execute=False):
            populate(administration, size)
        client.force_login(manager(administration))
        client.get(url(code))  # warm the caches (site settings, site root paths)
        with django_assert_max_num_queries(DASHBOARD_QUERIES) as queries:
            response = client.get(url(code))
        assert response.status_code == 200
        assert figure(response.content.decode(), "officers") == size
        counts[size] = len(queries)
    assert counts[3] == counts[30], counts
