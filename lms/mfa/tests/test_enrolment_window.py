"""With LMS_MFA_ENROLMENT_WINDOW on, a privileged person's first second factor needs an
enrolment window a platform admin opened for them: the password alone no longer lets
someone else claim the account's factor. The window is used once and closes on time;
officers and later factors are not concerned; only platform admins open windows, never
for themselves, and each is in the owner's administration's trail only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.audit.models import AuditAction, AuditRecord
from lms.audit.selectors import audit_record_list_for_user
from lms.mfa import services
from lms.mfa.models import EnrolmentWindow

from .conftest import code_at
from .test_codes import TOTP_ADD, enrol_through_the_page

pytestmark = pytest.mark.django_db

SECURITY = "/accounts/security/"


@pytest.fixture(autouse=True)
def windows_required(settings):
    settings.LMS_MFA_ENROLMENT_WINDOW = True


def try_enrol(user) -> TOTPDevice:
    key = services.totp_new_key()
    return services.totp_enrol(user=user, key_hex=key, code=code_at(key), name="Phone")


def test_without_a_window_the_password_holder_cannot_enrol(client, per_manager):
    client.force_login(per_manager)
    page = client.get(SECURITY)
    assert page.status_code == 200
    assert 'data-testid="mfa-enrolment-closed"' in page.content.decode()
    assert client.get(TOTP_ADD + "?new=1")["Location"] == SECURITY
    assert client.post(TOTP_ADD, {"name": "Mine", "code": "123456"})["Location"] == SECURITY
    assert client.post(reverse("mfa:passkey_register_options")).status_code == 403
    with pytest.raises(services.EnrolmentClosed):
        try_enrol(per_manager)
    assert not TOTPDevice.objects.exists()
    assert not AuditRecord.objects.filter(action=AuditAction.MFA_ENROL).exists()


def test_a_window_serves_one_enrolment(client, per_manager, platform_admin):
    window = services.enrolment_window_open(actor=platform_admin, user=per_manager)
    assert dt.timedelta(hours=23) < window.closes_at - timezone.now() <= dt.timedelta(hours=24)
    client.force_login(per_manager)
    assert 'data-testid="mfa-enrolment-closed"' not in client.get(SECURITY).content.decode()
    enrol_through_the_page(client)
    assert TOTPDevice.objects.filter(user=per_manager).count() == 1
    window.refresh_from_db()
    assert window.used_at is not None
    # Later factors need the first one proven (as before), not a window.
    assert not services.enrolment_needs_window(per_manager)
    TOTPDevice.objects.filter(user=per_manager).delete()  # e.g. a platform admin's reset
    assert services.enrolment_needs_window(per_manager)
    with pytest.raises(services.EnrolmentClosed):
        try_enrol(per_manager)  # the used window does not serve again


def test_a_window_closes_on_time(per_manager, platform_admin):
    window = services.enrolment_window_open(actor=platform_admin, user=per_manager, hours=1)
    EnrolmentWindow.objects.filter(pk=window.pk).update(
        closes_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(services.EnrolmentClosed):
        try_enrol(per_manager)


def test_officers_opt_in_without_a_window(per_officer):
    assert not services.enrolment_needs_window(per_officer)
    assert try_enrol(per_officer).user == per_officer


def test_only_platform_admins_open_windows_and_never_for_themselves(
    per_manager, pan_manager, per_officer, platform_admin
):
    for actor, user in (
        (pan_manager, per_manager),
        (per_manager, per_officer),
        (per_manager, per_manager),
        (platform_admin, platform_admin),
    ):
        with pytest.raises(PermissionDenied):
            services.enrolment_window_open(actor=actor, user=user)
    assert not EnrolmentWindow.objects.exists()
    with pytest.raises(ValueError):
        services.enrolment_window_open(actor=platform_admin, user=per_manager, hours=0)


def test_the_window_is_in_the_owners_trail_only(per, pan, per_manager, pan_manager, platform_admin):
    services.enrolment_window_open(actor=platform_admin, user=per_manager, hours=4)
    [record] = AuditRecord.objects.filter(action=AuditAction.MFA_ENROLMENT_WINDOW)
    assert record.actor == platform_admin and record.administration_id == per.pk
    assert record.after["user"] == "manager.per" and record.after["hours"] == 4
    assert record in audit_record_list_for_user(per_manager, per)
    assert record not in audit_record_list_for_user(pan_manager, pan)


def test_the_command_opens_a_window(per_manager, platform_admin):
    out = io.StringIO()
    call_command("mfa_enrolment_window", "manager.per", "--by", "admin", "--hours", "2", stdout=out)
    assert "manager.per may enrol" in out.getvalue() or "may enrol" in out.getvalue()
    assert services.enrolment_window_of(per_manager) is not None
    with pytest.raises(CommandError):
        call_command("mfa_enrolment_window", "admin", "--by", "manager.per")


def test_with_the_setting_off_the_password_is_trusted_as_before(per_manager, settings):
    settings.LMS_MFA_ENROLMENT_WINDOW = False
    assert try_enrol(per_manager).user == per_manager
