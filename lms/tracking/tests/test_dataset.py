"""The synthetic dataset of the tracking bench (``manage.py bench_dataset``): officers spread
over the administrations with half in the biggest, certificates in every state with their
unique numbers, codes and status positions, a refusal to build twice, and ``--replace``
deleting only the synthetic rows."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from assessments.models import AssessmentPage, Attempt
from certificates import codes
from certificates.models import Certificate, CertificateEvent
from certificates.tests.fixtures import make_programme
from courses.models import CourseIndexPage, CoursePage, Enrolment, ModulePage
from courses.tests.fixtures import add
from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role
from lms.tracking import selectors
from lms.tracking.dataset import (
    MIN_UNITS,
    UNIT_PREFIX,
    USERNAME_PREFIX,
    Builder,
    DatasetReport,
    certificate_state,
    split,
)
from lms.tracking.models import Assignment, OfficerAssignment

pytestmark = pytest.mark.django_db

STATES = {"valid", "expiring", "expired", "revoked", "renewed"}


def seed_accounts() -> None:
    from lms.accounts.seed import seed_demo

    seed_demo(stdout=io.StringIO())


@pytest.fixture
def world(home_page):
    """The demo's 26 administrations, units and accounts, and one regional programme that
    asks for a course and its final assessment (pages only: no lessons, no questions)."""
    seed_accounts()
    index = add(home_page, CourseIndexPage(title="Courses", slug="courses"))
    course = add(
        index, CoursePage(title="Detecting", slug="detecting", summary="x", track="illicit_trade")
    )
    module = add(course, ModulePage(title="Detection", slug="detection"))
    final = add(module, AssessmentPage(title="Final", slug="final", pass_mark=60))
    return make_programme(course=course, assessment=final, min_score=70)


def build(officers: int, *extra: str) -> str:
    out = io.StringIO()
    call_command("bench_dataset", "--officers", str(officers), *extra, stdout=out)
    return out.getvalue()


def synthetic():
    return User.objects.filter(username__startswith=USERNAME_PREFIX)


def non_synthetic_counts() -> dict[str, int]:
    return {
        "users": User.objects.exclude(username__startswith=USERNAME_PREFIX).count(),
        "units": Unit.objects.exclude(code__startswith=UNIT_PREFIX).count(),
        "enrolments": Enrolment.objects.exclude(user__username__startswith=USERNAME_PREFIX).count(),
        "certificates": Certificate.objects.exclude(
            holder__username__startswith=USERNAME_PREFIX
        ).count(),
    }


def test_builds_officers_in_every_state_with_unique_certificates(world):
    output = build(60)
    per = Administration.objects.get(code="PER")

    officers = synthetic()
    assert officers.count() == 60
    per_administration = dict(officers.values_list("administration__code").annotate(n=Count("pk")))
    assert per_administration["PER"] == 30
    assert sum(per_administration.values()) == 60
    assert set(per_administration) <= set(Administration.objects.values_list("code", flat=True))
    assert len(per_administration) > 10  # spread over the others
    assert "60 officers in" in output

    # Officers like any other: in the Officers group, an unusable password, a unit of
    # their administration, a unique employee number.
    assert officers.filter(groups__name=Role.OFFICER.value).count() == 60
    assert not any(officer.has_usable_password() for officer in officers)
    assert not officers.exclude(unit__administration=F("administration")).exists()
    assert officers.values("employee_number").distinct().count() == 60
    assert Unit.objects.filter(administration=per).count() >= MIN_UNITS

    # Certificates in every state, with unique numbers, codes and status positions.
    certificates = list(Certificate.objects.filter(holder__in=officers))
    now = timezone.now()
    states = Counter(certificate_state(certificate, now) for certificate in certificates)
    assert set(states) == STATES, states
    assert len({c.number for c in certificates}) == len(certificates)
    assert len({c.code for c in certificates}) == len(certificates)
    assert len({c.status_index for c in certificates}) == len(certificates)
    assert all(codes.normalize(c.code) == c.code for c in certificates)
    assert all(c.administration_id == c.holder.administration_id for c in certificates)
    renewed = [c for c in certificates if c.cycle == 2]
    assert renewed
    for second in renewed:
        assert second.previous.superseded_at == second.issued_at
        assert second.previous.holder_id == second.holder_id
    revoked = [c for c in certificates if c.revoked_at is not None]
    assert any(c.administration_id == per.pk for c in revoked)
    assert all(
        c.revoked_by is not None and c.revoked_by.username == "manager.per"
        for c in revoked
        if c.administration_id == per.pk
    )
    assert CertificateEvent.objects.filter(
        certificate__in=certificates, kind=CertificateEvent.Kind.ISSUED
    ).count() == len(certificates)

    # Each certificate was earned: a completed enrolment and a passed attempt before it.
    for certificate in certificates:
        assert Enrolment.objects.filter(
            user_id=certificate.holder_id,
            course_key=world.requirements.get(course__isnull=False).course.translation_key,
            status=Enrolment.Status.COMPLETED,
            completed_at__lte=certificate.issued_at,
        ).exists()
        assert Attempt.objects.filter(
            user_id=certificate.holder_id, passed=True, submitted_at__lte=certificate.issued_at
        ).exists()
    # Backdated rows keep their dates (auto_now_add stays on for everyone else).
    assert Enrolment.objects.filter(
        user__in=officers, enrolled_at__lt=now - dt.timedelta(days=30)
    ).exists()
    assert Enrolment._meta.get_field("enrolled_at").auto_now_add
    assert Attempt.objects.filter(user__in=officers, status="submitted").count() == (
        Attempt.objects.filter(user__in=officers).count()
    )

    # Assignments, some overdue, as the dashboard counts them.
    assert Assignment.objects.filter(administration=per).count() == 2
    columns = selectors.programme_columns(per)
    coverage = selectors.programme_coverage(per, columns, officer_count=30)
    figures = selectors.key_figures(per, coverage)
    assert figures.overdue_assignments > 0
    assert (
        figures.overdue_assignments
        == OfficerAssignment.objects.filter(
            administration=per, completed_at__isnull=True, due_on__lt=timezone.localdate()
        ).count()
    )
    assert figures.valid_certificates > 0 and figures.expired_certificates > 0


def test_a_second_run_refuses_and_replace_deletes_only_synthetic_rows(world):
    build(60)
    before = non_synthetic_counts()
    certificates = Certificate.objects.count()
    first = set(synthetic().values_list("pk", flat=True))

    with pytest.raises(CommandError, match="--replace"):
        build(60)
    assert synthetic().count() == 60
    assert Certificate.objects.count() == certificates

    build(40, "--replace", "--biggest", "pan", "--seed", "7")
    assert synthetic().count() == 40
    assert synthetic().filter(administration__code="PAN").count() == 20
    assert non_synthetic_counts() == before
    assert User.objects.filter(username="manager.per").exists()
    # Nothing of the first dataset is left behind: every row of the new one belongs to
    # the 40 new officers, and there are as many as the second build reported.
    assert not User.objects.filter(pk__in=first).exists()
    officers = synthetic()
    assert Certificate.objects.exclude(holder__in=officers).count() == before["certificates"]
    assert Enrolment.objects.exclude(user__in=officers).count() == before["enrolments"]
    assert not Attempt.objects.exclude(user__in=officers).exists()
    assert not OfficerAssignment.objects.exclude(officer__in=officers).exists()
    assert not CertificateEvent.objects.exclude(certificate__holder__in=officers).exists()
    administrations = set(officers.values_list("administration", flat=True))
    assert (
        set(
            Assignment.objects.filter(note__startswith="[bench]").values_list(
                "administration", flat=True
            )
        )
        == administrations
    )


def test_a_biggest_administration_without_manager_gets_a_synthetic_one(world):
    build(30, "--biggest", "BRA")
    manager = User.objects.get(username=f"{USERNAME_PREFIX}manager-bra")
    assert manager.groups.filter(name=Role.ADMINISTRATION_MANAGER.value).exists()
    revoked = Certificate.objects.filter(administration__code="BRA", revoked_at__isnull=False)
    assert revoked.exists()
    assert set(revoked.values_list("revoked_by", flat=True)) == {manager.pk}


def test_a_big_administration_gets_forty_units(world):
    bra = Administration.objects.get(code="BRA")
    builder = Builder(seed=1, now=timezone.now(), report=DatasetReport())
    units = builder.units_for(bra, 50_000)
    assert len(units) == 40
    assert Unit.objects.filter(administration=bra, code__startswith=UNIT_PREFIX).count() == 35
    assert len(builder.units_for(bra, 50_000)) == 40  # none added twice


def test_refuses_without_demo_content_or_with_an_unknown_administration(db):
    with pytest.raises(CommandError, match="seed_demo"):
        build(10)
    seed_accounts()
    with pytest.raises(CommandError, match="seed_demo"):  # no programme yet
        build(10)
    with pytest.raises(CommandError, match="XXX"):
        build(10, "--biggest", "XXX")
    assert not synthetic().exists()


def test_split_gives_half_to_the_biggest_and_adds_up():
    import random

    shares = split(100_000, ["ARG", "PER", "PAN", "BRA"], "PER", random.Random(1))
    assert shares["PER"] == 50_000
    assert sum(shares.values()) == 100_000
    assert all(shares[code] > 0 for code in ("ARG", "PAN", "BRA"))
    assert split(7, ["PER"], "PER", random.Random(1)) == {"PER": 7}


@pytest.mark.slow
def test_on_the_demo_content(django_capture_on_commit_callbacks):
    """The real demo: its three regional programmes, each with a course and an
    assessment, are found and every certificate state appears."""
    call_command("seed_demo", stdout=io.StringIO())
    demo_certificates = set(Certificate.objects.values_list("pk", flat=True))
    build(60)
    certificates = Certificate.objects.filter(holder__username__startswith=USERNAME_PREFIX)
    assert set(certificates.values_list("programme__code", flat=True)) == {
        "illicit-trade-analyst",
        "customs-integrity",
        "ftz-aeo-controls",
    }
    now = timezone.now()
    assert {certificate_state(c, now) for c in certificates} == STATES
    assert (
        Attempt.objects.filter(user__username__startswith=USERNAME_PREFIX)
        .values("assessment_key")
        .distinct()
        .count()
        == 3
    )
    build(20, "--replace")
    assert (
        set(
            Certificate.objects.exclude(holder__username__startswith=USERNAME_PREFIX).values_list(
                "pk", flat=True
            )
        )
        == demo_certificates
    )
