"""TOTP enrolment and sign-in, replay, lockout, recovery codes, removal, audit records."""

from __future__ import annotations

import re
import time
from base64 import b32decode, b64decode
from binascii import hexlify

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.audit.models import AuditAction, AuditRecord
from lms.mfa import services
from lms.mfa.models import RecoveryCode

from .conftest import code_at

SECURITY = "/accounts/security/"
VERIFY = "/accounts/security/verify/"
TOTP_ADD = "/accounts/security/totp/"
RECOVERY = "/accounts/security/recovery/"
CODE = r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>"


def actions(user) -> list[str]:
    return list(
        AuditRecord.objects.filter(actor=user).order_by("at", "id").values_list("action", flat=True)
    )


def enrol_through_the_page(client) -> str:
    """Set up a TOTP app as a person does: read the key off the page, type a code."""
    page = client.get(TOTP_ADD + "?new=1").content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    key = hexlify(b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)))
    key_hex = key.decode()
    answer = client.post(TOTP_ADD, {"name": "Phone", "code": code_at(key_hex)})
    assert answer.status_code == 302, answer.content.decode()
    return key_hex


def test_enrolment_shows_a_qr_code_and_the_key_and_saves_only_a_confirmed_app(client, per_manager):
    client.force_login(per_manager)
    page = client.get(TOTP_ADD + "?new=1")
    assert page.status_code == 200
    html = page.content.decode()
    qr = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    assert b"<svg" in b64decode(qr)
    assert TOTPDevice.objects.count() == 0  # not saved before a code confirms it
    wrong = client.post(TOTP_ADD, {"name": "Phone", "code": "000000"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert TOTPDevice.objects.count() == 0
    enrol_through_the_page(client)
    device = TOTPDevice.objects.get(user=per_manager)
    assert device.confirmed and device.name == "Phone"
    # The first factor proves the session and leads to the recovery codes.
    assert client.get("/accounts/profile/").status_code == 200
    assert AuditAction.MFA_ENROL in actions(per_manager)


def sign_in_again(client, user):
    client.logout()
    client.force_login(user)


def test_wrong_code_refused_replayed_code_refused(client, per_manager):
    client.force_login(per_manager)
    key = enrol_through_the_page(client)
    sign_in_again(client, per_manager)
    # The enrolment's own code cannot be replayed: the code of the time step it used (the
    # clock may have moved on to the next step since, whose code would be new).
    enrolled = TOTPDevice.objects.get(user=per_manager).last_t
    replayed = code_at(key, enrolled - int(time.time()) // 30)
    assert client.post(VERIFY, {"kind": "totp", "totp-code": replayed}).status_code == 200
    assert client.post(VERIFY, {"kind": "totp", "totp-code": "123456"}).status_code == 200
    good = code_at(key, 1)
    assert client.post(VERIFY, {"kind": "totp", "totp-code": good})["Location"] == "/"
    sign_in_again(client, per_manager)
    replay = client.post(VERIFY, {"kind": "totp", "totp-code": good})
    assert replay.status_code == 200 and "That code is not right" in replay.content.decode()
    assert client.get("/accounts/profile/").status_code == 302
    recorded = actions(per_manager)
    assert recorded.count(AuditAction.SIGN_IN_FAILED) == 3
    assert recorded.count(AuditAction.SIGN_IN) == 1


def test_five_wrong_codes_lock_code_entry_even_for_the_right_code(client, per_manager):
    client.force_login(per_manager)
    key = enrol_through_the_page(client)
    sign_in_again(client, per_manager)
    for attempt in range(5):
        answer = client.post(VERIFY, {"kind": "totp", "totp-code": f"99999{attempt}"})
    assert answer.status_code == 429
    assert "Too many wrong codes" in answer.content.decode()
    locked = client.post(VERIFY, {"kind": "totp", "totp-code": code_at(key, 1)})
    assert locked.status_code == 429
    assert client.get("/accounts/profile/").status_code == 302
    # Recovery codes are locked too (one count per account).
    assert client.post(VERIFY, {"kind": "recovery", "recovery-code": "x"}).status_code == 429
    # The page says so when opened again, once.
    opened = client.get(VERIFY).content.decode()
    assert opened.count("Too many wrong codes") == 1
    assert actions(per_manager).count(AuditAction.MFA_LOCKOUT) == 1
    lockout = AuditRecord.objects.get(action=AuditAction.MFA_LOCKOUT)
    assert lockout.administration_id == per_manager.administration_id
    assert lockout.after == {"failures": 5, "seconds": 900}


def test_lockout_ends_after_its_period(client, per_manager, settings):
    settings.LMS_MFA_LOCKOUT_SECONDS = 1
    settings.LMS_MFA_FAILURE_RATE = "2/s"
    client.force_login(per_manager)
    key = enrol_through_the_page(client)
    sign_in_again(client, per_manager)
    client.post(VERIFY, {"kind": "totp", "totp-code": "000001"})
    assert client.post(VERIFY, {"kind": "totp", "totp-code": "000002"}).status_code == 429
    import time

    time.sleep(2.1)
    assert client.post(VERIFY, {"kind": "totp", "totp-code": code_at(key, 1)}).status_code == 302


def test_recovery_codes_are_shown_once_and_work_once(client, per_manager):
    client.force_login(per_manager)
    enrol_through_the_page(client)
    shown = client.post(RECOVERY)
    codes = re.findall(
        r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>", shown.content.decode()
    )
    assert len(set(codes)) == 10
    # Stored as digests only.
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 10 and not stored & set(codes)
    assert codes[0] not in client.get(RECOVERY).content.decode()
    sign_in_again(client, per_manager)
    used = client.post(VERIFY, {"kind": "recovery", "recovery-code": codes[0].upper()})
    assert used["Location"] == "/"
    assert client.get("/accounts/profile/").status_code == 200
    sign_in_again(client, per_manager)
    again = client.post(VERIFY, {"kind": "recovery", "recovery-code": codes[0]})
    assert again.status_code == 200
    assert client.get("/accounts/profile/").status_code == 302
    assert client.post(VERIFY, {"kind": "recovery", "recovery-code": codes[1]}).status_code == 302
    assert services.recovery_codes_left(per_manager) == 8
    recorded = actions(per_manager)
    assert recorded.count(AuditAction.MFA_RECOVERY_CODES) == 1
    assert recorded.count(AuditAction.MFA_RECOVERY_USED) == 2


def test_new_recovery_codes_replace_the_old_ones(client, per_manager):
    client.force_login(per_manager)
    enrol_through_the_page(client)
    first = re.findall(CODE, client.post(RECOVERY).content.decode())
    second = re.findall(CODE, client.post(RECOVERY).content.decode())
    assert len(second) == 10 and not set(first) & set(second)
    sign_in_again(client, per_manager)
    assert client.post(VERIFY, {"kind": "recovery", "recovery-code": first[0]}).status_code == 200
    assert client.post(VERIFY, {"kind": "recovery", "recovery-code": second[0]}).status_code == 302


def test_removal_needs_a_fresh_proof_and_a_privileged_person_keeps_one_factor(
    client, per_manager, settings
):
    client.force_login(per_manager)
    key = enrol_through_the_page(client)
    first = TOTPDevice.objects.get(user=per_manager)
    client.post(TOTP_ADD + "?new=1")  # a second app
    page = client.get(TOTP_ADD + "?new=1").content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    second_key = hexlify(b32decode(secret + "=" * (-len(secret) % 8))).decode()
    client.post(TOTP_ADD, {"name": "Tablet", "code": code_at(second_key)})
    second = TOTPDevice.objects.get(user=per_manager, name="Tablet")
    remove = reverse("mfa:device_remove", args=["totp", second.pk])
    settings.LMS_MFA_FRESH_SECONDS = 0
    stale = client.post(remove)
    assert stale["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(pk=second.pk).exists()
    settings.LMS_MFA_FRESH_SECONDS = 600
    client.post(
        VERIFY + "?next=/accounts/security/", {"kind": "totp", "totp-code": code_at(key, 1)}
    )
    assert client.post(remove)["Location"] == SECURITY
    assert not TOTPDevice.objects.filter(pk=second.pk).exists()
    # The last one stays: the manager's role requires it.
    client.post(reverse("mfa:device_remove", args=["totp", first.pk]))
    assert TOTPDevice.objects.filter(pk=first.pk).exists()
    assert actions(per_manager).count(AuditAction.MFA_REMOVE) == 1


def test_an_officer_may_remove_the_last_factor_and_the_recovery_codes_go_with_it(
    client, per_officer
):
    client.force_login(per_officer)
    enrol_through_the_page(client)
    client.post(RECOVERY)
    device = TOTPDevice.objects.get(user=per_officer)
    client.post(reverse("mfa:device_remove", args=["totp", device.pk]))
    assert not TOTPDevice.objects.exists()
    assert services.recovery_codes_left(per_officer) == 0


def test_nobody_removes_another_persons_factor(client, per_manager, pan_manager):
    client.force_login(pan_manager)
    enrol_through_the_page(client)
    theirs = TOTPDevice.objects.get(user=pan_manager)
    client.logout()
    client.force_login(per_manager)
    enrol_through_the_page(client)
    answer = client.post(reverse("mfa:device_remove", args=["totp", theirs.pk]))
    assert answer.status_code == 404
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


def test_an_attacker_with_the_password_cannot_add_a_factor(client, per_manager):
    """A session that has not proven the existing factor may not enrol another one."""
    client.force_login(per_manager)
    enrol_through_the_page(client)
    sign_in_again(client, per_manager)
    assert client.get(TOTP_ADD + "?new=1")["Location"].startswith(VERIFY)
    assert client.post(TOTP_ADD, {"name": "Mine", "code": "123456"}).status_code == 302
    assert client.post(RECOVERY).status_code == 302
    assert client.post(reverse("mfa:passkey_register_options")).status_code == 403
    assert TOTPDevice.objects.filter(user=per_manager).count() == 1


def test_the_django_admin_never_shows_a_totp_key(client, per_manager, platform_admin):
    key = services.totp_new_key()
    device = services.totp_enrol(user=per_manager, key_hex=key, code=code_at(key), name="Phone")
    client.force_login(platform_admin)
    session = client.session
    session["lms.mfa.idp_asserted"] = True
    session.save()
    change = client.get(f"/django-admin/otp_totp/totpdevice/{device.pk}/change/")
    assert change.status_code == 200
    assert key not in change.content.decode()
    assert client.get(f"/django-admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403


def test_the_administrations_audit_trail_shows_the_second_factor_actions(
    client, per_manager, pan_manager
):
    client.force_login(per_manager)
    key = enrol_through_the_page(client)
    codes = re.findall(CODE, client.post(RECOVERY).content.decode())
    sign_in_again(client, per_manager)
    client.post(VERIFY, {"kind": "totp", "totp-code": "000000"})
    client.post(VERIFY, {"kind": "recovery", "recovery-code": codes[0]})
    trail = client.get("/administrations/PER/audit/")
    assert trail.status_code == 200
    page = trail.content.decode()
    shown = set(re.findall(r'data-action="([a-z_.]+)"', page))
    assert shown >= {
        AuditAction.MFA_ENROL,
        AuditAction.MFA_RECOVERY_CODES,
        AuditAction.MFA_RECOVERY_USED,
        AuditAction.SIGN_IN,
        AuditAction.SIGN_IN_FAILED,
    }
    assert '<th scope="row">Second factor enrolled</th>' in page
    assert key not in page and codes[0] not in page
    # Another administration's manager does not see them.
    client.logout()
    client.force_login(pan_manager)
    session = client.session
    session["lms.mfa.idp_asserted"] = True
    session.save()
    theirs = client.get("/administrations/PAN/audit/").content.decode()
    assert not re.findall(r'data-action="mfa\.', theirs)
    assert client.get("/administrations/PER/audit/").status_code == 404
