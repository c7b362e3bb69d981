"""Issuance, renewal, revocation and rendering through the services."""

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection  # noqa: F401 - read by the skipif conditions
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from certificates import codes, services
from certificates.models import Certificate
from certificates.tests.fixtures import issue, make_programme, pass_assessment
from courses import services as course_services

pytestmark = pytest.mark.django_db


@contextmanager
def receivers_kept(*signals):
    """Put the signals' receivers back as they were, in their order, after the block:
    connecting the certificates' receivers again would run them after tracking's, which
    must see the certificate the same event issued."""
    saved = [(signal, list(signal.receivers)) for signal in signals]
    try:
        yield
    finally:
        for signal, receivers in saved:
            with signal.lock:
                signal.receivers = receivers
                signal.sender_receivers_cache.clear()


def test_passing_the_required_assessment_issues_one_certificate(earned):
    certificate = earned.certificate
    assert certificate.status == "valid"
    assert certificate.holder_name == "Carlos Huamán Torres"
    assert certificate.administration.code == "PER"
    assert certificate.cycle == 1 and certificate.number.startswith("PER-")
    assert certificate.pdf and certificate.pdf_rendered_at is not None
    kinds = list(certificate.events.values_list("kind", flat=True))
    assert kinds == ["issued", "rendered"]


YEAR = timedelta(days=365)


def test_the_pdf_names_holder_programme_code_and_url(earned):
    certificate = earned.certificate
    with certificate.pdf.open("rb") as handle:
        text = "\n".join(page.extract_text() for page in PdfReader(handle).pages)
    assert "Carlos Huamán Torres" in text
    assert "Analista certificado en comercio ilícito" in text  # the holder's language: es
    assert certificate.code_display in text
    assert f"/verify/{certificate.code_display}/" in "".join(text.split())


def test_evaluating_again_issues_nothing_more(earned):
    assert services.certificates_evaluate(holder_id=earned.officer.pk) == []
    call_command("certificates_evaluate", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Certificate.objects.count() == 1


def test_a_lost_signal_is_made_good_by_the_command(programme, assessment, per_officer):
    from assessments import events

    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    with receivers_kept(events.assessment_passed):
        events.assessment_passed.disconnect(dispatch_uid="certificates.assessment")
        pass_assessment(per_officer, assessment.page)
    assert not Certificate.objects.exists()
    call_command("certificates_evaluate", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Certificate.objects.get().holder == per_officer


def test_a_score_under_the_programmes_minimum_earns_nothing(
    assessment, per_officer, django_capture_on_commit_callbacks
):
    make_programme(assessment=assessment.page, min_score=90)
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = pass_assessment(per_officer, assessment.page, wrong={"true_false"})
    assert attempt.passed and 60 <= attempt.percent < 90, attempt.percent
    assert not Certificate.objects.exists()


def test_another_administrations_programme_is_not_earned(
    assessment, per_officer, pan, django_capture_on_commit_callbacks
):
    make_programme(assessment=assessment.page, administration=pan)
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        pass_assessment(per_officer, assessment.page)
    assert not Certificate.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks need PostgreSQL (the CI leg runs it)"
)
def test_two_events_at_the_same_moment_issue_one_certificate(programme, assessment, per_officer):
    from django.db import connections

    from courses import events as course_events

    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    from assessments import events

    with receivers_kept(course_events.course_completed, events.assessment_passed):
        course_events.course_completed.disconnect(dispatch_uid="certificates.course")
        events.assessment_passed.disconnect(dispatch_uid="certificates.assessment")
        pass_assessment(per_officer, assessment.page)
    barrier = threading.Barrier(8)
    issued, errors = [], []

    def event():
        try:
            barrier.wait()
            issued.extend(services.certificates_evaluate(holder_id=per_officer.pk))
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=event) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(issued) == 1
    assert Certificate.objects.filter(holder=per_officer).count() == 1


def test_renewal_inside_the_window_supersedes_and_leaves_one_valid(
    assessment, per_officer, django_capture_on_commit_callbacks
):
    programme = make_programme(assessment=assessment.page, recert_assessment=assessment.page)
    old = issue(per_officer, programme, issued_at=timezone.now() - 3 * YEAR + timedelta(days=30))
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        pass_assessment(per_officer, assessment.page)
    old.refresh_from_db()
    new = Certificate.objects.exclude(pk=old.pk).get()
    assert new.previous == old and new.cycle == 2 and new.code != old.code
    assert old.status == "superseded" and new.status == "valid"
    assert new.expires_at == services.add_months(old.expires_at, 36)  # no time lost
    valid = [c for c in Certificate.objects.all() if c.status == "valid"]
    assert valid == [new]
    assert list(old.events.values_list("kind", flat=True))[-1] == "renewed"


def test_no_renewal_before_the_window_opens(
    assessment, per_officer, django_capture_on_commit_callbacks
):
    programme = make_programme(assessment=assessment.page, recert_assessment=assessment.page)
    issue(per_officer, programme, issued_at=timezone.now() - YEAR)
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        pass_assessment(per_officer, assessment.page)
    assert Certificate.objects.count() == 1


def test_an_expired_certificate_is_followed_by_a_new_one_on_new_results(
    assessment, per_officer, django_capture_on_commit_callbacks
):
    programme = make_programme(assessment=assessment.page, validity_months=12)
    old = issue(per_officer, programme, issued_at=timezone.now() - 2 * YEAR)
    assert old.status == "expired"
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        pass_assessment(per_officer, assessment.page)
    new = Certificate.objects.exclude(pk=old.pk).get()
    assert new.cycle == 2 and new.status == "valid"


def test_revocation_is_not_undone_by_evaluation(earned, per_manager, pan_manager):
    certificate = earned.certificate
    with pytest.raises(services.RevocationRefused):
        services.certificate_revoke(actor=pan_manager, certificate=certificate, reason="x")
    with pytest.raises(services.RevocationRefused):
        services.certificate_revoke(actor=per_manager, certificate=certificate, reason="  ")
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    services.certificate_revoke(
        actor=per_manager, certificate=certificate, reason="Obtained by impersonation"
    )
    assert certificate.status == "revoked" and certificate.revoked_by == per_manager
    with pytest.raises(services.RevocationRefused):
        services.certificate_revoke(actor=per_manager, certificate=certificate, reason="again")
    assert services.certificates_evaluate(holder_id=earned.officer.pk) == []
    assert Certificate.objects.count() == 1


def test_a_failing_pdf_leaves_the_certificate_valid_and_is_retried(
    tmp_path, programme, assessment, per_officer, django_capture_on_commit_callbacks
):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the media directory should be")
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    with (
        override_settings(MEDIA_ROOT=str(blocked / "media")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        pass_assessment(per_officer, assessment.page)  # the render task fails: no storage
    certificate = Certificate.objects.get()
    assert certificate.status == "valid" and not certificate.pdf
    assert certificate.events.filter(kind="render_failed").exists()
    call_command("certificates_render", stdout=open("/dev/null", "w"))  # noqa: SIM115
    certificate.refresh_from_db()
    assert certificate.pdf and certificate.events.filter(kind="rendered").exists()


def test_reminders_before_expiry_reach_the_holder_and_the_managers_once(
    programme, per_officer, per_manager
):
    per_manager.email = "manager.per@example.org"
    per_manager.save()
    certificate = issue(
        per_officer, programme, issued_at=timezone.now() - 3 * YEAR + timedelta(days=80)
    )
    mail.outbox.clear()
    assert services.expiry_reminders_send() == 1
    to = sorted(address for message in mail.outbox for address in message.to)
    assert to == sorted([per_officer.email, "manager.per@example.org"])
    holder_mail = next(m for m in mail.outbox if m.to == [per_officer.email])
    assert "vence" in holder_mail.subject.lower()  # the holder reads Spanish
    assert certificate.number in holder_mail.body
    mail.outbox.clear()
    assert services.expiry_reminders_send() == 0 and mail.outbox == []
    later = timezone.now() + timedelta(days=55)  # 25 days left: the 30-day reminder
    assert services.expiry_reminders_send(now=later) == 1
    assert certificate.events.filter(kind="reminded").count() == 2


def test_codes_read_as_people_type_them():
    code = codes.new_code()
    assert len(code) == 28 and codes.normalize(code) == code
    shown = codes.display(code)
    assert shown.count("-") == 6
    assert codes.normalize(shown.lower()) == code
    assert codes.normalize(" ".join(shown.split("-"))) == code
    assert codes.normalize(code.replace("0", "O").replace("1", "I")) == code
    assert codes.normalize(code[:-1]) is None
    assert codes.normalize(code + "A") is None
    assert codes.normalize("U" + code[1:]) is None
    assert len({codes.new_code() for _ in range(1000)}) == 1000


def test_months_are_added_to_the_calendar():
    moment = datetime(2024, 1, 31, 12, tzinfo=UTC)
    assert services.add_months(moment, 1) == datetime(2024, 2, 29, 12, tzinfo=UTC)
    assert services.add_months(moment, 24) == datetime(2026, 1, 31, 12, tzinfo=UTC)


def test_a_holder_without_a_chosen_language_gets_the_administrations(programme, per, per_officer):
    """An unset preferred language (SCIM removes it so) is not English by default: the
    certificate is issued in the holder's administration's language."""
    per_officer.preferred_language = ""
    per_officer.save()
    per.official_languages = ["fr"]
    per.save()
    certificate = issue(per_officer, programme)
    assert certificate.language == "fr"
