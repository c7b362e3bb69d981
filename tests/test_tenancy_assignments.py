"""Tenant isolation of the assignment pages: another administration's manager, and an
officer, get 404 for every PER assignment page; lists never show another tenant's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.tests.fixtures import make_programme
from lms.tracking.assignments import (
    assignment_create,
    assignment_list_for_user,
    assignment_records,
    assignments_for_officer,
)
from lms.tracking.models import Assignment
from tests.tenancy import assert_hidden_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(per, pan, per_unit, pan_unit, per_officer, pan_officer, per_manager, pan_manager):
    programme = make_programme(code="shared", titles={"en": "Shared programme"})
    due = timezone.localdate() + dt.timedelta(days=10)
    per_assignment = assignment_create(
        actor=per_manager, administration=per, programme=programme, units=[per_unit], due_on=due
    )
    pan_assignment = assignment_create(
        actor=pan_manager, administration=pan, programme=programme, units=[pan_unit], due_on=due
    )
    return per_assignment, pan_assignment


def per_urls(assignment):
    return [
        reverse("tracking:assignments", args=["PER"]),
        reverse("tracking:assignment_new", args=["PER"]),
        reverse("tracking:assignment", args=["PER", assignment.pk]),
        reverse("tracking:assignment_withdraw", args=["PER", assignment.pk]),
    ]


def test_another_administrations_manager_gets_404(client, both, per_manager, pan_manager):
    per_assignment, _pan_assignment = both
    assert_hidden_from(client, per_urls(per_assignment), outsider=pan_manager, owner=per_manager)


def test_officers_and_coordinators_get_404(client, both, per_officer, coordinator, per_manager):
    per_assignment, _pan_assignment = both
    assert_hidden_from(client, per_urls(per_assignment), outsider=per_officer, owner=per_manager)
    assert_hidden_from(client, per_urls(per_assignment), outsider=coordinator)


def test_an_assignment_under_the_wrong_code_is_404(client, both, pan_manager):
    per_assignment, _pan_assignment = both
    client.force_login(pan_manager)
    for name in ("assignment", "assignment_withdraw"):
        assert (
            client.get(reverse(f"tracking:{name}", args=["PAN", per_assignment.pk])).status_code
            == 404
        )


def test_withdrawing_anothers_assignment_changes_nothing(client, both, pan_manager):
    per_assignment, _pan_assignment = both
    client.force_login(pan_manager)
    for code in ("PER", "PAN"):
        response = client.post(
            reverse("tracking:assignment_withdraw", args=[code, per_assignment.pk]),
            {"confirm": "on"},
        )
        assert response.status_code == 404
    per_assignment.refresh_from_db()
    assert per_assignment.withdrawn_at is None


def test_lists_never_contain_another_tenants_rows(
    client, both, per, per_manager, per_officer, pan_officer
):
    per_assignment, pan_assignment = both
    assert list(assignment_list_for_user(per_manager, per)) == [per_assignment]
    assert {r.officer_id for r in assignment_records(per_manager, per_assignment)} == {
        per_officer.pk
    }
    assert [i.record.assignment_id for i in assignments_for_officer(per_officer)] == [
        per_assignment.pk
    ]
    client.force_login(per_manager)
    html = client.get(reverse("tracking:assignments", args=["PER"])).content.decode()
    assert f'data-assignment="{per_assignment.pk}"' in html
    assert f'data-assignment="{pan_assignment.pk}"' not in html
    detail = client.get(reverse("tracking:assignment", args=["PER", per_assignment.pk]))
    assert pan_officer.full_name not in detail.content.decode()
    client.force_login(pan_officer)
    mine = client.get(reverse("tracking:my_assignments")).content.decode()
    assert mine.count("data-assigned=") == 1
    assert f'data-assigned="{per_assignment.records.get().pk}"' not in mine
    assert Assignment.objects.count() == 2


def test_an_officer_who_moved_away_leaves_the_old_list(
    both, per, pan, pan_unit, per_manager, per_officer
):
    per_assignment, _pan_assignment = both
    per_officer.administration = pan
    per_officer.unit = pan_unit
    per_officer.employee_number = "PAN-9"
    per_officer.save()
    assert list(assignment_records(per_manager, per_assignment)) == []
    # ...and the PAN unit's assignment reached them instead.
    assert [
        i.record.assignment.administration_id for i in assignments_for_officer(per_officer)
    ] == [pan.pk]
