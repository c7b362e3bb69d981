"""Tracking bench: what the manager's pages cost for an administration of 50,000 officers,
compared with the floor, one hand-written SQL statement that computes the same key figures.

Run with ``make bench-tracking`` (PostgreSQL at 127.0.0.1:5432 with trust auth). It uses a
dedicated database ``customs_lms_bench_tracking``: when it already holds the synthetic
dataset of the asked size it is reused (building it takes a few minutes); otherwise it is
dropped and rebuilt: migrate, ``seed_demo``, then ``bench_dataset --officers N`` (half of
them in BENCH_BIGGEST), then VACUUM ANALYZE.

Then, in this process with production settings, signed in as that administration's
manager through Django's test client (the whole middleware stack, no network), it times
each page several times (median and p95) and counts its queries:

- the dashboard (``tracking:dashboard``), the compliance matrix's first page
  (``tracking:matrix``) and a filtered one (``?status=expiring``);
- the full CSV export (``tracking:matrix_export``, the whole streamed body read);
- one page of ``/api/v1/officers/`` when the API has it.

A page whose route does not exist (yet) is reported as "not available". The selectors
behind those pages are timed directly as well, so that the figures exist regardless.
Every time is also given as a ratio to the floor. A selector slower than one second gets
the EXPLAIN ANALYZE of its slowest query printed.

Options: BENCH_OFFICERS (default 100000), BENCH_BIGGEST (PER), BENCH_RUNS (7),
BENCH_EXPORT_RUNS (3), BENCH_REBUILD=1 (rebuild the dataset even if present).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import fresh_django, production_env

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "customs_lms_bench_tracking"
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
DB_URL = f"{SERVER_URL}/{DB_NAME}"
HOST = "127.0.0.1"
OFFICERS = int(os.environ.get("BENCH_OFFICERS", "100000"))
BIGGEST = os.environ.get("BENCH_BIGGEST", "PER").upper()
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
EXPORT_RUNS = int(os.environ.get("BENCH_EXPORT_RUNS", "3"))
REBUILD = os.environ.get("BENCH_REBUILD", "") == "1"
SLOW_MS = 1000.0
WORK_DIR = ROOT / "var" / "bench-tracking"  # media and keys that go with the database
ENV = {
    **production_env(DB_URL, HOST, "bench-tracking-static"),
    "DJANGO_MEDIA_ROOT": str(WORK_DIR / "media"),
    "LMS_CREDENTIAL_KEY_FILE": str(WORK_DIR / "credential-key.pem"),
}

# The floor: the dashboard's key figures (lms.tracking.selectors.key_figures, with the
# certificate figures of programme_coverage) in one statement, written by hand.
FLOOR_SQL = """
WITH officer AS (
    SELECT u.id, u.last_login
    FROM accounts_user u
    JOIN accounts_user_groups ug ON ug.user_id = u.id
    JOIN auth_group g ON g.id = ug.group_id AND g.name = 'Officers'
    WHERE u.administration_id = %(administration)s AND u.is_active
),
programme AS (
    SELECT id FROM certificates_programme
    WHERE is_active AND (administration_id IS NULL OR administration_id = %(administration)s)
),
latest AS (
    SELECT c.expires_at
    FROM certificates_certificate c
    JOIN accounts_user u ON u.id = c.holder_id
    WHERE u.administration_id = %(administration)s AND u.is_active
      AND c.programme_id IN (SELECT id FROM programme)
      AND c.revoked_at IS NULL AND c.superseded_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM certificates_certificate later
          WHERE later.holder_id = c.holder_id AND later.programme_id = c.programme_id
            AND later.cycle > c.cycle AND later.revoked_at IS NULL)
)
SELECT
    (SELECT count(*) FROM officer) AS officers,
    (SELECT count(*) FROM officer o
     WHERE o.last_login >= %(since)s
        OR EXISTS (SELECT 1 FROM courses_enrolment e
                   WHERE e.user_id = o.id AND e.last_activity_at >= %(since)s)) AS active,
    learning.enrolments,
    learning.completions,
    certificates.valid_certificates,
    certificates.expiring_certificates,
    certificates.expired_certificates,
    (SELECT count(*) FROM tracking_officerassignment
     WHERE administration_id = %(administration)s AND completed_at IS NULL
       AND due_on < %(today)s) AS overdue_assignments
FROM (
    SELECT count(*) AS enrolments,
           count(*) FILTER (WHERE e.status = 'completed') AS completions
    FROM courses_enrolment e
    JOIN accounts_user u ON u.id = e.user_id
    WHERE u.administration_id = %(administration)s AND u.is_active
) AS learning,
(
    SELECT count(*) FILTER (WHERE expires_at IS NULL OR expires_at > %(now)s)
               AS valid_certificates,
           count(*) FILTER (WHERE expires_at > %(now)s AND expires_at <= %(horizon)s)
               AS expiring_certificates,
           count(*) FILTER (WHERE expires_at <= %(now)s) AS expired_certificates
    FROM latest
) AS certificates
"""


# --- set-up ---------------------------------------------------------------------------------


def postgres_answers() -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{SERVER_URL}/postgres", connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def dataset_in_place() -> tuple[int, int] | None:
    """(synthetic officers, those of BIGGEST) in the bench database, if it exists."""
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            return None
    try:
        with psycopg.connect(DB_URL) as db:
            row = db.execute(
                """
                SELECT count(*), count(*) FILTER (WHERE a.code = %s)
                FROM accounts_user u
                JOIN accounts_administration a ON a.id = u.administration_id
                JOIN accounts_user_groups ug ON ug.user_id = u.id
                JOIN auth_group g ON g.id = ug.group_id AND g.name = 'Officers'
                WHERE u.username LIKE 'bench-%%'
                """,
                [BIGGEST],
            ).fetchone()
    except psycopg.Error:
        return None
    return (row[0], row[1]) if row else None


def prepare() -> None:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    found = None if REBUILD else dataset_in_place()
    if found == (OFFICERS, OFFICERS // 2):
        print(f"Reusing the dataset in {DB_NAME}: {found[0]} officers, {found[1]} in {BIGGEST}")
        os.environ.update(ENV)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        return
    print(f"Building the dataset in {DB_NAME} ({OFFICERS} officers, half in {BIGGEST})")
    started = time.perf_counter()
    fresh_django(DB_NAME, ENV)
    from django.core.management import call_command
    from django.db import connection

    print(f"  migrate and collectstatic: {time.perf_counter() - started:.0f} s")
    step = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    print(f"  seed_demo: {time.perf_counter() - step:.0f} s")
    step = time.perf_counter()
    call_command("bench_dataset", officers=OFFICERS, biggest=BIGGEST, verbosity=0)
    print(f"  bench_dataset --officers {OFFICERS}: {time.perf_counter() - step:.0f} s")
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE: {time.perf_counter() - step:.0f} s")


# --- measuring --------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Result:
    def __init__(self, name: str, timings: list[float], queries: int | None, note: str = ""):
        self.name = name
        self.timings = timings
        self.queries = queries
        self.note = note

    @property
    def median(self) -> float:
        return statistics.median(self.timings)

    def line(self, floor_ms: float) -> str:
        queries = f"{self.queries:3d} q" if self.queries is not None else "  ? q"
        return (
            f"  {self.name:<44} median {self.median:8.1f} ms  p95 "
            f"{percentile(self.timings, 0.95):8.1f} ms  {queries}  "
            f"x{self.median / floor_ms:6.1f} floor{('  ' + self.note) if self.note else ''}"
        )


def measure(name: str, call: Callable[[], Any], runs: int, warmup: int = 1) -> Result:
    """Time ``call`` ``runs`` times after ``warmup`` runs; count the queries of one run."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        call()
    reset_queries()
    with CaptureQueriesContext(connection) as context:
        note = call()
    queries = len(context.captured_queries)  # now: the log is a window that moves on
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return Result(name, timings, queries, note if isinstance(note, str) else "")


def slowest_query(call: Callable[[], Any]) -> tuple[float, str]:
    """The slowest SQL statement of one run of ``call`` (seconds, SQL)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as context:
        call()
    slowest = max(context.captured_queries, key=lambda q: float(q["time"]))
    return float(slowest["time"]), slowest["sql"]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(f"      {row[0]}" for row in cursor.fetchall())


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def url_for(name: str, **kwargs: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def main() -> None:
    if not postgres_answers():
        print(
            "The tracking bench needs PostgreSQL at 127.0.0.1:5432 (trust auth for the user "
            "'postgres'); nothing answers there. Run 'make postgres' or start a server.",
            file=sys.stderr,
        )
        sys.exit(2)
    prepare()
    run()


def run() -> None:
    import datetime as dt

    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from lms.accounts.models import User
    from lms.accounts.roles import Role
    from lms.tracking import selectors as s

    now = timezone.now()
    manager = (
        User.objects.filter(
            administration__code=BIGGEST,
            is_active=True,
            groups__name=Role.ADMINISTRATION_MANAGER.value,
        )
        .order_by("pk")
        .first()
    )
    administration = s.access_tracked_administration(manager, BIGGEST)
    columns = s.programme_columns(administration)
    officer_count = s.officers_of(administration).count()
    print(
        f"\n{BIGGEST}: {officer_count} active officers, {len(columns)} programmes; "
        f"{User.objects.filter(username__startswith='bench-').count()} synthetic users in all; "
        f"PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} CPUs; signed in as "
        f"{manager.username}; {RUNS} runs per figure ({EXPORT_RUNS} for the export); "
        f"load average {load_average()}"
    )

    # The floor.
    params = {
        "administration": administration.pk,
        "now": now,
        "since": now - dt.timedelta(days=s.ACTIVE_DAYS),
        "horizon": now + dt.timedelta(days=s.EXPIRING_DAYS),
        "today": timezone.localdate(now),
    }
    floor_row: dict[str, int] = {}

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, params)
            names = [column.name for column in cursor.description]
            floor_row.update(zip(names, cursor.fetchone(), strict=True))

    floor_result = measure("floor: one SQL statement", floor, RUNS)
    floor_ms = floor_result.median
    coverage = s.programme_coverage(administration, columns, officer_count=officer_count, now=now)
    figures = s.key_figures(administration, coverage, now=now)
    same = all(floor_row[name] == getattr(figures, name) for name in floor_row)
    print("\nKey figures (floor SQL; key_figures + programme_coverage agree: " + str(same) + ")")
    for name, value in floor_row.items():
        selector_value = getattr(figures, name)
        mark = "" if value == selector_value else f"  (selectors: {selector_value})"
        print(f"  {name:<24} {value:>9}{mark}")

    # The selectors, directly.
    results = [floor_result]

    def coverage_and_figures() -> None:
        found = s.programme_coverage(administration, columns, officer_count=officer_count)
        s.key_figures(administration, found)

    def matrix_page(filters: s.MatrixFilters) -> Callable[[], str]:
        def call() -> str:
            officers = s.compliance_matrix(administration, columns, filters)
            page = Paginator(officers, 50).get_page(1)
            rows = s.matrix_rows(page.object_list, columns)
            return f"{len(rows)} rows of {page.paginator.count}"

        return call

    selector_calls: list[tuple[str, Callable[[], Any]]] = [
        ("programme_columns", lambda: s.programme_columns(administration)),
        ("officers_of(...).count()", lambda: s.officers_of(administration).count()),
        (
            "programme_coverage",
            lambda: s.programme_coverage(administration, columns, officer_count=officer_count),
        ),
        ("key_figures", lambda: s.key_figures(administration, coverage)),
        ("programme_coverage + key_figures", coverage_and_figures),
        ("unit_coverage", lambda: s.unit_coverage(administration, columns)),
        ("completions_per_month (12)", lambda: s.completions_per_month(administration)),
        ("compliance_matrix p.1 + matrix_rows", matrix_page(s.MatrixFilters())),
        (
            "compliance_matrix ?status=expiring p.1 + rows",
            matrix_page(s.MatrixFilters(status=s.Status.EXPIRING)),
        ),
    ]
    slow: list[tuple[str, Callable[[], Any]]] = []  # selectors slower than SLOW_MS
    again: list[tuple[str, Callable[[], Any], int]] = []  # anything slower than SLOW_MS
    print("\nSelectors (called directly)")
    print(floor_result.line(floor_ms))
    for name, call in selector_calls:
        result = measure(name, call, RUNS)
        results.append(result)
        print(result.line(floor_ms))
        if result.median > SLOW_MS:
            slow.append((name, call))
            again.append((name, call, RUNS))

    # The pages, through the whole stack.
    client = Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    # A manager's session has proven a second factor (lms/mfa): a TOTP app, as the
    # browser test's manager proves it; the pages then cost what they cost every day.
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(user=manager, name="bench")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    def page(url: str) -> Callable[[], str]:
        def call() -> str:
            response = client.get(url)
            assert response.status_code == 200, f"{url}: {response.status_code}"
            return f"{len(response.content) / 1024:.0f} KiB"

        return call

    def export(url: str) -> Callable[[], str]:
        def call() -> str:
            response = client.get(url)
            assert response.status_code == 200, f"{url}: {response.status_code}"
            size = rows = 0
            chunks = response.streaming_content if response.streaming else [response.content]
            for chunk in chunks:
                size += len(chunk)
                rows += chunk.count(b"\n")
            response.close()
            return f"{rows - 1} rows, {size / 1e6:.1f} MB"

        return call

    code = administration.code
    pages: list[tuple[str, str | None, Callable[[str], Callable[[], str]], int]] = [
        ("dashboard", url_for("tracking:dashboard", code=code), page, RUNS),
        ("matrix, first page", url_for("tracking:matrix", code=code), page, RUNS),
    ]
    matrix_url = url_for("tracking:matrix", code=code)
    pages.append(
        (
            "matrix ?status=expiring",
            f"{matrix_url}?status=expiring" if matrix_url else None,
            page,
            RUNS,
        )
    )
    pages.append(
        (
            "matrix export, CSV (whole body)",
            url_for("tracking:matrix_export", code=code, fmt="csv"),
            export,
            EXPORT_RUNS,
        )
    )
    print("\nPages (Django test client, production settings, signed in as the manager)")
    for name, url, kind, runs in pages:
        if url is None:
            print(f"  {name:<44} not available (no route yet)")
            continue
        try:
            result = measure(name, kind(url), runs)
        except Exception as error:  # a page being built by others may fail: report it
            print(f"  {name:<44} failed: {error!r}")
            continue
        results.append(result)
        print(result.line(floor_ms))
        if result.median > SLOW_MS:
            again.append((name, kind(url), runs))
    api_page(client, manager, administration, floor_ms)

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    if again and jit == "on":
        # PostgreSQL compiles the big matrix statements (one CASE of EXISTS per programme)
        # with its JIT, which can cost more than running them: the same without it.
        print("\nThe same with PostgreSQL's JIT off for the session (SET jit = off)")
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        floor_off = measure("floor: one SQL statement", floor, RUNS)
        print(floor_off.line(floor_off.median))
        for name, call, runs in again:
            print(measure(name, call, runs).line(floor_off.median))
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")

    print(f"\n(load average at the end: {load_average()})")
    for name, call in slow:
        seconds, sql = slowest_query(call)
        print(
            f"\nSlow selector {name}: its slowest query took {seconds * 1000:.0f} ms "
            f"(jit {jit}); EXPLAIN (ANALYZE, BUFFERS):"
        )
        print(f"    {sql[:1500]}{' ...' if len(sql) > 1500 else ''}")
        print(explain(sql))


def api_page(client: Any, manager: Any, administration: Any, floor_ms: float) -> None:
    from django.urls import Resolver404, resolve

    path = "/api/v1/officers/"
    name = "API /api/v1/officers/ (first page)"
    try:
        resolve(path)
    except Resolver404:
        print(f"  {name:<44} not available (no route yet)")
        return
    headers: dict[str, str] = {}
    if client.get(path).status_code != 200:
        try:
            from lms.api.services import api_token_create

            _token, secret = api_token_create(
                actor=manager,
                administration=administration,
                name="bench",
                scopes="read",
                expires_in_days=1,
            )
            headers = {"Authorization": f"Bearer {secret}"}
        except Exception as error:  # the API is being built by others
            print(f"  {name:<44} not available ({error!r})")
            return

    def call() -> str:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        return f"{len(response.content) / 1024:.0f} KiB"

    try:
        print(measure(name, call, RUNS).line(floor_ms))
    except Exception as error:  # the API is being built by others: report it
        print(f"  {name:<44} failed: {error!r}")


if __name__ == "__main__":
    main()
