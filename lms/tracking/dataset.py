"""A synthetic dataset for the tracking benchmarks: many officers spread over the
administrations, with enrolments, submitted attempts, certificates in every state and
assignments (some overdue), written in bulk.

It builds on the demo content (``manage.py seed_demo``: the administrations, the regional
courses, their final assessments and the certification programmes) and is called by
``manage.py bench_dataset``. Every synthetic row is recognisable, so that ``replace``
deletes only those: officers' usernames start with ``bench-``, extra units' codes with
``BENCH-``, assignments' notes with ``[bench]``; enrolments, attempts, certificates and
assignment rows belong to those officers.

Rows are written with ``bulk_create`` in chunks of officers (one transaction per chunk),
without the services: a dataset of 100,000 officers would take hours through them. The
rows are what the services would have written (an unusable password, membership of the
Officers group, a completed enrolment and a passed attempt before each certificate, the
renewed certificate linked to the one it renews, issue, renewal and revocation events),
but no PDF is rendered.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Field, Model, Q, QuerySet
from django.utils import timezone

from assessments.models import AssessmentPage, Attempt
from certificates import codes
from certificates.models import Certificate, CertificateEvent, Programme, ProgrammeRequirement
from certificates.services import STATUS_LIST_SIZE, add_months
from courses.models import CoursePage, Enrolment
from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role
from lms.accounts.services import role_groups_sync, user_set_roles

from .models import Assignment, OfficerAssignment

USERNAME_PREFIX = "bench-"
UNIT_PREFIX = "BENCH-"
NOTE_PREFIX = "[bench]"
# An unusable password ("!" prefix, as Django's set_unusable_password writes), set as a
# string so that no password is hashed per officer.
UNUSABLE_PASSWORD = "!bench-synthetic-officer"
BATCH_SIZE = 2000
CHUNK = 5000  # officers per transaction
OFFICERS_PER_UNIT = 1250  # 50,000 officers: 40 units
MIN_UNITS, MAX_UNITS = 3, 40
EXPIRING_DAYS = 90  # as lms.tracking.selectors.EXPIRING_DAYS

# What each officer has done for each programme, and how often.
NONE = "none"
IN_PROGRESS = "in_progress"
FAILED = "completed_failed"  # course completed, assessment not passed
VALID = "valid"
EXPIRING = "expiring"
EXPIRED = "expired"
REVOKED = "revoked"
RENEWED = "renewed"
STATE_SHARES: tuple[tuple[str, float], ...] = (
    (NONE, 0.30),
    (IN_PROGRESS, 0.18),
    (FAILED, 0.04),
    (VALID, 0.26),
    (EXPIRING, 0.07),
    (EXPIRED, 0.07),
    (REVOKED, 0.03),
    (RENEWED, 0.05),
)
CERTIFIED = {VALID, EXPIRING, EXPIRED, REVOKED, RENEWED}
ACTIVE_LOGIN_SHARE = 0.35  # signed in within the last 30 days
NEVER_SIGNED_IN_SHARE = 0.25
INACTIVE_SHARE = 0.02  # deactivated accounts (left the administration)
DIRECT_ASSIGNMENT_SHARE = 0.10  # officers given the upcoming course assignment by name
REVOCATION_REASON = "Synthetic revocation for the benchmark dataset."

GIVEN_NAMES = (
    "Ana", "Carlos", "María", "José", "Luis", "Rosa", "Jorge", "Carmen", "Juan", "Lucía",
    "Pedro", "Sofía", "Miguel", "Elena", "Diego", "Paula", "João", "Beatriz", "Kimberley",
    "Andre", "Marie", "Jean", "Aisha", "Daniel", "Grace", "Ricardo", "Valeria", "Tomás",
    "Isabel", "Fernando", "Camila", "Rafael", "Gabriela", "Héctor", "Natalia", "Oscar",
)  # fmt: skip
FAMILY_NAMES = (
    "Quispe", "Huamán", "Mamani", "Rojas", "Torres", "García", "Castillo", "Batista",
    "Pinzón", "Almeida", "Santos", "Campbell", "Brown", "Tremblay", "Gagnon", "Pérez",
    "Rodríguez", "González", "Silva", "Oliveira", "Flores", "Vargas", "Ramírez", "Morales",
    "Ortiz", "Gutiérrez", "Chávez", "Mendoza", "Williams", "Baptiste", "Joseph", "Córdoba",
)  # fmt: skip


class DatasetError(Exception):
    """The dataset cannot be built as asked; the message says why and what to do."""


@dataclass(frozen=True)
class ProgrammePlan:
    """A programme as the dataset uses it: the course an officer enrols in, the assessment
    they sit (with the score that passes it) and the validity."""

    programme: Programme
    course: CoursePage
    assessment: AssessmentPage | None
    pass_mark: float
    validity_months: int | None


@dataclass
class DatasetReport:
    officers: dict[str, int] = field(default_factory=dict)  # administration code -> count
    rows: Counter = field(default_factory=Counter)  # model name -> rows created
    certificate_states: Counter = field(default_factory=Counter)
    seconds: float = 0.0


# --- what exists ------------------------------------------------------------------------


def synthetic_officers() -> Q:
    return Q(username__startswith=USERNAME_PREFIX)


def synthetic_officer_count() -> int:
    return User.objects.filter(synthetic_officers()).count()


def programme_plans(administration: Administration | None = None) -> list[ProgrammePlan]:
    """Active programmes (regional ones, and the administration's own when given) that
    ask for a course or an assessment inside a course."""
    programmes = Programme.objects.filter(is_active=True).prefetch_related("requirements")
    if administration is None:
        programmes = programmes.filter(administration__isnull=True)
    else:
        programmes = programmes.filter(
            Q(administration__isnull=True) | Q(administration=administration)
        )
    plans = []
    for programme in programmes.order_by("code"):
        initial = [
            row
            for row in programme.requirements.all()
            if row.purpose == ProgrammeRequirement.Purpose.INITIAL
        ]
        course = next((row.course for row in initial if row.course_id), None)
        requirement = next((row for row in initial if row.assessment_id), None)
        assessment = requirement.assessment if requirement else None
        if course is None and assessment is not None:
            course = CoursePage.objects.ancestor_of(assessment).first()
        if course is None:
            continue
        pass_mark = (
            float(requirement.min_score)
            if requirement and requirement.min_score is not None
            else float(assessment.pass_mark if assessment else 70)
        )
        plans.append(
            ProgrammePlan(programme, course, assessment, pass_mark, programme.validity_months)
        )
    return plans


# --- deleting a previous dataset ----------------------------------------------------------


def dataset_delete(*, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Delete the synthetic rows (and only those). Returns the rows deleted per model."""
    say = progress or (lambda message: None)
    officers = User.objects.filter(synthetic_officers()).values("pk")
    deleted: Counter = Counter()

    def gone(label: str, queryset: QuerySet) -> None:
        started = time.perf_counter()
        _total, per_model = queryset.delete()
        count = per_model.get(queryset.model._meta.label, 0)
        deleted[label] += count
        say(f"  deleted {count} {label} ({time.perf_counter() - started:.1f} s)")

    with transaction.atomic():
        gone("assignment rows", OfficerAssignment.objects.filter(officer__in=officers))
        gone("assignments", Assignment.objects.filter(note__startswith=NOTE_PREFIX))
        certificates = Certificate.objects.filter(holder__in=officers)
        gone(
            "certificate events",
            CertificateEvent.objects.filter(certificate__in=certificates.values("pk")),
        )
        certificates.exclude(previous=None).update(previous=None)
        gone("certificates", certificates)
        gone("attempts", Attempt.objects.filter(user__in=officers))
        gone("enrolments", Enrolment.objects.filter(user__in=officers))
        gone("group memberships", User.groups.through.objects.filter(user__in=officers))
        gone("users", User.objects.filter(synthetic_officers()))
        gone("units", Unit.objects.filter(code__startswith=UNIT_PREFIX))
    return dict(deleted)


# --- building -------------------------------------------------------------------------------


@contextmanager
def explicit_timestamps(*fields: Field) -> Iterator[None]:
    """Let bulk rows carry their own (backdated) values for ``auto_now_add`` fields."""
    saved = [(item, item.auto_now_add) for item in fields]
    for item, _value in saved:
        item.auto_now_add = False
    try:
        yield
    finally:
        for item, value in saved:
            item.auto_now_add = value


def split(total: int, codes_: Sequence[str], biggest: str, rng: random.Random) -> dict[str, int]:
    """``total`` officers: half to ``biggest``, the rest spread unevenly over the others
    (largest remainders, so that the counts add up exactly)."""
    share = {biggest: total // 2 if len(codes_) > 1 else total}
    others = [code for code in codes_ if code != biggest]
    rest = total - share[biggest]
    weights = {code: rng.uniform(0.3, 3.0) for code in others}
    scale = sum(weights.values()) or 1.0
    exact = {code: rest * weights[code] / scale for code in others}
    counts = {code: math.floor(value) for code, value in exact.items()}
    left = rest - sum(counts.values())
    for code in sorted(others, key=lambda c: exact[c] - counts[c], reverse=True)[:left]:
        counts[code] += 1
    share.update(counts)
    return share


class StatusIndexes:
    """Free random positions in the certificate status lists, as
    ``certificates.services`` picks them (the capacity grows with the number issued)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken = set(Certificate.objects.values_list("status_index", flat=True))
        self.count = len(self.taken)

    def next(self) -> int:
        capacity = STATUS_LIST_SIZE * max(1, 1 + self.count // (STATUS_LIST_SIZE // 2))
        while True:
            index = self.rng.randrange(capacity)
            if index not in self.taken:
                self.taken.add(index)
                self.count += 1
                return index


class Builder:
    """Builds the rows of one chunk of officers at a time."""

    def __init__(self, *, seed: int, now: dt.datetime, report: DatasetReport) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        self.now = now
        self.today = timezone.localdate(now)
        self.report = report
        self.officer_group = Group.objects.get(name=Role.OFFICER.value)
        self.status_indexes = StatusIndexes(self.rng)
        self.serial = 0
        self.courses_taken: set = set()
        self.attempt_numbers: Counter = Counter()
        self.forced = 0  # the first officers walk through every state, whatever the seed

    # -- small helpers ---------------------------------------------------------------

    def ago(self, low_days: float, high_days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=self.rng.uniform(low_days, high_days))

    def state(self, validity_months: int | None) -> str:
        if self.forced < len(STATE_SHARES):
            chosen = STATE_SHARES[self.forced][0]
            self.forced += 1
        else:
            draw, chosen = self.rng.random(), NONE
            for name, share in STATE_SHARES:
                if draw < share:
                    chosen = name
                    break
                draw -= share
        if validity_months is None and chosen in {EXPIRING, EXPIRED}:
            return VALID  # certificates that never expire
        return chosen

    # -- units and assignments --------------------------------------------------------

    def units_for(self, administration: Administration, officers: int) -> list[Unit]:
        existing = list(Unit.objects.filter(administration=administration, is_active=True))
        wanted = min(MAX_UNITS, max(MIN_UNITS, math.ceil(officers / OFFICERS_PER_UNIT)))
        parent = next((unit for unit in existing if unit.parent_id is None), None)
        kinds = [kind for kind, _label in Unit.Kind.choices if kind != "headquarters"]
        new = [
            Unit(
                administration=administration,
                parent=parent,
                code=f"{UNIT_PREFIX}{number:03d}",
                name=f"Bench post {number:03d} ({administration.code})",
                kind=kinds[number % len(kinds)],
            )
            for number in range(1, wanted - len(existing) + 1)
        ]
        Unit.objects.bulk_create(new, batch_size=BATCH_SIZE)
        self.report.rows["units"] += len(new)
        return list(Unit.objects.filter(administration=administration, is_active=True))

    def assignments_for(
        self,
        administration: Administration,
        plans: Sequence[ProgrammePlan],
        units: Sequence[Unit],
        manager: User | None,
    ) -> tuple[dict[int, Assignment], dict[int, Assignment], set[int]]:
        """Per programme: one assignment of the programme to every third unit, due 45 days
        ago (open rows are overdue), and one of its course to named officers, due in 30
        days. Returns (overdue by programme, upcoming by programme, unit ids)."""
        targeted = {unit.pk for unit in units[::3]}
        overdue, upcoming = {}, {}
        with explicit_timestamps(Assignment._meta.get_field("created_at")):
            for plan in plans:
                overdue[plan.programme.pk] = Assignment(
                    administration=administration,
                    programme=plan.programme,
                    due_on=self.today - dt.timedelta(days=45),
                    note=f"{NOTE_PREFIX} Certification due last quarter.",
                    include_subunits=False,
                    created_by=manager,
                    created_at=self.now - dt.timedelta(days=120),
                )
                upcoming[plan.programme.pk] = Assignment(
                    administration=administration,
                    course=plan.course,
                    course_key=plan.course.translation_key,
                    due_on=self.today + dt.timedelta(days=30),
                    note=f"{NOTE_PREFIX} Please complete this course before the audit.",
                    created_by=manager,
                    created_at=self.now - dt.timedelta(days=10),
                )
            created = Assignment.objects.bulk_create(
                [*overdue.values(), *upcoming.values()], batch_size=BATCH_SIZE
            )
        Assignment.units.through.objects.bulk_create(
            [
                Assignment.units.through(assignment_id=assignment.pk, unit_id=unit_id)
                for assignment in overdue.values()
                for unit_id in sorted(targeted)
            ],
            batch_size=BATCH_SIZE,
        )
        self.report.rows["assignments"] += len(created)
        return overdue, upcoming, targeted

    # -- one chunk of officers ---------------------------------------------------------

    def officers_chunk(
        self,
        administration: Administration,
        numbers: range,
        units: Sequence[Unit],
    ) -> list[User]:
        code = administration.code
        language = administration.primary_language
        officers = []
        for number in numbers:
            draw = self.rng.random()
            if draw < ACTIVE_LOGIN_SHARE:
                last_login = self.ago(0, 29)
            elif draw < 1 - NEVER_SIGNED_IN_SHARE:
                last_login = self.ago(31, 700)
            else:
                last_login = None
            full_name = (
                f"{self.rng.choice(GIVEN_NAMES)} {self.rng.choice(FAMILY_NAMES)} "
                f"{self.rng.choice(FAMILY_NAMES)}"
            )
            officers.append(
                User(
                    username=f"{USERNAME_PREFIX}{code.lower()}-{number:06d}",
                    password=UNUSABLE_PASSWORD,
                    full_name=full_name,
                    email=f"{USERNAME_PREFIX}{code.lower()}-{number:06d}@bench.invalid",
                    preferred_language=language,
                    administration=administration,
                    unit=self.rng.choice(units) if units else None,
                    employee_number=f"B{code}-{number:06d}",
                    position="Customs officer",
                    is_active=self.rng.random() >= INACTIVE_SHARE,
                    date_joined=self.ago(60, 3 * 365),
                    last_login=last_login,
                )
            )
        User.objects.bulk_create(officers, batch_size=BATCH_SIZE)
        User.groups.through.objects.bulk_create(
            [
                User.groups.through(user_id=officer.pk, group_id=self.officer_group.pk)
                for officer in officers
            ],
            batch_size=BATCH_SIZE,
        )
        self.report.rows["officers"] += len(officers)
        return officers

    def learning_chunk(
        self,
        administration: Administration,
        officers: Sequence[User],
        plans: Sequence[ProgrammePlan],
        assignments: tuple[dict[int, Assignment], dict[int, Assignment], set[int]],
        manager: User | None,
    ) -> None:
        enrolments: list[Enrolment] = []
        attempts: list[Attempt] = []
        firsts: list[Certificate] = []  # certificates that no other one renews
        renewals: list[tuple[Certificate, Certificate]] = []  # (first, second) pairs
        records: list[OfficerAssignment] = []
        direct: list[tuple[int, int]] = []  # (assignment, officer) for the M2M
        overdue, upcoming, targeted = assignments
        for officer in officers:
            self.courses_taken = set()  # one enrolment per course
            self.attempt_numbers = Counter()  # attempt numbers per assessment
            for plan in plans:
                state = self.state(plan.validity_months)
                issued = self.plan_state(
                    officer, plan, state, administration, enrolments, attempts, firsts, renewals
                )
                completed_at = issued if state in {VALID, EXPIRING, RENEWED} else None
                if officer.unit_id in targeted:
                    assignment = overdue[plan.programme.pk]
                    records.append(
                        OfficerAssignment(
                            assignment=assignment,
                            officer=officer,
                            administration=administration,
                            programme=plan.programme,
                            due_on=assignment.due_on,
                            via_unit=True,
                            assigned_at=assignment.created_at,
                            completed_at=completed_at,
                            reminded_due_at=assignment.created_at + dt.timedelta(days=60),
                        )
                    )
                if self.rng.random() < DIRECT_ASSIGNMENT_SHARE:
                    assignment = upcoming[plan.programme.pk]
                    finished = state in CERTIFIED or state == FAILED
                    records.append(
                        OfficerAssignment(
                            assignment=assignment,
                            officer=officer,
                            administration=administration,
                            course_key=assignment.course_key,
                            due_on=assignment.due_on,
                            assigned_at=assignment.created_at,
                            completed_at=self.now - dt.timedelta(days=2) if finished else None,
                        )
                    )
                    direct.append((assignment.pk, officer.pk))
        with explicit_timestamps(
            Enrolment._meta.get_field("enrolled_at"),
            Attempt._meta.get_field("started_at"),
            OfficerAssignment._meta.get_field("assigned_at"),
        ):
            self.save(Enrolment, enrolments, "enrolments")
            self.save(Attempt, attempts, "attempts")
            self.save(OfficerAssignment, records, "assignment rows")
        Assignment.officers.through.objects.bulk_create(
            [
                Assignment.officers.through(assignment_id=assignment_id, user_id=officer_id)
                for assignment_id, officer_id in direct
            ],
            batch_size=BATCH_SIZE,
        )
        self.certificates(firsts, renewals, manager)

    def plan_state(
        self,
        officer: User,
        plan: ProgrammePlan,
        state: str,
        administration: Administration,
        enrolments: list[Enrolment],
        attempts: list[Attempt],
        firsts: list[Certificate],
        renewals: list[tuple[Certificate, Certificate]],
    ) -> dt.datetime | None:
        """Append the rows of one officer x programme; returns the (last) issue date."""
        if state == NONE:
            return None
        months = plan.validity_months or 36
        issued_at: dt.datetime | None = None
        if state == IN_PROGRESS:
            enrolled = self.ago(1, 300)
            self.enrol(
                enrolments, self.enrolment(officer, plan, administration, enrolled, completed=None)
            )
            if plan.assessment is not None and self.rng.random() < 0.3:
                attempts.append(self.attempt(officer, plan, administration, enrolled, False))
            return None
        if state == FAILED:
            completed = self.ago(1, 365)
            self.enrol(
                enrolments, self.enrolment(officer, plan, administration, None, completed=completed)
            )
            if plan.assessment is not None:
                attempts.append(self.attempt(officer, plan, administration, completed, False))
            return None
        if state == VALID:
            newest = max(1.0, min(365.0, months * 30.4 - EXPIRING_DAYS - 20))
            issued_at = self.ago(0.5, newest)
        elif state == EXPIRING:
            expires = self.now + dt.timedelta(days=self.rng.uniform(3, EXPIRING_DAYS - 5))
            issued_at = add_months(expires, -months)
        elif state == EXPIRED:
            expires = self.now - dt.timedelta(days=self.rng.uniform(1, 400))
            issued_at = add_months(expires, -months)
        elif state == REVOKED:
            issued_at = self.ago(30, 365)
        elif state == RENEWED:
            # The first cycle was renewed early, inside the recertification window.
            issued_at = add_months(self.ago(30, 80), -months)
        assert issued_at is not None
        completed = issued_at - dt.timedelta(hours=self.rng.uniform(0.2, 48))
        self.enrol(
            enrolments, self.enrolment(officer, plan, administration, None, completed=completed)
        )
        if plan.assessment is not None:
            if self.rng.random() < 0.2:  # failed once first
                attempts.append(self.attempt(officer, plan, administration, completed, False))
            attempts.append(self.attempt(officer, plan, administration, completed, True))
        first = self.certificate(officer, plan, administration, issued_at, cycle=1)
        if state == REVOKED:
            first.revoked_at = issued_at + dt.timedelta(days=self.rng.uniform(5, 25))
            first.revoked_reason = REVOCATION_REASON
        if state != RENEWED:
            firsts.append(first)
            return issued_at
        renewed_at = self.ago(1, 25)
        if plan.assessment is not None:
            attempts.append(
                self.attempt(
                    officer, plan, administration, renewed_at - dt.timedelta(hours=2), True
                )
            )
        second = self.certificate(officer, plan, administration, renewed_at, cycle=2)
        second.expires_at = (
            add_months(first.expires_at, months) if plan.validity_months else None
        )  # renewing early loses no time
        first.superseded_at = renewed_at
        renewals.append((first, second))
        return renewed_at

    def enrol(self, enrolments: list[Enrolment], enrolment: Enrolment) -> None:
        """Keep one enrolment per officer and course (programmes may share a course)."""
        if enrolment.course_key not in self.courses_taken:
            self.courses_taken.add(enrolment.course_key)
            enrolments.append(enrolment)

    def enrolment(
        self,
        officer: User,
        plan: ProgrammePlan,
        administration: Administration,
        enrolled: dt.datetime | None,
        *,
        completed: dt.datetime | None,
    ) -> Enrolment:
        if completed is not None:
            enrolled = completed - dt.timedelta(days=self.rng.uniform(3, 60))
            percent, last = 100, completed
            status = Enrolment.Status.COMPLETED
        else:
            assert enrolled is not None
            percent = self.rng.randint(5, 95)
            last = min(self.now, enrolled + dt.timedelta(days=self.rng.uniform(0, 120)))
            status = Enrolment.Status.ACTIVE
        return Enrolment(
            user=officer,
            administration=administration,
            course=plan.course,
            course_key=plan.course.translation_key,
            status=status,
            percent_complete=percent,
            enrolled_at=enrolled,
            last_activity_at=last,
            completed_at=completed,
        )

    def attempt(
        self,
        officer: User,
        plan: ProgrammePlan,
        administration: Administration,
        when: dt.datetime,
        passed: bool,
    ) -> Attempt:
        assert plan.assessment is not None
        key = plan.assessment.translation_key
        self.attempt_numbers[key] += 1
        if passed:
            percent = self.rng.uniform(max(plan.pass_mark, 0), 100)
        else:
            percent = self.rng.uniform(0, max(plan.pass_mark - 1, 0))
        started = when - dt.timedelta(minutes=self.rng.uniform(15, 50))
        return Attempt(
            user=officer,
            administration=administration,
            assessment=plan.assessment,
            assessment_key=key,
            number=self.attempt_numbers[key],
            status=Attempt.Status.SUBMITTED,
            language=officer.preferred_language,
            started_at=started,
            submitted_at=when - dt.timedelta(minutes=1),
            score=round(percent / 5, 2),
            max_score=20.0,
            percent=round(percent, 2),
            passed=passed,
            pass_mark=round(plan.pass_mark),
        )

    def certificate(
        self,
        officer: User,
        plan: ProgrammePlan,
        administration: Administration,
        issued_at: dt.datetime,
        *,
        cycle: int,
    ) -> Certificate:
        self.serial += 1
        return Certificate(
            holder=officer,
            holder_name=officer.full_name,
            programme=plan.programme,
            administration=administration,
            cycle=cycle,
            number=f"{administration.code}-{issued_at:%Y}-B{self.serial:07d}",
            code=codes.new_code(),
            language=officer.preferred_language,
            issued_at=issued_at,
            expires_at=(
                add_months(issued_at, plan.validity_months) if plan.validity_months else None
            ),
            status_index=self.status_indexes.next(),
        )

    def certificates(
        self,
        firsts: list[Certificate],
        renewals: list[tuple[Certificate, Certificate]],
        manager: User | None,
    ) -> None:
        previous = [first for first, _second in renewals]
        for certificate in firsts:
            if certificate.revoked_at is not None:
                certificate.revoked_by = manager
        self.save(Certificate, firsts + previous, "certificates")
        for first, second in renewals:
            second.previous = first
        self.save(Certificate, [second for _first, second in renewals], "certificates")
        events = []
        for certificate in firsts + previous + [second for _first, second in renewals]:
            events.append(
                CertificateEvent(
                    certificate=certificate,
                    kind=CertificateEvent.Kind.ISSUED,
                    at=certificate.issued_at,
                    detail={"synthetic": True},
                )
            )
            if certificate.revoked_at is not None:
                events.append(
                    CertificateEvent(
                        certificate=certificate,
                        kind=CertificateEvent.Kind.REVOKED,
                        at=certificate.revoked_at,
                        actor=manager,
                        detail={"reason": REVOCATION_REASON},
                    )
                )
        for first, second in renewals:
            events.append(
                CertificateEvent(
                    certificate=first,
                    kind=CertificateEvent.Kind.RENEWED,
                    at=second.issued_at,
                    detail={"renewed_by": second.number},
                )
            )
        self.save(CertificateEvent, events, "certificate events")
        for certificate in firsts:
            self.report.certificate_states[certificate_state(certificate, self.now)] += 1
        for _first, second in renewals:
            self.report.certificate_states["renewed"] += 1
            self.report.certificate_states[certificate_state(second, self.now)] += 1

    def save(self, model: type[Model], rows: list, label: str) -> None:
        model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        self.report.rows[label] += len(rows)


def certificate_state(certificate: Certificate, now: dt.datetime) -> str:
    """valid (beyond the horizon), expiring, expired, revoked or renewed."""
    status = certificate.status_at(now)
    if status == Certificate.Status.SUPERSEDED:
        return "renewed"
    horizon = now + dt.timedelta(days=EXPIRING_DAYS)
    expires = certificate.expires_at
    if status == Certificate.Status.VALID and expires is not None and expires <= horizon:
        return "expiring"
    return str(status)


def relaxed_commit() -> None:
    """On PostgreSQL, let this transaction's commit return before its WAL is on disk (a
    crash could lose the last chunks of a synthetic dataset, nothing else)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def manager_of(administration: Administration, *, create: bool) -> User | None:
    """An active administration manager of ``administration`` (a synthetic one is created
    when there is none and ``create``)."""
    manager = (
        User.objects.filter(
            administration=administration,
            is_active=True,
            groups__name=Role.ADMINISTRATION_MANAGER.value,
        )
        .order_by("pk")
        .first()
    )
    if manager is None and create:
        manager = User.objects.create(
            username=f"{USERNAME_PREFIX}manager-{administration.code.lower()}",
            full_name=f"Bench manager {administration.code}",
            administration=administration,
            password=UNUSABLE_PASSWORD,
            preferred_language=administration.primary_language,
        )
        user_set_roles(actor=None, user=manager, roles={Role.ADMINISTRATION_MANAGER})
    return manager


def dataset_build(
    *,
    officers: int,
    biggest: str = "PER",
    seed: int = 2026,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
    now: dt.datetime | None = None,
    chunk: int = CHUNK,
) -> DatasetReport:
    """Build the synthetic dataset: ``officers`` officers, half of them in ``biggest``.

    Refuses (:class:`DatasetError`) when synthetic officers exist unless ``replace``, which
    deletes the previous synthetic rows first; and when the demo content is missing."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    now = now or timezone.now()
    if officers < 1:
        raise DatasetError("Ask for at least one officer.")
    administrations = list(Administration.objects.filter(is_active=True).order_by("code"))
    if not administrations:
        raise DatasetError("No administrations: run 'manage.py seed_demo' first.")
    biggest = biggest.upper()
    if biggest not in {a.code for a in administrations}:
        raise DatasetError(f"No active administration with the code {biggest!r}.")
    if not programme_plans():
        raise DatasetError(
            "No active regional certification programme with a course: run "
            "'manage.py seed_demo' first."
        )
    existing = synthetic_officer_count()
    if existing and not replace:
        raise DatasetError(
            f"{existing} synthetic officers (usernames starting with {USERNAME_PREFIX!r}) "
            "exist already. Run again with --replace to delete the synthetic rows and build "
            "a new dataset."
        )
    if existing:
        say(f"Deleting the previous synthetic dataset ({existing} officers)")
        dataset_delete(progress=say)
    role_groups_sync()
    report = DatasetReport()
    builder = Builder(seed=seed, now=now, report=report)
    shares = split(officers, [a.code for a in administrations], biggest, builder.rng)
    # The biggest first: with few officers, it is the one that walks through every state.
    ordered = sorted(administrations, key=lambda a: (a.code != biggest, a.code))
    done = 0
    for administration in ordered:
        count = shares.get(administration.code, 0)
        if not count:
            continue
        with transaction.atomic():
            manager = manager_of(administration, create=administration.code == biggest)
            plans = programme_plans(administration)
            units = builder.units_for(administration, count)
            assignments = builder.assignments_for(administration, plans, units, manager)
        for start in range(1, count + 1, chunk):
            numbers = range(start, min(count, start + chunk - 1) + 1)
            with transaction.atomic():
                relaxed_commit()
                batch = builder.officers_chunk(administration, numbers, units)
                builder.learning_chunk(administration, batch, plans, assignments, manager)
            done += len(numbers)
            say(
                f"  {administration.code}: {numbers.stop - 1}/{count} officers "
                f"({done}/{officers} in all, {time.perf_counter() - started:.0f} s)"
            )
        report.officers[administration.code] = count
    report.seconds = time.perf_counter() - started
    return report
