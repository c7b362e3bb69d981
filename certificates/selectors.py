"""Reading certificates and programmes: who may see what, and the facts requirements are
evaluated against. Tenancy rules come from ``lms.accounts.selectors``: another tenant's
certificate and a missing one raise the same 404."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from lms.accounts.roles import Role, roles_of
from lms.accounts.selectors import authored_editable_q, is_regional_author, officer_list_for_user

from . import codes
from .models import Certificate, Programme, ProgrammeRequirement
from .requirements import AssessmentResult, Facts, Kind, Requirement, Rule

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.accounts.selectors import Actor


# The status a person reads: a valid certificate inside its recertification window is
# "expiring soon"; the model's own states otherwise.
EXPIRING = "expiring"


def window_opens(certificate: Certificate) -> datetime | None:
    """When the certificate's recertification window opens (None: it never expires)."""
    if certificate.expires_at is None:
        return None
    return certificate.expires_at - timedelta(days=certificate.programme.recert_window_days)


def shown_status(certificate: Certificate, now: datetime) -> str:
    status = certificate.status_at(now)
    opens = window_opens(certificate)
    if status == Certificate.Status.VALID and opens is not None and now >= opens:
        return EXPIRING
    return status


def programme_list_for_user(actor: Actor) -> QuerySet[Programme]:
    """The programmes an author may see and edit in the admin: all of them for platform
    admins and regional training managers, their administration's for a training manager
    of one (regional programmes are not theirs to change, and are not listed to them)."""
    if Role.TRAINING_MANAGER not in roles_of(actor) and not is_regional_author(actor):
        return Programme.objects.none()
    return Programme.objects.filter(authored_editable_q(actor))


def requirement_rows() -> QuerySet[ProgrammeRequirement]:
    """Requirement rows with only what evaluation needs: the items' translation keys."""
    return ProgrammeRequirement.objects.select_related("course", "assessment").only(
        "programme_id",
        "purpose",
        "min_score",
        "sort_order",
        "course__translation_key",
        "assessment__translation_key",
    )


def programmes_for_holder(holder: User) -> list[Programme]:
    """Active programmes open to the officer: regional ones and their administration's,
    with texts and requirements (and their items' translation keys) in three queries."""
    scope = Q(administration__isnull=True)
    if holder.administration_id is not None:
        scope |= Q(administration_id=holder.administration_id)
    return list(
        Programme.objects.filter(scope, is_active=True)
        .prefetch_related("texts", Prefetch("requirements", queryset=requirement_rows()))
        .order_by("code")
    )


def programme_rule(programme: Programme, purpose: str) -> Rule:
    """The programme's requirements for ``purpose`` as a pure :class:`Rule` (items are
    identified by translation key, so any language version counts)."""
    items = []
    for row in programme.requirements.all():
        if row.purpose != purpose:
            continue
        if row.course_id:
            items.append(Requirement(Kind.COURSE, str(row.course.translation_key)))
        elif row.assessment_id:
            items.append(
                Requirement(Kind.ASSESSMENT, str(row.assessment.translation_key), row.min_score)
            )
    count = (
        programme.required_count
        if purpose == ProgrammeRequirement.Purpose.INITIAL
        else programme.recert_required_count
    )
    return Rule(tuple(items), count)


def holder_facts(holder_id: int) -> Facts:
    """Completed courses and graded assessment results of one officer (two queries)."""
    from assessments.models import Attempt
    from courses.models import Enrolment

    completed = {
        str(key): at
        for key, at in Enrolment.objects.filter(
            user_id=holder_id, status=Enrolment.Status.COMPLETED, completed_at__isnull=False
        ).values_list("course_key", "completed_at")
    }
    results: dict[str, list[AssessmentResult]] = defaultdict(list)
    for key, percent, passed, at in Attempt.objects.filter(
        user_id=holder_id,
        status__in=[Attempt.Status.SUBMITTED, Attempt.Status.EXPIRED],
        submitted_at__isnull=False,
    ).values_list("assessment_key", "percent", "passed", "submitted_at"):
        results[str(key)].append(
            AssessmentResult(score=Decimal(str(round(percent or 0, 2))), passed=bool(passed), at=at)
        )
    return Facts(courses_completed=completed, assessment_results=dict(results))


def _with_related(queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
    return queryset.select_related("programme", "administration", "holder").prefetch_related(
        "programme__texts"
    )


def certificates_visible_to(actor: Actor) -> QuerySet[Certificate]:
    """Certificates whose holders the actor may see by name: their own; an administration
    manager's administration; everyone's for platform admins."""
    roles = roles_of(actor)
    if not roles:
        return Certificate.objects.none()
    if Role.PLATFORM_ADMIN in roles:
        return _with_related(Certificate.objects.all())
    return _with_related(
        Certificate.objects.filter(holder__in=officer_list_for_user(actor).values("pk"))
    )


def certificates_of_holder(holder: User) -> QuerySet[Certificate]:
    return _with_related(Certificate.objects.filter(holder=holder))


def access_certificate(actor: Actor, pk: int) -> Certificate:
    """The certificate, if the actor may see its holder; else 404."""
    try:
        return certificates_visible_to(actor).get(pk=pk)
    except Certificate.DoesNotExist as exc:
        raise Http404 from exc


def can_revoke(actor: Actor, certificate: Certificate) -> bool:
    """Platform admins revoke any certificate; administration managers those of their
    own administration (the holder's administration at issue)."""
    roles = roles_of(actor)
    if Role.PLATFORM_ADMIN in roles:
        return True
    return (
        Role.ADMINISTRATION_MANAGER in roles
        and actor.administration_id is not None
        and certificate.administration_id == actor.administration_id
    )


def access_revocable_certificate(actor: Actor, pk: int) -> Certificate:
    """A certificate the actor may revoke; 404 for any other (or missing) one."""
    certificate = Certificate.objects.select_related("administration").filter(pk=pk).first()
    if certificate is None or not can_revoke(actor, certificate):
        raise Http404
    return certificate


def certificate_by_code(text: str) -> Certificate | None:
    """The certificate with this verification code as typed; None for an unknown or a
    malformed code alike."""
    code = codes.normalize(text)
    if code is None:
        return None
    return (
        Certificate.objects.select_related("programme", "administration")
        .prefetch_related("programme__texts")
        .filter(code=code)
        .first()
    )


def revoked_status_indexes(list_number: int, size: int) -> list[int]:
    """Positions set in status list ``list_number`` (revoked certificates)."""
    low = list_number * size
    return [
        index - low
        for index in Certificate.objects.filter(
            revoked_at__isnull=False, status_index__gte=low, status_index__lt=low + size
        ).values_list("status_index", flat=True)
    ]


def renewal_requirements(programme: Programme) -> list[ProgrammeRequirement]:
    """The requirement rows a renewal is judged on: the recertification rows when the
    programme has some, else the first certification's (as the issuing service decides).
    Reads ``programme.requirements.all()`` (prefetch it)."""
    rows = [row for row in programme.requirements.all() if row.course_id or row.assessment_id]
    recert = [row for row in rows if row.purpose == ProgrammeRequirement.Purpose.RECERT]
    return recert or [row for row in rows if row.purpose == ProgrammeRequirement.Purpose.INITIAL]


def certificate_links_for_attempt(actor: User, attempt: Any) -> list[Any]:
    """For the result page of a passed attempt (``assessments.next_steps``): the actor's
    current certificates of programmes that require this assessment. Two queries."""
    from django.urls import reverse
    from django.utils import timezone, translation
    from django.utils.translation import gettext as _

    from assessments.next_steps import NextLink

    if not attempt.passed or not actor.is_authenticated:
        return []
    now = timezone.now()
    language = translation.get_language() or "en"
    certificates = (
        Certificate.objects.filter(
            holder_id=actor.pk,
            revoked_at__isnull=True,
            superseded_at__isnull=True,
            programme__requirements__assessment__translation_key=attempt.assessment_key,
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("programme")
        .prefetch_related("programme__texts")
        .distinct()
        .order_by("-issued_at", "-pk")
    )
    return [
        NextLink(
            kind="certificate",
            label=_("Download your certificate: %(title)s")
            % {"title": certificate.programme.title_for(language)},
            url=reverse("certificates:pdf", args=[certificate.pk]),
        )
        for certificate in certificates
    ]
