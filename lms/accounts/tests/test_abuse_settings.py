"""The abuse limits come from the environment (lms/settings/env.py), and a rate that is not
one stops the start with the variable's name (issue 11)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from lms.accounts.tests.test_settings import GOOD_ENV, manage
from lms.accounts.throttles import Rate
from lms.settings.env import Env

PRINT = (
    "import json; from django.conf import settings as s; print(json.dumps([s.LMS_REQUEST_MAX_BYTES,"
    " s.LMS_API_REQUEST_MAX_BYTES, s.DATA_UPLOAD_MAX_MEMORY_SIZE, s.FILE_UPLOAD_MAX_MEMORY_SIZE,"
    " s.DATA_UPLOAD_MAX_NUMBER_FIELDS, s.LMS_API_AUTH_FAILURE_RATE, s.LMS_NUM_PROXIES]))"
)


def test_the_limits_are_read_from_the_environment():
    env = {
        **GOOD_ENV,
        "LMS_REQUEST_MAX_BYTES": "2048",
        "LMS_API_REQUEST_MAX_BYTES": "4096",
        "DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE": "8192",
        "DJANGO_FILE_UPLOAD_MAX_MEMORY_SIZE": "16384",
        "DJANGO_DATA_UPLOAD_MAX_NUMBER_FIELDS": "500",
        "LMS_API_AUTH_FAILURE_RATE": "7/min",
        "DJANGO_NUM_PROXIES": "1",
    }
    result = manage("shell", "-c", PRINT, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        2048,
        4096,
        8192,
        16384,
        500,
        "7/min",
        1,
    ]


def test_a_rate_that_is_not_one_stops_the_start_with_its_name():
    result = manage("check", env={**GOOD_ENV, "LMS_PASSWORD_RESET_ADDRESS_RATE": "lots"})
    assert result.returncode != 0
    assert "LMS_PASSWORD_RESET_ADDRESS_RATE must be a rate such as 5/min" in result.stderr


@pytest.mark.parametrize(
    ("text", "count", "seconds"),
    [
        ("5/min", 5, 60),
        ("20/hour", 20, 3600),
        ("3/15m", 3, 900),
        ("1/d", 1, 86400),
        ("2/sec", 2, 1),
    ],
)
def test_rates(text, count, seconds):
    assert Env({"R": text}).rate("R", "1/s") == text
    assert Rate.parse(text) == Rate(count, seconds)


@pytest.mark.parametrize("text", ["0/min", "five/min", "5 per minute", "5/fortnight", "5/month"])
def test_bad_rates(text):
    with pytest.raises(ImproperlyConfigured):
        Env({"R": text}).rate("R", "1/s")
    with pytest.raises(ImproperlyConfigured):
        Rate.parse(text)
