"""Writes for assessments: question versions, attempts, autosave, submission, grading.

Attempts are safe under concurrency: starting locks the officer's row, the database
allows one open attempt per officer and assessment and one attempt per number; autosave
and submission lock the attempt row; a stale or replayed autosave changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import operator
import random
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from taggit.models import Tag

from courses.services import course_item_complete
from lms import bulk_sql
from lms.accounts.models import User
from lms.accounts.timezones import named_moment
from lms.audit.models import AuditAction
from lms.audit.services import audit_record
from lms.prepared import PreparedQuery

from . import events
from . import types as question_types
from .content import merged, texts_cleaned
from .grading import (
    Grade,
    ResponseError,
    grade,
    normalize_response,
    question_points,
    score_attempt,
)
from .models import (
    AssessmentPage,
    Attempt,
    AttemptEvent,
    AttemptSheet,
    EssayFile,
    PreparedAttempt,
    PreparedResponse,
    Question,
    QuestionBank,
    QuestionVersion,
    Response,
    TaggedQuestion,
)
from .rules import Rules, assessment_rules
from .tokens import answer_from_browser, refusal_in_tokens, tokens_draw
from .translation_status import translation_records

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

GRACE = timedelta(seconds=30)


class AttemptRefused(Exception):
    """Starting or answering is not possible now; ``message`` says why (translated)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- questions ------------------------------------------------------------------------


def question_version_save(
    *,
    actor: User | None,
    question: Question,
    qtype: str,
    data: dict[str, Any],
    texts: dict[str, Any],
    points: float = 1,
    confirmed: Iterable[str] = (),
) -> QuestionVersion:
    """Save a question's content: a version never drawn is updated in place, a version
    already used in an attempt is left as it is and a new version is made. Stems are
    cleaned to the HTML a stem may hold (:func:`assessments.content.stem_html`), whether
    they come from the editor, an import or code.

    Translations whose texts changed (or are new), and those in ``confirmed``, are recorded
    as made from the current source texts; the others keep their record, so a change of the
    source texts leaves them outdated (:mod:`assessments.translation_status`)."""
    texts = texts_cleaned(texts)
    points = question_points(qtype, points)  # a description is worth 0, whatever it is given
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question.pk)
        current = question.current_version
        question.source_language, question.translation_sources = translation_records(
            question=question,
            actor=actor,
            before=current.texts if current is not None else {},
            after=texts,
            confirmed=confirmed,
        )
        question.save(update_fields=["source_language", "translation_sources"])
        if current is not None and (current.type, current.data, float(current.points)) != (
            qtype,
            data,
            float(points),
        ):
            _audit_key_edit(actor, question, current, qtype=qtype, data=data, points=points)
        if current is not None and current.used_at is None:
            current.type, current.data, current.texts, current.points = qtype, data, texts, points
            current.save(update_fields=["type", "data", "texts", "points"])
            # A draw prepared from it holds option orders and tokens of the old content.
            PreparedAttempt.objects.filter(
                pk__in=PreparedResponse.objects.filter(version=current).values("prepared_id")
            ).delete()
            return current
        number = (current.number + 1) if current else 1
        version = QuestionVersion.objects.create(
            question=question,
            number=number,
            type=qtype,
            data=data,
            texts=texts,
            points=points,
            created_by=actor,
        )
        question.current_version = version
        question.save(update_fields=["current_version"])
        return version


def bank_owner_record(
    *, actor: User | None, bank: QuestionBank, previous_administration_id: int | None
) -> None:
    """The trail of a bank given to another owner (an administration, or none: regional):
    one record for each administration concerned, the one that had it and the one that
    has it, so that each one's managers see it; a platform-wide record between two
    regional owners cannot happen. Called in the transaction that saved the bank."""
    if bank.administration_id == previous_administration_id:
        return
    concerned = {previous_administration_id, bank.administration_id} - {None}
    for administration_id in sorted(concerned):
        audit_record(
            actor=actor,
            action=AuditAction.BANK_OWNER_CHANGE,
            administration=administration_id,
            target=bank,
            target_repr=bank.title,
            before={"administration": previous_administration_id},
            after={"administration": bank.administration_id},
        )


def _audit_key_edit(
    actor: User | None,
    question: Question,
    current: QuestionVersion,
    *,
    qtype: str,
    data: dict[str, Any],
    points: float,
) -> None:
    """The trail of a change to a question's key (its type, data or points)."""
    bank = question.bank
    audit_record(
        actor=actor,
        action=AuditAction.QUESTION_KEY_EDIT,
        administration=bank.administration_id,
        target=question,
        target_repr=f"{bank.title}: {question}",
        before={
            "version": current.number,
            "type": current.type,
            "data": current.data,
            "points": current.points,
        },
        after={
            "version": current.number if current.used_at is None else current.number + 1,
            "type": qtype,
            "data": data,
            "points": points,
        },
    )


# --- attempts -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Drawn:
    """A drawn question: what an attempt's response needs of its current version."""

    section: str
    version_id: int
    type: str
    data: dict[str, Any]
    points: Decimal
    used: bool


def _draw(
    assessment: AssessmentPage, rng: random.Random, rules: list[DrawRuleRow] | None = None
) -> list[_Drawn]:
    """The attempt's questions: for each draw rule in order, ``count`` questions of its
    bank (and tag) not drawn by an earlier rule, at random; then shuffled if the page says
    so. Only ids are read for the pools, whatever their size, and only the drawn versions'
    type, data and points (never their texts): a query per rule, and two more (one
    fewer when the caller read the ``rules`` already: :func:`draw_rule_rows`)."""
    picked: list[tuple[str, int]] = []
    seen: set[int] = set()
    rules = draw_rule_rows(assessment) if rules is None else rules
    for bank_id, bank_title, tag, count, section in rules:
        questions = Question.objects.filter(
            bank_id=bank_id, archived=False, current_version__isnull=False
        )
        if tag:
            questions = questions.filter(tags__name=tag)
        pool = [
            (question, version)
            for question, version in questions.values_list("pk", "current_version_id").distinct()
            if question not in seen
        ]
        if len(pool) < count:
            raise AttemptRefused(
                _("This assessment cannot start: a question bank has too few questions."),
                "bank_too_small",
            )
        pool.sort()  # the database returns them in any order: the sample alone decides
        for question, version in rng.sample(pool, count):
            seen.add(question)
            picked.append((section or bank_title, version))
    if assessment.shuffle_questions:
        rng.shuffle(picked)
    versions = {
        pk: (qtype, data, points, used_at is not None)
        for pk, qtype, data, points, used_at in QuestionVersion.objects.filter(
            pk__in={version for _section, version in picked}
        ).values_list("pk", "type", "data", "points", "used_at")
    }
    return [_Drawn(section, version, *versions[version]) for section, version in picked]


def _option_order(qtype: str, data: dict[str, Any], shuffle: bool, rng: random.Random) -> dict:
    """The order each list of entries is shown in, and the attempt's opaque token for
    every entry (``tokens``): the page shows tokens, never authored ids."""
    order: dict[str, Any] = {}
    kind = question_types.get(qtype)
    for key, entries in kind.entries(data).items():
        ids = [entry["id"] for entry in entries]
        if ids:
            if shuffle or key in kind.always_shuffled:
                rng.shuffle(ids)
            order[key] = ids
    order["tokens"] = tokens_draw(qtype, data)
    return order


DrawRuleRow = tuple[int, str, str, int, str]
"""A draw rule as a draw reads it: bank id, bank title, tag, count, section."""


def draw_rule_rows(assessment: AssessmentPage) -> list[DrawRuleRow]:
    """The draw rules of ``assessment`` in order. One query."""
    return list(
        assessment.draw_rules.order_by("sort_order").values_list(
            "bank_id", "bank__title", "tag", "count", "section"
        )
    )


def draw_fingerprint(assessment: AssessmentPage, rules: list[DrawRuleRow] | None = None) -> str:
    """What a draw of ``assessment`` depends on besides the questions: its draw rules (in
    order, with the bank titles that name untitled sections) and its shuffles. A prepared
    draw is used only under the same fingerprint. One query, none when ``rules`` (from
    :func:`draw_rule_rows`) are given."""
    rules = draw_rule_rows(assessment) if rules is None else rules
    text = json.dumps([rules, assessment.shuffle_questions, assessment.shuffle_options])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _prepared_stale(rules: list[DrawRuleRow] | None = None) -> Q:
    """A prepared response whose version is no longer its question's current one, or
    whose question was archived; with ``rules``, also one whose question the rules would
    no longer draw (moved to another bank, or without the rule's tag any more)."""
    stale = Q(version__question__archived=True) | ~Q(
        version__question__current_version_id=F("version_id")
    )
    if rules is None:
        return stale
    drawable = [
        Q(version__question__bank_id=bank_id)
        & (Q(version__question__tags__name=tag) if tag else Q())
        for bank_id, _title, tag, _count, _section in rules
    ]
    if not drawable:
        return Q(pk__isnull=False)  # no rule draws anything: every row is stale
    return stale | ~reduce(operator.or_, drawable)


def _stale_sql(rules: list[DrawRuleRow]) -> tuple[str, list[Any]]:
    """``SELECT 1`` of the stale responses of the prepared draw ``p`` (the caller's alias),
    as :func:`_prepared_stale` with ``rules`` says, and its parameters."""
    quote = connection.ops.quote_name
    # Table names and placeholders only: every value is a parameter.
    tagged = (
        f" AND EXISTS (SELECT 1 FROM {quote(TaggedQuestion._meta.db_table)} tq "  # noqa: S608
        f"JOIN {quote(Tag._meta.db_table)} tag ON tag.id = tq.tag_id "
        "WHERE tq.content_object_id = q.id AND tag.name = %s)"
    )
    drawable = " OR ".join(
        f"(q.bank_id = %s{tagged if tag else ''})" for _bank, _title, tag, _count, _section in rules
    )
    params: list[Any] = []
    for bank_id, _title, tag, _count, _section in rules:
        params += [bank_id, tag] if tag else [bank_id]
    sql = (
        f"SELECT 1 FROM {quote(PreparedResponse._meta.db_table)} r "  # noqa: S608
        f"JOIN {quote(QuestionVersion._meta.db_table)} v ON v.id = r.version_id "
        f"JOIN {quote(Question._meta.db_table)} q ON q.id = v.question_id "
        "WHERE r.prepared_id = p.id AND (q.archived OR q.current_version_id IS NULL "
        f"OR q.current_version_id <> r.version_id OR NOT ({drawable or '1 = 0'}))"
    )
    return sql, params


def _prepared_found(
    user_id: int, assessment_key: Any, rules: list[DrawRuleRow]
) -> tuple[int, str, bool] | None:
    """The officer's prepared draw of the assessment: (id, fingerprint, stale), stale as
    :func:`_prepared_stale` with ``rules`` says. Written out rather than built by the ORM:
    building this statement cost more than everything else Start asks of the database
    (1.9 ms of CPU against 0.3), when a whole class presses Start in the same second."""
    quote = connection.ops.quote_name
    stale, params = _stale_sql(rules)
    sql = (
        f"SELECT p.id, p.rules, EXISTS ({stale}) "  # noqa: S608
        f"FROM {quote(PreparedAttempt._meta.db_table)} p "
        "WHERE p.user_id = %s AND p.assessment_key = %s ORDER BY p.id LIMIT 1"
    )
    key = PreparedAttempt._meta.get_field("assessment_key").get_db_prep_value(
        assessment_key, connection
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, user_id, key])
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], bool(row[2]))


def _prepared_take(
    attempt: Attempt, assessment: AssessmentPage, now: datetime, rules: list[DrawRuleRow]
) -> bool:
    """Give ``attempt`` the officer's prepared draw (:mod:`assessments.models.prepared`):
    its responses are copied, the versions it holds marked used (a version counts as used
    from the first attempt that really starts) and the draw deleted. A draw made under
    other draw rules, or holding a version that is no longer current, is deleted unused.
    False when there was none to use: the caller draws. (On PostgreSQL, Start takes a
    usable draw in one statement first, :func:`_start_prepared`: here it meets one only
    when a draw was prepared between the two.)
    Called with the user row locked; ``rules`` are the assessment's draw rules
    (:func:`draw_rule_rows`)."""
    found = _prepared_found(attempt.user_id, attempt.assessment_key, rules)
    if found is None:
        return False
    prepared_id, fingerprint, stale = found
    usable = not stale and fingerprint == draw_fingerprint(assessment, rules)
    quote = connection.ops.quote_name
    source = quote(PreparedResponse._meta.db_table)
    drawn = quote(PreparedAttempt._meta.db_table)
    table = quote(Response._meta.db_table)
    versions = quote(QuestionVersion._meta.db_table)
    copy = (
        f"INSERT INTO {table} (attempt_id, position, version_id, section, option_order, "  # noqa: S608
        "answer, seq, saved_at, fraction, points, max_points, needs_grading) "
        "SELECT %s, position, version_id, section, option_order, NULL, 0, NULL, NULL, NULL, "
        "max_points, %s FROM "
    )
    mark = f"UPDATE {versions} SET used_at = %s WHERE used_at IS NULL AND id IN "  # noqa: S608
    # Its question sheet, rendered ahead (assessments/sheet.py), goes with it.
    sheet = (
        f"INSERT INTO {quote(AttemptSheet._meta.db_table)} "  # noqa: S608
        "(attempt_id, language, digest, html, meta) "
        f"SELECT %s, sheet_language, sheet_digest, sheet_html, sheet_meta FROM {drawn} "
        "WHERE id = %s AND sheet_html <> ''"
    )
    if usable:
        bulk_sql.execute(
            f"{copy}{source} WHERE prepared_id = %s",
            [attempt.pk, False, prepared_id],
        )
        bulk_sql.execute(
            f"{mark}(SELECT version_id FROM {source} WHERE prepared_id = %s)",  # noqa: S608
            [now, prepared_id],
        )
        bulk_sql.execute(sheet, [attempt.pk, prepared_id])
    bulk_sql.execute(f"DELETE FROM {source} WHERE prepared_id = %s", [prepared_id])  # noqa: S608
    bulk_sql.execute(f"DELETE FROM {drawn} WHERE id = %s", [prepared_id])  # noqa: S608
    return usable


def attempts_allowed(
    assessment: AssessmentPage,
    previous: Sequence[Attempt],
    now: datetime,
    rules: Rules | None = None,
) -> tuple[bool, str]:
    """Whether a new attempt may start, and if not why (translated). The rules are the
    strictest of the assessment's translations (:mod:`assessments.rules`), which share
    their attempts."""
    rules = rules or assessment_rules(assessment)
    zone = timezone.get_current_timezone()  # the viewer's (UserTimeZoneMiddleware)
    if rules.available_from and now < rules.available_from:
        return False, _("This assessment opens on %(moment)s.") % {
            "moment": named_moment(rules.available_from, zone)
        }
    if rules.available_until and now >= rules.available_until:
        return False, _("This assessment closed on %(moment)s.") % {
            "moment": named_moment(rules.available_until, zone)
        }
    if rules.max_attempts is not None and len(previous) >= rules.max_attempts:
        return False, _("You have used all your attempts.")
    if previous and rules.delay_between_attempts_minutes:
        last = max(a.submitted_at or a.started_at for a in previous)
        wait_until = last + timedelta(minutes=rules.delay_between_attempts_minutes)
        if now < wait_until:
            return False, _("You can try again after %(time)s.") % {
                "time": named_moment(wait_until, zone, "SHORT_DATETIME_FORMAT")
            }
    return True, ""


def attempt_start(
    *,
    actor: User,
    assessment: AssessmentPage,
    language: str = "en",
    rules: Rules | None = None,
    draws: list[DrawRuleRow] | None = None,
) -> Attempt:
    """Start an attempt, or return the open one. Never more than the allowed number.
    ``rules`` and ``draws``: the assessment's (:func:`assessments.rules.assessment_rules`,
    :func:`draw_rule_rows`), when the caller has them already.

    On PostgreSQL, an officer whose draw was prepared ahead starts in one statement
    (:func:`_start_prepared`); otherwise, and whenever that finds nothing to start from,
    under a lock on the officer's row: the open attempt if any, the prepared draw if still
    usable, else a new draw."""
    if not actor.is_authenticated or actor.administration_id is None:
        raise AttemptRefused(_("Only officers of an administration can sit assessments."), "role")
    key = assessment.translation_key
    now = timezone.now()
    rules = rules or assessment_rules(assessment)
    if connection.vendor == "postgresql":
        previous = _prepared_attempts_of(actor.pk, key)
        attempt, is_open = _open_or_next(actor, assessment, language, rules, previous, now)
        if is_open:
            return attempt
        draws = draw_rule_rows(assessment) if draws is None else draws
        started = _start_prepared(attempt, assessment, draws, now)
        if started is not None:
            return started
    try:
        with transaction.atomic():
            User.objects.select_for_update().only("pk").get(pk=actor.pk)  # one start at a time
            previous = list(Attempt.objects.filter(user=actor, assessment_key=key))
            attempt, is_open = _open_or_next(actor, assessment, language, rules, previous, now)
            if is_open:
                return attempt
            attempt.save(force_insert=True)
            # Read once, for the prepared draw or a new one.
            draws = draw_rule_rows(assessment) if draws is None else draws
            if not _prepared_take(attempt, assessment, now, draws):
                _draw_into(attempt, assessment, now, draws)
            AttemptEvent.objects.create(
                attempt=attempt, kind=AttemptEvent.Kind.STARTED, actor=actor
            )
            return attempt
    except IntegrityError:
        # A concurrent start won (one open attempt, one number per attempt): use it.
        attempt = Attempt.objects.filter(
            user=actor, assessment_key=key, status=Attempt.Status.OPEN
        ).first()
        if attempt is None:
            raise
        return attempt


def attempts_of(user_id: int, assessment_key: Any) -> QuerySet[Attempt]:
    """The officer's attempts at an assessment (all its translations)."""
    return Attempt.objects.filter(user_id=user_id, assessment_key=assessment_key)


#: What Start reads first, compiled once per connection (lms/prepared.py).
_prepared_attempts_of = PreparedQuery(
    Attempt, attempts_of, lambda shape: ((1, uuid.UUID(int=1)), (2, uuid.UUID(int=2)))
)


def _open_or_next(
    actor: User,
    assessment: AssessmentPage,
    language: str,
    rules: Rules,
    previous: Sequence[Attempt],
    now: datetime,
) -> tuple[Attempt, bool]:
    """Of the officer's ``previous`` attempts, the open one (and True); else their next
    attempt, unsaved (and False), its deadline the time limit or the closing moment,
    whichever comes first. AttemptRefused when no attempt may start now."""
    for attempt in previous:
        if attempt.status == Attempt.Status.OPEN:
            return attempt, True
    allowed, reason = attempts_allowed(assessment, previous, now, rules)
    if not allowed:
        raise AttemptRefused(reason, "not_allowed")
    deadline = None
    if rules.time_limit_minutes:
        deadline = now + timedelta(minutes=rules.time_limit_minutes)
    if rules.available_until:
        deadline = min(deadline or rules.available_until, rules.available_until)
    attempt = Attempt(
        user=actor,
        administration_id=actor.administration_id,
        assessment=assessment,
        assessment_key=assessment.translation_key,
        number=len(previous) + 1,
        language=language,
        deadline=deadline,
        pass_mark=rules.pass_mark,
    )
    return attempt, False


def _start_prepared(
    attempt: Attempt, assessment: AssessmentPage, draws: list[DrawRuleRow], now: datetime
) -> Attempt | None:
    """PostgreSQL: start the unsaved ``attempt`` from its officer's prepared draw in a
    single statement, what a whole class pressing Start in the same second needs
    (bench/exam_burst.py). The attempt and its "started" event are inserted, the draw's
    responses and question sheet moved to it, its versions marked used and the draw
    deleted, only if the draw is still usable (same fingerprint, nothing stale: the rule
    of :func:`_prepared_take`, in SQL). ``draws``: :func:`draw_rule_rows`.

    No lock on the officer's row is needed: two Starts of one officer cannot both insert
    (one open attempt per assessment and one number per attempt are unique in the
    database, and the draw is locked by the first); the second gets the first's attempt.
    Returns the attempt started (or that open one), None when there is no usable draw to
    start from: the caller then takes the locked path, which also discards a stale draw."""
    actor, key = attempt.user, attempt.assessment_key
    event = AttemptEvent(kind=AttemptEvent.Kind.STARTED, actor=actor)
    attempt_columns, attempt_places, attempt_values = bulk_sql.row_values(attempt)
    event_columns, event_places, event_values = bulk_sql.row_values(event, leave_out=["attempt"])
    stale, stale_params = _stale_sql(draws)
    quote = connection.ops.quote_name
    drawn = quote(PreparedAttempt._meta.db_table)
    source = quote(PreparedResponse._meta.db_table)
    # Table and column names and placeholders only: every value is a parameter.
    sql = (
        f"WITH p AS (SELECT p.id FROM {drawn} p "  # noqa: S608
        "WHERE p.user_id = %s AND p.assessment_key = %s AND p.rules = %s "
        f"AND NOT EXISTS ({stale}) ORDER BY p.id LIMIT 1 FOR UPDATE OF p), "
        f"a AS (INSERT INTO {quote(Attempt._meta.db_table)} ({', '.join(attempt_columns)}) "
        f"SELECT {', '.join(attempt_places)} FROM p RETURNING id), "
        f"e AS (INSERT INTO {quote(AttemptEvent._meta.db_table)} "
        f"(attempt_id, {', '.join(event_columns)}) "
        f"SELECT a.id, {', '.join(event_places)} FROM a), "
        f"moved AS (DELETE FROM {source} r USING p WHERE r.prepared_id = p.id "
        "RETURNING r.position, r.version_id, r.section, r.option_order, r.max_points), "
        f"sheet AS (INSERT INTO {quote(AttemptSheet._meta.db_table)} "
        "(attempt_id, language, digest, html, meta) "
        "SELECT a.id, d.sheet_language, d.sheet_digest, d.sheet_html, d.sheet_meta "
        f"FROM {drawn} d JOIN p ON d.id = p.id CROSS JOIN a WHERE d.sheet_html <> ''), "
        f"gone AS (DELETE FROM {drawn} d USING p WHERE d.id = p.id), "
        f"used AS (UPDATE {quote(QuestionVersion._meta.db_table)} SET used_at = %s "
        "WHERE used_at IS NULL AND id IN (SELECT version_id FROM moved)), "
        f"copied AS (INSERT INTO {quote(Response._meta.db_table)} (attempt_id, position, "
        "version_id, section, option_order, answer, seq, saved_at, fraction, points, "
        "max_points, needs_grading) SELECT a.id, position, version_id, section, "
        "option_order, NULL, 0, NULL, NULL, NULL, max_points, %s::boolean "
        "FROM moved CROSS JOIN a) "
        "SELECT id FROM a"
    )
    key_value = PreparedAttempt._meta.get_field("assessment_key").get_db_prep_value(key, connection)
    params = [
        actor.pk,
        key_value,
        draw_fingerprint(assessment, draws),
        *stale_params,
        *attempt_values,
        *event_values,
        now,
        False,
    ]
    # One statement is atomic by itself; inside a caller's transaction, a savepoint keeps
    # a refused insert from spoiling it. The server prepares it once per connection and
    # assessment (its plan cost more than its run: lms/db/postgresql).
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard, connection.preparing_cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    except IntegrityError:
        # Another Start of this officer won: theirs is the attempt (or, if it is closed
        # already, the locked path decides).
        return Attempt.objects.filter(
            user=actor, assessment_key=key, status=Attempt.Status.OPEN
        ).first()
    if row is None:
        return None
    attempt.pk = row[0]
    attempt._state.adding = False
    attempt._state.db = connection.alias
    return attempt


def _draw_into(
    attempt: Attempt,
    assessment: AssessmentPage,
    now: datetime,
    rules: list[DrawRuleRow] | None = None,
) -> None:
    """Draw ``attempt``'s questions now and store them, marking the drawn versions used."""
    rng = random.Random()  # noqa: S311 - shuffling, not security
    drawn = _draw(assessment, rng, rules)
    _responses_insert(attempt.pk, _drawn_rows(drawn, assessment.shuffle_options, rng))
    unused = {item.version_id for item in drawn if not item.used}
    if unused:  # a version is marked once, by the first attempt that draws it
        QuestionVersion.objects.filter(pk__in=unused, used_at__isnull=True).update(used_at=now)


def _drawn_rows(
    drawn: list[_Drawn], shuffle_options: bool, rng: random.Random
) -> list[tuple[int, int, str, str, float]]:
    """The rows of a draw as :func:`_responses_insert` takes them."""
    return [
        (
            position,
            item.version_id,
            item.section,
            json.dumps(_option_order(item.type, item.data, shuffle_options, rng)),
            question_points(item.type, item.points),
        )
        for position, item in enumerate(drawn, start=1)
    ]


def _locked_attempt(actor: User, attempt_id: int) -> Attempt:
    """The actor's own attempt, locked for this transaction; 404 for anyone else's."""
    attempt = Attempt.objects.select_for_update().filter(pk=attempt_id, user_id=actor.pk).first()
    if attempt is None:
        raise Http404
    return attempt


def _accepting(attempt: Attempt, now: datetime) -> bool:
    return attempt.status == Attempt.Status.OPEN and (
        attempt.deadline is None or now <= attempt.deadline + GRACE
    )


def response_save(
    *, actor: User, attempt_id: int, position: int, seq: int, answer: Any
) -> tuple[Response, bool]:
    """Autosave one answer, as the attempt page sends it: entries named by the attempt's
    tokens (see :mod:`assessments.tokens`), which are turned into authored ids before the
    answer is checked and stored. Returns (response, saved); ``saved`` is False for a
    stale or repeated save (a lower or equal sequence number), which changes nothing.

    Raises Http404 for another officer's attempt, AttemptRefused when the attempt no
    longer accepts answers, ResponseError when the answer does not fit the question.
    """
    now = timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(actor, attempt_id)
        if not _accepting(attempt, now):
            raise AttemptRefused(
                _("This attempt no longer accepts answers: time is up or it was submitted."),
                "closed",
            )
        response = (
            Response.objects.select_related("version")
            .filter(attempt=attempt, position=position)
            .first()
        )
        if response is None:
            raise Http404
        version = response.version
        tokens = (response.option_order or {}).get("tokens") or {}
        answer = answer_from_browser(version.type, answer, tokens)
        try:
            normalized = normalize_response(version.type, merged(version.data, {}), answer)
        except ResponseError as error:
            raise refusal_in_tokens(error, tokens) from None
        files = normalized.get("files") if isinstance(normalized, dict) else None
        if files and EssayFile.objects.filter(response=response, key__in=files).count() != len(
            files
        ):
            # An essay names only files stored for this very answer (assessments/marking).
            raise ResponseError("unknown_file")
        if seq <= response.seq:
            return response, False
        Response.objects.filter(pk=response.pk).update(answer=normalized, seq=seq, saved_at=now)
        response.answer, response.seq, response.saved_at = normalized, seq, now
        return response, True


def _grades_store(responses: list[Response]) -> None:
    """Store every response's fraction and points in one UPDATE, whatever the number of
    questions (``bulk_update`` builds a CASE per row and field, which costs more to compile
    than the grading itself)."""
    if not responses:
        return
    table = connection.ops.quote_name(Response._meta.db_table)
    cte, params = bulk_sql.rows_cte(
        "graded",
        (("id", "bigint"), ("fraction", "float8"), ("points", "float8")),
        [(r.pk, float(r.fraction), float(r.points)) for r in responses],
    )
    bulk_sql.execute(
        f"{cte} UPDATE {table} SET fraction = graded.fraction, "  # noqa: S608
        f"points = graded.points FROM graded WHERE {table}.id = graded.id",
        params,
    )


def _responses_insert(attempt_id: int, rows: list[tuple[int, int, str, str, float]]) -> None:
    """Insert an attempt's responses, (position, version id, section, option order as
    JSON text, max points) each, in one statement: ``bulk_create`` prepared the forty rows
    field by field, which cost more than the rest of starting the attempt."""
    table = connection.ops.quote_name(Response._meta.db_table)
    cte, params = bulk_sql.rows_cte(
        "drawn",
        (
            ("position", "int"),
            ("version_id", "bigint"),
            ("section", "text"),
            ("option_order", "text"),
            ("max_points", "float8"),
        ),
        rows,
    )
    order = (
        "CAST(drawn.option_order AS jsonb)"
        if connection.vendor == "postgresql"
        else ("drawn.option_order")
    )
    bulk_sql.execute(
        f"{cte} INSERT INTO {table} (attempt_id, position, version_id, section, "  # noqa: S608
        "option_order, answer, seq, saved_at, fraction, points, max_points, needs_grading) "
        f"SELECT %s, drawn.position, drawn.version_id, drawn.section, {order}, NULL, 0, "
        "NULL, NULL, NULL, drawn.max_points, %s FROM drawn",
        [*params, attempt_id, False],
    )


def _grade_attempt(
    attempt: Attempt,
    status: str,
    actor: User | None,
    now: datetime,
    responses: list[Response] | None = None,
) -> None:
    """Grade every response: a fixed number of queries whatever the number of questions.

    A response a person must grade (an essay) is left ungraded and marked for the grading
    queue; the attempt then waits for grading (status ``grading``): no score, no pass, no
    event that it passed, until the last manual grade (``assessments/marking``) completes
    it with :func:`attempt_result_store`, as here."""
    if responses is None:
        responses = list(attempt.responses.select_related("version"))
    graded: list[tuple[float, Grade]] = []
    scored: list[Response] = []
    pending: list[Response] = []
    for response in responses:
        version = response.version
        result = grade(version.type, merged(version.data, {}), response.answer)
        if result.pending:
            pending.append(response)
            continue
        response.fraction = result.fraction
        worth = question_points(version.type, version.points)
        response.points = round(result.fraction * worth, 6)
        scored.append(response)
        graded.append((worth, result))
    _grades_store(scored)
    attempt.submitted_at = now
    if pending:
        Response.objects.filter(pk__in=[response.pk for response in pending]).update(
            needs_grading=True, fraction=None, points=None
        )
        attempt.status = Attempt.Status.GRADING
        attempt.score = attempt.max_score = attempt.percent = attempt.passed = None
        attempt.save(
            update_fields=["status", "submitted_at", "score", "max_score", "percent", "passed"]
        )
        AttemptEvent.objects.create(
            attempt=attempt,
            kind=AttemptEvent.Kind.EXPIRED
            if status == Attempt.Status.EXPIRED
            else AttemptEvent.Kind.SUBMITTED,
            actor=actor,
            detail={"awaiting_grading": len(pending)},
        )
        return
    attempt_result_store(
        attempt,
        status=status,
        graded=graded,
        actor=actor,
        kind=AttemptEvent.Kind.EXPIRED
        if status == Attempt.Status.EXPIRED
        else AttemptEvent.Kind.SUBMITTED,
    )


def attempt_result_store(
    attempt: Attempt,
    *,
    status: str,
    graded: Sequence[tuple[float, Grade]],
    actor: User | None,
    kind: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Score a graded attempt, store the result with an event row, and, when it passed,
    complete its course item and announce it after the commit. Called with the attempt
    row locked: on submission, and by the last manual grade (or a regrade)."""
    score, maximum, percent = score_attempt(graded)
    was_passed = attempt.passed
    attempt.status = status
    attempt.score, attempt.max_score, attempt.percent = score, maximum, percent
    attempt.passed = percent >= attempt.pass_mark
    attempt.save(
        update_fields=["status", "submitted_at", "score", "max_score", "percent", "passed"]
    )
    AttemptEvent.objects.create(
        attempt=attempt,
        kind=kind,
        actor=actor,
        detail={
            **(detail or {}),
            "score": score,
            "max": maximum,
            "percent": percent,
            "passed": attempt.passed,
        },
    )
    if attempt.passed and not was_passed:
        if attempt.assessment is not None:
            # A passed assessment completes its item of the course (courses is a lower
            # layer).
            course_item_complete(user_id=attempt.user_id, item=attempt.assessment)
        transaction.on_commit(
            lambda: events.assessment_passed.send(
                sender=Attempt,
                attempt=attempt,
                user_id=attempt.user_id,
                administration_id=attempt.administration_id,
                assessment_key=attempt.assessment_key,
                percent=percent,
            )
        )


def attempt_submit(*, actor: User, attempt_id: int) -> Attempt:
    """Submit and grade. Submitting twice, or from two tabs at once, grades once."""
    now = timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(actor, attempt_id)
        if attempt.status != Attempt.Status.OPEN:
            return attempt
        late = attempt.deadline is not None and now > attempt.deadline + GRACE
        status = Attempt.Status.EXPIRED if late else Attempt.Status.SUBMITTED
        responses = list(attempt.responses.select_related("version"))
        if not late:
            _refuse_incomplete(responses)
        _grade_attempt(attempt, status, actor, now, responses)
        return attempt


def _refuse_incomplete(responses: list[Response]) -> None:
    """Refuse a submission while an answer lacks a part its question requires (an essay's
    required files), naming the questions by their number on the attempt page."""
    problems = []
    number = 0
    for response in sorted(responses, key=lambda r: r.position):
        kind = question_types.get(response.version.type)
        number += kind.scored  # descriptions are not numbered on the page
        problem = kind.submit_problem(merged(response.version.data, {}), response.answer)
        if problem is not None:
            problems.append(
                _("Question %(number)s: %(problem)s")
                % {"number": number, "problem": problem.translated(_)}
            )
    if problems:
        raise AttemptRefused(
            _("Your answers were not submitted.") + " " + " ".join(problems), "incomplete"
        )


def attempts_close_overdue(*, now: datetime | None = None) -> int:
    """Close and grade every open attempt past its deadline and grace. Idempotent."""
    now = now or timezone.now()
    closed = 0
    overdue = Attempt.objects.filter(
        status=Attempt.Status.OPEN, deadline__lt=now - GRACE
    ).values_list("pk", flat=True)
    for attempt_id in list(overdue):
        with transaction.atomic():
            attempt = (
                Attempt.objects.select_for_update()
                .filter(pk=attempt_id, status=Attempt.Status.OPEN)
                .first()
            )
            if attempt is None:
                continue
            _grade_attempt(attempt, Attempt.Status.EXPIRED, None, now)
            closed += 1
    return closed


__all__ = [
    "AttemptRefused",
    "ResponseError",
    "attempt_result_store",
    "attempt_start",
    "attempt_submit",
    "attempts_close_overdue",
    "question_version_save",
    "response_save",
]
