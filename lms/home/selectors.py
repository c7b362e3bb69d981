"""What the signed-in home shows: the officer's next steps, read from every layer.

The home sits above the layers it reads (courses, assessments, certificates, tracking),
like tracking does. Every read here is the officer's own: assignments, enrolments,
certificates and attempts are filtered on the officer (and their administration), and
course pages on what the officer may see. A fixed number of queries whatever the number
of rows (pinned in ``lms/home/tests``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from assessments.selectors import RecentResult, recent_result_list_for_user
from certificates.models import Certificate
from certificates.selectors import (
    EXPIRING,
    renewal_requirements,
    requirement_rows,
    shown_status,
)
from courses.models import CoursePage, Enrolment
from courses.selectors import LessonEntry, course_outlines, course_visibility_q
from lms.accounts.models import User
from lms.accounts.roles import Role, roles_of
from lms.tracking.assignments import AssignedItem, assignments_for_officer

from .models import CalendarFeed

IN_PROGRESS_LIMIT = 6
RESULTS_LIMIT = 5
CALENDAR_MONTHS = 12


@dataclass(frozen=True)
class ContinueItem:
    """A course in progress and where to pick it up."""

    enrolment: Enrolment
    title: str
    url: str
    next_item: LessonEntry | None

    @property
    def percent(self) -> int:
        return self.enrolment.percent_complete


@dataclass(frozen=True)
class RenewalItem:
    """A certificate that expires soon (or has expired) and what renews it."""

    certificate: Certificate
    title: str
    status: str  # EXPIRING or Certificate.Status.EXPIRED
    expires_on: dt.date
    renew_title: str
    renew_url: str

    @property
    def expired(self) -> bool:
        return self.status == Certificate.Status.EXPIRED


@dataclass(frozen=True)
class DueEvent:
    """A date in the officer's calendar: an assignment's due date or a certificate's
    expiry."""

    uid: str
    on: dt.date
    kind: str  # "assignment" | "certificate"
    title: str
    url: str
    overdue: bool = False

    @property
    def summary(self) -> str:
        if self.kind == "certificate":
            return _("Certificate expires: %(title)s") % {"title": self.title}
        return _("Due: %(title)s") % {"title": self.title}


@dataclass
class CalendarMonth:
    first: dt.date
    days: list[tuple[dt.date, list[DueEvent]]] = field(default_factory=list)


@dataclass
class OfficerHome:
    assigned: list[AssignedItem]
    in_progress: list[ContinueItem]
    renewals: list[RenewalItem]
    results: list[RecentResult]
    events: list[DueEvent]
    months: list[CalendarMonth]
    feed: CalendarFeed | None


def _language(language: str) -> str:
    return language or translation.get_language() or settings.LANGUAGE_CODE


def _pick(pages: list[Any], language: str, fallback: Any = None) -> Any:
    """The translation in ``language``, else the default language's, else ``fallback``,
    else any."""
    for wanted in (language, language.split("-")[0], settings.LANGUAGE_CODE):
        for page in pages:
            if page.locale.language_code == wanted:
                return page
    return fallback or (pages[0] if pages else None)


# --- courses in progress ------------------------------------------------------------------


def courses_in_progress(
    officer: User, *, language: str = "", limit: int = IN_PROGRESS_LIMIT
) -> list[ContinueItem]:
    """The officer's active enrolments, most recently active first, each with the course
    in ``language`` (when the officer may still see it) and the next item not yet
    completed. Three queries whatever the number of courses."""
    language = _language(language)
    enrolments = list(
        Enrolment.objects.filter(user_id=officer.pk, status=Enrolment.Status.ACTIVE)
        .only("id", "user_id", "course_key", "status", "percent_complete", "lesson_status")
        .order_by("-last_activity_at", "-enrolled_at", "-pk")[:limit]
    )
    if not enrolments:
        return []
    pages: dict[uuid.UUID, list[CoursePage]] = defaultdict(list)
    for page in (
        CoursePage.objects.live()
        .filter(
            course_visibility_q(officer), translation_key__in={e.course_key for e in enrolments}
        )
        .select_related("locale")
        .only(
            "id",
            "title",
            "url_path",
            "path",
            "depth",
            "sequential",
            "translation_key",
            "locale__language_code",
        )
    ):
        pages[page.translation_key].append(page)
    chosen = [
        (enrolment, page)
        for enrolment in enrolments
        if (page := _pick(pages.get(enrolment.course_key, []), language)) is not None
    ]
    outlines = course_outlines([(page, enrolment) for enrolment, page in chosen])
    return [
        ContinueItem(
            enrolment=enrolment,
            title=page.title,
            url=page.url or "",
            next_item=outlines[page.pk].next_lesson(),
        )
        for enrolment, page in chosen
    ]


# --- certificates to renew ----------------------------------------------------------------


def _current_certificates(officer: User) -> list[Certificate]:
    """The officer's certificates that are neither revoked nor renewed, with their
    programme's texts and requirements (three queries)."""
    return list(
        Certificate.objects.filter(
            holder_id=officer.pk, revoked_at__isnull=True, superseded_at__isnull=True
        )
        .select_related("programme")
        .prefetch_related(
            "programme__texts", Prefetch("programme__requirements", queryset=requirement_rows())
        )
        .order_by("expires_at", "pk")
    )


def renewals_for(
    officer: User,
    certificates: list[Certificate],
    *,
    language: str = "",
    now: dt.datetime | None = None,
) -> list[RenewalItem]:
    """Of ``certificates`` (the officer's current ones), those inside their
    recertification window or expired (of programmes still offered), soonest first, each
    with the first course or assessment that renews it in ``language``. One query for
    every page named."""
    now = now or timezone.now()
    language = _language(language)
    due = [
        (certificate, status)
        for certificate in certificates
        if certificate.programme.is_active
        and (status := shown_status(certificate, now)) in (EXPIRING, Certificate.Status.EXPIRED)
    ]
    rows = {certificate.pk: renewal_requirements(certificate.programme) for certificate, _s in due}
    keys = {
        (row.course or row.assessment).translation_key for found in rows.values() for row in found
    }
    pages: dict[uuid.UUID, list[Page]] = defaultdict(list)
    if keys:
        for page in (
            Page.objects.live()
            .filter(translation_key__in=keys)
            .select_related("locale")
            .only("id", "title", "url_path", "translation_key", "locale__language_code")
        ):
            pages[page.translation_key].append(page)
    items = []
    for certificate, status in due:
        renew_title, renew_url = "", ""
        for row in rows[certificate.pk]:
            page = _pick(pages.get((row.course or row.assessment).translation_key, []), language)
            if page is not None:
                renew_title, renew_url = page.title, page.url or ""
                break
        items.append(
            RenewalItem(
                certificate=certificate,
                title=certificate.programme.title_for(language),
                status=status,
                expires_on=timezone.localdate(certificate.expires_at),
                renew_title=renew_title,
                renew_url=renew_url,
            )
        )
    return items


# --- calendar -----------------------------------------------------------------------------


def due_events(
    officer: User,
    assigned: list[AssignedItem],
    certificates: list[Certificate],
    *,
    language: str = "",
) -> list[DueEvent]:
    """The dates of the officer's calendar: open assignments' due dates and current
    certificates' expiry dates, by date."""
    language = _language(language)
    events = [
        DueEvent(
            uid=f"assignment-{item.record.pk}",
            on=item.due_on,
            kind="assignment",
            title=item.title,
            url=item.url or reverse("tracking:my_assignments"),
            overdue=item.overdue,
        )
        for item in assigned
        if item.completed_at is None
    ]
    events += [
        DueEvent(
            uid=f"certificate-{certificate.pk}",
            on=timezone.localdate(certificate.expires_at),
            kind="certificate",
            title=certificate.programme.title_for(language),
            url=reverse("certificates:mine"),
        )
        for certificate in certificates
        if certificate.expires_at is not None
    ]
    return sorted(events, key=lambda event: (event.on, event.kind, event.uid))


def calendar_months(
    events: list[DueEvent], *, today: dt.date, months: int = CALENDAR_MONTHS
) -> list[CalendarMonth]:
    """Upcoming dates (from ``today``, for ``months`` months) grouped by month and day."""
    first = today.replace(day=1)
    end_month = first.month - 1 + months
    end = dt.date(first.year + end_month // 12, end_month % 12 + 1, 1)
    grouped: dict[dt.date, dict[dt.date, list[DueEvent]]] = {}
    for event in events:
        if today <= event.on < end:
            days = grouped.setdefault(event.on.replace(day=1), {})
            days.setdefault(event.on, []).append(event)
    return [
        CalendarMonth(first=month, days=sorted(days.items()))
        for month, days in sorted(grouped.items())
    ]


def feed_events(officer: User, *, language: str = "") -> list[DueEvent]:
    """The events of the officer's calendar feed (the same reads as the home)."""
    assigned = [
        a for a in assignments_for_officer(officer, language=language) if not a.completed_at
    ]
    return due_events(officer, assigned, _current_certificates(officer), language=language)


# --- the home -----------------------------------------------------------------------------


def officer_home(officer: User, *, now: dt.datetime | None = None) -> OfficerHome | None:
    """Everything the officer's home shows, or None for someone who is not an officer of
    an administration. A fixed number of queries."""
    if officer.administration_id is None or Role.OFFICER not in roles_of(officer):
        return None
    now = now or timezone.now()
    language = _language("")
    assigned = [
        item
        for item in assignments_for_officer(officer, language=language, now=now)
        if item.completed_at is None
    ]
    certificates = _current_certificates(officer)
    events = due_events(officer, assigned, certificates, language=language)
    return OfficerHome(
        assigned=assigned,
        in_progress=courses_in_progress(officer, language=language),
        renewals=renewals_for(officer, certificates, language=language, now=now),
        results=recent_result_list_for_user(officer, limit=RESULTS_LIMIT, now=now),
        events=events,
        months=calendar_months(events, today=timezone.localdate(now)),
        feed=CalendarFeed.objects.filter(
            user_id=officer.pk, administration_id=officer.administration_id
        ).first(),
    )


# --- shortcuts for managers and coordinators ---------------------------------------------


@dataclass(frozen=True)
class Shortcut:
    key: str
    label: str
    url: str


def shortcuts_for(user: User) -> list[Shortcut]:
    """Actions a manager or coordinator starts from the home that the menu does not
    offer directly (the menu's own destinations are not repeated)."""
    roles = roles_of(user)
    items: list[Shortcut] = []
    administration = user.administration if user.administration_id else None
    if Role.ADMINISTRATION_MANAGER in roles and administration is not None:
        code = administration.code
        items += [
            Shortcut(
                "assign",
                gettext_lazy("Assign training"),
                reverse("tracking:assignment_new", args=[code]),
            ),
            Shortcut(
                "matrix",
                gettext_lazy("Compliance matrix"),
                reverse("tracking:matrix", args=[code]),
            ),
            Shortcut(
                "import", gettext_lazy("Import officers"), reverse("tracking:imports", args=[code])
            ),
        ]
    if roles & {Role.REGIONAL_COORDINATOR, Role.PLATFORM_ADMIN}:
        items.append(
            Shortcut(
                "regional_export",
                gettext_lazy("Download the regional comparison (CSV)"),
                reverse("tracking:regional_export", args=["csv"]),
            )
        )
    return items
