"""The project's own H5P content type and its offline builder (plain pytest, no database)."""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile

import pytest

from courses.packages.h5p.build import (
    LIBRARY_DIR,
    build_package,
    library_folder_name,
    library_key,
    library_metadata,
    library_semantics,
)
from courses.packages.h5p.hostile import tiny_png
from courses.packages.h5p.policy import validate_package

MACHINE_NAME = "CustomsLms.KnowledgeCheck"

CONTENT = {
    "question": "<p>Which document states the <strong>value</strong> of imported goods?</p>",
    "multipleAnswers": False,
    "options": [
        {
            "text": "The commercial invoice",
            "correct": True,
            "feedback": "Yes: the invoice states the price paid or payable.",
        },
        {"text": "The boarding pass", "correct": False, "feedback": "It says nothing on goods."},
        {"text": "The packing list", "correct": False},
    ],
    "feedbackCorrect": "Well done.",
    "feedbackIncorrect": "Look at the commercial documents again.",
    "l10n": {
        "check": "Comprobar",
        "retry": "Intentar de nuevo",
        "correct": "Correcto",
        "incorrect": "No del todo. Inténtelo de nuevo.",
        "selectOne": "Elija una respuesta primero.",
        "scoreLabel": "Puntuación",
    },
}


def build(content: dict | None = None, **kwargs) -> bytes:
    options = {"title": "Declaring goods at the border", "language": "es", **kwargs}
    return build_package(content=copy.deepcopy(CONTENT if content is None else content), **options)


def archive(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


# --- The library sources ----------------------------------------------------------------


def test_library_json_declares_the_content_type():
    metadata = library_metadata()
    assert LIBRARY_DIR.name == "CustomsLms.KnowledgeCheck-1.0" == library_folder_name()
    assert library_key() == (MACHINE_NAME, 1, 0)
    assert metadata["machineName"] == MACHINE_NAME
    assert (metadata["majorVersion"], metadata["minorVersion"], metadata["patchVersion"]) == (
        1,
        0,
        0,
    )
    assert metadata["runnable"] == 1
    assert metadata["title"] == "Knowledge check"
    assert metadata["license"] in {"MIT", "AGPL-3.0-or-later"}
    assert metadata["preloadedJs"] == [{"path": "knowledge-check.js"}]
    assert metadata["preloadedCss"] == [{"path": "knowledge-check.css"}]
    for bucket in ("preloadedDependencies", "dynamicDependencies", "editorDependencies"):
        assert not metadata.get(bucket)


def test_library_folder_has_only_expected_files():
    names = sorted(path.name for path in LIBRARY_DIR.iterdir())
    assert names == ["knowledge-check.css", "knowledge-check.js", "library.json", "semantics.json"]


def test_semantics_field_names_are_the_agreed_ones():
    fields = {field["name"]: field for field in library_semantics()}
    assert list(fields) == [
        "question",
        "multipleAnswers",
        "options",
        "feedbackCorrect",
        "feedbackIncorrect",
        "l10n",
    ]
    assert fields["question"]["widget"] == "html"
    assert fields["question"]["tags"] == ["p", "strong", "em"]
    assert fields["multipleAnswers"]["type"] == "boolean"
    assert fields["multipleAnswers"]["default"] is False
    options = fields["options"]
    assert (options["type"], options["min"], options["max"]) == ("list", 2, 8)
    option_fields = {field["name"]: field for field in options["field"]["fields"]}
    assert list(option_fields) == ["text", "correct", "feedback"]
    assert "widget" not in option_fields["text"]  # plain text
    assert option_fields["correct"]["type"] == "boolean"
    assert option_fields["feedback"]["optional"] is True
    assert fields["feedbackCorrect"]["optional"] is True
    assert fields["feedbackIncorrect"]["optional"] is True
    defaults = {field["name"]: field["default"] for field in fields["l10n"]["fields"]}
    assert defaults == {
        "check": "Check",
        "retry": "Try again",
        "correct": "Correct",
        "incorrect": "Not quite. Try again.",
        "selectOne": "Choose an answer first.",
        "scoreLabel": "Score",
    }


def test_javascript_defines_the_constructor_h5p_looks_up():
    """H5P core's newRunnable finds the constructor by walking ``window`` along the dotted
    machine name ("CustomsLms.KnowledgeCheck 1.0" -> window.CustomsLms.KnowledgeCheck).
    (H5P.classFromName would map to H5P.KnowledgeCheck, but core never calls it.)"""
    js = (LIBRARY_DIR / "knowledge-check.js").read_text(encoding="utf-8")
    namespace, _, name = MACHINE_NAME.rpartition(".")
    assert f"window.{namespace} = window.{namespace} || {{}};" in js
    assert re.search(rf"window\.{re.escape(MACHINE_NAME)} = {name};", js)
    assert re.search(rf"function {name}\(params, contentId, contentData\)", js)
    assert "H5P.EventDispatcher.call(this)" in js
    assert "Object.create(H5P.EventDispatcher.prototype)" in js
    assert "contentData.previousState" in js
    for method in (
        "getCurrentState",
        "getScore",
        "getMaxScore",
        "getAnswerGiven",
        "resetTask",
        "showSolutions",
    ):
        assert f"{name}.prototype.{method} = function" in js
    assert "createXAPIEventTemplate('answered')" in js
    assert "setScoredResult(score, 1, this, true, score === 1)" in js
    assert "correctResponsesPattern" not in js  # the statement must not give answers away


def test_javascript_version_matches_library_json():
    js = (LIBRARY_DIR / "knowledge-check.js").read_text(encoding="utf-8")
    metadata = library_metadata()
    assert f"var MACHINE_NAME = '{metadata['machineName']}';" in js
    assert f"var MAJOR_VERSION = {metadata['majorVersion']};" in js
    assert f"var MINOR_VERSION = {metadata['minorVersion']};" in js


def test_javascript_is_plain_es5():
    js = (LIBRARY_DIR / "knowledge-check.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", js, flags=re.DOTALL)
    for pattern in (r"=>", r"\blet\b", r"\bconst\b", r"`", r"\bclass\b", r"\.\.\.", r"\bimport\b"):
        assert not re.search(pattern, code), pattern
    assert ".innerHTML = entity" in js  # the only innerHTML on the live document
    assert js.count(".innerHTML") == 2  # ... plus the inert document's parser


# --- The builder ------------------------------------------------------------------------


def test_built_package_passes_policy_as_a_new_library():
    report = validate_package(build())
    assert report.ok, [problem.message() for problem in report.problems]
    assert report.title == "Declaring goods at the border"
    assert report.main_library == "CustomsLms.KnowledgeCheck 1.0"
    assert (MACHINE_NAME, 1, 0, 0) in report.new_libraries
    assert report.libraries == [(MACHINE_NAME, 1, 0, 0)]
    assert report.semantics_checked
    assert report.content_json == CONTENT


def test_built_package_passes_policy_with_the_library_installed():
    report = validate_package(
        build(),
        installed_libraries={library_key()},
        installed_semantics={library_key(): library_semantics()},
    )
    assert report.ok, [problem.message() for problem in report.problems]
    assert report.main_library == "CustomsLms.KnowledgeCheck 1.0"
    assert report.new_libraries == []


def test_minimal_content_relies_on_defaults():
    content = {
        "question": "Is a packing list a customs declaration?",
        "options": [{"text": "Yes"}, {"text": "No", "correct": True}],
    }
    report = validate_package(build(content))
    assert report.ok, [problem.message() for problem in report.problems]


def _without(path: tuple) -> dict:
    content = copy.deepcopy(CONTENT)
    target = content
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return content


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (_without(("question",)), "$.question"),
        (_without(("options",)), "$.options"),
        (_without(("options", 1, "text")), "$.options[1].text"),
        ({**CONTENT, "options": CONTENT["options"][:1]}, "$.options"),
        ({**CONTENT, "options": CONTENT["options"] * 3}, "$.options"),
        ({**CONTENT, "multipleAnswers": "yes"}, "$.multipleAnswers"),
        ({**CONTENT, "l10n": {"check": 3}}, "$.l10n.check"),
    ],
    ids=[
        "no-question",
        "no-options",
        "option-without-text",
        "one-option",
        "nine-options",
        "boolean-as-string",
        "l10n-not-text",
    ],
)
def test_content_that_breaks_semantics_fails(content, field):
    report = validate_package(build(content))
    assert not report.ok
    mismatches = [p for p in report.problems if p.code == "semantics_mismatch"]
    assert [p.params["field"] for p in mismatches] == [field]


def test_unknown_content_field_fails():
    report = validate_package(build({**CONTENT, "answers": []}))
    assert not report.ok
    assert report.codes == {"unknown_field"}


def test_builds_are_byte_identical():
    first = build()
    assert build() == first
    assert build(copy.deepcopy(CONTENT)) == first
    assert build(title="Another title") != first


def test_archive_layout_is_deterministic_and_clean():
    with archive(build(extra_files={"images/seal.png": tiny_png()})) as package:
        infos = package.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert set(names) == {
            "h5p.json",
            "content/content.json",
            "content/images/seal.png",
            *(f"{library_folder_name()}/{name}" for name in ("library.json", "semantics.json")),
            f"{library_folder_name()}/knowledge-check.js",
            f"{library_folder_name()}/knowledge-check.css",
        }
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert not any(part.startswith(".") for part in info.filename.split("/"))
        assert package.read("content/images/seal.png") == tiny_png()
        assert json.loads(package.read("content/content.json")) == CONTENT
        h5p = json.loads(package.read("h5p.json"))
    assert h5p["title"] == "Declaring goods at the border"
    assert h5p["language"] == "es"
    assert h5p["mainLibrary"] == MACHINE_NAME
    assert h5p["embedTypes"] == ["iframe"]
    assert h5p["preloadedDependencies"] == [
        {"machineName": MACHINE_NAME, "majorVersion": 1, "minorVersion": 0}
    ]


def test_library_files_are_bundled_unchanged():
    with archive(build()) as package:
        for path in LIBRARY_DIR.iterdir():
            assert package.read(f"{library_folder_name()}/{path.name}") == path.read_bytes()


@pytest.mark.parametrize(
    "name",
    ["../evil.png", "/abs.png", "images/../../x.png", ".htaccess", "images/.x.png", "noext", ""],
)
def test_unsafe_extra_file_names_are_refused(name):
    with pytest.raises(ValueError):
        build(extra_files={name: b"x"})


def test_extra_file_cannot_replace_content_json():
    with pytest.raises(ValueError):
        build(extra_files={"content.json": b"{}"})


@pytest.mark.parametrize("language", ["", "EN", "english", "en_US", None])
def test_bad_language_is_refused(language):
    with pytest.raises(ValueError):
        build(language=language)


def test_blank_title_is_refused():
    with pytest.raises(ValueError):
        build(title="  ")
