"""Planning and applying officer writes (lms.tracking.officers): the ORM around the pure
import planner, all-or-nothing writes, invitations, and one-officer saves for the API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from certificates.tests.fixtures import make_programme
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UnitFactory, UserFactory
from lms.tracking import officers
from lms.tracking.importing import read_table
from lms.tracking.models import OfficerAssignment

pytestmark = pytest.mark.django_db

HEADER = "employee_number,full_name,email,unit,position,preferred_language\n"


def table(text: str, *, header: str = HEADER, encoding: str = "utf-8"):
    return read_table((header + text).encode(encoding), "officers.csv")


def plan_of(administration, text: str, **kwargs):
    return officers.officers_plan(administration=administration, table=table(text, **kwargs))


def apply(actor, administration, text: str, **kwargs):
    plan = plan_of(administration, text)
    return officers.officers_apply(actor=actor, administration=administration, plan=plan, **kwargs)


# --- planning ---------------------------------------------------------------------------


def test_plan_sorts_rows_and_writes_nothing(per, per_officer, per_manager, per_unit):
    before = User.objects.count()
    plan = plan_of(
        per,
        "PER-1,Carlos Huamán Torres,officer.per@example.org,CALLAO,,es\n"  # unchanged
        "PER-2,Ana Quispe,ana@aduanas.gob.pe,CALLAO,Inspector,es\n"  # new
        "PER-3,,bad-address,NOWHERE,,\n",  # rejected
    )
    assert plan.counts() == {"create": 1, "update": 0, "unchanged": 1, "rejected": 1}
    assert {problem.code for problem in plan.rejected} == {
        "missing_full_name",
        "bad_email",
        "unknown_unit",
    }
    assert {problem.line for problem in plan.rejected} == {4}
    assert User.objects.count() == before


def test_plan_costs_the_same_few_queries_whatever_the_size(per, per_unit, per_manager):
    def rows(count: int) -> str:
        return "".join(f"N{i},Name {i},n{i}@example.org,CALLAO,,es\n" for i in range(count))

    counts = []
    for size in (5, 500):
        with CaptureQueriesContext(connection) as queries:
            plan = plan_of(per, rows(size))
        assert plan.counts()["create"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4


def test_existing_emails_and_usernames_are_respected(per, per_officer, per_manager):
    UserFactory(username="ana.per", administration=per, email="taken@example.org")
    plan = plan_of(
        per,
        "PER-5,Ana,ana@example.org,,,\nPER-6,Other,taken@example.org,,,\n",
    )
    assert plan.creates[0].username == "ana2.per"  # in PER's namespace
    assert [problem.code for problem in plan.rejected] == ["email_taken"]


# --- applying ---------------------------------------------------------------------------


def test_apply_creates_officers_and_updates_changed_fields_only(
    per, per_unit, per_officer, per_manager
):
    lima = UnitFactory(administration=per, code="LIMA", name="Lima")
    per_officer.position = "Inspector"
    per_officer.save()
    result = apply(
        per_manager,
        per,
        "PER-1,Carlos Huamán,officer.per@example.org,LIMA,,\n"
        "PER-2,Ana Quispe,Ana.Quispe@Aduanas.GOB.pe,CALLAO,Analyst,Spanish\n"
        "PER-3,Luis Rojas,luis@example.org,,,\n",
        send_invitations=False,
    )
    assert len(result.created_ids) == 2
    assert result.updated_ids == [per_officer.pk]
    assert result.unchanged == 0
    assert result.invited == 0

    per_officer.refresh_from_db()
    assert per_officer.full_name == "Carlos Huamán"
    assert per_officer.unit == lima
    assert per_officer.position == "Inspector"  # a blank cell never erases
    assert per_officer.preferred_language == "es"

    ana = User.objects.get(employee_number="PER-2", administration=per)
    assert ana.email == "Ana.Quispe@aduanas.gob.pe"
    assert ana.username == "ana.quispe.per"
    assert ana.unit == per_unit
    assert ana.position == "Analyst"
    assert ana.preferred_language == "es"
    assert not ana.has_usable_password()
    assert set(ana.groups.values_list("name", flat=True)) == {Role.OFFICER.value}
    luis = User.objects.get(employee_number="PER-3", administration=per)
    assert luis.unit is None
    assert luis.preferred_language == "es"  # the administration's language
    assert luis.password != ana.password  # each has its own (unusable) password

    again = apply(
        per_manager,
        per,
        "PER-1,Carlos Huamán,officer.per@example.org,LIMA,,\n",
        send_invitations=False,
    )
    assert (again.created_ids, again.updated_ids, again.unchanged) == ([], [], 1)


def test_officers_are_matched_within_the_administration(
    per, pan, per_officer, pan_officer, per_manager
):
    pan_twin = UserFactory(
        username="twin.pan",
        full_name="Same Number",
        administration=pan,
        employee_number="PER-1",
        roles={Role.OFFICER},
    )
    result = apply(
        per_manager,
        per,
        "PER-1,Carlos Renamed,officer.per@example.org,,,\nPAN-1,New Person,new@example.org,,,\n",
        send_invitations=False,
    )
    assert result.updated_ids == [per_officer.pk]
    per_officer.refresh_from_db()
    pan_twin.refresh_from_db()
    pan_officer.refresh_from_db()
    assert per_officer.full_name == "Carlos Renamed"
    assert pan_twin.full_name == "Same Number"
    assert pan_officer.full_name == "Yessenia Castillo Pinzón"
    created = User.objects.get(pk=result.created_ids[0])
    assert (created.administration, created.employee_number) == (per, "PAN-1")


def test_apply_refuses_a_plan_with_rejected_rows(per, per_officer, per_manager):
    before = list(User.objects.order_by("pk").values_list("pk", "full_name"))
    plan = plan_of(per, "PER-1,Carlos Renamed,officer.per@example.org,,,\nPER-2,,x,,,\n")
    with pytest.raises(officers.ImportRefused) as refused:
        officers.officers_apply(actor=per_manager, administration=per, plan=plan)
    assert "rejected rows" in refused.value.message
    assert list(User.objects.order_by("pk").values_list("pk", "full_name")) == before


def test_apply_is_all_or_nothing(per, per_unit, per_officer, per_manager):
    """A username taken between the preview and the apply breaks the last insert: the
    update and the earlier creates are rolled back too."""
    rows = "PER-1,Carlos Renamed,officer.per@example.org,,,\n" + "".join(
        f"N{i},Name {i},name{i}@example.org,CALLAO,,\n" for i in range(30)
    )
    plan = plan_of(per, rows)
    assert plan.counts()["create"] == 30
    UserFactory(username=plan.creates[-1].username)  # a concurrent sign-up
    before = list(User.objects.order_by("pk").values_list("pk", "full_name"))
    with pytest.raises(IntegrityError):
        officers.officers_apply(actor=per_manager, administration=per, plan=plan)
    assert list(User.objects.order_by("pk").values_list("pk", "full_name")) == before
    assert not User.groups.through.objects.filter(user__employee_number__startswith="N").exists()


def test_apply_refuses_a_plan_whose_unit_is_gone(per, per_manager):
    unit = UnitFactory(administration=per, code="GONE")
    plan = plan_of(per, "N1,Name,n1@example.org,GONE,,\n")
    unit.delete()
    before = User.objects.count()
    with pytest.raises(officers.ImportRefused):
        officers.officers_apply(actor=per_manager, administration=per, plan=plan)
    assert User.objects.count() == before


def test_only_managers_of_the_administration_may_apply(per, pan_manager, per_officer):
    plan = plan_of(per, "N1,Name,n1@example.org,,,\n")
    from django.core.exceptions import PermissionDenied

    for actor in (pan_manager, per_officer):
        with pytest.raises(PermissionDenied):
            officers.officers_apply(actor=actor, administration=per, plan=plan)
    assert not User.objects.filter(employee_number="N1").exists()


def test_new_and_moved_officers_get_their_units_assignments(
    per, per_unit, per_officer, per_manager
):
    from lms.tracking.assignments import assignment_create

    lima = UnitFactory(administration=per, code="LIMA", name="Lima")
    programme = make_programme(code="integrity", administration=per)
    assignment_create(
        actor=per_manager,
        administration=per,
        due_on=dt.date.today() + dt.timedelta(days=30),
        programme=programme,
        units=[lima],
    )
    assert not OfficerAssignment.objects.exists()
    result = apply(
        per_manager,
        per,
        "PER-1,Carlos Huamán Torres,officer.per@example.org,LIMA,,\nN1,New,n1@example.org,LIMA,,\n",
        send_invitations=False,
    )
    assert set(OfficerAssignment.objects.values_list("officer_id", flat=True)) == {
        per_officer.pk,
        result.created_ids[0],
    }


# --- invitations ------------------------------------------------------------------------


def test_new_officers_only_are_invited_and_the_link_sets_a_password(
    client, per, per_officer, per_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = apply(
            per_manager,
            per,
            "PER-1,Carlos Renamed,officer.per@example.org,,,\n"
            "PER-2,José Núñez,jose@example.org,,,es\n"
            "PER-3,João Gonçalves,joao@example.org,,,pt\n",
        )
    assert result.invited == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "joao@example.org",
        "jose@example.org",
    ]
    message = next(m for m in mail.outbox if m.to == ["jose@example.org"])
    assert "José Núñez" in message.body
    html = message.alternatives[0].content
    link = re.search(r"http://\S+/accounts/reset/\S+/", message.body).group(0)
    assert link in html
    path = link.split("://", 1)[1].split("/", 1)[1]

    response = client.get("/" + path)
    assert response.status_code == 302
    set_password_url = response["Location"]
    response = client.post(
        set_password_url,
        {"new_password1": "A-new-long-password-42", "new_password2": "A-new-long-password-42"},
    )
    assert response.status_code == 302
    jose = User.objects.get(email="jose@example.org")
    assert jose.check_password("A-new-long-password-42")

    # The link works once.
    assert client.get("/" + path).status_code == 200
    assert client.get("/" + path).context["validlink"] is False


def test_invitations_are_sent_in_the_officers_language(
    per, per_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        apply(per_manager, per, "N1,Ana,ana@example.org,,,en\n")
    (message,) = mail.outbox
    assert "Your username is ana." in message.body
    assert message.subject.startswith("Your training account on")


def test_no_invitations_when_asked_not_to(per, per_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = apply(per_manager, per, "N1,Ana,ana@example.org,,,\n", send_invitations=False)
    assert result.invited == 0
    assert mail.outbox == []


def test_invitations_skip_people_who_already_signed_in(per, per_officer):
    assert officers.officer_invitations_send(officer_ids=[per_officer.pk]) == 0  # has a password
    per_officer.set_unusable_password()
    per_officer.save()
    assert officers.officer_invitations_send(officer_ids=[per_officer.pk]) == 1


# --- one officer ------------------------------------------------------------------------


def test_officer_save_creates_updates_and_rejects(
    per, per_unit, per_officer, per_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = officers.officer_save(
            actor=per_manager,
            administration=per,
            values={"employee_number": "A-9", "full_name": "Ana", "email": "ana@example.org"},
        )
    assert created.employee_number == "A-9"
    assert created.administration == per
    assert created.groups.filter(name=Role.OFFICER.value).exists()
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]

    updated = officers.officer_save(
        actor=per_manager,
        administration=per,
        values={"position": "Chief", "unit": "callao"},
        officer=created,
    )
    assert (updated.pk, updated.position, updated.unit) == (created.pk, "Chief", per_unit)

    with pytest.raises(officers.OfficerRejected) as rejected:
        officers.officer_save(
            actor=per_manager,
            administration=per,
            values={
                "employee_number": "A-10",
                "full_name": "",
                "email": "officer.per@example.org",
                "unit": "NOWHERE",
                "preferred_language": "Klingon",
            },
        )
    problems = rejected.value.problems
    assert problems["full_name"] == ["The full name is missing."]
    assert problems["email"] == [
        "The e-mail address “officer.per@example.org” already belongs to another user of "
        "this administration."
    ]
    assert problems["unit"] == ["There is no unit with the code “NOWHERE” in this administration."]
    assert set(problems) == {"full_name", "email", "unit", "preferred_language"}
    assert not User.objects.filter(employee_number="A-10").exists()


def test_officer_save_keeps_the_employee_number(per, per_officer, per_manager):
    with pytest.raises(officers.OfficerRejected) as rejected:
        officers.officer_save(
            actor=per_manager,
            administration=per,
            values={"employee_number": "OTHER"},
            officer=per_officer,
        )
    assert set(rejected.value.problems) == {"employee_number"}
    per_officer.refresh_from_db()
    assert per_officer.employee_number == "PER-1"


def test_officer_save_gives_a_number_to_someone_without_one(per, per_officer, per_manager):
    person = UserFactory(administration=per, employee_number="", roles={Role.OFFICER})
    with pytest.raises(officers.OfficerRejected):
        officers.officer_save(
            actor=per_manager,
            administration=per,
            values={"employee_number": "per-1"},
            officer=person,
        )
    saved = officers.officer_save(
        actor=per_manager,
        administration=per,
        values={"employee_number": "PER-77", "full_name": "Now Numbered"},
        officer=person,
    )
    assert (saved.pk, saved.employee_number, saved.full_name) == (
        person.pk,
        "PER-77",
        "Now Numbered",
    )


def test_officer_save_refuses_another_administrations_officer(per, pan_officer, per_manager):
    from django.http import Http404

    with pytest.raises(Http404):
        officers.officer_save(
            actor=per_manager, administration=per, values={"position": "x"}, officer=pan_officer
        )


def test_an_import_never_updates_a_manager_nor_reuses_their_number(per, per_manager):
    """A row with a manager's employee number is refused: an import changes officers
    only (updating the manager's e-mail would hand their account to the file's author)."""
    from lms.tracking import officers as officer_services
    from lms.tracking.importing import read_table

    per_manager.employee_number = "BOSS-1"
    per_manager.email = "boss@customs.example"
    per_manager.save()
    table = read_table(
        b"employee_number,full_name,email\nBOSS-1,Boss,attacker@evil.example\n",
        filename="officers.csv",
    )
    plan = officer_services.officers_plan(administration=per, table=table)
    assert plan.counts() == {"create": 0, "update": 0, "unchanged": 0, "rejected": 1}
    assert plan.rejected[0].code == "number_not_officer"
    assert "BOSS-1" in plan.rejected[0].message
