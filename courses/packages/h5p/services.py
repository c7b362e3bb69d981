"""H5P packages on the Django side: import (validate, store, record) and file access.

Validation is :func:`courses.packages.h5p.policy.validate_package`, as H5P core validates a
package plus the project's stricter rules (uploads do not check content against its
semantics: see the policy's docstring). Files go through Django's storage API (local
folder in the embedded default, object storage in production). Each activity's content
lives under ``h5p/content/<uuid>/``. Only what H5P keeps is stored: ``h5p.json``,
``content/`` and library folders, never the entries H5P skips (``__MACOSX/``, names
starting with ``_``) or ignores (other files at the root).

Libraries (issue 12, point 5). One :class:`H5PLibrary` per name and major.minor version is
shared by every activity using it; each installed patch is an :class:`H5PLibraryVersion`
with its own files under ``h5p/libraries/<Machine.Name>-<major>.<minor>.<patch>/``
(whatever the package called the folder; patches installed before versions were kept stay
in ``<Machine.Name>-<major>.<minor>/``). The library's ``current`` version is the one every
activity plays: the player asks for ``<Machine.Name>-<major>.<minor>/`` and
:func:`library_storage_folder` answers with the current patch's folder.

A package whose library is already installed at the same or a later patch uses the
installed one (never a downgrade). A package carrying a *newer* patch installs it and makes
it current for every activity, when its uploader is a platform admin (or the operator at
the command line); anyone else's activity imports with the installed patch and the import
says so (:attr:`LibraryUpgrades.messages`). The new patch's files pass the same policy as
any library (a hostile patch refuses the whole package). :func:`h5p_library_rollback`
makes another installed patch current again; a package carrying a patch newer than the
current one makes it current again after such a rollback (its files, written once, are
reused).
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Min
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from lms.accounts.roles import Role, has_role

from ...models import ExternalMediaHost, H5PActivity, H5PLibrary, H5PLibraryVersion
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


@dataclass
class LibraryUpgrades:
    """What an import did with the newer patches of installed libraries a package carried.

    ``installed``: patches installed and made current (``"H5P.MultiChoice 1.16.14"``);
    ``held_back``: newer patches left out because the uploader may not install libraries,
    with the patch installed here (``("H5P.MultiChoice 1.16.14", "1.16.4")``);
    ``messages``: what to tell the uploader, in the active language."""

    installed: list[str] = field(default_factory=list)
    held_back: list[tuple[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


LIBRARY_UPGRADE_ACTION = "courses.h5p_library_upgrade"
LIBRARY_ROLLBACK_ACTION = "courses.h5p_library_rollback"
"""Log actions (Wagtail's log entries, registered in ``courses/wagtail_hooks.py``)."""


def library_key(library: H5PLibrary) -> LibraryKey:
    return (library.machine_name, library.major_version, library.minor_version)


def _installed() -> dict[LibraryKey, H5PLibrary]:
    return {library_key(lib): lib for lib in H5PLibrary.objects.all()}


def may_install_library_patches(actor: User | None) -> bool:
    """Installing a newer patch of a library (or making another patch current) changes
    the code every activity of that major.minor runs: platform admins only (superusers
    included), and the operator at the command line (``actor=None``)."""
    return actor is None or has_role(actor, Role.PLATFORM_ADMIN)


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


def _library_folder(machine_name: str, major: int, minor: int, patch: int) -> str:
    """The storage folder of one installed patch."""
    return f"{machine_name}-{major}.{minor}.{patch}"


def _version_label(version: tuple[str, int, int, int]) -> str:
    name, major, minor, patch = version
    return f"{name} {major}.{minor}.{patch}"


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
    the command line, who may install them). Newer patches of installed libraries are
    installed and made current for platform admins and the operator, and held back for
    anyone else; the returned activity's ``library_upgrades`` (:class:`LibraryUpgrades`)
    says which, with the messages for its uploader. On any failure nothing is left
    behind: files written so far are removed and no row is created (library files, shared
    and written once, stay for the next import of that version).
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
    upgrades = _library_upgrades(report, new_keys, actor)
    install_keys = new_keys | {version[:3] for version in upgrades.installing}
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
            elif (library := report.library_folders.get(folder)) and library[:3] in install_keys:
                # Library files are shared by every activity of that version: written once,
                # never overwritten and never removed by a failed import (another import of
                # the same version may be using them). The folder is always named
                # Machine.Name-major.minor.patch, whatever the package called it.
                stored = posixpath.join(LIBRARIES_PREFIX, _library_folder(*library), rest)
                _store_once(stored, archive.read(info))
                continue
            else:
                continue  # a library already installed: the stored copy is used
            if _store(target, archive.read(info)):
                written.append(target)
        with transaction.atomic():
            libraries = _record_libraries(archive, report, new_keys, h5p_json, actor)
            for version in upgrades.installing:
                libraries[version[:3]] = _install_patch(archive, report, version, actor)
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
    activity.library_upgrades = upgrades.outcome  # type: ignore[attr-defined]
    return activity


@dataclass
class _Upgrades:
    installing: list[tuple[str, int, int, int]]
    outcome: LibraryUpgrades


def _library_upgrades(
    report: ValidationReport, new_keys: set[LibraryKey], actor: User | None
) -> _Upgrades:
    """The bundled libraries that are newer patches of installed ones: installed when the
    actor may, otherwise reported. An older or equal patch is simply not used."""
    bundled = {version[:3]: version for version in report.libraries if version[:3] not in new_keys}
    if not bundled:
        return _Upgrades([], LibraryUpgrades())
    installed = {
        library_key(library): library.patch_version
        for library in H5PLibrary.objects.filter(machine_name__in={key[0] for key in bundled})
    }
    newer = sorted(
        version
        for key, version in bundled.items()
        if key in installed and version[3] > installed[key]
    )
    outcome = LibraryUpgrades()
    if not newer:
        return _Upgrades([], outcome)
    if may_install_library_patches(actor):
        outcome.installed = [_version_label(version) for version in newer]
        outcome.messages.append(
            _("Newer patches installed; every activity using them now plays them: %(libraries)s.")
            % {"libraries": ", ".join(outcome.installed)}
        )
        return _Upgrades(newer, outcome)
    outcome.held_back = [
        (_version_label(version), f"{version[1]}.{version[2]}.{installed[version[:3]]}")
        for version in newer
    ]
    outcome.messages.append(
        _(
            "This package carries newer patches of libraries installed on this site: "
            "%(libraries)s. The activity uses the installed patches; only a platform "
            "administrator can install the newer ones (by uploading this package)."
        )
        % {
            "libraries": ", ".join(
                _("%(version)s (installed: %(installed)s)")
                % {"version": version, "installed": current}
                for version, current in outcome.held_back
            )
        }
    )
    return _Upgrades([], outcome)


def _install_patch(
    archive: zipfile.ZipFile,
    report: ValidationReport,
    version: tuple[str, int, int, int],
    actor: User | None,
) -> H5PLibrary:
    """Record a newer patch (files already stored) and make it current, unless a
    concurrent import made the same or a later one current meanwhile."""
    name, major, minor, patch = version
    library = H5PLibrary.objects.select_for_update().get(
        machine_name=name, major_version=major, minor_version=minor
    )
    if library.patch_version >= patch:
        return library
    folder = next(
        folder for folder, bundled in report.library_folders.items() if bundled == version
    )
    library_json, semantics = _library_files(archive, folder)
    row, _created = H5PLibraryVersion.objects.get_or_create(
        library=library,
        patch_version=patch,
        defaults={
            "folder": _library_folder(*version),
            "title": str(library_json.get("title", name))[:255],
            "runnable": str(library_json.get("runnable")) == "1",
            "library_json": library_json,
            "semantics": semantics,
            "installed_by": actor,
        },
    )
    _make_current(library, row, actor=actor, action=LIBRARY_UPGRADE_ACTION)
    return library


def _library_files(
    archive: zipfile.ZipFile, folder: str
) -> tuple[dict[str, Any], list[Any] | None]:
    library_json = _read_json(archive, f"{folder}/library.json")
    semantics = None
    if f"{folder}/semantics.json" in set(archive.namelist()):
        semantics = _read_json(archive, f"{folder}/semantics.json")
    return library_json, semantics


def _make_current(
    library: H5PLibrary, version: H5PLibraryVersion, *, actor: User | None, action: str
) -> None:
    """Point the (locked) library at ``version``, repeat its fields on the library row,
    and write the change in the library's history (Wagtail's log entries)."""
    previous = library.version
    library.current = version
    library.patch_version = version.patch_version
    library.title = version.title
    library.runnable = version.runnable
    library.library_json = version.library_json
    library.semantics = version.semantics
    library.installed_at = version.installed_at
    library.installed_by = version.installed_by
    library.save()
    H5PLibrary.objects.filter(pk=library.pk).update(installed_at=version.installed_at)
    log(instance=library, action=action, user=actor, data={"from": previous, "to": library.version})
    # Forgotten now and again once committed (a request in between may have read the old).
    keys = [_FOLDER_CACHE_KEY + library.folder, _REVISION_CACHE_KEY]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


class RollbackRefused(Exception):
    """The version asked for cannot be made current (not of this library, or already)."""


def h5p_library_rollback(
    *, actor: User, library: H5PLibrary, version: H5PLibraryVersion
) -> H5PLibrary:
    """Make another installed patch of ``library`` current again (usually the previous
    one, after an upgrade that went wrong): every activity using that major.minor plays
    it from then on. Platform admins only; logged in Wagtail's log entries."""
    if not may_install_library_patches(actor):
        raise PermissionError("Only platform admins may change the current patch of a library.")
    with transaction.atomic():
        locked = (
            H5PLibrary.objects.select_for_update(of=("self",))
            .select_related("current")
            .get(pk=library.pk)
        )
        if version.library_id != locked.pk:
            raise RollbackRefused(_("This version belongs to another library."))
        if locked.current_id == version.pk:
            raise RollbackRefused(_("This version is already the current one."))
        _make_current(locked, version, actor=actor, action=LIBRARY_ROLLBACK_ACTION)
    return locked


# --- serving library files: which folder the player's "Name-major.minor" is -------------------

_FOLDER_CACHE_KEY = "lms:h5p:library-folder:"
_REVISION_CACHE_KEY = "lms:h5p:libraries-revision"
LIBRARY_CACHE_SECONDS = 300
_PLAYER_FOLDER = re.compile(
    r"(?P<name>[A-Za-z0-9_.\-]{1,255})-(?P<major>[0-9]{1,5})\.(?P<minor>[0-9]{1,5})"
)
"""How long a process may keep answering with a folder or revision after a change, when
the cache is not shared (production shares it: every process learns at once)."""


def library_storage_folder(folder: str) -> str | None:
    """The storage folder (under ``h5p/libraries/``) of the current patch of the library
    the player asks for as ``Machine.Name-major.minor``; None if no such library."""
    match = _PLAYER_FOLDER.fullmatch(folder)
    if match is None:
        return None
    key = _FOLDER_CACHE_KEY + folder
    found = cache.get(key)
    if found is None:
        library = (
            H5PLibrary.objects.filter(
                machine_name=match["name"],
                major_version=int(match["major"]),
                minor_version=int(match["minor"]),
            )
            .select_related("current")
            .first()
        )
        found = library.storage_folder if library is not None else ""
        cache.set(key, found, LIBRARY_CACHE_SECONDS)
    return found or None


def libraries_revision() -> str:
    """A short name for which patches are current, for the libraries' URLs: it changes
    when a library is upgraded or rolled back (and comes back to what it was when a
    rollback restores what was), so browsers never keep another patch's files, and it does
    not change when a new library is installed, so they keep caching the others."""
    found = cache.get(_REVISION_CACHE_KEY)
    if found is None:
        # Libraries whose current patch is not the one first installed: a function of which
        # patches are current, so a rollback to the first patch gives the old name back.
        switched = (
            H5PLibrary.objects.annotate(first_version=Min("versions__id"))
            .exclude(current_id=F("first_version"))
            .exclude(current__isnull=True)
            .order_by("pk")
            .values_list("pk", "current_id")
        )
        digest = hashlib.sha256(repr(list(switched)).encode()).hexdigest()
        found = digest[:12]
        cache.set(_REVISION_CACHE_KEY, found, LIBRARY_CACHE_SECONDS)
    return found


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
    for name, major, minor, patch in report.libraries:
        key = (name, major, minor)
        if key in new_keys:
            library_json, semantics = _library_files(archive, folders[key])
            title = str(library_json.get("title", name))[:255]
            runnable = str(library_json.get("runnable")) == "1"
            try:
                with transaction.atomic():
                    library = H5PLibrary.objects.create(
                        machine_name=name,
                        major_version=major,
                        minor_version=minor,
                        patch_version=patch,
                        title=title,
                        runnable=runnable,
                        library_json=library_json,
                        semantics=semantics,
                        installed_by=actor,
                    )
                    library.current = H5PLibraryVersion.objects.create(
                        library=library,
                        patch_version=patch,
                        folder=_library_folder(name, major, minor, patch),
                        title=title,
                        runnable=runnable,
                        library_json=library_json,
                        semantics=semantics,
                        installed_by=actor,
                    )
                    library.save(update_fields=["current"])
                    used[key] = library
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
