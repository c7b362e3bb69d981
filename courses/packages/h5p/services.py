"""H5P packages on the Django side: import (validate, store, record) and file access.

Validation is :func:`courses.packages.h5p.policy.validate_package`, as H5P core validates a
package plus the project's stricter rules (uploads do not check content against its
semantics: see the policy's docstring). Files go through Django's storage API (local
folder in the embedded default, object storage in production). Libraries are stored once
per name and major.minor version under ``h5p/libraries/<Machine.Name>-<major>.<minor>/``
(whatever the package called the folder) and shared by every activity; a package that
carries a library version already installed uses the stored copy. Each activity's content
lives under ``h5p/content/<uuid>/``. Only what H5P keeps is stored: ``h5p.json``,
``content/`` and library folders, never the entries H5P skips (``__MACOSX/``, names
starting with ``_``) or ignores (other files at the root).
"""

from __future__ import annotations

import io
import json
import posixpath
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ...models import ExternalMediaHost, H5PActivity, H5PLibrary
from .policy import (
    SUPPORTED_CORE_API,
    LibraryKey,
    ValidationReport,
    dependency_key,
    validate_package,
)

if TYPE_CHECKING:
    from lms.accounts.models import Administration, User

LIBRARIES_PREFIX = "h5p/libraries"


@dataclass
class PackageRefused(Exception):
    """The package was refused; ``messages`` say why, in the active language."""

    messages: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    missing_libraries: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.messages)


def library_key(library: H5PLibrary) -> LibraryKey:
    return (library.machine_name, library.major_version, library.minor_version)


def _installed() -> dict[LibraryKey, H5PLibrary]:
    return {library_key(lib): lib for lib in H5PLibrary.objects.all()}


def supported_core_api() -> tuple[int, int]:
    """The H5P core API version the player implements: setting ``LMS_H5P_CORE_API``
    (``"1.27"`` or ``(1, 27)``), by default
    :data:`courses.packages.h5p.policy.SUPPORTED_CORE_API`."""
    value = getattr(settings, "LMS_H5P_CORE_API", None) or SUPPORTED_CORE_API
    if isinstance(value, str):
        major, _dot, minor = value.strip().partition(".")
        return (int(major), int(minor or 0))
    major, minor = value
    return (int(major), int(minor))


def h5p_package_inspect(*, data: bytes) -> ValidationReport:
    """Validate an upload as H5P core does, plus the project's policy, against the
    libraries installed here and the external media hosts allowed here. Content is not
    checked against its semantics: H5P core does not refuse content over them either (see
    :mod:`courses.packages.h5p.policy`)."""
    installed = set(
        H5PLibrary.objects.values_list("machine_name", "major_version", "minor_version")
    )
    return validate_package(
        data,
        installed_libraries=installed,
        check_semantics=False,
        core_api=supported_core_api(),
        # Media on other hosts only from the hosts a platform admin allowed.
        allowed_media_hosts=ExternalMediaHost.allowed(),
    )


def refusal_from(report: ValidationReport) -> PackageRefused:
    return PackageRefused(
        messages=[problem.message(_) for problem in report.problems],
        codes=[problem.code for problem in report.problems],
    )


def _library_folder(machine_name: str, major: int, minor: int) -> str:
    return f"{machine_name}-{major}.{minor}"


def h5p_package_import(
    *,
    actor: User | None,
    data: bytes,
    title: str = "",
    administration: Administration | None = None,
    report: ValidationReport | None = None,
    activity_uuid: uuid.UUID | None = None,
) -> H5PActivity:
    """Validate and store a package as a new activity, or raise :class:`PackageRefused`.

    New libraries need the library-install permission (``actor=None`` is the operator at
    the command line, who may install them). On any failure nothing is left behind: files
    written so far are removed and no row is created.
    """
    report = report or h5p_package_inspect(data=data)
    if not report.ok:
        raise refusal_from(report)
    if (
        report.new_libraries
        and actor is not None
        and not actor.has_perm("courses.install_h5plibrary")
    ):
        names = [
            f"{name} {major}.{minor}.{patch}" for name, major, minor, patch in report.new_libraries
        ]
        raise PackageRefused(
            messages=[
                _(
                    "This package brings libraries that are not installed on this site: "
                    "%(libraries)s. Ask a platform administrator to install them (or to "
                    "upload this package), then try again."
                )
                % {"libraries": ", ".join(names)}
            ],
            codes=["library_not_installed"],
            missing_libraries=names,
        )
    archive = zipfile.ZipFile(io.BytesIO(data))
    h5p_json = _read_json(archive, "h5p.json")
    new_keys = {(name, major, minor) for name, major, minor, _patch in report.new_libraries}
    activity_uuid = activity_uuid or uuid.uuid4()
    content_prefix = f"h5p/content/{activity_uuid}"
    keep = set(report.files)  # junk (__MACOSX...) and ignored root files are left out
    written: list[str] = []
    try:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or name not in keep:
                continue
            folder, _sep, rest = name.partition("/")
            if name == "h5p.json" or folder == "content":
                target = posixpath.join(content_prefix, name)
            elif (library := report.library_folders.get(folder)) and library[:3] in new_keys:
                # Library files are shared by every activity of that version: written once,
                # never overwritten and never removed by a failed import (another import of
                # the same version may be using them). The folder is always named
                # Machine.Name-major.minor, as the player asks for it, even when the
                # package names it Machine.Name (which H5P allows).
                stored = posixpath.join(LIBRARIES_PREFIX, _library_folder(*library[:3]), rest)
                _store_once(stored, archive.read(info))
                continue
            else:
                continue  # a library already installed: the stored copy is used
            if _store(target, archive.read(info)):
                written.append(target)
        with transaction.atomic():
            libraries = _record_libraries(archive, report, new_keys, h5p_json, actor)
            main_key = report.main_key
            if main_key is None or main_key not in libraries:  # the policy guarantees both
                raise RuntimeError("A validated package lacks its main library.")
            activity = H5PActivity.objects.create(
                uuid=activity_uuid,
                title=(title or report.title or main_key[0])[:255],
                administration=administration,
                language=str(h5p_json.get("language", ""))[:16],
                main_library=libraries[main_key],
                h5p_json=h5p_json,
                size_bytes=len(data),
                uploaded_by=actor,
            )
            activity.libraries.set(libraries.values())
    except Exception:
        for name in written:
            default_storage.delete(name)
        raise
    return activity


def _read_json(archive: zipfile.ZipFile, name: str) -> Any:
    """A JSON file the policy already parsed."""
    return json.loads(archive.read(name))


def _store(name: str, payload: bytes) -> bool:
    """Write a file unless the same bytes are stored there already. Returns whether it
    wrote, so that a failed import removes only what it wrote itself."""
    if default_storage.exists(name):
        with default_storage.open(name) as existing:
            if existing.read() == payload:
                return False
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(payload))
    if saved != name:  # the storage renamed it: never serve a file under another name
        default_storage.delete(saved)
        raise OSError(f"Could not store {name}")
    return True


def _store_once(name: str, payload: bytes) -> None:
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(payload))
        if saved != name:  # stored meanwhile by a concurrent import of the same version
            default_storage.delete(saved)


def _record_libraries(
    archive: zipfile.ZipFile,
    report: ValidationReport,
    new_keys: set[LibraryKey],
    h5p_json: dict[str, Any],
    actor: User | None,
) -> dict[LibraryKey, H5PLibrary]:
    """Rows for every library the package uses (bundled or installed before)."""
    installed = _installed()
    used: dict[LibraryKey, H5PLibrary] = {}
    folders = {version[:3]: folder for folder, version in report.library_folders.items()}
    names = set(archive.namelist())
    for name, major, minor, patch in report.libraries:
        key = (name, major, minor)
        if key in new_keys:
            folder = folders[key]
            library_json = _read_json(archive, f"{folder}/library.json")
            semantics = None
            if f"{folder}/semantics.json" in names:
                semantics = _read_json(archive, f"{folder}/semantics.json")
            try:
                with transaction.atomic():
                    used[key] = H5PLibrary.objects.create(
                        machine_name=name,
                        major_version=major,
                        minor_version=minor,
                        patch_version=patch,
                        title=str(library_json.get("title", name))[:255],
                        runnable=str(library_json.get("runnable")) == "1",
                        library_json=library_json,
                        semantics=semantics,
                        installed_by=actor,
                    )
            except IntegrityError:  # installed meanwhile by a concurrent upload
                used[key] = H5PLibrary.objects.get(
                    machine_name=name, major_version=major, minor_version=minor
                )
        elif key in installed:
            used[key] = installed[key]
    # Dependencies declared by the package but not bundled: already installed here.
    for bucket in ("preloadedDependencies", "dynamicDependencies"):
        for dependency in h5p_json.get(bucket) or []:
            key = dependency_key(dependency)
            if key is not None and key not in used and key in installed:
                used[key] = installed[key]
    return used


def storage_path_for_content(activity: H5PActivity, path: str) -> str | None:
    """The storage name of a file of an activity's content folder, or None if unsafe."""
    clean = posixpath.normpath(path)
    if (
        clean.startswith(("/", ".."))
        or "\\" in path
        or not (clean == "h5p.json" or clean.startswith("content/"))
    ):
        return None
    return posixpath.join(activity.storage_prefix, clean)


def storage_path_for_library(folder: str, path: str) -> str | None:
    clean = posixpath.normpath(path)
    if clean.startswith(("/", "..")) or "\\" in path or "/" in folder or folder.startswith("."):
        return None
    return posixpath.join(LIBRARIES_PREFIX, folder, clean)
