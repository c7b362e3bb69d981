"""Assignment pages: the manager's list, form, detail and withdrawal, and "Assigned to
me"; query counts pinned with two sizes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from certificates.tests.fixtures import issue, make_programme
from lms.tracking import assignments as service
from lms.tracking.models import Assignment, OfficerAssignment
from lms.tracking.tests.test_assignments import (
    assign,
    in_days,
    make_officer,
    make_people,
    make_plain_programme,
    make_units,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(per, per_unit):
    return make_units(per, per_unit)


@pytest.fixture
def people(per, pan, units, per_officer, pan_officer, per_manager):
    return make_people(per, units, per_officer, pan_officer, per_manager)


@pytest.fixture
def plain_programme(db):
    return make_plain_programme()


LIST_QUERIES = 14
DETAIL_QUERIES = 15


def url(name, code="PER", *args):
    return reverse(f"tracking:{name}", args=[code, *args])


def test_the_list_shows_progress_overdue_and_withdrawn(client, per, units, people, plain_programme):
    issue(people.callao, plain_programme)
    current = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    OfficerAssignment.objects.filter(assignment=current).update(due_on=in_days(-1))
    gone = assign(
        people.manager,
        per,
        programme=make_programme(code="gone", titles={"en": "Gone programme"}),
        officers=[people.lima],
    )
    service.assignment_withdraw(actor=people.manager, assignment=gone)
    client.force_login(people.manager)
    response = client.get(url("assignments"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Integrity basics" in html and "Gone programme" in html
    row = html.split(f'data-assignment="{current.pk}"')[1].split("</tr>")[0]
    assert "1/2" in row
    assert 'data-overdue="1"' in row
    assert "Callao" in row
    withdrawn = html.split(f'data-assignment="{gone.pk}"')[1].split("</tr>")[0]
    assert "data-withdrawn" in withdrawn and "0/0" in withdrawn
    assert reverse("tracking:assignment_new", args=["PER"]) in html


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_query_count_does_not_grow(
    count, client, per, units, people, plain_programme, django_assert_max_num_queries, course_tree
):
    for number in range(count):
        if number % 2:
            assign(people.manager, per, course=course_tree.course, units=[units.callao])
        else:
            programme = make_programme(code=f"p{number}", titles={"en": f"Programme {number}"})
            assign(
                people.manager, per, programme=programme, units=[units.lima], officers=[people.pier]
            )
    client.force_login(people.manager)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(url("assignments"))
    assert response.content.decode().count("data-assignment=") == count


@pytest.mark.parametrize("count", [2, 20])
def test_the_detail_query_count_does_not_grow(
    count, client, per, units, people, plain_programme, django_assert_max_num_queries
):
    for number in range(count):
        make_officer(per, units.pier, f"Officer {number}", employee_number=f"N{number}")
    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    service.assignment_reminders_send()
    client.force_login(people.manager)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(url("assignment", "PER", assignment.pk))
    assert response.status_code == 200
    assert response.content.decode().count("data-officer=") == count + 2


def test_the_detail_shows_each_officers_state_and_reminders(
    client, per, units, people, plain_programme
):
    issue(people.callao, plain_programme)
    assignment = assign(
        people.manager, per, programme=plain_programme, units=[units.callao], due_on=in_days(3)
    )
    service.assignment_reminders_send()
    client.force_login(people.manager)
    html = client.get(url("assignment", "PER", assignment.pk)).content.decode()
    callao = html.split(f'data-officer="{people.callao.pk}"')[1].split("</tr>")[0]
    pier = html.split(f'data-officer="{people.pier.pk}"')[1].split("</tr>")[0]
    assert 'data-state="completed"' in callao
    assert 'data-state="open"' in pier and "Before due" in pier
    assert "PER-ROS" in pier and "Muelle Sur" in pier
    assert reverse("tracking:officer", args=["PER", people.pier.pk]) in pier
    OfficerAssignment.objects.filter(assignment=assignment).update(due_on=in_days(-1))
    html = client.get(url("assignment", "PER", assignment.pk)).content.decode()
    assert 'data-state="overdue"' in html.split(f'data-officer="{people.pier.pk}"')[1]


def form_data(**overrides):
    data = {
        "course": "",
        "programme": "",
        "units": [],
        "include_subunits": "on",
        "officers": "",
        "due_on": in_days(14).isoformat(),
        "note": "",
    }
    data.update(overrides)
    return data


def test_the_form_offers_visible_courses_and_programmes_only(
    client, per, pan, units, people, plain_programme, course_tree
):
    make_programme(code="pan-own", administration=pan, titles={"en": "Panama only"})
    client.force_login(people.manager)
    response = client.get(url("assignment_new"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Detecting illicit trade" in html and "Callao induction" in html
    assert "Integrity basics" in html and "Panama only" not in html
    assert 'type="date"' in html and "Muelle Sur" in html and "Balboa" not in html
    client.force_login(people.pan)  # an officer of PAN is no manager
    assert client.get(url("assignment_new", "PAN")).status_code == 404


def test_assigning_redirects_to_the_detail_with_the_count(
    client, per, units, people, plain_programme
):
    client.force_login(people.manager)
    response = client.post(
        url("assignment_new"),
        form_data(
            programme=plain_programme.pk,
            units=[units.callao.pk],
            officers=f"{people.lima.employee_number}, {people.callao.employee_number}\n",
            note="Before the audit.",
        ),
        follow=True,
    )
    assignment = Assignment.objects.get()
    assert response.redirect_chain[-1][0] == url("assignment", "PER", assignment.pk)
    assert "Assigned to 3 officers." in response.content.decode()
    assert assignment.note == "Before the audit."
    assert set(assignment.officers.all()) == {people.lima, people.callao}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown", "No one of this administration has these employee numbers: NOPE-1, NOPE-2"),
        ("both", "Choose either a course or a programme."),
        ("neither", "Choose either a course or a programme."),
        ("past", "The due date cannot be in the past."),
        ("nobody", "Choose at least one unit or officer."),
        ("foreign", "No one of this administration has these employee numbers: PAN-1"),
    ],
)
def test_bad_input_shows_an_error_and_writes_nothing(
    case, message, client, per, units, people, plain_programme, course_tree
):
    data = form_data(programme=plain_programme.pk, units=[units.callao.pk])
    if case == "unknown":
        data["officers"] = f"NOPE-1\n{people.lima.employee_number}\nNOPE-2"
    elif case == "both":
        data["course"] = course_tree.course.pk
    elif case == "neither":
        data["programme"] = ""
    elif case == "past":
        data["due_on"] = in_days(-1).isoformat()
    elif case == "nobody":
        data["units"] = []
    elif case == "foreign":
        data["officers"] = "PAN-1"
    client.force_login(people.manager)
    response = client.post(url("assignment_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Assignment.objects.count() == 0
    assert OfficerAssignment.objects.count() == 0


def test_a_unit_of_another_administration_is_not_a_choice(
    client, per, pan_unit, units, people, plain_programme
):
    client.force_login(people.manager)
    response = client.post(
        url("assignment_new"), form_data(programme=plain_programme.pk, units=[pan_unit.pk])
    )
    assert response.status_code == 400
    assert Assignment.objects.count() == 0


def test_withdrawing_asks_for_confirmation(client, per, units, people, plain_programme):
    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    client.force_login(people.manager)
    page = client.get(url("assignment_withdraw", "PER", assignment.pk))
    assert page.status_code == 200 and 'name="confirm"' in page.content.decode()
    refused = client.post(url("assignment_withdraw", "PER", assignment.pk), {})
    assert refused.status_code == 400
    assignment.refresh_from_db()
    assert assignment.withdrawn_at is None
    done = client.post(url("assignment_withdraw", "PER", assignment.pk), {"confirm": "on"})
    assert done.status_code == 302
    assignment.refresh_from_db()
    assert assignment.withdrawn_at is not None
    assert not OfficerAssignment.objects.filter(assignment=assignment).exists()


def test_platform_admins_reach_the_pages(
    client, per, units, people, plain_programme, platform_admin
):
    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    client.force_login(platform_admin)
    for name, args in (
        ("assignments", []),
        ("assignment_new", []),
        ("assignment", [assignment.pk]),
    ):
        assert client.get(url(name, "PER", *args)).status_code == 200


def test_officers_cannot_open_the_manager_pages(client, per, units, people, plain_programme):
    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    client.force_login(people.callao)
    for name, args in (
        ("assignments", []),
        ("assignment_new", []),
        ("assignment", [assignment.pk]),
        ("assignment_withdraw", [assignment.pk]),
    ):
        assert client.get(url(name, "PER", *args)).status_code == 404
    assert (
        client.post(url("assignment_withdraw", "PER", assignment.pk), {"confirm": "on"}).status_code
        == 404
    )
    assignment.refresh_from_db()
    assert assignment.withdrawn_at is None


# --- "Assigned to me" --------------------------------------------------------------------------


def test_assigned_to_me_shows_due_dates_and_overdue(client, per, units, people, plain_programme):
    from django.utils.formats import date_format

    soon = assign(people.manager, per, programme=plain_programme, units=[units.pier])
    late = assign(
        people.manager,
        per,
        programme=make_programme(code="late", titles={"en": "Late programme"}),
        officers=[people.pier],
        note="Ask your supervisor.",
    )
    OfficerAssignment.objects.filter(assignment=late).update(due_on=in_days(-3))
    done_programme = make_programme(code="done", titles={"en": "Done programme"})
    issue(people.pier, done_programme)
    assign(people.manager, per, programme=done_programme, officers=[people.pier])
    assign(people.manager, per, programme=plain_programme, officers=[people.lima])  # not theirs
    client.force_login(people.pier)
    response = client.get(reverse("tracking:my_assignments"))
    html = response.content.decode()
    assert response.status_code == 200
    open_part, done_part = html.split("Recently completed", 1)
    assert open_part.index("Late programme") < open_part.index("Integrity basics")
    assert "data-overdue" in open_part.split("Integrity basics")[0]
    assert date_format(in_days(-3), "DATE_FORMAT") in open_part
    assert date_format(soon.due_on, "DATE_FORMAT") in open_part
    assert "Ask your supervisor." in open_part
    assert "Done programme" in done_part and "Done programme" not in open_part
    assert html.count("data-assigned=") == 3


def test_assigned_to_me_needs_an_administration(client, coordinator, people):
    assert client.get(reverse("tracking:my_assignments")).status_code == 302
    client.force_login(coordinator)
    assert client.get(reverse("tracking:my_assignments")).status_code == 404
    client.force_login(people.callao)
    html = client.get(reverse("tracking:my_assignments")).content.decode()
    # In the officer's language (Spanish ships complete).
    with translation.override(people.callao.preferred_language):
        assert translation.gettext("Nothing is assigned to you at the moment.") in html


def test_assigned_to_me_query_count_does_not_grow(
    client, per, units, people, django_assert_max_num_queries
):
    def load(n: int) -> None:
        for number in range(n):
            programme = make_programme(code=f"m{n}-{number}", titles={"en": f"P {number}"})
            assign(people.manager, per, programme=programme, officers=[people.callao])

    client.force_login(people.callao)
    load(2)
    with django_assert_max_num_queries(12):
        client.get(reverse("tracking:my_assignments"))
    load(10)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("tracking:my_assignments"))
    assert response.content.decode().count("data-assigned=") == 12
