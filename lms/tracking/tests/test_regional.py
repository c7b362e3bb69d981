"""The regional view and its export: aggregates per administration, totals and medians,
charts, access, constant queries, and never a person's name or number."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.tests.fixtures import issue, make_programme
from courses.models import Enrolment
from lms.accounts.tests.factories import AdministrationFactory, UnitFactory
from lms.tracking.selectors import month_starts
from lms.tracking.tests.conftest import officer

pytestmark = pytest.mark.django_db

REGIONAL_QUERIES = 9


@pytest.fixture(autouse=True)
def tiny_groups_shown(request, settings):
    """These tests use administrations of a few officers; they show coverage of any size,
    except where a test asks for the production threshold (``small_groups`` marker)."""
    if "small_groups" not in request.keywords:
        settings.LMS_REGIONAL_MIN_GROUP = 1


def page_url():
    return reverse("tracking:regional")


def export_url(fmt="csv"):
    return reverse("tracking:regional_export", args=[fmt])


def complete(person, when):
    Enrolment.objects.create(
        user=person,
        administration=person.administration,
        course_key=uuid.uuid4(),
        status=Enrolment.Status.COMPLETED,
        percent_complete=100,
        completed_at=when,
        last_activity_at=when,
    )


def secret_officer(administration, unit, index):
    return officer(
        administration,
        unit,
        f"Zacarías Secretname{index}",
        f"EMP-9876{index}",
        email=f"hidden{index}@secret.example",
    )


@pytest.fixture
def region(per, pan, per_unit, pan_unit, django_capture_on_commit_callbacks):
    now = timezone.now()
    bes = AdministrationFactory(code="BES", name="Douane Caribisch Nederland")
    alpha = make_programme(code="alpha", titles={"en": "Alpha analyst"})
    beta = make_programme(code="beta", titles={"en": "Beta inspector"})
    make_programme(code="per-only", administration=per, titles={"en": "Peru only"})
    per_people = [secret_officer(per, per_unit, index) for index in range(4)]
    pan_people = [secret_officer(pan, pan_unit, index) for index in range(4, 6)]
    with django_capture_on_commit_callbacks(execute=False):
        issue(per_people[0], alpha, issued_at=now - dt.timedelta(days=5))
        issue(per_people[1], alpha, issued_at=now - dt.timedelta(days=5))
        issue(per_people[2], alpha, issued_at=now - dt.timedelta(days=40 * 30))  # expired
        issue(pan_people[0], alpha, issued_at=now - dt.timedelta(days=5))
        issue(pan_people[1], beta, issued_at=now - dt.timedelta(days=5))
    complete(per_people[0], now)
    complete(per_people[1], now)
    complete(pan_people[0], now - dt.timedelta(days=70))
    return SimpleNamespace(people=per_people + pan_people, bes=bes, alpha=alpha, beta=beta)


def line(html, code):
    row = re.search(rf'<tr data-administration="{code}">(.*?)</tr>', html, re.S).group(1)
    return [cell.strip() for cell in re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", row)]


def footer(html, name):
    row = re.search(rf'<tr [^>]*data-line="{name}">(.*?)</tr>', html, re.S).group(1)
    return [cell.strip() for cell in re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", row)]


def test_coordinators_see_a_line_per_administration_with_totals_and_medians(
    client, region, coordinator
):
    client.force_login(coordinator)
    response = client.get(page_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha analyst (coverage)" in html and "Beta inspector (coverage)" in html
    assert "Peru only" not in html  # not a regional programme
    assert line(html, "PER") == ["PER", "SUNAT – Aduanas", "4", "50.0 %", "0.0 %", "2"]
    assert line(html, "PAN") == ["PAN", "ANA Panamá", "2", "50.0 %", "50.0 %", "1"]
    assert line(html, "BES") == ["BES", "Douane Caribisch Nederland", "0", "—", "—", "0"]
    assert footer(html, "total") == ["All administrations", "6", "50.0 %", "16.7 %", "3"]
    # Medians: officers of all three; coverage of the two with officers; completions.
    assert footer(html, "median") == ["Median", "2", "50.0 %", "25.0 %", "1"]


def test_the_comparison_charts_are_drawn_with_their_tables(client, region, coordinator):
    client.force_login(coordinator)
    html = client.get(page_url()).content.decode()
    # Each chart twice: the wide drawing and the phone's (charts.css shows one).
    assert html.count('role="img"') == 4
    assert html.count('class="chart chart-wide') == html.count('class="chart chart-narrow') == 2
    assert 'class="chart-median"' in html
    compare = re.search(r'data-chart="chart-regional-coverage"(.*?)</details>', html, re.S).group(1)
    assert re.findall(r'<th scope="row">(\w+)</th>', compare) == ["PAN", "PER"]  # with officers
    multiples = re.search(
        r'data-chart="chart-regional-completions"(.*?)</details>', html, re.S
    ).group(1)
    assert re.findall(r'<th scope="row">(\w+)</th>', multiples) == ["BES", "PAN", "PER"]
    per_row = re.search(r'<th scope="row">PER</th>(.*?)</tr>', multiples, re.S).group(1)
    counts = re.findall(r'<td class="num">(\d+)</td>', per_row)
    assert len(counts) == 13 and counts[-2:] == ["2", "2"]  # this month, and the total


def test_no_data_yet_when_nothing_happened(client, per, coordinator):
    client.force_login(coordinator)
    html = client.get(page_url()).content.decode()
    assert html.count("No data yet") == 2
    assert 'role="img"' not in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_has_the_same_aggregates(client, region, coordinator, fmt):
    client.force_login(coordinator)
    response = client.get(export_url(fmt))
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="regional-{today}.{fmt}"'
    data = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        rows = [[str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    head = rows[0]
    assert head[:7] == [
        "Code",
        "Administration",
        "Officers",
        "Alpha analyst: valid certificates",
        "Alpha analyst: coverage %",
        "Beta inspector: valid certificates",
        "Beta inspector: coverage %",
    ]
    assert head[7:19] == [month.strftime("%Y-%m") for month in month_starts(12)]
    assert head[-1] == "Completions (12 months)" and len(head) == 20
    lines = {row[0]: row for row in rows[1:]}
    assert set(lines) == {"BES", "PAN", "PER"}
    numbers = {
        code: [None if value in ("", "None") else float(value) for value in row[2:]]
        for code, row in lines.items()
    }
    assert numbers["PER"][:5] == [4, 2, 50, 0, 0]
    assert numbers["PAN"][:5] == [2, 1, 50, 1, 50]
    assert numbers["BES"][:5] == [0, 0, None, 0, None]  # no officers: no coverage
    assert numbers["PER"][-2:] == [2, 2]  # this month, and the total
    assert numbers["PAN"][-1] == 1 and sum(numbers["PAN"][5:-1]) == 1


def test_never_a_name_a_number_a_username_or_an_email(client, region, coordinator, platform_admin):
    for viewer in (coordinator, platform_admin):
        client.force_login(viewer)
        texts = [client.get(page_url()).content.decode()]
        for fmt in ("csv", "xlsx"):
            data = b"".join(client.get(export_url(fmt)).streaming_content)
            if fmt == "csv":
                texts.append(data.decode("utf-8-sig"))
            else:
                sheet = openpyxl.load_workbook(io.BytesIO(data)).active
                texts.append(repr(list(sheet.iter_rows(values_only=True))))
        for text in texts:
            assert "Secretname" not in text
            for person in region.people:
                for value in (person.full_name, person.username, person.email):
                    assert value not in text
                assert person.employee_number not in text


@pytest.mark.parametrize("who", ["per_manager", "per_officer", "regional_author"])
def test_managers_officers_and_authors_get_404(client, per, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(page_url()).status_code == 404
    for fmt in ("csv", "xlsx"):
        assert client.get(export_url(fmt)).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, per):
    assert client.get(page_url()).status_code == 302
    assert client.get(export_url()).status_code == 302


def test_unknown_format_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(export_url("pdf")).status_code == 404


def test_platform_admins_see_the_regional_view(client, region, platform_admin):
    client.force_login(platform_admin)
    assert client.get(page_url()).status_code == 200


def grow(programme, codes):
    """More administrations, each with two officers, a certificate and a completion."""
    for code in codes:
        administration = AdministrationFactory(code=code)
        unit = UnitFactory(administration=administration)
        for number in range(2):
            person = officer(administration, unit, f"Person {number}", f"N-{number}")
            issue(person, programme)
            complete(person, timezone.now())


def test_query_count_does_not_grow_with_administrations_or_officers(
    client, coordinator, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    programme = make_programme(code="grow")
    counts = []
    client.force_login(coordinator)
    for codes in (["QAA", "QAB"], [f"QB{chr(65 + index)}" for index in range(10)]):
        with django_capture_on_commit_callbacks(execute=False):
            grow(programme, codes)
        client.get(page_url())  # warm the caches
        with django_assert_max_num_queries(REGIONAL_QUERIES) as queries:
            html = client.get(page_url()).content.decode()
        assert html.count("data-administration=") == len(codes) + (2 if counts else 0)
        counts.append(len(queries))
        with django_assert_max_num_queries(REGIONAL_QUERIES):
            b"".join(client.get(export_url()).streaming_content)
    assert counts[0] == counts[1]


@pytest.mark.small_groups
def test_coverage_of_an_administration_with_few_officers_is_not_shown(
    client, coordinator, per, pan, per_unit, pan_unit, settings
):
    """With the default threshold (5), an administration of two officers shows its
    officers and completions but not its coverage, in the page and the export; its
    certificates still count in the region's total."""
    assert settings.LMS_REGIONAL_MIN_GROUP == 5
    programme = make_programme(code="regional-integrity")
    lone = [officer(pan, pan_unit, f"Pan {i}", f"PS-{i}") for i in range(2)]
    crowd = [officer(per, per_unit, f"Per {i}", f"PB-{i}") for i in range(5)]
    issue(lone[0], programme)
    issue(crowd[0], programme)
    client.force_login(coordinator)
    html = client.get(page_url()).content.decode()
    pan_row = html.split('data-administration="PAN"')[1].split("</tr>")[0]
    per_row = html.split('data-administration="PER"')[1].split("</tr>")[0]
    assert "50.0 %" not in pan_row and "—" in pan_row
    assert "20.0 %" in per_row
    total = html.split('data-line="total"')[1].split("</tr>")[0]
    assert "28.6 %" in total  # 2 of 7 officers
    assert 'data-min-group="5"' in html
    data = b"".join(client.get(export_url()).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    pan_line = next(row for row in rows if row[0] == "PAN")
    assert pan_line[2] == "2"
    assert pan_line[3:5] == ["", ""]
    per_line = next(row for row in rows if row[0] == "PER")
    assert per_line[3:5] == ["1", "20.0"]
