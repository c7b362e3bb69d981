"""/healthz and /readyz: cheap liveness, readiness that names what fails, reachable by a
load balancer over plain HTTP at the instance's address."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from lms.ops.task_queue import QueueState, lag_is_too_long

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db


def test_liveness_is_ok_without_a_query_at_an_address_that_is_no_allowed_host(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_readiness_is_ok_when_every_check_passes(client):
    response = client.get("/readyz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
        "task_queue": "ok",
    }
    # The test settings run tasks at once: there is no queue to lag.
    assert body["checks"]["task_queue"]["detail"] == "immediate"
    # The storage check cleaned up its scratch file.
    scratch = Path(settings.MEDIA_ROOT) / "ops" / "readyz"
    assert not scratch.exists() or not any(scratch.iterdir())


def test_readiness_names_the_storage_when_the_media_folder_cannot_be_written(client, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder's parent should be")
    with override_settings(MEDIA_ROOT=str(blocker / "media")):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["storage"] == {"status": "unavailable"}
    assert body["checks"]["database"]["status"] == "ok"
    assert str(tmp_path) not in response.content.decode()


READYZ_SCRIPT = """
import django
django.setup()
from django.test import Client
response = Client().get("/readyz")
print(response.status_code)
print(response.content.decode())
"""


def test_readiness_names_the_database_when_it_is_unreachable():
    """A real process whose DATABASE_URL points at a closed port (nothing listens on 9)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
    env["DATABASE_URL"] = "postgres://lms:hunter2-secret@127.0.0.1:9/lms"
    result = subprocess.run(
        [sys.executable, "-c", READYZ_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split("\n", 1)
    assert status == "503"
    answer = json.loads(body)
    assert answer["checks"]["database"] == {"status": "unavailable"}
    assert answer["checks"]["cache"]["status"] == "ok"
    # Neither the password nor the address of the database reaches the answer.
    assert "hunter2" not in body
    assert "127.0.0.1" not in body


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_are_not_redirected_to_https(client):
    assert client.get("/accounts/login/").status_code == 301  # the redirect is on
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_probes_are_answered_without_session_or_language_cookies(client):
    response = client.get("/readyz", HTTP_ACCEPT_LANGUAGE="es")
    assert response.cookies == {}
    assert "Content-Language" not in response


def test_a_queue_whose_oldest_ready_task_waited_too_long_is_not_ready():
    now = timezone.now()
    waiting = QueueState(
        kind="database",
        backend="DatabaseBackend",
        ready=3,
        oldest_ready_at=now - timedelta(minutes=10),
    )
    assert waiting.lag(now) == timedelta(minutes=10)
    assert lag_is_too_long(waiting, now, timedelta(minutes=5))
    assert not lag_is_too_long(waiting, now, timedelta(minutes=15))
    empty = QueueState(kind="database", backend="DatabaseBackend")
    assert empty.lag(now) == timedelta(0)
    assert not lag_is_too_long(empty, now, timedelta(0))
    assert not lag_is_too_long(
        QueueState(kind="immediate", backend="ImmediateBackend"), now, timedelta(0)
    )
