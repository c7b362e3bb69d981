"""Tests of the H5P package validation policy (plain Python: no database, no Django)."""

from __future__ import annotations

import io
import string
import time
from collections.abc import Callable

import pyh5p
import pytest

from courses.packages.h5p import hostile
from courses.packages.h5p.hostile import LIBRARY, LIBRARY_DIR
from courses.packages.h5p.policy import (
    MESSAGES,
    PolicyLimits,
    Problem,
    ValidationReport,
    problem_from_pyh5p_error,
    validate_package,
)

LIBRARY_JSON = f"{LIBRARY_DIR}/library.json"
SEMANTICS_JSON = f"{LIBRARY_DIR}/semantics.json"
MAIN_KEY = (LIBRARY, 1, 0)


def _set(key: str, value: object) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document[key] = value

    return change


def _drop(*keys: str) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        for key in keys:
            del document[key]

    return change


def _svg(payload: bytes) -> Callable[[], bytes]:
    return lambda: hostile.with_file("content/images/logo.svg", payload)


def _extra(name: str, payload: bytes = b"{}") -> Callable[[], bytes]:
    return lambda: hostile.with_file(name, payload)


def _library_dependency(document: dict) -> None:
    document["preloadedDependencies"] = [
        {"machineName": "H5P.FontIcons", "majorVersion": 1, "minorVersion": 0}
    ]


def _bad_answers(document: dict) -> None:
    document["question"] = 42
    document["answers"] = document["answers"][:1]


def _dependency_field(key: str, value: object) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["preloadedDependencies"][0][key] = value

    return change


def _nameless_list_item(semantics: list) -> None:
    del semantics[2]["field"]["name"]  # as in official libraries (H5P.DragQuestion 1.13)


def _regexp(semantics: list) -> None:
    semantics[0]["regexp"] = {"pattern": "^(a+)+$"}


# (builder, codes that must be reported, limits)
HOSTILE: dict[str, tuple[Callable[[], bytes], set[str], PolicyLimits | None]] = {
    # Archive and path tricks
    "dotdot": (_extra("../evil.json"), {"path_traversal"}, None),
    "dotdot_backslash": (_extra("..\\evil.json"), {"path_traversal"}, None),
    "absolute": (_extra("/etc/evil.json"), {"path_traversal"}, None),
    "windows_drive": (_extra("C:\\evil.json"), {"path_traversal"}, None),
    "url_encoded": (_extra("%2e%2e/evil.json"), {"path_traversal"}, None),
    "double_url_encoded": (_extra("%252e%252E/evil.json"), {"path_traversal"}, None),
    "fullwidth_dots": (_extra("\uff0e\uff0e/evil.json"), {"path_traversal"}, None),
    "two_dot_leader": (_extra("content/\u2025/evil.json"), {"path_traversal"}, None),
    "dot_segment": (_extra("content/./evil.json"), {"path_traversal"}, None),
    "nul_byte_name": (hostile.nul_byte_name, {"unsafe_characters"}, None),
    "odd_characters": (_extra("content/images/a;b.png"), {"unsafe_characters"}, None),
    "path_too_long": (_extra("content/" + "a" * 300 + ".json"), {"path_too_long"}, None),
    "zip_bomb_zeros": (hostile.zip_bomb_zeros, {"zip_bomb"}, None),
    "zip_bomb_just_over": (hostile.zip_bomb, {"zip_bomb"}, None),
    "lying_header": (hostile.lying_header, {"lying_header"}, None),
    "symlink": (hostile.symlink, {"symlink"}, None),
    "overlapping_entries": (hostile.overlapping_entries, {"overlapping_entries"}, None),
    "encrypted": (hostile.encrypted_entry, {"encrypted_entry"}, None),
    "strong_encryption": (
        lambda: hostile.encrypted_entry(flag=0x40),
        {"encrypted_entry"},
        None,
    ),
    "bzip2": (hostile.bzip2_entry, {"unsupported_compression"}, None),
    "duplicate_h5p_json": (hostile.duplicate_h5p_json, {"duplicate_entry"}, None),
    "case_duplicate": (_extra("CONTENT/content.json"), {"duplicate_entry"}, None),
    "not_a_zip": (hostile.not_a_zip, {"not_a_zip"}, None),
    "too_many_files": (hostile.many_files, {"too_many_files"}, None),
    "too_large": (hostile.build_valid_package, {"too_large"}, PolicyLimits(max_package_bytes=999)),
    "too_large_unpacked": (
        hostile.build_valid_package,
        {"too_large_unpacked"},
        PolicyLimits(max_uncompressed_bytes=999),
    ),
    # File types
    "php": (_extra("content/shell.php", b"<?php"), {"extension_not_allowed"}, None),
    "phtml_in_library": (_extra(f"{LIBRARY_DIR}/x.phtml"), {"extension_not_allowed"}, None),
    "html": (_extra("content/page.html", b"<p>"), {"extension_not_allowed"}, None),
    # XML is in H5P core's allowlist, but the files are served from this site's origin and
    # a browser runs script inside XHTML-in-XML: refused (project rule).
    "xml_in_content": (_extra("content/data.xml", b"<x/>"), {"extension_not_allowed"}, None),
    "xhtml_in_library": (_extra(f"{LIBRARY_DIR}/x.xhtml"), {"extension_not_allowed"}, None),
    "exe_in_content": (_extra("content/tool.exe", b"MZ"), {"extension_not_allowed"}, None),
    # Server-side scripts and pages are refused anywhere, even where H5P core only ignores
    # (files at the root) or skips (names starting with "_") them.
    "php_at_root": (_extra("shell.php", b"<?php"), {"extension_not_allowed"}, None),
    "html_in_skipped_folder": (
        _extra("_private/page.html", b"<script>"),
        {"extension_not_allowed"},
        None,
    ),
    "traversal_in_macos_junk": (_extra("__MACOSX/../../evil.json"), {"path_traversal"}, None),
    "symlink_in_skipped_folder": (
        lambda: hostile.symlink("_cache/link.png"),
        {"symlink"},
        None,
    ),
    "htaccess": (_extra(".htaccess", b"SetHandler x"), {"dotfile"}, None),
    "dot_folder": (_extra("content/.git/config.json"), {"dotfile"}, None),
    "no_extension": (_extra("content/README", b"hi"), {"no_extension"}, None),
    "js_in_content": (_extra("content/evil.js", b"alert(1)"), {"script_in_content"}, None),
    "css_in_content": (_extra("content/evil.css", b"*{}"), {"script_in_content"}, None),
    "js_in_content_upper": (_extra("Content/EVIL.JS", b"alert(1)"), {"script_in_content"}, None),
    "svg_script": (_svg(hostile.SVG_SCRIPT), {"svg_script"}, None),
    "svg_onload": (_svg(hostile.SVG_ONLOAD), {"svg_script"}, None),
    "svg_javascript_href": (_svg(hostile.SVG_JAVASCRIPT_HREF), {"svg_script"}, None),
    "svg_foreign_object": (_svg(hostile.SVG_FOREIGN_OBJECT), {"svg_script"}, None),
    "svg_in_library": (
        _extra(f"{LIBRARY_DIR}/icon.svg", hostile.SVG_ONLOAD),
        {"svg_script"},
        None,
    ),
    "folder_without_library_json": (
        _extra("Evil-1.0/evil.js", b"alert(1)"),
        {"missing_library_json"},
        None,
    ),
    # h5p.json
    "missing_h5p_json": (lambda: hostile.without_file("h5p.json"), {"missing_h5p_json"}, None),
    "h5p_json_not_json": (
        lambda: hostile.with_raw("h5p.json", b"{title: nope"),
        {"invalid_h5p_json"},
        None,
    ),
    "h5p_json_incomplete": (
        lambda: hostile.with_json(
            "h5p.json", _drop("title", "mainLibrary", "preloadedDependencies")
        ),
        {"invalid_h5p_json"},
        None,
    ),
    "main_library_not_declared": (
        lambda: hostile.with_json("h5p.json", _set("mainLibrary", "H5P.Other")),
        {"main_library_not_declared"},
        None,
    ),
    "missing_dependency": (
        lambda: hostile.with_dependency("H5P.JoubelUI", 1, 3),
        {"missing_dependency"},
        None,
    ),
    "unsafe_html_in_title": (
        lambda: hostile.with_json("h5p.json", _set("title", "<svg onload=alert(1)>")),
        {"unsafe_html"},
        None,
    ),
    # Libraries
    "library_dependency_missing": (
        lambda: hostile.with_json(LIBRARY_JSON, _library_dependency),
        {"missing_dependency"},
        None,
    ),
    "missing_preloaded_js": (
        lambda: hostile.without_file(f"{LIBRARY_DIR}/knowledge-check.js"),
        {"missing_preloaded_file"},
        None,
    ),
    "preloaded_js_traversal": (
        lambda: hostile.with_json(LIBRARY_JSON, _set("preloadedJs", [{"path": "../x.js"}])),
        {"path_traversal"},
        None,
    ),
    "version_mismatch": (hostile.renamed_library_folder, {"version_mismatch"}, None),
    "library_json_not_json": (
        lambda: hostile.with_raw(LIBRARY_JSON, b"{"),
        {"invalid_library_json"},
        None,
    ),
    "library_json_no_version": (
        lambda: hostile.with_json(LIBRARY_JSON, _drop("majorVersion")),
        {"invalid_library_json"},
        None,
    ),
    "semantics_not_json": (
        lambda: hostile.with_raw(SEMANTICS_JSON, b'[{"name": "x"'),
        {"invalid_semantics"},
        None,
    ),
    # H5P core's schemas and rules (h5p-php-library H5PValidator)
    "h5p_json_version_not_a_number": (
        lambda: hostile.with_json("h5p.json", _dependency_field("majorVersion", "one")),
        {"invalid_h5p_json"},
        None,
    ),
    "h5p_json_embed_type_unknown": (
        lambda: hostile.with_json("h5p.json", _set("embedTypes", ["object"])),
        {"invalid_h5p_json"},
        None,
    ),
    "h5p_json_embed_types_not_a_list": (
        lambda: hostile.with_json("h5p.json", _set("embedTypes", "div")),
        {"invalid_h5p_json"},
        None,
    ),
    "h5p_json_language_too_long": (
        lambda: hostile.with_json("h5p.json", _set("language", "not-a-language")),
        {"invalid_h5p_json"},
        None,
    ),
    "h5p_json_main_library_name": (
        lambda: hostile.with_json("h5p.json", _set("mainLibrary", "1-Bad name")),
        {"invalid_h5p_json"},
        None,
    ),
    "h5p_json_source_not_http": (
        lambda: hostile.with_json("h5p.json", _set("source", "javascript:alert(1)")),
        {"invalid_h5p_json"},
        None,
    ),
    "h5p_json_license_unknown": (
        lambda: hostile.with_json("h5p.json", _set("license", "Mine")),
        {"invalid_h5p_json"},
        None,
    ),
    "library_json_runnable_not_0_or_1": (
        lambda: hostile.with_json(LIBRARY_JSON, _set("runnable", True)),
        {"invalid_library_json"},
        None,
    ),
    "library_json_preloaded_js_not_js": (
        lambda: hostile.with_json(LIBRARY_JSON, _set("preloadedJs", [{"path": "x.css"}])),
        {"invalid_library_json"},
        None,
    ),
    "library_version_too_large_to_store": (
        lambda: hostile.with_json(LIBRARY_JSON, _set("patchVersion", 40000)),
        {"invalid_library_json"},
        None,
    ),
    "library_name_too_long_to_store": (
        lambda: hostile.with_json(LIBRARY_JSON, _set("machineName", "H5P." + "x" * 200)),
        {"invalid_library_json"},
        None,
    ),
    "core_api_too_new": (
        lambda: hostile.with_json(
            LIBRARY_JSON, _set("coreApi", {"majorVersion": 1, "minorVersion": 99})
        ),
        {"core_api_unsupported"},
        None,
    ),
    "core_api_major_too_new": (
        lambda: hostile.with_json(
            LIBRARY_JSON, _set("coreApi", {"majorVersion": 2, "minorVersion": 0})
        ),
        {"core_api_unsupported"},
        None,
    ),
    "library_folder_bad_name": (
        lambda: hostile.renamed_library_folder("Knowledge!Check"),
        {"invalid_library_folder"},
        None,
    ),
    "language_file_bad_name": (
        _extra(f"{LIBRARY_DIR}/language/es_ES.json"),
        {"invalid_language_file"},
        None,
    ),
    "language_file_not_json": (
        _extra(f"{LIBRARY_DIR}/language/es.json", b'{"semantics": ['),
        {"invalid_language_file"},
        None,
    ),
    "language_subfolder": (
        _extra(f"{LIBRARY_DIR}/language/old/es.json"),
        {"invalid_language_file"},
        None,
    ),
    "missing_preloaded_css": (
        lambda: hostile.without_file(f"{LIBRARY_DIR}/knowledge-check.css"),
        {"missing_preloaded_file"},
        None,
    ),
    "library_twice": (hostile.library_twice, {"duplicate_library"}, None),
    "content_folder_capitalised": (
        _extra("Content/images/x.png", b"x"),
        {"missing_library_json"},
        None,
    ),
    # content/content.json
    "missing_content_json": (
        lambda: hostile.without_file("content/content.json"),
        {"missing_content_json"},
        None,
    ),
    "content_json_not_json": (
        lambda: hostile.with_raw("content/content.json", b"not json"),
        {"invalid_content_json"},
        None,
    ),
    "content_json_array": (
        lambda: hostile.with_raw("content/content.json", b"[]"),
        {"invalid_content_json"},
        None,
    ),
    "content_json_nan": (
        lambda: hostile.with_raw("content/content.json", b'{"question": NaN}'),
        {"invalid_content_json"},
        None,
    ),
    "event_handler_in_plain_text": (
        lambda: hostile.with_json(
            "content/content.json", _set("question", "<img src=x onerror=alert(1)>")
        ),
        {"unsafe_html"},
        None,
    ),
    "javascript_link_in_html": (
        lambda: hostile.with_json(
            "content/content.json", _set("feedback", '<a href="javascript:alert(1)">x</a>')
        ),
        {"unsafe_html"},
        None,
    ),
    "missing_media": (
        lambda: hostile.without_file("content/images/customs-seal.png"),
        {"missing_media"},
        None,
    ),
    "javascript_media_url": (
        lambda: hostile.with_json(
            "content/content.json",
            _set("image", {"path": "javascript:alert(1)", "mime": "image/png"}),
        ),
        {"unsafe_media_path"},
        None,
    ),
    "data_media_url": (
        lambda: hostile.with_json(
            "content/content.json",
            _set("image", {"path": "data:image/svg+xml,<svg onload=alert(1)>", "mime": "x"}),
        ),
        {"unsafe_media_path"},
        None,
    ),
    "media_path_traversal": (
        lambda: hostile.with_json(
            "content/content.json", _set("image", {"path": "../../h5p.json", "mime": "x"})
        ),
        {"unsafe_media_path"},
        None,
    ),
}


@pytest.mark.parametrize("check_semantics", [False, True], ids=["upload", "authoring"])
@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_package_is_refused(case: str, check_semantics: bool) -> None:
    builder, expected, limits = HOSTILE[case]
    report = validate_package(
        builder(), limits=limits or PolicyLimits(), check_semantics=check_semantics
    )
    assert report.ok is False
    assert expected <= report.codes, report.problems
    assert report.content_json is None
    for problem in report.problems:
        # Every problem the validator produces fills its message template exactly.
        MESSAGES[problem.code].format(path=problem.path, **problem.params)
        assert "?" not in problem.message() or "?" in str(problem.params), problem


def test_enough_hostile_cases() -> None:
    assert len(HOSTILE) >= 24


# Refused only with ``check_semantics=True``: for packages this project builds itself.
# H5P core does not refuse an upload whose content does not match its semantics (it
# filters the content when displaying it), so uploads (check_semantics=False) pass.
AUTHORING: dict[str, tuple[Callable[[], bytes], set[str]]] = {
    "semantics_mismatch": (
        lambda: hostile.with_json("content/content.json", _bad_answers),
        {"semantics_mismatch"},
    ),
    "unknown_field": (
        lambda: hostile.with_json("content/content.json", _set("script", "x")),
        {"unknown_field"},
    ),
    "nameless_list_field": (
        lambda: hostile.with_json(SEMANTICS_JSON, _nameless_list_item),
        {"invalid_semantics"},
    ),
    "semantics_not_a_list": (
        lambda: hostile.with_raw(SEMANTICS_JSON, b'{"x": 1}'),
        {"invalid_semantics"},
    ),
    "semantics_redos_regexp": (
        lambda: hostile.with_json(SEMANTICS_JSON, _regexp),
        {"invalid_semantics"},
    ),
}


@pytest.mark.parametrize("case", list(AUTHORING), ids=list(AUTHORING))
def test_semantics_are_enforced_for_authoring_only(case: str) -> None:
    builder, expected = AUTHORING[case]
    data = builder()
    authoring = validate_package(data, check_semantics=True)
    assert not authoring.ok and expected <= authoring.codes, authoring.problems
    upload = validate_package(data, check_semantics=False)
    _assert_valid(upload)
    assert upload.semantics_checked is False


def test_redos_regexp_in_semantics_is_never_run_for_uploads() -> None:
    """The regexp is not even compiled: the upload is checked in well under a second."""
    semantics = [{"name": "question", "type": "text", "regexp": {"pattern": "^(a+)+$"}}]
    data = hostile.with_raw(SEMANTICS_JSON, hostile.as_json(semantics))
    started = time.perf_counter()
    report = validate_package(data, check_semantics=False)
    assert time.perf_counter() - started < 5
    _assert_valid(report)


def _assert_valid(report: ValidationReport) -> None:
    assert report.ok, [problem.message() for problem in report.problems]
    assert report.problems == []


def _string_versions(document: dict) -> None:
    for dependency in document["preloadedDependencies"]:
        dependency["majorVersion"] = str(dependency["majorVersion"])
        dependency["minorVersion"] = str(dependency["minorVersion"])


def _library_string_versions(document: dict) -> None:
    for key in ("majorVersion", "minorVersion", "patchVersion", "runnable"):
        document[key] = str(document[key])


def _metadata(document: dict) -> None:
    document.update(
        authors=[],
        changes=[],
        license="CC BY-SA",
        licenseVersion="4.0",
        licenseExtras="Line one\nline two",
        source="https://www.wcoomd.org/",
        yearsFrom="2024",
        defaultLanguage="es",
        extraTitle="Unknown fields are ignored",
        a11yTitle="",
    )


def _remote_media(document: dict) -> None:
    document["image"] = {"path": "https://h5p.org/sites/default/files/h5p/iv.mp4"}
    document["video"] = [{"path": "https://youtu.be/6mGfomhKRQw", "mime": "video/YouTube"}]


def test_remote_media_needs_its_hosts_allowed() -> None:
    """Media on other hosts is refused naming them (with www.youtube.com, where YouTube's
    player comes from), unless every one is allowed; links are not media."""
    data = hostile.with_json("content/content.json", _remote_media)
    report = validate_package(data, check_semantics=False)
    assert report.codes == {"external_media_not_allowed"}
    assert report.problems[0].message() == (
        "The content loads media from h5p.org, www.youtube.com, youtu.be, which this site "
        "does not allow. A platform administrator can allow a host under Settings › External "
        "media hosts; then upload the package again."
    )
    assert report.media_hosts == ["h5p.org", "www.youtube.com", "youtu.be"]
    some = validate_package(
        data, check_semantics=False, allowed_media_hosts={"h5p.org", "youtu.be"}
    )
    assert [problem.params["hosts"] for problem in some.problems] == ["www.youtube.com"]
    allowed = {"h5p.org", "youtu.be", "WWW.YouTube.com"}
    _assert_valid(validate_package(data, check_semantics=False, allowed_media_hosts=allowed))
    links = hostile.with_json("h5p.json", _metadata)  # source: https://www.wcoomd.org/
    assert validate_package(links, check_semantics=False).media_hosts == []


def _editor_dependency(document: dict) -> None:
    document["editorDependencies"] = [
        {"machineName": "H5PEditor.Missing", "majorVersion": 1, "minorVersion": 0}
    ]


def _with(extra: dict[str, bytes]) -> Callable[[], bytes]:
    return lambda: hostile.zip_files({**hostile.valid_files(), **extra})


MACOS_JUNK = {
    "__MACOSX/._h5p.json": b"\x00\x05\x16\x07",
    f"__MACOSX/{LIBRARY_DIR}/._library.json": b"\x00\x05\x16\x07",
    "content/.DS_Store": b"\x00\x00\x00\x01Bud1",
    "content/images/._customs-seal.png": b"\x00\x05\x16\x07",
    f"{LIBRARY_DIR}/.DS_Store": b"Bud1",
    "content/images/Thumbs.db": b"\xd0\xcf",
    "desktop.ini": b"[.ShellClassInfo]",
}
INERT_LIBRARY_FILES = {
    f"{LIBRARY_DIR}/fonts/FontAwesome.otf": b"OTTO",
    f"{LIBRARY_DIR}/fonts/icons.woff2": b"wOF2",
    f"{LIBRARY_DIR}/README.md": b"# Knowledge check",
    f"{LIBRARY_DIR}/LICENSE.txt": b"MIT",
    f"{LIBRARY_DIR}/apply-when-upgrading.diff": b"--- a\n+++ b\n",
    f"{LIBRARY_DIR}/fix.patch": b"--- a\n+++ b\n",
    f"{LIBRARY_DIR}/resources/downloadify.swf": b"FWS",
    f"{LIBRARY_DIR}/exportTemplate.docx": b"PK",
}

# Harmless things H5P core (or the H5P Node.js library) accepts and this project used to
# refuse. Each must pass an upload's validation.
ACCEPTED: dict[str, Callable[[], bytes]] = {
    "h5p_json_versions_as_strings": lambda: hostile.with_json("h5p.json", _string_versions),
    "library_json_versions_as_strings": lambda: hostile.with_json(
        LIBRARY_JSON, _library_string_versions
    ),
    "macos_and_windows_junk": _with(MACOS_JUNK),
    "macos_junk_that_compresses_very_well": _with({"content/.DS_Store": bytes(64 * 1024)}),
    "inert_library_files": _with(INERT_LIBRARY_FILES),
    "documents_and_fonts_in_content": _with(
        {
            "content/files/guide.pdf": b"%PDF-1.7",
            "content/fonts/title.woff2": b"wOF2",
            "content/notes.txt": b"notes",
            "content/model.glb": b"glTF",
        }
    ),
    "files_at_the_root_are_ignored": _with(
        {"README.md": b"# About", "notes.json": b"{", "LICENSE": b"MIT"}
    ),
    "underscore_names_are_skipped": _with(
        {"_notes/draft.bin": b"x", "content/_draft.psd": b"x", f"{LIBRARY_DIR}/_src/x.ts": b"x"}
    ),
    "library_folder_named_after_machine_name": lambda: hostile.renamed_library_folder(LIBRARY),
    "metadata_in_every_allowed_form": lambda: hostile.with_json("h5p.json", _metadata),
    "media_not_yet_saved_mark": lambda: hostile.with_json(
        "content/content.json",
        _set("image", {"path": "images/customs-seal.png#tmp", "mime": "image/png"}),
    ),
    "emptied_file_field": lambda: hostile.with_json(
        "content/content.json", _set("extra", {"path": "", "mime": "image/png"})
    ),
    "path_field_that_is_not_a_file": lambda: hostile.with_json(
        "content/content.json", _set("extra", {"path": "stage-2"})
    ),
    "unknown_content_fields": lambda: hostile.with_json(
        "content/content.json", _set("extra", {"anything": [1, 2]})
    ),
    "nameless_list_field_in_semantics": lambda: hostile.with_json(
        SEMANTICS_JSON, _nameless_list_item
    ),
    "semantics_not_a_list": lambda: hostile.with_raw(SEMANTICS_JSON, b'{"x": 1}'),
    "core_api_of_the_player": lambda: hostile.with_json(
        LIBRARY_JSON, _set("coreApi", {"majorVersion": 1, "minorVersion": 27})
    ),
    "editor_dependency_not_bundled": lambda: hostile.with_json(LIBRARY_JSON, _editor_dependency),
    "content_nested_deeper_than_64": lambda: hostile.with_json(
        "content/content.json", _set("deep", _nested(100))
    ),
}


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"x": value}
    return value


@pytest.mark.parametrize("case", list(ACCEPTED), ids=list(ACCEPTED))
def test_what_h5p_accepts_passes_an_upload(case: str) -> None:
    report = validate_package(ACCEPTED[case](), check_semantics=False)
    _assert_valid(report)
    assert report.main_library == f"{LIBRARY} 1.0"
    assert report.libraries == [(LIBRARY, 1, 0, 2)]


def test_skipped_and_ignored_files_are_not_stored() -> None:
    extra = {**MACOS_JUNK, "README.md": b"x", "_notes/a.txt": b"x", "content/_x.png": b"x"}
    report = validate_package(_with(extra)(), check_semantics=False)
    _assert_valid(report)
    assert sorted(report.files) == sorted(hostile.valid_files())


def test_library_folder_named_after_machine_name_is_mapped_to_its_version() -> None:
    report = validate_package(hostile.renamed_library_folder(LIBRARY), check_semantics=False)
    _assert_valid(report)
    assert report.library_folders == {LIBRARY: (LIBRARY, 1, 0, 2)}
    assert report.main_key == MAIN_KEY


def test_core_api_follows_the_player() -> None:
    data = hostile.build_valid_package()  # its library asks for core API 1.24
    assert validate_package(data, core_api=(1, 24)).ok
    report = validate_package(data, core_api=(1, 23))
    assert report.codes == {"core_api_unsupported"}
    assert report.problems[0].message() == (
        f"The library {LIBRARY} 1.0 needs version 1.24 of the H5P core, which is newer than "
        "the version this site's player provides (1.23)."
    )


def test_details_are_translated_with_their_message() -> None:
    """A ``detail`` is a template of its own, translated like the message around it."""
    report = validate_package(hostile.with_json(LIBRARY_JSON, _drop("majorVersion")))
    problem = next(p for p in report.problems if p.code == "invalid_library_json")
    assert problem.template == MESSAGES["invalid_library_json"]
    assert problem.params["detail"] == "the required field {field} is missing"
    assert problem.message() == (
        f"The library description {LIBRARY_JSON} is not valid: the required field "
        "majorVersion is missing."
    )
    translated = problem.message(lambda text: f"<{text}>")
    assert translated == (
        f"<The library description {LIBRARY_JSON} is not valid: "
        "<the required field majorVersion is missing>.>"
    )


def test_valid_package_passes() -> None:
    report = validate_package(hostile.build_valid_package())
    _assert_valid(report)
    assert report.title == hostile.TITLE
    assert report.main_library == f"{LIBRARY} 1.0"
    assert report.libraries == [(LIBRARY, 1, 0, 2)]
    assert report.missing_libraries == []
    assert report.content_json == hostile.CONTENT
    assert report.semantics_checked is True


def test_bundled_library_not_installed_is_new() -> None:
    report = validate_package(hostile.build_valid_package())
    assert report.new_libraries == [(LIBRARY, 1, 0, 2)]


def test_bundled_library_already_installed_is_not_new() -> None:
    report = validate_package(
        hostile.build_valid_package(), installed_libraries={MAIN_KEY: "installed"}
    )
    _assert_valid(report)
    assert report.new_libraries == []


def test_installed_dependency_need_not_be_bundled() -> None:
    data = hostile.with_dependency("H5P.FontIcons", 1, 0)
    refused = validate_package(data)
    assert "missing_dependency" in refused.codes
    assert refused.missing_libraries == [("H5P.FontIcons", 1, 0)]

    report = validate_package(data, installed_libraries={("H5P.FontIcons", 1, 0): object()})
    _assert_valid(report)
    assert report.missing_libraries == []


def test_content_only_package_uses_installed_library_and_semantics() -> None:
    data = hostile.content_only()
    installed = {MAIN_KEY: 7}

    unchecked = validate_package(data, installed_libraries=installed)
    _assert_valid(unchecked)
    assert unchecked.semantics_checked is False
    assert unchecked.libraries == [] and unchecked.new_libraries == []

    checked = validate_package(
        data, installed_libraries=installed, installed_semantics={MAIN_KEY: hostile.SEMANTICS}
    )
    _assert_valid(checked)
    assert checked.semantics_checked is True
    assert checked.main_library == f"{LIBRARY} 1.0"


def test_installed_semantics_callable_catches_mismatch() -> None:
    files = hostile.valid_files()
    files["content/content.json"] = hostile.as_json({**hostile.CONTENT, "answers": []})
    data = hostile.zip_files(
        {name: payload for name, payload in files.items() if not name.startswith(LIBRARY_DIR)}
    )
    calls: list[tuple[str, int, int]] = []

    def semantics(name: str, major: int, minor: int) -> list:
        calls.append((name, major, minor))
        return hostile.SEMANTICS

    report = validate_package(data, installed_libraries={MAIN_KEY}, installed_semantics=semantics)
    assert report.codes == {"semantics_mismatch"}
    assert calls == [MAIN_KEY]


def test_every_problem_is_reported_not_just_the_first() -> None:
    files = hostile.valid_files()
    del files[f"{LIBRARY_DIR}/knowledge-check.css"]
    files[".htaccess"] = b"SetHandler application/x-httpd-php"
    files["content/evil.js"] = b"alert(1)"
    files["content/shell.php"] = b"<?php"
    files["content/images/logo.svg"] = hostile.SVG_ONLOAD
    files["content/README"] = b"hi"
    files["h5p.json"] = files["h5p.json"].replace(b'"license"', b'"x": "<b onclick=x()>", "l"')
    report = validate_package(hostile.zip_files(files))
    assert report.ok is False
    assert {
        "dotfile",
        "script_in_content",
        "extension_not_allowed",
        "svg_script",
        "no_extension",
        "missing_preloaded_file",
        "unsafe_html",
    } <= report.codes


def test_problem_list_is_capped() -> None:
    extra = {f"content/{index}.php": b"x" for index in range(20)}
    data = hostile.zip_files({**hostile.valid_files(), **extra})
    report = validate_package(data, limits=PolicyLimits(max_problems=5))
    assert len(report.problems) == 6
    assert report.problems[-1].code == "too_many_problems"


def test_path_and_file_object_inputs(tmp_path: object) -> None:
    data = hostile.build_valid_package()
    path = tmp_path / "package.h5p"  # type: ignore[operator]
    path.write_bytes(data)
    assert validate_package(path).ok
    assert validate_package(str(path)).ok
    assert validate_package(io.BytesIO(data)).ok
    assert validate_package(bytearray(data)).ok
    assert validate_package(io.BytesIO(data), limits=PolicyLimits(max_package_bytes=99)).codes == {
        "too_large"
    }


def test_limits_stricter_than_pyh5p() -> None:
    # pyh5p's own default (200:1) lets this 120:1 file through; the policy (100:1) does not.
    data = hostile.zip_bomb()
    pyh5p.read_package(data)
    assert "zip_bomb" in validate_package(data).codes


@pytest.mark.parametrize(
    "name",
    [".htaccess", "content/README", "content/evil.js", "content/images/logo.svg"],
)
def test_pyh5p_alone_lets_these_through(name: str) -> None:
    """Why the project's own checks exist; fails loudly if pyh5p starts refusing them."""
    package = pyh5p.read_package(hostile.with_file(name, hostile.SVG_SCRIPT))
    assert name in package.files
    assert "h5p.json" in package.files


EXAMPLE_PARAMS = {
    "size": 1,
    "limit": 2,
    "count": 3,
    "length": 4,
    "extension": "php",
    "reason": "script",
    "method": 12,
    "ratio": 150,
    "field": "$.question",
    "detail": "it is not valid JSON",
    "library": "H5P.Example 1.0",
    "required_by": "h5p.json",
    "url": "https://example.org/x.png",
    "expected": "H5P.Example-1.0",
    "required": "1.99",
    "current": "1.27",
    "pattern": "'^(a+)+$'",
    "hosts": "h5p.org, youtu.be",
}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_renders(code: str) -> None:
    rendered = MESSAGES[code].format(path="content/x.json", **EXAMPLE_PARAMS)
    assert rendered and "{" not in rendered
    placeholders = {name for _, name, _, _ in string.Formatter().parse(MESSAGES[code]) if name}
    assert placeholders <= {"path", *EXAMPLE_PARAMS}
    # Missing params never raise: they render as "?".
    assert Problem(code).message()


def test_script_message_is_plain_english() -> None:
    report = validate_package(hostile.with_file("content/evil.js", b"alert(1)"))
    messages = [problem.message() for problem in report.problems]
    assert (
        "The file content/evil.js is a script or a style sheet. Scripts and style sheets are "
        "not allowed inside content/."
    ) in messages


@pytest.mark.parametrize(
    ("error", "code", "path"),
    [
        (
            pyh5p.SecurityError("symbolic links are not allowed in H5P archives: 'a.png'"),
            "symlink",
            "a.png",
        ),
        (pyh5p.SecurityError("unsafe archive member path: '../x'"), "path_traversal", "../x"),
        (
            pyh5p.PackageError("package contains duplicate member: 'h5p.json'"),
            "duplicate_entry",
            "h5p.json",
        ),
        (
            pyh5p.PackageError("invalid library definition in X-1.0"),
            "invalid_library_json",
            "X-1.0/library.json",
        ),
        (pyh5p.PackageError("something new"), "package_rejected", ""),
    ],
)
def test_pyh5p_errors_are_translated(error: Exception, code: str, path: str) -> None:
    problem = problem_from_pyh5p_error(error)
    assert (problem.code, problem.path) == (code, path)
