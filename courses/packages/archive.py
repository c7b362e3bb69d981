"""The safe ZIP reader for uploaded packages (SCORM today; cmi5 and H5P may follow).

Plain Python, no Django. :class:`SafeArchive` opens an archive (bytes, a path or a
seekable binary file; nothing is unpacked to disk) and checks every entry before any of it
is trusted, listing every problem found instead of stopping at the first:

- limits: the archive's size, the number of entries (folders included), the sum of the
  unpacked sizes, the length of a name, and the compression ratio of each member larger
  than :attr:`ArchiveLimits.ratio_floor_bytes` (a zip bomb shrinks thousands to one; a
  small file that compresses well harms nobody, and the unpacked total is capped anyway);
- names: no absolute paths (``/x``, ``C:x``, ``//server/x``), no ``..`` segment in any
  spelling (backslashes read as separators, percent-decoded up to three rounds, Unicode
  compatibility forms such as fullwidth dots and slashes), no backslashes (tools that
  write Windows separators make names that mean different things to different readers),
  no control characters, no NUL; ``.`` and empty segments are dropped (``./a//b`` is
  ``a/b``: harmless spellings some tools write). Names the archive does not mark as
  UTF-8 but that are valid UTF-8 are read as UTF-8 (what most tools meant), else as CP437;
- no two entries with the same name once normalised and case-folded ("A.html" and
  "a.html" collide on many file systems), and no file that is also a folder of another;
- no symbolic links or other special files (the Unix type bits, whatever system the
  archive claims to come from); no encrypted entries; stored or deflated data only;
- headers that lie: the local header must repeat the central directory's name, method,
  encryption flag and sizes; every member is inflated (in chunks, never past its declared
  size plus one byte) and its size and CRC checked; entries whose data overlap (one
  compressed stream behind many names, the "non-recursive zip bomb") are refused.

Operating-system litter (``__MACOSX/``, ``.DS_Store``, ``._*``, ``Thumbs.db``,
``desktop.ini``) is marked :attr:`Entry.junk`: it is checked for path tricks and links but
never read nor handed to the format, which skips it. Other names with a segment starting
with a dot are marked :attr:`Entry.hidden`; the format decides (SCORM refuses them).

Problems carry a stable ``code``, the ``path`` concerned and ``params``; the Django layer
translates them through :data:`MESSAGES` (``gettext_noop`` marks them for the catalogue).
Each format adds its own messages by subclassing :class:`Problem`.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import stat
import struct
import unicodedata
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, ClassVar

Source = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO

MiB = 1024 * 1024


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue without importing Django."""
    return message


@dataclass(frozen=True)
class ArchiveLimits:
    """Limits applied to one uploaded archive."""

    max_archive_bytes: int = 200 * MiB  # the uploaded file itself
    max_entries: int = 10_000  # archive entries, folder entries included
    max_unpacked_bytes: int = 500 * MiB  # sum of the unpacked sizes
    max_compression_ratio: float = 100.0  # per member larger than ratio_floor_bytes
    ratio_floor_bytes: int = 1 * MiB
    max_path_length: int = 255  # characters in one entry name
    max_problems: int = 200  # the report stops listing after this many


MESSAGES: dict[str, str] = {
    "not_a_zip": gettext_noop("The file cannot be opened as a ZIP archive."),
    "too_large": gettext_noop(
        "The package is too large ({size} bytes). The largest package allowed is {limit} bytes."
    ),
    "too_large_unpacked": gettext_noop(
        "Unpacked, the package would take {size} bytes. The limit is {limit} bytes."
    ),
    "too_many_files": gettext_noop("The package contains {count} files. The limit is {limit}."),
    "path_too_long": gettext_noop(
        "The file name {path} is too long ({length} characters; the limit is {limit})."
    ),
    "path_traversal": gettext_noop(
        "The file name {path} points outside the package. This is not allowed."
    ),
    "absolute_path": gettext_noop(
        "The file name {path} is an absolute path. Names in a package must be relative to its root."
    ),
    "backslash_in_name": gettext_noop(
        "The file name {path} contains a backslash. The archive was probably made with a tool "
        "that writes Windows folder separators: make the ZIP file again with another tool."
    ),
    "unsafe_characters": gettext_noop(
        "The file name {path} contains control characters, which are not allowed."
    ),
    "symlink": gettext_noop("The entry {path} is a symbolic link. Links are not allowed."),
    "special_file": gettext_noop("The entry {path} is not an ordinary file or folder."),
    "encrypted_entry": gettext_noop(
        "The file {path} is password-protected. Encrypted files are not allowed."
    ),
    "unsupported_compression": gettext_noop(
        "The file {path} is compressed with a method that is not supported (method {method}). "
        "Make the ZIP file again with ordinary (deflate) compression."
    ),
    "duplicate_entry": gettext_noop(
        "The file {path} appears more than once in the package (names that differ only in "
        "upper and lower case count as the same name)."
    ),
    "file_folder_clash": gettext_noop(
        "The name {path} is used both for a file and for a folder in the package."
    ),
    "zip_bomb": gettext_noop(
        "The file {path} shrinks suspiciously well when compressed ({ratio} to 1; the limit "
        "is {limit} to 1). It could be a zip bomb."
    ),
    "lying_header": gettext_noop(
        "The archive describes the file {path} wrongly: its {field} does not match the data."
    ),
    "corrupt_entry": gettext_noop(
        "The file {path} is damaged inside the archive and cannot be read."
    ),
    "overlapping_entries": gettext_noop(
        "The file {path} shares its data with another file in the archive. This trick is "
        "not allowed."
    ),
    "too_many_problems": gettext_noop(
        "The package has more than {limit} problems. Only the first {limit} are listed."
    ),
}
# Words that fill the {field} of "lying_header"; translated like the messages.
HEADER_FIELDS = frozenset(
    {
        gettext_noop("name"),
        gettext_noop("compression method"),
        gettext_noop("encryption flag"),
        gettext_noop("size"),
    }
)


class _Params(dict[str, Any]):
    """Placeholders for a message; a missing one renders as "?" instead of failing."""

    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a package. ``code`` is stable; ``params`` fill the message."""

    code: str
    path: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    messages: ClassVar[Mapping[str, str]] = MESSAGES
    translated_params: ClassVar[frozenset[str]] = HEADER_FIELDS
    """Param values that are themselves catalogue entries (translated before use)."""

    @property
    def template(self) -> str:
        """The untranslated message template (a msgid of the translation catalogue)."""
        return self.messages.get(self.code, self.code)

    def message(self, translate: Any = None) -> str:
        """Render the message: plain English, or through ``translate`` (gettext)."""
        params = _Params(self.params, path=self.path)
        if translate is not None:
            for key, value in list(params.items()):
                if isinstance(value, str) and value in self.translated_params:
                    params[key] = translate(value)
        template = translate(self.template) if translate is not None else self.template
        return template.format_map(params)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "path": self.path, "params": dict(self.params)}


class ArchiveError(Exception):
    """A member could not be read as the archive describes it (see ``code``)."""

    def __init__(self, code: str, path: str = "", **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.path = path
        self.params = params


@dataclass(frozen=True)
class Entry:
    """One archive entry that passed the name checks."""

    name: str  # normalised: what the package itself refers to
    raw_name: str  # as written in the archive (decoded)
    is_dir: bool
    size: int
    compressed_size: int
    junk: bool  # operating-system litter: never read, never stored
    hidden: bool  # a segment starts with a dot (the format decides)
    info: zipfile.ZipInfo = field(repr=False, compare=False)

    @property
    def extension(self) -> str:
        return extension_of(self.name)


JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
_DRIVE = re.compile(r"[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # PKZIP local file header, 30 bytes
_LOCAL_SIGNATURE = b"PK\x03\x04"
_CHUNK = 1024 * 1024
_UTF8_FLAG = 0x800


def extension_of(name: str) -> str:
    """The last extension of a name, lower case, without the dot ("" when none)."""
    base = name.rstrip("/").rpartition("/")[2]
    stem = base.lstrip(".")
    return stem.rpartition(".")[2].lower() if "." in stem else ""


def is_junk(name: str) -> bool:
    parts = name.rstrip("/").split("/")
    base = parts[-1]
    return parts[0] == "__MACOSX" or base.casefold() in JUNK_NAMES or base.startswith("._")


def is_hidden(name: str) -> bool:
    return any(part.startswith(".") for part in name.rstrip("/").split("/"))


def escapes(name: str) -> bool:
    """True when some spelling of ``name`` climbs out of the package (a ``..`` segment,
    with backslashes read as separators, percent-decoded up to three rounds, in Unicode
    compatibility forms such as fullwidth dots and slashes)."""
    variants = {name}
    decoded = name
    for _ in range(3):
        decoded = urllib.parse.unquote(decoded)
        variants.add(decoded)
    variants |= {unicodedata.normalize("NFKC", variant) for variant in variants}
    return any(".." in variant.replace("\\", "/").split("/") for variant in variants)


def is_absolute(name: str) -> bool:
    """``/x``, ``\\x``, ``C:x`` and their compatibility spellings."""
    for variant in (name, unicodedata.normalize("NFKC", name)):
        variant = variant.replace("\\", "/")
        if variant.startswith("/") or _DRIVE.match(variant):
            return True
    return False


def normalise(name: str) -> str:
    """Drop ``.`` and empty segments; keep a trailing slash (folders)."""
    folder = name.endswith("/")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    clean = "/".join(parts)
    return f"{clean}/" if folder and clean else clean


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """The entry's name: as UTF-8 when the archive says so, or when the bytes are valid
    UTF-8 although the flag is missing (many tools forget it), else as CP437."""
    name = info.orig_filename  # zipfile cuts .filename at a NUL byte; this keeps it
    if info.flag_bits & _UTF8_FLAG or name.isascii():
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def _raw_name_bytes(info: zipfile.ZipInfo) -> bytes:
    encoding = "utf-8" if info.flag_bits & _UTF8_FLAG else "cp437"
    return info.orig_filename.encode(encoding, errors="surrogateescape")


def _open_source(source: Source) -> tuple[BinaryIO, bool]:
    """A seekable binary file for ``source`` and whether this module opened it."""
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, str | os.PathLike):
        return open(source, "rb"), True  # closed by SafeArchive.close
    return source, False


class SafeArchive:
    """An archive whose entries were checked: see the module's docstring.

    ``problems`` lists what is wrong; ``opened`` is false when the file is no ZIP archive
    (or too large to open), ``readable`` false when its contents were not inflated (over a
    limit). ``files`` maps the normalised name of every file entry that passed every check
    (junk left out) to its :class:`Entry`; ``entries`` holds every entry that passed the
    name checks, junk and folders included.
    """

    problem_class: type[Problem] = Problem

    def __init__(self, source: Source, limits: ArchiveLimits | None = None) -> None:
        self.limits = limits or ArchiveLimits()
        self.problems: list[Problem] = []
        self.entries: list[Entry] = []
        self.files: dict[str, Entry] = {}
        self.opened = False
        self.readable = False
        self.archive_bytes = 0
        self._seen: set[tuple[str, str, str]] = set()
        self._truncated = False
        self._zip: zipfile.ZipFile | None = None
        self._file, self._owned = _open_source(source)
        try:
            self._scan()
        except Exception:
            self.close()
            raise

    # -- bookkeeping

    def add(self, code: str, path: str = "", **params: Any) -> None:
        """Record a problem (once; at most ``max_problems``, then one that says so)."""
        key = (code, path, repr(sorted(params.items())))
        if key in self._seen:
            return
        self._seen.add(key)
        limit = self.limits.max_problems
        if len(self.problems) >= limit:
            if not self._truncated:
                self._truncated = True
                self.problems.append(self.problem_class("too_many_problems", "", {"limit": limit}))
            return
        self.problems.append(self.problem_class(code, path, params))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._owned:
            self._file.close()

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def unpacked_bytes(self) -> int:
        return sum(entry.size for entry in self.files.values())

    # -- the scan

    def _scan(self) -> None:
        limits = self.limits
        self._file.seek(0, os.SEEK_END)
        self.archive_bytes = self._file.tell()
        self._file.seek(0)
        if self.archive_bytes > limits.max_archive_bytes:
            self.add("too_large", size=self.archive_bytes, limit=limits.max_archive_bytes)
            return
        try:
            self._zip = zipfile.ZipFile(self._file)
            infos = self._zip.infolist()
        except Exception:
            self.add("not_a_zip")
            return
        self.opened = True
        readable = True
        if len(infos) > limits.max_entries:
            self.add("too_many_files", count=len(infos), limit=limits.max_entries)
            readable = False
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_unpacked_bytes:
            self.add("too_large_unpacked", size=declared, limit=limits.max_unpacked_bytes)
            readable = False
        seen: dict[str, str] = {}
        folders: dict[str, str] = {}  # case-folded folder prefixes of file entries
        checked: list[Entry] = []
        for info in infos:
            entry = self._check_entry(info, seen, folders)
            if entry is not None:
                checked.append(entry)
        for entry in checked:  # a file whose name is also a folder of another entry
            if not entry.is_dir and _fold(entry.name) in folders:
                self.add("file_folder_clash", entry.name)
        self.readable = readable
        clashes = {problem.path for problem in self.problems if problem.code == "file_folder_clash"}
        spans: list[tuple[int, int, str]] = []
        for entry in checked:
            self.entries.append(entry)
            if entry.is_dir or entry.junk or entry.name in clashes:
                continue
            if not readable:
                continue
            try:
                end = self._verify(entry)
            except ArchiveError as error:
                self.add(error.code, entry.name, **error.params)
                continue
            spans.append((entry.info.header_offset, end, entry.name))
            self.files[entry.name] = entry
        furthest = 0  # entries whose data overlap: one compressed stream, many names
        for start, end, name in sorted(spans):
            if start < furthest:
                self.add("overlapping_entries", name)
                self.files.pop(name, None)
            furthest = max(furthest, end)

    def _check_entry(
        self, info: zipfile.ZipInfo, seen: dict[str, str], folders: dict[str, str]
    ) -> Entry | None:
        """Name, type and storage checks of one entry; the entry when none failed."""
        limits = self.limits
        raw = _decoded_name(info)
        found: list[tuple[str, dict[str, Any]]] = []
        if _CONTROL.search(raw):
            found.append(("unsafe_characters", {}))
        if is_absolute(raw):
            found.append(("absolute_path", {}))
        elif escapes(raw):
            found.append(("path_traversal", {}))
        if "\\" in raw:
            found.append(("backslash_in_name", {}))
        name = normalise(raw)
        shown = raw.replace("\x00", "\\0")
        if len(name) > limits.max_path_length:
            found.append(("path_too_long", {"length": len(name), "limit": limits.max_path_length}))
        mode = stat.S_IFMT(info.external_attr >> 16)
        if mode == stat.S_IFLNK:
            found.append(("symlink", {}))
        elif mode not in (0, stat.S_IFREG, stat.S_IFDIR):
            found.append(("special_file", {}))
        junk = is_junk(name)
        is_dir = info.is_dir()
        if not junk and not is_dir:
            if info.flag_bits & (0x1 | 0x40 | 0x2000):  # encrypted, strong, masked header
                found.append(("encrypted_entry", {}))
            if info.flag_bits & 0x20 or info.compress_type not in _METHODS:  # 0x20: patched
                found.append(("unsupported_compression", {"method": info.compress_type}))
            if info.file_size > limits.ratio_floor_bytes:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_compression_ratio:
                    found.append(
                        (
                            "zip_bomb",
                            {"ratio": round(ratio), "limit": round(limits.max_compression_ratio)},
                        )
                    )
        if name and not junk:
            key = _fold(name.rstrip("/"))
            if key in seen and not (is_dir and seen[key] == "dir"):
                found.append(("duplicate_entry", {}))
            seen.setdefault(key, "dir" if is_dir else "file")
            parts = key.split("/")
            for depth in range(1, len(parts) if not is_dir else len(parts) + 1):
                folders.setdefault("/".join(parts[:depth]), name)
        for code, params in found:
            self.add(code, shown if code in _RAW_NAME_CODES else name or shown, **params)
        if found or not name:
            return None
        return Entry(
            name=name,
            raw_name=raw,
            is_dir=is_dir,
            size=info.file_size,
            compressed_size=info.compress_size,
            junk=junk,
            hidden=is_hidden(name),
            info=info,
        )

    # -- reading members, trusting none of their headers

    def _local_data_start(self, info: zipfile.ZipInfo) -> int:
        """Check the local header against the central directory; where the data starts."""
        offset = info.header_offset
        if offset < 0 or offset + _LOCAL_HEADER.size > self.archive_bytes:
            raise ArchiveError("corrupt_entry")
        self._file.seek(offset)
        header = self._file.read(_LOCAL_HEADER.size)
        signature, _, flags, method, _, _, _, csize, usize, name_len, extra_len = (
            _LOCAL_HEADER.unpack(header)
        )
        if signature != _LOCAL_SIGNATURE:
            raise ArchiveError("corrupt_entry")
        if self._file.read(name_len) != _raw_name_bytes(info):
            raise ArchiveError("lying_header", field="name")
        if method != info.compress_type:
            raise ArchiveError("lying_header", field="compression method")
        if (flags ^ info.flag_bits) & (0x1 | 0x20 | 0x40):
            raise ArchiveError("lying_header", field="encryption flag")
        sizes_in_local_header = not flags & 0x8 and 0xFFFFFFFF not in (csize, usize)
        if sizes_in_local_header and (csize, usize) != (info.compress_size, info.file_size):
            raise ArchiveError("lying_header", field="size")
        start = offset + _LOCAL_HEADER.size + name_len + extra_len
        if start + info.compress_size > self.archive_bytes:
            raise ArchiveError("corrupt_entry")
        return start

    def _chunks(self, info: zipfile.ZipInfo, start: int | None = None) -> Iterator[bytes]:
        """The member's bytes, inflated in chunks, size and CRC checked at the end. Never
        inflates more than the declared size plus one byte."""
        if start is None:
            start = self._local_data_start(info)
        declared = info.file_size
        size = crc = 0
        inflater = None
        if info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        position, remaining = start, info.compress_size
        pending = b""
        try:
            while True:
                if not pending and remaining:
                    self._file.seek(position)
                    pending = self._file.read(min(_CHUNK, remaining))
                    if not pending:
                        raise ArchiveError("corrupt_entry")
                    position += len(pending)
                    remaining -= len(pending)
                if inflater is None:
                    out, pending = pending, b""
                else:
                    out = inflater.decompress(pending, max(1, declared + 1 - size))
                    pending = inflater.unconsumed_tail
                size += len(out)
                if size > declared:
                    raise ArchiveError("lying_header", field="size")
                crc = zlib.crc32(out, crc)
                if out:
                    yield out
                if inflater is not None and inflater.eof:
                    break
                if not out and not pending and not remaining:
                    break
        except zlib.error as exc:
            raise ArchiveError("corrupt_entry") from exc
        if inflater is not None and not inflater.eof:
            raise ArchiveError("corrupt_entry")
        if size != declared:
            raise ArchiveError("lying_header", field="size")
        if crc != info.CRC:
            raise ArchiveError("corrupt_entry")

    def _verify(self, entry: Entry) -> int:
        """Inflate a member without keeping it; where its data ends in the archive."""
        start = self._local_data_start(entry.info)
        for _chunk in self._chunks(entry.info, start):
            pass
        return start + entry.compressed_size

    def read(self, name: str, *, max_bytes: int | None = None) -> bytes:
        """The bytes of a checked file (``max_bytes``: refuse larger files with
        :class:`ArchiveError` ``too_large``)."""
        entry = self.files[name]
        if max_bytes is not None and entry.size > max_bytes:
            raise ArchiveError("too_large", name, size=entry.size, limit=max_bytes)
        return b"".join(self._chunks(entry.info))

    def copy_to(self, name: str, target: BinaryIO) -> int:
        """Write a checked file's bytes to ``target``, checked again on the way (so a file
        changed since the scan raises :class:`ArchiveError`). Returns the size."""
        written = 0
        for chunk in self._chunks(self.files[name].info):
            target.write(chunk)
            written += len(chunk)
        return written


_RAW_NAME_CODES = frozenset({"unsafe_characters", "absolute_path", "path_traversal"})
"""Problems shown with the name as the archive writes it (its normalised form would hide
the trick)."""


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def join_path(folder: str, name: str) -> str:
    """``name`` inside ``folder`` (POSIX), for storage names."""
    return posixpath.join(folder, name)
