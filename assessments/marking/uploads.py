"""The checks a file attached to an essay passes before it is stored. Plain Python.

As for the officer imports and the packages elsewhere in the platform: a size limit
checked before the file is read, the type judged by the content (never by the name or
the browser's word alone), and the name's extension must agree with the content. Only
the types of :data:`assessments.types.essay.FILE_TYPES` are known here; a question may
accept fewer.

- PDF: starts with ``%PDF-``.
- PNG, JPEG: their signatures.
- DOCX: a ZIP holding ``[Content_Types].xml`` and ``word/document.xml``; ODT: a ZIP whose
  ``mimetype`` entry says ``application/vnd.oasis.opendocument.text``. Only the ZIP's
  directory and that one small entry are read; nothing is extracted.
- TXT: UTF-8 text without NUL and with few control characters.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".txt": "text/plain; charset=utf-8",
}
EXTENSION_ALIASES = {".jpeg": ".jpg"}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
MAX_ZIP_ENTRIES = 10_000


@dataclass(frozen=True)
class UploadRefused(Exception):
    """``code``: ``empty``, ``too_large``, ``type_not_allowed``, ``content_mismatch``."""

    code: str
    limit: int = 0

    def __str__(self) -> str:
        return self.code


def extension_of(filename: str) -> str:
    extension = os.path.splitext(filename or "")[1].lower()
    return EXTENSION_ALIASES.get(extension, extension)


def _zip_kind(data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if len(infos) > MAX_ZIP_ENTRIES:
        return None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return ".docx"
    mimetype = next((info for info in infos if info.filename == "mimetype"), None)
    if mimetype is not None and mimetype.file_size <= 100:
        try:
            if archive.read(mimetype).strip() == ODT_MIMETYPE:
                return ".odt"
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
            return None
    return None


def sniff(data: bytes) -> str | None:
    """The extension the content is, or ``None`` when it is none of the known types."""
    if data.startswith(b"%PDF-"):
        return ".pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    if "\x00" in text or controls > len(text) // 100:
        return None
    return ".txt"


def check_upload(data: bytes, filename: str, *, allowed: list[str], max_bytes: int) -> str:
    """The file's extension (one of ``allowed``) when the file may be stored; raises
    :class:`UploadRefused` otherwise."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > max_bytes:
        raise UploadRefused("too_large", limit=max_bytes)
    named = extension_of(filename)
    if named not in allowed:
        raise UploadRefused("type_not_allowed")
    if sniff(data) != named:
        raise UploadRefused("content_mismatch")
    return named
