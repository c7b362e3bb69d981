"""Reads for assessments, scoped by the actor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from courses.selectors import course_for_page
from lms.accounts import selectors as account_selectors
from lms.accounts.roles import Role, roles_of

from .models import AssessmentPage, Attempt, Question, QuestionBank

if TYPE_CHECKING:
    from courses.models import CoursePage, Enrolment
    from lms.accounts.models import User


def assessment_context(
    actor: User, assessment: AssessmentPage
) -> tuple[CoursePage, Enrolment | None]:
    """The course of an assessment and the actor's enrolment; 404 when hidden."""
    return course_for_page(actor, assessment)


def attempt_list_for_user(actor: User, assessment: AssessmentPage) -> QuerySet[Attempt]:
    return Attempt.objects.filter(
        user_id=actor.pk, assessment_key=assessment.translation_key
    ).order_by("number")


def access_attempt(actor: User, attempt_id: int) -> Attempt:
    """The actor's own attempt; 404 for anyone else's and for a missing one."""
    attempt = (
        Attempt.objects.filter(pk=attempt_id, user_id=actor.pk).select_related("assessment").first()
    )
    if attempt is None:
        raise Http404
    return attempt


def attempts_visible_to(actor: User) -> QuerySet[Attempt]:
    """Attempts a manager may see: their administration's (platform admins: all)."""
    administrations = account_selectors.administration_list_for_user(actor)
    people = account_selectors.officer_list_for_user(actor)
    return Attempt.objects.filter(administration__in=administrations, user__in=people)


def bank_list_for_user(actor: User) -> QuerySet[QuestionBank]:
    """Banks an author may see, export and draw from in an assessment: regional banks and
    their administration's (regional authors: every bank). Nobody else authors banks."""
    if not account_selectors.is_regional_author(actor) and not _is_author(actor):
        return QuestionBank.objects.none()
    return QuestionBank.objects.filter(account_selectors.authored_usable_q(actor))


def bank_editable_list_for_user(actor: User) -> QuerySet[QuestionBank]:
    """Banks an author may change: edit, delete, copy, import into, add or change their
    questions. Regional banks feed the assessments of every administration, so only
    regional authors change them; an author bound to one administration changes only its
    banks."""
    return QuestionBank.objects.filter(account_selectors.authored_editable_q(actor))


def can_edit_bank(actor: User, bank: QuestionBank) -> bool:
    return account_selectors.can_edit_authored(actor, bank.administration_id)


def question_list_for_user(actor: User) -> QuerySet[Question]:
    """Questions of the banks the actor may see (:func:`bank_list_for_user`)."""
    return Question.objects.filter(bank__in=bank_list_for_user(actor))


def question_editable_list_for_user(actor: User) -> QuerySet[Question]:
    """Questions of the banks the actor may change (:func:`bank_editable_list_for_user`)."""
    return Question.objects.filter(bank__in=bank_editable_list_for_user(actor))


def _is_author(actor: User) -> bool:
    return Role.TRAINING_MANAGER in roles_of(actor)


def item_analysis(
    actor: User, assessment: AssessmentPage, *, administration_id: int | None = None
) -> dict[str, Any]:
    """Per question version: attempts, facility, discrimination (point-biserial against
    the rest of the test), option counts, a flag for negative discrimination; per
    assessment: score distribution and pass rate. Authors of one administration see only
    their administration's attempts; regional authors may filter by administration.
    Three queries whatever the number of attempts."""
    from collections import defaultdict

    from . import analysis
    from . import types as question_types
    from .models import QuestionVersion, Response

    attempts = Attempt.objects.filter(
        assessment_key=assessment.translation_key,
        status__in=[Attempt.Status.SUBMITTED, Attempt.Status.EXPIRED],
    )
    if actor.administration_id is not None:
        attempts = attempts.filter(administration_id=actor.administration_id)
    elif administration_id is not None:
        attempts = attempts.filter(administration_id=administration_id)
    totals = dict(attempts.values_list("pk", "score"))
    percents = list(attempts.values_list("percent", flat=True))
    rows = Response.objects.filter(attempt_id__in=list(totals)).values_list(
        "attempt_id", "version_id", "fraction", "points", "answer"
    )
    by_version: dict[int, list[tuple[int, float, float, Any]]] = defaultdict(list)
    for attempt_id, version_id, fraction, points, answer in rows:
        by_version[version_id].append((attempt_id, fraction or 0.0, points or 0.0, answer))
    versions = {
        v.pk: v
        for v in QuestionVersion.objects.filter(pk__in=list(by_version)).select_related("question")
    }
    items = []
    for version_id, entries in by_version.items():
        version = versions[version_id]
        if not question_types.get(version.type).scored:
            continue  # a text block (a description): nothing was answered
        fractions = [fraction for _a, fraction, _p, _ans in entries]
        rest = [(totals[a] or 0.0) - points for a, _f, points, _ans in entries]
        discrimination = analysis.point_biserial(fractions, rest)
        items.append(
            {
                "version": version,
                "uid": version.question.uid,
                "title": version.text_for("en").get("title") or version.question.uid,
                "type": version.type,
                "attempts": len(entries),
                "facility": analysis.facility([f == 1 for f in fractions]),
                "discrimination": discrimination,
                "flagged": analysis.flag_item(discrimination),
                "options": analysis.option_counts(
                    [answer for *_rest, answer in entries if answer], version.type
                ),
            }
        )
    items.sort(key=lambda item: (not item["flagged"], item["uid"]))
    return {
        "attempts": len(totals),
        "pass_rate": analysis.pass_rate(
            [p for p in percents if p is not None], assessment.pass_mark
        ),
        "distribution": analysis.score_distribution([p for p in percents if p is not None]),
        "items": items,
    }
