"""Hostile SCORM packages, built here the way an attacker would build them, are refused
through the real import service with their reasons, and leave nothing behind."""

from __future__ import annotations

import io
import zipfile

import pytest

from courses.packages.base import PackageRefused
from courses.packages.scorm.models import ScormItem, ScormPackage
from courses.packages.scorm.services import scorm_package_import, scorm_package_inspect

from .packages import (
    PAGE,
    build_zip,
    manifest,
    package,
    stored_files,
    with_central_size,
    with_flags,
    with_symlink,
)

pytestmark = pytest.mark.django_db


def refused(data: bytes, actor=None) -> PackageRefused:
    """Import ``data``, expecting a refusal that stores nothing and records nothing."""
    before = stored_files()
    with pytest.raises(PackageRefused) as refusal:
        scorm_package_import(actor=actor, source=data)
    assert stored_files() == before, "a refused package left files behind"
    assert not ScormPackage.objects.exists() and not ScormItem.objects.exists()
    assert len(refusal.value.messages) == len(refusal.value.codes) >= 1
    return refusal.value


def test_a_valid_package_built_here_imports():
    """The positive control: the package every hostile variant starts from imports."""
    imported = scorm_package_import(actor=None, source=package())
    assert imported.launchable_count == 1 and imported.title == "Minimal course"
    assert stored_files() >= {
        f"{imported.storage_prefix}/imsmanifest.xml",
        f"{imported.storage_prefix}/index.html",
    }


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../evil.html", "path_traversal"),
        ("content/../../evil.html", "path_traversal"),
        ("content/%2e%2e/%2e%2e/evil.html", "path_traversal"),
        ("content/\uff0e\uff0e/\uff0e\uff0e/evil.html", "path_traversal"),  # fullwidth dots
        ("/etc/cron.d/evil", "absolute_path"),
        ("C:/Windows/evil.html", "absolute_path"),
        ("content\\..\\..\\evil.html", "path_traversal"),
        ("content\\page.html", "backslash_in_name"),
        ("content/evil\x01.html", "unsafe_characters"),
    ],
)
def test_path_tricks_are_refused(name, code):
    refusal = refused(package({name: PAGE}))
    assert code in refusal.codes, refusal.messages


def test_symbolic_links_are_refused():
    data = with_symlink(package(), "content/passwd.html", "/etc/passwd")
    assert "symlink" in refused(data).codes


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    bomb = b"\0" * (20 * 1024 * 1024)  # 20 MiB of zeros: about 20 KiB compressed
    refusal = refused(package({"media/silence.wav": bomb}))
    assert refusal.codes == ["zip_bomb"]
    assert "could be a zip bomb" in refusal.messages[0]


def test_small_files_that_compress_well_are_not_bombs():
    """A 600 KiB blank bitmap compresses about 1000:1 and harms nobody."""
    imported = scorm_package_import(
        actor=None, source=package({"images/blank.bmp": b"\xff" * (600 * 1024)})
    )
    assert imported.file_count == 3


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("shell.php", "server_script"),
        ("content/shell.PHP5", "server_script"),
        ("images/photo.php.jpg", "server_script"),
        ("cgi-bin/run.cgi", "server_script"),
        ("tools/setup.exe", "server_script"),
        ("app/default.aspx", "server_script"),
        ("page.jsp", "server_script"),
        ("includes/header.shtml", "server_script"),
        ("scripts/deploy.sh", "server_script"),
        ("scripts/tool.py", "server_script"),
        (".htaccess", "server_config"),
        ("content/web.config", "server_config"),
        (".git/config", "dotfile"),
        ("content/.env", "dotfile"),
    ],
)
def test_server_side_scripts_and_hidden_files_are_refused(name, code):
    refusal = refused(package({name: b"<?php system($_GET['c']); ?>"}))
    assert code in refusal.codes, refusal.messages


def test_web_content_of_every_kind_is_allowed():
    imported = scorm_package_import(
        actor=None,
        source=package(
            {
                "shared/app.js": b"var API = null;",
                "shared/style.css": b"body{}",
                "shared/data.json": b"{}",
                "shared/schema.xsd": b"<xs:schema/>",
                "media/intro.mp4": b"\0\0\0\x18ftypmp42",
                "fonts/lato.woff2": b"wOF2",
                "docs/guide.pdf": b"%PDF-1.4",
                "LICENSE": b"CC BY 3.0",
                "imágenes/señal.png": b"\x89PNG",
                "__MACOSX/._index.html": b"junk",
                ".DS_Store": b"junk",
            }
        ),
    )
    assert imported.file_count == 11  # the manifest, index.html and nine files; no junk
    stored = stored_files()
    assert f"{imported.storage_prefix}/imágenes/señal.png" in stored
    assert not any("__MACOSX" in name or ".DS_Store" in name for name in stored)


def test_missing_files_are_refused():
    data = build_zip(
        {
            "imsmanifest.xml": manifest(
                resources=(
                    '<resource identifier="res1" type="webcontent" adlcp:scormtype="sco" '
                    'href="index.html"><file href="index.html"/><file href="missing.js"/>'
                    "</resource>"
                )
            )
        }
    )
    refusal = refused(data)
    assert set(refusal.codes) == {"launch_file_missing", "file_missing"}


def test_manifest_not_at_the_root_is_refused():
    data = build_zip({"course/imsmanifest.xml": manifest(), "course/index.html": PAGE})
    refusal = refused(data)
    assert refusal.codes == ["manifest_not_at_root"]
    assert "inside the folder course" in refusal.messages[0]


def test_no_organizations_is_refused():
    data = package(organizations="")
    assert refused(data).codes == ["no_organization"]


def test_a_default_organization_that_is_not_there_is_refused_when_ambiguous():
    two = (
        '<organization identifier="a"><title>A</title>'
        '<item identifier="i1" identifierref="res1"><title>One</title></item></organization>'
        '<organization identifier="b"><title>B</title>'
        '<item identifier="i2" identifierref="res1"><title>Two</title></item></organization>'
    )
    refusal = refused(package(organizations=two, default="c"))
    assert refusal.codes == ["default_organization_unknown"]
    assert refusal.messages == [
        "The manifest names c as its default organization, but none of its organizations "
        "has that identifier (they are: a, b)."
    ]


def test_too_many_files_are_refused(settings):
    settings.LMS_SCORM_MAX_FILES = 5
    data = package({f"page{n}.html": PAGE for n in range(5)})
    assert refused(data).codes == ["too_many_files"]


def test_too_large_packages_are_refused(settings):
    data = package({"media/noise.bin": bytes(range(256)) * 4096})
    settings.LMS_SCORM_MAX_PACKAGE_BYTES = len(data) - 1
    assert refused(data).codes == ["too_large"]
    settings.LMS_SCORM_MAX_PACKAGE_BYTES = len(data)
    settings.LMS_SCORM_MAX_UNPACKED_BYTES = 1024 * 1024 - 1
    assert refused(data).codes == ["too_large_unpacked"]


def test_duplicate_entries_are_refused():
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = build_zip(
            [("imsmanifest.xml", manifest()), ("index.html", PAGE), ("index.html", b"x")]
        )
    assert "duplicate_entry" in refused(data).codes
    data = package({"Index.html": PAGE})  # the same name to many file systems
    assert "duplicate_entry" in refused(data).codes
    data = package({"index.html/evil.js": b"x"})  # a file that is also a folder
    assert "file_folder_clash" in refused(data).codes


def test_encrypted_entries_are_refused():
    data = with_flags(package(), "index.html", 0x1)
    assert "encrypted_entry" in refused(data).codes


def test_headers_that_lie_about_sizes_are_refused():
    data = with_central_size(package(), "index.html", len(PAGE) + 1000)
    assert "lying_header" in refused(data).codes


def test_not_a_zip_is_refused():
    assert refused(b"%PDF-1.4 not a zip").codes == ["not_a_zip"]


def test_entity_expansion_in_the_manifest_is_refused():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<manifest><organizations><organization><title>&lol2;</title></organization>"
        "</organizations></manifest>"
    )
    data = build_zip({"imsmanifest.xml": laughs, "index.html": PAGE})
    assert refused(data).codes == ["manifest_unsafe_xml"]
    external = (
        '<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<manifest>&x;</manifest>"
    )
    assert refused(build_zip({"imsmanifest.xml": external})).codes == ["manifest_unsafe_xml"]


@pytest.mark.parametrize(
    "href",
    [
        "../../../etc/passwd",
        "/etc/passwd",
        "javascript:alert(document.cookie)",
        "file:///etc/passwd",
        "content/%2e%2e/%2e%2e/x.html",
        "C:\\Windows\\win.ini",
    ],
)
def test_hrefs_that_leave_the_package_are_refused(href):
    resources = (
        f'<resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="{href}">'
        '<file href="index.html"/></resource>'
    )
    refusal = refused(package(resources=resources))
    assert "unsafe_href" in refusal.codes, refusal.messages


def test_every_problem_is_listed_not_only_the_first():
    data = build_zip(
        {
            "imsmanifest.xml": manifest(
                organizations=(
                    '<organization identifier="org"><title>T</title>'
                    '<item identifier="i1" identifierref="nowhere"><title>A</title></item>'
                    '<item identifier="i2" identifierref="res1"><title>B</title></item>'
                    "</organization>"
                )
            ),
            "../escape.html": PAGE,
            "run.php": b"<?php ?>",
            ".htaccess": b"AddHandler php .html",
        }
    )
    refusal = refused(data)
    assert set(refusal.codes) >= {
        "path_traversal",
        "server_script",
        "server_config",
        "item_resource_unknown",
        "launch_file_missing",
    }


def test_a_refusal_while_storing_removes_what_was_written(monkeypatch):
    """A failure after some files were stored (here the storage itself fails on the
    third file) removes the files written so far and records nothing."""
    from django.core.files.storage import default_storage

    data = package({"a.html": PAGE, "b.html": PAGE, "c.html": PAGE})
    original = default_storage.save
    calls = []

    def failing_save(name, content, **kwargs):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return original(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", failing_save)
    before = stored_files()
    with pytest.raises(OSError, match="disk full"):
        scorm_package_import(actor=None, source=data)
    assert stored_files() == before
    assert not ScormPackage.objects.exists()


def test_inspection_stores_nothing():
    before = stored_files()
    report = scorm_package_inspect(source=package())
    assert report.ok and report.files == ["imsmanifest.xml", "index.html"]
    assert stored_files() == before


def test_zip_without_utf8_flag_keeps_utf8_names():
    """Many tools write UTF-8 names without saying so: they are read as UTF-8."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest())
        archive.writestr("index.html", PAGE)
        info = zipfile.ZipInfo("lección.html")
        archive.writestr(info, PAGE)
    raw = bytearray(buffer.getvalue())
    # Clear the UTF-8 flag (bit 11) zipfile set, in both headers of that entry.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = raw.find(signature)
        while position != -1:
            name_offset = 30 if signature == b"PK\x03\x04" else 46
            length_offset = 26 if signature == b"PK\x03\x04" else 28
            length = int.from_bytes(
                raw[position + length_offset : position + length_offset + 2], "little"
            )
            name = bytes(raw[position + name_offset : position + name_offset + length])
            if name == "lección.html".encode():
                flags = int.from_bytes(raw[position + offset : position + offset + 2], "little")
                raw[position + offset : position + offset + 2] = (flags & ~0x800).to_bytes(
                    2, "little"
                )
            position = raw.find(signature, position + 4)
    report = scorm_package_inspect(source=bytes(raw))
    assert report.ok, [problem.message() for problem in report.problems]
    assert "lección.html" in report.files
