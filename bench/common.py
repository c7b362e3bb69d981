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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


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


def bench_course(questions: int, **assessment_options: Any) -> tuple[Any, Any]:
    """A published course with one module holding an assessment that draws ``questions``
    single-choice questions (the right option is always "b"). Returns (course, page)."""
    from assessments.models import AssessmentPage, DrawRule, Question, QuestionBank
    from assessments.services import question_version_save
    from courses.models import CourseIndexPage, CoursePage, ModulePage
    from lms.home.models import HomePage
    from lms.home.seed import seed_demo as seed_home

    with open(os.devnull, "w") as quiet:
        seed_home(stdout=quiet)
    home = HomePage.objects.get(locale__language_code="en")
    index = CourseIndexPage(title="Courses", slug="courses")
    home.add_child(instance=index)
    course = CoursePage(title="Bench", slug="bench", summary="x", track="illicit_trade")
    index.add_child(instance=course)
    module = ModulePage(title="M", slug="m")
    course.add_child(instance=module)
    bank = QuestionBank.objects.create(title="Bench bank")
    for number in range(questions):
        question = Question.objects.create(bank=bank, uid=f"q{number}")
        question_version_save(
            actor=None,
            question=question,
            qtype="single_choice",
            data={"options": [{"id": i} for i in "abcd"], "correct": "b"},
            texts={
                "en": {
                    "stem": f"<p>Question {number}</p>",
                    "options": {i: {"text": f"Option {i}"} for i in "abcd"},
                }
            },
        )
    page = AssessmentPage(title="Exam", slug="exam", pass_mark=50, **assessment_options)
    page.draw_rules = [DrawRule(bank=bank, count=questions)]
    module.add_child(instance=page)
    for item in (index, course, module, page):
        item.save_revision().publish()
    return course, page


def start_gunicorn(
    host: str, port: int, env: dict[str, str], workers: str, threads: str
) -> subprocess.Popen:
    """The app under gunicorn (gthread workers) on host:port, answering once this returns."""
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lms.wsgi",
            "--bind",
            f"{host}:{port}",
            "--workers",
            workers,
            "--worker-class",
            "gthread",
            "--threads",
            threads,
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
