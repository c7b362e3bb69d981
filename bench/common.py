"""Shared set-up of the benchmarks: a throw-away SQLite database and media folder for the
embedded benches; for those that run against PostgreSQL, a throw-away database and one
published course whose module holds a single-choice assessment."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The benches use the project's packages and the load tools of tests/ (tests/exam_load.py,
# tests/topology.py), shared with the suite.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def throwaway_sqlite_django(prefix: str) -> Path:
    """Set Django up on a throw-away SQLite database and media folder (nothing of the dev
    database is touched), before anything reads the settings; the folder."""
    import tempfile

    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'db.sqlite3'}"
    os.environ["DJANGO_MEDIA_ROOT"] = str(work / "media")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return work


def production_env(db_url: str, host: str, static_name: str) -> dict[str, str]:
    """Production settings against ``db_url``, plain HTTP on ``host``, a fresh secret."""
    import secrets

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": host,
        "LMS_PUBLIC_URL": f"http://{host}",
        "DATABASE_URL": db_url,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_STATIC_ROOT": str(ROOT / "var" / static_name),
    }


def fresh_django(db_name: str, env: dict[str, str]) -> None:
    """Drop and create ``db_name``, set up Django with ``env``, migrate, collect static."""
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {db_name}")
        db.execute(f"CREATE DATABASE {db_name}")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def start_gunicorn(
    host: str, port: int, env: dict[str, str], workers: str, threads: str | None
) -> subprocess.Popen:
    """The app under gunicorn on host:port, answering once this returns: gthread workers
    with ``threads`` threads each, or with ``threads`` None the shipped configuration
    (deploy/gunicorn.conf.py: sync workers, as lms-app.service runs it)."""
    if threads is None:
        kind = ["--config", str(ROOT / "deploy" / "gunicorn.conf.py")]
    else:
        kind = ["--worker-class", "gthread", "--threads", threads]
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lms.wsgi",
            *kind,
            "--bind",
            f"{host}:{port}",
            "--workers",
            workers,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection(host, port, timeout=1).request("GET", "/")
            break
        except OSError:
            time.sleep(0.2)
    return server
