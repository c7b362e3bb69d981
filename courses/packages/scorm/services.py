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
import tempfile
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from ..archive import ArchiveError, ArchiveLimits, SafeArchive, Source, escapes, is_absolute
from ..base import PackageRefused
from .models import ScormItem, ScormPackage
from .problems import ScormProblem
from .selectors import can_edit_package
from .validate import ScormReport, inspect_archive

if TYPE_CHECKING:
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
