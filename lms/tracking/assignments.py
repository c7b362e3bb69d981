"""Assignments of training with due dates: services and selectors.

A manager assigns a course (any translation counts: rows carry the course's
``translation_key``) or a certification programme to officers and to whole units. Each
targeted officer gets one :class:`OfficerAssignment` row. Officers who join a unit later
get theirs from :func:`assignments_sync`, the one reconciliation that the officer import,
the user receivers (:mod:`lms.tracking.receivers`) and ``manage.py tracking_remind --sync``
call; it is idempotent and set-based (a few queries whatever the number of officers).

A row is completed when the officer has completed the course or holds a valid
certificate of the programme (:func:`_completion_dates`, shared by creation and by
:func:`assignments_complete_for`, which the completion receivers call).

Reminders (:func:`assignment_reminders_send`) go once before the due date and once when
overdue, one e-mail per officer and kind, in the officer's language.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates.models import Certificate, Programme
from courses.models import CoursePage, Enrolment
from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role
from lms.accounts.selectors import can_see_people_of
from lms.accounts.timezones import (
    administration_zone,
    local_date_for,
    local_date_in,
    past_due_q,
    zone_for,
)
from lms.audit.models import AuditAction
from lms.audit.services import audit_record
from lms.public_url import public_url

from .models import Assignment, OfficerAssignment

if TYPE_CHECKING:
    from lms.accounts.selectors import Actor

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
RECENTLY_COMPLETED_DAYS = 30
DEFAULT_REMINDER_DAYS = 7

Target = tuple[str, Any]  # ("course", translation key) or ("programme", programme id)


def reminder_days() -> int:
    """How many days before the due date the first reminder goes."""
    return int(getattr(settings, "LMS_ASSIGNMENT_REMINDER_DAYS", DEFAULT_REMINDER_DAYS))


def _target(course_key: uuid.UUID | None, programme_id: int | None) -> Target:
    return ("course", course_key) if course_key is not None else ("programme", programme_id)


def _chunks(items: Sequence[Any], size: int = BATCH_SIZE) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- what an administration may assign -----------------------------------------------------


def course_scope(administration: Administration) -> Q:
    """Courses the administration's officers may take: regional ones and its own (the
    rule of ``courses.selectors.course_visibility_q`` for an officer of it)."""
    return Q(administration__isnull=True) | Q(administration_id=administration.pk)


def assignable_courses(administration: Administration, language: str = "") -> list[CoursePage]:
    """Live courses open to the administration's officers, one per course (the
    translation in ``language`` when there is one, else the default language's, else any),
    sorted by title. One query."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    order = [language, language.split("-")[0], settings.LANGUAGE_CODE]
    chosen: dict[uuid.UUID, CoursePage] = {}

    def rank(page: CoursePage) -> int:
        code = page.locale.language_code
        return order.index(code) if code in order else len(order)

    for page in (
        CoursePage.objects.live().filter(course_scope(administration)).select_related("locale")
    ):
        current = chosen.get(page.translation_key)
        if current is None or rank(page) < rank(current):
            chosen[page.translation_key] = page
    return sorted(chosen.values(), key=lambda page: page.title.casefold())


def assignable_programmes(administration: Administration) -> QuerySet[Programme]:
    """Active programmes open to the administration's officers (regional and its own)."""
    return (
        Programme.objects.filter(
            Q(administration__isnull=True) | Q(administration=administration), is_active=True
        )
        .prefetch_related("texts")
        .order_by("code")
    )


def _officers(administration_id: int) -> QuerySet[User]:
    return User.objects.filter(
        administration_id=administration_id, is_active=True, groups__name=Role.OFFICER.value
    )


def unit_children(administration_ids: Iterable[int]) -> dict[int | None, list[int]]:
    """Child unit ids per parent id for the administrations (one query)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Unit.objects.filter(
        administration_id__in=list(administration_ids)
    ).values_list("pk", "parent_id"):
        children[parent].append(pk)
    return children


def _with_descendants(unit_ids: Iterable[int], children: dict[int | None, list[int]]) -> set[int]:
    found: set[int] = set()
    stack = list(unit_ids)
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


# --- completion ------------------------------------------------------------------------------


def _completion_dates(
    officers: QuerySet[Any] | Sequence[int],
    targets: Iterable[Target],
    *,
    now: dt.datetime,
) -> dict[tuple[int, Target], dt.datetime]:
    """When each officer completed each target: the completed enrolment's date for a
    course, the issue date of a valid certificate (not revoked, not renewed, not expired)
    for a programme. At most two queries; ``officers`` may be a subquery of ids."""
    course_keys = {value for kind, value in targets if kind == "course"}
    programme_ids = {value for kind, value in targets if kind == "programme"}
    found: dict[tuple[int, Target], dt.datetime] = {}
    if course_keys:
        for user_id, key, completed_at in Enrolment.objects.filter(
            user_id__in=officers,
            course_key__in=course_keys,
            status=Enrolment.Status.COMPLETED,
        ).values_list("user_id", "course_key", "completed_at"):
            found[(user_id, ("course", key))] = completed_at or now
    if programme_ids:
        for holder_id, programme_id, issued_at in (
            Certificate.objects.filter(
                holder_id__in=officers,
                programme_id__in=programme_ids,
                revoked_at__isnull=True,
                superseded_at__isnull=True,
            )
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .values_list("holder_id", "programme_id", "issued_at")
        ):
            found[(holder_id, ("programme", programme_id))] = issued_at or now
    return found


def assignments_complete_for(*, officer_id: int, now: dt.datetime | None = None) -> int:
    """Complete the officer's open rows whose course they completed or whose programme's
    certificate they hold; returns how many. Idempotent."""
    now = now or timezone.now()
    open_rows = list(
        OfficerAssignment.objects.filter(
            officer_id=officer_id, completed_at__isnull=True
        ).values_list("pk", "course_key", "programme_id")
    )
    if not open_rows:
        return 0
    targets = {_target(key, programme) for _pk, key, programme in open_rows}
    dates = _completion_dates([officer_id], targets, now=now)
    by_date: dict[dt.datetime, list[int]] = defaultdict(list)
    for pk, key, programme in open_rows:
        when = dates.get((officer_id, _target(key, programme)))
        if when is not None:
            by_date[when].append(pk)
    count = 0
    with transaction.atomic():
        for when, pks in by_date.items():
            count += OfficerAssignment.objects.filter(pk__in=pks, completed_at__isnull=True).update(
                completed_at=when
            )
    return count


# --- creating and withdrawing ---------------------------------------------------------------


def _check_manager(actor: Actor, administration: Administration) -> None:
    if not can_see_people_of(actor, administration):
        raise PermissionDenied(_("You may not assign training in this administration."))


def _assignment_repr(
    course: CoursePage | None, programme: Programme | None, due_on: dt.date
) -> str:
    what = course.title if course is not None else (str(programme) if programme else "")
    return f"{what} ({due_on.isoformat()})"


def assignment_create(
    *,
    actor: User,
    administration: Administration,
    due_on: dt.date,
    course: CoursePage | None = None,
    programme: Programme | None = None,
    units: Iterable[Unit] = (),
    officers: Iterable[User] = (),
    include_subunits: bool = True,
    note: str = "",
    now: dt.datetime | None = None,
) -> Assignment:
    """Assign a course or a programme to officers and units of ``administration``, due on
    ``due_on``. Every targeted active officer gets a row (completed at once when they have
    already done it). Anything invalid raises a translated :class:`ValidationError` and
    writes nothing."""
    _check_manager(actor, administration)
    now = now or timezone.now()
    units = list(units)
    officers = list(officers)
    errors: dict[str, list[str]] = defaultdict(list)
    if (course is None) == (programme is None):
        errors["__all__"].append(_("Choose either a course or a programme."))
    if course is not None and not (
        CoursePage.objects.live().filter(course_scope(administration), pk=course.pk).exists()
    ):
        errors["course"].append(_("This course is not open to the administration's officers."))
    if programme is not None and not (
        programme.is_active and programme.administration_id in (None, administration.pk)
    ):
        errors["programme"].append(
            _("This programme is not open to the administration's officers.")
        )
    foreign_units = [unit for unit in units if unit.administration_id != administration.pk]
    if foreign_units:
        errors["units"].append(_("Choose units of this administration only."))
    officer_ids = {officer.pk for officer in officers}
    valid_officers = set(
        _officers(administration.pk).filter(pk__in=officer_ids).values_list("pk", flat=True)
    )
    strangers = [officer for officer in officers if officer.pk not in valid_officers]
    if strangers:
        errors["officers"].append(
            _("These people are not active officers of this administration: %(names)s")
            % {"names": ", ".join(sorted(o.employee_number or o.get_username() for o in strangers))}
        )
    if due_on < local_date_in(administration_zone(administration), now):
        errors["due_on"].append(_("The due date cannot be in the past."))
    if not units and not officers:
        errors["__all__"].append(_("Choose at least one unit or officer."))
    if errors:
        raise ValidationError(dict(errors))

    unit_ids = {unit.pk for unit in units}
    if include_subunits and unit_ids:
        unit_ids = _with_descendants(unit_ids, unit_children([administration.pk]))
    course_key = course.translation_key if course is not None else None
    target = _target(course_key, programme.pk if programme is not None else None)
    targeted = _officers(administration.pk).filter(Q(unit_id__in=unit_ids) | Q(pk__in=officer_ids))
    with transaction.atomic():
        assignment = Assignment.objects.create(
            administration=administration,
            course=course,
            course_key=course_key,
            programme=programme,
            due_on=due_on,
            note=note.strip(),
            include_subunits=include_subunits,
            created_by=actor,
        )
        if units:
            assignment.units.set(units)
        if officers:
            assignment.officers.set(officers)
        officer_rows = sorted(set(targeted.values_list("pk", "unit_id")))
        done = _completion_dates(targeted.values("pk"), [target], now=now)
        rows = [
            OfficerAssignment(
                assignment=assignment,
                officer_id=officer_id,
                administration=administration,
                course_key=course_key,
                programme=programme,
                due_on=due_on,
                via_unit=officer_id not in officer_ids,
                completed_at=done.get((officer_id, target)),
            )
            for officer_id, _unit_id in officer_rows
        ]
        OfficerAssignment.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        audit_record(
            actor=actor,
            action=AuditAction.ASSIGNMENT_CREATE,
            administration=administration,
            target=assignment,
            target_repr=_assignment_repr(course, programme, due_on),
            after={
                "course_key": course_key,
                "programme": programme.pk if programme is not None else None,
                "due_on": due_on,
                "units": sorted(unit.pk for unit in units),
                "officers": sorted(officer_ids),
                "include_subunits": include_subunits,
                "targeted": len(rows),
            },
        )
    assignment.targeted_count = len(rows)
    return assignment


def assignment_withdraw(
    *, actor: User, assignment: Assignment, now: dt.datetime | None = None
) -> Assignment:
    """Withdraw an assignment: open rows go, completed rows stay as history. Withdrawing
    twice changes nothing."""
    _check_manager(actor, assignment.administration)
    now = now or timezone.now()
    with transaction.atomic():
        updated = Assignment.objects.filter(pk=assignment.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=now, withdrawn_by=actor
        )
        if updated:
            removed, _by_model = OfficerAssignment.objects.filter(
                assignment_id=assignment.pk, completed_at__isnull=True
            ).delete()
            audit_record(
                actor=actor,
                action=AuditAction.ASSIGNMENT_WITHDRAW,
                administration=assignment.administration_id,
                target=assignment,
                target_repr=_assignment_repr(
                    assignment.course, assignment.programme, assignment.due_on
                ),
                before={"withdrawn_at": None},
                after={"withdrawn_at": now, "open_rows_removed": removed},
            )
    assignment.refresh_from_db()
    return assignment


# --- reconciliation --------------------------------------------------------------------------


def assignments_sync(*, officer_ids: Iterable[int] | None = None) -> None:
    """Make the rows match the assignments, for the given officers or for everyone.

    An active officer gets a row for every active assignment of their administration that
    targets their unit (or a unit above it, when the assignment includes sub-units) or
    them directly. Open rows that came from a unit the officer no longer belongs to go
    (direct and completed rows stay), and so do open rows of another administration than
    the officer's own. Idempotent; a few queries per batch of officers."""
    if officer_ids is not None:
        ids = sorted(set(officer_ids))
        for chunk in _chunks(ids):
            _sync(User.objects.filter(pk__in=list(chunk)))
        return
    for administration_id in Administration.objects.order_by("pk").values_list("pk", flat=True):
        _sync(User.objects.filter(administration_id=administration_id))
    # Officers who left every administration keep no open rows.
    _sync(User.objects.filter(administration__isnull=True, assignments__completed_at__isnull=True))


def _sync(people: QuerySet[User], now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    is_officer = Exists(
        User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=Role.OFFICER.value)
    )
    person: dict[int, tuple[int | None, int | None, bool]] = {}
    for pk, administration_id, unit_id, active, officer in (
        people.annotate(is_officer=is_officer)
        .order_by()
        .distinct()
        .values_list("pk", "administration_id", "unit_id", "is_active", "is_officer")
    ):
        eligible = bool(active and officer and administration_id)
        person[pk] = (administration_id, unit_id, eligible)
    if not person:
        return
    ids = sorted(person)
    administrations = {a for a, _u, eligible in person.values() if eligible and a}

    # What should be: (assignment, officer) pairs through units and directly.
    children = unit_children(administrations) if administrations else {}
    parent = {child: p for p, kids in children.items() for child in kids}
    by_unit: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for assignment_id, unit_id, include_subunits in Assignment.units.through.objects.filter(
        assignment__administration_id__in=administrations, assignment__withdrawn_at__isnull=True
    ).values_list("assignment_id", "unit_id", "assignment__include_subunits"):
        by_unit[unit_id].append((assignment_id, include_subunits))
    direct_rows = Assignment.officers.through.objects.filter(
        user_id__in=ids, assignment__withdrawn_at__isnull=True
    ).values_list("assignment_id", "user_id", "assignment__administration_id")
    wanted_unit: set[tuple[int, int]] = set()
    wanted_direct: set[tuple[int, int]] = set()
    for assignment_id, user_id, administration_id in direct_rows:
        own_administration, _unit, eligible = person[user_id]
        if eligible and administration_id == own_administration:
            wanted_direct.add((assignment_id, user_id))
    for pk, (_administration, unit_id, eligible) in person.items():
        if not eligible or unit_id is None:
            continue
        current, seen = unit_id, set()
        while current is not None and current not in seen:
            seen.add(current)
            for assignment_id, include_subunits in by_unit.get(current, ()):
                if current == unit_id or include_subunits:
                    wanted_unit.add((assignment_id, pk))
            current = parent.get(current)

    # What is: the people's rows.
    existing: dict[tuple[int, int], tuple[int, bool, bool, int]] = {}
    for (
        pk,
        assignment_id,
        officer_id,
        via_unit,
        completed,
        administration_id,
    ) in OfficerAssignment.objects.filter(officer_id__in=ids).values_list(
        "pk",
        "assignment_id",
        "officer_id",
        "via_unit",
        "completed_at",
        "administration_id",
    ):
        existing[(assignment_id, officer_id)] = (
            pk,
            via_unit,
            completed is not None,
            administration_id,
        )

    stale: list[int] = []
    now_direct: list[int] = []
    for pair, (pk, via_unit, completed, administration_id) in existing.items():
        if completed:
            continue
        own_administration, _unit, eligible = person[pair[1]]
        if administration_id != own_administration:
            stale.append(pk)  # moved to another administration (or none)
        elif via_unit and pair not in wanted_unit:
            if pair in wanted_direct:
                now_direct.append(pk)
            else:
                stale.append(pk)
    missing = sorted((wanted_unit | wanted_direct) - existing.keys())

    with transaction.atomic():
        for chunk in _chunks(stale):
            OfficerAssignment.objects.filter(pk__in=list(chunk), completed_at__isnull=True).delete()
        for chunk in _chunks(now_direct):
            OfficerAssignment.objects.filter(pk__in=list(chunk)).update(via_unit=False)
        if not missing:
            return
        assignments = {
            pk: (administration_id, key, programme_id, due_on)
            for pk, administration_id, key, programme_id, due_on in Assignment.objects.filter(
                pk__in={assignment_id for assignment_id, _officer in missing}
            ).values_list("pk", "administration_id", "course_key", "programme_id", "due_on")
        }
        targets = {_target(key, programme) for _a, key, programme, _d in assignments.values()}
        done = _completion_dates(people.values("pk"), targets, now=now)
        rows = []
        for assignment_id, officer_id in missing:
            administration_id, key, programme_id, due_on = assignments[assignment_id]
            rows.append(
                OfficerAssignment(
                    assignment_id=assignment_id,
                    officer_id=officer_id,
                    administration_id=administration_id,
                    course_key=key,
                    programme_id=programme_id,
                    due_on=due_on,
                    via_unit=(assignment_id, officer_id) not in wanted_direct,
                    completed_at=done.get((officer_id, _target(key, programme_id))),
                )
            )
        OfficerAssignment.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)


# --- reading ---------------------------------------------------------------------------------


def _require_people(actor: Actor, administration: Administration) -> None:
    if not can_see_people_of(actor, administration):
        raise Http404


def assignment_list_for_user(
    actor: Actor, administration: Administration, *, now: dt.datetime | None = None
) -> QuerySet[Assignment]:
    """The administration's assignments with ``targeted``, ``completed`` and ``overdue``
    counts (one aggregate query) and ``direct_count`` (officers named directly); active
    ones first, latest due date first. 404 for anyone who may not see its people."""
    _require_people(actor, administration)
    direct = (
        Assignment.officers.through.objects.filter(assignment_id=OuterRef("pk"))
        .order_by()
        .values("assignment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Assignment.objects.filter(administration=administration)
        .select_related("programme", "course")
        .prefetch_related("programme__texts", "units")
        .annotate(
            targeted=Count("records"),
            completed=Count("records", filter=Q(records__completed_at__isnull=False)),
            overdue=Count(
                "records",
                filter=Q(records__completed_at__isnull=True)
                & past_due_q(now=now, due="records__due_on", officer="records__officer"),
            ),
            direct_count=Coalesce(
                Subquery(direct, output_field=IntegerField()), Value(0), output_field=IntegerField()
            ),
        )
        .order_by(F("withdrawn_at").asc(nulls_first=True), "-due_on", "-pk")
    )


def access_assignment(actor: Actor, administration: Administration, pk: int) -> Assignment:
    """One assignment of the administration; 404 for another one's and for a missing one."""
    _require_people(actor, administration)
    try:
        return (
            Assignment.objects.select_related("programme", "course", "administration", "created_by")
            .prefetch_related("programme__texts", "units")
            .get(pk=pk, administration=administration)
        )
    except Assignment.DoesNotExist as exc:
        raise Http404 from exc


def assignment_records(
    actor: Actor, assignment: Assignment, *, now: dt.datetime | None = None
) -> QuerySet[OfficerAssignment]:
    """The assignment's rows per officer (still of its administration), overdue first,
    then open, then completed; by name."""
    _require_people(actor, assignment.administration)
    return (
        OfficerAssignment.objects.filter(
            assignment=assignment,
            administration_id=assignment.administration_id,
            officer__administration_id=assignment.administration_id,
        )
        .select_related("officer", "officer__unit")
        .annotate(
            state=Case(
                When(completed_at__isnull=False, then=Value(2)),
                When(past_due_q(now=now), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("state", "officer__full_name", "officer__username", "pk")
    )


def assignment_summary(assignment: Assignment, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Targeted, completed and overdue rows of one assignment (one query)."""
    return OfficerAssignment.objects.filter(
        assignment=assignment, administration_id=assignment.administration_id
    ).aggregate(
        targeted=Count("pk"),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        overdue=Count("pk", filter=Q(completed_at__isnull=True) & past_due_q(now=now)),
    )


def overdue_assignment_list(
    actor: Actor, administration: Administration, *, limit: int = 10, now: dt.datetime | None = None
) -> list[Assignment]:
    """Active assignments with overdue officers, most overdue first (for the dashboard)."""
    assignments = (
        assignment_list_for_user(actor, administration, now=now)
        .filter(withdrawn_at__isnull=True, overdue__gt=0)
        .order_by("due_on", "pk")[:limit]
    )
    return with_titles(list(assignments))


def course_pages(keys: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[CoursePage]]:
    """Live translations of the courses, by translation key (one query)."""
    pages: dict[uuid.UUID, list[CoursePage]] = defaultdict(list)
    keys = set(keys)
    if keys:
        for page in (
            CoursePage.objects.live()
            .filter(translation_key__in=keys)
            .select_related("locale")
            .only(
                "id",
                "title",
                "url_path",
                "path",
                "depth",
                "translation_key",
                "locale__language_code",
            )
        ):
            pages[page.translation_key].append(page)
    return pages


def course_page_in(pages: Sequence[CoursePage], language: str) -> CoursePage | None:
    """The translation in ``language``, else the default language's, else any."""
    for wanted in (language, language.split("-")[0], settings.LANGUAGE_CODE):
        for page in pages:
            if page.locale.language_code == wanted:
                return page
    return pages[0] if pages else None


def title_of(
    course_key: uuid.UUID | None,
    programme: Programme | None,
    pages: dict[uuid.UUID, list[CoursePage]],
    language: str,
    fallback: CoursePage | None = None,
) -> str:
    if programme is not None:
        return programme.title_for(language)
    page = course_page_in(pages.get(course_key, []), language) or fallback
    return page.title if page is not None else _("A course that is not published")


def with_titles(assignments: list[Assignment], language: str = "") -> list[Assignment]:
    """Set ``title`` (course or programme, in ``language``) on each assignment: one query
    for the courses' translations."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    pages = course_pages(a.course_key for a in assignments if a.course_key)
    for assignment in assignments:
        assignment.title = title_of(
            assignment.course_key, assignment.programme, pages, language, assignment.course
        )
    return assignments


@dataclass
class AssignedItem:
    """One line of "Assigned to me"."""

    record: OfficerAssignment
    title: str
    url: str
    kind: str  # "course" | "programme"
    overdue: bool

    @property
    def due_on(self) -> dt.date:
        return self.record.due_on

    @property
    def completed_at(self) -> dt.datetime | None:
        return self.record.completed_at

    @property
    def note(self) -> str:
        return self.record.assignment.note


def assignments_for_officer(
    officer: User, *, language: str = "", now: dt.datetime | None = None
) -> list[AssignedItem]:
    """The officer's open assignments (overdue first, then by due date) followed by those
    completed in the last days, with titles in ``language`` (default: the active one) and
    links: the course page, or the officer's certificates for a programme. Three queries."""
    now = now or timezone.now()
    today = local_date_for(officer, now)  # due dates end at midnight in the officer's zone
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    since = now - dt.timedelta(days=RECENTLY_COMPLETED_DAYS)
    records = list(
        OfficerAssignment.objects.filter(
            officer=officer, administration_id=officer.administration_id
        )
        .filter(
            Q(completed_at__isnull=True, assignment__withdrawn_at__isnull=True)
            | Q(completed_at__gte=since)
        )
        .select_related("assignment", "programme")
        .prefetch_related("programme__texts")
    )
    pages = course_pages(r.course_key for r in records if r.course_key)
    certificates_url = reverse("certificates:mine")
    items = []
    for record in records:
        if record.programme_id:
            url, kind = certificates_url, "programme"
        else:
            page = course_page_in(pages.get(record.course_key, []), language)
            url, kind = (page.get_url() or "" if page is not None else ""), "course"
        items.append(
            AssignedItem(
                record=record,
                title=title_of(record.course_key, record.programme, pages, language),
                url=url,
                kind=kind,
                overdue=record.completed_at is None and record.due_on < today,
            )
        )
    open_items = sorted(
        (item for item in items if item.completed_at is None),
        key=lambda item: (not item.overdue, item.due_on, item.record.pk),
    )
    done = sorted(
        (item for item in items if item.completed_at is not None),
        key=lambda item: item.completed_at,
        reverse=True,
    )
    return open_items + done


# --- reminders -------------------------------------------------------------------------------


DUE = "due"
OVERDUE = "overdue"


def _send_reminder(officer: User, kind: str, items: list[AssignedItem], now: dt.datetime) -> bool:
    if not officer.email:
        return False
    context = {
        "officer": officer,
        "kind": kind,
        "items": items,
        "platform_name": settings.LMS_PLATFORM_NAME,
        "my_assignments_url": public_url(reverse("tracking:my_assignments")),
    }
    earliest = min(item.due_on for item in items)
    if kind == DUE:
        subject = ngettext(
            "Training due by %(date)s",
            "%(count)s trainings due, the first by %(date)s",
            len(items),
        ) % {"count": len(items), "date": date_format(earliest, "DATE_FORMAT")}
    else:
        subject = ngettext(
            "Overdue training: due on %(date)s",
            "%(count)s overdue trainings, the first due on %(date)s",
            len(items),
        ) % {"count": len(items), "date": date_format(earliest, "DATE_FORMAT")}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("tracking/email/assignment_reminder.txt", context),
        to=[officer.email],
    )
    message.attach_alternative(
        render_to_string("tracking/email/assignment_reminder.html", context), "text/html"
    )
    message.send()
    return True


def assignment_reminders_send(*, now: dt.datetime | None = None) -> int:
    """E-mail each officer once about their open assignments due within
    ``LMS_ASSIGNMENT_REMINDER_DAYS`` days, and once about those overdue: one e-mail per
    officer and kind listing every item, in the officer's language. Rows are marked in
    bulk, so running again sends nothing new. Returns how many e-mails went out."""
    now = now or timezone.now()
    days = dt.timedelta(days=reminder_days())
    open_rows = OfficerAssignment.objects.filter(
        completed_at__isnull=True,
        assignment__withdrawn_at__isnull=True,
        officer__is_active=True,
        officer__administration_id=F("administration_id"),
    )
    kinds = {
        # Due within the window of the officer's own days (the SQL bound is the widest
        # one, the exact one is checked per officer below).
        DUE: (
            open_rows.filter(
                ~past_due_q(now=now),
                due_on__lte=local_date_in(dt.timezone(dt.timedelta(hours=14)), now) + days,
                reminded_due_at__isnull=True,
            ),
            "reminded_due_at",
        ),
        OVERDUE: (
            open_rows.filter(past_due_q(now=now), reminded_overdue_at__isnull=True),
            "reminded_overdue_at",
        ),
    }
    sent = 0
    for kind, (rows, mark) in kinds.items():
        records = list(
            rows.select_related("officer__administration", "assignment", "programme")
            .prefetch_related("programme__texts")
            .order_by("officer_id", "due_on", "pk")
        )
        if kind == DUE:
            records = [r for r in records if r.due_on <= local_date_for(r.officer, now) + days]
        if not records:
            continue
        pages = course_pages(r.course_key for r in records if r.course_key)
        by_officer: dict[int, list[OfficerAssignment]] = defaultdict(list)
        for record in records:
            by_officer[record.officer_id].append(record)
        certificates_url = public_url(reverse("certificates:mine"))
        reminded: list[int] = []
        for officer_records in by_officer.values():
            officer = officer_records[0].officer
            language = officer.interface_language()
            with translation.override(language), timezone.override(zone_for(officer)):
                items = []
                for record in officer_records:
                    if record.programme_id:
                        url = certificates_url
                    else:
                        page = course_page_in(pages.get(record.course_key, []), language)
                        url = _page_link(page)
                    items.append(
                        AssignedItem(
                            record=record,
                            title=title_of(record.course_key, record.programme, pages, language),
                            url=url,
                            kind="programme" if record.programme_id else "course",
                            overdue=kind == OVERDUE,
                        )
                    )
                try:
                    if _send_reminder(officer, kind, items, now):
                        sent += 1
                except Exception:
                    log.exception("Could not send the %s reminder to user %s", kind, officer.pk)
                    continue
            reminded.extend(record.pk for record in officer_records)
        for chunk in _chunks(reminded):
            OfficerAssignment.objects.filter(pk__in=list(chunk)).update(**{mark: now})
    return sent


def _page_link(page: CoursePage | None) -> str:
    url = page.get_url() if page is not None else None
    return public_url(url) if url else ""
