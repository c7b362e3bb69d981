"""Exam burst: N officers start the same 40-question assessment at once, each autosaves
40 answers and submits, against the app under gunicorn on PostgreSQL.

Run with ``make bench-exam`` (PostgreSQL at 127.0.0.1:5432 with trust auth). It builds a
throw-away database ``customs_lms_bench``, starts gunicorn on 127.0.0.1 (gthread workers),
drives the burst from threads in this process, and prints requests per second, p50/p95/
p99 latency per request kind, errors, and whether any answer was lost.

Two load models:

- paced (default): every officer is a concurrent client of its own. All press "Start" at
  the same moment, then answer each question after a think time drawn between
  BENCH_THINK_MIN and BENCH_THINK_MAX seconds (default 2 to 6: a 40-question exam in
  under three minutes, some ten times faster than people read), autosaving each answer,
  and submit after the last one.
- flat out (BENCH_THINK_MAX=0): BENCH_CLIENTS threads (default 100) run the officers back
  to back with no think time at all; a saturation test of the machine.

Options: BENCH_OFFICERS (default 300), BENCH_QUESTIONS (40), BENCH_WORKERS (3),
BENCH_THREADS (4), BENCH_CLIENTS, BENCH_THINK_MIN, BENCH_THINK_MAX, BENCH_DB (the throw-away
database's name, default customs_lms_bench), BENCH_PORT (8765).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import resource
import secrets
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import bench_course, fresh_django, production_env, start_gunicorn

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_DB", "customs_lms_bench")
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8765"))
OFFICERS = int(os.environ.get("BENCH_OFFICERS", "300"))
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "40"))
WARMUP = 12  # officers who take the exam before the burst, unmeasured: warms every worker
THINK_MIN = float(os.environ.get("BENCH_THINK_MIN", "2"))
THINK_MAX = float(os.environ.get("BENCH_THINK_MAX", "6"))
PACED = THINK_MAX > 0
CLIENTS = int(os.environ.get("BENCH_CLIENTS", str(OFFICERS if PACED else 100)))
ENV = production_env(DB_URL, HOST, "bench-static")


def prepare() -> tuple[int, list[tuple[str, str]]]:
    """Fresh database, one course with a 40-question assessment, officers with sessions."""
    fresh_django(DB_NAME, ENV)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from courses.services import enrolment_create
    from lms.accounts.models import Administration, User
    from lms.accounts.roles import Role
    from lms.accounts.services import user_set_roles

    course, page = bench_course(QUESTIONS, time_limit_minutes=60)
    administration = Administration.objects.create(
        code="XBN", name="Bench", country="Bench", country_code="XB", official_languages=["en"]
    )
    sessions = []
    for number in range(OFFICERS + WARMUP):
        user = User.objects.create(
            username=f"bench{number}", administration=administration, preferred_language="en"
        )
        user_set_roles(actor=None, user=user, roles={Role.OFFICER})
        enrolment_create(actor=user, course=course)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "lms.accounts.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append((store.session_key, secrets.token_hex(16)))
    return page.pk, sessions


def request(kind, method, path, session, body=None, timings=None, errors=None):
    session_key, csrf = session
    headers = {
        "Host": HOST,
        "Cookie": f"__Host-lms_session={session_key}; __Host-lms_csrftoken={csrf}",
        "X-CSRFToken": csrf,
    }
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, PORT, timeout=120)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        status = response.status
        location = response.getheader("Location", "")
    except OSError as error:
        errors[kind].append(repr(error))
        return None, None, None
    finally:
        connection.close()
    timings[kind].append((time.perf_counter() - start) * 1000)
    if status >= 400:
        errors[kind].append(f"{status} {payload[:120]!r}")
    return status, location, payload


def think():
    if PACED:
        time.sleep(random.uniform(min(THINK_MIN, THINK_MAX), THINK_MAX))  # noqa: S311


def officer_run(page_id, session, timings, errors, starting_gun, paced=True):
    if starting_gun is not None:
        starting_gun.wait()
    status, location, _ = request(
        "start", "POST", f"/assessments/{page_id}/start/", session, None, timings, errors
    )
    if status != 302 or "/attempts/" not in location:
        errors["start"].append(f"unexpected {status} {location}")
        return
    attempt_id = int(location.rstrip("/").rsplit("/", 1)[-1])
    # The page names each option by the attempt's opaque token: read them as the page does.
    _status, _location, page = request(
        "page", "GET", f"/attempts/{attempt_id}/", session, None, timings, errors
    )
    choices = {
        int(position): token
        for position, token in re.findall(r'name="q(\d+)" value="([^"]+)"', (page or b"").decode())
    }
    for position in range(1, QUESTIONS + 1):
        if paced:
            think()
        request(
            "autosave",
            "POST",
            f"/attempts/{attempt_id}/answer/",
            session,
            {"position": position, "seq": 1, "answer": {"option": choices.get(position)}},
            timings,
            errors,
        )
    request("submit", "POST", f"/attempts/{attempt_id}/submit/", session, None, timings, errors)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    page_id, sessions = prepare()
    from assessments.models import Attempt, Response

    workers = os.environ.get("BENCH_WORKERS", "3")
    threads = os.environ.get("BENCH_THREADS", "4")
    server = start_gunicorn(HOST, PORT, ENV, workers, threads)
    try:
        warm_timings, warm_errors = defaultdict(list), defaultdict(list)
        with ThreadPoolExecutor(max_workers=4) as pool:  # imports, templates, connections
            for session in sessions[OFFICERS:]:
                pool.submit(officer_run, page_id, session, warm_timings, warm_errors, None, False)
        sessions = sessions[:OFFICERS]
        warm_attempts = set(Attempt.objects.values_list("pk", flat=True))
        timings, errors = defaultdict(list), defaultdict(list)
        # Paced: every officer presses "Start" at the same moment.
        starting_gun = threading.Barrier(len(sessions)) if len(sessions) <= CLIENTS else None
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            for session in sessions:
                pool.submit(officer_run, page_id, session, timings, errors, starting_gun)
        elapsed = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    total = sum(len(v) for v in timings.values())
    model = (
        f"paced, think time {THINK_MIN:g}-{THINK_MAX:g} s per question"
        if PACED
        else "flat out, no think time"
    )
    print(
        f"officers {OFFICERS}, questions {QUESTIONS}, {model}, client threads {CLIENTS}, "
        f"gunicorn {workers} workers x {threads} threads, PostgreSQL"
    )
    print(
        f"requests {total} in {elapsed:.1f} s: {total / elapsed:.0f} requests/s "
        f"(load generator used {client_cpu:.1f} s of CPU on the same 2 cores)"
    )
    for kind in ("start", "page", "autosave", "submit"):
        values = timings[kind]
        if values:
            print(
                f"{kind:9} n={len(values):6} p50 {percentile(values, 0.5):7.1f} ms  "
                f"p95 {percentile(values, 0.95):7.1f} ms  p99 {percentile(values, 0.99):7.1f} ms  "
                f"errors {len(errors[kind])}"
            )
    measured = Attempt.objects.exclude(pk__in=warm_attempts)
    submitted = measured.filter(status="submitted").count()
    answered = Response.objects.filter(attempt__in=measured, answer__isnull=False).count()
    print(
        f"attempts {measured.count()} (submitted {submitted}); answers stored "
        f"{answered} of {OFFICERS * QUESTIONS} expected; "
        f"lost {OFFICERS * QUESTIONS - answered}"
    )
    for kind, messages in errors.items():
        for message in messages[:3]:
            print(f"  {kind} error: {message}")


if __name__ == "__main__":
    main()
