"""The API answers in UTC whoever asks: a session of a manager in Lima and the same
administration's token get the same instant in the same form, ISO 8601 with ``Z``; the
schema says so (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from certificates.tests.fixtures import issue, make_programme
from lms.api.tests.helpers import make_token, token_client

pytestmark = pytest.mark.django_db

API = "/api/v1/"
ISSUED = dt.datetime(2026, 3, 12, 4, 30, tzinfo=dt.UTC)  # 23:30 on 11 March in Lima


def test_session_and_token_answer_the_same_instant_in_utc(per, per_manager, per_officer):
    per.time_zone = "America/Lima"
    per.save(update_fields=["time_zone"])
    per_manager.time_zone = "Asia/Tokyo"  # the manager's own choice changes nothing either
    per_manager.save(update_fields=["time_zone"])
    certificate = issue(per_officer, make_programme(code="zones-api"), issued_at=ISSUED)
    _token, secret = make_token(per_manager)
    session = Client()
    session.force_login(per_manager)
    answers = {}
    for name, client in {"session": session, "token": token_client(secret)}.items():
        listed = client.get(API + "certificates/")
        assert listed.status_code == 200, name
        (row,) = listed.json()["results"]
        one = client.get(f"{API}certificates/{certificate.pk}/").json()
        assert one["issued_at"] == row["issued_at"]
        answers[name] = (row["issued_at"], row["expires_at"])
    assert answers["session"] == answers["token"]
    issued_at, expires_at = answers["token"]
    assert issued_at == "2026-03-12T04:30:00Z"
    assert expires_at.endswith("Z")
    assert dt.datetime.fromisoformat(expires_at) == certificate.expires_at


def test_the_schema_says_date_times_are_utc():
    schema = Client().get(API + "schema/", headers={"accept": "application/json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "Every date-time is ISO 8601 in UTC, written with `Z`" in text
