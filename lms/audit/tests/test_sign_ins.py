"""Password sign-ins in the trail (site, Wagtail admin, Django admin): a success, a
refusal with the username tried and never the password, one lockout record however long
the client keeps trying, single sign-on not recorded twice, and each administration's
managers seeing their own people's records only."""

from __future__ import annotations

import pytest
from django.contrib.auth import login
from django.contrib.sessions.backends.db import SessionStore
from django.http import Http404
from django.test import Client, RequestFactory

from lms.audit.models import AuditAction, AuditRecord
from lms.audit.selectors import audit_record_list_for_user
from lms.audit.sign_ins import mark_sign_in_audited

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WAGTAIL_LOGIN = "/cms/login/"
DJANGO_ADMIN_LOGIN = "/django-admin/login/"
WRONG = "Tr0ub4dor&3-not-it"


def sign_in(username, password, address, url=LOGIN):
    return Client().post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def records(action):
    return list(AuditRecord.objects.filter(action=action).order_by("at", "id"))


def everything_said(record) -> str:
    return " ".join(
        str(value)
        for value in (
            record.target_repr,
            record.before,
            record.after,
            record.user_agent,
            record.actor_username,
        )
    )


@pytest.mark.parametrize("url", [LOGIN, WAGTAIL_LOGIN])
def test_a_password_sign_in_is_recorded_once(per_manager, password, url):
    assert sign_in("manager.per", password, "198.51.100.21", url).status_code == 302
    [record] = records(AuditAction.SIGN_IN)
    assert record.actor == per_manager
    assert record.administration_id == per_manager.administration_id
    assert record.after == {"method": "password"}
    assert record.client_ip == "198.51.100.21"
    assert password not in everything_said(record)


def test_a_sign_in_to_the_django_admin_is_recorded(platform_admin, password):
    assert sign_in("admin", password, "198.51.100.22", DJANGO_ADMIN_LOGIN).status_code == 302
    [record] = records(AuditAction.SIGN_IN)
    assert record.actor == platform_admin and record.administration_id is None


def test_a_refused_sign_in_keeps_the_username_and_never_the_password(per_officer, per):
    assert sign_in("Officer.PER", WRONG, "198.51.100.23").status_code == 200
    [record] = records(AuditAction.SIGN_IN_FAILED)
    assert record.actor_id is None
    assert record.after == {"method": "password", "username": "Officer.PER"}
    assert record.administration_id == per.pk  # the account that username names
    assert record.target_id == str(per_officer.pk)
    assert WRONG not in everything_said(record)
    assert not records(AuditAction.SIGN_IN)


def test_an_unknown_username_is_a_platform_wide_record(db):
    sign_in("nobody.here", WRONG, "198.51.100.24")
    [record] = records(AuditAction.SIGN_IN_FAILED)
    assert record.administration_id is None and record.target_id == ""
    assert record.after["username"] == "nobody.here"


def test_a_lockout_is_recorded_once_however_long_the_client_keeps_trying(
    per_officer, per, password, settings
):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert sign_in("officer.per", WRONG, "198.51.100.25").status_code == 200
    for _ in range(4):  # the lock, then tries during it (the right password too)
        assert sign_in("officer.per", WRONG, "198.51.100.25").status_code == 429
    assert sign_in("officer.per", password, "198.51.100.25").status_code == 429
    assert len(records(AuditAction.SIGN_IN_FAILED)) == limit - 1
    [lockout] = records(AuditAction.SIGN_IN_LOCKOUT)
    assert lockout.administration_id == per.pk
    assert lockout.after["username"] == "officer.per"
    assert lockout.after["failures"] == limit
    assert lockout.client_ip == "198.51.100.25"
    assert not records(AuditAction.SIGN_IN)
    assert all(password not in everything_said(r) for r in AuditRecord.objects.all())


def test_a_sign_in_recorded_by_its_caller_is_not_recorded_again(per_officer):
    """Single sign-on records its own SIGN_IN (with the provider) and marks the request
    before ``login()`` (lms/sso/views.py)."""
    request = RequestFactory().get("/")
    request.session = SessionStore()
    mark_sign_in_audited(request)
    login(request, per_officer, backend="lms.accounts.backends.ModelBackend")
    assert not records(AuditAction.SIGN_IN)
    unmarked = RequestFactory().get("/")
    unmarked.session = SessionStore()
    login(unmarked, per_officer, backend="lms.accounts.backends.ModelBackend")
    assert len(records(AuditAction.SIGN_IN)) == 1


def test_managers_see_their_own_peoples_sign_ins_only(
    per, pan, per_officer, pan_officer, per_manager, pan_manager, password
):
    sign_in("officer.per", password, "198.51.100.26")
    sign_in("officer.per", WRONG, "198.51.100.26")
    sign_in(pan_officer.username, WRONG, "198.51.100.26")
    per_records = set(audit_record_list_for_user(per_manager, per).values_list("pk", flat=True))
    pan_records = set(audit_record_list_for_user(pan_manager, pan).values_list("pk", flat=True))
    per_officer_records = set(
        AuditRecord.objects.filter(
            target_id=str(per_officer.pk), action__startswith="auth."
        ).values_list("pk", flat=True)
    )
    assert len(per_officer_records) == 2
    assert per_officer_records <= per_records
    assert not per_officer_records & pan_records
    assert AuditRecord.objects.filter(
        pk__in=pan_records, action=AuditAction.SIGN_IN_FAILED
    ).exists()
    with pytest.raises(Http404):
        audit_record_list_for_user(pan_manager, per)
    page = Client()
    page.force_login(pan_manager)
    assert page.get("/administrations/PER/audit/").status_code == 404
