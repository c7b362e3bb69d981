"""API request bodies over LMS_API_REQUEST_MAX_BYTES get a JSON 413 before DRF parses
them; a document a hundred thousand brackets deep is a 400 (issue 11)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from lms.accounts.models import User
from lms.api.tests.helpers import token_client

pytestmark = pytest.mark.django_db

API = "/api/v1/"
JSON = "application/json"


@override_settings(LMS_API_REQUEST_MAX_BYTES=4096)
def test_a_body_over_the_api_limit_is_a_json_413_and_writes_nothing(world):
    before = User.objects.count()
    body = '{"employee_number": "N-1", "full_name": "' + "x" * 5000 + '", "email": "a@b.org"}'
    response = token_client(world.per_write_secret).post(f"{API}officers/", body, content_type=JSON)
    assert response.status_code == 413
    assert response["Content-Type"] == JSON
    assert response.json() == {
        "detail": "The request is too large. At most 4.0\xa0KB can be sent here."
    }
    assert User.objects.count() == before


def test_a_hundred_thousand_brackets_are_a_400(world):
    body = "[" * 100_000
    response = token_client(world.per_write_secret).post(f"{API}officers/", body, content_type=JSON)
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
