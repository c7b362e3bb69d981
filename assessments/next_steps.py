"""Where an officer goes from an attempt's result: back to the course, on to the next
item not yet completed, or to another attempt (with the attempts left) after a fail.

Higher layers add their own links without this layer importing them: the certificates
app registers a provider (in its ``AppConfig.ready()``) that names the certificate a pass
earned. A provider takes the acting officer and the attempt and returns links; it must
return only the actor's own data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils import timezone

from courses.selectors import LessonEntry, course_outline

from . import selectors
from .models import Attempt
from .rules import assessment_rules
from .services import attempts_allowed

if TYPE_CHECKING:
    from lms.accounts.models import User


@dataclass(frozen=True)
class NextLink:
    kind: str  # for the template and tests: "certificate", ...
    label: str
    url: str


Provider = Callable[["User", Attempt], list[NextLink]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider of links (idempotent: a provider is registered once)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


@dataclass
class NextSteps:
    course_title: str = ""
    course_url: str = ""
    next_item: LessonEntry | None = None
    can_retry: bool = False
    attempts_left: int | None = None  # None: unlimited
    retry_refusal: str = ""  # why another attempt cannot start now (translated)
    links: list[NextLink] = field(default_factory=list)


def next_steps_for(actor: User, attempt: Attempt) -> NextSteps:
    """The next steps after ``attempt`` (the actor's own, already fetched through
    :func:`selectors.access_attempt`). A fixed number of queries."""
    steps = NextSteps()
    assessment = attempt.assessment
    if assessment is None or attempt.status == Attempt.Status.OPEN:
        return steps
    try:
        course, enrolment = selectors.assessment_context(actor, assessment)
    except Http404:  # the course is no longer the officer's to see
        return steps
    steps.course_title, steps.course_url = course.title, course.url or ""
    outline = course_outline(course, enrolment)
    key = str(attempt.assessment_key)
    steps.next_item = next(
        (
            entry
            for entry in outline.lessons
            if entry.status != "completed"
            and not entry.locked
            and str(entry.lesson.translation_key) != key
        ),
        None,
    )
    if attempt.status != Attempt.Status.GRADING and not attempt.passed:
        rules = assessment_rules(assessment)
        previous = list(selectors.attempt_list_for_user(actor, assessment))
        allowed, reason = attempts_allowed(assessment, previous, timezone.now(), rules)
        steps.can_retry = allowed and enrolment is not None
        steps.retry_refusal = "" if allowed else reason
        if rules.max_attempts is not None:
            steps.attempts_left = max(rules.max_attempts - len(previous), 0)
    for provider in _providers:
        steps.links.extend(provider(actor, attempt))
    return steps
