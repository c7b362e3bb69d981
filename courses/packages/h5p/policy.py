"""Validation policy for uploaded ``.h5p`` packages.

Plain Python, no Django. :func:`validate_package` reads an archive in memory and returns a
:class:`ValidationReport` listing every problem found (it does not stop at the first one).
Nothing is written to disk.

Problems are not rendered for end users here. Each :class:`Problem` carries a stable
``code``, the ``path`` of the file concerned and ``params``; the Django layer translates
them. :data:`MESSAGES` holds the plain-English templates, keyed by code; a ``detail``
param is itself one of the templates in :data:`DETAILS`, translated the same way.

Two layers, in this order.

1. **H5P's own rules.** A package is checked the way H5P core's package validator checks it
   (h5p-php-library, ``H5PValidator::isValidPackage``), so that what H5P's own tools export
   (h5p.org, Lumi, Moodle) imports here and what they refuse is refused here:

   - the upload opens as a ZIP archive;
   - entries whose name, or a folder in it, starts with ``_`` are skipped (never checked
     further, never stored): ``__MACOSX/`` and the like. Files at the root other than
     ``h5p.json`` are ignored too (never stored), as H5P core ignores them;
   - ``h5p.json`` is JSON and follows H5P core's schema: ``title``, ``language``,
     ``mainLibrary``, ``embedTypes`` and ``preloadedDependencies`` required, the optional
     metadata (license, authors, changes...) in its allowed forms. Versions match
     ``[0-9]{1,5}``, so ``"majorVersion": "1"`` (a string, as many exports write it) is as
     good as ``1``;
   - ``content/content.json`` is JSON;
   - file types: H5P core's default allowlist (``h5p_allowed_extensions``) under
     ``content/``, plus ``js`` and ``css`` in libraries. Inert files libraries carry
     (``.otf``, ``.md``, ``.txt``, ``.diff``, ``.patch``, ``.woff2``, ``.swf``...) pass;
   - every other top-level folder is a library: its name matches ``[\\w.-]{1,255}`` and is
     ``Machine.Name`` or ``Machine.Name-major.minor`` after its ``library.json``, which is
     JSON and follows H5P core's library schema; ``coreApi`` is not newer than the H5P core
     this site's player implements (:data:`SUPPORTED_CORE_API`); every ``preloadedJs`` and
     ``preloadedCss`` file is present; ``semantics.json`` is JSON; ``language/*.json`` files
     have language-code names and are JSON;
   - every dependency (preloaded or dynamic, of ``h5p.json`` and of every library) is in the
     package or installed here.

   Where H5P core and the H5P Node.js library (Lumi) read a rule differently and the
   difference is harmless, the lenient reading wins (an empty ``authors`` list, a title
   counted in characters rather than bytes, multi-line ``licenseExtras``). Editor
   dependencies are not required: this platform has no H5P editor and never loads them.

2. **The project's stricter rules**, each kept because it protects something:

   - archive safety, checked on every entry: no path traversal in any spelling, no
     symbolic links or special files, no encryption or exotic compression, no duplicate
     names, no headers that lie about sizes, no overlapping entries; limits on the upload
     size, the unpacked size, the number of entries and the compression ratio (zip bombs);
   - file names limited to ASCII letters, digits and ``space _ . ( ) + , @ ~ - !`` (they
     become storage names and URLs; H5P's own tools name files within that set);
   - hidden files and folders (``.htaccess``...) are refused, not skipped, except the
     junk operating systems add (``.DS_Store``, ``._*``, ``Thumbs.db``, ``desktop.ini``),
     which is skipped like ``__MACOSX/``;
   - server-side scripts and pages (``.php``, ``.html``...) are refused anywhere, even
     where H5P core would merely ignore them; XML is refused too: the files are served
     from this site's origin and a browser runs script inside XHTML-in-XML;
   - JavaScript and CSS under ``content/`` are refused with their own reason (H5P core
     refuses them as not allowed; library code is trusted and only arrives in libraries);
   - every SVG (content or library) is scanned and refused when active (script,
     ``foreignObject``, event handlers, ``javascript:`` links);
   - a library's name and version must fit the database's columns (127 characters,
     versions up to 32767), or storing it would fail.

**Content.** H5P core does not refuse ``content.json`` for not matching the semantics of
its content type: unknown fields and nameless list fields pass, and core filters the
parameters against the semantics when it saves and displays them. pyh5p's semantics
validation is far stricter than that (it refuses real exports, and its semantics parser
rejects official libraries whose list fields have no name), so uploads no longer use it
(``check_semantics=False``, the Django layer's choice). What still protects, and is
checked for every upload: ``content.json`` is a JSON object nested at most 512 levels
(H5P core's ``json_decode`` limit); every string in ``content.json`` and ``h5p.json`` is
free of active HTML (scripts, embedded frames, event handlers, ``javascript:`` links),
because h5p-standalone does not filter parameters the way H5P core's PHP does; every media
reference (a ``path``) is either an ``http(s)`` URL (H5P plays YouTube and remote videos)
or a safe relative name of a file present under ``content/``.

**External media.** A media reference to another host (``https://youtu.be/...``, a video on
``h5p.org``) is refused unless its host is among ``allowed_media_hosts`` (the hosts a
platform admin allowed, exactly: ``h5p.org`` does not allow ``www.h5p.org``), with one
problem naming every host not allowed. A video service's address also needs the host its
H5P player loads from (:data:`VIDEO_SERVICES`: a YouTube address, ``youtu.be`` included,
plays through ``www.youtube.com``). The player's frame may load only from the allowed hosts
too, so the upload's refusal explains beforehand what the frame's policy would block.
Links (``metadata.source``, a link's ``url``) are not media: they are not loaded.

``check_semantics=True`` (the default, for packages this project builds itself with
:mod:`courses.packages.h5p.build`) also checks ``content.json`` against the main library's
``semantics.json`` with pyh5p, refusing mismatches and unknown fields.

pyh5p is still used for its archive reader, as a defence-in-depth gate run on the original
bytes once this module's own scan found nothing wrong.
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

SUPPORTED_CORE_API: tuple[int, int] = (1, 27)
"""The H5P core API version the player implements (h5p-standalone 3.8 bundles H5P core's
1.27 scripts and theme). A library whose ``coreApi`` asks for more is refused, as H5P core
refuses it. The Django layer may lower or raise it (setting ``LMS_H5P_CORE_API``)."""


@dataclass(frozen=True)
class PolicyLimits:
    """Limits applied to one uploaded package."""

    max_package_bytes: int = 50 * MiB  # size of the uploaded .h5p file itself
    max_files: int = 10_000  # archive entries, folder entries included (an export with
    # every library of Course Presentation holds about 1,700; pyh5p's own limit is 10,000)
    max_uncompressed_bytes: int = 200 * MiB  # sum of the unpacked sizes
    max_compression_ratio: float = 100.0  # per file; pyh5p's own default is 200
    max_path_length: int = 255  # characters in one archive entry name
    max_problems: int = 200  # the report stops listing after this many


# --- File types -------------------------------------------------------------------------
# H5P core's default allowlist for content files (``h5p_allowed_extensions``), as this
# project reads it, plus the 3D model types the H5P Node.js library adds and three media
# types every browser plays that H5P core happens not to list (webp, ogv, oga).
H5P_CONTENT_EXTENSIONS = frozenset(
    {
        *("json", "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "svg", "webp"),
        *("eot", "ttf", "woff", "woff2", "otf"),  # fonts
        *("webm", "mp4", "ogg", "ogv", "oga", "mp3", "m4a", "wav", "vtt", "webvtt"),  # media
        *("txt", "pdf", "rtf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods"),
        *("odp", "xml", "csv", "diff", "patch", "swf", "md", "textile", "gltf", "glb"),
    }
)
H5P_LIBRARY_EXTRA_EXTENSIONS = frozenset({"js", "css"})

PAGE_EXTENSIONS = frozenset({"xml", "xsl", "xslt", "xhtml", "xht", "html", "htm", "shtml"})
# Files a browser renders as a document that can run script. This site serves package
# files from its own origin, so none of them may arrive, whatever H5P core allows (xml).
SERVER_SCRIPT_EXTENSIONS = frozenset(
    {
        *("php", "php3", "php4", "php5", "php7", "php8", "pht", "phtml", "phar", "phps"),
        *("asp", "aspx", "ascx", "ashx", "asmx", "jsp", "jspx", "cfm", "cgi", "pl", "py"),
        *("rb", "sh", "bash", "exe", "dll", "bat", "cmd", "ps1", "vbs", "wsf", "hta"),
        *("htaccess", "shtm", "mht", "mhtml", "svgz"),
    }
)
FORBIDDEN_EXTENSIONS = PAGE_EXTENSIONS | SERVER_SCRIPT_EXTENSIONS
"""Refused anywhere in a package, even where H5P core would only ignore the file."""

CONTENT_EXTENSIONS = H5P_CONTENT_EXTENSIONS - FORBIDDEN_EXTENSIONS
LIBRARY_EXTENSIONS = CONTENT_EXTENSIONS | H5P_LIBRARY_EXTRA_EXTENSIONS
SCRIPT_EXTENSIONS = frozenset({"js", "mjs", "cjs", "css"})
# Under content/ these are reported as ``script_in_content``, not as an ordinary
# disallowed extension, so the author learns why. Library JavaScript is trusted code (it
# runs with the page's origin), so it may only arrive inside a library, and a library that
# is not yet installed needs a user with the library-install permission.

JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Files operating systems drop into folders; skipped like ``__MACOSX/``."""

# Editor dependencies (``editorDependencies``) are not required: this platform plays
# packages with h5p-standalone and has no H5P editor, so editor libraries are never loaded.
_DEPENDENCY_BUCKETS = ("preloadedDependencies", "dynamicDependencies")


# --- Messages ---------------------------------------------------------------------------
def gettext_noop(message: str) -> str:
    """Marks a message for translation catalogues without importing Django; the Django
    layer translates it when it shows the problem (see ``courses.packages.h5p.services``)."""
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
    "external_media_not_allowed": gettext_noop(
        "The content loads media from {hosts}, which this site does not allow. A platform "
        "administrator can allow a host under Settings › External media hosts; then upload "
        "the package again."
    ),
    "unsafe_media_path": gettext_noop(
        "The content refers to a file with an unsafe name at {field}."
    ),
    "invalid_library_folder": gettext_noop(
        "The folder {path} cannot be a library: library folders are named after the "
        "library, as Machine.Name-major.minor, with letters, digits, dots, dashes and "
        "underscores only."
    ),
    "missing_library_json": gettext_noop(
        "The folder {path} is not a valid library: it has no library.json file."
    ),
    "invalid_library_json": gettext_noop("The library description {path} is not valid: {detail}."),
    "invalid_semantics": gettext_noop(
        "The content type definition (semantics.json) of {library} is not valid: {detail}."
    ),
    "invalid_language_file": gettext_noop(
        "The language file {path} of the library {library} is not valid: {detail}."
    ),
    "version_mismatch": gettext_noop(
        "The library folder {path} does not match its library.json: it should be named {expected}."
    ),
    "duplicate_library": gettext_noop(
        "The package contains the library {library} twice (the second copy is in {path})."
    ),
    "core_api_unsupported": gettext_noop(
        "The library {library} needs version {required} of the H5P core, which is newer than "
        "the version this site's player provides ({current})."
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

# Details: the ``detail`` param of some problems; translated like the messages above.
NOT_JSON = gettext_noop("it is not valid JSON")
NOT_OBJECT = gettext_noop("it must contain a JSON object")
TOO_DEEP = gettext_noop("it is nested too deeply")
FIELD_MISSING = gettext_noop("the required field {field} is missing")
FIELD_INVALID = gettext_noop("the field {field} has a value that is not allowed")
TOO_LARGE_TO_STORE = gettext_noop("the field {field} is too large for this site to store")
NOT_A_LANGUAGE = gettext_noop("its name is not a language code followed by .json")
REGEXP_TOO_COMPLEX = gettext_noop("the regular expression {pattern} is too complex")
DETAILS = frozenset(
    {
        NOT_JSON,
        NOT_OBJECT,
        TOO_DEEP,
        FIELD_MISSING,
        FIELD_INVALID,
        TOO_LARGE_TO_STORE,
        NOT_A_LANGUAGE,
        REGEXP_TOO_COMPLEX,
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

    @property
    def template(self) -> str:
        """The untranslated message template (a msgid of the translation catalogue)."""
        return MESSAGES.get(self.code, self.code)

    def message(self, translate: Callable[[str], str] | None = None) -> str:
        """Render the message: plain English, or through ``translate`` (gettext)."""
        template = self.template
        params = _Params(self.params, path=self.path)
        detail = params.get("detail")
        if isinstance(detail, str) and detail in DETAILS:
            detail_template = translate(detail) if translate is not None else detail
            params["detail"] = detail_template.format_map(params)
        if translate is not None:
            template = translate(template)
        return template.format_map(params)


@dataclass
class ValidationReport:
    """The outcome of :func:`validate_package`."""

    ok: bool
    problems: list[Problem] = field(default_factory=list)
    title: str | None = None
    main_library: str | None = None  # e.g. "H5P.MultiChoice 1.16"
    main_key: LibraryKey | None = None  # e.g. ("H5P.MultiChoice", 1, 16)
    libraries: list[LibraryVersion] = field(default_factory=list)  # bundled, well formed
    missing_libraries: list[LibraryKey] = field(default_factory=list)
    new_libraries: list[LibraryVersion] = field(default_factory=list)  # bundled, not installed
    library_folders: dict[str, LibraryVersion] = field(default_factory=dict)  # folder: library
    files: list[str] = field(default_factory=list)  # entries to store (skipped ones left out)
    content_json: dict[str, Any] | None = None  # only when ok
    semantics_checked: bool = False  # False when semantics were not checked or unknown
    media_hosts: list[str] = field(default_factory=list)  # hosts of remote media, allowed or not

    @property
    def codes(self) -> set[str]:
        return {problem.code for problem in self.problems}


def validate_package(
    data: Source,
    *,
    installed_libraries: Collection[LibraryKey] = frozenset(),
    limits: PolicyLimits | None = None,
    installed_semantics: InstalledSemantics | None = None,
    check_semantics: bool = True,
    core_api: tuple[int, int] = SUPPORTED_CORE_API,
    allowed_media_hosts: Collection[str] = frozenset(),
) -> ValidationReport:
    """Check an ``.h5p`` package against H5P's rules and this project's policy.

    ``data`` is the package as bytes, a filesystem path or a binary file object (read at
    most ``max_package_bytes + 1`` bytes). ``installed_libraries`` holds the
    (machine_name, major, minor) keys of libraries already installed on the site (a
    mapping works: only its keys are used).

    ``check_semantics`` also checks ``content.json`` against the main library's
    ``semantics.json`` with pyh5p (see the module docstring): keep it for packages this
    project builds; uploads pass ``False``, as H5P core does not refuse content over its
    semantics. ``installed_semantics`` then gives the parsed ``semantics.json`` (list, or
    JSON text) of an installed library, as a mapping keyed like ``installed_libraries`` or
    a callable ``(machine_name, major, minor)``; it returns ``None`` when unknown.
    ``core_api`` is the (major, minor) H5P core API version the player implements.
    ``allowed_media_hosts`` are the host names content may load media from (none by
    default: see "External media" in the module's docstring).

    Every input yields a report; only an unreadable path raises ``OSError``.
    """
    limits = limits or PolicyLimits()
    run = _Run(limits, installed_libraries, installed_semantics, check_semantics, core_api)
    run.allowed_media_hosts = frozenset(host.lower() for host in allowed_media_hosts)
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

_SEGMENT = r"[A-Za-z0-9 _.()+,@~!-]+"
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


# How H5P treats an archive entry, from its name alone.
JUNK = "junk"  # operating-system litter: skipped silently
SKIPPED = "skipped"  # a name or folder starting with "_": skipped, as H5P core does
HIDDEN = "hidden"  # a name or folder starting with ".": refused (project rule)
IGNORED = "ignored"  # a file at the root other than h5p.json: never stored
H5P_JSON = "h5p.json"
CONTENT = "content"
LIBRARY = "library"


def entry_kind(name: str) -> str:
    """What a package entry is, by name: one of the constants above."""
    parts = name.rstrip("/").split("/")
    if parts[0] == "__MACOSX" or parts[-1] in JUNK_NAMES or parts[-1].startswith("._"):
        return JUNK
    if any(part.startswith(".") for part in parts):
        return HIDDEN
    if any(part.startswith("_") for part in parts):
        return SKIPPED
    if len(parts) == 1:
        return H5P_JSON if name == "h5p.json" else IGNORED
    if parts[0].casefold() == "content":  # "Content/x.js" is checked as content too
        return CONTENT
    return LIBRARY


def _extension(name: str) -> str:
    base = name.rstrip("/").rpartition("/")[2]
    return base.rpartition(".")[2].lower() if "." in base.lstrip(".") else ""


def _name_problems(
    name: str, kind: str, is_dir: bool, limits: PolicyLimits
) -> list[tuple[str, dict[str, Any]]]:
    if _escapes(name):
        return [("path_traversal", {})]
    extension = _extension(name)
    if kind in (JUNK, SKIPPED, IGNORED):
        # Never stored: only what is dangerous anywhere is refused.
        if kind != JUNK and not is_dir and extension in FORBIDDEN_EXTENSIONS:
            return [("extension_not_allowed", {"extension": extension})]
        return []
    found: list[tuple[str, dict[str, Any]]] = []
    if len(name) > limits.max_path_length:
        found.append(("path_too_long", {"length": len(name), "limit": limits.max_path_length}))
    if not _SAFE_NAME.fullmatch(name):
        found.append(("unsafe_characters", {}))
    if kind == HIDDEN:
        found.append(("dotfile", {}))
        return found
    if is_dir or kind == H5P_JSON:
        return found
    if not extension:
        found.append(("no_extension", {}))
    elif kind == CONTENT:
        if extension in SCRIPT_EXTENSIONS:
            found.append(("script_in_content", {}))
        elif extension not in CONTENT_EXTENSIONS:
            found.append(("extension_not_allowed", {"extension": extension}))
    elif extension not in LIBRARY_EXTENSIONS:
        found.append(("extension_not_allowed", {"extension": extension}))
    return found


def _entry_problems(
    info: zipfile.ZipInfo, kind: str, seen: set[str], limits: PolicyLimits
) -> list[tuple[str, dict[str, Any]]]:
    name = info.orig_filename  # zipfile cuts .filename at a NUL byte; the original keeps it
    found = _name_problems(name, kind, info.is_dir(), limits)
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
    if kind in (JUNK, SKIPPED, IGNORED):
        return found  # never read, so how it is stored does not matter
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


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_SINGLE_BYTE_ENCODINGS = re.compile(r"(iso-?8859-\d+|windows-125\d|cp125\d|latin-?1)$")


def _svg_text(payload: bytes) -> str | None:
    """The SVG's text as a browser reads it, or None when it is in an encoding the check
    could misread (UTF-16 or UTF-32, with or without a byte-order mark; anything that is
    not UTF-8 or an ASCII-compatible single-byte encoding it declares). Browsers follow
    the XML encoding rules, so such a file could hide a script from a UTF-8 reading."""
    body = payload[3:] if payload.startswith(b"\xef\xbb\xbf") else payload
    declared = _XML_ENCODING.match(body)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding in ("utf-8", "utf8", "us-ascii", "ascii"):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    elif _SINGLE_BYTE_ENCODINGS.match(encoding):
        text = body.decode("latin-1")
    else:
        return None
    return None if "\x00" in text else text


def svg_problems(payload: bytes) -> list[str]:
    """Reasons why an SVG file is active content (empty when it is a plain image)."""
    decoded = _svg_text(payload)
    if decoded is None:
        return ["text that is not UTF-8"]
    text = decoded.lower()
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


def _reject_constant(value: str) -> Any:
    raise ValueError(f"{value} is not valid JSON")  # NaN/Infinity break JSON.parse


def _parse_json(payload: bytes) -> Any:
    return json.loads(payload.decode("utf-8"), parse_constant=_reject_constant)


# --- H5P's schemas of h5p.json and library.json -----------------------------------------
# Written from H5P core's rules (h5p-php-library ``H5PValidator``: ``h5pRequired``,
# ``h5pOptional``, ``libraryRequired``, ``libraryOptional``), read together with the
# H5P Node.js library's JSON schemas. A rule is one of:
# - a compiled pattern: the value is a string or a whole number whose text matches it
#   entirely (so a version may be written 1 or "1");
# - a tuple of allowed strings: the value is a list of some of them;
# - a dict of rules, all required: the value is that object, or a list of such objects.

_ASCII = re.ASCII | re.IGNORECASE


def _pattern(expression: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(expression, flags)


_LINE_255 = _pattern(r".{1,255}")
_LINE = _pattern(r".+")
_TEXT_5000 = _pattern(r".{1,5000}", re.DOTALL)  # multi-line: allowed by the Node.js library
_VERSION = _pattern(r"[0-9]{1,5}", re.ASCII)
_ZERO_OR_ONE = _pattern(r"0|1")
_SIZE = _pattern(r"[0-9]{1,4}", re.ASCII)
_YEAR = _pattern(r"[0-9]{1,4}", re.ASCII)
_MACHINE_NAME = _pattern(r"[\w.-]{1,255}", _ASCII)
_EMBED_TYPES = ("iframe", "div")
_DEPENDENCY: dict[str, Any] = {
    "machineName": _MACHINE_NAME,
    "majorVersion": _VERSION,
    "minorVersion": _VERSION,
}
# H5P core's pattern for preloadedJs/preloadedCss paths, rewritten without its nested
# quantifier (the same strings match, in linear time): name characters in segments,
# separated by "/" or "\\", optionally starting with one.
_PRELOADED_SEGMENT = r"[a-z_\-\s0-9.]+"
_PRELOADED = rf"[\\/]?{_PRELOADED_SEGMENT}(?:[\\/]{_PRELOADED_SEGMENT})*"

H5P_JSON_REQUIRED: dict[str, Any] = {
    "title": _LINE_255,
    "language": _pattern(r"[-a-zA-Z]{1,10}", re.ASCII),
    "preloadedDependencies": _DEPENDENCY,
    "mainLibrary": _pattern(r"[$a-z_][0-9a-z_.$]{1,254}", _ASCII),
    "embedTypes": _EMBED_TYPES,
}
H5P_JSON_OPTIONAL: dict[str, Any] = {
    "contentType": _LINE_255,
    "dynamicDependencies": _DEPENDENCY,
    "author": _LINE_255,
    "authors": {"name": _LINE_255, "role": _pattern(r"\w+")},
    "source": _pattern(r"https?://.+", re.DOTALL),
    "license": _pattern(
        r"CC BY|CC BY-SA|CC BY-ND|CC BY-NC|CC BY-NC-SA|CC BY-NC-ND|CC0 1\.0|GNU GPL|PD"
        r"|ODC PDDL|CC PDM|U|C"
    ),
    "licenseVersion": _pattern(r"1\.0|2\.0|2\.5|3\.0|4\.0"),
    "licenseExtras": _TEXT_5000,
    "yearsFrom": _YEAR,
    "yearsTo": _YEAR,
    "changes": {
        "date": _pattern(r"[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{1,2}:[0-9]{2}:[0-9]{2}", re.ASCII),
        "author": _LINE_255,
        "log": _TEXT_5000,
    },
    "authorComments": _TEXT_5000,
    "w": _SIZE,
    "h": _SIZE,
    "metaKeywords": _LINE,
    "metaDescription": _LINE,
}
LIBRARY_JSON_REQUIRED: dict[str, Any] = {
    "title": _LINE_255,
    "majorVersion": _VERSION,
    "minorVersion": _VERSION,
    "patchVersion": _VERSION,
    "machineName": _MACHINE_NAME,
    "runnable": _ZERO_OR_ONE,
}
LIBRARY_JSON_OPTIONAL: dict[str, Any] = {
    "author": _LINE_255,
    "license": _pattern(
        r"cc-by|cc-by-sa|cc-by-nd|cc-by-nc|cc-by-nc-sa|cc-by-nc-nd|pd|cr|MIT|GPL1|GPL2|GPL3"
        r"|MPL|MPL2"
    ),
    "description": _LINE,
    "metadataSettings": {"disable": _ZERO_OR_ONE, "disableExtraTitleField": _ZERO_OR_ONE},
    "dynamicDependencies": _DEPENDENCY,
    "preloadedDependencies": _DEPENDENCY,
    "editorDependencies": _DEPENDENCY,
    "preloadedJs": {"path": _pattern(rf"{_PRELOADED}\.js", _ASCII)},
    "preloadedCss": {"path": _pattern(rf"{_PRELOADED}\.css", _ASCII)},
    "dropLibraryCss": {"machineName": _MACHINE_NAME},
    "w": _SIZE,
    "h": _SIZE,
    "embedTypes": _EMBED_TYPES,
    "fullscreen": _ZERO_OR_ONE,
    "coreApi": {"majorVersion": _VERSION, "minorVersion": _VERSION},
}
_OPTIONAL_NESTED = frozenset({"metadataSettings"})  # its own fields are optional too
_MAX_STORED_VERSION = 32767  # H5PLibrary's version columns are small integers
_MAX_STORED_NAME = 127  # and its machine_name column holds 127 characters
_LANGUAGE_FILE = re.compile(r"-?[a-z]+(?:-[a-z]+){0,6}\.json", _ASCII)
# H5P core's language file pattern, rewritten without its nested quantifier.


def schema_problems(
    document: Mapping[str, Any], required: Mapping[str, Any], optional: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(detail template, field) for every way ``document`` breaks the schema."""
    found: list[tuple[str, str]] = []
    for key, rule in required.items():
        if document.get(key) is None:
            found.append((FIELD_MISSING, key))
        else:
            found.extend(_rule_problems(document[key], rule, key, optional_fields=False))
    for key, rule in optional.items():
        if key in document and document[key] is not None:
            found.extend(
                _rule_problems(document[key], rule, key, optional_fields=key in _OPTIONAL_NESTED)
            )
    return found


def _rule_problems(
    value: Any, rule: Any, where: str, optional_fields: bool
) -> list[tuple[str, str]]:
    if isinstance(rule, re.Pattern):
        text = _scalar_text(value)
        return [] if text is not None and rule.fullmatch(text) else [(FIELD_INVALID, where)]
    if isinstance(rule, tuple):
        if not isinstance(value, list) or any(item not in rule for item in value):
            return [(FIELD_INVALID, where)]
        return []
    items = value if isinstance(value, list) else [value]
    found: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        at = f"{where}[{index}]" if isinstance(value, list) else where
        if not isinstance(item, Mapping):
            found.append((FIELD_INVALID, at))
            continue
        for key, sub_rule in rule.items():
            if item.get(key) is None:
                if not optional_fields:
                    found.append((FIELD_MISSING, f"{at}.{key}"))
            else:
                found.extend(_rule_problems(item[key], sub_rule, f"{at}.{key}", False))
    return found


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) else None


def as_version(value: Any) -> int | None:
    """A version number written as H5P allows it (1 or "1"), or None."""
    text = _scalar_text(value)
    return int(text) if text is not None and _VERSION.fullmatch(text) else None


def dependency_key(item: Any) -> LibraryKey | None:
    """(machine_name, major, minor) of a dependency object, or None when malformed."""
    if not isinstance(item, Mapping):
        return None
    name = _scalar_text(item.get("machineName"))
    major, minor = as_version(item.get("majorVersion")), as_version(item.get("minorVersion"))
    if name is None or not _MACHINE_NAME.fullmatch(name):
        return None
    if major is None or minor is None:
        return None
    return (name, major, minor)


# A regexp in a package's semantics.json is run by pyh5p with Python's re and no timeout
# when ``check_semantics`` is on: a nested quantifier such as (a+)+ can take exponential
# time. Heuristic guard. (Uploads never run these regexps, so they do not need it.)
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")

_MAX_LIBRARY_NESTING = 16
_MAX_JSON_DEPTH = 512  # PHP's json_decode refuses deeper documents, so H5P core does too
_LIBRARY_VALUE_KEYS = frozenset({"library", "params", "subContentId", "metadata"})
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_REMOTE_MEDIA = re.compile(r"https?://[^\s]+", re.IGNORECASE)

VIDEO_SERVICES: tuple[tuple[frozenset[str], str], ...] = (
    # H5P.Video's YouTube handler plays youtu.be and youtube.com addresses through YouTube's
    # IFrame Player API: a script and a frame from www.youtube.com.
    (frozenset({"youtu.be", "youtube.com", "www.youtube.com", "m.youtube.com"}), "www.youtube.com"),
)
PLAYER_SCRIPT_HOSTS = frozenset(player for _names, player in VIDEO_SERVICES)
"""Hosts whose player script runs in the frame once allowed (the frame's script-src)."""


def media_hosts_needed(hosts: Collection[str]) -> set[str]:
    """The hosts content naming ``hosts`` loads from: those, and the hosts of the players
    of the video services among them."""
    needed = set(hosts)
    for names, player in VIDEO_SERVICES:
        if needed & names:
            needed.add(player)
    return needed


def content_media_hosts(content: Any) -> set[str]:
    """Every host ``content.json`` loads media from (see :func:`media_hosts_needed`)."""
    hosts = set()
    for _where, reference in _media_refs(content):
        if _URL_SCHEME.match(reference) and _REMOTE_MEDIA.fullmatch(reference):
            host = _remote_host(reference)
            if host:
                hosts.add(host)
    return media_hosts_needed(hosts)


def _remote_host(url: str) -> str | None:
    """The host name of an http(s) media URL, lower case; None when it has none."""
    try:
        host = urllib.parse.urlsplit(url.strip()).hostname
    except ValueError:  # a malformed IPv6 literal, say
        return None
    return host.rstrip(".") if host else None


def _pattern_problem(raw: Any) -> str | None:
    for where, text in _strings(raw, "$"):
        if where.endswith((".regexp", ".regexp.pattern")) and _NESTED_QUANTIFIER.search(text):
            return text
    return None


def _media_refs(content: Any) -> Iterator[tuple[str, str]]:
    """(json path, value) of every ``path`` string: how H5P stores files and media URLs."""
    stack: list[tuple[Any, str]] = [(content, "$")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, Mapping):
            for key, child in item.items():
                if key == "path" and isinstance(child, str):
                    yield f"{where}.path", child
                elif key != "path":
                    stack.append((child, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))


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
    version: LibraryVersion
    folder: str
    metadata: dict[str, Any]
    semantics: pyh5p.Semantics | None  # parsed only when semantics are checked

    @property
    def label(self) -> str:
        name, major, minor, _patch = self.version
        return f"{name} {major}.{minor}"


_STORED_KINDS = (H5P_JSON, CONTENT, LIBRARY)


class _Run:
    def __init__(
        self,
        limits: PolicyLimits,
        installed: Collection[LibraryKey],
        installed_semantics: InstalledSemantics | None,
        check_semantics: bool,
        core_api: tuple[int, int],
    ) -> None:
        self.limits = limits
        self.installed = installed
        self.installed_semantics = installed_semantics
        self.check_semantics = check_semantics
        self.core_api = core_api
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, str, str]] = set()
        self._truncated = False
        self.entry_names: set[str] = set()  # every file entry, of any kind
        self.stored: list[str] = []  # file entries H5P keeps: h5p.json, content/, libraries
        self.stored_names: set[str] = set()
        self.ignored_extensions: set[str] = set()  # of entries skipped or ignored
        self.accepted: dict[str, bytes | None] = {}  # clean files; bytes kept for json/svg
        self.bad_json: set[str] = set()
        self.h5p: dict[str, Any] | None = None
        self.content: dict[str, Any] | None = None
        self.library_metadata: dict[str, dict[str, Any]] = {}
        self.library_semantics: dict[str, pyh5p.Semantics] = {}
        self.bundled: dict[LibraryKey, _Library] = {}
        self.missing: set[LibraryKey] = set()
        self.main_key: LibraryKey | None = None
        self.semantics_checked = False
        self.allowed_media_hosts: frozenset[str] = frozenset()
        self.media_hosts: set[str] = set()

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
        title = _scalar_text(h5p.get("title"))
        main_library = None
        if self.main_key is not None:
            name, major, minor = self.main_key
            main_library = f"{name} {major}.{minor}"
        return ValidationReport(
            ok=ok,
            problems=self.problems,
            title=title,
            main_library=main_library,
            main_key=self.main_key,
            libraries=sorted(library.version for library in self.bundled.values()),
            missing_libraries=sorted(self.missing),
            new_libraries=sorted(
                library.version
                for key, library in self.bundled.items()
                if key not in self.installed
            ),
            library_folders={library.folder: library.version for library in self.bundled.values()},
            files=list(self.stored),
            content_json=self.content if ok else None,
            semantics_checked=self.semantics_checked,
            media_hosts=sorted(self.media_hosts),
        )

    # -- phases

    def validate(self, data: bytes) -> None:
        if not self.scan_archive(data):
            return
        archive_clean = not self.problems
        self.read_json_files()
        self.check_h5p_json()
        self.check_libraries()
        if archive_clean:
            self.pyh5p_archive_gate(data)
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
            kind = entry_kind(name)
            found = _entry_problems(info, kind, seen, limits)
            for code, params in found:
                self.add(code, name, **params)
            if info.is_dir():
                continue
            self.entry_names.add(name)
            if kind not in _STORED_KINDS:
                self.ignored_extensions.add(_extension(name))
                continue
            self.stored.append(name)
            self.stored_names.add(name)
            if found or not readable:
                continue
            extension = _extension(name)
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
        self.h5p = self._load_json("h5p.json", "invalid_h5p_json")
        if "content/content.json" not in self.entry_names:
            self.add("missing_content_json", "content/content.json")
        self.content = self._load_json("content/content.json", "invalid_content_json")
        for name in self.stored:
            if entry_kind(name) != LIBRARY:
                continue
            folder, _, rest = name.partition("/")
            if rest == "library.json":
                metadata = self._load_json(name, "invalid_library_json")
                if metadata is not None:
                    self._check_library_fields(name, folder, metadata)
            elif rest == "semantics.json":
                self._load_semantics(name, folder)
            elif rest.startswith("language/"):
                self._check_language_file(name, folder, rest.removeprefix("language/"))

    def _parse(self, name: str) -> tuple[Any, str | None]:
        """(value, None) or (None, detail) for an accepted JSON file."""
        payload = self.accepted.get(name)
        if payload is None:
            return None, ""  # refused or unreadable: already reported
        try:
            value = _parse_json(payload)
        except (ValueError, RecursionError):
            return None, NOT_JSON
        if _depth(value) > _MAX_JSON_DEPTH:
            return None, TOO_DEEP
        return value, None

    def _load_json(self, name: str, code: str) -> dict[str, Any] | None:
        value, detail = self._parse(name)
        if detail is None and not isinstance(value, dict):
            detail = NOT_OBJECT
        if detail:
            self.add(code, name, detail=detail)
        if detail is not None:
            self.bad_json.add(name)
            return None
        return value

    def _check_library_fields(self, name: str, folder: str, metadata: dict[str, Any]) -> None:
        found = schema_problems(metadata, LIBRARY_JSON_REQUIRED, LIBRARY_JSON_OPTIONAL)
        for key in ("majorVersion", "minorVersion", "patchVersion"):
            version = as_version(metadata.get(key))
            if version is not None and version > _MAX_STORED_VERSION:
                found.append((TOO_LARGE_TO_STORE, key))
        if len(str(metadata.get("machineName", ""))) > _MAX_STORED_NAME:
            found.append((TOO_LARGE_TO_STORE, "machineName"))
        for detail, where in found:
            self.add("invalid_library_json", name, detail=detail, field=where)
        if found:
            self.bad_json.add(name)
        else:
            self.library_metadata[folder] = metadata

    def _load_semantics(self, name: str, folder: str) -> None:
        raw, detail = self._parse(name)
        params: dict[str, Any] = {}
        if detail is None and self.check_semantics:
            pattern = _pattern_problem(raw)
            if pattern is not None:
                detail, params = REGEXP_TOO_COMPLEX, {"pattern": repr(pattern)}
            else:
                try:
                    self.library_semantics[folder] = pyh5p.Semantics.from_json(raw)
                except (ValueError, TypeError, RecursionError) as exc:
                    detail = str(exc) or type(exc).__name__
        if detail:
            self.add("invalid_semantics", name, library=folder, detail=detail, **params)
        if detail is not None:
            self.bad_json.add(name)

    def _check_language_file(self, name: str, folder: str, file: str) -> None:
        first, _, deeper = file.partition("/")
        if deeper or not _LANGUAGE_FILE.fullmatch(first):
            path = f"{folder}/language/{first}"
            self.add("invalid_language_file", path, library=folder, detail=NOT_A_LANGUAGE)
            return
        _value, detail = self._parse(name)
        if detail:
            self.add("invalid_language_file", name, library=folder, detail=detail)

    def check_h5p_json(self) -> None:
        if self.h5p is None:
            return
        for detail, where in schema_problems(self.h5p, H5P_JSON_REQUIRED, H5P_JSON_OPTIONAL):
            self.add("invalid_h5p_json", "h5p.json", detail=detail, field=where)
        self._check_core_api(self.h5p, "h5p.json", "h5p.json")

    def _check_core_api(self, document: Mapping[str, Any], path: str, label: str) -> None:
        api = document.get("coreApi")
        if not isinstance(api, Mapping):
            return  # none means 1.0; a malformed one is a schema problem
        required = (as_version(api.get("majorVersion")), as_version(api.get("minorVersion")))
        if required[0] is None or required[1] is None:
            return
        if required > self.core_api:
            self.add(
                "core_api_unsupported",
                path,
                library=label,
                required="{}.{}".format(*required),
                current="{}.{}".format(*self.core_api),
            )

    def pyh5p_archive_gate(self, data: bytes) -> None:
        """Defence in depth: let pyh5p read the original archive with strict limits.

        Only reached when this module's own scan of the archive found nothing; anything
        pyh5p still refuses is reported, unless the same kind of problem is already listed.
        File types are this module's business (see ``_name_problems``), so pyh5p is told to
        allow every type present that this module let through or skips.
        """
        limits = pyh5p.PackageLimits(
            max_files=self.limits.max_files,
            max_file_size=self.limits.max_uncompressed_bytes,
            max_total_size=self.limits.max_uncompressed_bytes,
            max_compression_ratio=float(self.limits.max_compression_ratio),
            allowed_extensions=LIBRARY_EXTENSIONS | frozenset(self.ignored_extensions),
        )
        try:
            pyh5p.read_package(data, limits=limits)
        except Exception as exc:
            problem = problem_from_pyh5p_error(exc)
            if problem.path in self.entry_names and problem.path not in self.stored_names:
                return  # e.g. a .DS_Store that compresses 300:1: skipped, never read here
            if not self.has(problem.code):
                self.add(problem.code, problem.path, **problem.params)

    def check_libraries(self) -> None:
        folders = sorted(
            {
                name.partition("/")[0]
                for name in self.stored
                if "/" in name and name.partition("/")[0] != "content"
            }
        )
        for folder in folders:
            if not _MACHINE_NAME.fullmatch(folder):
                self.add("invalid_library_folder", folder)
                continue
            if f"{folder}/library.json" not in self.stored_names:
                self.add("missing_library_json", folder)
                continue
            metadata = self.library_metadata.get(folder)
            if metadata is None:  # library.json refused or broken: already reported
                continue
            name = str(metadata["machineName"])
            major, minor, patch = (
                int(_scalar_text(metadata[key]) or 0)
                for key in ("majorVersion", "minorVersion", "patchVersion")
            )
            expected = f"{name}-{major}.{minor}"
            if folder not in (name, expected):
                self.add("version_mismatch", folder, expected=expected)
                continue
            library = _Library(
                (name, major, minor, patch),
                folder,
                metadata,
                self.library_semantics.get(folder),
            )
            if (name, major, minor) in self.bundled:
                self.add("duplicate_library", folder, library=library.label)
                continue
            self._check_core_api(metadata, f"{folder}/library.json", library.label)
            for bucket in ("preloadedJs", "preloadedCss"):
                for item in _as_list(metadata.get(bucket)):
                    relative = item["path"].replace("\\", "/")
                    path = f"{folder}/{relative}"
                    if _escapes(relative):
                        self.add("path_traversal", path)
                    elif path not in self.stored_names:
                        self.add("missing_preloaded_file", path, library=library.label)
            self.bundled[(name, major, minor)] = library

    def check_dependencies(self) -> None:
        h5p = self.h5p or {}
        main = h5p.get("mainLibrary")
        declared = [
            key
            for item in _as_list(h5p.get("preloadedDependencies"))
            if (key := dependency_key(item)) is not None
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
                    key = dependency_key(item)
                    if key is not None:
                        self._require(key, "h5p.json", "h5p.json")
        for library in self.bundled.values():
            for bucket in _DEPENDENCY_BUCKETS:
                for item in _as_list(library.metadata.get(bucket)):
                    key = dependency_key(item)
                    if key is not None:
                        self._require(key, f"{library.folder}/library.json", library.label)

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
        for where, reference in _media_refs(self.content):
            self._check_media(where, reference)
        self.media_hosts = media_hosts_needed(self.media_hosts)
        refused = sorted(self.media_hosts - self.allowed_media_hosts)
        if refused:
            self.add("external_media_not_allowed", "content/content.json", hosts=", ".join(refused))
        if not self.check_semantics or self.main_key is None:
            return
        semantics = self._semantics_for(self.main_key)
        if semantics is None:
            return
        self.semantics_checked = True
        self._check_params(semantics, self.content, "$", 0)

    def _check_media(self, where: str, reference: str) -> None:
        """A ``path`` in content.json: a remote http(s) URL or a file under content/."""
        if _URL_SCHEME.match(reference):
            host = _remote_host(reference)
            if not _REMOTE_MEDIA.fullmatch(reference) or host is None:  # javascript:, data:...
                self.add("unsafe_media_path", "content/content.json", field=where)
            else:
                self.media_hosts.add(host)
            return
        relative = reference.removesuffix("#tmp")  # H5P's mark for a file not yet saved
        if not relative:
            return  # an emptied file field refers to nothing
        if _escapes(relative):
            self.add("unsafe_media_path", "content/content.json", field=where)
        elif _extension(relative) and f"content/{relative}" not in self.stored_names:
            # A value without a file extension is not a file H5P stored (every file H5P
            # saves has one): some other "path" field of a content type.
            self.add("missing_media", f"content/{relative}", field=where)

    # -- semantics (only with check_semantics)

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
                continue  # reported by _check_media as unsafe_media_path
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


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
