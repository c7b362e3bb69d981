"""Each privileged action hooked to the trail writes its record: actor, action, target,
administration, and before/after where the action changes a state."""

from __future__ import annotations

import datetime as dt
from copy import deepcopy

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.marking import services as marking_services
from assessments.models import Question
from assessments.services import question_version_save
from assessments.tests.essay_fixtures import essay_response, sit
from assessments.tests.fixtures import make_bank
from certificates.services import certificate_revoke
from certificates.tests.fixtures import issue, make_programme
from lms.accounts.roles import Role
from lms.accounts.services import user_set_roles
from lms.api.services import api_token_create, api_token_revoke
from lms.audit.models import AuditAction, AuditRecord
from lms.tracking.assignments import assignment_create, assignment_withdraw
from lms.tracking.models import MailedExport, OfficerImport
from lms.tracking.tests.test_import_pages import csv_file, upload

pytestmark = pytest.mark.django_db


def only(action: AuditAction) -> AuditRecord:
    return AuditRecord.objects.select_related("target_type").get(action=action)


def test_a_role_change(platform_admin, per_officer, per):
    user_set_roles(
        actor=platform_admin,
        user=per_officer,
        roles={Role.OFFICER, Role.ADMINISTRATION_MANAGER},
    )
    record = AuditRecord.objects.filter(action=AuditAction.USER_ROLES_CHANGE).latest("id")
    assert record.actor_id == platform_admin.pk and record.actor_administration_id is None
    assert record.administration_id == per.pk
    assert (record.target_type.model, record.target_id) == ("user", str(per_officer.pk))
    assert record.before == {"roles": ["Officers"]}
    assert record.after == {"roles": ["Administration managers", "Officers"]}
    # Setting the same roles again changes nothing and records nothing.
    count = AuditRecord.objects.count()
    user_set_roles(
        actor=platform_admin,
        user=per_officer,
        roles={Role.OFFICER, Role.ADMINISTRATION_MANAGER},
    )
    assert AuditRecord.objects.count() == count


def test_api_token_creation_and_revocation(per_manager, per):
    token, secret = api_token_create(
        actor=per_manager, administration=per, name="HR", scopes="read", expires_in_days=30
    )
    created = only(AuditAction.API_TOKEN_CREATE)
    assert (created.actor_id, created.administration_id) == (per_manager.pk, per.pk)
    assert created.target_id == str(token.pk) and created.target_repr == f"HR ({token.prefix})"
    assert created.after["revoked_at"] is None
    assert secret not in str(created.after) and token.key_hash not in str(created.after)
    api_token_revoke(actor=per_manager, token=token)
    api_token_revoke(actor=per_manager, token=token)  # twice: one record
    revoked = only(AuditAction.API_TOKEN_REVOKE)
    assert revoked.before["revoked_at"] is None and revoked.after["revoked_at"] is not None
    assert revoked.target_id == str(token.pk)


def test_certificate_revocation(earned, per_manager, per):
    certificate_revoke(actor=per_manager, certificate=earned.certificate, reason="Fraud")
    record = only(AuditAction.CERTIFICATE_REVOKE)
    assert (record.actor_id, record.administration_id) == (per_manager.pk, per.pk)
    assert record.target_id == str(earned.certificate.pk)
    assert earned.certificate.number in record.target_repr
    assert record.before == {"revoked_at": None}
    assert record.after["reason"] == "Fraud"


def test_certificate_reissue(per_officer, per):
    programme = make_programme(code="renewable", titles={"en": "Renewable"}, validity_months=12)
    first = issue(per_officer, programme, issued_at=timezone.now() - dt.timedelta(days=400))
    assert not AuditRecord.objects.filter(action=AuditAction.CERTIFICATE_REISSUE).exists()
    second = issue(per_officer, programme, previous=first)
    record = only(AuditAction.CERTIFICATE_REISSUE)
    assert record.administration_id == per.pk and record.target_id == str(second.pk)
    assert record.before["number"] == first.number
    assert record.after["number"] == second.number


def test_manual_grading(essay_assessment, per_officer, per_author, per):
    attempt = sit(per_officer, essay_assessment)
    essay = essay_response(attempt)
    grade = marking_services.essay_grade_save(
        actor=per_author, response_id=essay.pk, rubric={"facts": "all", "law": "right"}
    )
    record = only(AuditAction.GRADE_MANUAL)
    assert (record.actor_id, record.administration_id) == (per_author.pk, per.pk)
    assert (record.target_type.model, record.target_id) == ("response", str(essay.pk))
    assert record.before == {"fraction": None, "points": None}
    assert record.after["fraction"] == grade.fraction and record.after["regrade"] is False


def test_a_question_key_edit(per, per_author):
    bank = make_bank("PER bank", administration=per)
    question = Question.objects.filter(bank=bank).select_related("current_version").first()
    current = question.current_version
    assert not AuditRecord.objects.filter(action=AuditAction.QUESTION_KEY_EDIT).exists()
    data = deepcopy(current.data)
    data["edited"] = True
    reworded = deepcopy(current.texts)
    reworded["en"]["title"] = "Reworded"

    def save(texts: dict) -> None:
        question_version_save(
            actor=per_author,
            question=question,
            qtype=current.type,
            data=data,
            texts=texts,
            points=float(current.points),
        )

    save(current.texts)
    record = only(AuditAction.QUESTION_KEY_EDIT)
    assert (record.actor_id, record.administration_id) == (per_author.pk, per.pk)
    assert record.target_id == str(question.pk)
    assert "edited" not in record.before["data"] and record.after["data"]["edited"] is True
    # A change of texts only (the key is the same): no record.
    save(reworded)
    assert AuditRecord.objects.filter(action=AuditAction.QUESTION_KEY_EDIT).count() == 1


def test_assignment_creation_and_withdrawal(per_manager, per, per_officer):
    programme = make_programme(code="integrity-basics", titles={"en": "Integrity basics"})
    due = timezone.localdate() + dt.timedelta(days=30)
    assignment = assignment_create(
        actor=per_manager,
        administration=per,
        due_on=due,
        programme=programme,
        officers=[per_officer],
    )
    created = only(AuditAction.ASSIGNMENT_CREATE)
    assert (created.actor_id, created.administration_id) == (per_manager.pk, per.pk)
    assert created.target_id == str(assignment.pk)
    assert created.after["officers"] == [per_officer.pk]
    assert created.after["due_on"] == due.isoformat() and created.after["targeted"] == 1
    assignment_withdraw(actor=per_manager, assignment=assignment)
    withdrawn = only(AuditAction.ASSIGNMENT_WITHDRAW)
    assert withdrawn.before == {"withdrawn_at": None}
    assert withdrawn.after["open_rows_removed"] == 1


def test_an_officer_import(client, per_manager, per, per_unit, django_capture_on_commit_callbacks):
    client.force_login(per_manager)
    upload(client, csv_file("N1,Ana,ana@example.org,,,\n"))
    record = OfficerImport.objects.get()
    assert not AuditRecord.objects.filter(action=AuditAction.OFFICER_IMPORT_APPLY).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tracking:import_apply", args=["PER", record.pk]))
    audit = only(AuditAction.OFFICER_IMPORT_APPLY)
    assert (audit.actor_id, audit.administration_id) == (per_manager.pk, per.pk)
    assert audit.target_id == str(record.pk) and audit.target_repr == "officers.csv"
    assert audit.after["created"] == 1 and audit.after["filename"] == "officers.csv"


def test_a_streamed_export(client, per_manager, per, per_officer):
    client.force_login(per_manager)
    url = reverse("tracking:progress_export", args=["PER", "csv"])
    response = client.get(url, {"unit": "x"}, REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    record = only(AuditAction.EXPORT_DOWNLOAD)
    assert (record.actor_id, record.administration_id) == (per_manager.pk, per.pk)
    assert record.after == {"kind": "progress", "format": "csv", "filters": {"unit": ["x"]}}
    assert record.client_ip == "198.51.100.4"


def test_a_mailed_export_request_and_its_download(
    client, per_manager, per, per_officer, settings, django_capture_on_commit_callbacks
):
    settings.LMS_EXPORT_MAILED_ABOVE_OFFICERS = 0
    client.force_login(per_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("tracking:matrix_export", args=["PER", "xlsx"]))
    assert response.status_code == 202
    record = only(AuditAction.EXPORT_REQUEST)
    assert (record.actor_id, record.administration_id) == (per_manager.pk, per.pk)
    assert record.after["kind"] == "matrix" and record.after["format"] == "xlsx"
    assert not AuditRecord.objects.filter(action=AuditAction.EXPORT_DOWNLOAD).exists()
    export = MailedExport.objects.get()
    assert client.get(reverse("tracking:mailed_export", args=[export.token])).status_code == 200
    download = only(AuditAction.EXPORT_DOWNLOAD)
    assert (download.actor_id, download.administration_id) == (per_manager.pk, per.pk)
    assert download.target_id == str(export.pk) and download.after["kind"] == "matrix"


def test_bank_ownership_change_in_the_wagtail_admin(client, regional_author, per, pan):
    bank = make_bank("Shared bank", administration=per)
    client.force_login(regional_author)
    url = f"/cms/question_banks/edit/{bank.pk}/"
    # A change of title only: no record.
    saved = client.post(url, {"title": "Shared", "description": "", "administration": per.pk})
    assert saved.status_code == 302
    assert not AuditRecord.objects.filter(action=AuditAction.BANK_OWNER_CHANGE).exists()
    moved = client.post(url, {"title": "Shared", "description": "", "administration": pan.pk})
    assert moved.status_code == 302
    records = AuditRecord.objects.filter(action=AuditAction.BANK_OWNER_CHANGE)
    # One record for each administration concerned: PER lost the bank, PAN got it.
    assert sorted(records.values_list("administration_id", flat=True)) == sorted([per.pk, pan.pk])
    for record in records:
        assert record.actor_id == regional_author.pk and record.target_id == str(bank.pk)
        assert record.before == {"administration": per.pk}
        assert record.after == {"administration": pan.pk}


def _form_data(form) -> dict:
    """What the browser would send back for ``form`` unchanged."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


def test_groups_changed_in_the_wagtail_admin(client, platform_admin, per_officer, per):
    from django.contrib.auth.models import Group

    client.force_login(platform_admin)
    url = reverse("wagtailusers_users:edit", args=[per_officer.pk])
    form = client.get(url).context["form"]
    data = _form_data(form)
    saved = client.post(url, data)  # unchanged: no record
    assert saved.status_code == 302, saved.context["form"].errors
    before = AuditRecord.objects.filter(action=AuditAction.USER_ROLES_CHANGE).count()
    managers = Group.objects.get(name=Role.ADMINISTRATION_MANAGER.value)
    data["groups"] = [*data.get("groups", []), managers.pk]
    assert client.post(url, data).status_code == 302
    record = AuditRecord.objects.filter(action=AuditAction.USER_ROLES_CHANGE).latest("id")
    assert AuditRecord.objects.filter(action=AuditAction.USER_ROLES_CHANGE).count() == before + 1
    assert (record.actor_id, record.administration_id) == (platform_admin.pk, per.pk)
    assert record.target_id == str(per_officer.pk)
    assert record.before["groups"] == ["Officers"]
    assert record.after["groups"] == ["Administration managers", "Officers"]
