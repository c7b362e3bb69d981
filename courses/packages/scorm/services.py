"""SCORM packages on the Django side: inspect, import, delete, and where files are stored.

Validation is :mod:`courses.packages.scorm.validate` (archive, files, manifest and
references, every problem listed). A package that passes is stored through Django's
storage API (a local folder in the embedded default, object storage in production) under
``scorm/<uuid>/``, with the names the archive gives (operating-system litter left out),
and recorded as a :class:`ScormPackage` with its parsed manifest and one
:class:`ScormItem` per launchable item of the default organization. A refused package
writes nothing; an import that fails while storing removes what it wrote.
"""

from __future__ import annotations

import contextlib
import logging
import os
import posixpath
import re
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ..archive import ArchiveError, ArchiveLimits, SafeArchive, Source, escapes, is_absolute
from ..base import PackageRefused
from . import cmi, sequencing
from .manifest import SCORM_12, SCORM_2004, walk_items
from .models import ScormItem, ScormPackage, ScormRuntimeData, ScormSlot
from .problems import ScormProblem
from .selectors import can_edit_package
from .validate import ScormReport, inspect_archive

if TYPE_CHECKING:
    from wagtail.models import Page

    from courses.models import CourseIndexPage, CoursePage
    from lms.accounts.models import Administration, User

logger = logging.getLogger(__name__)

STORAGE_ROOT = "scorm"
_SPOOL_BYTES = 8 * 1024 * 1024  # larger files are spooled to a temporary file


def scorm_limits() -> ArchiveLimits:
    """The upload limits, from the settings (``LMS_SCORM_*``)."""
    return ArchiveLimits(
        max_archive_bytes=settings.LMS_SCORM_MAX_PACKAGE_BYTES,
        max_entries=settings.LMS_SCORM_MAX_FILES,
        max_unpacked_bytes=settings.LMS_SCORM_MAX_UNPACKED_BYTES,
        max_compression_ratio=settings.LMS_SCORM_MAX_COMPRESSION_RATIO,
    )


def scorm_package_inspect(*, source: Source) -> ScormReport:
    """Validate a package without storing anything."""
    with SafeArchive(source, scorm_limits()) as archive:
        return inspect_archive(archive)


def messages_of(problems: list[ScormProblem]) -> list[str]:
    """The problems' messages in the active language."""
    return [problem.message(_) for problem in problems]


def package_notes(package: ScormPackage) -> list[str]:
    """The warnings recorded at import (harmless quirks of the manifest), translated."""
    return messages_of(
        [
            ScormProblem(note.get("code", ""), note.get("path", ""), note.get("params", {}))
            for note in package.manifest.get("warnings", [])
        ]
    )


def refusal_from(report: ScormReport) -> PackageRefused:
    return PackageRefused(
        messages=messages_of(report.problems),
        codes=[problem.code for problem in report.problems],
        notes=messages_of(report.warnings),
    )


def scorm_package_import(
    *,
    actor: User | None,
    source: Source,
    title: str = "",
    administration: Administration | None = None,
) -> ScormPackage:
    """Validate and store a package, or raise :class:`PackageRefused` having stored
    nothing. ``actor=None`` is the operator at the command line; an author must be allowed
    to add packages and to author for ``administration`` (``None``: regional)."""
    if actor is not None and not (
        actor.has_perm("scorm.add_scormpackage")
        and can_edit_package(actor, ScormPackage(administration=administration))
    ):
        raise PermissionDenied
    with SafeArchive(source, scorm_limits()) as archive:
        report = inspect_archive(archive)
        if not report.ok or report.manifest is None:
            raise refusal_from(report)
        package_uuid = uuid.uuid4()
        prefix = f"{STORAGE_ROOT}/{package_uuid}"
        written: list[str] = []
        try:
            for name in report.files:
                target = f"{prefix}/{name}"
                _store(archive, name, target)
                written.append(target)
            with transaction.atomic():
                package = _record(
                    report,
                    package_uuid=package_uuid,
                    actor=actor,
                    title=title,
                    administration=administration,
                )
        except ArchiveError as error:  # the file changed since it was checked
            _delete_files(written, prefix)
            problem = ScormProblem(error.code, error.path, error.params)
            raise PackageRefused(messages=messages_of([problem]), codes=[error.code]) from error
        except BaseException:
            _delete_files(written, prefix)
            raise
    return package


def _record(
    report: ScormReport,
    *,
    package_uuid: uuid.UUID,
    actor: User | None,
    title: str,
    administration: Administration | None,
) -> ScormPackage:
    manifest = report.manifest or {}
    items = list(_launchable(manifest))
    package = ScormPackage.objects.create(
        uuid=package_uuid,
        title=(title.strip() or manifest.get("title") or manifest.get("identifier") or "SCORM")[
            :255
        ],
        administration=administration,
        identifier=str(manifest.get("identifier", ""))[:255],
        version=manifest["version"],
        edition=manifest.get("edition"),
        manifest=manifest,
        launchable_count=len(items),
        sco_count=sum(1 for item, _depth in items if item["scorm_type"] == ScormItem.SCO),
        size_bytes=report.archive_bytes,
        unpacked_bytes=report.unpacked_bytes,
        file_count=len(report.files),
        uploaded_by=actor,
    )
    ScormItem.objects.bulk_create(
        ScormItem(
            package=package,
            identifier=item["identifier"],
            title=(item["title"] or item["identifier"])[:255],
            position=position,
            depth=depth,
            resource=item["resource"] or "",
            launch=item["launch"] or "",
            scorm_type=item["scorm_type"] or ScormItem.ASSET,
            is_visible=item["is_visible"],
            parameters=item["parameters"],
            mastery_score=item["mastery_score"],
            completion_threshold=(item["completion_threshold"] or {}).get("min_progress_measure"),
            time_limit_action=item["time_limit_action"] or "",
            data_from_lms=item["data_from_lms"] or "",
        )
        for position, (item, depth) in enumerate(items)
    )
    return package


def _launchable(manifest: dict[str, Any]) -> Any:
    """(item, depth) of every launchable item of the default organization, in order."""
    default = manifest.get("default_organization")
    for organization in manifest.get("organizations", []):
        if organization.get("identifier") == default:
            yield from _with_depth(organization["items"], 0)


def _with_depth(items: list[dict[str, Any]], depth: int) -> Any:
    for item in items:
        if item["launchable"]:
            yield item, depth
        yield from _with_depth(item["children"], depth + 1)


def _store(archive: SafeArchive, name: str, target: str) -> None:
    """Copy one checked file to storage under exactly ``target``."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        archive.copy_to(name, spool)  # type: ignore[arg-type]
        spool.seek(0)
        saved = default_storage.save(target, File(spool, name=posixpath.basename(target)))
    if saved != target:  # the storage renamed it: never serve a file under another name
        default_storage.delete(saved)
        raise OSError(f"Could not store {target}")


def _delete_files(names: list[str], prefix: str) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # cleaning up: go on with the others
            logger.exception("Could not delete %s", name)
    _remove_empty_folders(prefix)


def _remove_empty_folders(prefix: str) -> None:
    """Local storage keeps empty folders; remove the package's (object storage has none)."""
    try:
        root = default_storage.path(prefix)
    except NotImplementedError:
        return
    for folder, _dirs, _files in sorted(os.walk(root), key=lambda row: -len(row[0])):
        with contextlib.suppress(OSError):  # not empty: something else lives there
            os.rmdir(folder)


def stored_files(prefix: str) -> list[str]:
    """Every file stored under ``prefix`` (walked through the storage API)."""
    found: list[str] = []
    try:
        folders, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return found
    found += [f"{prefix}/{name}" for name in files]
    for folder in folders:
        found += stored_files(f"{prefix}/{folder}")
    return found


def scorm_package_files_delete(*, prefix: str) -> int:
    """Delete what is stored under a package's prefix; the number of files deleted."""
    names = stored_files(prefix)
    _delete_files(names, prefix)
    return len(names)


def scorm_package_delete(*, actor: User | None, package: ScormPackage) -> None:
    """Delete a package (its items with it) and, once that is committed, its files
    (``receivers``: the same happens whoever deletes the row)."""
    if actor is not None and not (
        actor.has_perm("scorm.delete_scormpackage") and can_edit_package(actor, package)
    ):
        raise PermissionDenied
    with transaction.atomic():
        package.delete()


def storage_name(package: ScormPackage, path: str) -> str | None:
    """The storage name of a file of a package (``path`` relative to the package root, as
    in its launch addresses, decoded), or None when the path could leave the package."""
    if not path or "\\" in path or "\x00" in path or is_absolute(path) or escapes(path):
        return None
    clean = posixpath.normpath(path)
    if clean in (".", "") or clean.startswith("../"):
        return None
    return f"{package.storage_prefix}/{clean}"


# --- the run-time: where packages are placed, and what officers' SCOs commit ---------------


def scorm_slots_sync(*, lesson: Any) -> None:
    """Rebuild the SCORM blocks (:class:`ScormSlot`) of a published lesson from its body,
    as :func:`courses.services.lesson_activities_sync` does for H5P blocks."""
    course = lesson.get_parent().get_parent() if lesson.depth > 2 else None
    with transaction.atomic():
        keep = []
        for position, block in enumerate(lesson.body):
            if block.block_type != "scorm" or not block.id:
                continue
            package = block.value.get("package")
            if package is None:
                continue
            ScormSlot.objects.update_or_create(
                lesson=lesson,
                block_id=block.id,
                defaults={
                    "package": package,
                    "required": bool(block.value.get("required")),
                    "lesson_key": lesson.translation_key,
                    "course_key": course.translation_key if course else lesson.translation_key,
                    "position": position,
                },
            )
            keep.append(block.id)
        ScormSlot.objects.filter(lesson=lesson).exclude(block_id__in=keep).delete()


class CommitStale(Exception):
    """A commit older than the one stored (its sequence number is not greater): nothing
    changes, the newer data stays."""


@dataclass(frozen=True)
class CommitOutcome:
    data: ScormRuntimeData
    navigation: sequencing.Navigation
    target: str | None
    """The item a navigation request of the commit delivers (``continue``, ``previous``,
    ``choice``), None when there was none or it is not allowed."""
    block_completed: bool


def _manifest_item(package: ScormPackage, identifier: str) -> dict[str, Any] | None:
    return next(
        (
            item
            for item in walk_items(package.outline())
            if item.get("identifier") == identifier and item.get("launchable")
        ),
        None,
    )


def item_states(rows: Iterable[ScormRuntimeData]) -> dict[str, sequencing.ItemState]:
    """The sequencing view of stored rows (``order``: by when they were last written)."""
    ordered = sorted(
        rows,
        key=lambda row: row.updated_at.timestamp() if row.updated_at else float("inf"),
    )
    return {
        row.item: sequencing.ItemState(
            completion=row.completion_status,
            success=row.success_status,
            scaled=row.score_scaled,
            attempts=row.attempt_count,
            order=position,
        )
        for position, row in enumerate(ordered)
    }


def _merge_entries(stored: list[Any], written: dict[int, dict[str, Any]]) -> list[Any]:
    entries = [entry if isinstance(entry, dict) else {} for entry in stored]
    for index in sorted(written):
        while len(entries) <= index:
            entries.append({})
        entries[index] = {**entries[index], **written[index]}
    return entries


def _start_session(row: ScormRuntimeData, session: str) -> None:
    """A commit of a new session: the closed one's time is added to the total; after a
    session that ended without suspending, a new attempt starts from nothing."""
    row.total_seconds = (row.total_seconds or 0) + (row.session_seconds or 0)
    row.session_seconds = 0
    if row.ended and row.exit != "suspend":
        row.attempt_count += 1
        row.location = row.suspend_data = row.lesson_status = row.exit = ""
        row.completion_status, row.success_status = "not attempted", "unknown"
        row.score_raw = row.score_min = row.score_max = row.score_scaled = None
        row.progress_measure = None
        row.interactions, row.objectives, row.extra = [], [], {}
    row.session = session
    row.ended = False


def _apply_rules(row: ScormRuntimeData, item: dict[str, Any], version: str) -> None:
    """What the LMS decides from the manifest: SCORM 1.2's mastery score turns a scored
    attempt into passed or failed; SCORM 2004's completion threshold decides completion
    from the progress measure."""
    mastery = item.get("mastery_score")
    if (
        version == SCORM_12
        and mastery is not None
        and row.score_raw is not None
        and row.lesson_status in ("completed", "passed", "failed", "incomplete", "browsed")
    ):
        row.success_status = "passed" if row.score_raw >= mastery else "failed"
        if row.lesson_status in ("completed", "passed", "failed"):
            row.lesson_status = row.success_status
    threshold = (item.get("completion_threshold") or {}).get("min_progress_measure")
    if version == SCORM_2004 and threshold is not None and row.progress_measure is not None:
        row.completion_status = "completed" if row.progress_measure >= threshold else "incomplete"


def scorm_commit(
    *,
    actor: User,
    slot: ScormSlot,
    item: str,
    seq: int,
    session: str,
    update: cmi.RuntimeUpdate,
    final: bool = False,
    navigation_request: str = "",
    block_done: bool = False,
    now: Any = None,
) -> CommitOutcome:
    """Store what one SCO of a placed package committed for the signed-in officer, roll
    the package up, and complete the lesson block when the package is done (completed
    and not failed), as a required H5P block completes.

    ``update`` is a validated commit (:func:`cmi.validate_commit`). A commit whose ``seq``
    is not greater than the stored one raises :class:`CommitStale` and changes nothing.
    Queries: the officer's rows of the package (locked), one insert or update; completing
    the block costs more, once. ``block_done``: the caller already knows the block is
    complete in the officer's lesson progress. Values are the browser's claims: lesson
    progress only, never a certificate.
    """
    now = now or timezone.now()
    package = slot.package
    manifest_item = _manifest_item(package, item)
    if manifest_item is None:
        raise Http404

    def locked() -> CommitOutcome:
        # No savepoint when called inside a transaction (nothing in here is caught), so that
        # the commit's query count is the same in and out of one; CommitStale is raised after.
        with transaction.atomic(savepoint=False):
            rows = list(
                ScormRuntimeData.objects.select_for_update()
                .filter(user=actor, package=package)
                .order_by("pk")
            )
            row = next((r for r in rows if r.item == item), None)
            created = row is None
            stale = row is not None and row.seq >= seq
            if row is None:
                row = ScormRuntimeData(
                    user=actor,
                    administration_id=actor.administration_id,
                    package=package,
                    item=item,
                    session=session,
                )
                rows.append(row)
            if not stale:
                outcome = _commit_apply(
                    actor=actor,
                    slot=slot,
                    row=row,
                    rows=rows,
                    created=created,
                    manifest_item=manifest_item,
                    seq=seq,
                    session=session,
                    update=update,
                    final=final,
                    navigation_request=navigation_request,
                    block_done=block_done,
                    now=now,
                )
        if stale:
            raise CommitStale
        return outcome

    try:
        return locked()
    except IntegrityError:
        if transaction.get_connection().in_atomic_block:
            raise  # the caller's transaction is broken: nothing to retry in it
        # Two tabs made the officer's first commit of this SCO at the same moment: the
        # other's row exists now, and the lock waits for it; this one goes after it.
        return locked()


def _commit_apply(
    *,
    actor: User,
    slot: ScormSlot,
    row: ScormRuntimeData,
    rows: list[ScormRuntimeData],
    created: bool,
    manifest_item: dict[str, Any],
    seq: int,
    session: str,
    update: cmi.RuntimeUpdate,
    final: bool,
    navigation_request: str,
    block_done: bool,
    now: Any,
) -> CommitOutcome:
    from courses import services as courses_services

    package = slot.package
    if not created and row.session != session:
        _start_session(row, session)
    row.seq = seq
    for name, value in update.fields.items():
        setattr(row, name, value)
    if update.interactions:
        row.interactions = _merge_entries(row.interactions, update.interactions)
    if update.objectives:
        row.objectives = _merge_entries(row.objectives, update.objectives)
    if update.extra:
        row.extra = {**row.extra, **update.extra}
    _apply_rules(row, manifest_item, package.version)
    if manifest_item.get("scorm_type") == "asset":
        # An asset has no API and reports nothing: delivered is completed (the LMS's part
        # when content does not set completion, SCORM 2004 SN's deliveryControls).
        row.completion_status = "completed"
    row.ended = final
    if row.completion_status == "completed" and row.completed_at is None:
        row.completed_at = now
    row.save()
    navigation = sequencing.evaluate(package.manifest, item_states(rows))
    target = _navigation_target(navigation, row.item, navigation_request, package.version)
    completed = block_done
    if navigation.done and not block_done:
        courses_services.lesson_block_complete(actor=actor, slot=slot, now=now)
        completed = True
    return CommitOutcome(data=row, navigation=navigation, target=target, block_completed=completed)


NAVIGATION_REQUESTS = frozenset(
    {"continue", "previous", "exit", "exitAll", "abandon", "abandonAll", "suspendAll", "_none_"}
)
_CHOICE = re.compile(r"^\{target=([^{}]{1,255})\}(choice|jump)$")


def navigation_request_valid(value: str) -> bool:
    """``adl.nav.request`` as SCORM 2004 defines it (also used by the table of contents)."""
    return value in NAVIGATION_REQUESTS or bool(_CHOICE.match(value))


def _navigation_target(
    navigation: sequencing.Navigation, current: str, request: str, version: str
) -> str | None:
    if request in ("continue", "previous"):
        return sequencing.flow_target(navigation, current, request, version=version)
    match = _CHOICE.match(request)
    if match and sequencing.choice_allowed(navigation, match.group(1)):
        return match.group(1)
    return None


# --- a course made from a package (issue 12, point 7) -----------------------------------------


def catalogue_list_for_course_from_package(actor: User) -> list[CourseIndexPage]:
    """The catalogues the actor may add a course to: Wagtail's page permissions (the
    groups of ``courses.services.author_groups_sync``) and the authoring tenancy."""
    from courses.models import CourseIndexPage
    from lms.accounts.selectors import can_use_authored

    return [
        catalogue
        for catalogue in CourseIndexPage.objects.select_related("locale").order_by("path")
        if can_use_authored(actor, catalogue.administration_id)
        and catalogue.permissions_for_user(actor).can_add_subpage()
    ]


def _unique_child_slug(parent: Page, base: str) -> str:
    base = (base or "course")[:240].strip("-") or "course"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _draft_child(parent: Page, page: Page, actor: User) -> Page:
    from wagtail.log_actions import log

    parent.add_child(instance=page)
    page.save_revision(user=actor, log_action=False)
    log(instance=page, action="wagtail.create", user=actor)
    return page


def scorm_course_create(
    *,
    actor: User,
    package: ScormPackage,
    catalogue: CourseIndexPage,
    track: str | None = None,
) -> CoursePage:
    """A draft course in ``catalogue`` whose outline is the package: one module, one
    lesson whose body is the package's block (required), so that the organization plays
    as the lesson's table of contents. The course is owned like any page of the catalogue
    (``CoursePage.clean``); publishing the lesson places the package (a :class:`ScormSlot`).
    Refuses a package the actor may not see, or a catalogue they may not add to."""
    from django.utils.text import slugify

    from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage, Track
    from lms.accounts.selectors import can_use_authored

    from .selectors import can_see_package

    if not can_see_package(actor, package):
        raise PermissionDenied(_("You may not use this SCORM package."))
    catalogue = CourseIndexPage.objects.get(pk=catalogue.pk)
    if not (
        can_use_authored(actor, catalogue.administration_id)
        and catalogue.permissions_for_user(actor).can_add_subpage()
    ):
        raise PermissionDenied(_("You may not add courses to this catalogue."))
    if track not in Track.values:
        track = Track.ILLICIT_TRADE
    title = (package.title or package.manifest.get("title") or package.identifier)[:255]
    title = title.strip() or _("SCORM course")
    organization = package.default_organization() or {}
    description = str(package.manifest.get("description") or "").strip()
    summary = (description or organization.get("title") or title)[:600]
    lesson_title = (organization.get("title") or title)[:255]
    with transaction.atomic():
        course = _draft_child(
            catalogue,
            CoursePage(
                title=title,
                slug=_unique_child_slug(catalogue, slugify(title, allow_unicode=False)),
                summary=summary,
                track=track,
                administration_id=catalogue.administration_id,  # as CoursePage.clean does
                live=False,
                owner=actor,
            ),
            actor,
        )
        module = _draft_child(
            course,
            ModulePage(title=title, slug="module", live=False, owner=actor),
            actor,
        )
        _draft_child(
            module,
            LessonPage(
                title=lesson_title,
                slug=slugify(lesson_title)[:200] or "lesson",
                live=False,
                owner=actor,
                body=[
                    {
                        "type": "scorm",
                        "value": {"package": package.pk, "required": True},
                        "id": str(uuid.uuid4()),
                    }
                ],
            ),
            actor,
        )
    return course
