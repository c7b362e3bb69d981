"""Drawing attempts ahead of a synchronised start (issue 15).

When a few hundred officers press Start in the same second, each start used to draw its
attempt there and then: read the pools, sample, shuffle, make a token for every entry,
write forty rows. :func:`attempts_prepare` does that work before, in the background, for
every officer enrolled in the assessment's course who may still start it, and keeps each
draw as a :class:`~assessments.models.PreparedAttempt` (never an attempt: see
:mod:`assessments.models.prepared`). Starting then copies the officer's prepared draw into
the new attempt (:func:`assessments.services.attempt_start`); with none, or a stale one,
it draws as before. Moodle 5.0 does the same with its pre-created attempts.

When: :func:`attempts_prepare_due` prepares the assessments that open within
:data:`LOOKAHEAD` (or opened less than :data:`LATE` ago), run every few minutes by the
``prepare_attempts`` command (deploy/systemd/lms-prepare-attempts.timer) or as a task;
``manage.py prepare_attempts --assessment ID`` prepares one assessment now (an exam held
without an opening time). A run re-draws the prepared draws that went stale (a question
edited or archived, the draw rules changed) and is idempotent: an officer who has a
fresh one, an open attempt, or no attempt left gets nothing new.

Bounded: at most ``limit`` officers per assessment and run (:data:`RUN_LIMIT`), in
transactions of :data:`BATCH` officers; the next run goes on where it stopped.

Races: a batch locks its officers' rows (skipping those locked by a start in progress),
as starting does, so a draw is never prepared for an officer who is starting; and it
locks the questions of the pools, as editing a question does, so a question is never
edited in place while it is being drawn (an edit after the draw deletes the draw:
:func:`assessments.services.question_version_save`).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from courses.models import CoursePage, Enrolment
from lms import bulk_sql
from lms.accounts.models import User

from . import sheet
from .models import (
    AssessmentPage,
    Attempt,
    AttemptSheet,
    PreparedAttempt,
    PreparedResponse,
    Question,
    QuestionVersion,
)
from .rules import assessment_rules
from .services import (
    AttemptRefused,
    DrawRuleRow,
    _draw,
    _drawn_rows,
    _prepared_stale,
    draw_fingerprint,
    draw_rule_rows,
)

LOOKAHEAD = timedelta(hours=24)
LATE = timedelta(hours=2)
BATCH = 100
RUN_LIMIT = 5000


def _stale_discard(assessment: AssessmentPage, fingerprint: str, rules: list[DrawRuleRow]) -> int:
    """Delete the assessment's prepared draws made under other draw rules, holding a
    version that is no longer current, or a question its rules would no longer draw (moved
    to another bank, a tag removed); how many."""
    stale = PreparedAttempt.objects.filter(assessment_key=assessment.translation_key).filter(
        (
            Q(assessment_id=assessment.pk)
            & (
                ~Q(rules=fingerprint)
                | Q(
                    pk__in=PreparedResponse.objects.filter(_prepared_stale(rules)).values(
                        "prepared_id"
                    )
                )
            )
        )
        | Q(pk__in=PreparedResponse.objects.filter(_prepared_stale()).values("prepared_id"))
    )
    count, _ = PreparedAttempt.objects.filter(
        pk__in=list(stale.values_list("pk", flat=True))
    ).delete()
    return count


def _candidates(assessment: AssessmentPage, limit: int) -> list[int]:
    """The officers (ids, ascending) who should get a draw: enrolled in the course, active,
    of an administration, with no prepared draw, no open attempt, and an attempt left."""
    course = CoursePage.objects.ancestor_of(assessment).first()
    if course is None:
        return []
    key = assessment.translation_key
    attempts = Attempt.objects.filter(assessment_key=key)
    people = (
        User.objects.filter(
            is_active=True,
            administration__isnull=False,
            pk__in=Enrolment.objects.filter(course_key=course.translation_key).values("user_id"),
        )
        .exclude(pk__in=PreparedAttempt.objects.filter(assessment_key=key).values("user_id"))
        .exclude(pk__in=attempts.filter(status=Attempt.Status.OPEN).values("user_id"))
    )
    rules = assessment_rules(assessment)
    if rules.max_attempts is not None:
        used = (
            attempts.filter(user_id=OuterRef("pk"))
            .order_by()
            .values("user_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        people = people.annotate(used=Coalesce(Subquery(used), 0)).filter(
            used__lt=rules.max_attempts
        )
    return list(people.order_by("pk").values_list("pk", flat=True)[:limit])


def _prepare_batch(
    assessment: AssessmentPage, fingerprint: str, rules: list[DrawRuleRow], user_ids: list[int]
) -> int:
    """Draw for ``user_ids`` in one transaction; how many draws were made."""
    key = assessment.translation_key
    with transaction.atomic():
        locked = list(
            User.objects.select_for_update(skip_locked=True)
            .filter(pk__in=user_ids)
            .order_by("pk")
            .values_list("pk", "administration_id")
        )
        if not locked:
            return 0
        banks = {bank for bank in assessment.draw_rules.values_list("bank_id", flat=True)}
        list(  # no question of the pools is edited in place while it is drawn
            Question.objects.select_for_update()
            .filter(bank_id__in=banks)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # Under the locks, again: a start may have come between the choice and the lock.
        busy = set(
            PreparedAttempt.objects.filter(
                assessment_key=key, user_id__in=[pk for pk, _ in locked]
            ).values_list("user_id", flat=True)
        ) | set(
            Attempt.objects.filter(
                assessment_key=key,
                status=Attempt.Status.OPEN,
                user_id__in=[pk for pk, _ in locked],
            ).values_list("user_id", flat=True)
        )
        people = [(pk, administration) for pk, administration in locked if pk not in busy]
        if not people:
            return 0
        rng = random.Random()  # noqa: S311 - shuffling, not security
        draws = [_draw(assessment, rng, rules) for _ in people]
        prepared = PreparedAttempt.objects.bulk_create(
            [
                PreparedAttempt(
                    user_id=pk,
                    administration_id=administration,
                    assessment=assessment,
                    assessment_key=key,
                    rules=fingerprint,
                )
                for pk, administration in people
            ]
        )
        rows = [
            (row.pk, *drawn_row)
            for row, drawn in zip(prepared, draws, strict=True)
            for drawn_row in _drawn_rows(drawn, assessment.shuffle_options, rng)
        ]
        _prepared_insert(rows)
    # After the locks: rendering a hundred sheets takes a second, and nobody waits for it.
    _sheets_render(rows)
    return len(prepared)


def _sheets_render(rows: list[tuple[int, int, int, str, str, float]]) -> None:
    """Render the question sheet of each prepared draw in ``rows`` in the language its
    officer reads the platform in (:meth:`~lms.accounts.models.User.interface_language`,
    as their pages are: :mod:`assessments.sheet`). A draw started meanwhile is simply not
    updated."""
    by_draw: dict[int, list[sheet.PreparedRow]] = defaultdict(list)
    versions = QuestionVersion.objects.in_bulk({row[2] for row in rows})
    for prepared_id, position, version_id, section, order, _points in rows:
        by_draw[prepared_id].append(
            sheet.PreparedRow(position, versions[version_id], section, json.loads(order))
        )
    languages = {
        prepared.pk: prepared.user.interface_language(prepared.user.administration)
        for prepared in PreparedAttempt.objects.filter(pk__in=by_draw).select_related(
            "user__administration"
        )
    }
    digest = sheet.digest()
    rendered = []
    for prepared_id, language in languages.items():
        if not language or not translation.check_for_language(language):
            continue
        made = sheet.render_ahead(by_draw[prepared_id], language)
        rendered.append(
            PreparedAttempt(
                pk=prepared_id,
                sheet_html=made.html,
                sheet_language=language,
                sheet_digest=digest,
                sheet_meta=made.meta,
            )
        )
    PreparedAttempt.objects.bulk_update(
        rendered, ["sheet_html", "sheet_language", "sheet_digest", "sheet_meta"], batch_size=100
    )


def _prepared_insert(rows: list[tuple[int, int, int, str, str, float]]) -> None:
    """Insert prepared responses, (prepared id, position, version id, section, option
    order as JSON text, max points) each, in one statement per thousand rows."""
    from django.db import connection

    table = connection.ops.quote_name(PreparedResponse._meta.db_table)
    order = (
        "CAST(drawn.option_order AS jsonb)"
        if connection.vendor == "postgresql"
        else "drawn.option_order"
    )
    for start in range(0, len(rows), 1000):
        cte, params = bulk_sql.rows_cte(
            "drawn",
            (
                ("prepared_id", "bigint"),
                ("position", "int"),
                ("version_id", "bigint"),
                ("section", "text"),
                ("option_order", "text"),
                ("max_points", "float8"),
            ),
            rows[start : start + 1000],
        )
        bulk_sql.execute(
            f"{cte} INSERT INTO {table} (prepared_id, position, version_id, section, "  # noqa: S608
            f"option_order, max_points) SELECT drawn.prepared_id, drawn.position, "
            f"drawn.version_id, drawn.section, {order}, drawn.max_points FROM drawn",
            params,
        )


def sheets_forget() -> int:
    """Delete the question sheets of attempts no longer open; how many."""
    count, _ = AttemptSheet.objects.exclude(
        attempt__in=Attempt.objects.filter(status=Attempt.Status.OPEN)
    ).delete()
    return count


def attempts_prepare(*, assessment: AssessmentPage, limit: int = RUN_LIMIT) -> int:
    """Draw ahead for the officers who may start ``assessment`` (see the module's text):
    stale draws are re-drawn; at most ``limit`` officers; how many draws were made.
    Nothing when the assessment cannot be drawn (a bank too small): starting says why."""
    rules = draw_rule_rows(assessment)
    fingerprint = draw_fingerprint(assessment, rules)
    _stale_discard(assessment, fingerprint, rules)
    made = 0
    while made < limit:
        user_ids = _candidates(assessment, min(BATCH, limit - made))
        if not user_ids:
            break
        try:
            batch = _prepare_batch(assessment, fingerprint, rules, user_ids)
        except AttemptRefused:
            break
        if batch == 0:
            break  # those left are starting right now: the next run sees them
        made += batch
    return made


def attempts_prepare_due(*, now: datetime | None = None, limit: int = RUN_LIMIT) -> int:
    """Prepare every live assessment that opens within :data:`LOOKAHEAD` or opened less
    than :data:`LATE` ago; how many draws were made in all."""
    now = now or timezone.now()
    due = AssessmentPage.objects.live().filter(
        available_from__gt=now - LATE, available_from__lte=now + LOOKAHEAD
    )
    sheets_forget()
    made = 0
    for assessment in due.order_by("available_from", "pk"):
        made += attempts_prepare(assessment=assessment, limit=limit)
    return made


__all__ = ["attempts_prepare", "attempts_prepare_due"]
