"""Second factors created and removed by any path are in the trail once: the security
pages, ``/django-admin/`` (a platform admin deleting someone's TOTP app), code run outside
a request; recovery codes removed with the last factor; a password sign-in that must still
prove its factor is not counted as a sign-in. Records belong to the owner's
administration and stay out of other administrations' trails."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.audit.models import AuditAction, AuditRecord
from lms.audit.selectors import audit_record_list_for_user
from lms.mfa import services

from .conftest import code_at
from .test_codes import RECOVERY, VERIFY, enrol_through_the_page

pytestmark = pytest.mark.django_db


def of(action, **filters):
    return list(AuditRecord.objects.filter(action=action, **filters).order_by("at", "id"))


def admin_client(platform_admin) -> Client:
    client = Client()
    client.force_login(platform_admin)
    session = client.session
    session["lms.mfa.idp_asserted"] = True  # the admin's own factor, proven elsewhere
    session.save()
    return client


def enrolled_device(user) -> TOTPDevice:
    key = services.totp_new_key()
    return services.totp_enrol(user=user, key_hex=key, code=code_at(key), name="Phone")


def test_enrolling_through_the_page_is_recorded_once(client, per_manager):
    client.force_login(per_manager)
    enrol_through_the_page(client)
    [record] = of(AuditAction.MFA_ENROL)
    assert record.actor == per_manager
    assert record.after == {"kind": "totp"}
    assert record.administration_id == per_manager.administration_id


def test_a_factor_made_outside_a_request_names_its_owner(per_officer):
    device = enrolled_device(per_officer)
    [record] = of(AuditAction.MFA_ENROL)
    assert record.actor_id is None
    assert record.after == {"kind": "totp", "user": "officer.per"}
    assert record.target_id == str(device.pk)


def test_deleting_a_totp_app_in_the_django_admin_is_recorded(
    per, pan, per_manager, pan_manager, platform_admin
):
    device = enrolled_device(per_manager)
    admin = admin_client(platform_admin)
    url = f"/django-admin/otp_totp/totpdevice/{device.pk}/delete/"
    assert admin.get(url).status_code == 200
    assert not of(AuditAction.MFA_REMOVE)  # asking is not deleting
    assert admin.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    [record] = of(AuditAction.MFA_REMOVE)
    assert record.actor == platform_admin
    assert record.administration_id == per.pk
    assert record.before == {"kind": "totp", "name": "Phone", "user": "manager.per"}
    assert record.target_id == str(device.pk)
    # The manager of PER sees it; PAN's manager neither in PAN's trail nor in PER's.
    assert record in audit_record_list_for_user(per_manager, per)
    assert record not in audit_record_list_for_user(pan_manager, pan)
    manager = Client()
    manager.force_login(pan_manager)
    session = manager.session
    session["lms.mfa.idp_asserted"] = True
    session.save()
    assert manager.get("/administrations/PER/audit/").status_code == 404
    assert (
        'data-action="mfa.remove"'
        not in manager.get("/administrations/PAN/audit/").content.decode()
    )


def test_the_django_admins_bulk_delete_records_every_device(
    per_manager, per_officer, platform_admin
):
    devices = [enrolled_device(per_manager), enrolled_device(per_officer)]
    admin = admin_client(platform_admin)
    answer = admin.post(
        "/django-admin/otp_totp/totpdevice/",
        {
            "action": "delete_selected",
            "_selected_action": [d.pk for d in devices],
            "post": "yes",
        },
    )
    assert answer.status_code == 302
    assert not TOTPDevice.objects.exists()
    removed = of(AuditAction.MFA_REMOVE)
    assert sorted(r.before["user"] for r in removed) == ["manager.per", "officer.per"]
    assert {r.actor_id for r in removed} == {platform_admin.pk}


def test_removing_the_last_factor_records_the_recovery_codes_going_too(client, per_officer):
    client.force_login(per_officer)
    enrol_through_the_page(client)
    client.post(RECOVERY)
    device = TOTPDevice.objects.get(user=per_officer)
    client.post(reverse("mfa:device_remove", args=["totp", device.pk]))
    [removed] = of(AuditAction.MFA_REMOVE)
    assert removed.actor == per_officer and removed.before == {"kind": "totp", "name": "Phone"}
    [codes] = of(AuditAction.MFA_RECOVERY_CODES_REMOVE)
    assert codes.actor == per_officer and codes.before == {"kind": "recovery"}
    assert codes.administration_id == per_officer.administration_id


def test_a_password_sign_in_that_owes_its_factor_is_not_yet_a_sign_in(
    client, per_manager, password
):
    client.force_login(per_manager)
    key = enrol_through_the_page(client)
    client.logout()
    before = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first()
    answer = client.post("/accounts/login/", {"username": "manager.per", "password": password})
    assert answer.status_code == 302
    [half] = of(AuditAction.SIGN_IN_PASSWORD, id__gt=before)
    assert half.actor == per_manager and half.after == {"method": "password"}
    assert not of(AuditAction.SIGN_IN, actor=per_manager)
    client.post(VERIFY, {"kind": "totp", "totp-code": code_at(key, 1)})
    [signed_in] = of(AuditAction.SIGN_IN, actor=per_manager)
    assert signed_in.after == {"second_factor": "totp"}
