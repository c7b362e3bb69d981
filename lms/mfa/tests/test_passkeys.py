"""Passkeys through the views: registration and verification checked by python-fido2, and
what it must refuse (another origin, a replayed or cloned answer, another person's key)."""

from __future__ import annotations

import json

import pytest

from lms.accounts.tests.factories import UserFactory
from lms.audit.models import AuditAction, AuditRecord
from lms.mfa.models import PasskeyDevice

from .authenticator import SoftAuthenticator

ORIGIN = "http://testserver"
REGISTER_OPTIONS = "/accounts/security/passkeys/options/"
REGISTER = "/accounts/security/passkeys/"
VERIFY_OPTIONS = "/accounts/security/verify/passkey/options/"
VERIFY = "/accounts/security/verify/passkey/"


@pytest.fixture(autouse=True)
def relying_party(settings):
    settings.LMS_MFA_RP_ID = "testserver"
    settings.LMS_MFA_ALLOWED_ORIGINS = [ORIGIN]


def post_json(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def register(client, authenticator, *, origin=ORIGIN, name="Laptop"):
    options = post_json(client, REGISTER_OPTIONS).json()
    return post_json(
        client, REGISTER, {"name": name, "credential": authenticator.create(options, origin)}
    )


def verify(client, authenticator, *, origin=ORIGIN, next_url="/accounts/profile/", **kwargs):
    options = post_json(client, VERIFY_OPTIONS).json()
    answer = authenticator.get(options, origin, **kwargs)
    return post_json(client, VERIFY, {"credential": answer, "next": next_url}), answer


@pytest.fixture
def enrolled(client, per_manager):
    client.force_login(per_manager)
    key = SoftAuthenticator("testserver")
    answer = register(client, key)
    assert answer.status_code == 200, answer.content
    assert answer.json()["redirect"] == "/accounts/security/recovery/"
    client.logout()
    client.force_login(per_manager)
    return key


def test_passkey_enrolment_then_sign_in(client, per_manager, enrolled):
    assert client.get("/accounts/profile/")["Location"].startswith("/accounts/security/verify/")
    answer, _signed = verify(client, enrolled)
    assert answer.status_code == 200
    assert answer.json() == {"redirect": "/accounts/profile/"}
    assert client.get("/accounts/profile/").status_code == 200
    device = PasskeyDevice.objects.get(user=per_manager)
    assert device.name == "Laptop" and device.sign_count == 1
    actions = list(AuditRecord.objects.values_list("action", "after"))
    assert (AuditAction.MFA_ENROL, {"kind": "passkey"}) in actions
    assert (AuditAction.SIGN_IN, {"second_factor": "passkey"}) in actions


def test_another_origin_cannot_register_or_sign_in(client, per_manager, enrolled):
    phished = verify(client, enrolled, origin="https://customs-training.example")[0]
    assert phished.status_code == 400
    assert client.get("/accounts/profile/").status_code == 302
    assert AuditRecord.objects.filter(action=AuditAction.SIGN_IN_FAILED).count() == 1
    client.logout()
    other = UserFactory(username="someone", roles=set())
    client.force_login(other)
    refused = register(client, SoftAuthenticator("testserver"), origin="http://evil.example")
    assert refused.status_code == 400
    assert not PasskeyDevice.objects.filter(user=other).exists()


def test_a_replayed_answer_is_refused(client, enrolled):
    _first, answer = verify(client, enrolled)
    client.logout()
    client.force_login(PasskeyDevice.objects.get().user)
    post_json(client, VERIFY_OPTIONS)  # a new challenge
    replay = post_json(client, VERIFY, {"credential": answer})
    assert replay.status_code == 400
    # Without asking for options first there is no challenge to answer.
    assert post_json(client, VERIFY, {"credential": answer}).status_code == 400
    assert client.get("/accounts/profile/").status_code == 302


def test_a_cloned_key_whose_counter_went_back_is_refused(client, per_manager, enrolled):
    verify(client, enrolled)
    client.logout()
    client.force_login(per_manager)
    cloned, _answer = verify(client, enrolled, counter=1)
    assert cloned.status_code == 400
    assert client.get("/accounts/profile/").status_code == 302


def test_another_persons_passkey_does_not_verify_me(client, per_manager, pan_manager, enrolled):
    client.logout()
    client.force_login(pan_manager)
    mine = SoftAuthenticator("testserver")
    register(client, mine)
    client.logout()
    client.force_login(pan_manager)
    # PER's manager's authenticator answers PAN's manager's challenge.
    options = post_json(client, VERIFY_OPTIONS).json()
    stolen = post_json(client, VERIFY, {"credential": enrolled.get(options, ORIGIN)})
    assert stolen.status_code == 400
    assert client.get("/accounts/profile/").status_code == 302


def test_passkey_next_is_checked_against_open_redirects(client, enrolled):
    answer, _signed = verify(client, enrolled, next_url="https://evil.example/")
    assert answer.json() == {"redirect": "/"}


def test_malformed_bodies_are_refused(client, enrolled):
    post_json(client, VERIFY_OPTIONS)
    assert client.post(VERIFY, b"{not json", content_type="application/json").status_code == 400
    post_json(client, VERIFY_OPTIONS)
    assert post_json(client, VERIFY, {"credential": {"id": "x"}}).status_code == 400


def test_no_passkeys_offered_where_the_site_is_an_ip_address(client, settings, per_manager):
    settings.LMS_MFA_RP_ID = ""
    settings.LMS_PUBLIC_URL = "http://127.0.0.1:8000"
    client.force_login(per_manager)
    page = client.get("/accounts/security/").content.decode()
    assert "data-passkey-register" not in page
    assert "not at an IP address" in page
    settings.LMS_PUBLIC_URL = "https://training.customs.example"
    assert "data-passkey-register" in client.get("/accounts/security/").content.decode()
