"""Assignments: creation for units (sub-units, later joiners), validation, completion
through the real flows, reconciliation, withdrawal, reminders and "Assigned to me"."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from certificates.tests.fixtures import issue, make_programme, pass_assessment
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UnitFactory, UserFactory
from lms.tracking import assignments as service
from lms.tracking.models import Assignment, OfficerAssignment

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def in_days(days: int) -> dt.date:
    return today() + dt.timedelta(days=days)


def make_officer(administration, unit, name: str, **kwargs):
    return UserFactory(
        username=name.lower().replace(" ", "."),
        full_name=name,
        administration=administration,
        unit=unit,
        employee_number=kwargs.pop("employee_number", f"{administration.code}-{name[:3].upper()}"),
        roles={Role.OFFICER},
        **kwargs,
    )


def make_units(per, per_unit) -> SimpleNamespace:
    """Callao with a pier inside it, and Lima outside."""
    pier = UnitFactory(administration=per, parent=per_unit, code="CALLAO-S", name="Muelle Sur")
    lima = UnitFactory(administration=per, code="LIMA", name="Lima")
    return SimpleNamespace(callao=per_unit, pier=pier, lima=lima)


def make_people(per, units, per_officer, pan_officer, per_manager) -> SimpleNamespace:
    """PER officers in Callao, the pier and Lima; an inactive one; a manager in Callao."""
    return SimpleNamespace(
        callao=per_officer,
        pier=make_officer(per, units.pier, "Rosa Pier", email="rosa@example.org"),
        lima=make_officer(per, units.lima, "Luis Lima", email="luis@example.org"),
        gone=make_officer(per, units.callao, "Gone Away", is_active=False),
        boss=UserFactory(
            username="boss.callao",
            administration=per,
            unit=units.callao,
            roles={Role.ADMINISTRATION_MANAGER},
        ),
        pan=pan_officer,
        manager=per_manager,
    )


def make_plain_programme():
    """A regional programme without requirements: enough to assign."""
    return make_programme(code="integrity-basics", titles={"en": "Integrity basics"})


@pytest.fixture
def units(per, per_unit):
    return make_units(per, per_unit)


@pytest.fixture
def people(per, pan, units, per_officer, pan_officer, per_manager):
    return make_people(per, units, per_officer, pan_officer, per_manager)


@pytest.fixture
def plain_programme(db):
    return make_plain_programme()


def rows(assignment) -> dict[int, bool]:
    return dict(
        OfficerAssignment.objects.filter(assignment=assignment).values_list(
            "officer_id", "via_unit"
        )
    )


def assign(actor, administration, **kwargs):
    kwargs.setdefault("due_on", in_days(30))
    return service.assignment_create(actor=actor, administration=administration, **kwargs)


# --- creation ----------------------------------------------------------------------------


def test_a_unit_assignment_reaches_its_sub_units_and_named_officers(
    per, units, people, plain_programme
):
    assignment = assign(
        people.manager,
        per,
        programme=plain_programme,
        units=[units.callao],
        officers=[people.lima],
    )
    assert rows(assignment) == {people.callao.pk: True, people.pier.pk: True, people.lima.pk: False}
    assert assignment.targeted_count == 3
    record = OfficerAssignment.objects.get(assignment=assignment, officer=people.pier)
    assert record.administration == per
    assert record.programme == plain_programme
    assert record.course_key is None
    assert record.due_on == in_days(30)
    assert record.completed_at is None


def test_without_sub_units_only_the_unit_itself(per, units, people, plain_programme):
    assignment = assign(
        people.manager, per, programme=plain_programme, units=[units.callao], include_subunits=False
    )
    assert rows(assignment) == {people.callao.pk: True}


def test_a_course_assignment_carries_the_translation_key(per, people, course_tree):
    assignment = assign(people.manager, per, course=course_tree.es.course, officers=[people.callao])
    assert assignment.course_key == course_tree.course.translation_key
    record = OfficerAssignment.objects.get(assignment=assignment)
    assert record.course_key == course_tree.course.translation_key
    assert record.programme is None


@pytest.mark.parametrize(
    "case",
    [
        "foreign_unit",
        "foreign_officer",
        "foreign_programme",
        "inactive_programme",
        "past_date",
        "nothing_targeted",
        "no_training",
        "manager_named",
        "inactive_officer",
    ],
)
def test_invalid_assignments_write_nothing(
    case, per, pan, pan_unit, units, people, plain_programme
):
    arguments = {"programme": plain_programme, "units": [units.callao]}
    if case == "foreign_unit":
        arguments["units"] = [pan_unit]
    elif case == "foreign_officer":
        arguments["officers"] = [people.pan]
    elif case == "foreign_programme":
        arguments["programme"] = make_programme(code="pan-only", administration=pan)
    elif case == "inactive_programme":
        plain_programme.is_active = False
        plain_programme.save()
    elif case == "past_date":
        arguments["due_on"] = in_days(-1)
    elif case == "nothing_targeted":
        arguments["units"] = []
    elif case == "no_training":
        arguments["programme"] = None
    elif case == "manager_named":
        arguments["officers"] = [people.boss]
    elif case == "inactive_officer":
        arguments["officers"] = [people.gone]
    with pytest.raises(ValidationError) as raised:
        assign(people.manager, per, **arguments)
    assert raised.value.messages
    assert Assignment.objects.count() == 0
    assert OfficerAssignment.objects.count() == 0


def test_a_course_of_another_administration_is_refused(pan, pan_manager, pan_officer, course_tree):
    with pytest.raises(ValidationError) as raised:
        assign(pan_manager, pan, course=course_tree.per_course, officers=[pan_officer])
    assert "course" in raised.value.message_dict
    assert Assignment.objects.count() == 0


def test_course_and_programme_together_are_refused(per, people, course_tree, plain_programme):
    with pytest.raises(ValidationError):
        assign(
            people.manager,
            per,
            course=course_tree.course,
            programme=plain_programme,
            officers=[people.callao],
        )
    assert Assignment.objects.count() == 0


def test_another_administrations_manager_may_not_assign(per, pan_manager, people, plain_programme):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        assign(pan_manager, per, programme=plain_programme, officers=[people.callao])
    assert Assignment.objects.count() == 0


def test_queries_of_creation_do_not_grow_with_officers(per, units, people, plain_programme):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assign(people.manager, per, programme=plain_programme, units=[units.callao])
        return len(queries)

    count()  # the manager's roles are cached after the first call
    small = count()
    for number in range(25):
        make_officer(per, units.pier, f"Extra {number}", employee_number=f"X{number}")
    assert count() == small
    latest = Assignment.objects.latest("pk")
    assert OfficerAssignment.objects.filter(assignment=latest).count() == 2 + 25
    # The joiners got the two earlier assignments too (through the receivers).
    assert OfficerAssignment.objects.count() == 3 * (2 + 25)


# --- completion ------------------------------------------------------------------------------


def test_holders_of_a_valid_certificate_are_completed_at_once(per, units, people, plain_programme):
    certificate = issue(people.callao, plain_programme)
    expired = issue(
        people.pier, plain_programme, issued_at=timezone.now() - dt.timedelta(days=4000)
    )
    assert expired.expires_at < timezone.now()
    revoked = issue(people.lima, plain_programme)
    from certificates.services import certificate_revoke

    certificate_revoke(actor=people.manager, certificate=revoked, reason="Issued by mistake")
    assignment = assign(
        people.manager, per, programme=plain_programme, units=[units.callao, units.lima]
    )
    done = dict(
        OfficerAssignment.objects.filter(assignment=assignment).values_list(
            "officer_id", "completed_at"
        )
    )
    assert done[people.callao.pk] == certificate.issued_at
    assert done[people.pier.pk] is None
    assert done[people.lima.pk] is None


def complete_course(officer, course, lesson, capture):
    from courses import services as course_services

    enrolment = course_services.enrolment_create(actor=officer, course=course)
    with capture(execute=True):
        course_services.lesson_visit(actor=officer, enrolment=enrolment, lesson=lesson)
    enrolment.refresh_from_db()
    assert enrolment.status == enrolment.Status.COMPLETED
    return enrolment


def test_an_officer_who_completed_the_course_is_completed_at_once(
    per, people, course_tree, django_capture_on_commit_callbacks
):
    enrolment = complete_course(
        people.callao,
        course_tree.per_course,
        course_tree.per_lesson,
        django_capture_on_commit_callbacks,
    )
    assignment = assign(
        people.manager, per, course=course_tree.per_course, officers=[people.callao, people.lima]
    )
    done = dict(
        OfficerAssignment.objects.filter(assignment=assignment).values_list(
            "officer_id", "completed_at"
        )
    )
    assert done == {people.callao.pk: enrolment.completed_at, people.lima.pk: None}


def test_completing_the_course_completes_the_assignment(
    per, people, course_tree, django_capture_on_commit_callbacks
):
    assignment = assign(
        people.manager, per, course=course_tree.per_course, officers=[people.callao]
    )
    complete_course(
        people.callao,
        course_tree.per_course,
        course_tree.per_lesson,
        django_capture_on_commit_callbacks,
    )
    record = OfficerAssignment.objects.get(assignment=assignment)
    assert record.completed_at is not None


def test_passing_the_assessment_issues_the_certificate_then_completes_the_programme(
    per, people, programme, assessment, django_capture_on_commit_callbacks
):
    """The certificates receiver runs first (INSTALLED_APPS order), so the certificate
    the same event earned already counts when tracking's receiver runs."""
    from courses import services as course_services

    assignment = assign(people.manager, per, programme=programme, officers=[people.callao])
    course_services.enrolment_create(actor=people.callao, course=assessment.tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        pass_assessment(people.callao, assessment.page)
    certificate = people.callao.certificates.get()
    record = OfficerAssignment.objects.get(assignment=assignment)
    assert record.completed_at == certificate.issued_at


def test_completion_is_idempotent_and_leaves_other_work_open(per, people, plain_programme):
    other = make_programme(code="other", titles={"en": "Other"})
    first = assign(people.manager, per, programme=plain_programme, officers=[people.callao])
    second = assign(people.manager, per, programme=other, officers=[people.callao])
    assert service.assignments_complete_for(officer_id=people.callao.pk) == 0
    issue(people.callao, plain_programme)
    assert service.assignments_complete_for(officer_id=people.callao.pk) == 1
    assert service.assignments_complete_for(officer_id=people.callao.pk) == 0
    assert OfficerAssignment.objects.get(assignment=first).completed_at is not None
    assert OfficerAssignment.objects.get(assignment=second).completed_at is None


def test_a_failing_receiver_is_logged_not_raised(people, caplog, monkeypatch):
    from lms.tracking import receivers

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(service, "assignments_complete_for", broken)
    receivers.on_course_completed(sender=None, user_id=people.callao.pk)
    assert "Completing the assignments of user" in caplog.text


# --- later joiners and moves ------------------------------------------------------------------


def test_a_later_joiner_of_the_unit_gets_a_row(per, units, people, plain_programme):
    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    newcomer = make_officer(per, units.pier, "Nueva Persona")  # created, then made an officer
    record = OfficerAssignment.objects.get(assignment=assignment, officer=newcomer)
    assert record.via_unit
    assert record.due_on == assignment.due_on


def test_moving_into_and_out_of_a_unit_adds_and_removes_the_open_row(
    per, units, people, plain_programme
):
    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    lima = people.lima
    lima.unit = units.pier
    lima.save()
    assert OfficerAssignment.objects.filter(assignment=assignment, officer=lima).exists()
    lima.unit = units.lima
    lima.save()
    assert not OfficerAssignment.objects.filter(assignment=assignment, officer=lima).exists()


def test_moving_out_keeps_completed_and_direct_rows(per, units, people, plain_programme):
    by_unit = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    other = make_programme(code="direct", titles={"en": "Direct"})
    direct = assign(people.manager, per, programme=other, officers=[people.pier])
    issue(people.callao, plain_programme)
    service.assignments_complete_for(officer_id=people.callao.pk)
    for person in (people.callao, people.pier):
        person.unit = units.lima
        person.save()
    assert OfficerAssignment.objects.filter(assignment=by_unit, officer=people.callao).exists()
    assert not OfficerAssignment.objects.filter(assignment=by_unit, officer=people.pier).exists()
    assert OfficerAssignment.objects.filter(assignment=direct, officer=people.pier).exists()


def test_leaving_for_another_administration_removes_open_rows(
    per, pan, pan_unit, units, people, plain_programme
):
    assignment = assign(
        people.manager, per, programme=plain_programme, units=[units.callao], officers=[people.lima]
    )
    for person in (people.callao, people.lima):
        person.administration = pan
        person.unit = pan_unit
        person.employee_number = ""
        person.save()
    assert set(rows(assignment)) == {people.pier.pk}


def test_sync_reconciles_changes_made_without_signals(per, units, people, plain_programme):
    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    from lms.accounts.models import User

    User.objects.filter(pk=people.lima.pk).update(unit=units.pier)  # bulk: no signal
    User.objects.filter(pk=people.pier.pk).update(unit=units.lima)
    assert set(rows(assignment)) == {people.callao.pk, people.pier.pk}
    service.assignments_sync(officer_ids=[people.lima.pk, people.pier.pk])
    assert set(rows(assignment)) == {people.callao.pk, people.lima.pk}
    before = list(OfficerAssignment.objects.order_by("pk").values_list("pk", "officer_id"))
    service.assignments_sync()
    service.assignments_sync(officer_ids=[people.lima.pk])
    assert list(OfficerAssignment.objects.order_by("pk").values_list("pk", "officer_id")) == before


def test_full_sync_drops_open_rows_of_people_without_administration(
    per, units, people, plain_programme
):
    from lms.accounts.models import User

    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    User.objects.filter(pk=people.pier.pk).update(
        administration=None, unit=None, employee_number=""
    )
    service.assignments_sync()
    assert set(rows(assignment)) == {people.callao.pk}


def test_overdue_assignments_for_the_dashboard(per, units, people, plain_programme):
    late = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    assign(people.manager, per, programme=plain_programme, units=[units.lima])
    OfficerAssignment.objects.filter(assignment=late).update(due_on=in_days(-1))
    found = service.overdue_assignment_list(people.manager, per)
    assert [(a.pk, a.overdue, a.title) for a in found] == [(late.pk, 2, "Integrity basics")]


def test_sync_turns_a_unit_row_into_a_direct_one_when_both_apply(
    per, units, people, plain_programme
):
    assignment = assign(
        people.manager, per, programme=plain_programme, units=[units.callao], officers=[people.pier]
    )
    assert rows(assignment)[people.pier.pk] is False
    people.pier.unit = units.lima
    people.pier.save()
    assert rows(assignment)[people.pier.pk] is False  # still named directly


def test_sync_is_set_based(per, units, people, plain_programme):
    assign(people.manager, per, programme=plain_programme, units=[units.callao])
    from lms.accounts.models import User

    def queries_for(ids) -> int:
        User.objects.filter(pk__in=ids).update(unit=units.pier)
        with CaptureQueriesContext(connection) as queries:
            service.assignments_sync(officer_ids=ids)
        return len(queries)

    few = [make_officer(per, units.lima, f"Few {n}", employee_number=f"F{n}").pk for n in range(2)]
    many = [
        make_officer(per, units.lima, f"Many {n}", employee_number=f"M{n}").pk for n in range(20)
    ]
    assert queries_for(many) == queries_for(few)
    assert OfficerAssignment.objects.filter(officer_id__in=many).count() == 20


def test_losing_the_officer_role_removes_open_unit_rows(per, units, people, plain_programme):
    from lms.accounts.services import user_set_roles

    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    user_set_roles(actor=None, user=people.pier, roles={Role.TRAINING_MANAGER})
    assert people.pier.pk not in rows(assignment)
    user_set_roles(actor=None, user=people.pier, roles={Role.OFFICER})
    assert people.pier.pk in rows(assignment)


def test_saving_only_other_fields_syncs_nothing(per, units, people, plain_programme):
    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    before = set(rows(assignment))
    people.lima.full_name = "Luis Lima Renamed"
    with CaptureQueriesContext(connection) as queries:
        people.lima.save(update_fields=["full_name"])
    assert len(queries) <= 2  # the update itself (and a savepoint on some backends)
    # A full save reconciles (a few queries) and changes nothing when the unit stayed.
    people.lima.save()
    assert set(rows(assignment)) == before


# --- withdrawal -------------------------------------------------------------------------------


def test_withdrawing_removes_open_rows_and_keeps_completed_ones(
    per, units, people, plain_programme
):
    issue(people.callao, plain_programme)
    assignment = assign(people.manager, per, programme=plain_programme, units=[units.callao])
    service.assignment_withdraw(actor=people.manager, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.withdrawn_at is not None
    assert assignment.withdrawn_by == people.manager
    assert set(rows(assignment)) == {people.callao.pk}
    make_officer(per, units.callao, "After Withdrawal")
    service.assignments_sync()
    assert set(rows(assignment)) == {people.callao.pk}


# --- "Assigned to me" --------------------------------------------------------------------------


def test_assigned_to_me_lists_overdue_first_then_by_due_date_then_completed(
    per, people, plain_programme, course_tree
):
    soon = assign(people.manager, per, programme=plain_programme, officers=[people.callao])
    later = assign(
        people.manager,
        per,
        course=course_tree.course,
        officers=[people.callao],
        due_on=in_days(60),
        note="Before the audit.",
    )
    late_programme = make_programme(code="late", titles={"en": "Late one", "es": "Tardío"})
    late = assign(people.manager, per, programme=late_programme, officers=[people.callao])
    OfficerAssignment.objects.filter(assignment=late).update(due_on=in_days(-2))
    done_programme = make_programme(code="done", titles={"en": "Done one"})
    issue(people.callao, done_programme)
    done = assign(people.manager, per, programme=done_programme, officers=[people.callao])
    items = service.assignments_for_officer(people.callao, language="es")
    assert [item.record.assignment_id for item in items] == [late.pk, soon.pk, later.pk, done.pk]
    assert [item.overdue for item in items] == [True, False, False, False]
    assert items[0].title == "Tardío"
    assert items[2].title == "Detectar el comercio ilícito"
    assert items[2].url == course_tree.es.course.get_url()
    assert items[2].note == "Before the audit."
    assert items[0].url == "/certificates/"
    assert items[3].completed_at is not None


def test_assigned_to_me_shows_only_the_officers_own_rows(per, people, plain_programme):
    assign(people.manager, per, programme=plain_programme, officers=[people.lima])
    assert service.assignments_for_officer(people.callao) == []


# --- reminders --------------------------------------------------------------------------------


def test_reminders_before_the_due_date_go_once_per_officer(per, units, people, plain_programme):
    other = make_programme(code="second", titles={"en": "Second programme"})
    assign(people.manager, per, programme=plain_programme, units=[units.pier], due_on=in_days(3))
    assign(people.manager, per, programme=other, units=[units.pier], due_on=in_days(5))
    assign(people.manager, per, programme=other, units=[units.lima], due_on=in_days(20))  # later
    assert service.assignment_reminders_send() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rosa@example.org"]
    assert message.subject.startswith("2 trainings due")
    assert "Integrity basics" in message.body and "Second programme" in message.body
    assert message.alternatives and "Second programme" in message.alternatives[0][0]
    assert "/my/assignments/" in message.body
    assert service.assignment_reminders_send() == 0
    assert len(mail.outbox) == 1
    assert not OfficerAssignment.objects.filter(
        officer=people.pier, reminded_due_at__isnull=True
    ).exists()


def test_overdue_reminders_go_once_after_the_due_date(per, units, people, plain_programme):
    assignment = assign(
        people.manager, per, programme=plain_programme, units=[units.pier], due_on=in_days(3)
    )
    assert service.assignment_reminders_send() == 1  # before the due date
    later = timezone.now() + dt.timedelta(days=5)
    assert service.assignment_reminders_send(now=later) == 1
    assert mail.outbox[-1].subject.startswith("Overdue training")
    assert "past its due date" in mail.outbox[-1].body
    assert service.assignment_reminders_send(now=later) == 0
    record = OfficerAssignment.objects.get(assignment=assignment)
    assert record.reminded_due_at is not None and record.reminded_overdue_at is not None


def test_completed_and_withdrawn_work_is_not_reminded(per, units, people, plain_programme):
    issue(people.pier, plain_programme)
    assign(people.manager, per, programme=plain_programme, units=[units.pier], due_on=in_days(3))
    withdrawn = assign(
        people.manager, per, programme=plain_programme, units=[units.lima], due_on=in_days(3)
    )
    service.assignment_withdraw(actor=people.manager, assignment=withdrawn)
    assert service.assignment_reminders_send() == 0
    assert mail.outbox == []


def test_reminders_are_in_the_officers_language(per, units, people, plain_programme):
    due = in_days(4)
    people.lima.preferred_language = "es"
    people.lima.save()
    assign(
        people.manager,
        per,
        programme=plain_programme,
        units=[units.pier, units.lima],
        due_on=due,
    )
    service.assignment_reminders_send()
    by_address = {message.to[0]: message for message in mail.outbox}
    english, spanish = by_address["rosa@example.org"], by_address["luis@example.org"]
    with translation.override("en"):
        english_date = date_format(due, "DATE_FORMAT")
    with translation.override("es"):
        spanish_date = date_format(due, "DATE_FORMAT")
    assert english_date != spanish_date
    assert english.subject == f"Training due by {english_date}"
    assert english_date in english.body and spanish_date not in english.body
    assert spanish_date in spanish.body and spanish_date in spanish.subject
    assert translation.get_language() == "en"  # the override ended


def test_officers_without_e_mail_are_skipped_and_marked(per, units, people, plain_programme):
    people.pier.email = ""
    people.pier.save()
    assign(people.manager, per, programme=plain_programme, units=[units.pier], due_on=in_days(2))
    assert service.assignment_reminders_send() == 0
    assert not OfficerAssignment.objects.filter(reminded_due_at__isnull=True).exists()


def test_the_command_and_the_task_send_and_sync(per, units, people, plain_programme, capsys):
    from lms.accounts.models import User
    from lms.tracking import tasks

    assignment = assign(
        people.manager, per, programme=plain_programme, units=[units.pier], due_on=in_days(2)
    )
    User.objects.filter(pk=people.lima.pk).update(unit=units.pier)
    call_command("tracking_remind", "--sync")
    assert "Sent 2 reminder(s)." in capsys.readouterr().out
    assert people.lima.pk in rows(assignment)
    assert tasks.send_assignment_reminders.call() == 0
    tasks.sync_assignments.call()
