"""The rules an officer's attempts follow, whatever page or translation they come from.

An assessment's translations share their attempts (they share a translation key), but
Wagtail lets authors edit each translation's fields on their own. So the rules are never
read from one page: they are the strictest of the assessment's live translations (and of
the page at hand): the fewest attempts, the longest delay, the latest opening, the
earliest closing, the shortest time limit, the highest pass mark and the most reserved
review policy. An officer can then never read the answers on one translation and sit
another attempt on the other.

Questions live in banks that several assessments may draw from, so the answers of one
attempt are also kept back, question by question, while another assessment the officer
may still sit can draw the same question (:func:`questions_kept_back`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone
from wagtail.models import Page

from . import review

if TYPE_CHECKING:
    from lms.accounts.models import User

    from .models import AssessmentPage, Attempt

# From the most reserved to the most open; the strictest of two is the earlier one.
REVIEW_STRICTNESS = (
    review.NOTHING,
    review.SCORE,
    review.AFTER_CLOSE,
    review.AFTER_LAST,
    review.ANSWERS,
)


@dataclass(frozen=True)
class Rules:
    max_attempts: int | None
    delay_between_attempts_minutes: int
    available_from: datetime | None
    available_until: datetime | None
    time_limit_minutes: int | None
    pass_mark: int
    review_policy: str


def _smallest(values: list[int | None]) -> int | None:
    given = [value for value in values if value is not None]
    return min(given) if given else None


def strictest(pages: list[AssessmentPage]) -> Rules:
    """The strictest rules of ``pages`` (one assessment's translations)."""
    opening = [p.available_from for p in pages if p.available_from is not None]
    closing = [p.available_until for p in pages if p.available_until is not None]
    policies = [p.review_policy for p in pages]
    known = [policy for policy in policies if policy in REVIEW_STRICTNESS]
    policy = (
        min(known, key=REVIEW_STRICTNESS.index)
        if len(known) == len(policies)
        else review.NOTHING  # an unknown policy shows nothing
    )
    return Rules(
        max_attempts=_smallest([p.max_attempts for p in pages]),
        delay_between_attempts_minutes=max(p.delay_between_attempts_minutes for p in pages),
        available_from=max(opening) if opening else None,
        available_until=min(closing) if closing else None,
        time_limit_minutes=_smallest([p.time_limit_minutes or None for p in pages]),
        pass_mark=max(p.pass_mark for p in pages),
        review_policy=policy,
    )


def assessment_rules(assessment: AssessmentPage) -> Rules:
    """The rules of ``assessment``: the strictest of the page at hand and its live
    translations. One query."""
    from .models import AssessmentPage

    others = AssessmentPage.objects.filter(
        translation_key=assessment.translation_key, live=True
    ).exclude(pk=assessment.pk)
    return strictest([assessment, *others])


def questions_kept_back(actor: User, attempt: Attempt) -> dict[int, str]:
    """The questions of ``attempt`` whose answers must not be shown yet, with the title of
    an assessment that may still draw them: another live assessment the officer may sit
    (a regional one or one of their administration's), with attempts left, drawing from
    the question's bank (and tag). A fixed number of queries."""
    from courses.models import CourseIndexPage

    from .models import AssessmentPage, Attempt, DrawRule, Question

    responses = list(attempt.responses.select_related("version__question"))
    questions = {r.version.question_id: r.version.question for r in responses}
    banks = {question.bank_id for question in questions.values()}
    if not banks:
        return {}
    rules_by_page = defaultdict(list)
    for rule in DrawRule.objects.filter(bank_id__in=banks, page__live=True).exclude(
        page__translation_key=attempt.assessment_key
    ):
        rules_by_page[rule.page_id].append(rule)
    if not rules_by_page:
        return {}
    pages = list(
        AssessmentPage.objects.filter(
            Q(pk__in=rules_by_page)
            | Q(
                translation_key__in=AssessmentPage.objects.filter(pk__in=rules_by_page).values(
                    "translation_key"
                ),
                live=True,
            )
        )
    )
    # Who owns each page: the catalogue above it (regional when none owns it).
    ancestors = {
        page.pk: [page.path[:i] for i in range(Page.steplen, len(page.path), Page.steplen)]
        for page in pages
    }
    owners = dict(
        CourseIndexPage.objects.filter(
            path__in={path for paths in ancestors.values() for path in paths}
        ).values_list("path", "administration_id")
    )
    translations = defaultdict(list)
    for page in pages:
        translations[page.translation_key].append(page)
    used = defaultdict(list)
    for key, status in Attempt.objects.filter(
        user_id=actor.pk, assessment_key__in=list(translations)
    ).values_list("assessment_key", "status"):
        used[key].append(status)
    tagged = defaultdict(set)
    tags = {rule.tag for rules in rules_by_page.values() for rule in rules if rule.tag}
    if tags:
        for question_id, name in Question.objects.filter(
            pk__in=questions, tags__name__in=tags
        ).values_list("pk", "tags__name"):
            tagged[name].add(question_id)
    now = timezone.now()
    kept: dict[int, str] = {}
    for page_id, rules in rules_by_page.items():
        page = next(p for p in pages if p.pk == page_id)
        owner = next((owners[path] for path in ancestors[page.pk] if path in owners), None)
        if owner is not None and owner != actor.administration_id:
            continue  # an assessment this officer can never sit
        strict = strictest(translations[page.translation_key])
        statuses = used[page.translation_key]
        situation = review.Situation(
            policy=strict.review_policy,
            attempts_used=len(statuses),
            max_attempts=strict.max_attempts,
            attempt_open="open" in statuses,
            available_until=strict.available_until,
            now=now,
        )
        if not situation.attempts_remain:
            continue
        for rule in rules:
            for question_id, question in questions.items():
                if question.bank_id == rule.bank_id and (
                    not rule.tag or question_id in tagged[rule.tag]
                ):
                    kept.setdefault(question_id, page.title)
    return kept
