"""Due dates are whole days in the officer's zone, through the real selectors; exports
write the administration's local times and name the zone in their header."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates.tests.fixtures import make_programme
from courses.models import Enrolment
from lms.tracking import assignments as service
from lms.tracking import selectors
from lms.tracking.selectors import MatrixFilters, Status
from lms.tracking.tests.test_exports import read

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 3, 12)
ASSIGNED = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
# 23:30 in Lima (UTC−5) on the due day: UTC is already 13 March.
LIMA_LATE_ON_DUE_DAY = dt.datetime(2026, 3, 13, 4, 30, tzinfo=dt.UTC)
# 00:30 in Lima on the next day.
LIMA_NEXT_DAY = dt.datetime(2026, 3, 13, 5, 30, tzinfo=dt.UTC)


@pytest.fixture
def lima(per, per_officer, per_manager):
    per.time_zone = "America/Lima"
    per.save(update_fields=["time_zone"])
    per_officer.email = "carlos@example.org"
    per_officer.save(update_fields=["email"])
    programme = make_programme(code="integrity-basics", titles={"en": "Integrity basics"})
    assignment = service.assignment_create(
        actor=per_manager,
        administration=per,
        programme=programme,
        officers=[per_officer],
        due_on=DUE,
        now=ASSIGNED,
    )
    return assignment


def overdue_everywhere(assignment, manager, officer, now) -> dict[str, object]:
    """What each reader of "overdue" answers at ``now``."""
    administration = assignment.administration
    listed = service.assignment_list_for_user(manager, administration, now=now).get(
        pk=assignment.pk
    )
    (record,) = service.assignment_records(manager, assignment, now=now)
    (item,) = service.assignments_for_officer(officer, now=now)
    columns = selectors.programme_columns(administration)
    (row,) = selectors.matrix_rows(
        selectors.compliance_matrix(administration, columns, MatrixFilters(), now=now), columns
    )
    overdue_filter = selectors.compliance_matrix(
        administration, columns, MatrixFilters(status=Status.OVERDUE), now=now
    )
    return {
        "summary": service.assignment_summary(assignment, now=now)["overdue"],
        "list": listed.overdue,
        "records": record.state == 0,
        "mine": item.overdue,
        "matrix": row.cells[0].status == Status.OVERDUE,
        "matrix filter": [o.pk for o in overdue_filter],
        "key figures": selectors.key_figures(administration, [], now=now).overdue_assignments,
    }


def test_late_on_the_due_day_in_lima_is_not_overdue(lima, per_manager, per_officer):
    assert overdue_everywhere(lima, per_manager, per_officer, LIMA_LATE_ON_DUE_DAY) == {
        "summary": 0,
        "list": 0,
        "records": False,
        "mine": False,
        "matrix": False,
        "matrix filter": [],
        "key figures": 0,
    }
    # The reminder is "due soon", not "overdue".
    assert service.assignment_reminders_send(now=LIMA_LATE_ON_DUE_DAY) == 1
    record = lima.records.get()
    assert record.reminded_due_at is not None and record.reminded_overdue_at is None


def test_the_next_local_day_is_overdue(lima, per_manager, per_officer):
    assert overdue_everywhere(lima, per_manager, per_officer, LIMA_NEXT_DAY) == {
        "summary": 1,
        "list": 1,
        "records": True,
        "mine": True,
        "matrix": True,
        "matrix filter": [per_officer.pk],
        "key figures": 1,
    }
    assert service.assignment_reminders_send(now=LIMA_NEXT_DAY) == 1
    record = lima.records.get()
    assert record.reminded_due_at is None and record.reminded_overdue_at is not None
    assert len(mail.outbox) == 1


def test_an_officers_own_zone_decides_for_them(lima, per_manager, per_officer):
    """Carlos chose São Paulo (UTC−3): at 04:30 UTC it is already 01:30 on the 13th there,
    so his row is overdue although his administration's day is not over."""
    per_officer.time_zone = "America/Sao_Paulo"
    per_officer.save(update_fields=["time_zone"])
    answers = overdue_everywhere(lima, per_manager, per_officer, LIMA_LATE_ON_DUE_DAY)
    assert answers["summary"] == 1 and answers["mine"] is True and answers["matrix"] is True


def test_utc_administrations_keep_utc_days(lima, per, per_manager, per_officer):
    per.time_zone = "UTC"
    per.save(update_fields=["time_zone"])
    assert overdue_everywhere(lima, per_manager, per_officer, LIMA_LATE_ON_DUE_DAY)["summary"] == 1
    early = dt.datetime(2026, 3, 12, 23, 59, tzinfo=dt.UTC)
    assert overdue_everywhere(lima, per_manager, per_officer, early)["summary"] == 0


def test_the_officer_page_marks_overdue_in_the_officers_zone(client, lima, per, per_manager):
    """The officer page compares with the officer's local date (not the viewer's)."""
    record = lima.records.get()
    client.force_login(per_manager)
    url = reverse("tracking:officer", args=[per.code, record.officer_id])
    text = client.get(url).content.decode()
    # Due on 12 March 2026, long past today in any zone: overdue.
    assert "status-overdue" in text


# --- exports -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_progress_export_writes_the_administrations_local_times(
    client, per, per_manager, per_officer, fmt
):
    per.time_zone = "America/Lima"
    per.save(update_fields=["time_zone"])
    started = dt.datetime(2026, 3, 12, 3, 30, tzinfo=dt.UTC)  # 22:30 on 11 March in Lima
    enrolment = Enrolment.objects.create(
        user=per_officer, administration=per, course_key=uuid.uuid4(), last_activity_at=started
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=started)
    per_manager.time_zone = "Asia/Tokyo"  # whoever downloads: the administration's zone
    per_manager.save(update_fields=["time_zone"])
    client.force_login(per_manager)
    response = client.get(reverse("tracking:progress_export", args=[per.code, fmt]))
    lima_today = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo("America/Lima"))
    assert (
        f'filename="PER-progress-{lima_today.isoformat()}.{fmt}"'
        in (response["Content-Disposition"])
    )
    rows = read(response)
    assert rows[0][-3:] == [
        "Enrolled (America/Lima)",
        "Last activity (America/Lima)",
        "Completed (America/Lima)",
    ]
    assert rows[1][-3:] == ["2026-03-11 22:30", "2026-03-11 22:30", ""]


# --- pages name the zone of their dates -------------------------------------------------------

# 23:30 on 11 March in Lima (UTC−5), 01:30 on 12 March in São Paulo (UTC−3).
ISSUED = dt.datetime(2026, 3, 12, 4, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("code", "zone", "offset", "issued_on"),
    [
        ("PER", "America/Lima", "UTC−05:00", "March 11, 2026"),
        ("BRA", "America/Sao_Paulo", "UTC−03:00", "March 12, 2026"),
    ],
)
def test_manager_pages_name_the_zone_their_dates_are_in(client, code, zone, offset, issued_on):
    from certificates.tests.fixtures import issue
    from lms.accounts.tests.factories import AdministrationFactory, manager, officer

    administration = AdministrationFactory(code=code, time_zone=zone)
    person = officer(administration, full_name="Dina Dated")
    boss = manager(administration)
    certificate = issue(person, make_programme(code=f"zones-{code}"), issued_at=ISSUED)
    client.force_login(boss)
    note = f'<p class="zone-note" data-zone="{zone}">Dates and times in {zone} ({offset}).</p>'
    pages = {
        "dashboard": reverse("tracking:dashboard", args=[code]),
        "matrix": reverse("tracking:matrix", args=[code]),
        "officer": reverse("tracking:officer", args=[code, person.pk]),
    }
    for name, url in pages.items():
        html = client.get(url).content.decode()
        assert note in html, name
    # The officer page's certificate and the certificate page: the date of issue in the
    # manager's zone (a date alone, no zone to name).
    officer_page = client.get(pages["officer"]).content.decode()
    assert f"<td>{issued_on}</td>" in officer_page
    detail = client.get(reverse("certificates:manage_detail", args=[certificate.pk]))
    assert f"<dd>{issued_on}</dd>" in detail.content.decode()
    # The holder reads the same day on their own certificates page.
    client.force_login(person)
    assert f"<dd>{issued_on}</dd>" in client.get(reverse("certificates:mine")).content.decode()
