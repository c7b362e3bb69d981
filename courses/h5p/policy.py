"""Validation policy for uploaded ``.h5p`` packages.

Plain Python, no Django. :func:`validate_package` reads an archive in memory, runs pyh5p's
archive, structure and semantics checks, applies this project's stricter policy on top and
returns a :class:`ValidationReport` listing every problem found. Nothing is written to disk.

Problems are not rendered for end users here. Each :class:`Problem` carries a stable
``code``, the ``path`` of the file concerned and ``params``; the Django layer translates
them. :data:`MESSAGES` holds the plain-English templates, keyed by code.

What pyh5p checks (reused here): archive member paths, symlinks, its own extension list,
compression ratio, declared sizes, duplicate names, the mandatory fields of ``h5p.json``,
media referenced by ``content.json``, unexpected top-level files, and ``content.json``
against a library's ``semantics.json``. What this module adds: everything pyh5p lets
through (dotfiles, files without an extension, active SVG, scripts under ``content/``,
missing preloaded files, unresolved dependencies, library folder/version mismatches,
unknown content fields, HTML event handlers in text), a stricter extension allowlist that
depends on where a file is, size and count limits, and checks that pyh5p stops at (it
raises on the first problem; this module collects them all).
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import stat
import struct
import unicodedata
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import pyh5p
from pyh5p.errors import ValidationIssue

LibraryKey = tuple[str, int, int]
"""(machine_name, major, minor): how H5P identifies a library version."""
LibraryVersion = tuple[str, int, int, int]
"""(machine_name, major, minor, patch)."""
Source = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO
InstalledSemantics = Mapping[LibraryKey, Any] | Callable[[str, int, int], Any]

MiB = 1024 * 1024


@dataclass(frozen=True)
class PolicyLimits:
    """Limits applied to one uploaded package."""

    max_package_bytes: int = 50 * MiB  # size of the uploaded .h5p file itself
    max_files: int = 2000  # archive entries, folder entries included
    max_uncompressed_bytes: int = 200 * MiB  # sum of the unpacked sizes
    max_compression_ratio: float = 100.0  # per file; pyh5p's own default is 200
    max_path_length: int = 255  # characters in one archive entry name
    max_problems: int = 200  # the report stops listing after this many


# --- File types -------------------------------------------------------------------------
# Stricter than pyh5p's DEFAULT_ALLOWED_EXTENSIONS, which also lets through office
# documents, pdf, swf, xml, md, csv, wasm, bin, map, bmp/tiff and otf.
MEDIA_EXTENSIONS = frozenset(
    {
        "json",  # h5p.json, content.json, library.json, semantics.json, language files
        "png",  # images every browser displays ...
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "svg",  # ... SVG too, but every SVG is scanned for active content (svg_script)
        "mp3",  # audio formats the H5P players use
        "m4a",
        "ogg",
        "oga",
        "wav",
        "mp4",  # video formats the H5P players use
        "webm",
        "ogv",
        "vtt",  # captions and subtitles for video
    }
)
# Deliberately not allowed anywhere:
# - pdf: course documents go through Wagtail's document library (with its own checks);
#   PDF can carry scripts of its own and no H5P player needs one inside a package.
# - txt, md, csv, xml, office formats: no player needs them; they only add surface.
# - bmp, tif, tiff: browsers do not all display them; convert to png/jpg/webp.
# - otf, map, wasm, bin, swf: not needed by the player or plainly dangerous.
# - anything a web server might execute or a browser render as a page (php, phtml, html,
#   htm, xhtml, shtml, asp, jsp, cgi, ...): never.

LIBRARY_ONLY_EXTENSIONS = frozenset({"js", "css", "woff", "woff2", "ttf", "eot"})
# Code and fonts belong to libraries only. Library JavaScript is trusted code (it runs with
# the page's origin), so it may only arrive inside a library, and a library that is not yet
# installed needs a user with the library-install permission (see ``new_libraries``).

CONTENT_EXTENSIONS = MEDIA_EXTENSIONS
LIBRARY_EXTENSIONS = MEDIA_EXTENSIONS | LIBRARY_ONLY_EXTENSIONS
SCRIPT_EXTENSIONS = frozenset({"js", "mjs", "cjs", "css"})
# Under content/ these are reported as ``script_in_content``, not as an ordinary
# disallowed extension, so the author learns why.

# Editor dependencies (``editorDependencies``) are ignored: this platform plays packages
# with h5p-standalone and has no H5P editor, so editor libraries are never loaded.
_DEPENDENCY_BUCKETS = ("preloadedDependencies", "dynamicDependencies")


# --- Messages ---------------------------------------------------------------------------
def gettext_noop(message: str) -> str:
    """Marks a message for translation catalogues without importing Django; the Django
    layer translates it when it shows the problem (see ``courses.packages``)."""
    return message


MESSAGES: dict[str, str] = {
    "not_a_zip": gettext_noop(
        "The file is not an H5P package: it cannot be opened as a ZIP archive."
    ),
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
    "unsafe_characters": gettext_noop(
        "The file name {path} contains characters that are not allowed. Use only letters, "
        "digits, spaces, dots, dashes and underscores."
    ),
    "dotfile": gettext_noop(
        "The file {path} is hidden (its name, or the name of a folder it is in, starts with "
        "a dot). Hidden files are not allowed."
    ),
    "no_extension": gettext_noop(
        "The file {path} has no file extension, so its type cannot be checked."
    ),
    "extension_not_allowed": gettext_noop(
        "Files of type .{extension} are not allowed here: {path}."
    ),
    "script_in_content": gettext_noop(
        "The file {path} is a script or a style sheet. Scripts and style sheets are not "
        "allowed inside content/."
    ),
    "svg_script": gettext_noop(
        "The image {path} contains active content ({reason}). Images must not contain "
        "scripts or links to scripts."
    ),
    "symlink": gettext_noop("The entry {path} is a symbolic link. Links are not allowed."),
    "special_file": gettext_noop("The entry {path} is not an ordinary file or folder."),
    "encrypted_entry": gettext_noop(
        "The file {path} is password-protected. Encrypted files are not allowed."
    ),
    "unsupported_compression": gettext_noop(
        "The file {path} is compressed with a method that is not supported (method {method})."
    ),
    "duplicate_entry": gettext_noop("The file {path} appears more than once in the package."),
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
    "unexpected_file": gettext_noop(
        "The file {path} does not belong in an H5P package. Only h5p.json, the content/ "
        "folder and library folders are allowed."
    ),
    "missing_h5p_json": gettext_noop(
        "The package has no h5p.json file, so it is not an H5P package."
    ),
    "invalid_h5p_json": gettext_noop("The package description h5p.json is not valid: {detail}."),
    "main_library_not_declared": gettext_noop(
        "h5p.json names {library} as the content type but does not list it among the "
        "libraries the package needs."
    ),
    "missing_content_json": gettext_noop("The package has no content/content.json file."),
    "invalid_content_json": gettext_noop("The file content/content.json is not valid: {detail}."),
    "semantics_mismatch": gettext_noop(
        "The content does not match what the content type expects at {field}: {detail}."
    ),
    "unknown_field": gettext_noop(
        "The content contains a field that the content type does not define: {field}."
    ),
    "unsafe_html": gettext_noop(
        "The text at {field} in {path} contains active HTML ({reason}). Scripts, event "
        "handlers and javascript: links are not allowed."
    ),
    "missing_media": gettext_noop("The content uses the file {path}, which is not in the package."),
    "unsafe_media_path": gettext_noop(
        "The content refers to a file with an unsafe name at {field}."
    ),
    "external_media": gettext_noop(
        "The content uses media from another website ({url}). Only files inside the package "
        "are allowed."
    ),
    "missing_library_json": gettext_noop(
        "The folder {path} is not a valid library: it has no library.json file."
    ),
    "invalid_library_json": gettext_noop("The library description {path} is not valid: {detail}."),
    "invalid_semantics": gettext_noop(
        "The content type definition (semantics.json) of {library} is not valid: {detail}."
    ),
    "version_mismatch": gettext_noop(
        "The library folder {path} does not match its library.json: it should be named {expected}."
    ),
    "missing_preloaded_file": gettext_noop(
        "The library {library} needs the file {path}, which is missing from the package."
    ),
    "missing_dependency": gettext_noop(
        "{required_by} needs the library {library}, which is neither in the package nor "
        "installed on this site."
    ),
    "package_rejected": gettext_noop("The H5P checker refused the package: {detail}."),
    "too_many_problems": gettext_noop(
        "The package has more than {limit} problems. Only the first {limit} are listed."
    ),
    "unexpected_error": gettext_noop(
        "The package could not be checked ({detail}), so it was refused as a precaution."
    ),
}


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

    def message(self, translate: Callable[[str], str] | None = None) -> str:
        """Render the message: plain English, or through ``translate`` (gettext)."""
        template = MESSAGES.get(self.code, self.code)
        if translate is not None:
            template = translate(template)
        return template.format_map(_Params(self.params, path=self.path))


@dataclass
class ValidationReport:
    """The outcome of :func:`validate_package`."""

    ok: bool
    problems: list[Problem] = field(default_factory=list)
    title: str | None = None
    main_library: str | None = None  # e.g. "H5P.MultiChoice 1.16"
    libraries: list[LibraryVersion] = field(default_factory=list)  # bundled, well formed
    missing_libraries: list[LibraryKey] = field(default_factory=list)
    new_libraries: list[LibraryVersion] = field(default_factory=list)  # bundled, not installed
    content_json: dict[str, Any] | None = None  # only when ok
    semantics_checked: bool = False  # False when the main library's semantics was unknown

    @property
    def codes(self) -> set[str]:
        return {problem.code for problem in self.problems}


def validate_package(
    data: Source,
    *,
    installed_libraries: Collection[LibraryKey] = frozenset(),
    limits: PolicyLimits | None = None,
    installed_semantics: InstalledSemantics | None = None,
) -> ValidationReport:
    """Check an ``.h5p`` package against pyh5p and this project's policy.

    ``data`` is the package as bytes, a filesystem path or a binary file object (read at
    most ``max_package_bytes + 1`` bytes). ``installed_libraries`` holds the
    (machine_name, major, minor) keys of libraries already installed on the site (a
    mapping works: only its keys are used). ``installed_semantics`` gives the parsed
    ``semantics.json`` (list, or JSON text) of an installed library, as a mapping keyed
    like ``installed_libraries`` or a callable ``(machine_name, major, minor)``; it returns
    ``None`` when unknown. It lets content that relies on an installed library be checked.

    Every input yields a report; only an unreadable path raises ``OSError``.
    """
    limits = limits or PolicyLimits()
    run = _Run(limits, installed_libraries, installed_semantics)
    payload = _read_source(data, limits.max_package_bytes)
    if len(payload) > limits.max_package_bytes:
        run.add("too_large", size=len(payload), limit=limits.max_package_bytes)
        return run.finish()
    try:
        run.validate(payload)
    except Exception as exc:  # hostile input must never escape as an exception
        run.add("unexpected_error", detail=type(exc).__name__)
    return run.finish()


# --- Reading ----------------------------------------------------------------------------


def _read_source(source: Source, limit: int) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            return handle.read(limit + 1)
    chunk = source.read(limit + 1)
    return bytes(chunk)


_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # PKZIP local file header, 30 bytes
_LOCAL_SIGNATURE = b"PK\x03\x04"
_CHUNK = 1024 * 1024


class _EntryError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _read_member(data: bytes, info: zipfile.ZipInfo, keep: bool) -> tuple[int, bytes | None]:
    """Decompress one member from the raw archive, trusting none of its headers.

    Returns the offset where its data ends and, when ``keep``, its bytes. Raises
    :class:`_EntryError` for lying headers and damaged data. Never inflates more than the
    declared size plus one byte.
    """
    offset = info.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        raise _EntryError("corrupt_entry")
    signature, _, flags, method, _, _, _, csize, usize, name_len, extra_len = (
        _LOCAL_HEADER.unpack_from(data, offset)
    )
    if signature != _LOCAL_SIGNATURE:
        raise _EntryError("corrupt_entry")
    start = offset + _LOCAL_HEADER.size
    local_name = data[start : start + name_len].decode(
        "utf-8" if flags & 0x800 else "cp437", errors="replace"
    )
    if local_name != info.orig_filename:
        raise _EntryError("lying_header", field="name")
    if method != info.compress_type:
        raise _EntryError("lying_header", field="compression method")
    if (flags ^ info.flag_bits) & (0x1 | 0x20 | 0x40):
        raise _EntryError("lying_header", field="encryption flag")
    sizes_in_local_header = not flags & 0x8 and 0xFFFFFFFF not in (csize, usize)
    if sizes_in_local_header and (csize, usize) != (info.compress_size, info.file_size):
        raise _EntryError("lying_header", field="size")
    start += name_len + extra_len
    end = start + info.compress_size
    if end > len(data):
        raise _EntryError("corrupt_entry")
    raw = data[start:end]
    if method == zipfile.ZIP_STORED:
        if len(raw) != info.file_size:
            raise _EntryError("lying_header", field="size")
        crc, payload = zlib.crc32(raw), raw
    else:
        crc, payload = _inflate(raw, info.file_size, keep)
    if crc != info.CRC:
        raise _EntryError("corrupt_entry")
    return end, payload if keep else None


def _inflate(raw: bytes, declared: int, keep: bool) -> tuple[int, bytes | None]:
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    size = crc = 0
    chunks: list[bytes] = []
    pending = raw
    try:
        while True:
            # max_length is always >= 1 here (0 would mean "unlimited").
            out = decompressor.decompress(pending, min(_CHUNK, declared + 1 - size))
            size += len(out)
            if size > declared:
                raise _EntryError("lying_header", field="size")
            crc = zlib.crc32(out, crc)
            if keep:
                chunks.append(out)
            pending = decompressor.unconsumed_tail
            if decompressor.eof or (not pending and not out):
                break
    except zlib.error as exc:
        raise _EntryError("corrupt_entry") from exc
    if not decompressor.eof:
        raise _EntryError("corrupt_entry")
    if size != declared:
        raise _EntryError("lying_header", field="size")
    return crc, b"".join(chunks) if keep else None


# --- Entry names ------------------------------------------------------------------------

_SEGMENT = r"[A-Za-z0-9 _.()+,@~-]+"
_SAFE_NAME = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*/?")
_DRIVE = re.compile(r"[A-Za-z]:")


def _escapes(name: str) -> bool:
    """True when any spelling of ``name`` is absolute or climbs out of the package.

    Checks the raw name, backslashes read as separators, URL-decoded forms (up to three
    rounds) and Unicode-compatibility forms (fullwidth dots and slashes, the two-dot
    leader...). Empty and "." segments count too: they are path tricks, never needed.
    """
    variants = {name}
    decoded = name
    for _ in range(3):
        decoded = urllib.parse.unquote(decoded)
        variants.add(decoded)
    variants |= {unicodedata.normalize("NFKC", variant) for variant in variants}
    for variant in variants:
        variant = variant.replace("\\", "/")
        if variant.startswith("/") or _DRIVE.match(variant):
            return True
        parts = variant.split("/")
        if variant.endswith("/"):
            parts = parts[:-1]
        if any(part in {"", ".", ".."} for part in parts):
            return True
    return False


def _name_problems(
    name: str, is_dir: bool, limits: PolicyLimits
) -> list[tuple[str, dict[str, Any]]]:
    if _escapes(name):
        return [("path_traversal", {})]
    found: list[tuple[str, dict[str, Any]]] = []
    if len(name) > limits.max_path_length:
        found.append(("path_too_long", {"length": len(name), "limit": limits.max_path_length}))
    if not _SAFE_NAME.fullmatch(name):
        found.append(("unsafe_characters", {}))
    parts = name.rstrip("/").split("/")
    if any(part.startswith(".") for part in parts):
        found.append(("dotfile", {}))
        return found
    if is_dir:
        return found
    base = parts[-1]
    extension = base.rpartition(".")[2].lower() if "." in base else ""
    if not extension:
        found.append(("no_extension", {}))
    elif len(parts) == 1:
        if name != "h5p.json":
            found.append(("unexpected_file", {}))
    elif parts[0].casefold() == "content":
        if extension in SCRIPT_EXTENSIONS:
            found.append(("script_in_content", {}))
        elif extension not in CONTENT_EXTENSIONS:
            found.append(("extension_not_allowed", {"extension": extension}))
    elif extension not in LIBRARY_EXTENSIONS:
        found.append(("extension_not_allowed", {"extension": extension}))
    return found


def _entry_problems(
    info: zipfile.ZipInfo, seen: set[str], limits: PolicyLimits
) -> list[tuple[str, dict[str, Any]]]:
    name = info.orig_filename  # zipfile cuts .filename at a NUL byte; the original keeps it
    found = _name_problems(name, info.is_dir(), limits)
    key = name.casefold()  # "Content/x" and "content/x" collide on many file systems
    if key in seen:
        found.append(("duplicate_entry", {}))
    seen.add(key)
    # Unix file type bits, whatever system the archive claims to come from (as pyh5p does).
    mode = stat.S_IFMT(info.external_attr >> 16)
    if mode == stat.S_IFLNK:
        found.append(("symlink", {}))
    elif mode not in (0, stat.S_IFREG, stat.S_IFDIR):
        found.append(("special_file", {}))
    if info.flag_bits & (0x1 | 0x40 | 0x2000):  # encrypted, strongly encrypted, masked
        found.append(("encrypted_entry", {}))
    if info.flag_bits & 0x20 or info.compress_type not in _METHODS:  # 0x20: patch data
        found.append(("unsupported_compression", {"method": info.compress_type}))
    if not info.is_dir():
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            found.append(
                ("zip_bomb", {"ratio": round(ratio), "limit": round(limits.max_compression_ratio)})
            )
    return found


# --- Content scanning -------------------------------------------------------------------

_SVG_CHECKS = (
    ("script", re.compile(r"<\s*(?:[a-z0-9_-]+:)?script\b")),
    ("foreignObject", re.compile(r"<\s*(?:[a-z0-9_-]+:)?foreignobject\b")),
    ("embedded frame", re.compile(r"<\s*(?:[a-z0-9_-]+:)?(?:iframe|frame|embed|object|applet)\b")),
    ("event handler", re.compile(r"<[^>]*[\s\"'/]on[a-z]+\s*=")),
    ("event handler", re.compile(r"attributename\s*=\s*[\"']?\s*on[a-z]")),
    ("entity declaration", re.compile(r"<!\s*entity")),
)
_ACTIVE_TAG = re.compile(
    r"<\s*/?\s*(script|iframe|frame|frameset|object|embed|applet|meta|base|link|style|form"
    r"|template|svg|math)\b",
    re.IGNORECASE,
)
_EVENT_ATTRIBUTE = re.compile(r"<[^>]*?[\s/\"'](on[a-z]+)\s*=", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SCRIPT_URL = re.compile(r"(?:java|vb|live)script:|data:text/html")
_CONTROL = re.compile(r"[\x00-\x20]+")


def _has_script_url(text: str) -> bool:
    """Browsers decode entities and drop tabs/newlines before reading a URL scheme."""
    return bool(_SCRIPT_URL.search(_CONTROL.sub("", html.unescape(text)).lower()))


def _decode_text(payload: bytes) -> str:
    if payload.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in payload[:4]:
        return payload.decode("utf-16", errors="replace")
    return payload.decode("utf-8", errors="replace")


def svg_problems(payload: bytes) -> list[str]:
    """Reasons why an SVG file is active content (empty when it is a plain image)."""
    text = _decode_text(payload).lower()
    reasons = [reason for reason, pattern in _SVG_CHECKS if pattern.search(text)]
    if _has_script_url(text):
        reasons.append("javascript: link")
    return sorted(set(reasons))


def html_problems(text: str) -> list[str]:
    """Reasons why a text value would run code if a player inserted it as HTML.

    h5p-standalone does not filter parameters the way H5P's PHP core does on save, so
    every string in content.json is checked whatever its semantics say.
    """
    reasons = []
    if "<" in text:
        if _ACTIVE_TAG.search(text):
            reasons.append("script or embedded element")
        if _EVENT_ATTRIBUTE.search(text):
            reasons.append("event handler")
        if any(_has_script_url(tag) for tag in _TAG.findall(text)):
            reasons.append("javascript: link")
    if _SCRIPT_URL.match(_CONTROL.sub("", html.unescape(text)).lower()):
        reasons.append("javascript: link")
    return sorted(set(reasons))


def _strings(value: Any, root: str) -> Iterator[tuple[str, str]]:
    """(json path, string) for every string value, walking iteratively."""
    stack = [(value, root)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, Mapping):
            stack.extend((child, f"{where}.{key}") for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, Mapping):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return deepest


def _media_refs(content: Mapping[str, Any]) -> dict[str, str]:
    """Media paths in content.json keyed like pyh5p's issue paths ("$.content.x.path")."""
    refs: dict[str, str] = {}
    stack: list[tuple[Any, str]] = [(content, "$.content")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, Mapping):
            for key, child in item.items():
                if key == "path" and isinstance(child, str):
                    refs[f"{where}.path"] = child
                elif key != "path":
                    stack.append((child, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))
    return refs


def _reject_constant(value: str) -> Any:
    raise ValueError(f"{value} is not valid JSON")  # NaN/Infinity break JSON.parse


def _parse_json(payload: bytes) -> Any:
    return json.loads(payload.decode("utf-8"), parse_constant=_reject_constant)


# A regexp in a package's semantics.json is run by pyh5p with Python's re and no timeout:
# a nested quantifier such as (a+)+ can take exponential time. Heuristic guard.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")

_MAX_LIBRARY_NESTING = 16
_MAX_JSON_DEPTH = 64
_LIBRARY_VALUE_KEYS = frozenset({"library", "params", "subContentId", "metadata"})
_REQUIRED_LIBRARY_FIELDS = ("title", "machineName", "majorVersion", "minorVersion", "patchVersion")
_MACHINE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")


def _pattern_problem(raw: Any) -> str | None:
    for where, text in _strings(raw, "$"):
        if where.endswith((".regexp", ".regexp.pattern")) and _NESTED_QUANTIFIER.search(text):
            return f"the regular expression {text!r} is too complex"
    return None


# --- pyh5p errors -----------------------------------------------------------------------

_PYH5P_ERRORS = (
    ("unsafe archive member path", "path_traversal"),
    ("symbolic links", "symlink"),
    ("extension is not allowed", "extension_not_allowed"),
    ("compression ratio", "zip_bomb"),
    ("duplicate member", "duplicate_entry"),
    ("exceeds size limit", "too_large_unpacked"),
    ("total expanded size", "too_large_unpacked"),
    ("members", "too_many_files"),
    ("invalid H5P ZIP archive", "corrupt_entry"),
    ("missing root h5p.json", "missing_h5p_json"),
    ("content/content.json", "invalid_content_json"),
    ("h5p.json", "invalid_h5p_json"),
    ("invalid library definition in ", "invalid_library_json"),
)
_QUOTED = re.compile(r"""(['"])(.*)\1""")


def problem_from_pyh5p_error(exc: Exception) -> Problem:
    """Translate an exception raised by pyh5p into a :class:`Problem`."""
    text = str(exc)
    for needle, code in _PYH5P_ERRORS:
        if needle in text:
            quoted = _QUOTED.search(text)
            path = quoted.group(2) if quoted else ""
            if code == "invalid_library_json":
                path = text.split(needle, 1)[1] + "/library.json"
            return Problem(code, path, {"detail": text})
    return Problem("package_rejected", "", {"detail": text or type(exc).__name__})


# --- The run ----------------------------------------------------------------------------


@dataclass
class _Library:
    id: pyh5p.LibraryId
    folder: str
    metadata: dict[str, Any]
    semantics: pyh5p.Semantics | None


class _Run:
    def __init__(
        self,
        limits: PolicyLimits,
        installed: Collection[LibraryKey],
        installed_semantics: InstalledSemantics | None,
    ) -> None:
        self.limits = limits
        self.installed = installed
        self.installed_semantics = installed_semantics
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, str, str]] = set()
        self._truncated = False
        self.entry_names: set[str] = set()  # every file entry, accepted or not
        self.accepted: dict[str, bytes | None] = {}  # clean files; bytes kept for json/svg
        self.bad_json: set[str] = set()
        self.bad_folders: set[str] = set()
        self.h5p: dict[str, Any] | None = None
        self.content: dict[str, Any] | None = None
        self.library_metadata: dict[str, dict[str, Any]] = {}
        self.library_semantics: dict[str, pyh5p.Semantics] = {}
        self.bundled: dict[LibraryKey, _Library] = {}
        self.missing: set[LibraryKey] = set()
        self.main_key: LibraryKey | None = None
        self.semantics_checked = False
        self.pyh5p_limits = pyh5p.PackageLimits(
            max_files=limits.max_files,
            max_file_size=limits.max_uncompressed_bytes,
            max_total_size=limits.max_uncompressed_bytes,
            max_compression_ratio=float(limits.max_compression_ratio),
            allowed_extensions=LIBRARY_EXTENSIONS,
        )

    # -- bookkeeping

    def add(self, code: str, path: str = "", **params: Any) -> None:
        key = (code, path, repr(sorted(params.items())))
        if key in self._seen:
            return
        self._seen.add(key)
        if len(self.problems) >= self.limits.max_problems:
            if not self._truncated:
                self._truncated = True
                self.problems.append(
                    Problem("too_many_problems", "", {"limit": self.limits.max_problems})
                )
            return
        self.problems.append(Problem(code, path, params))

    def has(self, code: str) -> bool:
        return any(problem.code == code for problem in self.problems)

    def finish(self) -> ValidationReport:
        ok = not self.problems
        h5p = self.h5p or {}
        title = h5p.get("title")
        main_library = None
        if self.main_key is not None:
            name, major, minor = self.main_key
            main_library = f"{name} {major}.{minor}"
        return ValidationReport(
            ok=ok,
            problems=self.problems,
            title=title if isinstance(title, str) else None,
            main_library=main_library,
            libraries=sorted(_version(library.id) for library in self.bundled.values()),
            missing_libraries=sorted(self.missing),
            new_libraries=sorted(
                _version(library.id)
                for key, library in self.bundled.items()
                if key not in self.installed
            ),
            content_json=self.content if ok else None,
            semantics_checked=self.semantics_checked,
        )

    # -- phases

    def validate(self, data: bytes) -> None:
        if not self.scan_archive(data):
            return
        archive_clean = not self.problems
        self.read_json_files()
        if archive_clean:
            self.pyh5p_archive_gate(data)
        self.check_libraries()
        self.pyh5p_structure()
        self.check_dependencies()
        self.check_content()

    def scan_archive(self, data: bytes) -> bool:
        """Per-entry checks on the raw archive. False when contents cannot be read."""
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        except Exception:
            self.add("not_a_zip")
            return False
        limits = self.limits
        readable = True
        if len(infos) > limits.max_files:
            self.add("too_many_files", count=len(infos), limit=limits.max_files)
            readable = False
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_uncompressed_bytes:
            self.add("too_large_unpacked", size=declared, limit=limits.max_uncompressed_bytes)
            readable = False
        seen: set[str] = set()
        spans: list[tuple[int, int, str]] = []
        for info in infos:
            name = info.orig_filename
            if not info.is_dir():
                self.entry_names.add(name)
            found = _entry_problems(info, seen, limits)
            for code, params in found:
                self.add(code, name, **params)
            if found or info.is_dir() or not readable:
                continue
            extension = name.rpartition(".")[2].lower()
            try:
                end, payload = _read_member(data, info, keep=extension in {"json", "svg"})
            except _EntryError as error:
                self.add(error.code, name, **error.params)
                continue
            spans.append((info.header_offset, end, name))
            if extension == "svg" and payload is not None:
                for reason in svg_problems(payload):
                    self.add("svg_script", name, reason=reason)
                    found.append(("svg_script", {}))
            if not found:
                self.accepted[name] = payload
        furthest = 0  # entries whose data overlaps: one compressed stream, many names
        for start, end, name in sorted(spans):
            if start < furthest:
                self.add("overlapping_entries", name)
                self.accepted.pop(name, None)
            furthest = max(furthest, end)
        return readable

    def read_json_files(self) -> None:
        if "h5p.json" not in self.entry_names:
            self.add("missing_h5p_json")
        parsed = self._load_json("h5p.json", "invalid_h5p_json")
        if parsed is not None:
            self.h5p = parsed
        if "content/content.json" not in self.entry_names:
            self.add("missing_content_json", "content/content.json")
        parsed = self._load_json("content/content.json", "invalid_content_json")
        if parsed is not None:
            self.content = parsed
        for name in sorted(self.accepted):
            folder, _, rest = name.partition("/")
            if folder.casefold() == "content" or rest not in {"library.json", "semantics.json"}:
                continue
            if rest == "library.json":
                metadata = self._load_json(name, "invalid_library_json")
                if metadata is not None:
                    self._check_library_fields(name, metadata)
            else:
                self._load_semantics(name, folder)

    def _load_json(self, name: str, code: str) -> dict[str, Any] | None:
        payload = self.accepted.get(name)
        if payload is None:
            return None
        detail = None
        try:
            value = _parse_json(payload)
        except (ValueError, RecursionError):
            detail = "it is not valid JSON"
        else:
            if not isinstance(value, dict):
                detail = "it must contain a JSON object"
            elif _depth(value) > _MAX_JSON_DEPTH:
                detail = "it is nested too deeply"
        if detail is not None:
            self.add(code, name, detail=detail)
            self.bad_json.add(name)
            return None
        return value

    def _check_library_fields(self, name: str, metadata: dict[str, Any]) -> None:
        problems = [
            f"the field {key} is missing" for key in _REQUIRED_LIBRARY_FIELDS if key not in metadata
        ]
        for key in _REQUIRED_LIBRARY_FIELDS[2:]:
            value = metadata.get(key)
            if key in metadata and (not isinstance(value, int) or isinstance(value, bool)):
                problems.append(f"the field {key} must be a whole number")
        machine_name = metadata.get("machineName")
        if "machineName" in metadata and (
            not isinstance(machine_name, str) or not _MACHINE_NAME.fullmatch(machine_name)
        ):
            problems.append("the field machineName is not a valid library name")
        for bucket in ("preloadedJs", "preloadedCss"):
            files = metadata.get(bucket, [])
            if not isinstance(files, list) or any(
                not isinstance(item, Mapping) or not isinstance(item.get("path"), str)
                for item in files
            ):
                problems.append(f"the field {bucket} must be a list of {{path}} objects")
        for bucket in _DEPENDENCY_BUCKETS:
            dependencies = metadata.get(bucket, [])
            if not isinstance(dependencies, list) or any(
                _dependency_key(item) is None for item in dependencies
            ):
                problems.append(f"the field {bucket} must be a list of library versions")
        for detail in problems:
            self.add("invalid_library_json", name, detail=detail)
        if problems:
            self.bad_json.add(name)
        else:
            self.library_metadata[name.partition("/")[0]] = metadata

    def _load_semantics(self, name: str, folder: str) -> None:
        payload = self.accepted.get(name)
        if payload is None:
            return
        semantics = None
        try:
            raw = _parse_json(payload)
        except (ValueError, RecursionError):
            detail: str | None = "it is not valid JSON"
        else:
            detail = "it is nested too deeply" if _depth(raw) > _MAX_JSON_DEPTH else None
            if detail is None:
                try:
                    semantics = pyh5p.Semantics.from_json(raw)
                except (ValueError, TypeError, RecursionError) as exc:
                    detail = str(exc)
            detail = detail or _pattern_problem(raw)
        if detail is not None or semantics is None:
            self.add("invalid_semantics", name, library=folder, detail=detail or "?")
            self.bad_json.add(name)
            return
        self.library_semantics[folder] = semantics

    def pyh5p_archive_gate(self, data: bytes) -> None:
        """Defence in depth: let pyh5p read the original archive with strict limits.

        Only reached when this module's own scan found nothing; anything pyh5p still
        refuses is reported, unless the same kind of problem is already listed.
        """
        try:
            pyh5p.read_package(data, limits=self.pyh5p_limits)
        except Exception as exc:
            problem = problem_from_pyh5p_error(exc)
            if not self.has(problem.code):
                self.add(problem.code, problem.path, **problem.params)

    def pyh5p_structure(self) -> None:
        """pyh5p's package validation, run on the accepted entries only.

        pyh5p stops at the first archive problem, so it is given a clean in-memory copy of
        the package (accepted files; non-JSON files as empty placeholders) to collect its
        structural findings even when other files were refused.
        """
        if self.h5p is None:
            return
        files = {
            name: payload if name.endswith(".json") and payload is not None else b""
            for name, payload in self.accepted.items()
            if name not in self.bad_json
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for name, payload in files.items():
                archive.writestr(name, payload)
        try:
            package = pyh5p.read_package(buffer.getvalue(), limits=self.pyh5p_limits)
            issues = package.validate(require_content=True)
        except Exception as exc:
            problem = problem_from_pyh5p_error(exc)
            if not self.has(problem.code):
                self.add(problem.code, problem.path, **problem.params)
            return
        refs = _media_refs(self.content or {})
        for issue in issues:
            self._add_issue(issue, refs)

    def _add_issue(self, issue: ValidationIssue, refs: Mapping[str, str]) -> None:
        where = issue.path
        if where.startswith("$.h5p."):
            name = where.removeprefix("$.h5p.")
            if name == "mainLibrary" and issue.keyword == "dependency":
                return  # checked by check_dependencies, which knows installed libraries
            if issue.keyword == "required":
                detail = f"the field {name} is missing"
            elif issue.keyword == "type" and re.split(r"[.\[]", name)[0] not in (self.h5p or {}):
                return  # pyh5p also says a missing field has the wrong type
            elif issue.keyword == "type":
                detail = f"the field {name} has the wrong type ({issue.message})"
            else:
                detail = f"the field {name}: {issue.message}"
            self.add("invalid_h5p_json", "h5p.json", field=name, detail=detail)
        elif where.startswith("$.package."):
            name = where.removeprefix("$.package.")
            if name.partition("/")[0] not in self.bad_folders:
                self.add("unexpected_file", name)
        elif where == "$.content":
            return  # read_json_files reports a missing or broken content.json
        elif where.startswith("$.content"):
            field_name = "$" + where.removeprefix("$.content")
            reference = refs.get(where, "")
            if issue.keyword == "asset":
                self.add("missing_media", f"content/{reference}", field=field_name)
            elif re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", reference):
                self.add("external_media", "content/content.json", field=field_name, url=reference)
            else:
                self.add("unsafe_media_path", "content/content.json", field=field_name)
        else:
            self.add("package_rejected", detail=str(issue))

    def check_libraries(self) -> None:
        folders = sorted(
            {
                name.partition("/")[0]
                for name in self.accepted
                if "/" in name and name.partition("/")[0].casefold() != "content"
            }
        )
        for folder in folders:
            if f"{folder}/library.json" not in self.entry_names:
                self.add("missing_library_json", folder)
                self.bad_folders.add(folder)
                continue
            metadata = self.library_metadata.get(folder)
            if metadata is None:  # library.json refused or broken: already reported
                self.bad_folders.add(folder)
                continue
            library_id = pyh5p.LibraryId.parse(metadata)
            if folder != library_id.directory_name:
                self.add("version_mismatch", folder, expected=library_id.directory_name)
                self.bad_folders.add(folder)
                continue
            label = f"{library_id.machine_name} {library_id.major}.{library_id.minor}"
            for bucket in ("preloadedJs", "preloadedCss"):
                for item in metadata.get(bucket, []):
                    path = f"{folder}/{item['path']}"
                    if _escapes(item["path"]):
                        self.add("path_traversal", path)
                    elif path not in self.entry_names:
                        self.add("missing_preloaded_file", path, library=label)
            if f"{folder}/semantics.json" in self.entry_names:
                semantics = self.library_semantics.get(folder)
            else:
                semantics = None
            key = (library_id.machine_name, library_id.major, library_id.minor)
            self.bundled[key] = _Library(library_id, folder, metadata, semantics)

    def check_dependencies(self) -> None:
        h5p = self.h5p or {}
        main = h5p.get("mainLibrary")
        declared = [
            key
            for item in _as_list(h5p.get("preloadedDependencies"))
            if (key := _dependency_key(item)) is not None
        ]
        if isinstance(main, str) and self.h5p is not None:
            match = [key for key in declared if key[0] == main]
            if match:
                self.main_key = match[0]
            else:
                self.add("main_library_not_declared", "h5p.json", library=main)
        if self.h5p is not None:
            for bucket in _DEPENDENCY_BUCKETS:
                for item in _as_list(h5p.get(bucket)):
                    key = _dependency_key(item)
                    if key is not None:
                        self._require(key, "h5p.json", "h5p.json")
        for library in self.bundled.values():
            label = f"{library.id.machine_name} {library.id.major}.{library.id.minor}"
            for bucket in _DEPENDENCY_BUCKETS:
                for item in library.metadata.get(bucket, []):
                    key = _dependency_key(item)
                    if key is not None:
                        self._require(key, f"{library.folder}/library.json", label)

    def _require(self, key: LibraryKey, path: str, required_by: str) -> bool:
        if key in self.bundled or key in self.installed:
            return True
        self.missing.add(key)
        name, major, minor = key
        self.add(
            "missing_dependency", path, library=f"{name} {major}.{minor}", required_by=required_by
        )
        return False

    def check_content(self) -> None:
        if self.h5p is not None:
            for where, text in _strings(self.h5p, "$"):
                for reason in html_problems(text):
                    self.add("unsafe_html", "h5p.json", field=where, reason=reason)
        if self.content is None:
            return
        for where, text in _strings(self.content, "$"):
            for reason in html_problems(text):
                self.add("unsafe_html", "content/content.json", field=where, reason=reason)
        if self.main_key is None:
            return
        semantics = self._semantics_for(self.main_key)
        if semantics is None:
            return
        self.semantics_checked = True
        self._check_params(semantics, self.content, "$", 0)

    def _semantics_for(self, key: LibraryKey) -> pyh5p.Semantics | None:
        library = self.bundled.get(key)
        if library is not None:
            return library.semantics
        if key not in self.installed or self.installed_semantics is None:
            return None
        source = self.installed_semantics
        raw = source(*key) if callable(source) else source.get(key)
        if raw is None:
            return None
        name, major, minor = key
        label = f"{name} {major}.{minor}"
        try:
            if isinstance(raw, str | bytes):
                raw = json.loads(raw)
            return pyh5p.Semantics.from_json(raw)
        except (ValueError, TypeError, RecursionError) as exc:
            self.add("invalid_semantics", library=label, detail=str(exc))
            return None

    def _check_params(
        self, semantics: pyh5p.Semantics, params: Mapping[str, Any], where: str, depth: int
    ) -> None:
        try:
            issues = semantics.validate(params, path=where)
        except Exception:  # pyh5p 0.1 raises TypeError on e.g. {"library": {...}}
            issues = [ValidationIssue(where, "the content could not be checked", "crash")]
        for issue in issues:
            if issue.message == "path must be relative and safe":
                continue  # reported by pyh5p_structure as unsafe_media_path/external_media
            self.add(
                "semantics_mismatch",
                "content/content.json",
                field=issue.path,
                detail=issue.message,
            )
        self._walk_group(semantics.fields, params, where, depth)

    def _walk_group(
        self, fields: tuple[pyh5p.SemanticField, ...], value: Any, where: str, depth: int
    ) -> None:
        if not isinstance(value, Mapping):
            return  # pyh5p reports the wrong type
        known = {semantic.name for semantic in fields}
        for key in value:
            if key not in known and key != "subContentId":
                self.add("unknown_field", "content/content.json", field=f"{where}.{key}")
        for semantic in fields:
            if semantic.name in value:
                self._walk_value(semantic, value[semantic.name], f"{where}.{semantic.name}", depth)

    def _walk_value(
        self, semantic: pyh5p.SemanticField, value: Any, where: str, depth: int
    ) -> None:
        if semantic.type == "group":
            self._walk_group(semantic.children, value, where, depth)
        elif semantic.type == "list" and isinstance(value, list) and semantic.item is not None:
            for index, item in enumerate(value):
                self._walk_value(semantic.item, item, f"{where}[{index}]", depth)
        elif semantic.type == "library" and isinstance(value, Mapping):
            self._walk_library(value, where, depth)

    def _walk_library(self, value: Mapping[str, Any], where: str, depth: int) -> None:
        for key in value:
            if key not in _LIBRARY_VALUE_KEYS:
                self.add("unknown_field", "content/content.json", field=f"{where}.{key}")
        selected, params = value.get("library"), value.get("params")
        if not isinstance(selected, str) or not isinstance(params, Mapping):
            return  # pyh5p reports the wrong shape
        library_id = pyh5p.LibraryId.parse(selected)
        key = (library_id.machine_name, library_id.major, library_id.minor)
        if not self._require(key, "content/content.json", "content/content.json"):
            return
        semantics = self._semantics_for(key)
        if semantics is not None and depth < _MAX_LIBRARY_NESTING:
            self._check_params(semantics, params, f"{where}.params", depth + 1)


def _version(library_id: pyh5p.LibraryId) -> LibraryVersion:
    return (library_id.machine_name, library_id.major, library_id.minor, library_id.patch)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dependency_key(item: Any) -> LibraryKey | None:
    if not isinstance(item, Mapping):
        return None
    name = item.get("machineName")
    major, minor = item.get("majorVersion"), item.get("minorVersion")
    if not isinstance(name, str) or not _MACHINE_NAME.fullmatch(name):
        return None
    if not all(isinstance(part, int) and not isinstance(part, bool) for part in (major, minor)):
        return None
    return (name, major, minor)
