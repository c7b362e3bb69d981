"""A request id on the response and on every log line written for the request (JSON, as
production writes them); a hostile incoming id is replaced."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"^[0-9a-f]{32}$")


def _build(config: dict):
    """An object from a dictConfig entry of settings.LOGGING (its "()" factory)."""
    options = {key: value for key, value in config.items() if key != "()"}
    return import_string(config["()"])(**options)


@pytest.fixture
def json_lines():
    """Lines that django.request writes, formatted as production's handler formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(_build(settings.LOGGING["filters"]["request_id"]))
    handler.setFormatter(_build(settings.LOGGING["formatters"]["json"]))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_a_log_line_written_during_a_request_carries_its_id(client, json_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a.2_x")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3a.2_x"
    lines = [line for line in json_lines() if "no-such-page" in line["message"]]
    assert lines, "Django logs the 404"
    assert {line["request_id"] for line in lines} == {"lb-7f3a.2_x"}
    assert {(line["level"], line["logger"]) for line in lines} == {("WARNING", "django.request")}


@pytest.mark.parametrize(
    "hostile",
    ["abc\nFAKE 200 admin signed in", "a" * 10_240, "id with spaces", "ñandú", "a" * 65],
)
def test_a_hostile_request_id_is_replaced(client, json_lines, hostile):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID=hostile)
    request_id = response["X-Request-ID"]
    assert GENERATED.match(request_id)
    lines = [line for line in json_lines() if "no-such-page" in line["message"]]
    assert lines
    assert {line["request_id"] for line in lines} == {request_id}


def test_every_response_gets_a_new_id_when_none_is_sent(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert GENERATED.match(first) and GENERATED.match(second) and first != second
