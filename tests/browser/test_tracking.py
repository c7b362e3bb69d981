"""Administration tracking in a real browser: the PER manager reads the dashboard and its
charts, filters the compliance matrix to expiring certificates, assigns a course to a
unit, previews an import with one bad row (nothing is written), and exports the matrix;
the regional coordinator compares administrations without seeing a single name; an API
client with a PER token lists PER's officers and is refused PAN's."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Enrolment
from lms.accounts.models import User
from lms.tracking.models import OfficerAssignment, OfficerImport
from lms.tracking.tests.conftest import world  # noqa: F401  (the fixture)
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

CSP_MARKERS = ("Content Security Policy", "Refused to")


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            problems.append(f"{message.text} {message.location}")
            if message.type == "error" or any(marker in message.text for marker in CSP_MARKERS)
            else None
        ),
    )
    return problems


def test_manager_dashboard_matrix_assignment_import_and_export(
    page,
    world,  # noqa: F811
    per_manager,
    password,
    tmp_path,
):
    # One course completed this month, so that every chart has data.
    course = world.programme.requirements.get().course
    Enrolment.objects.create(
        user=world.people.valid,
        administration=world.per,
        course=course,
        course_key=course.translation_key,
        status=Enrolment.Status.COMPLETED,
        percent_complete=100,
        completed_at=timezone.now(),
    )
    problems = watch_console(page)
    sign_in(page, per_manager.username, password)

    # The dashboard: key figures and three charts drawn on the server.
    page.locator("[data-nav=administration]").click()
    expect(page).to_have_url(
        f"{page.url.split('/administrations/')[0]}/administrations/PER/dashboard/"
    )
    expect(page.locator("[data-figure=officers] .tile-value")).to_have_text("11")
    expect(page.locator("[data-figure=expiring] .tile-value")).to_have_text("1")
    expect(page.locator("[data-figure=overdue] .tile-value")).to_have_text("2")
    # (Each chart is drawn twice, wide and for a phone; the screen shows one of them.)
    charts = page.locator("main svg[role=img]:visible")
    expect(charts).to_have_count(3)
    for index in range(3):
        box = charts.nth(index).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50

    # The compliance matrix, filtered to expiring certificates.
    page.get_by_role("link", name="Compliance").first.click()
    expect(page.locator("#compliance-matrix tbody tr")).to_have_count(11)
    page.get_by_label("Status").select_option("expiring")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#compliance-matrix tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Beto Expiring")
    expect(rows.first.locator("[data-status=expiring]")).to_have_count(1)

    # Export what is on screen: the CSV holds the same single officer.
    with page.expect_download() as download:
        page.locator("[data-export=csv]").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    lines = list(csv.reader(io.StringIO(text)))
    assert len(lines) == 2
    assert "Beto Expiring" in lines[1]

    # Assign the course to the Callao unit (with its sub-unit).
    page.get_by_role("link", name="Assignments").first.click()
    page.get_by_role("link", name="New assignment").click()
    page.get_by_label("Course", exact=True).select_option(label="Detecting illicit trade")
    page.get_by_label("Units", exact=True).select_option(str(world.unit.pk))
    page.get_by_label("Due date").fill("2031-03-31")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("main")).to_contain_text("Assigned to")
    in_callao = {p.pk for p in User.objects.filter(unit__in=[world.unit, world.sub])}
    assigned = set(
        OfficerAssignment.objects.filter(due_on="2031-03-31").values_list("officer_id", flat=True)
    )
    assert assigned and assigned <= in_callao
    assert world.people.expiring.pk in assigned  # Terminal 1 is inside Callao

    # Import a CSV with one bad row: the preview lists it and nothing is written.
    before = User.objects.count()
    upload = tmp_path / "officers.csv"
    upload.write_text(
        "employee_number,full_name,email,unit\n"
        "NEW-1,Rosa Quispe Mamani,rosa.quispe@example.org,CALLAO\n"
        "NEW-2,Luis Ñahui Condori,not-an-email,CALLAO\n",
        encoding="utf-8",
    )
    page.get_by_role("link", name="Import officers").first.click()
    page.get_by_label("File of officers (CSV or Excel .xlsx)").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and preview").click()
    rejected = page.locator("[data-table=rejected] tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected.first).to_have_attribute("data-line", "3")
    expect(rejected.first).to_contain_text("not a valid e-mail address")
    expect(page.locator("[data-count=create] dd")).to_have_text("1")
    expect(page.locator("[data-action=apply]")).to_have_count(0)
    assert User.objects.count() == before
    assert OfficerImport.objects.get().status == OfficerImport.Status.PREVIEWED

    assert problems == []


def test_coordinator_compares_administrations_without_names(
    page,
    world,  # noqa: F811
    coordinator,
    password,
):
    problems = watch_console(page)
    sign_in(page, coordinator.username, password)
    page.locator("[data-nav=regional]").click()
    expect(page.locator("[data-administration=PER]")).to_be_visible()
    expect(page.locator("[data-administration=PAN]")).to_be_visible()
    expect(page.locator("main svg[role=img]").first).to_be_visible()
    html = page.content()
    for person in vars(world.people).values():
        assert person.full_name not in html
        assert person.username not in html
        assert f">{person.employee_number}<" not in html
    assert problems == []


def test_api_client_with_a_per_token_lists_per_and_is_refused_pan(
    browser,
    live_server,
    world,  # noqa: F811
    per_manager,
    password,
    page,
):
    # The manager creates a read token in the UI and copies it.
    sign_in(page, per_manager.username, password)
    page.goto("/administrations/PER/api-tokens/")
    page.get_by_label("Name").fill("HR system")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#token-secret").input_value()
    assert secret
    page.close()

    context = browser.new_context(base_url=live_server.url)
    client = context.request
    headers = {"Authorization": f"Bearer {secret}"}
    listing = client.get("/api/v1/officers/?page_size=200", headers=headers)
    assert listing.status == 200
    numbers = {row["employee_number"] for row in listing.json()["results"]}
    assert {"V-1", "E-1", "O-1"} <= numbers
    names = {row["full_name"] for row in listing.json()["results"]}
    assert "Pan Person" not in names
    pan = world.people.pan
    refused = client.get(f"/api/v1/officers/{pan.pk}/", headers=headers)
    assert refused.status == 404
    assert refused.headers["content-type"].startswith("application/json")
    filtered = client.get("/api/v1/officers/?administration=PAN", headers=headers)
    assert "Pan Person" not in filtered.text()
    context.close()
