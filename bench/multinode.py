"""Multi-node exam: the published Moodle exam load model on a topology standing for
several machines, with a machine failing, a Redis restart, a scale out and an upgrade
mid-run (issue 15; tests/test_multinode.py runs it in small and asserts the same).

Run with ``make bench-multinode`` (PostgreSQL at 127.0.0.1:5432 with trust auth, and
nginx, redis-server and SeaweedFS as for the suite). It builds a throw-away database
``customs_lms_bench_multinode`` (migrated, static files collected), a course whose
assessment a programme requires and BENCH_OFFICERS signed-in officers, then starts
(tests/topology.py) nginx with deploy/nginx/ (TLS with a throw-away certificate),
BENCH_INSTANCES app instances (gunicorn with deploy/gunicorn.conf.py, production
settings, each on a loopback address of its own), the task worker, Redis and SeaweedFS.

Every officer presses Start at the same moment, then thinks 30 to 90 s per question (the
published model) times BENCH_TIME_SCALE, autosaves each answer and submits; every fourth
officer answers wrong and fails. Meanwhile, at fixed shares of the expected exam time:
one app instance is killed (SIGKILL to its process group), Redis is stopped for
BENCH_OUTAGE seconds and started again empty, one instance is added (the README's
"Scale out"), and, side by side with those, the README's "Upgrade with migrations" runs
command by command (gunicorn reloaded with SIGHUP one instance at a time).

It prints requests per second, p50/p95/p99 per request kind, errors, the recovery time
after the kill and after the Redis restart (from the event to the last failed request),
the CPU time of each process kind per request, the load average, and the checks: no
acknowledged answer lost, every submitted attempt graded once, every certificate due
issued with its PDF in the bucket, the verification limit (LMS_VERIFY_RATE) held across
the instances before, during and after the Redis outage.

Options: BENCH_OFFICERS (40), BENCH_QUESTIONS (30), BENCH_TIME_SCALE (0.05: 1.5 to 4.5 s
per question), BENCH_INSTANCES (2), BENCH_WEB_CONCURRENCY (2 workers per instance),
BENCH_OUTAGE (5 s), BENCH_DB (customs_lms_bench_multinode).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from common import ROOT, fresh_django, production_env

from tests.exam_load import REQUEST_KINDS, percentile
from tests.multinode_run import (
    THINK_SECONDS,
    VERIFY_RATE,
    check,
    kill_instance,
    lookups,
    lookups_after_restart,
    prepare_exam,
    redis_restart,
    run_exam,
    scale_out,
    topology_env,
    upgrade,
)
from tests.topology import (
    SITE,
    Topology,
    cpu_seconds,
    instance_cpu,
    postgres_cpu,
    worker_pids,
)

DB_NAME = os.environ.get("BENCH_DB", "customs_lms_bench_multinode")
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
OFFICERS = int(os.environ.get("BENCH_OFFICERS", "40"))
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "30"))
TIME_SCALE = float(os.environ.get("BENCH_TIME_SCALE", "0.05"))
INSTANCES = int(os.environ.get("BENCH_INSTANCES", "2"))
WEB_CONCURRENCY = int(os.environ.get("BENCH_WEB_CONCURRENCY", "2"))
OUTAGE = float(os.environ.get("BENCH_OUTAGE", "5"))
STEADY = 0.3  # the share of the expected exam time before the first event
BURST = 0.1  # by then every officer has started and read the attempt page
STATIC = ROOT / "var" / "bench-multinode-static"


def process_cpu(pid: int) -> float:
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in worker_pids(pid))


def main() -> None:
    env = {**production_env(DB_URL, SITE, STATIC.name), **topology_env()}
    fresh_django(DB_NAME, env)
    exam = prepare_exam(OFFICERS, QUESTIONS)
    expected = QUESTIONS * sum(THINK_SECONDS) / 2 * TIME_SCALE  # the mean exam time
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-multinode-"))
    topology = Topology(
        folder,
        DB_URL,
        instances=INSTANCES,
        web_concurrency=WEB_CONCURRENCY,
        extra_env={**topology_env(), "DJANGO_STATIC_ROOT": str(STATIC)},
    )
    cpu: dict[str, float] = {}
    apps: dict[str, float] = {}
    after: list[int] = []
    try:
        topology.start()
        before = lookups(topology, "127.0.1.1", 2 * VERIFY_RATE)
        killed = topology.apps[-1]
        kill = kill_instance(topology, len(topology.apps) - 1)

        def kill_and_count(run) -> None:
            apps["killed instance, until killed"] = instance_cpu(killed)
            kill(run)

        # One lane: the events in turn (an offset already past runs at once); and the
        # upgrade side by side with them.
        # (time, app CPU, load average, PostgreSQL CPU)
        samples: list[tuple[float, float, float, float]] = []

        def app_cpu() -> float:
            return sum(instance_cpu(app) for app in topology.apps if app.process.alive)

        def sample(run) -> None:
            samples.append((time.monotonic(), app_cpu(), os.getloadavg()[0], postgres_cpu()))

        load_before = os.getloadavg()
        samples.append((0.0, app_cpu(), load_before[0], postgres_cpu()))
        run = run_exam(
            topology,
            exam,
            questions=QUESTIONS,
            time_scale=TIME_SCALE,
            lanes=[
                [
                    (BURST * expected, "sample after the start", sample),
                    (STEADY * expected, "steady sample", sample),
                    (STEADY * expected, "kill", kill_and_count),
                    ((STEADY + 0.15) * expected, "redis", redis_restart(topology, OUTAGE)),
                    (
                        (STEADY + 0.15) * expected,
                        "lookups after",
                        lookups_after_restart(topology, after),
                    ),
                    ((STEADY + 0.3) * expected, "scale out", scale_out(topology)),
                ],
                [((STEADY + 0.05) * expected, "upgrade", upgrade(topology))],
            ],
        )
        load_after = os.getloadavg()
        for instance in topology.apps:
            if instance.process.alive:
                apps[f"instance {instance.number}"] = instance_cpu(instance)
        cpu["nginx"] = process_cpu(topology.nginx_process.pid)
        findings = check(topology, exam, run, wait=120)
        cpu["task worker (since the upgrade's restart)"] = cpu_seconds(topology.worker.pid)
        cpu["redis (since its restart)"] = cpu_seconds(topology.redis.process.pid)
    finally:
        topology.stop()

    elapsed = run.ended - run.started
    load = run.load
    print(
        f"officers {OFFICERS}, questions {QUESTIONS}, think {THINK_SECONDS[0]:g}-"
        f"{THINK_SECONDS[1]:g} s per question x time scale {TIME_SCALE:g} = "
        f"{THINK_SECONDS[0] * TIME_SCALE:.1f}-{THINK_SECONDS[1] * TIME_SCALE:.1f} s, "
        f"synchronised start; {INSTANCES} app instances x {WEB_CONCURRENCY} gunicorn workers "
        f"behind nginx (TLS), task worker, Redis, SeaweedFS, PostgreSQL; {os.cpu_count()} CPUs"
    )
    print(
        f"requests {load.requests} in {elapsed:.1f} s: {load.requests / elapsed:.1f} requests/s; "
        f"errors {load.error_count}; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f} after"
    )
    for line in load.summary():
        print(line)
    (_, cpu_0, _, db_0), (burst_at, cpu_1, _, db_1), (steady_at, cpu_2, steady_load, db_2) = samples

    def finished(since: float, until: float, kinds=REQUEST_KINDS) -> int:
        return sum(1 for kind in kinds for at, _ in load.timings[kind] if since <= at < until)

    quiet = steady_at - run.started
    counted = finished(0, steady_at)
    print(
        f"steady phase (the first {quiet:.1f} s, synchronised start included, before any "
        f"event): {counted} requests, {counted / quiet:.1f} requests/s, app instances' CPU "
        f"{cpu_2 - cpu_0:.1f} s = {1000 * (cpu_2 - cpu_0) / max(1, counted):.1f} ms per "
        f"request; PostgreSQL's CPU {db_2 - db_0:.1f} s = "
        f"{1000 * (db_2 - db_0) / max(1, counted):.1f} ms per request; load average "
        f"{steady_load:.2f}"
    )
    for line in load.summary(until=steady_at):
        print(f"  {line}")
    # CPU per kind: from the start burst's end to the steady sample only autosaves are
    # sent; before it, starts and pages with the first autosaves.
    autosaves = finished(burst_at, steady_at)
    if autosaves and finished(burst_at, steady_at, ("start", "page")) == 0:
        per_autosave = (cpu_2 - cpu_1) / autosaves
        early = finished(0, burst_at, ("autosave",))
        pairs = finished(0, burst_at, ("start",))
        per_pair = (cpu_1 - cpu_0 - early * per_autosave) / max(1, pairs)
        print(
            f"  app CPU per autosave {1000 * per_autosave:.1f} ms ({autosaves} autosaves "
            f"after the start burst); per start with its attempt page "
            f"{1000 * per_pair:.1f} ms ({pairs} in the burst); PostgreSQL's CPU per "
            f"autosave {1000 * (db_2 - db_1) / autosaves:.1f} ms"
        )
    print("events:")
    for name, (begin, end) in sorted(run.windows.items(), key=lambda item: item[1]):
        meanwhile = [ms for at, ms in load.timings["autosave"] if begin <= at <= end + 1]
        p99 = f"{percentile(meanwhile, 0.99):.0f} ms" if meanwhile else "-"
        print(
            f"  {name:28} at {begin - run.started:6.1f} s, {end - begin:5.1f} s long, "
            f"errors meanwhile {len(run.errors_in(name))}, autosave p99 meanwhile {p99}"
        )
    for note in run.notes:
        print(f"  {note}")
    for failure in run.failures:
        print(f"  FAILED {failure}")
    for name, until in (("kill", "redis"), ("redis", "scale out")):
        if name in run.windows and until in run.windows:
            recovery = load.recovery(run.windows[name][0], run.windows[until][0])
            shown = "never" if recovery is None else f"{recovery:.2f} s"
            print(f"recovery after the {name}: {shown} (event to the last failed request)")
    for kind, messages in load.errors.items():
        for _, message in messages[:3]:
            print(f"  {kind} error: {message}")
    app = sum(apps.values())
    print(
        f"CPU over the whole run: app instances {app:.1f} s = "
        f"{1000 * app / max(1, load.requests):.1f} ms per request (every kind, and the new "
        "workers' start after each reload and the scale out)"
    )
    for name, seconds in {**apps, **cpu}.items():
        print(f"  {name:42} {seconds:7.2f} s")
    autosaves = load.latencies("autosave")
    if autosaves:
        print(f"autosave p99 {percentile(autosaves, 0.99):.0f} ms at {OFFICERS} officers")
    if "upgrade" in run.windows:
        within = run.windows["upgrade"][1] < run.ended
        print(f"the upgrade ended {'before' if within else 'AFTER'} the last officer submitted")
    print("checks:")
    print(
        f"  answers acknowledged {len(load.acknowledged)}, lost {len(findings.lost)}; "
        f"attempts submitted {len(load.submitted)} of {OFFICERS}, graded more than once "
        f"{len(findings.graded_twice)}, not graded {len(findings.not_graded)}"
    )
    print(
        f"  certificates due {findings.due}, issued {findings.issued}, without their PDF in "
        f"the bucket {len(findings.missing_pdf)}, for officers who failed {findings.undue}"
    )
    for phase, statuses in (
        ("before", before),
        ("during the Redis outage", run.lookups.get("during the Redis outage", [])),
        ("after the restart", after),
    ):
        print(
            f"  verification limit {VERIFY_RATE}/min, one client, {len(statuses)} lookups "
            f"through nginx {phase}: {statuses.count(404)} answered, {statuses.count(429)} "
            "refused"
        )
    print(f"  throttle counts in Redis after its restart: {run.budget_keys_after} keys")
    problems = findings.problems()
    print("  all hold" if not problems else "  PROBLEMS: " + "; ".join(problems[:10]))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
