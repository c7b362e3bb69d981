"""Builders of small ``.h5p`` archives, valid and hostile, in memory, for tests.

:func:`build_valid_package` makes a minimal package that brings its own content type
library (``CustomsLms.KnowledgeCheck`` 1.0). Every other builder starts from it and changes
one thing. Nothing here touches the disk; every builder returns the archive as bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import stat
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

LIBRARY = "CustomsLms.KnowledgeCheck"
LIBRARY_DIR = f"{LIBRARY}-1.0"
TITLE = "Declaring goods at the border"

SEMANTICS: list[dict[str, Any]] = [
    {"name": "question", "type": "text", "label": "Question", "maxLength": 500},
    {"name": "image", "type": "image", "label": "Image", "optional": True},
    {
        "name": "answers",
        "type": "list",
        "label": "Answers",
        "min": 2,
        "max": 6,
        "field": {
            "name": "answer",
            "type": "group",
            "label": "Answer",
            "fields": [
                {"name": "text", "type": "text", "label": "Text", "maxLength": 200},
                {"name": "correct", "type": "boolean", "label": "Correct", "default": False},
            ],
        },
    },
    {
        "name": "feedback",
        "type": "text",
        "label": "Feedback",
        "widget": "html",
        "tags": ["p", "strong", "em", "a"],
        "optional": True,
    },
]

CONTENT: dict[str, Any] = {
    "question": "Which document states the value of imported goods?",
    "image": {"path": "images/customs-seal.png", "mime": "image/png"},
    "answers": [
        {"text": "The commercial invoice", "correct": True},
        {"text": "The boarding pass", "correct": False},
    ],
    "feedback": "<p>The <strong>commercial invoice</strong> states the value.</p>",
}

H5P_JSON: dict[str, Any] = {
    "title": TITLE,
    "language": "en",
    "mainLibrary": LIBRARY,
    "embedTypes": ["div"],
    "license": "U",
    "preloadedDependencies": [{"machineName": LIBRARY, "majorVersion": 1, "minorVersion": 0}],
}

LIBRARY_JSON: dict[str, Any] = {
    "title": "Knowledge check",
    "machineName": LIBRARY,
    "majorVersion": 1,
    "minorVersion": 0,
    "patchVersion": 2,
    "runnable": 1,
    "coreApi": {"majorVersion": 1, "minorVersion": 24},
    "embedTypes": ["div"],
    "preloadedJs": [{"path": "knowledge-check.js"}],
    "preloadedCss": [{"path": "knowledge-check.css"}],
}

LIBRARY_JS = b"""H5P.KnowledgeCheck = (function (EventDispatcher) {
  function KnowledgeCheck(params) {
    EventDispatcher.call(this);
    this.params = params;
  }
  KnowledgeCheck.prototype = Object.create(EventDispatcher.prototype);
  KnowledgeCheck.prototype.constructor = KnowledgeCheck;
  KnowledgeCheck.prototype.attach = function ($container) {
    $container.addClass("h5p-knowledge-check").text(this.params.question);
  };
  return KnowledgeCheck;
})(H5P.EventDispatcher);
"""
LIBRARY_CSS = b".h5p-knowledge-check { font-size: 1.125rem; }\n"

SVG_PLAIN = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'
SVG_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
SVG_ONLOAD = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
SVG_JAVASCRIPT_HREF = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    b'<a xlink:href="&#106;ava&#x09;script:alert(1)"><text>Click</text></a></svg>'
)
SVG_FOREIGN_OBJECT = (
    b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject>'
    b'<iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example"/>'
    b"</foreignObject></svg>"
)


def as_json(value: Any) -> bytes:
    return json.dumps(value, indent=1).encode("utf-8")


def tiny_png() -> bytes:
    """A real 1x1 transparent PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">2I5B", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def noise(size: int) -> bytes:
    """Deterministic bytes that do not compress."""
    blocks = (hashlib.sha256(index.to_bytes(8, "big")).digest() for index in range(size // 32 + 1))
    return b"".join(blocks)[:size]


def valid_files() -> dict[str, bytes]:
    """The file map of the valid package; builders copy and change it."""
    return {
        "h5p.json": as_json(H5P_JSON),
        "content/content.json": as_json(CONTENT),
        "content/images/customs-seal.png": tiny_png(),
        f"{LIBRARY_DIR}/library.json": as_json(LIBRARY_JSON),
        f"{LIBRARY_DIR}/semantics.json": as_json(SEMANTICS),
        f"{LIBRARY_DIR}/knowledge-check.js": LIBRARY_JS,
        f"{LIBRARY_DIR}/knowledge-check.css": LIBRARY_CSS,
    }


def zip_files(
    entries: Mapping[str, bytes] | Iterable[tuple[str | zipfile.ZipInfo, bytes]],
) -> bytes:
    """Write entries (name or ZipInfo, payload) into a deflated ZIP archive."""
    items = entries.items() if isinstance(entries, Mapping) else entries
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, payload in items:
                archive.writestr(name, payload)
    return buffer.getvalue()


def build_valid_package() -> bytes:
    return zip_files(valid_files())


# --- One change to the valid package ----------------------------------------------------


def with_file(name: str | zipfile.ZipInfo, payload: bytes = b"{}") -> bytes:
    """The valid package plus one more entry."""
    return zip_files([*valid_files().items(), (name, payload)])


def without_file(name: str) -> bytes:
    files = valid_files()
    del files[name]
    return zip_files(files)


def with_json(name: str, change: Callable[[Any], Any]) -> bytes:
    """The valid package with one JSON file changed; ``change`` edits or returns a value."""
    files = valid_files()
    value = json.loads(files[name])
    result = change(value)
    files[name] = as_json(value if result is None else result)
    return zip_files(files)


def with_raw(name: str, payload: bytes) -> bytes:
    files = valid_files()
    files[name] = payload
    return zip_files(files)


def renamed_library_folder(folder: str = f"{LIBRARY}-1.1") -> bytes:
    files = valid_files()
    return zip_files(
        {name.replace(LIBRARY_DIR, folder, 1): payload for name, payload in files.items()}
    )


def library_twice() -> bytes:
    """The library in its versioned folder and again in a folder named after it only
    (both names are valid in H5P, so the same library arrives twice)."""
    files = valid_files()
    again = {
        name.replace(LIBRARY_DIR, LIBRARY, 1): payload
        for name, payload in files.items()
        if name.startswith(LIBRARY_DIR)
    }
    return zip_files({**files, **again})


def content_only() -> bytes:
    """The content without its library: valid only where the library is installed."""
    files = valid_files()
    return zip_files(
        {name: data for name, data in files.items() if not name.startswith(LIBRARY_DIR)}
    )


def with_dependency(machine_name: str, major: int, minor: int) -> bytes:
    """h5p.json also needs another library, which is not bundled."""
    dependency = {"machineName": machine_name, "majorVersion": major, "minorVersion": minor}
    return with_json("h5p.json", lambda meta: meta["preloadedDependencies"].append(dependency))


def many_files(count: int = 10_001) -> bytes:
    extra = {f"content/extra/{index}.json": b"{}" for index in range(count)}
    return zip_files({**valid_files(), **extra})


def duplicate_h5p_json() -> bytes:
    return zip_files([*valid_files().items(), ("h5p.json", as_json({**H5P_JSON, "title": "x"}))])


# --- Raw archive tricks -----------------------------------------------------------------


def symlink(name: str = "content/images/link.png", target: bytes = b"/etc/passwd") -> bytes:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return with_file(info, target)


def zip_bomb_zeros(size: int = 10 * 1024 * 1024) -> bytes:
    """Ten MiB of zeros: about 10 KiB on disk, a ratio near 1000:1."""
    return with_file("content/images/zeros.png", bytes(size))


def zip_bomb(ratio: float = 120.0, size: int = 1024 * 1024) -> bytes:
    """Zeros mixed with noise, tuned to compress about ``ratio``:1.

    The default sits just over this project's limit (100) and under pyh5p's (200).
    """
    noisy = 1
    for _ in range(30):
        payload = noise(noisy) + bytes(size - noisy)
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
        actual = size / len(compressor.compress(payload) + compressor.flush())
        if abs(actual - ratio) / ratio < 0.05:
            break
        noisy = max(1, int(noisy * actual / ratio))
    return with_file("content/images/zeros.png", payload)


def _central_entry(data: bytes, name: str) -> int:
    """Offset of ``name``'s central directory record."""
    position = zipfile.ZipFile(io.BytesIO(data)).start_dir
    while data[position : position + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<3H", data, position + 28)
        if data[position + 46 : position + 46 + name_len] == name.encode():
            return position
        position += 46 + name_len + extra_len + comment_len
    raise KeyError(name)


def lying_header(name: str = "content/images/photo.jpg") -> bytes:
    """Both headers claim 100 bytes; the data inflates to 4096."""
    data = bytearray(with_file(name, noise(4096)))
    central = _central_entry(bytes(data), name)
    local = struct.unpack_from("<L", data, central + 42)[0]
    struct.pack_into("<L", data, central + 24, 100)  # uncompressed size, central directory
    struct.pack_into("<L", data, local + 22, 100)  # uncompressed size, local header
    return bytes(data)


def overlapping_entries() -> bytes:
    """A second central directory record points inside the first entry's data."""
    inner_name = "content/images/inner.png"
    inner = zip_files({inner_name: tiny_png()})
    inner_local = inner[: zipfile.ZipFile(io.BytesIO(inner)).start_dir]
    outer = zipfile.ZipInfo("content/images/outer.png")  # stored: its data is inner_local
    data = bytearray(
        zip_files([*valid_files().items(), (outer, inner_local), (inner_name, tiny_png())])
    )
    outer_local = struct.unpack_from("<L", data, _central_entry(bytes(data), outer.filename) + 42)[
        0
    ]
    outer_data = outer_local + 30 + len(outer.filename)
    struct.pack_into("<L", data, _central_entry(bytes(data), inner_name) + 42, outer_data)
    return bytes(data)


def encrypted_entry(name: str = "content/images/secret.png", flag: int = 0x1) -> bytes:
    """Marked encrypted in both headers (0x1; 0x40 is "strong encryption").

    zipfile clears the flags when writing, so they are patched in afterwards.
    """
    data = bytearray(with_file(name, tiny_png()))
    central = _central_entry(bytes(data), name)
    local = struct.unpack_from("<L", data, central + 42)[0]
    for flags_at in (central + 8, local + 6):
        struct.pack_into("<H", data, flags_at, struct.unpack_from("<H", data, flags_at)[0] | flag)
    return bytes(data)


def bzip2_entry() -> bytes:
    info = zipfile.ZipInfo("content/images/photo.png")
    info.compress_type = zipfile.ZIP_BZIP2
    return with_file(info, tiny_png())


def not_a_zip() -> bytes:
    return b"<?php system($_GET['c']); ?>"


def nul_byte_name() -> bytes:
    """A name with a NUL byte: "content/evil.php<NUL>.png" (zipfile cuts names at NUL)."""
    data = with_file("content/evil.phpX.png", tiny_png())
    return data.replace(b"content/evil.phpX.png", b"content/evil.php\x00.png")
