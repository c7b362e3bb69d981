"""Reading where an administration's officers stand: compliance per programme, key figures,
the figures behind the charts, and the regional aggregates.

Tenancy comes from ``lms.accounts.selectors``: :func:`access_tracked_administration`
answers 404 for an administration whose people the actor may not see, and every list is
filtered by that administration first, so no filter can reach another one's rows.

One rule decides a cell of the compliance matrix (officer x programme), written once as
SQL (:func:`status_rank_expression`) so that the matrix, its filters, its sort and the
exports agree:

1. a current certificate (not revoked, not renewed) that expires after the horizon
   (``EXPIRING_DAYS``) or never: **valid**;
2. a current certificate that expires within the horizon: **expiring**;
3. an open assignment of the programme (or of one of its courses) past its due date:
   **overdue**;
4. a certificate that has expired: **expired**;
5. an enrolment in one of the programme's courses: **in progress**;
6. otherwise **not started**.

A revoked certificate counts as none. Key figures and coverage are counted from the
certificates table (the latest certificate per officer and programme), so their cost
follows the number of certificates, not officers x programmes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate, Programme
from certificates.selectors import requirement_rows
from courses.models import Enrolment
from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role, roles_of
from lms.accounts.selectors import access_administration, can_see_people_of
from lms.accounts.timezones import past_due_q

from .models import OfficerAssignment

if TYPE_CHECKING:
    from lms.accounts.selectors import Actor

EXPIRING_DAYS = 90
ACTIVE_DAYS = 30


class Status:
    """The states of a compliance cell, with their sort rank (most urgent first)."""

    OVERDUE = "overdue"
    EXPIRED = "expired"
    EXPIRING = "expiring"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    VALID = "valid"

    ORDER = (OVERDUE, EXPIRED, EXPIRING, IN_PROGRESS, NOT_STARTED, VALID)
    LABELS = {
        VALID: _("Valid"),
        EXPIRING: _("Expiring"),
        EXPIRED: _("Expired"),
        IN_PROGRESS: _("In progress"),
        NOT_STARTED: _("Not started"),
        OVERDUE: _("Overdue"),
    }

    @classmethod
    def rank(cls, status: str) -> int:
        return cls.ORDER.index(status)

    @classmethod
    def of_rank(cls, rank: int) -> str:
        return cls.ORDER[rank]

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        return [(status, cls.LABELS[status]) for status in cls.ORDER]


# --- who may see what ------------------------------------------------------------------


def access_tracked_administration(actor: Actor, code: str) -> Administration:
    """The administration whose officers the actor tracks (its managers, platform admins);
    404 for anyone else, exactly as for a missing code."""
    administration = access_administration(actor, code)
    if not can_see_people_of(actor, administration):
        raise Http404
    return administration


def can_see_regional(actor: Actor) -> bool:
    """Regional coordinators and platform admins compare administrations (aggregates)."""
    return bool(roles_of(actor) & {Role.REGIONAL_COORDINATOR, Role.PLATFORM_ADMIN})


# --- officers and programmes -------------------------------------------------------------


def officers_of(administration: Administration) -> QuerySet[User]:
    """The administration's active officers (members of the Officers group)."""
    return User.objects.filter(
        administration=administration,
        is_active=True,
        groups__name=Role.OFFICER.value,
    )


@dataclass(frozen=True)
class ProgrammeColumn:
    """A programme as a column of the matrix: its id, code, title and course keys."""

    pk: int
    code: str
    title: str
    course_keys: tuple[uuid.UUID, ...]
    programme: Programme = field(compare=False, repr=False)

    @property
    def alias(self) -> str:
        return f"rank_{self.pk}"


def programme_columns(administration: Administration) -> list[ProgrammeColumn]:
    """Active programmes open to the administration's officers (regional ones and its own),
    in code order, in two queries."""
    programmes = (
        Programme.objects.filter(
            Q(administration__isnull=True) | Q(administration=administration), is_active=True
        )
        .prefetch_related("texts", Prefetch("requirements", queryset=requirement_rows()))
        .order_by("code")
    )
    columns = []
    for programme in programmes:
        keys = tuple(
            sorted(
                {row.course.translation_key for row in programme.requirements.all() if row.course},
                key=str,
            )
        )
        columns.append(
            ProgrammeColumn(
                programme.pk, programme.code, _programme_title(programme), keys, programme
            )
        )
    return columns


def _programme_title(programme: Programme) -> str:
    """The programme's title in the active language (its texts are prefetched)."""
    return programme.title_for() or programme.code


# --- the rule, as SQL --------------------------------------------------------------------


def status_rank_expression(
    column: ProgrammeColumn, *, now: dt.datetime, officer_ref: str = "pk"
) -> Case:
    """The cell's rank (index in :attr:`Status.ORDER`) for the officer ``officer_ref`` of
    the outer query, as one SQL CASE over EXISTS subqueries."""
    horizon = now + dt.timedelta(days=EXPIRING_DAYS)
    certificates = Certificate.objects.filter(
        holder_id=OuterRef(officer_ref), programme_id=column.pk, revoked_at__isnull=True
    )
    current = certificates.filter(superseded_at__isnull=True)
    valid = Exists(current.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=horizon)))
    expiring = Exists(current.filter(expires_at__gt=now, expires_at__lte=horizon))
    expired = Exists(certificates.filter(expires_at__lte=now))
    assigned = Q(programme_id=column.pk)
    if column.course_keys:
        assigned |= Q(course_key__in=column.course_keys)
    overdue = Exists(
        OfficerAssignment.objects.filter(
            assigned,
            past_due_q(now=now),
            officer_id=OuterRef(officer_ref),
            completed_at__isnull=True,
        )
    )
    whens = [
        When(valid, then=Value(Status.rank(Status.VALID))),
        When(expiring, then=Value(Status.rank(Status.EXPIRING))),
        When(overdue, then=Value(Status.rank(Status.OVERDUE))),
        When(expired, then=Value(Status.rank(Status.EXPIRED))),
    ]
    if column.course_keys:
        started = Exists(
            Enrolment.objects.filter(
                user_id=OuterRef(officer_ref), course_key__in=column.course_keys
            )
        )
        whens.append(When(started, then=Value(Status.rank(Status.IN_PROGRESS))))
    return Case(*whens, default=Value(Status.rank(Status.NOT_STARTED)), output_field=IntegerField())


# --- the matrix ----------------------------------------------------------------------------

SORTS = {
    "name": ("full_name", "username", "pk"),
    "-name": ("-full_name", "-username", "-pk"),
    "number": ("employee_number", "pk"),
    "-number": ("-employee_number", "-pk"),
    "unit": ("unit__name", "full_name", "pk"),
    "-unit": ("-unit__name", "full_name", "pk"),
}


@dataclass(frozen=True)
class MatrixFilters:
    unit: int | None = None
    programme: str | None = None  # a programme code
    status: str | None = None
    q: str = ""
    sort: str = "name"


def unit_and_descendants(administration: Administration, unit_id: int) -> list[int]:
    """The unit's id and those of every unit inside it (one query)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Unit.objects.filter(administration=administration).values_list(
        "pk", "parent_id"
    ):
        children[parent].append(pk)
    found, stack = [], [unit_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def compliance_matrix(
    administration: Administration,
    columns: Sequence[ProgrammeColumn],
    filters: MatrixFilters,
    *,
    now: dt.datetime | None = None,
) -> QuerySet[User]:
    """The administration's officers with one rank per programme column (``rank_<pk>``),
    filtered and sorted. Unknown filter values filter nothing in (an unknown unit or
    programme gives no rows); a bad sort falls back to the name."""
    now = now or timezone.now()
    queryset = officers_of(administration).select_related("unit")
    if filters.unit is not None:
        queryset = queryset.filter(unit_id__in=unit_and_descendants(administration, filters.unit))
    if filters.q:
        queryset = queryset.filter(
            Q(full_name__icontains=filters.q)
            | Q(employee_number__icontains=filters.q)
            | Q(username__icontains=filters.q)
        )
    chosen = list(columns)
    if filters.programme:
        chosen = [column for column in columns if column.code == filters.programme]
        if not chosen:
            return queryset.none()
    queryset = queryset.annotate(
        **{column.alias: status_rank_expression(column, now=now) for column in columns}
    )
    if filters.status:
        if filters.status not in Status.ORDER:
            return queryset.none()
        candidates = _status_candidates(filters.status, chosen, now=now)
        if candidates is not None:
            queryset = queryset.filter(pk__in=candidates)
        rank = Status.rank(filters.status)
        match = Q()
        for column in chosen:
            match |= Q(**{column.alias: rank})
        queryset = queryset.filter(match)
    sort = filters.sort
    if sort.lstrip("-") == "status" and len(chosen) == 1:
        alias = chosen[0].alias
        order = (f"-{alias}" if sort.startswith("-") else alias, "full_name", "pk")
    else:
        order = SORTS.get(sort, SORTS["name"])
    return queryset.order_by(*order)


def _status_candidates(
    status: str, columns: Sequence[ProgrammeColumn], *, now: dt.datetime
) -> QuerySet[Any] | None:
    """The ids of officers who may be in ``status`` for one of ``columns``: a necessary
    condition, cheap to compute as one semi-join, that spares the rank's subqueries for
    every other officer (at 50,000 officers the expiring filter evaluates some 10,000
    instead of all). ``None`` when no such shortcut exists (not started)."""
    programme_ids = [column.pk for column in columns]
    course_keys = {key for column in columns for key in column.course_keys}
    horizon = now + dt.timedelta(days=EXPIRING_DAYS)
    certificates = Certificate.objects.filter(
        programme_id__in=programme_ids, revoked_at__isnull=True
    ).values("holder_id")
    current = certificates.filter(superseded_at__isnull=True)
    if status == Status.VALID:
        return current.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=horizon))
    if status == Status.EXPIRING:
        return current.filter(expires_at__gt=now, expires_at__lte=horizon)
    if status == Status.EXPIRED:
        return certificates.filter(expires_at__lte=now)
    if status == Status.OVERDUE:
        assigned = Q(programme_id__in=programme_ids)
        if course_keys:
            assigned |= Q(course_key__in=course_keys)
        return OfficerAssignment.objects.filter(
            assigned, past_due_q(now=now), completed_at__isnull=True
        ).values("officer_id")
    if status == Status.IN_PROGRESS:
        return Enrolment.objects.filter(course_key__in=course_keys).values("user_id")
    return None


@dataclass(frozen=True)
class Cell:
    status: str
    expires_at: dt.datetime | None = None
    due_on: dt.date | None = None
    certificate_id: int | None = None

    @property
    def label(self) -> str:
        return str(Status.LABELS[self.status])


@dataclass
class MatrixRow:
    officer: User
    cells: list[Cell]


def matrix_rows(officers: Iterable[User], columns: Sequence[ProgrammeColumn]) -> list[MatrixRow]:
    """The page's officers (annotated by :func:`compliance_matrix`) as rows of cells, with
    the current certificate's expiry and the earliest open due date: two queries."""
    officers = list(officers)
    ids = [officer.pk for officer in officers]
    current: dict[tuple[int, int], tuple[int, dt.datetime | None]] = {}
    for pk, holder, programme, expires in (
        Certificate.objects.filter(
            holder_id__in=ids,
            programme_id__in=[column.pk for column in columns],
            revoked_at__isnull=True,
            superseded_at__isnull=True,
        )
        .order_by("issued_at")
        .values_list("pk", "holder_id", "programme_id", "expires_at")
    ):
        current[(holder, programme)] = (pk, expires)
    due: dict[tuple[int, Any], dt.date] = {}
    for officer_id, programme_id, course_key, due_on in (
        OfficerAssignment.objects.filter(officer_id__in=ids, completed_at__isnull=True)
        .order_by("-due_on")
        .values_list("officer_id", "programme_id", "course_key", "due_on")
    ):
        due[(officer_id, programme_id or course_key)] = due_on
    rows = []
    for officer in officers:
        cells = []
        for column in columns:
            status = Status.of_rank(getattr(officer, column.alias))
            certificate_id, expires_at = current.get((officer.pk, column.pk), (None, None))
            dues = [due.get((officer.pk, column.pk))] + [
                due.get((officer.pk, key)) for key in column.course_keys
            ]
            dues = [day for day in dues if day is not None]
            cells.append(Cell(status, expires_at, min(dues) if dues else None, certificate_id))
        rows.append(MatrixRow(officer, cells))
    return rows


# --- key figures and charts ----------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigures:
    officers: int
    active: int
    enrolments: int
    completions: int
    valid_certificates: int
    expiring_certificates: int
    expired_certificates: int
    overdue_assignments: int


@dataclass(frozen=True)
class ProgrammeCoverage:
    column: ProgrammeColumn
    valid: int  # includes expiring
    expiring: int
    expired: int
    officers: int

    @property
    def percent(self) -> float:
        return round(100 * self.valid / self.officers, 1) if self.officers else 0.0


def _latest(programme_ids: Iterable[int]) -> QuerySet[Certificate]:
    """Active holders' latest certificate per programme: not revoked, not renewed, and no
    later cycle (a new certification after an expiry leaves the old one unrenewed)."""
    later = Certificate.objects.filter(
        holder_id=OuterRef("holder_id"),
        programme_id=OuterRef("programme_id"),
        cycle__gt=OuterRef("cycle"),
        revoked_at__isnull=True,
    )
    return Certificate.objects.filter(
        holder__is_active=True,
        programme_id__in=list(programme_ids),
        revoked_at__isnull=True,
        superseded_at__isnull=True,
    ).exclude(Exists(later))


def latest_certificates(
    administration: Administration, columns: Sequence[ProgrammeColumn]
) -> QuerySet[Certificate]:
    """Each officer's latest certificate per programme, for the administration's active
    officers."""
    return _latest(column.pk for column in columns).filter(holder__administration=administration)


def programme_coverage(
    administration: Administration,
    columns: Sequence[ProgrammeColumn],
    *,
    officer_count: int,
    now: dt.datetime | None = None,
) -> list[ProgrammeCoverage]:
    """Valid, expiring and expired certificates per programme: one query."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=EXPIRING_DAYS)
    counts = {
        row["programme_id"]: row
        for row in latest_certificates(administration, columns)
        .values("programme_id")
        .annotate(
            valid=Count("pk", filter=Q(expires_at__isnull=True) | Q(expires_at__gt=now)),
            expiring=Count("pk", filter=Q(expires_at__gt=now, expires_at__lte=horizon)),
            expired=Count("pk", filter=Q(expires_at__lte=now)),
        )
    }
    return [
        ProgrammeCoverage(
            column,
            counts.get(column.pk, {}).get("valid", 0),
            counts.get(column.pk, {}).get("expiring", 0),
            counts.get(column.pk, {}).get("expired", 0),
            officer_count,
        )
        for column in columns
    ]


def key_figures(
    administration: Administration,
    coverage: Sequence[ProgrammeCoverage],
    *,
    now: dt.datetime | None = None,
) -> KeyFigures:
    """The dashboard's key figures (three queries; the certificate figures are the sums of
    ``coverage``)."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=ACTIVE_DAYS)
    recently = Enrolment.objects.filter(user_id=OuterRef("pk"), last_activity_at__gte=since)
    people = officers_of(administration).aggregate(
        officers=Count("pk"),
        active=Count("pk", filter=Q(last_login__gte=since) | Q(Exists(recently))),
    )
    learning = Enrolment.objects.filter(
        user__administration=administration, user__is_active=True
    ).aggregate(
        enrolments=Count("pk"),
        completions=Count("pk", filter=Q(status=Enrolment.Status.COMPLETED)),
    )
    overdue = OfficerAssignment.objects.filter(
        past_due_q(now=now), administration=administration, completed_at__isnull=True
    ).count()
    return KeyFigures(
        officers=people["officers"],
        active=people["active"],
        enrolments=learning["enrolments"],
        completions=learning["completions"],
        valid_certificates=sum(item.valid for item in coverage),
        expiring_certificates=sum(item.expiring for item in coverage),
        expired_certificates=sum(item.expired for item in coverage),
        overdue_assignments=overdue,
    )


def month_starts(months: int, *, now: dt.datetime | None = None) -> list[dt.date]:
    """The first days of the last ``months`` months, oldest first, this month last."""
    today = timezone.localdate(now or timezone.now())
    year, month = today.year, today.month
    starts = []
    for _index in range(months):
        starts.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return starts[::-1]


def completions_per_month(
    administrations: Sequence[Administration] | Administration,
    *,
    months: int = 12,
    now: dt.datetime | None = None,
) -> dict[int, list[tuple[dt.date, int]]]:
    """Completed enrolments per month for each administration (by the officer's current
    administration), the last ``months`` months with zeros filled in: one query."""
    if isinstance(administrations, Administration):
        administrations = [administrations]
    starts = month_starts(months, now=now)
    since = timezone.make_aware(dt.datetime.combine(starts[0], dt.time.min))
    found: dict[tuple[int, dt.date], int] = {}
    for row in (
        Enrolment.objects.filter(
            user__administration__in=[a.pk for a in administrations],
            completed_at__gte=since,
            status=Enrolment.Status.COMPLETED,
        )
        .annotate(month=TruncMonth("completed_at"))
        .values("user__administration_id", "month")
        .annotate(n=Count("pk"))
    ):
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        found[(row["user__administration_id"], month)] = row["n"]
    return {
        a.pk: [(start, found.get((a.pk, start), 0)) for start in starts] for a in administrations
    }


@dataclass(frozen=True)
class UnitCoverage:
    unit_id: int | None
    name: str
    officers: int
    covered: int  # (officer, programme) pairs with a valid certificate
    programmes: int

    @property
    def percent(self) -> float:
        pairs = self.officers * self.programmes
        return round(100 * self.covered / pairs, 1) if pairs else 0.0


def unit_coverage(
    administration: Administration,
    columns: Sequence[ProgrammeColumn],
    *,
    now: dt.datetime | None = None,
) -> list[UnitCoverage]:
    """Per unit: officers, and the share of officer x programme pairs holding a valid
    certificate. Two queries (officers per unit, valid certificates per unit)."""
    now = now or timezone.now()
    names = dict(Unit.objects.filter(administration=administration).values_list("pk", "name"))
    officers = dict(
        officers_of(administration)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    covered = dict(
        latest_certificates(administration, columns)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by()
        .values("holder__unit_id")
        .annotate(n=Count("pk"))
        .values_list("holder__unit_id", "n")
    )
    rows = [
        UnitCoverage(
            unit_id,
            names.get(unit_id, "") if unit_id else "",
            count,
            covered.get(unit_id, 0),
            len(columns),
        )
        for unit_id, count in officers.items()
    ]
    return sorted(rows, key=lambda row: (row.unit_id is None, row.name))


# --- the regional view (aggregates only) ---------------------------------------------------


@dataclass(frozen=True)
class RegionalRow:
    administration: Administration
    officers: int
    coverage: dict[int, int]  # programme pk -> officers with a valid certificate
    completions: list[tuple[dt.date, int]]
    # Fewer officers than ``LMS_REGIONAL_MIN_GROUP``: their coverage would tell who holds
    # a certificate (with one officer, 0 % or 100 % is that person's status), so it is
    # not shown on its own; it still counts in the region's total.
    small: bool = False

    def percent(self, programme_pk: int) -> float | None:
        if not self.officers or self.small:
            return None
        return round(100 * self.coverage.get(programme_pk, 0) / self.officers, 1)


def regional_programmes() -> list[Programme]:
    """Regional programmes (open to every administration): the comparable ones."""
    return list(
        Programme.objects.filter(administration__isnull=True, is_active=True)
        .prefetch_related("texts")
        .order_by("code")
    )


def regional_overview(
    actor: Actor, *, months: int = 12, now: dt.datetime | None = None
) -> tuple[list[Programme], list[RegionalRow]]:
    """Per administration: officers, valid certificates per regional programme and
    completions per month. Aggregates only; never names. 404 for anyone but regional
    coordinators and platform admins. Four queries whatever the number of
    administrations."""
    if not can_see_regional(actor):
        raise Http404
    now = now or timezone.now()
    administrations = list(Administration.objects.filter(is_active=True).order_by("code"))
    programmes = regional_programmes()
    officers = dict(
        User.objects.filter(is_active=True, groups__name=Role.OFFICER.value)
        .order_by()
        .values("administration_id")
        .annotate(n=Count("pk"))
        .values_list("administration_id", "n")
    )
    coverage: dict[int, dict[int, int]] = defaultdict(dict)
    for admin_id, programme_id, n in (
        _latest(programme.pk for programme in programmes)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by()
        .values("holder__administration_id", "programme_id")
        .annotate(n=Count("pk"))
        .values_list("holder__administration_id", "programme_id", "n")
    ):
        coverage[admin_id][programme_id] = n
    completions = completions_per_month(administrations, months=months, now=now)
    smallest = settings.LMS_REGIONAL_MIN_GROUP
    rows = [
        RegionalRow(
            a,
            officers.get(a.pk, 0),
            coverage.get(a.pk, {}),
            completions[a.pk],
            small=0 < officers.get(a.pk, 0) < smallest,
        )
        for a in administrations
    ]
    return programmes, rows


# --- one officer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptSummary:
    assessment_key: uuid.UUID
    title: str
    attempts: int
    best: float | None
    passed: bool
    last_at: dt.datetime | None


@dataclass
class OfficerOverview:
    officer: User
    row: MatrixRow | None
    columns: list[ProgrammeColumn]
    enrolments: list[Enrolment]
    attempts: list[AttemptSummary]
    certificates: list[Certificate]
    assignments: list[OfficerAssignment]
    scorm: list[Any] = field(default_factory=list)
    """SCORM packages played (``courses.packages.scorm.selectors.PackageResult``)."""


def officer_overview(
    actor: Actor, administration: Administration, pk: int, *, now: dt.datetime | None = None
) -> OfficerOverview:
    """Everything a manager sees about one officer of their administration: compliance per
    programme, enrolments, a summary of graded attempts per assessment, certificates and
    assignments. 404 for another administration's officer or a missing one."""
    from assessments.selectors import attempts_visible_to
    from certificates.selectors import certificates_visible_to
    from courses.packages.scorm.selectors import scorm_results_for_officer
    from lms.accounts.selectors import access_officer

    officer = access_officer(actor, pk, administration=administration)
    columns = programme_columns(administration)
    now = now or timezone.now()
    annotated = (
        User.objects.filter(pk=officer.pk)
        .annotate(**{column.alias: status_rank_expression(column, now=now) for column in columns})
        .select_related("unit")
    )
    rows = matrix_rows(annotated, columns)
    enrolments = list(
        Enrolment.objects.filter(user=officer).select_related("course").order_by("-enrolled_at")
    )
    summaries: dict[uuid.UUID, dict[str, Any]] = {}
    for attempt in (
        attempts_visible_to(actor)
        .filter(user=officer, submitted_at__isnull=False)
        .select_related("assessment")
        .order_by("submitted_at")
    ):
        entry = summaries.setdefault(
            attempt.assessment_key,
            {"title": "", "attempts": 0, "best": None, "passed": False, "last_at": None},
        )
        entry["title"] = attempt.assessment.title if attempt.assessment else entry["title"]
        entry["attempts"] += 1
        if attempt.percent is not None:
            entry["best"] = max(entry["best"] or 0.0, attempt.percent)
        entry["passed"] = entry["passed"] or bool(attempt.passed)
        entry["last_at"] = attempt.submitted_at
    certificates = list(
        certificates_visible_to(actor).filter(holder=officer).order_by("-issued_at")
    )
    assignments = list(
        OfficerAssignment.objects.filter(officer=officer, administration=administration)
        .select_related("assignment__course", "programme")
        .prefetch_related("programme__texts")
        .order_by("completed_at", "due_on")
    )
    return OfficerOverview(
        officer=officer,
        row=rows[0] if rows else None,
        columns=columns,
        enrolments=enrolments,
        attempts=[AttemptSummary(key, **entry) for key, entry in summaries.items()],
        certificates=certificates,
        assignments=assignments,
        scorm=scorm_results_for_officer(administration_id=administration.pk, officer_id=officer.pk),
    )


# --- exports ---------------------------------------------------------------------------------
# Read in chunks for streamed exports: one query streams the rows (``.iterator()``, a
# server-side cursor on PostgreSQL) and each chunk fetches its extra data at once, so the
# number of queries follows the number of chunks, never the number of officers.

EXPORT_CHUNK_SIZE = 5000


#: What an exported matrix row knows of its officer (besides ``pk`` and the ranks).
EXPORT_OFFICER_FIELDS = ("employee_number", "full_name", "username", "email", "unit__name")


def matrix_export_rows(
    administration: Administration,
    columns: Sequence[ProgrammeColumn],
    filters: MatrixFilters,
    *,
    now: dt.datetime | None = None,
    chunk_size: int = EXPORT_CHUNK_SIZE,
) -> Iterable[MatrixRow]:
    """Every row of the filtered matrix (as :func:`compliance_matrix` filters and sorts
    it), with its cells: one streamed query, and two per chunk (:func:`matrix_rows`).

    The rows' ``officer`` is a plain namespace, not a ``User`` (tens of thousands of model
    instances cost more than the query): ``pk``, the ranks, and
    :data:`EXPORT_OFFICER_FIELDS` (``unit__name`` as ``unit_name``).
    """
    import itertools
    from types import SimpleNamespace

    officers = compliance_matrix(administration, columns, filters, now=now)
    if officers.query.is_empty():  # filters that match nobody (ranks never annotated)
        return
    officers = officers.values("pk", *EXPORT_OFFICER_FIELDS, *(column.alias for column in columns))
    for chunk in itertools.batched(officers.iterator(chunk_size=chunk_size), chunk_size):
        people = []
        for values in chunk:
            values["unit_name"] = values.pop("unit__name") or ""
            people.append(SimpleNamespace(**values))
        yield from matrix_rows(people, columns)  # type: ignore[arg-type]


PROGRESS_FIELDS = (
    "user__employee_number",
    "user__full_name",
    "user__username",
    "user__unit__name",
    "course__title",
    "course_key",
    "status",
    "percent_complete",
    "enrolled_at",
    "last_activity_at",
    "completed_at",
)


def progress_export_rows(
    administration: Administration, *, chunk_size: int = EXPORT_CHUNK_SIZE
) -> Iterable[tuple[Any, ...]]:
    """One tuple (:data:`PROGRESS_FIELDS`) per enrolment of the administration's active
    officers, by officer then enrolment date: one streamed query."""
    return (
        Enrolment.objects.filter(user_id__in=officers_of(administration).values("pk"))
        .order_by("user__full_name", "user_id", "enrolled_at", "pk")
        .values_list(*PROGRESS_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
