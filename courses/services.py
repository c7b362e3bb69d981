"""Writes for courses: enrolment, lesson progress, H5P results and saved state.

Keyword-only arguments, the actor passed explicitly, one transaction each. Course progress
is recomputed only when a lesson's state actually changes.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from lms.public_url import public_origin

from . import events
from .models import (
    CoursePage,
    Enrolment,
    H5PActivity,
    H5PResult,
    H5PUserData,
    LessonActivity,
    LessonPage,
    LessonProgress,
)
from .models.h5p import H5PStatement, XAPIAccount
from .models.pages import owner_of_position
from .packages.h5p import completion as h5p_completion
from .packages.h5p import xapi
from .selectors import can_see_course

if TYPE_CHECKING:
    from lms.accounts.models import Administration, User

MAX_STATEMENT_BYTES = xapi.MAX_STATEMENT_BYTES
MAX_STATE_BYTES = 64 * 1024


# --- enrolment and lessons --------------------------------------------------------------


def enrolment_create(*, actor: User, course: CoursePage) -> Enrolment:
    """Enrol the actor in an open course they may see. Enrolling twice returns the first."""
    if not actor.is_authenticated or actor.administration_id is None:
        raise PermissionDenied(_("Only officers of an administration can enrol."))
    if not can_see_course(actor, course):
        raise Http404
    existing = Enrolment.objects.filter(user=actor, course_key=course.translation_key).first()
    if existing is not None:
        return existing
    if not course.enrolment_open:
        raise ValidationError(_("This course is not open for enrolment."))
    try:
        with transaction.atomic():
            return Enrolment.objects.create(
                user=actor,
                administration_id=actor.administration_id,
                course=course,
                course_key=course.translation_key,
                last_activity_at=timezone.now(),
            )
    except IntegrityError:  # a second request won the race
        return Enrolment.objects.get(user=actor, course_key=course.translation_key)


def _required_block_ids(lesson_id: int) -> set[str]:
    """The lesson's blocks that must be completed: required H5P and SCORM blocks."""
    from .packages.scorm.models import ScormSlot

    return set(
        LessonActivity.objects.filter(lesson_id=lesson_id, required=True).values_list(
            "block_id", flat=True
        )
    ) | set(
        ScormSlot.objects.filter(lesson_id=lesson_id, required=True).values_list(
            "block_id", flat=True
        )
    )


def lesson_block_complete(*, actor: User, slot: Any, now: datetime | None = None) -> bool:
    """Mark a lesson block (an H5P or SCORM slot: anything with ``lesson``,
    ``lesson_id``, ``lesson_key``, ``course_key`` and ``block_id``) completed for the
    officer, and complete the lesson when every required block is (announced through
    ``events.lesson_completed``, and the course's progress refreshed, as for H5P).
    Idempotent; returns whether the block was newly completed. Http404 when the officer
    is not enrolled in the slot's course."""
    now = now or timezone.now()
    with transaction.atomic():
        progress = _locked_progress(actor=actor, slot=slot)
        if slot.block_id in progress.completed_blocks:
            return False
        progress.completed_blocks = [*progress.completed_blocks, slot.block_id]
        if (
            progress.status != LessonProgress.Status.COMPLETED
            and progress.viewed_at is not None
            and _required_block_ids(slot.lesson_id) <= set(progress.completed_blocks)
        ):
            _complete_lesson(progress, progress.enrolment, now)
        else:
            progress.save(update_fields=["completed_blocks"])
    return True


def lesson_visit(
    *,
    actor: User,
    enrolment: Enrolment,
    lesson: LessonPage,
    required_blocks: set[str] | None = None,
) -> str:
    """Record that the officer opened a lesson; returns the lesson's status afterwards.

    Writes only when something changes: the first visit starts the lesson, and a lesson
    whose required activities are all done (or that has none) completes.
    """
    if enrolment.user_id != actor.pk:
        raise Http404
    key = str(lesson.translation_key)
    status = enrolment.lesson_status.get(key)
    if status == LessonProgress.Status.COMPLETED:
        return status
    if required_blocks is None:
        required_blocks = _required_block_ids(lesson.pk)
    if status == LessonProgress.Status.STARTED and required_blocks:
        return status
    now = timezone.now()
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        progress, created = LessonProgress.objects.get_or_create(
            enrolment=locked,
            lesson_key=lesson.translation_key,
            defaults={
                "administration_id": locked.administration_id,
                "lesson": lesson,
                "viewed_at": now,
            },
        )
        if progress.status != LessonProgress.Status.COMPLETED and required_blocks <= set(
            progress.completed_blocks
        ):
            _complete_lesson(progress, locked, now)
        elif created or locked.lesson_status.get(key) != progress.status:
            locked.lesson_status = {**locked.lesson_status, key: progress.status}
            locked.last_activity_at = now
            locked.save(update_fields=["lesson_status", "last_activity_at"])
    enrolment.lesson_status = locked.lesson_status
    enrolment.percent_complete = locked.percent_complete
    enrolment.status = locked.status
    return enrolment.lesson_status[key]


def _complete_lesson(progress: LessonProgress, enrolment: Enrolment, now: Any) -> None:
    progress.status = LessonProgress.Status.COMPLETED
    progress.completed_at = now
    progress.save()
    enrolment.lesson_status = {
        **enrolment.lesson_status,
        str(progress.lesson_key): LessonProgress.Status.COMPLETED,
    }
    transaction.on_commit(
        lambda: events.lesson_completed.send(
            sender=LessonProgress,
            progress=progress,
            user_id=enrolment.user_id,
            lesson_key=progress.lesson_key,
        )
    )
    enrolment_progress_refresh(enrolment=enrolment, now=now)


def enrolment_progress_refresh(*, enrolment: Enrolment, now: Any = None) -> Enrolment:
    """Recompute the percentage from the course's required lessons; complete the course
    when all are done (announced through ``events.course_completed`` after commit)."""
    now = now or timezone.now()
    required = required_item_keys(enrolment.course) if enrolment.course else set()
    done = {
        key
        for key, status in enrolment.lesson_status.items()
        if status == LessonProgress.Status.COMPLETED
    }
    percent = 100 if not required else math.floor(100 * len(required & done) / len(required))
    enrolment.percent_complete = percent
    enrolment.last_activity_at = now
    fields = ["percent_complete", "last_activity_at", "lesson_status"]
    if required and required <= done and enrolment.status != Enrolment.Status.COMPLETED:
        enrolment.status = Enrolment.Status.COMPLETED
        enrolment.completed_at = now
        fields += ["status", "completed_at"]
        transaction.on_commit(
            lambda: events.course_completed.send(
                sender=Enrolment,
                enrolment=enrolment,
                user_id=enrolment.user_id,
                administration_id=enrolment.administration_id,
                course_key=enrolment.course_key,
            )
        )
    enrolment.save(update_fields=fields)
    return enrolment


def required_item_keys(course: CoursePage) -> set[str]:
    """Translation keys of the live items of a course that count for completion: lessons
    and, from higher layers, any page type at lesson depth with a true ``required`` field
    (assessments), found without importing them."""
    from django.contrib.contenttypes.models import ContentType

    rows = (
        Page.objects.live()
        .descendant_of(course)
        .filter(depth=course.depth + 2)
        .values_list("pk", "content_type_id")
    )
    pages_by_type: dict[int, list[int]] = {}
    for pk, content_type_id in rows:
        pages_by_type.setdefault(content_type_id, []).append(pk)
    keys: set[str] = set()
    for content_type_id, pks in pages_by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None or not any(f.name == "required" for f in model._meta.concrete_fields):
            continue
        # Only the flag and the key: never the lesson bodies.
        required = model.objects.filter(pk__in=pks, required=True)
        keys.update(str(key) for key in required.values_list("translation_key", flat=True))
    return keys


def course_item_complete(*, user_id: int, item: Page) -> Enrolment | None:
    """Mark a course item other than a lesson (an assessment, announced by its layer) as
    completed for the officer, and refresh the course's progress. Idempotent."""
    course = CoursePage.objects.filter(path=item.path[: (item.depth - 2) * Page.steplen]).first()
    if course is None:
        return None
    key = str(item.translation_key)
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update()
            .filter(user_id=user_id, course_key=course.translation_key)
            .first()
        )
        if enrolment is None or enrolment.lesson_status.get(key) == LessonProgress.Status.COMPLETED:
            return enrolment
        enrolment.lesson_status = {**enrolment.lesson_status, key: LessonProgress.Status.COMPLETED}
        return enrolment_progress_refresh(enrolment=enrolment)


def lesson_activities_sync(*, lesson: LessonPage) -> None:
    """Rebuild the activity slots of a published lesson from its body."""
    course = lesson.get_parent().get_parent() if lesson.depth > 2 else None
    blocks = lesson.h5p_blocks()
    with transaction.atomic():
        keep = []
        for position, (block_id, value) in enumerate(blocks):
            activity = value.get("activity")
            if activity is None or not block_id:
                continue
            rule = h5p_completion.BlockRule.from_block(value)
            LessonActivity.objects.update_or_create(
                lesson=lesson,
                block_id=block_id,
                defaults={
                    "activity": activity,
                    "required": h5p_completion.counts_for_lesson(
                        activity.main_library.machine_name, required=bool(value.get("required"))
                    ),
                    "completion": rule.mode,
                    "pass_percent": rule.pass_percent,
                    "steps": _content_steps(activity),
                    "lesson_key": lesson.translation_key,
                    "course_key": course.translation_key if course else lesson.translation_key,
                    "position": position,
                },
            )
            keep.append(block_id)
        LessonActivity.objects.filter(lesson=lesson).exclude(block_id__in=keep).delete()


def course_owners_sync(*, page: Page) -> int:
    """After a move: every course in the moved subtree belongs to the administration of
    the catalogue it now sits in. Returns how many courses changed owner."""
    changed = 0
    for course in CoursePage.objects.filter(path__startswith=page.path):
        owner = owner_of_position(course.path)
        if course.administration_id != owner:
            CoursePage.objects.filter(pk=course.pk).update(administration_id=owner)
            changed += 1
    return changed


# --- H5P results and state ------------------------------------------------------------


class StatementRefused(ValidationError):
    """A statement that breaks xAPI's rules (``courses/packages/h5p/xapi.py``); nothing was
    stored. ``problems`` lists them with their codes; ``messages`` are translated."""

    def __init__(self, problems: list[xapi.Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__([problem.render(_) for problem in self.problems], code="statement")


class StatementConflict(Exception):
    """The statement's id is already used by a different statement; nothing was stored.
    Says nothing about whose it is."""

    def __str__(self) -> str:
        return _("This statement id is already in use. Send the statement with a new id.")


@dataclass(frozen=True)
class StatementOutcome:
    statement: H5PStatement
    stored: bool
    """False when the statement repeats one already stored (same id, same officer)."""
    completed: bool
    """Whether the block is completed for the officer, by this statement or earlier."""
    scaled: float | None = None
    """This statement's score as a share of the possible score (main content only)."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _officer_agent(actor: User) -> dict[str, Any]:
    account, _created = XAPIAccount.objects.get_or_create(user=actor)
    return xapi.officer_agent(home_page=public_origin(), name=str(account.name))


def platform_authority() -> dict[str, Any]:
    """The ``authority`` of every statement: the platform, which vouches that the officer
    signed in sent it (the result itself stays the browser's claim)."""
    return {"objectType": "Agent", "account": {"homePage": public_origin(), "name": "lms"}}


def _locked_progress(*, actor: User, slot: LessonActivity) -> LessonProgress:
    """The officer's progress row of the slot's lesson, locked; the lesson is started when
    it was never opened. Http404 when the officer is not enrolled in the course."""
    query = (
        LessonProgress.objects.select_for_update()
        .select_related("enrolment")
        .filter(enrolment__user=actor, enrolment__course_key=slot.course_key)
    )
    progress = query.filter(lesson_key=slot.lesson_key).first()
    if progress is None:
        enrolment = Enrolment.objects.filter(user=actor, course_key=slot.course_key).first()
        if enrolment is None:
            raise Http404
        lesson_visit(actor=actor, enrolment=enrolment, lesson=slot.lesson)
        progress = query.get(lesson_key=slot.lesson_key)
    return progress


def _content_steps(activity: H5PActivity) -> int | None:
    """Steps of a content type that finishes at its last one (a CoursePresentation's
    slides), read from the stored content.json; None for other types."""
    machine_name = activity.main_library.machine_name
    if not h5p_completion.type_rule(machine_name).slides:
        return None
    from django.core.files.storage import default_storage

    try:
        with default_storage.open(f"{activity.storage_prefix}/content/content.json") as file:
            content = json.loads(file.read())
    except (OSError, ValueError):
        return None
    return h5p_completion.content_steps(machine_name, content)


def _slot_steps(slot: LessonActivity, facts: xapi.Facts) -> int | None:
    """The slot's step count when this statement may finish by reaching the last step
    (read once from the content and kept on the slot)."""
    machine_name = slot.activity.main_library.machine_name
    if facts.verb != h5p_completion.PROGRESSED or facts.sub_content:
        return None
    if not h5p_completion.type_rule(machine_name).slides:
        return None
    if slot.steps is None:
        slot.steps = _content_steps(slot.activity)
        if slot.steps is not None:
            LessonActivity.objects.filter(pk=slot.pk).update(steps=slot.steps)
    return slot.steps


def _best_result_keep(
    *,
    actor: User,
    slot: LessonActivity,
    progress: LessonProgress,
    row: H5PStatement,
    facts: xapi.Facts,
) -> None:
    """Keep the officer's best score in the activity (H5PResult), from a main-content
    statement whose score's share is known."""
    score = facts.score
    assert score is not None and score.fraction is not None
    values = {
        "administration_id": progress.administration_id,
        "enrolment_id": progress.enrolment_id,
        "lesson_key": slot.lesson_key,
        "block_id": slot.block_id,
        "verb": facts.verb,
        "score_raw": score.raw,
        "score_min": score.min,
        "score_max": score.max,
        "score_scaled": round(score.fraction, 6),
        "success": facts.success,
        "completion": facts.completion is True,
        "statement": row,
    }
    best = (
        H5PResult.objects.select_for_update()
        .filter(user=actor, activity_id=slot.activity_id)
        .only("pk", "score_scaled")
        .first()
    )
    if best is None:
        try:
            with transaction.atomic():
                H5PResult.objects.create(user=actor, activity_id=slot.activity_id, **values)
            return
        except IntegrityError:  # the same activity answered at once in another lesson
            best = H5PResult.objects.select_for_update().get(
                user=actor, activity_id=slot.activity_id
            )
    if values["score_scaled"] > best.score_scaled:
        for name, value in values.items():
            setattr(best, name, value)
        best.save(update_fields=[*values, "updated_at"])


def h5p_statement_record(
    *, actor: User, slot: LessonActivity, statement: Any, now: datetime | None = None
) -> StatementOutcome:
    """Store one xAPI statement of an H5P activity for the signed-in officer and move
    lesson progress.

    The statement is validated (``xapi.validate_statement``: StatementRefused, nothing
    stored) and stored whole with the officer as its actor; a statement id seen before
    from the same officer with the same statement is a repeat (``stored`` False),
    anything else with a known id is a StatementConflict. Main-content scores keep the
    officer's best result; the block completes by the author's rule
    (``courses/packages/h5p/completion.py``), never on sub-content statements. Results
    are the browser's claims: they count for lesson progress only, never for
    certificates. Http404 when the officer is not enrolled in the slot's course.
    """
    now = now or timezone.now()
    machine_name = slot.activity.main_library.machine_name
    with transaction.atomic():
        progress = _locked_progress(actor=actor, slot=slot)
        problems = xapi.validate_statement(statement)
        if problems:
            raise StatementRefused(problems)
        facts = xapi.statement_facts(statement)
        statement_id = (facts.statement_id or str(uuid.uuid4())).lower()
        prepared = xapi.prepare_statement(
            statement,
            statement_id=statement_id,
            actor=_officer_agent(actor),
            authority=platform_authority(),
            now=_iso(now),
        )
        forward = bool(settings.LMS_LRS_ENDPOINT)
        try:
            with transaction.atomic():
                row = H5PStatement.objects.create(
                    statement_id=statement_id,
                    user=actor,
                    administration_id=progress.administration_id,
                    enrolment_id=progress.enrolment_id,
                    activity_id=slot.activity_id,
                    lesson_key=slot.lesson_key,
                    block_id=slot.block_id,
                    verb=facts.verb,
                    object_id=facts.object_id,
                    sub_content=facts.sub_content,
                    statement=prepared,
                    stored=now,
                    forward_state=H5PStatement.Forward.PENDING if forward else "",
                    forward_after=now if forward else None,
                )
        except IntegrityError:
            existing = H5PStatement.objects.filter(statement_id=statement_id).first()
            if existing is None:
                raise
            if existing.user_id != actor.pk or not xapi.same_statement(
                existing.statement, prepared
            ):
                raise StatementConflict from None
            return StatementOutcome(
                statement=existing,
                stored=False,
                completed=slot.block_id in progress.completed_blocks,
            )

        fields: list[str] = []
        fraction = facts.score.fraction if facts.score is not None else None
        if not facts.sub_content and fraction is not None:
            _best_result_keep(actor=actor, slot=slot, progress=progress, row=row, facts=facts)
            assert facts.score is not None
            progress.scores = {
                **progress.scores,
                slot.block_id: {
                    "raw": facts.score.raw,
                    "max": facts.score.max,
                    "scaled": round(fraction, 4),
                },
            }
            fields.append("scores")
        completed = slot.block_id in progress.completed_blocks
        if not completed and h5p_completion.completes(
            facts,
            rule=h5p_completion.BlockRule(mode=slot.completion, pass_percent=slot.pass_percent),
            machine_name=machine_name,
            steps=_slot_steps(slot, facts),
        ):
            completed = True
            progress.completed_blocks = [*progress.completed_blocks, slot.block_id]
            fields.append("completed_blocks")
            if (
                progress.status != LessonProgress.Status.COMPLETED
                and progress.viewed_at is not None
                and _required_block_ids(slot.lesson_id) <= set(progress.completed_blocks)
            ):
                _complete_lesson(progress, progress.enrolment, now)
                fields = []
        if fields:
            progress.save(update_fields=fields)
        if forward:
            transaction.on_commit(_forwarding_enqueue)
    return StatementOutcome(
        statement=row,
        stored=True,
        completed=completed,
        scaled=round(fraction, 4) if fraction is not None and not facts.sub_content else None,
    )


def _forwarding_enqueue() -> None:
    from .tasks import forward_h5p_statements

    forward_h5p_statements.enqueue()


def _check_state_size(data: str) -> None:
    if len(data.encode()) > MAX_STATE_BYTES:
        raise ValidationError(_("The saved state is too large."))


def h5p_state_save(
    *,
    actor: User,
    slot: LessonActivity,
    data_type: str,
    sub_content_id: str,
    data: str | None,
    preload: bool = True,
) -> None:
    """Save (or with ``data=None`` delete) H5P's content user data for the officer."""
    enrolment = (
        Enrolment.objects.filter(user=actor, course_key=slot.course_key)
        .only("administration_id")
        .first()
    )
    if enrolment is None:
        raise Http404
    lookup = {
        "user": actor,
        "activity_id": slot.activity_id,
        "data_type": data_type,
        "sub_content_id": sub_content_id,
    }
    if data is None:
        H5PUserData.objects.filter(**lookup).delete()
        return
    _check_state_size(data)
    H5PUserData.objects.update_or_create(
        **lookup,
        defaults={
            "data": data,
            "preload": preload,
            "administration_id": enrolment.administration_id,
        },
    )


def h5p_state_get(
    *, actor: User, slot: LessonActivity, data_type: str, sub_content_id: str
) -> str | None:
    if not Enrolment.objects.filter(user=actor, course_key=slot.course_key).exists():
        raise Http404
    row = H5PUserData.objects.filter(
        user=actor,
        activity_id=slot.activity_id,
        data_type=data_type,
        sub_content_id=sub_content_id,
    ).first()
    return row.data if row else None


# --- authoring permissions ----------------------------------------------------------------

AUTHOR_GROUP_PREFIX = "Course authors · "
AUTHOR_PAGE_PERMISSIONS = ("add_page", "change_page", "lock_page", "unlock_page")
# Images and documents: an author of one administration adds, changes, chooses and deletes
# in its collection and only chooses in the regional one; regional authors do everything
# from the root down. Wagtail's collection permission policy reads only these
# collection-level grants (never the model-level ones).
MEDIA_MODELS = (("wagtailimages", "image"), ("wagtaildocs", "document"))
AUTHOR_COLLECTION_ACTIONS = ("add", "change", "choose", "delete")
REGIONAL_COLLECTION_ACTIONS = ("choose",)
REGIONAL_COLLECTION_NAME = "Regional"


def media_collections_sync() -> dict[int | None, Collection]:
    """Make sure the regional collection (Root > "Regional") and one collection per
    administration (Root > its code) exist; the collections by owner (``None``: regional).
    Idempotent: existing collections keep their name and place."""
    from lms.accounts.models import Administration

    from .models import AdministrationCollection

    with transaction.atomic():
        root = Collection.get_first_root_node() or Collection.add_root(name="Root")
        owned = {
            row.administration_id: row.collection
            for row in AdministrationCollection.objects.select_related("collection")
        }
        wanted: list[tuple[int | None, str]] = [(None, REGIONAL_COLLECTION_NAME)]
        wanted += list(Administration.objects.order_by("code").values_list("pk", "code"))
        for owner, name in wanted:
            if owner not in owned:
                collection = root.add_child(instance=Collection(name=name))
                AdministrationCollection.objects.create(
                    collection=collection, administration_id=owner
                )
                root.refresh_from_db()
                owned[owner] = collection
    return owned


def media_collection_for(administration: Administration | None) -> Collection:
    """The collection of an administration's images and documents (``None``: regional),
    made when missing."""
    from .models import AdministrationCollection

    owner = administration.pk if administration is not None else None
    row = (
        AdministrationCollection.objects.filter(administration_id=owner)
        .select_related("collection")
        .first()
    )
    return row.collection if row is not None else media_collections_sync()[owner]


def _collection_permissions(actions: tuple[str, ...]) -> list[Permission]:
    query = Q(pk__in=[])
    for app_label, model in MEDIA_MODELS:
        query |= Q(
            content_type__app_label=app_label,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    return list(Permission.objects.filter(query))


def author_groups_sync() -> None:
    """Permissions follow ownership. Pages: regional training managers may edit the
    regional catalogue, an administration's training managers only that administration's
    catalogue (authors add and edit; publishing goes through the review workflow). Images
    and documents: see :data:`AUTHOR_COLLECTION_ACTIONS`.

    One group per owner ("Course authors · PER", "Course authors · regional"), for every
    owner with a catalogue or with training managers; each training manager is put in the
    group of their administration (regional: no administration). Idempotent; grants that
    no longer follow from ownership are taken away from these groups."""
    from lms.accounts.models import Administration, User
    from lms.accounts.roles import Role

    from .models import CourseIndexPage

    page_permissions = list(
        Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=AUTHOR_PAGE_PERMISSIONS
        )
    )
    full_media = _collection_permissions(AUTHOR_COLLECTION_ACTIONS)
    choose_media = _collection_permissions(REGIONAL_COLLECTION_ACTIONS)
    with transaction.atomic():
        collections = media_collections_sync()
        root = Collection.get_first_root_node()
        authors = list(
            User.objects.filter(
                Q(groups__name=Role.TRAINING_MANAGER.value)
                | Q(groups__name__startswith=AUTHOR_GROUP_PREFIX)
            )
            .distinct()
            .prefetch_related("groups")
        )
        is_author = {
            user.pk: any(g.name == Role.TRAINING_MANAGER.value for g in user.groups.all())
            for user in authors
        }
        indexes = list(CourseIndexPage.objects.all())
        owners = {index.administration_id for index in indexes}
        owners |= {user.administration_id for user in authors if is_author[user.pk]}
        codes = dict(
            Administration.objects.filter(pk__in=[o for o in owners if o]).values_list("pk", "code")
        )
        groups: dict[int | None, Group] = {}
        for owner in sorted(owners, key=lambda o: (o is not None, o or 0)):
            name = AUTHOR_GROUP_PREFIX + (codes[owner] if owner else "regional")
            groups[owner], _created = Group.objects.get_or_create(name=name)
        for index in indexes:
            for permission in page_permissions:
                GroupPagePermission.objects.get_or_create(
                    group=groups[index.administration_id], page=index, permission=permission
                )
        media = {p.pk for p in full_media}
        for owner, group in groups.items():
            if owner is None:
                wanted = {(root.pk, p.pk) for p in full_media}
            else:
                wanted = {(collections[owner].pk, p.pk) for p in full_media}
                wanted |= {(collections[None].pk, p.pk) for p in choose_media}
            current = set(
                GroupCollectionPermission.objects.filter(
                    group=group, permission_id__in=media
                ).values_list("collection_id", "permission_id")
            )
            for collection_id, permission_id in current - wanted:
                GroupCollectionPermission.objects.filter(
                    group=group, collection_id=collection_id, permission_id=permission_id
                ).delete()
            for collection_id, permission_id in wanted - current:
                GroupCollectionPermission.objects.create(
                    group=group, collection_id=collection_id, permission_id=permission_id
                )
        for user in authors:
            wanted_group = groups.get(user.administration_id) if is_author[user.pk] else None
            current_groups = {
                g for g in user.groups.all() if g.name.startswith(AUTHOR_GROUP_PREFIX)
            }
            stale = current_groups - {wanted_group}
            if stale:
                user.groups.remove(*stale)
            if wanted_group is not None and wanted_group not in current_groups:
                user.groups.add(wanted_group)
