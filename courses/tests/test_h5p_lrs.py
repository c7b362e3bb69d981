"""Forwarding statements to a real learning record store: Ralph (ralph-malph, FastAPI, its
file-system backend), started by the tests with uvicorn on a free port. Statements arrive
whole and once, even when the first attempt finds no LRS; a statement the LRS refuses is
recorded with its reason and does not hold back the others."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from courses import services
from courses.models import LessonActivity
from courses.models.h5p import H5PStatement, XAPIAccount
from courses.packages.h5p import lrs
from courses.tests.h5p_statements import answered, h5p_statement
from tests.ports import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def ralph(tmp_path_factory):
    """A Ralph LRS on 127.0.0.1, with one basic-auth client allowed everything."""
    import bcrypt

    directory = tmp_path_factory.mktemp("ralph")
    key, secret = "customs-lms", secrets.token_urlsafe(16)
    (directory / "auth.json").write_text(
        json.dumps(
            [
                {
                    "username": key,
                    "hash": bcrypt.hashpw(secret.encode(), bcrypt.gensalt(4)).decode(),
                    "scopes": ["all"],
                    "agent": {"account": {"homePage": "http://127.0.0.1", "name": key}},
                }
            ]
        )
    )
    port = free_port()
    environment = {
        **os.environ,
        "RALPH_APP_DIR": str(directory),
        "RALPH_AUTH_FILE": str(directory / "auth.json"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(directory / "lrs"),
    }
    (directory / "lrs").mkdir()
    log = (directory / "ralph.log").open("w")
    process = subprocess.Popen(  # Ralph's app started by uvicorn (see ralph_server.py)
        [sys.executable, "-m", "courses.tests.ralph_server", str(port)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=django_settings.BASE_DIR,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"Ralph stopped: {(directory / 'ralph.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/__heartbeat__", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("Ralph did not answer within 60 seconds.")
        time.sleep(0.2)
    try:
        yield SimpleNamespace(endpoint=f"{base}/xAPI/", key=key, secret=secret)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def lrs_request(ralph, path, body=None):
    request = urllib.request.Request(
        ralph.endpoint + path,
        data=json.dumps(body).encode() if body is not None else None,
        method="POST" if body is not None else "GET",
        headers={
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
            "Authorization": "Basic "
            + base64.b64encode(f"{ralph.key}:{ralph.secret}".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, json.loads(answer.read() or b"null")


def statements_in_lrs(ralph, user):
    """What the LRS holds for an officer (their opaque account as the agent)."""
    agent = {
        "objectType": "Agent",
        "account": {
            "homePage": services.platform_authority()["account"]["homePage"],
            "name": str(XAPIAccount.objects.get(user=user).name),
        },
    }
    query = urllib.parse.urlencode({"agent": json.dumps(agent), "limit": 100})
    return lrs_request(ralph, f"statements?{query}")[1]["statements"]


@pytest.fixture
def slot(course_tree):
    return LessonActivity.objects.get(lesson=course_tree.lesson2)


@pytest.fixture
def officer(client, course_tree, per_officer):
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)
    return per_officer


def post(client, slot, body):
    response = client.post(
        f"/h5p/xapi/{slot.pk}/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response


def use_lrs(settings, endpoint, ralph, batch_size=50):
    settings.LMS_LRS_ENDPOINT = endpoint
    settings.LMS_LRS_KEY = ralph.key
    settings.LMS_LRS_SECRET = ralph.secret
    settings.LMS_LRS_BATCH_SIZE = batch_size


def without_lrs_fields(statement):
    return {k: v for k, v in statement.items() if k != "stored"}


def test_statements_arrive_whole_and_once_even_when_the_first_attempt_fails(
    client, settings, ralph, slot, officer
):
    closed = f"http://127.0.0.1:{free_port()}/xAPI/"  # nothing listens there
    use_lrs(settings, closed, ralph, batch_size=2)
    sent = [answered(1, 2), h5p_statement("interacted"), answered(2, 2), h5p_statement("attempted")]
    for body in sent:
        post(client, slot, body)
    rows = H5PStatement.objects.order_by("pk")
    assert {row.forward_state for row in rows.all()} == {"pending"}

    now = timezone.now()
    report = lrs.statements_forward(now=now)
    assert (report.sent, report.failed) == (0, 2)  # the first batch failed; the run stopped
    failed = rows.filter(forward_attempts=1)
    assert failed.count() == 2
    assert all("no answer" in row.forward_error for row in failed)
    assert all(row.forward_after == now + lrs.FIRST_BACKOFF for row in failed)

    use_lrs(settings, ralph.endpoint, ralph, batch_size=2)
    report = lrs.statements_forward(now=now)  # the failed batch waits for its backoff...
    assert (report.sent, report.failed) == (2, 0)
    report = lrs.statements_forward(now=now + lrs.FIRST_BACKOFF)  # ...then goes
    assert (report.sent, report.failed) == (2, 0)
    assert {row.forward_state for row in rows.all()} == {"sent"}
    assert lrs.statements_forward(now=now + timedelta(days=1)).sent == 0  # nothing left

    held = statements_in_lrs(ralph, officer)
    assert sorted(s["id"] for s in held) == sorted(b["id"] for b in sent)  # each once
    ours = {str(row.statement_id): row.statement for row in rows.all()}
    for statement in held:
        assert without_lrs_fields(statement) == without_lrs_fields(ours[statement["id"]])
    assert held[0]["actor"]["account"]["name"] == str(XAPIAccount.objects.get(user=officer).name)

    # Sending everything again (as after an answer lost on the way back) stores nothing twice.
    assert lrs.statements_queue(refused=False, unqueued=False) == 0
    H5PStatement.objects.update(forward_state="pending", forward_after=None)
    assert lrs.statements_forward().sent == 4
    assert len(statements_in_lrs(ralph, officer)) == 4


def test_a_statement_the_lrs_refuses_is_recorded_and_holds_back_no_other(
    client, settings, ralph, slot, officer
):
    use_lrs(settings, ralph.endpoint, ralph)
    sent = [answered(1, 2), answered(2, 2), h5p_statement("interacted")]
    for body in sent:
        post(client, slot, body)
    # The LRS already holds a different statement under the second one's id.
    clash = H5PStatement.objects.get(statement_id=sent[1]["id"]).statement
    other = {**clash, "result": {**clash["result"], "success": False}}
    assert lrs_request(ralph, "statements", [other])[0] == 200

    report = lrs.statements_forward()
    assert (report.sent, report.refused, report.failed) == (2, 1, 0)
    refused = H5PStatement.objects.get(statement_id=sent[1]["id"])
    assert refused.forward_state == "refused"
    assert "409" in refused.forward_error and refused.forward_error in report.errors
    assert lrs.statements_forward().refused == 0  # refused statements are not tried again

    out = StringIO()
    with pytest.raises(CommandError):  # queued again, refused again: the command says so
        call_command("h5p_statements_forward", "--requeue-refused", stdout=out, stderr=out)
    assert "1 statements queued again" in out.getvalue()
    assert "0 forwarded, 1 refused" in out.getvalue()


def test_each_statement_is_forwarded_after_it_is_stored(
    client, settings, ralph, slot, officer, django_capture_on_commit_callbacks
):
    use_lrs(settings, ralph.endpoint, ralph)
    body = answered(1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, slot, body)  # the background task runs after the commit
    row = H5PStatement.objects.get()
    assert row.forward_state == "sent" and row.forwarded_at is not None
    assert [s["id"] for s in statements_in_lrs(ralph, officer)] == [body["id"]]


def test_the_command_forwards_and_queues_what_was_stored_without_an_lrs(
    client, settings, ralph, slot, officer
):
    settings.LMS_LRS_ENDPOINT = ""
    body = answered(1, 1)
    post(client, slot, body)
    assert H5PStatement.objects.get().forward_state == ""  # no LRS, nothing queued
    with pytest.raises(CommandError, match="LMS_LRS_ENDPOINT"):
        call_command("h5p_statements_forward")
    use_lrs(settings, ralph.endpoint, ralph)
    out = StringIO()
    call_command("h5p_statements_forward", stdout=out)
    assert "0 forwarded" in out.getvalue()
    call_command("h5p_statements_forward", "--include-unqueued", stdout=out)
    assert "1 forwarded" in out.getvalue()
    assert [s["id"] for s in statements_in_lrs(ralph, officer)] == [body["id"]]


def test_wrong_credentials_keep_statements_queued(client, settings, ralph, slot, officer):
    use_lrs(settings, ralph.endpoint, ralph)
    settings.LMS_LRS_SECRET = "wrong"
    post(client, slot, answered(1, 1))
    report = lrs.statements_forward()
    assert (report.sent, report.refused, report.failed) == (0, 0, 1)
    row = H5PStatement.objects.get()
    assert row.forward_state == "pending" and row.forward_error.startswith("HTTP 401")


def test_backoff_doubles_up_to_its_ceiling():
    assert [lrs.backoff(n) for n in (1, 2, 3)] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
    ]
    assert lrs.backoff(40) == lrs.MAX_BACKOFF
