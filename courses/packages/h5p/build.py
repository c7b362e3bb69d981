"""Offline builder of ``.h5p`` packages for the project's own content type.

Plain Python, no Django. :func:`build_package` packs ``content/content.json`` (plus any
media), an ``h5p.json`` and the library folder of ``CustomsLms.KnowledgeCheck`` (sources in
``courses/packages/h5p/library/``) into an archive that
:func:`courses.packages.h5p.policy.validate_package` accepts and h5p-standalone plays.

Output is deterministic: entries are sorted, every timestamp is 1980-01-01 00:00, file
modes are fixed and JSON is serialised the same way each time, so building the same input
twice gives byte-identical archives (handy for fixtures, caching and reviews).
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LIBRARY_DIR = Path(__file__).resolve().parent / "library" / "CustomsLms.KnowledgeCheck-1.0"
"""Sources of the project's own content type (library.json, semantics.json, JS, CSS)."""

EMBED_TYPES = ["iframe"]
"""h5p-standalone ignores h5p.json's embedTypes (its ``embedType`` option decides, and
defaults to "iframe"); "iframe" keeps the library's CSS and JS inside the player frame."""

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a ZIP archive can store
_FILE_MODE = (stat.S_IFREG | 0o644) << 16
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.()+,@~-]*")
# Not "_" first either: H5P skips such names (see courses.packages.h5p.policy.entry_kind).

LibraryKey = tuple[str, int, int]


def library_metadata(library_dir: Path = LIBRARY_DIR) -> dict[str, Any]:
    """The parsed ``library.json`` of a library folder."""
    return json.loads((Path(library_dir) / "library.json").read_text(encoding="utf-8"))


def library_semantics(library_dir: Path = LIBRARY_DIR) -> list[dict[str, Any]]:
    """The parsed ``semantics.json`` of a library folder."""
    return json.loads((Path(library_dir) / "semantics.json").read_text(encoding="utf-8"))


def library_key(library_dir: Path = LIBRARY_DIR) -> LibraryKey:
    """``(machine_name, major, minor)``, as :mod:`courses.packages.h5p.policy` names installed
    libraries; ``("CustomsLms.KnowledgeCheck", 1, 0)`` for the default folder."""
    metadata = library_metadata(library_dir)
    return (metadata["machineName"], metadata["majorVersion"], metadata["minorVersion"])


def library_folder_name(library_dir: Path = LIBRARY_DIR) -> str:
    """The folder name H5P expects: ``<machineName>-<major>.<minor>``."""
    name, major, minor = library_key(library_dir)
    return f"{name}-{major}.{minor}"


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _check_relative_path(path: str) -> None:
    """Refuse names that would escape content/, hide, or lack an extension."""
    parts = path.split("/")
    if not path or any(not _SEGMENT.fullmatch(part) for part in parts):
        raise ValueError(f"unsafe file name for content/: {path!r}")
    if "." not in parts[-1]:
        raise ValueError(f"file name without an extension: {path!r}")


def _library_files(library_dir: Path) -> dict[str, bytes]:
    """Every visible file of the library folder, keyed by its path inside the folder."""
    files: dict[str, bytes] = {}
    root = Path(library_dir)
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue  # editor swap files, .DS_Store...: never shipped
        if path.is_symlink():
            raise ValueError(f"symbolic link in the library folder: {relative}")
        if path.is_file():
            files[relative.as_posix()] = path.read_bytes()
    return files


def _zip(entries: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode bits below are read
            info.external_attr = _FILE_MODE
            archive.writestr(info, entries[name], compresslevel=9)
    return buffer.getvalue()


def build_package(
    *,
    content: dict[str, Any],
    title: str,
    language: str,
    library_dir: Path = LIBRARY_DIR,
    extra_files: Mapping[str, bytes] | None = None,
) -> bytes:
    """Return an ``.h5p`` archive (bytes) that plays ``content`` with the library.

    ``content`` becomes ``content/content.json`` (the library's parameters; see its
    ``semantics.json``); it is not validated here, run
    :func:`courses.packages.h5p.policy.validate_package` on the result for that. ``title`` and
    ``language`` (ISO 639-1 such as "en", "es", "fr", "pt") go into ``h5p.json``.
    ``extra_files`` are media stored under ``content/`` and keyed by their path relative
    to it (``{"images/seal.png": b"..."}``), as ``content.json`` refers to them.
    """
    if not isinstance(content, dict):
        raise TypeError("content must be a dict (the parameters of content.json)")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("title must be a non-empty string")
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
        raise ValueError(f"language must be a language code such as 'en', not {language!r}")

    metadata = library_metadata(library_dir)
    if metadata.get("preloadedDependencies") or metadata.get("dynamicDependencies"):
        raise ValueError("libraries with dependencies of their own are not supported")
    machine_name, major, minor = library_key(library_dir)
    folder = f"{machine_name}-{major}.{minor}"

    h5p_json = {
        "title": title,
        "language": language,
        "mainLibrary": machine_name,
        "embedTypes": EMBED_TYPES,
        "license": "U",
        "defaultLanguage": language,
        "preloadedDependencies": [
            {"machineName": machine_name, "majorVersion": major, "minorVersion": minor}
        ],
    }
    entries: dict[str, bytes] = {
        "h5p.json": _json_bytes(h5p_json),
        "content/content.json": _json_bytes(content),
    }
    for path, data in (extra_files or {}).items():
        _check_relative_path(path)
        name = f"content/{path}"
        if name in entries:
            raise ValueError(f"extra file clashes with {name}")
        entries[name] = bytes(data)
    for path, data in _library_files(library_dir).items():
        entries[f"{folder}/{path}"] = data
    return _zip(entries)
