"""Failed API token authentications are counted per client address: past
LMS_API_AUTH_FAILURE_RATE the client gets 429 with Retry-After, other clients do not
(issue 11)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

API = "/api/v1/"
GUESSER = "203.0.113.9"
HR_SYSTEM = "198.51.100.20"


def get(secret, address, path="units/"):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR=address)
    return client.get(API + path)


@override_settings(LMS_API_AUTH_FAILURE_RATE="3/min")
def test_a_client_sending_bad_tokens_is_throttled_and_others_are_not(world):
    for number in range(3):
        response = get(f"lms_guess{number}", GUESSER)
        assert response.status_code == 401
    throttled = get("lms_guess3", GUESSER)
    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert "Too many requests with an invalid API token" in throttled.json()["detail"]
    # A token guessed right now would not help: the address is refused before the lookup.
    assert get(world.per_read_secret, GUESSER).status_code == 429
    # Another client is not affected, neither its valid token nor its first mistakes.
    assert get(world.per_read_secret, HR_SYSTEM).status_code == 200
    assert get("lms_typo", HR_SYSTEM).status_code == 401


@override_settings(LMS_API_AUTH_FAILURE_RATE="2/min")
def test_revoked_expired_and_malformed_tokens_count_too(world):
    assert get("lms_unknown", GUESSER).status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer two parts", REMOTE_ADDR=GUESSER).get(API + "units/")
    assert bad.status_code == 401
    assert get("lms_unknown", GUESSER).status_code == 429


@override_settings(LMS_API_AUTH_FAILURE_RATE="2/min")
def test_valid_tokens_and_sessions_spend_nothing(client, world, per_manager):
    for _ in range(5):
        assert get(world.per_read_secret, GUESSER).status_code == 200
    client.force_login(per_manager)
    for _ in range(3):
        assert get("lms_wrong", GUESSER).status_code in (401, 429)
    session = client.get(API + "units/", REMOTE_ADDR=GUESSER)
    assert session.status_code == 200  # no token sent: the budget does not apply


@override_settings(LMS_API_AUTH_FAILURE_RATE="2/min", LMS_NUM_PROXIES=1)
def test_behind_a_proxy_each_forwarded_client_has_its_own_budget(world):
    def through_proxy(secret, address):
        return Client(
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=address,
        ).get(API + "units/")

    for _ in range(2):
        through_proxy("lms_guess", GUESSER)
    assert through_proxy("lms_guess", GUESSER).status_code == 429
    assert through_proxy(world.per_read_secret, HR_SYSTEM).status_code == 200
