"""Writes for courses: enrolment, lesson progress, H5P results and saved state.

Keyword-only arguments, the actor passed explicitly, one transaction each. Course progress
is recomputed only when a lesson's state actually changes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from . import events
from .models import (
    CoursePage,
    Enrolment,
    H5PResult,
    H5PUserData,
    LessonActivity,
    LessonPage,
    LessonProgress,
)
from .models.pages import owner_of_position
from .selectors import can_see_course

if TYPE_CHECKING:
    from lms.accounts.models import Administration, User

MAX_STATEMENT_BYTES = 64 * 1024
MAX_STATE_BYTES = 64 * 1024
MAX_SCORE = 10_000
COMPLETING_VERBS = ("answered", "completed", "passed", "failed", "mastered")


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
    return set(
        LessonActivity.objects.filter(lesson_id=lesson_id, required=True).values_list(
            "block_id", flat=True
        )
    )


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
            LessonActivity.objects.update_or_create(
                lesson=lesson,
                block_id=block_id,
                defaults={
                    "activity": activity,
                    "required": bool(value.get("required")),
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


@dataclass(frozen=True)
class Score:
    raw: float
    max: float
    scaled: float
    success: bool | None
    completion: bool
    verb: str


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(_("The score field %(field)s must be a number.") % {"field": field})
    try:
        number = float(value)
    except OverflowError:  # an integer with hundreds of digits
        number = math.inf
    if not math.isfinite(number):
        raise ValidationError(_("The score field %(field)s must be finite.") % {"field": field})
    return number


def result_score_scaled(score: Mapping[str, Any]) -> float | None:
    if "scaled" not in score:
        return None
    return _number(score["scaled"], "scaled")


def statement_score(statement: Any) -> Score | None:
    """The score a statement claims, validated (a score outside its range is refused) and
    clamped against floating-point drift; None for unscored statements.

    The actor in the statement is ignored: the result belongs to the signed-in user.
    """
    if not isinstance(statement, Mapping):
        raise ValidationError(_("The statement must be a JSON object."))
    verb = statement.get("verb")
    verb_id = verb.get("id") if isinstance(verb, Mapping) else None
    if not isinstance(verb_id, str) or not verb_id:
        raise ValidationError(_("The statement has no verb."))
    result = statement.get("result")
    if result is None:
        return None
    if not isinstance(result, Mapping):
        raise ValidationError(_("The statement's result must be an object."))
    score = result.get("score")
    if score is None:
        return None
    if not isinstance(score, Mapping) or "raw" not in score or "max" not in score:
        raise ValidationError(_("A score needs raw and max values."))
    maximum = _number(score["max"], "max")
    raw = _number(score["raw"], "raw")
    minimum = _number(score.get("min", 0), "min")
    if not 0 < maximum <= MAX_SCORE:
        raise ValidationError(
            _("The maximum score must be above 0 and at most %(max)s.") % {"max": MAX_SCORE}
        )
    if minimum < 0 or minimum >= maximum:
        minimum = 0.0
    tolerance = 1e-6 * maximum  # floating-point drift from the browser is clamped...
    if not minimum - tolerance <= raw <= maximum + tolerance:  # ...a score outside is refused
        raise ValidationError(
            _("The score %(raw)s is outside its range (%(min)s to %(max)s).")
            % {"raw": raw, "min": minimum, "max": maximum}
        )
    raw = min(max(raw, minimum), maximum)
    scaled = result_score_scaled(score)
    if scaled is not None and not -tolerance <= scaled <= 1 + tolerance:
        raise ValidationError(_("The scaled score must be between 0 and 1."))
    success = result.get("success")
    completion = result.get("completion")
    short_verb = verb_id.rstrip("/").rsplit("/", 1)[-1]
    return Score(
        raw=raw,
        max=maximum,
        scaled=round(raw / maximum, 4),
        success=success if isinstance(success, bool) else None,
        completion=completion is True or short_verb in COMPLETING_VERBS,
        verb=verb_id[:200],
    )


def _stored_statement(statement: Mapping[str, Any], score: Score) -> dict[str, Any]:
    """What is kept of a statement: verb, object id and the validated result."""
    target = statement.get("object")
    object_id = target.get("id") if isinstance(target, Mapping) else None
    return {
        "verb": score.verb,
        "object": str(object_id)[:500] if object_id else None,
        "result": {
            "score": {"raw": score.raw, "max": score.max, "scaled": score.scaled},
            "success": score.success,
            "completion": score.completion,
        },
    }


def h5p_statement_record(*, actor: User, slot: LessonActivity, statement: Any) -> H5PResult | None:
    """Store a scored statement for the signed-in officer and move lesson progress.

    Unscored statements (interacted, attempted...) return None and store nothing.
    H5P results count for progress only, never for certificates.
    """
    score = statement_score(statement)
    if score is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        progress = (
            LessonProgress.objects.select_for_update()
            .select_related("enrolment")
            .filter(
                enrolment__user=actor,
                enrolment__course_key=slot.course_key,
                lesson_key=slot.lesson_key,
            )
            .first()
        )
        if progress is None:
            # Not opened yet (the lesson page records the visit): start it now.
            enrolment = Enrolment.objects.filter(user=actor, course_key=slot.course_key).first()
            if enrolment is None:
                raise Http404
            lesson_visit(actor=actor, enrolment=enrolment, lesson=slot.lesson)
            progress = (
                LessonProgress.objects.select_for_update()
                .select_related("enrolment")
                .get(enrolment=enrolment, lesson_key=slot.lesson_key)
            )
        result = H5PResult.objects.create(
            user=actor,
            administration_id=progress.administration_id,
            activity_id=slot.activity_id,
            enrolment_id=progress.enrolment_id,
            lesson_key=slot.lesson_key,
            block_id=slot.block_id,
            verb=score.verb,
            score_raw=score.raw,
            score_max=score.max,
            score_scaled=score.scaled,
            success=score.success,
            completion=score.completion,
            statement=_stored_statement(statement, score),
        )
        progress.scores = {
            **progress.scores,
            slot.block_id: {"raw": score.raw, "max": score.max, "scaled": score.scaled},
        }
        fields = ["scores"]
        newly_done = score.completion and slot.block_id not in progress.completed_blocks
        if newly_done:
            progress.completed_blocks = [*progress.completed_blocks, slot.block_id]
            fields.append("completed_blocks")
        if (
            newly_done
            and progress.status != LessonProgress.Status.COMPLETED
            and progress.viewed_at is not None
            and _required_block_ids(slot.lesson_id) <= set(progress.completed_blocks)
        ):
            _complete_lesson(progress, progress.enrolment, now)
        else:
            progress.save(update_fields=fields)
    return result


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
