"""Hostile input to sign-in and sessions answers like any wrong input, never 500 (found by
fuzzing for issue 11; both were server errors on PostgreSQL only)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.mark.parametrize("url", [LOGIN, "/cms/login/"])
def test_a_username_longer_than_any_is_a_wrong_sign_in(url, per_officer):
    response = Client().post(url, {"username": "x" * 10_000, "password": "secret"})
    assert response.status_code == 200
    # The site's form hands it to authentication, which counts it (cut to what fits);
    # the Wagtail admin's form refuses it first.
    usernames = list(AccessAttempt.objects.values_list("username", flat=True))
    assert usernames == (["x" * 255] if url == LOGIN else [])


def test_overlong_usernames_still_lock_out(per_officer):
    for _ in range(5):
        response = Client().post(LOGIN, {"username": "é" * 300, "password": "wrong"})
    assert response.status_code == 429


@pytest.mark.parametrize(
    "cookie",
    [
        'sessionid="\\000\\000\\000\\000\\000\\000\\000\\000"',  # NUL, written as octal escapes
        "sessionid=" + "a" * 300,
        "sessionid=ABCDEFGH%20IJ",
    ],
    ids=["nul", "too-long", "foreign-characters"],
)
def test_a_session_cookie_django_never_made_is_no_session(cookie, per_officer, password):
    client = Client(HTTP_COOKIE=cookie)
    assert client.get(LOGIN).status_code == 200
    response = client.post(LOGIN, {"username": "officer.per", "password": password})
    assert response.status_code == 302
