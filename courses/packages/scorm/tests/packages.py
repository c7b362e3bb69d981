"""SCORM packages built in the tests: small valid ones, and hostile ones made by hand
(raw ZIP entries, patched headers) the way an attacker would make them."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

CORPUS = Path(__file__).resolve().parents[5] / "shared" / "corpora" / "scorm"

NS_12 = (
    'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"'
)
NS_2004 = (
    'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
    'xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" '
    'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" '
    'xmlns:imsss="http://www.imsglobal.org/xsd/imsss"'
)
PAGE = b"<!doctype html><title>SCO</title><p>Lesson</p>"


def manifest(
    *,
    organizations: str | None = None,
    resources: str | None = None,
    version: str = "1.2",
    schemaversion: str | None = "1.2",
    default: str | None = "org",
    title: str = "Minimal course",
    extra: str = "",
) -> str:
    """An imsmanifest.xml: one organization with one SCO unless told otherwise."""
    namespaces = NS_12 if version == "1.2" else NS_2004
    scormtype = "adlcp:scormtype" if version == "1.2" else "adlcp:scormType"
    if organizations is None:
        organizations = (
            f'<organization identifier="org"><title>{title}</title>'
            '<item identifier="item1" identifierref="res1"><title>Lesson one</title></item>'
            "</organization>"
        )
    if resources is None:
        resources = (
            f'<resource identifier="res1" type="webcontent" {scormtype}="sco" '
            'href="index.html"><file href="index.html"/></resource>'
        )
    metadata = ""
    if schemaversion is not None:
        metadata = (
            "<metadata><schema>ADL SCORM</schema>"
            f"<schemaversion>{schemaversion}</schemaversion></metadata>"
        )
    default_attribute = f' default="{default}"' if default is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest identifier="test.manifest" version="1" {namespaces}>'
        f"{metadata}<organizations{default_attribute}>{organizations}</organizations>"
        f"<resources>{resources}</resources>{extra}</manifest>"
    )


def build_zip(files: dict[str, bytes | str] | Iterable[tuple[str, bytes | str]]) -> bytes:
    """A ZIP archive of ``files`` written as given (names are not cleaned up)."""
    buffer = io.BytesIO()
    items = files.items() if isinstance(files, dict) else files
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in items:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, payload)
    return buffer.getvalue()


def package(extra_files: dict[str, bytes | str] | None = None, **manifest_options: object) -> bytes:
    """A valid single-SCO package (plus ``extra_files``)."""
    files: dict[str, bytes | str] = {
        "imsmanifest.xml": manifest(**manifest_options),  # type: ignore[arg-type]
        "index.html": PAGE,
    }
    files.update(extra_files or {})
    return build_zip(files)


def with_symlink(data: bytes, name: str, target: str) -> bytes:
    """``data`` plus an entry ``name`` that is a symbolic link to ``target``."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, target)
    return buffer.getvalue()


def _central_offsets(data: bytes) -> dict[str, tuple[int, int]]:
    """name: (offset of its central directory record, offset of its local header)."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        offsets = {info.orig_filename: info.header_offset for info in archive.infolist()}
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        name = data[position + 46 : position + 46 + name_length].decode("utf-8")
        found[name] = (position, offsets[name])
        position = data.find(b"PK\x01\x02", position + 46 + name_length)
    return found


def with_flags(data: bytes, name: str, flags: int) -> bytes:
    """``data`` with the general purpose flags of ``name`` set (both headers)."""
    central, local = _central_offsets(data)[name]
    patched = bytearray(data)
    for offset in (central + 8, local + 6):
        current = struct.unpack_from("<H", patched, offset)[0]
        struct.pack_into("<H", patched, offset, current | flags)
    return bytes(patched)


def with_central_size(data: bytes, name: str, size: int) -> bytes:
    """``data`` whose central directory claims ``size`` unpacked bytes for ``name``."""
    central, _local = _central_offsets(data)[name]
    patched = bytearray(data)
    struct.pack_into("<L", patched, central + 24, size)
    return bytes(patched)


def stored_files() -> set[str]:
    """Every file under the test run's storage root (MEDIA_ROOT), relative names."""
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def storage_names(prefix: str) -> set[str]:
    """Every file stored under ``prefix``, walked through the storage API."""
    found: set[str] = set()
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return found
    found |= {f"{prefix}/{name}" for name in files}
    for folder in folders:
        found |= storage_names(f"{prefix}/{folder}")
    return found
