"""The multi-node proof in small (issue 15; bench/multinode.py runs it in full): officers
sit an exam through nginx (the shipped configuration, TLS) and two app instances
(gunicorn, production settings) with the task worker, Redis and SeaweedFS, on
PostgreSQL. While they answer, one instance is killed, Redis is restarted, the README's
runbook scales out and upgrades. Afterwards no acknowledged answer is lost, every
submitted attempt was graded once, every certificate due was issued with its PDF in the
bucket, and the verification limit held across the instances before, during and after
the Redis outage."""

from __future__ import annotations

import secrets

import pytest
from django.db import connection

from tests.multinode_run import (
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
from tests.topology import Topology, database_url, static_manifest

OFFICERS, QUESTIONS = 6, 8
TIME_SCALE = 0.05  # 30-90 s per question becomes 1.5-4.5 s


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="several app processes on several machines share PostgreSQL, production's "
    "database (the CI leg runs it)",
)
def test_officers_lose_nothing_when_an_instance_dies_redis_restarts_and_the_release_changes(
    tmp_path, s3_server, settings
):
    from lms.accounts.models import BudgetCount

    # The instances share this process's secret (the officers' sessions are signed with
    # it), and the runbook's check --deploy refuses the suite's short one.
    settings.SECRET_KEY = secrets.token_urlsafe(64)
    exam = prepare_exam(OFFICERS, QUESTIONS)
    topology = Topology(
        tmp_path,
        database_url(connection.settings_dict),
        instances=2,
        web_concurrency=1,
        s3=s3_server,
        extra_env=topology_env(),
    )
    static_manifest(tmp_path / "static")
    with topology:
        # One client's lookups through nginx, spread over both instances: the limit is
        # counted once for all of them (in Redis), not per process.
        before = lookups(topology, "127.0.1.1", 2 * VERIFY_RATE)
        assert before == [404] * VERIFY_RATE + [429] * VERIFY_RATE
        for instance in topology.apps:
            assert instance.metric("lms_http_requests_total", route="certificates:verify") > 0

        after: list[int] = []
        run = run_exam(
            topology,
            exam,
            questions=QUESTIONS,
            time_scale=TIME_SCALE,
            lanes=[
                [
                    (3, "kill", kill_instance(topology, 1)),
                    (6, "redis", redis_restart(topology, outage=3)),
                    (9, "lookups after", lookups_after_restart(topology, after)),
                    (10, "scale out", scale_out(topology)),
                ],
                [(1, "upgrade", upgrade(topology))],
            ],
            review_until_events_end=True,
        )
        assert not run.failures, (run.failures, dict(run.load.errors), run.load.summary())
        assert {"kill", "redis", "lookups after", "scale out", "upgrade"} <= set(run.windows)
        assert "  systemctl reload lms-app" in run.windows
        # Officers kept answering through the upgrade (reviewing once they had answered
        # everything), every instance reloaded under their requests.
        begin, end = run.windows["upgrade"]
        during = [at for at, _ in run.load.timings["autosave"] if begin <= at <= end]
        assert len(during) > OFFICERS

        findings = check(topology, exam, run)
        assert findings.problems() == []
        assert len(run.load.submitted) == OFFICERS
        assert findings.due == OFFICERS - OFFICERS // 4 and findings.issued == findings.due

        # The verification limit held during the outage (counted in the database) and
        # after it (in Redis again, which the restart emptied).
        outage = run.lookups["during the Redis outage"]
        assert outage == [404] * VERIFY_RATE + [429] * VERIFY_RATE
        assert BudgetCount.objects.exists()
        assert after == [404] * VERIFY_RATE + [429] * VERIFY_RATE
        assert run.budget_keys_after > 0

        # Failures officers saw: only around the kill (requests in flight on the killed
        # instance), none while Redis was down, none when the new instance joined, none
        # while the upgrade reloaded the instances (checked below: its window holds the
        # kill's).
        assert run.errors_in("redis") == []
        assert run.errors_in("scale out") == []
        kill_time = run.windows["kill"][0]
        recovery = run.load.recovery(kill_time, run.windows["redis"][0])
        assert recovery is not None and recovery < 3, recovery
        other = [
            message
            for kind, values in run.load.errors.items()
            for at, message in values
            if not kill_time <= at <= kill_time + 3
        ]
        assert other == [], (other, run.notes)
