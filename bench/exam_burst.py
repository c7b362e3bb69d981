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

Before the burst, the attempts are drawn ahead (assessments/preparation.py), as the
scheduled ``prepare_attempts`` does for an assessment about to open, so Start only copies
a prepared draw; BENCH_PREPARE=0 leaves that out (every Start draws, as before).

Before the gun, each officer has the assessment's page open (where the Start button is),
as officers waiting for an exam to open do: their session, preferences and the pages'
cache are warm, as they are in a real exam room. BENCH_VISIT=0 leaves that out (every
officer's first request is Start).

The app runs as shipped: gunicorn with deploy/gunicorn.conf.py (sync workers, two here:
one per core). BENCH_THREADS=N runs gthread workers with N threads each instead.

Options: BENCH_OFFICERS (default 300), BENCH_QUESTIONS (40), BENCH_WORKERS (2),
BENCH_THREADS (none), BENCH_VISIT (1), BENCH_START_SPREAD (0: every officer presses Start
at the same instant; 1: each at a random moment of the same second), BENCH_CLIENTS, BENCH_THINK_MIN,
BENCH_THINK_MAX, BENCH_DB (the throw-away database's name, default customs_lms_bench),
BENCH_PORT (8765), BENCH_REDIS_URL (the shared cache, default redis://127.0.0.1:6379/9;
empty for none).

Besides each request kind, "opened" is what an officer waits from pressing Start to having
the attempt page: the Start request and the page's.
"""

from __future__ import annotations

import os
import random
import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import fresh_django, production_env, start_gunicorn

from tests.exam_load import Load, Target, exam_course, officer_run, send, signed_in

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_DB", "customs_lms_bench")
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8765"))
OFFICERS = int(os.environ.get("BENCH_OFFICERS", "300"))
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "40"))
WARMUP = 12  # officers who take the exam before the burst, unmeasured: warms every worker
PREPARE = os.environ.get("BENCH_PREPARE", "1") != "0"
SPREAD = float(os.environ.get("BENCH_START_SPREAD", "0"))
VISIT = os.environ.get("BENCH_VISIT", "1") != "0"
THINK_MIN = float(os.environ.get("BENCH_THINK_MIN", "2"))
THINK_MAX = float(os.environ.get("BENCH_THINK_MAX", "6"))
PACED = THINK_MAX > 0
CLIENTS = int(os.environ.get("BENCH_CLIENTS", str(OFFICERS if PACED else 100)))
ENV = production_env(DB_URL, HOST, "bench-static")
# Several workers share one cache, as production requires (check --deploy, lms.E201): the
# page cache, sessions' preferences, throttles. BENCH_REDIS_URL= (empty) leaves it out.
if redis_url := os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"):
    ENV["REDIS_URL"] = redis_url


def prepare() -> tuple[int, list[tuple[str, str]]]:
    """Fresh database, one course with a 40-question assessment, officers with sessions."""
    fresh_django(DB_NAME, ENV)
    from courses.services import enrolment_create
    from lms.accounts.models import Administration, User
    from lms.accounts.roles import Role
    from lms.accounts.services import user_set_roles

    course, page = exam_course(QUESTIONS, time_limit_minutes=60)
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
        sessions.append(signed_in(user))
    return page.pk, sessions


def press_start() -> None:
    """With BENCH_START_SPREAD, each officer presses Start at a moment of their own within
    that many seconds after the starting gun (the same second: 1), rather than all at
    the very same instant."""
    if SPREAD:
        time.sleep(random.uniform(0, SPREAD))  # noqa: S311


def think() -> None:
    if PACED:
        time.sleep(random.uniform(min(THINK_MIN, THINK_MAX), THINK_MAX))  # noqa: S311


def main() -> None:
    page_id, sessions = prepare()
    from assessments.models import Attempt, Response

    workers = os.environ.get("BENCH_WORKERS", "2")
    threads = os.environ.get("BENCH_THREADS") or None
    server = start_gunicorn(HOST, PORT, ENV, workers, threads)
    try:
        target = Target(PORT, HOST, HOST)
        with ThreadPoolExecutor(max_workers=4) as pool:  # imports, templates, connections
            for session in sessions[OFFICERS:]:
                pool.submit(officer_run, target, Load(), page_id, session, questions=QUESTIONS)
        sessions = sessions[:OFFICERS]
        prepared, prepare_seconds = 0, 0.0
        if PREPARE:
            from assessments.models import AssessmentPage
            from assessments.preparation import attempts_prepare

            began = time.perf_counter()
            prepared = attempts_prepare(assessment=AssessmentPage.objects.get(pk=page_id))
            prepare_seconds = time.perf_counter() - began
        warm_attempts = set(Attempt.objects.values_list("pk", flat=True))
        if VISIT:  # the officers have the assessment's page open, waiting for the gun
            from assessments.models import AssessmentPage

            url = AssessmentPage.objects.get(pk=page_id).url
            with ThreadPoolExecutor(max_workers=8) as pool:
                for session in sessions:
                    pool.submit(send, target, Load(), "visit", "GET", url, session)
        load = Load()
        # Paced: every officer presses "Start" at the same moment.
        starting_gun = threading.Barrier(len(sessions)) if len(sessions) <= CLIENTS else None
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            for session in sessions:
                pool.submit(
                    officer_run,
                    target,
                    load,
                    page_id,
                    session,
                    questions=QUESTIONS,
                    think=think,
                    starting_gun=starting_gun,
                    before_start=press_start,
                )
        elapsed = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    total = load.requests
    model = (
        f"paced, Start pressed within {SPREAD:g} s, think time {THINK_MIN:g}-{THINK_MAX:g} s "
        "per question"
        if PACED
        else "flat out, no think time"
    )
    print(
        f"officers {OFFICERS}, questions {QUESTIONS}, {model}, client threads {CLIENTS}, "
        f"gunicorn {workers} "
        + (f"gthread workers x {threads} threads" if threads else "sync workers (deploy/)")
        + f", PostgreSQL; assessment page open before the gun: {'yes' if VISIT else 'no'}"
    )
    print(
        f"attempts drawn ahead: {prepared} in {prepare_seconds:.1f} s"
        if PREPARE
        else "attempts drawn at Start (BENCH_PREPARE=0)"
    )
    print(
        f"requests {total} in {elapsed:.1f} s: {total / elapsed:.0f} requests/s "
        f"(load generator used {client_cpu:.1f} s of CPU on the same 2 cores)"
    )
    for line in load.summary():
        print(line)
    measured = Attempt.objects.exclude(pk__in=warm_attempts)
    submitted = measured.filter(status="submitted").count()
    answered = Response.objects.filter(attempt__in=measured, answer__isnull=False).count()
    print(
        f"attempts {measured.count()} (submitted {submitted}); answers stored "
        f"{answered} of {OFFICERS * QUESTIONS} expected; "
        f"lost {OFFICERS * QUESTIONS - answered}"
    )
    for kind, messages in load.errors.items():
        for _, message in messages[:3]:
            print(f"  {kind} error: {message}")


if __name__ == "__main__":
    main()
