"""The multi-node proof (issue 15): officers sit an exam through nginx and several app
instances (tests/topology.py) while one instance is killed, Redis is restarted, an
instance is added (the README's runbook, "Scale out") and the release is upgraded (the
runbook's "Upgrade with migrations", its commands read from the README); then what must
hold is checked in the database and the object store.

The load model is the one a university published for its Moodle exam load tests: every
officer presses Start at the same moment, then thinks 30 to 90 seconds per question,
multiplied here by a time scale so that a run fits this machine.

Shared by bench/multinode.py (the figures) and tests/test_multinode.py (the invariants);
the caller's Django is set up on the topology's database.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.exam_load import Load, Target, exam_course, officer_run, signed_in
from tests.topology import ROOT, SITE, Topology, request

THINK_SECONDS = (30.0, 90.0)  # per question, in the published exam model
UNKNOWN_CODE = "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
VERIFY_RATE = 5  # verification lookups per client and minute in the topology
RIGHT, WRONG = "Option b", "Option a"


def topology_env() -> dict[str, str]:
    """What the topology's processes get besides production's settings."""
    return {"LMS_VERIFY_RATE": f"{VERIFY_RATE}/min"}


@dataclass
class Exam:
    page_id: int
    sessions: list[tuple[str, str]]
    officers: list[int]

    @staticmethod
    def choice(number: int) -> str:
        """Every fourth officer picks a wrong option everywhere and fails; the others
        answer right and earn the programme's certificate."""
        return WRONG if number % 4 == 3 else RIGHT


def prepare_exam(officers: int, questions: int) -> Exam:
    """A course whose assessment a programme requires, and ``officers`` enrolled officers
    signed in, their attempts drawn ahead, in the caller's database."""
    from certificates.models import Programme, ProgrammeRequirement, ProgrammeText
    from courses.services import enrolment_create
    from lms.accounts.models import Administration, User
    from lms.accounts.roles import Role
    from lms.accounts.services import user_set_roles

    course, page = exam_course(questions, time_limit_minutes=120)
    programme = Programme.objects.create(
        code="multinode", track="illicit_trade", validity_months=36, recert_window_days=90
    )
    ProgrammeText.objects.create(
        programme=programme, language="en", title="Analyst", description="Red flags."
    )
    ProgrammeRequirement.objects.create(programme=programme, assessment=page, min_score=70)
    administration = Administration.objects.create(
        code="XMN", name="Multinode", country="Multinode", country_code="XM",
        official_languages=["en"],
    )  # fmt: skip
    sessions, ids = [], []
    for number in range(officers):
        user = User.objects.create(
            username=f"multinode{number}",
            full_name=f"Officer Number {number}",
            administration=administration,
            preferred_language="en",
        )
        user_set_roles(actor=None, user=user, roles={Role.OFFICER})
        enrolment_create(actor=user, course=course)
        sessions.append(signed_in(user))
        ids.append(user.pk)
    # As the scheduled prepare_attempts does before an exam opens: Start opens a drawn one.
    from assessments.preparation import attempts_prepare

    attempts_prepare(assessment=page)
    return Exam(page.pk, sessions, ids)


# --- the run ------------------------------------------------------------------------------


@dataclass
class Run:
    """What happened: the officers' load, each event's window (monotonic times), the
    verification lookups of each phase, and notes to print."""

    load: Load = field(default_factory=Load)
    windows: dict[str, tuple[float, float]] = field(default_factory=dict)
    lookups: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    failures: list[str] = field(default_factory=list)
    budget_keys_after: int = 0  # throttle counts in Redis after its restart

    def errors_in(self, name: str) -> list[str]:
        begin, end = self.windows[name]
        return [
            f"{kind}: {message}"
            for kind, values in self.load.errors.items()
            for at, message in values
            if begin <= at <= end
        ]


def run_exam(
    topology: Topology,
    exam: Exam,
    *,
    questions: int,
    time_scale: float,
    lanes: list[list[tuple[float, str, Callable[[Run], None]]]],
    review_until_events_end: bool = False,
) -> Run:
    """Every officer starts at once and takes the exam through nginx; meanwhile the events
    of each lane run at their offset (seconds after the start), one after the other, the
    lanes side by side. With ``review_until_events_end``, officers who answered every
    question keep reviewing answers until the last event ended, then submit."""
    run = Run()
    target = Target(topology.https_port, SITE, "127.0.0.1", topology.tls)
    low, high = (seconds * time_scale for seconds in THINK_SECONDS)
    gun = threading.Barrier(len(exam.sessions) + 1)

    def think() -> None:
        time.sleep(random.uniform(low, high))

    def scheduler(events: list[tuple[float, str, Callable[[Run], None]]]) -> None:
        for offset, name, action in events:
            time.sleep(max(0.0, run.started + offset - time.monotonic()))
            begin = time.monotonic()
            try:
                action(run)
            except Exception as error:  # reported with the run's findings
                run.failures.append(f"{name}: {error!r}")
            run.windows[name] = (begin, time.monotonic())

    threads = [threading.Thread(target=scheduler, args=(lane,)) for lane in lanes]

    def events_running() -> bool:
        return review_until_events_end and any(thread.is_alive() for thread in threads)

    with ThreadPoolExecutor(max_workers=len(exam.sessions)) as pool:
        for number, session in enumerate(exam.sessions):
            pool.submit(
                officer_run,
                target,
                run.load,
                exam.page_id,
                session,
                questions=questions,
                think=think,
                starting_gun=gun,
                choose=Exam.choice(number),
                tries=10,
                number=number,
                keep_answering=events_running,
            )
        gun.wait()
        run.started = time.monotonic()
        for thread in threads:
            thread.start()
    run.ended = time.monotonic()
    for thread in threads:
        thread.join()
    return run


# --- the events ---------------------------------------------------------------------------


def lookups(topology: Topology, source: str, count: int) -> list[int]:
    """``count`` verification lookups of an unknown code from one client (the local
    address ``source``) through nginx: their statuses (404 counted, 429 refused)."""
    statuses = []
    for _ in range(count):
        status, _, _ = request(
            topology.https_port,
            "GET",
            f"/verify/{UNKNOWN_CODE}/",
            tls=topology.tls,
            host=SITE,
            source=source,
        )
        statuses.append(status)
    return statuses


def lookups_after_restart(topology: Topology, statuses: list[int]) -> Callable[[Run], None]:
    """Another client's lookups once the instances use Redis again (they leave it alone
    for a second after an error: REDIS_PAUSE_AFTER_ERROR_MS)."""

    def action(run: Run) -> None:
        time.sleep(1.5)
        statuses.extend(lookups(topology, "127.0.1.3", 2 * VERIFY_RATE))
        run.budget_keys_after = budget_keys(topology)

    return action


def kill_instance(topology: Topology, number: int) -> Callable[[Run], None]:
    def action(run: Run) -> None:
        topology.kill_instance(topology.apps[number])
        run.notes.append(f"killed app instance {number + 1} (SIGKILL to its process group)")

    return action


def redis_restart(topology: Topology, outage: float) -> Callable[[Run], None]:
    """Redis stops; while it is down one client looks certificates up; it starts again
    (empty: no persistence), and once the instances use it again another client does."""

    def action(run: Run) -> None:
        topology.redis_down()
        down = time.monotonic()
        run.lookups["during the Redis outage"] = lookups(topology, "127.0.1.2", 2 * VERIFY_RATE)
        time.sleep(max(0.0, down + outage - time.monotonic()))
        topology.redis_up()
        run.notes.append(f"Redis down for {time.monotonic() - down:.1f} s, then started again")

    return action


def runbook_text(readme: Path) -> str:
    return readme.read_text().split("### Runbook", 1)[1].split("\n### ", 1)[0]


def runbook(title: str, readme: Path = ROOT / "README.md") -> str:
    """The README runbook's paragraph ``title`` (up to the next one), spaces collapsed."""
    text = runbook_text(readme)
    return " ".join(text.split(f"**{title}**:", 1)[1].split("\n**", 1)[0].split())


def scale_out(topology: Topology) -> Callable[[Run], None]:
    """The runbook's "Scale out" as it reads: start an instance, add its ``server`` line
    to upstream.conf, ``nginx -s reload``; then traffic reaches it."""
    steps = runbook("Scale out")
    for words in ("start `lms-app`", "add a `server` line to `/etc/nginx/lms/upstream.conf`",
                  "`nginx -s reload`"):  # fmt: skip
        assert words in steps, f"the README's scale out no longer says {words!r}"

    def action(run: Run) -> None:
        instance = topology.start_instance()
        topology.add_upstream_server(instance)
        deadline = time.monotonic() + 30
        while served_by(instance) == 0:
            assert time.monotonic() < deadline, "no request reached the new instance"
            time.sleep(0.5)
        run.notes.append(f"scaled out: instance {instance.number} at {instance.bind} serves")

    return action


def served_by(instance) -> float:
    """Officers' requests the instance answered (its own /metrics)."""
    return sum(
        instance.metric("lms_http_requests_total", route=route)
        for route in ("assessments:answer", "assessments:attempt", "assessments:submit")
    )


def upgrade_steps(readme: Path = ROOT / "README.md") -> list[str]:
    """The commands of the README's "Upgrade with migrations", one a line, comments off."""
    section = runbook_text(readme).split("**Upgrade with migrations**:", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the README's upgrade has no commands"
    return [line.split("#", 1)[0].strip() for line in block[1].splitlines() if line.strip()]


RELOAD = "ExecReload=/bin/kill -HUP $MAINPID"  # what `systemctl reload lms-app` does


def upgrade(topology: Topology) -> Callable[[Run], None]:
    """The runbook's upgrade, command by command, on the running topology: manage.py
    commands as written, ``systemctl reload lms-app`` as the unit's ExecReload does it
    (SIGHUP to gunicorn) on each instance in turn, ``systemctl restart lms-worker`` as a
    stop and a start. The release is this checkout: its dependencies are installed."""

    unit = (ROOT / "deploy" / "systemd" / "lms-app.service").read_text()
    assert RELOAD in unit.splitlines(), "lms-app.service reloads otherwise than with SIGHUP"

    def action(run: Run) -> None:
        for step in upgrade_steps():
            began = time.monotonic()
            words = step.split()
            if words[0] == ".venv/bin/pip":
                continue
            if words[:2] == [".venv/bin/python", "manage.py"]:
                topology.manage(*words[2:])
            elif words == ["systemctl", "reload", "lms-app"]:
                for instance in topology.apps:
                    if instance.process.alive:
                        topology.reload_instance(instance)
            elif words == ["systemctl", "restart", "lms-worker"]:
                topology.worker.stop()
                topology.worker.start()
            else:
                raise AssertionError(f"a step the runbook check does not know: {step}")
            run.windows[f"  {step.removeprefix('.venv/bin/python manage.py ')}"] = (
                began,
                time.monotonic(),
            )

    return action


# --- what must hold -----------------------------------------------------------------------


@dataclass
class Findings:
    lost: list[str]
    graded_twice: list[str]
    not_graded: list[str]
    due: int
    issued: int
    missing_pdf: list[str]
    undue: int

    def problems(self) -> list[str]:
        problems = [f"lost answer: {item}" for item in self.lost]
        problems += [f"graded more than once: {item}" for item in self.graded_twice]
        problems += [f"submitted but not graded: {item}" for item in self.not_graded]
        problems += [f"certificate without its PDF: {item}" for item in self.missing_pdf]
        if self.issued != self.due:
            problems.append(f"certificates issued {self.issued}, due {self.due}")
        if self.undue:
            problems.append(f"{self.undue} certificates for officers who failed")
        return problems


def check(topology: Topology, exam: Exam, run: Run, *, wait: float = 60) -> Findings:
    """In the database and the object store: every acknowledged answer stored as
    acknowledged, every submitted attempt graded once, every certificate due issued with
    its PDF (the worker's, waited for up to ``wait`` seconds) in the bucket."""
    from assessments.models import Attempt, AttemptEvent, Response
    from assessments.tokens import answer_for_browser
    from certificates.models import Certificate

    lost = []
    stored = {
        (response.attempt_id, response.position): response
        for response in Response.objects.filter(attempt_id__in=list(run.load.attempts)).
        select_related("version")
    }  # fmt: skip
    for (attempt_id, position), token in sorted(run.load.acknowledged.items()):
        response = stored.get((attempt_id, position))
        tokens = (response.option_order or {}).get("tokens") or {} if response else {}
        shown = (
            answer_for_browser(response.version.type, response.answer, tokens) if response else None
        )
        if shown != {"option": token}:
            lost.append(f"attempt {attempt_id} question {position}")

    graded_twice, not_graded = [], []
    attempts = Attempt.objects.filter(pk__in=list(run.load.attempts))
    for attempt in attempts:
        events = AttemptEvent.objects.filter(
            attempt=attempt, kind=AttemptEvent.Kind.SUBMITTED
        ).count()
        if events > 1:
            graded_twice.append(f"attempt {attempt.pk} ({events} gradings)")
        if attempt.pk in run.load.submitted and (
            events != 1 or attempt.status != Attempt.Status.SUBMITTED or attempt.score is None
        ):
            not_graded.append(f"attempt {attempt.pk} ({attempt.status}, {events} gradings)")

    passed = set(attempts.filter(passed=True).values_list("user_id", flat=True))
    deadline = time.monotonic() + wait
    while (
        Certificate.objects.filter(holder_id__in=passed, pdf="").exists()
        or Certificate.objects.filter(holder_id__in=passed).count() < len(passed)
    ) and time.monotonic() < deadline:
        time.sleep(0.5)
    issued = list(Certificate.objects.filter(holder_id__in=passed))
    bucket, client = topology.s3.bucket, topology.s3.client()
    missing_pdf = []
    for certificate in issued:
        body = b""
        if certificate.pdf.name:
            body = client.get_object(Bucket=bucket, Key=certificate.pdf.name)["Body"].read()
        if not body.startswith(b"%PDF"):
            missing_pdf.append(certificate.code)
    undue = (
        Certificate.objects.filter(holder_id__in=exam.officers).exclude(holder_id__in=passed)
    ).count()
    return Findings(
        lost=lost,
        graded_twice=graded_twice,
        not_graded=not_graded,
        due=len(passed),
        issued=len(issued),
        missing_pdf=missing_pdf,
        undue=undue,
    )


def budget_keys(topology: Topology) -> int:
    import redis

    return len(redis.Redis.from_url(topology.redis.url).keys("*lms-budget*"))
