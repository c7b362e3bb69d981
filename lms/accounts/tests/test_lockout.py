"""The sign-in lockout counts failures per account and address, and per account alone only
for addresses the account has not signed in from: nobody elsewhere can lock a platform
admin (or anyone) out of the address they sign in from (issue 11)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings

from lms.accounts.lockout import lockout_parameters
from lms.accounts.throttles import client_address

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/cms/login/"
OFFICE = "198.51.100.7"
ATTACKER = "203.0.113.9"


def sign_in(username, password, address, url=LOGIN, client=None):
    client = client or Client()
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_an_attacker_elsewhere_cannot_lock_the_admin_out_of_their_office(platform_admin, password):
    assert sign_in("admin", password, OFFICE).status_code == 302  # the office is known now

    for _ in range(6):
        refused = sign_in("admin", "wrong-guess", ATTACKER, url=ADMIN_LOGIN)
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts" in refused.content.decode()

    office = Client()
    assert sign_in("admin", password, OFFICE, client=office).status_code == 302
    assert office.session["_auth_user_id"] == str(platform_admin.pk)
    assert sign_in("admin", password, OFFICE, url=ADMIN_LOGIN).status_code == 302
    # The attacker's own address stays locked, even with the right password, after the
    # admin's successful sign-ins.
    assert sign_in("admin", password, ATTACKER).status_code == 429
    assert sign_in("admin", password, ATTACKER, url=ADMIN_LOGIN).status_code == 429


def test_the_office_itself_still_locks_after_five_failures_there(platform_admin, password):
    assert sign_in("admin", password, OFFICE).status_code == 302
    for _ in range(5):
        sign_in("admin", "typo", OFFICE)
    assert sign_in("admin", password, OFFICE).status_code == 429


def test_guessing_from_many_addresses_gets_no_more_tries_than_from_one(platform_admin, password):
    for number in range(5):
        sign_in("admin", "wrong-guess", f"203.0.113.{number + 10}")
    # A sixth address, the right password: refused, the account is locked for new places.
    assert sign_in("admin", password, "203.0.113.99").status_code == 429


def test_the_owner_is_locked_only_out_of_new_places_while_under_attack(platform_admin, password):
    assert sign_in("admin", password, OFFICE).status_code == 302
    for _ in range(5):
        sign_in("admin", "wrong-guess", ATTACKER)
    assert sign_in("admin", password, "192.0.2.44").status_code == 429  # a hotel, say
    assert sign_in("admin", password, OFFICE).status_code == 302


def test_colleagues_behind_one_nat_address_do_not_lock_each_other(
    per_officer, pan_officer, password
):
    port = "198.51.100.200"
    for _ in range(5):
        sign_in("officer.per", "typo", port)
    assert sign_in("officer.per", password, port).status_code == 429
    assert sign_in("officer.pan", password, port).status_code == 302


def test_lockout_parameters_depend_on_whether_the_address_is_known(platform_admin, password):
    factory = RequestFactory()
    request = factory.post(LOGIN, {"username": "Admin "}, REMOTE_ADDR=OFFICE)
    assert lockout_parameters(request, {"username": "Admin "}) == [
        ["username", "ip_address"],
        "username",
    ]
    sign_in("admin", password, OFFICE)
    assert lockout_parameters(request, {"username": "Admin "}) == [["username", "ip_address"]]


def test_client_address_trusts_x_forwarded_for_only_behind_counted_proxies(settings):
    factory = RequestFactory()
    forged = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")
    settings.LMS_NUM_PROXIES = 0
    assert client_address(forged) == "10.0.0.2"
    settings.LMS_NUM_PROXIES = 1
    assert client_address(forged) == "5.6.7.8"
    garbage = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_address(garbage) == "10.0.0.2"


@override_settings(LMS_NUM_PROXIES=1)
def test_behind_a_proxy_the_lock_is_per_forwarded_client(platform_admin, password):
    proxy = "10.0.0.2"

    def through_proxy(secret, client_ip):
        return Client().post(
            LOGIN,
            {"username": "admin", "password": secret},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=client_ip,
        )

    assert through_proxy(password, OFFICE).status_code == 302
    for _ in range(5):
        through_proxy("wrong-guess", ATTACKER)
    assert through_proxy(password, ATTACKER).status_code == 429
    assert through_proxy(password, OFFICE).status_code == 302
