"""SQLite under a classroom: concurrent xAPI statements and exam autosaves against the
development server that ``make run`` starts, before and after the SQLite options of
``lms/settings/base.py`` (IMMEDIATE transactions, a busy timeout, WAL).

Run with ``make bench-sqlite``. It builds a throw-away SQLite database (a course whose
module holds an H5P lesson and a single-choice exam; one officer per connection, each
enrolled, signed in and with an open attempt), then, for each mode and number of
connections, copies it, serves the copy with ``manage.py runserver`` (threaded, as
``make run``) and has every connection, one officer each, alternate an xAPI statement
(``/h5p/xapi/<slot>/``) and an autosave (``/attempts/<id>/answer/``) from threads in this
process, all starting at once. It prints per mode, connections and request kind: the
requests, the errors (5xx or no answer) and their share, p50 and p95 latency, the
"database is locked" lines the server logged, and whether every acknowledged write is in
the database.

Modes: ``before`` serves with Django's SQLite defaults (deferred transactions, Python's
5 s timeout, the rollback journal), which a settings module of this bench only sets;
``after`` serves with the project's settings unchanged.

Options: BENCH_MODES (``before,after``), BENCH_CONNECTIONS (``4,8``), BENCH_REQUESTS
(requests per connection, half of each kind; 120), BENCH_QUESTIONS (10), BENCH_PORT (8766).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from common import ROOT, throwaway_sqlite_django

from tests.exam_load import exam_course

MODES = os.environ.get("BENCH_MODES", "before,after").split(",")
CONNECTIONS = [int(n) for n in os.environ.get("BENCH_CONNECTIONS", "4,8").split(",")]
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "120"))
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "10"))
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8766"))
# The settings module of each mode: "after" is the project's, unchanged.
SETTINGS = {
    "before": (
        "from lms.settings.dev import *  # noqa: F403\n"
        "# Django's SQLite defaults, as before lms/settings/base.py set its options.\n"
        'DATABASES["default"]["OPTIONS"] = {}  # noqa: F405\n'
    ),
    "after": "from lms.settings.dev import *  # noqa: F403\n",
}
KNOWLEDGE_CHECK = {  # the project's own content type (courses/packages/h5p/library)
    "question": "<p>Which channel carries an operation's live messages?</p>",
    "multipleAnswers": False,
    "options": [
        {"text": "The seizure database", "correct": False, "feedback": "It stores seizures."},
        {"text": "The closed live channel", "correct": True, "feedback": "Yes."},
    ],
}
LIBRARY = "CustomsLms.KnowledgeCheck-1.0"


def prepare(officers: int) -> tuple[Path, int, list[dict[str, object]]]:
    """The template database: a course with an H5P lesson and an exam, and ``officers``
    officers signed in, enrolled, each with an open attempt. Returns (the database file,
    the H5P slot, the officers' session, CSRF token and attempt)."""
    work = throwaway_sqlite_django("lms-bench-sqlite-")
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db import connection

    from assessments.services import attempt_start
    from courses.models import LessonActivity, LessonPage
    from courses.packages.h5p.build import build_package
    from courses.packages.h5p.services import h5p_package_import
    from courses.services import enrolment_create
    from lms.accounts.models import Administration, User
    from lms.accounts.roles import Role
    from lms.accounts.services import user_set_roles

    call_command("migrate", verbosity=0)
    course, exam = exam_course(QUESTIONS)
    activity = h5p_package_import(
        actor=None,
        data=build_package(content=KNOWLEDGE_CHECK, title="Live channel", language="en"),
        title="Live channel",
    )
    lesson = LessonPage(
        title="Live channels",
        slug="live-channels",
        body=[
            {
                "type": "h5p",
                "value": {"activity": activity.pk, "required": True},
                "id": str(uuid.uuid4()),
            }
        ],
    )
    exam.get_parent().add_child(instance=lesson)
    lesson.save_revision().publish()
    slot = LessonActivity.objects.get(lesson=lesson)
    administration = Administration.objects.create(
        code="XSQ", name="Bench", country="Bench", country_code="XS", official_languages=["en"]
    )
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    people = []
    for number in range(officers):
        user = User.objects.create(
            username=f"officer{number}", administration=administration, preferred_language="en"
        )
        user_set_roles(actor=None, user=user, roles={Role.OFFICER})
        enrolment_create(actor=user, course=course)
        attempt = attempt_start(actor=user, assessment=exam)
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "lms.accounts.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        people.append(
            {"session": store.session_key, "csrf": secrets.token_hex(16), "attempt": attempt.pk}
        )
    database = Path(connection.settings_dict["NAME"])
    connection.close()
    # The template in the rollback journal: each mode chooses its own.
    with sqlite3.connect(database) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.execute("PRAGMA journal_mode=DELETE")
    for mode, text in SETTINGS.items():
        (work / f"bench_sqlite_{mode}.py").write_text(text)
    return database, slot.pk, people


def serve(mode: str, database: Path, log: Path) -> subprocess.Popen:
    """``manage.py runserver`` (as ``make run``, without the reloader) on ``database``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": f"bench_sqlite_{mode}",
        "PYTHONPATH": os.pathsep.join([str(database.parent), str(ROOT)]),
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_DEBUG": "false",
    }
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--skip-checks",
            f"{HOST}:{PORT}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection(HOST, PORT, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"the server did not answer: see {log}")


def call(person: dict[str, object], method: str, path: str, body: object = None):
    """(status, body, milliseconds); status None when no answer came."""
    headers = {
        "Cookie": f"sessionid={person['session']}; csrftoken={person['csrf']}",
        "X-CSRFToken": str(person["csrf"]),
    }
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, PORT, timeout=60)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        return response.status, payload, (time.perf_counter() - start) * 1000
    except OSError:
        return None, b"", (time.perf_counter() - start) * 1000
    finally:
        connection.close()


def statement() -> dict[str, Any]:
    """An xAPI statement as H5P core sends it when a question is answered."""
    activity = "http://127.0.0.1:8000/courses/bench/m/live-channels/#block"
    return {
        "id": str(uuid.uuid4()),
        "actor": {"name": "Officer", "mbox": "mailto:officer@example.org", "objectType": "Agent"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/answered",
            "display": {"en-US": "answered"},
        },
        "object": {
            "id": activity,
            "objectType": "Activity",
            "definition": {
                "extensions": {"http://h5p.org/x-api/h5p-local-content-id": "1"},
                "name": {"en-US": "Live channel"},
            },
        },
        "context": {
            "contextActivities": {
                "category": [
                    {
                        "id": f"http://h5p.org/libraries/{LIBRARY}",
                        "objectType": "Activity",
                    }
                ]
            }
        },
        "result": {
            "score": {"min": 0, "max": 1, "raw": 1, "scaled": 1},
            "completion": True,
            "success": True,
            "duration": "PT3.52S",
        },
    }


def officer_run(person, slot, start, timings, errors, acknowledged) -> None:
    """Read the attempt page (unmeasured), then alternate statements and autosaves. Every
    write the server acknowledges goes into ``acknowledged``: the statement's id, and the
    (attempt, position) with the sequence number saved."""
    _status, page, _ms = call(person, "GET", f"/attempts/{person['attempt']}/")
    choices = dict(re.findall(r'name="q(\d+)" value="([^"]+)"', page.decode()))
    start.wait()
    for number in range(REQUESTS):
        if number % 2 == 0:
            kind, path = "xapi", f"/h5p/xapi/{slot}/"
            body: dict[str, Any] = statement()
        else:
            kind, path = "autosave", f"/attempts/{person['attempt']}/answer/"
            position = (number // 2) % QUESTIONS + 1
            body = {
                "position": position,
                "seq": number // (2 * QUESTIONS) + 1,
                "answer": {"option": choices.get(str(position))},
            }
        status, payload, milliseconds = call(person, "POST", path, body)
        timings[kind].append(milliseconds)
        if status is None or status >= 500:
            errors[kind].append(f"{status} {payload[:80]!r}")
        elif status >= 400:
            errors[f"{kind} refused"].append(f"{status} {payload[:160]!r}")
        elif kind == "xapi" and json.loads(payload).get("stored"):
            acknowledged["xapi"].add(body["id"])
        elif kind == "autosave" and json.loads(payload).get("saved"):
            acknowledged["autosave"].add((person["attempt"], body["position"], body["seq"]))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def lost(database: Path, acknowledged: dict[str, set]) -> dict[str, int]:
    """Acknowledged writes the database does not hold: statements missing, answers whose
    stored sequence number is below one the server said it saved."""
    from django.db import connections

    from assessments.models import Response
    from courses.models.h5p import H5PStatement

    connections.settings["copy"] = {**connections.settings["default"], "NAME": str(database)}
    try:
        ids = {
            str(value)
            for value in H5PStatement.objects.using("copy").values_list("statement_id", flat=True)
        }
        seqs = {
            (attempt, position): seq
            for attempt, position, seq in Response.objects.using("copy").values_list(
                "attempt_id", "position", "seq"
            )
        }
    finally:
        connections["copy"].close()
        del connections["copy"]
        del connections.settings["copy"]
    return {
        "xapi": len(acknowledged["xapi"] - ids),
        "autosave": sum(
            1
            for attempt, position, seq in acknowledged["autosave"]
            if seqs.get((attempt, position), 0) < seq
        ),
    }


def run(mode, connections, template, slot, people) -> list[str]:
    database = template.parent / f"{mode}-{connections}.sqlite3"
    shutil.copyfile(template, database)
    log = template.parent / f"{mode}-{connections}.log"
    server = serve(mode, database, log)
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    acknowledged: dict[str, set] = defaultdict(set)
    start = threading.Barrier(connections)
    try:
        threads = [
            threading.Thread(
                target=officer_run,
                args=(person, slot, start, timings, errors, acknowledged),
            )
            for person in people[:connections]
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    locked = log.read_text(errors="replace").count("database is locked")
    missing = lost(database, acknowledged)
    lines = []
    for kind in ("xapi", "autosave"):
        values = timings[kind]
        failed = len(errors[kind])
        lines.append(
            f"{mode:6} {connections:5} {kind:9} {len(values):5} {failed:6} "
            f"{100 * failed / max(1, len(values)):6.1f} % {percentile(values, 0.5):8.1f} "
            f"{percentile(values, 0.95):8.1f}   acknowledged writes {len(acknowledged[kind]):4}, "
            f"lost {missing[kind]}"
        )
    lines.append(
        f"{'':6} {'':5} {len(timings['xapi']) + len(timings['autosave'])} requests in "
        f"{elapsed:.1f} s; 'database is locked' logged {locked} times"
    )
    for kind, messages in errors.items():
        for message in messages[:2]:
            lines.append(f"{'':6} {'':5} {kind} error: {message}")
    return lines


def main() -> None:
    template, slot, people = prepare(max(CONNECTIONS))
    print(
        f"SQLite under manage.py runserver (as make run), {REQUESTS} requests per connection, "
        f"half xAPI statements, half exam autosaves ({QUESTIONS} questions, each answer "
        "saved again in later rounds); 'before': Django's SQLite defaults, 'after': the "
        "project's options (IMMEDIATE, timeout, WAL)"
    )
    print("mode   conns kind       reqs errors   rate      p50 ms   p95 ms")
    for mode in MODES:
        for connections in CONNECTIONS:
            for line in run(mode, connections, template, slot, people):
                print(line, flush=True)
    shutil.rmtree(template.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
