"""Reads for assessments, scoped by the actor."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from courses.selectors import course_for_page
from lms import page_cache
from lms.accounts import selectors as account_selectors
from lms.accounts.roles import Role, roles_of
from lms.prepared import PreparedQuery

from .models import AssessmentPage, Attempt, AttemptSheet, Question, QuestionBank, Response
from .rules import Rules, assessment_rules
from .services import DrawRuleRow, draw_rule_rows
from .sheet import digest

NOT_FOUND = 0

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


def live_assessment(page_id: int) -> tuple[AssessmentPage, Rules, list[DrawRuleRow]]:
    """The live assessment page ``page_id`` with its rules and its draw rules, kept in the
    page cache (pages change them, and the draw rules and banks start a new generation
    too: :mod:`assessments.apps`); 404 when there is none. What Start reads when a whole
    class presses it in the same second."""

    def build() -> tuple[AssessmentPage, Rules, list[DrawRuleRow]] | int:
        page = AssessmentPage.objects.live().filter(pk=page_id).first()
        if page is None:
            return NOT_FOUND
        return page, assessment_rules(page), draw_rule_rows(page)

    found = page_cache.remember(page_cache.key("assessment", page_id), build)
    if found == NOT_FOUND:
        raise Http404
    return found


def _attempt_for_page(
    attempt_id: int, user_id: int, language: str, sheet_digest: str
) -> QuerySet[Attempt]:
    """The attempt (with its assessment) and, annotated, whether anything is answered and
    its sheet rendered ahead in ``language`` under the templates of ``sheet_digest``."""
    answered = Response.objects.filter(attempt_id=OuterRef("pk")).filter(
        Q(seq__gt=0) | Q(answer__isnull=False)
    )
    sheet = AttemptSheet.objects.filter(
        attempt_id=OuterRef("pk"), language=language, digest=sheet_digest
    )
    return (
        Attempt.objects.filter(pk=attempt_id, user_id=user_id)
        .select_related("assessment")
        .annotate(
            sheet_answered=Exists(answered),
            sheet_html=Subquery(sheet.values("html")[:1]),
            sheet_meta=Subquery(sheet.values("meta")[:1]),
        )
    )


#: The attempt page's one query, compiled once per connection (lms/prepared.py).
_prepared_attempt_for_page = PreparedQuery(
    Attempt,
    _attempt_for_page,
    lambda shape: ((1, 2, "en", "a" * 32), (3, 4, "fr", "b" * 32)),
)


def attempt_with_sheet(
    actor: User, attempt_id: int, language: str
) -> tuple[Attempt, AttemptSheet | None]:
    """The actor's own attempt (404 for anyone else's and for a missing one) and the
    question sheet rendered ahead for it (:mod:`assessments.sheet`), if it is still what
    the page would render: in ``language``, the attempt's, under the current templates,
    and with no answer saved. One query."""
    found = _prepared_attempt_for_page(attempt_id, actor.pk, language, digest())
    if not found:
        raise Http404
    attempt = found[0]
    sheet = None
    if (
        attempt.sheet_html is not None
        and not attempt.sheet_answered
        and language == attempt.language
    ):
        sheet = AttemptSheet(
            attempt=attempt,
            language=language,
            digest=digest(),
            html=attempt.sheet_html,
            meta=attempt.sheet_meta,
        )
    return attempt, sheet


def attempt_sheet(attempt: Attempt, language: str) -> AttemptSheet | None:
    """The sheet :func:`attempt_with_sheet` would serve for ``attempt`` in ``language``."""
    return attempt_with_sheet(attempt.user, attempt.pk, language)[1]


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


@dataclass(frozen=True)
class RecentResult:
    """One of the officer's latest submitted attempts, for their home page."""

    attempt: Attempt
    title: str
    url: str
    # None while an essay waits for a grader, or when the review policy hides the score.
    passed: bool | None
    percent: float | None


def recent_result_list_for_user(
    actor: User, *, limit: int = 5, language: str = "", now: datetime | None = None
) -> list[RecentResult]:
    """The actor's own latest submitted attempts, newest first, with the assessment's
    title in ``language`` (default: the active one) and pass or fail when the review
    policy shows the score. Two queries whatever ``limit``."""
    from django.urls import reverse
    from django.utils import timezone, translation

    from .review import Situation, review_visibility
    from .rules import strictest

    if not actor.is_authenticated:
        return []
    now = now or timezone.now()
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    attempts = list(
        Attempt.objects.filter(
            user_id=actor.pk,
            status__in=[Attempt.Status.SUBMITTED, Attempt.Status.EXPIRED, Attempt.Status.GRADING],
            submitted_at__isnull=False,
        )
        .select_related("assessment")
        .order_by("-submitted_at", "-pk")[:limit]
    )
    pages: dict[Any, list[AssessmentPage]] = defaultdict(list)
    keys = {attempt.assessment_key for attempt in attempts}
    if keys:
        for page in (
            AssessmentPage.objects.live().filter(translation_key__in=keys).select_related("locale")
        ):
            pages[page.translation_key].append(page)
    results = []
    for attempt in attempts:
        translations = pages.get(attempt.assessment_key, [])
        shown = next(
            (p for p in translations if p.locale.language_code == language),
            attempt.assessment or (translations[0] if translations else None),
        )
        rules = [*translations, attempt.assessment] if attempt.assessment else translations
        visible = (
            bool(rules)
            and review_visibility(
                Situation(
                    policy=strictest(rules).review_policy,
                    attempts_used=0,
                    max_attempts=None,
                    attempt_open=False,
                    available_until=None,
                    now=now,
                )
            ).score
        )
        graded = attempt.status != Attempt.Status.GRADING and visible
        results.append(
            RecentResult(
                attempt=attempt,
                title=shown.title if shown is not None else _("An assessment"),
                url=reverse("assessments:result", args=[attempt.pk]),
                passed=bool(attempt.passed) if graded else None,
                percent=attempt.percent if graded else None,
            )
        )
    return results
