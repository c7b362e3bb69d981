"""Certificates bench: what issuing a certificate costs with and without its PDF, and how
many verification requests per second the public page and the API answer.

Run with ``make bench-certificates`` (PostgreSQL at 127.0.0.1:5432 with trust auth). It
builds a throw-away database ``customs_lms_bench_certificates`` with one course, a short
final assessment and 2 x BENCH_OFFICERS officers who each passed it, then creates a
programme asking for that assessment and issues everyone's certificate through
``certificates_evaluate`` (the call a passed assessment makes):

- first half, PDF deferred: the render task goes to a queue (django-tasks' dummy backend,
  as a worker would take it), so the time is that of the evaluation and the issuance; the
  queued renders are then run one by one and timed, as the worker would run them;
- second half, PDF immediate: the render task runs when the issuing transaction commits
  (the immediate backend, the embedded default), so the time includes the PDF.

Then it starts gunicorn on 127.0.0.1 (gthread workers) against the same database and
measures GET ``/verify/<code>/`` (HTML) and GET ``/api/v1/certificates/verify/<code>/``
(JSON) for random issued codes, from BENCH_CLIENTS threads in this process, a new
connection per request: requests per second, p50/p95/p99 latency, errors. The ``verify``
throttle (one budget per client address, and every request here comes from 127.0.0.1) is
raised for the bench through LMS_VERIFY_RATE; it stays in the request path, with a
one-second window.

Options: BENCH_OFFICERS (default 200 per half), BENCH_REQUESTS (3000 per kind),
BENCH_CLIENTS (8), BENCH_WORKERS (3), BENCH_THREADS (4), BENCH_PORT (8766).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import fresh_django, production_env, start_gunicorn

from tests.exam_load import exam_course

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "customs_lms_bench_certificates"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8766"))
OFFICERS = int(os.environ.get("BENCH_OFFICERS", "200"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = os.environ.get("BENCH_WORKERS", "3")
THREADS = os.environ.get("BENCH_THREADS", "4")
QUESTIONS = 3
WORK_DIR = Path(tempfile.mkdtemp(prefix="lms-bench-certificates-"))
ENV = {
    **production_env(DB_URL, HOST, "bench-certificates-static"),
    "DJANGO_MEDIA_ROOT": str(WORK_DIR / "media"),
    "LMS_CREDENTIAL_KEY_FILE": str(WORK_DIR / "credential-key.pem"),
    "DJANGO_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    "LMS_TASKS_IMMEDIATE_ACCEPTED": "true",
    # Every request here comes from 127.0.0.1: one client, one budget. A one-second
    # window keeps the throttle in the request path without capping the figures.
    "LMS_VERIFY_RATE": "1000000/second",
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def figures(values: list[float]) -> str:
    return (
        f"mean {statistics.fmean(values):6.1f} ms  p50 {percentile(values, 0.5):6.1f} ms  "
        f"p95 {percentile(values, 0.95):6.1f} ms"
    )


def prepare() -> tuple[object, list, list]:
    """Fresh database; one course whose final assessment 2 x OFFICERS officers passed,
    through the same services as the assessment pages."""
    fresh_django(DB_NAME, ENV)
    from assessments import services as assessment_services
    from assessments.tokens import answer_for_browser
    from courses.services import enrolment_create
    from lms.accounts.models import Administration, User
    from lms.accounts.roles import Role
    from lms.accounts.services import user_set_roles

    course, page = exam_course(QUESTIONS, shuffle_questions=False)
    administrations = [
        Administration.objects.create(
            code=code,
            name=f"Bench {code}",
            country=code,
            country_code="XB",
            official_languages=[language],
        )
        for code, language in (("XBA", "en"), ("XBB", "es"))
    ]
    officers = []
    for number in range(2 * OFFICERS):
        administration = administrations[number % 2]
        user = User.objects.create(
            username=f"bench{number}",
            full_name=f"Bench Officer Number {number}",
            administration=administration,
            preferred_language=administration.official_languages[0],
        )
        user_set_roles(actor=None, user=user, roles={Role.OFFICER})
        enrolment_create(actor=user, course=course)
        attempt = assessment_services.attempt_start(actor=user, assessment=page)
        for response in attempt.responses.select_related("version"):
            assessment_services.response_save(
                actor=user,
                attempt_id=attempt.pk,
                position=response.position,
                seq=1,
                # as the attempt page sends it: in the attempt's tokens
                answer=answer_for_browser(
                    "single_choice", {"option": "b"}, response.option_order["tokens"]
                ),
            )
        assessment_services.attempt_submit(actor=user, attempt_id=attempt.pk)
        officers.append(user)
    return page, officers[:OFFICERS], officers[OFFICERS:]


def programme_for(page) -> object:
    """The programme, created after everyone passed (so nothing was issued yet)."""
    from certificates.models import Programme, ProgrammeRequirement, ProgrammeText

    programme = Programme.objects.create(
        code="bench", track="illicit_trade", validity_months=36, recert_window_days=90
    )
    for language, title in (("en", "Bench analyst"), ("es", "Analista de prueba")):
        ProgrammeText.objects.create(
            programme=programme,
            language=language,
            title=title,
            description="Red flags, concealment methods and the information networks.",
        )
    ProgrammeRequirement.objects.create(programme=programme, assessment=page, min_score=70)
    return programme


def timed(officers: list, evaluate: Callable) -> list[float]:
    timings = []
    for officer in officers:
        start = time.perf_counter()
        issued = evaluate(holder_id=officer.pk)
        timings.append((time.perf_counter() - start) * 1000)
        assert len(issued) == 1, f"{officer.username}: {issued}"
    return timings


def issuance(page, deferred_officers: list, immediate_officers: list) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from certificates.models import Certificate
    from certificates.services import certificate_render, certificates_evaluate

    programme_for(page)
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        deferred = timed(deferred_officers, certificates_evaluate)
        queued = list(
            Certificate.objects.filter(holder__in=deferred_officers).values_list("pk", flat=True)
        )
        assert not Certificate.objects.exclude(pdf="").exists()
    renders = []
    for pk in queued:  # what the worker then does, one task per certificate
        start = time.perf_counter()
        certificate_render(certificate_id=pk)
        renders.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as context:
        immediate = timed(immediate_officers[:1], certificates_evaluate)
    immediate += timed(immediate_officers[1:], certificates_evaluate)
    missing = Certificate.objects.filter(pdf="").count()
    sizes = [c.pdf.size for c in Certificate.objects.all()[:20]]
    print(
        f"issuance: {len(deferred) + len(immediate)} certificates, one per officer who passed "
        f"(certificates_evaluate), PostgreSQL, {os.cpu_count()} CPUs"
    )
    print(f"  PDF deferred to a worker  n={len(deferred):4}  {figures(deferred)}")
    print(f"  PDF rendered at commit    n={len(immediate):4}  {figures(immediate)}")
    print(f"  the worker's render alone n={len(renders):4}  {figures(renders)}")
    print(
        f"  queries for one issuance with its PDF: {len(context.captured_queries)}; "
        f"PDF size ~{statistics.fmean(sizes) / 1024:.0f} KiB; certificates without PDF: {missing}"
    )
    return list(Certificate.objects.values_list("code", flat=True))


def get(path: str, timings: list, errors: list, check: Callable[[int, bytes], bool]) -> None:
    start = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, PORT, timeout=60)
    try:
        connection.request("GET", path, headers={"Host": HOST, "Accept-Language": "en"})
        response = connection.getresponse()
        body = response.read()
    except OSError as error:
        errors.append(repr(error))
        return
    finally:
        connection.close()
    timings.append((time.perf_counter() - start) * 1000)
    if not check(response.status, body):
        errors.append(f"{response.status} {body[:120]!r}")


def html_ok(status: int, body: bytes) -> bool:
    return status == 200 and b"<html" in body[:2000].lower()


def json_ok(status: int, body: bytes) -> bool:
    return status == 200 and json.loads(body).get("status") == "valid"


def load(kind: str, paths: list[str], check: Callable[[int, bytes], bool]) -> None:
    for path in paths[:20]:  # warm every worker up
        get(path, [], [], check)
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = iter(paths)

    def client() -> None:
        while True:
            with lock:
                path = next(queue, None)
            if path is None:
                return
            get(path, timings, errors, check)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for _ in range(CLIENTS):
            pool.submit(client)
    elapsed = time.perf_counter() - started
    print(
        f"  {kind:5} n={len(timings):5}  {len(timings) / elapsed:6.0f} requests/s  "
        f"p50 {percentile(timings, 0.5):6.1f} ms  p95 {percentile(timings, 0.95):6.1f} ms  "
        f"p99 {percentile(timings, 0.99):6.1f} ms  errors {len(errors)}"
    )
    for message in errors[:3]:
        print(f"    error: {message}")


def verification(codes: list[str]) -> None:
    from certificates import codes as code_format

    server = start_gunicorn(HOST, PORT, ENV, WORKERS, THREADS)
    try:
        rng = random.Random(2026)  # noqa: S311 - picking codes
        shown = [code_format.display(code) for code in codes]
        picks = [rng.choice(shown) for _ in range(REQUESTS)]
        print(
            f"verification: {REQUESTS} requests per kind for random codes of {len(codes)} "
            f"certificates, {CLIENTS} client threads (same machine), gunicorn {WORKERS} "
            f"workers x {THREADS} threads, PostgreSQL, a new connection per request"
        )
        load("html", [f"/verify/{code}/" for code in picks], html_ok)
        load("json", [f"/api/v1/certificates/verify/{code}/" for code in picks], json_ok)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    try:
        page, deferred_officers, immediate_officers = prepare()
        codes = issuance(page, deferred_officers, immediate_officers)
        verification(codes)
    finally:
        shutil.rmtree(WORK_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
