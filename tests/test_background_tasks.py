"""Background work off the request path (issue 15): the database task queue and its real
worker (``manage.py db_worker``), the retry policy with back-off (lms/tasks_retry.py), and
certificate PDFs that are complete or absent, never empty, and retried."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from certificates.models import Certificate, CertificateEvent
from certificates.tests.fixtures import issue, make_programme
from lms.accounts.tests.factories import AdministrationFactory, officer
from lms.tasks_retry import DEFAULT_POLICY, RetryPolicy, retrying_task

ROOT = Path(__file__).resolve().parents[1]
DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# How often the tasks below have run, by key (the worker runs in this process).
RUNS: dict[str, int] = {}


@retrying_task(RetryPolicy(attempts=3, first_delay=timedelta(seconds=10), factor=3))
def flaky_send(key: str, fails: int) -> str:
    """Fails its first ``fails`` runs (a mail server that is down), then succeeds."""
    RUNS[key] = RUNS.get(key, 0) + 1
    if RUNS[key] <= fails:
        raise ConnectionError("the mail server is down")
    return f"sent after {RUNS[key]} runs"


def work_off_queue() -> None:
    """The backend's own worker loop, once over what is ready now (``db_worker --batch``)."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
    ).run()


def let_time_pass() -> None:
    """Make every deferred task due now (what waiting out its back-off would do)."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def rows_of(name: str) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path__endswith=name).order_by("enqueued_at"))


def assert_deferred(row: DBTaskResult, delay: timedelta) -> None:
    expected = timezone.now() + delay
    assert abs((row.run_after - expected).total_seconds()) < 5, (row.run_after, expected)


def test_back_off_grows_by_the_factor_up_to_the_cap():
    policy = RetryPolicy(
        attempts=9, first_delay=timedelta(seconds=30), factor=4, max_delay=timedelta(hours=1)
    )
    delays = [policy.delay(n).total_seconds() for n in range(1, 6)]
    assert delays == [30, 120, 480, 1920, 3600]
    assert policy.retries_after(8) and not policy.retries_after(9)
    assert DEFAULT_POLICY.attempts >= 3


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_QUEUE)
def test_a_failing_task_is_retried_with_back_off_until_it_succeeds():
    RUNS.clear()
    flaky_send.enqueue("welcome", 2)

    work_off_queue()  # attempt 1 fails, attempt 2 waits 10 s
    first, second = rows_of("flaky_send")
    assert first.status == "FAILED" and RUNS["welcome"] == 1
    assert second.status == "READY"
    assert second.args_kwargs == {"args": ["welcome", 2], "kwargs": {"retry_attempt": 2}}
    assert_deferred(second, timedelta(seconds=10))

    work_off_queue()  # not due yet: nothing runs
    assert RUNS["welcome"] == 1

    let_time_pass()
    work_off_queue()  # attempt 2 fails, attempt 3 waits 10 s x 3
    rows = rows_of("flaky_send")
    assert [row.status for row in rows] == ["FAILED", "FAILED", "READY"]
    assert_deferred(rows[2], timedelta(seconds=30))

    let_time_pass()
    work_off_queue()  # attempt 3 succeeds
    rows = rows_of("flaky_send")
    assert [row.status for row in rows] == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert rows[2].return_value == "sent after 3 runs"


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_QUEUE)
def test_a_task_that_keeps_failing_is_given_up_after_its_attempts():
    RUNS.clear()
    flaky_send.enqueue("never", 99)
    for _ in range(5):
        let_time_pass()
        work_off_queue()
    assert RUNS["never"] == 3
    assert [row.status for row in rows_of("flaky_send")] == ["FAILED"] * 3


@pytest.mark.django_db
def test_the_immediate_backend_runs_the_task_once_and_keeps_the_request_alive():
    """The embedded default cannot defer: the failure is recorded, nothing waits."""
    RUNS.clear()
    result = flaky_send.enqueue("inline", 1)
    assert result.status == "FAILED" and RUNS["inline"] == 1


class DiskFullStorage(FileSystemStorage):
    """A disk that is full: the file is created, then writing it fails, which is what
    FileSystemStorage leaves behind on ENOSPC (an empty file)."""

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        raise OSError(errno.ENOSPC, "No space left on device")


FULL_DISK = {
    **settings.STORAGES,
    "default": {"BACKEND": f"{__name__}.DiskFullStorage"},
}


def pdf_files() -> list[Path]:
    return sorted((Path(settings.MEDIA_ROOT) / "certificates" / "pdf").glob("*.pdf"))


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_QUEUE)
def test_a_failed_pdf_render_leaves_no_file_is_retried_and_verification_keeps_working(client):
    administration = AdministrationFactory()
    holder = officer(administration)
    programme = make_programme(code="failed-render")
    before = set(pdf_files())

    with override_settings(STORAGES=FULL_DISK):
        certificate = issue(holder, programme)  # the render is queued on commit
        work_off_queue()

    certificate.refresh_from_db()
    assert not certificate.pdf
    assert set(pdf_files()) == before  # no empty (or partial) file left behind
    kinds = list(certificate.events.values_list("kind", flat=True))
    assert CertificateEvent.Kind.RENDER_FAILED in kinds
    failed, retry = rows_of("render_certificate_pdf")
    assert failed.status == "FAILED" and retry.status == "READY"
    assert_deferred(retry, DEFAULT_POLICY.delay(1))

    # Meanwhile the certificate verifies, and its PDF is rendered on the fly.
    page = client.get(reverse("certificates:verify", args=[certificate.code]))
    assert page.status_code == 200
    assert certificate.number in page.content.decode()

    let_time_pass()
    work_off_queue()  # the disk has room again
    certificate.refresh_from_db()
    assert certificate.pdf and certificate.pdf.size > 1000
    with certificate.pdf.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"
    assert all(path.stat().st_size > 0 for path in pdf_files())
    assert [row.status for row in rows_of("render_certificate_pdf")] == ["FAILED", "SUCCESSFUL"]


def _worker_environment(database_url: str) -> dict[str, str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "LMS_"))
    }
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DATABASE_URL": database_url,
        "DJANGO_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LMS_CREDENTIAL_KEY_FILE": str(settings.LMS_CREDENTIAL_KEY_FILE),
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_QUEUE)
def test_the_worker_process_renders_a_queued_certificate_and_stops_on_sigterm(tmp_path):
    """``manage.py db_worker`` as production runs it, in its own process, on a file
    SQLite database (a copy of the test database) or on the PostgreSQL test database."""
    administration = AdministrationFactory()
    certificate = issue(officer(administration), make_programme(code="worker-render"))
    assert not Certificate.objects.get(pk=certificate.pk).pdf  # queued, not rendered
    [queued] = rows_of("render_certificate_pdf")
    assert queued.status == "READY"

    if connection.vendor == "sqlite":
        path = tmp_path / "worker.sqlite3"
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        database_url = f"sqlite:///{path}"

        def state() -> tuple[str, str]:
            with sqlite3.connect(path) as db:
                [status] = db.execute(
                    f"SELECT status FROM {DBTaskResult._meta.db_table} WHERE id = ?",
                    [str(queued.pk).replace("-", "")],
                ).fetchone()
                [pdf] = db.execute(
                    f"SELECT pdf FROM {Certificate._meta.db_table} WHERE id = ?",
                    [certificate.pk],
                ).fetchone()
            return status, pdf
    else:
        db = connection.settings_dict
        database_url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
            f":{db['PORT'] or 5432}/{db['NAME']}"
        )

        def state() -> tuple[str, str]:
            queued.refresh_from_db()
            return queued.status, Certificate.objects.get(pk=certificate.pk).pdf.name

    started = time.monotonic()
    worker = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--interval",
            "0.2",
            "--no-startup-delay",
            "--skip-checks",  # the deploy checks ran before; starts faster here
        ],
        cwd=ROOT,
        env=_worker_environment(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while time.monotonic() - started < 60 and state()[0] != "SUCCESSFUL":
            assert worker.poll() is None, worker.communicate()
            time.sleep(0.2)
        status, pdf = state()
        assert status == "SUCCESSFUL", worker.communicate(timeout=1)
        stored = Path(settings.MEDIA_ROOT) / pdf
        assert stored.read_bytes()[:5] == b"%PDF-"
        done = time.monotonic() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            _out, err = worker.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            raise
    assert worker.returncode == 0, err
    assert "Traceback" not in err
    print(f"worker rendered the queued certificate in {done:.1f} s after starting")
