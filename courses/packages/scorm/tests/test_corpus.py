"""Real SCORM packages made by other tools import unmodified; the broken ones are refused
with their reasons, translated, leaving nothing behind.

The corpus (``../shared/corpora/scorm``, see its ``MANIFEST.tsv``): Rustici's Golf
examples (single and multi SCO, sequencing, SCORM 1.2 and 2004 2nd to 4th edition),
Moodle's test packages and hand-made manifests. Only the packages that must be refused
are listed here, each with its reasons (problem codes, exactly); every other ``.zip`` in
the folder is discovered and must import through the real import service into the test
database and storage.

``LMS_SCORM_CORPUS`` (folders separated by ``os.pathsep``) points the same tests at other
folders of real packages, for acceptance runs with packages kept outside the project.
"""

from __future__ import annotations

import os
import re
import urllib.parse
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext

from courses.packages.archive import HEADER_FIELDS, is_junk
from courses.packages.base import PackageRefused
from courses.packages.scorm.manifest import effective_sequencing
from courses.packages.scorm.models import ScormItem, ScormPackage
from courses.packages.scorm.problems import KINDS, MESSAGES
from courses.packages.scorm.services import scorm_package_import, scorm_package_inspect

from .packages import CORPUS, stored_files

pytestmark = pytest.mark.django_db

FOLDERS = [
    Path(folder)
    for folder in os.environ.get("LMS_SCORM_CORPUS", str(CORPUS)).split(os.pathsep)
    if folder
]

# file name: (problem codes of the refusal, exactly; warning codes that come with them).
# From MANIFEST.tsv. The manifest-only fixtures (emp__*) name files they do not contain:
# a package must hold every file its manifest names, so they are refused for that too.
REFUSED: dict[str, tuple[set[str], set[str]]] = {
    # "manifest-only (edge case)": the launch file index.html is not there.
    "emp__AdlAttributes_SCORM20043rdEdition.zip": ({"launch_file_missing"}, {"scormtype_missing"}),
    # "broken (bad default org)": organizations@default names no organization. With one
    # organization the intent is plain and it is followed (a warning, as Moodle does);
    # the package is refused for the seven files it lacks.
    "emp__CM-01-broken-default-org.zip": (
        {"launch_file_missing", "file_missing"},
        {"default_organization_fallback"},
    ),
    "emp__ComplexNestedOrganization_SCORM12.zip": ({"launch_file_missing"}, set()),
    # "manifest-only (edge case)": no schemaversion (2004 inferred); index.html missing.
    "emp__ContentPackagingNoSchemaVersion_SCORM20042ndEdition.zip": (
        {"launch_file_missing"},
        {"version_inferred"},
    ),
    "emp__InvalidFileReferences_SCORM12.zip": ({"launch_file_missing", "file_missing"}, set()),
    "emp__InvalidMissingOrgIdentifier_SCORM20043rdEdition.zip": (
        {"organization_identifier_missing", "launch_file_missing"},
        {"default_organization_fallback", "scormtype_missing"},
    ),
    "emp__ItemWithNonExistentResourceId_SCORM12.zip": ({"item_resource_unknown"}, set()),
    "emp__MalformedXml_SCORM12.zip": ({"manifest_not_xml"}, set()),
    "emp__MinimalValid_SCORM20043rdEdition.zip": ({"launch_file_missing"}, {"scormtype_missing"}),
    "emp__MissingLaunchUrl_SCORM12.zip": (
        {"resource_without_href", "no_launchable_item", "file_missing"},
        set(),
    ),
    "emp__MissingRequiredFields_SCORM12.zip": (
        {"organization_title_missing", "launch_file_missing"},
        set(),
    ),
    "moodle__badscorm.zip": ({"manifest_not_at_root"}, set()),
    "moodle__invalid.zip": ({"manifest_missing"}, set()),
    "moodle__singlescobasic_missingorg.zip": ({"no_organization"}, set()),
    "moodle__validaicc.zip": ({"aicc_not_supported"}, set()),
    "moodle__validscorm.zip": ({"manifest_not_xml"}, set()),
}


def _discover() -> list[Path]:
    return sorted(path for folder in FOLDERS if folder.is_dir() for path in folder.glob("*.zip"))


PACKAGES = _discover()
VALID = [path for path in PACKAGES if path.name not in REFUSED]
BROKEN = [path for path in PACKAGES if path.name in REFUSED]


def _ids(paths: list[Path]) -> list[str]:
    return [path.name.removesuffix(".zip") for path in paths]


def _corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file not found: {path}")
    return path


def _expected_version(name: str) -> tuple[str, int | None] | None:
    """What a file name like ``..._SCORM20043rdEdition.zip`` or ``..._scorm12`` says."""
    if match := re.search(r"scorm2004(\d)(?:st|nd|rd|th)edition", name.lower()):
        return "2004", int(match.group(1))
    if re.search(r"scorm12", name.lower()):
        return "1.2", None
    return None


def test_the_corpus_is_there():
    """The parametrised tests below would silently run nothing without the corpus."""
    if "LMS_SCORM_CORPUS" in os.environ:
        assert PACKAGES, f"no .zip file in {FOLDERS}"
        return
    assert CORPUS.is_dir(), CORPUS
    assert len(PACKAGES) == 40
    assert {path.name for path in BROKEN} == set(REFUSED)
    assert len(VALID) == 24


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_valid_package_imports_unmodified(path, regional_author):
    package = scorm_package_import(actor=regional_author, source=path)

    manifest = package.manifest
    expected = _expected_version(path.name)
    if expected is not None:
        assert (package.version, package.edition) == expected
    assert package.title and package.uploaded_by == regional_author
    assert package.administration is None
    # Every launchable item of the default organization is a row, in order, and what it
    # launches is stored.
    items = list(package.items.order_by("position"))
    assert [item.identifier for item in items] == manifest["launchable"]
    assert package.launchable_count == len(items) >= 1
    assert package.sco_count == sum(item.scorm_type == ScormItem.SCO for item in items)
    for item in items:
        launch = urllib.parse.urlsplit(item.launch)
        assert default_storage.exists(
            f"{package.storage_prefix}/{urllib.parse.unquote(launch.path)}"
        ), item.launch
    # Every file of the archive is stored under the package's prefix, litter left out.
    with zipfile.ZipFile(path) as archive:
        names = {
            info.filename
            for info in archive.infolist()
            if not info.is_dir() and not is_junk(info.filename)
        }
    stored = {
        name.removeprefix(f"{package.storage_prefix}/")
        for name in stored_files()
        if name.startswith(package.storage_prefix)
    }
    assert stored == names
    assert package.file_count == len(names)


@pytest.mark.parametrize("path", BROKEN, ids=_ids(BROKEN))
def test_broken_package_is_refused_with_its_reasons(path, regional_author):
    codes, warnings = REFUSED[path.name]
    before = stored_files()
    report = scorm_package_inspect(source=path)
    assert not report.ok
    assert report.codes == codes, [problem.message() for problem in report.problems]
    assert report.warning_codes == warnings
    with pytest.raises(PackageRefused) as refusal:
        scorm_package_import(actor=regional_author, source=path)
    assert set(refusal.value.codes) == codes
    assert len(refusal.value.messages) == len(report.problems) >= 1
    assert all(message.strip() for message in refusal.value.messages)
    assert not ScormPackage.objects.exists() and not ScormItem.objects.exists()
    assert stored_files() == before


GOLF_COUNTS = {
    # file: (launchable items, of which SCOs)
    "golf__ContentPackagingSingleSCO_SCORM12.zip": (1, 1),
    "golf__ContentPackagingSingleSCO_SCORM20043rdEdition.zip": (1, 1),
    "golf__RuntimeMinimumCalls_SCORM12.zip": (18, 18),
    "golf__RuntimeMinimumCalls_SCORM20043rdEdition.zip": (18, 18),
    # One HTML page per item, delivered as assets under four aggregation items.
    "golf__ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip": (18, 0),
    # Eight items on five SCO resources: four tests launch one resource with parameters.
    "golf__SequencingSimpleRemediation_SCORM20043rdEdition.zip": (8, 8),
    "moodle__RuntimeMinimumCalls_SCORM12-mini.zip": (9, 9),
}


def test_golf_single_and_multi_sco_packages_have_their_items(regional_author):
    for name, (launchable, scos) in GOLF_COUNTS.items():
        package = scorm_package_import(actor=regional_author, source=_corpus(name))
        assert (package.launchable_count, package.sco_count) == (launchable, scos), name
        assert package.is_single_sco == (launchable == 1)

    one_file_per_sco = ScormPackage.objects.get(
        identifier="com.scorm.golfsamples.contentpackaging.multioscosinglefile.20043rd"
    )
    outline = one_file_per_sco.outline()
    assert [item["title"] for item in outline] == [
        "Playing the Game",
        "Etiquette",
        "Handicapping",
        "Having Fun",
    ]
    assert all(not item["launchable"] and len(item["children"]) >= 3 for item in outline)
    quiz = outline[0]["children"][-1]
    assert quiz["parameters"] == "?questions=Playing"
    assert quiz["launch"] == "shared/assessmenttemplate.html?questions=Playing"

    remediation = ScormPackage.objects.get(identifier__contains="simpleremediation")
    launches = dict(remediation.items.values_list("identifier", "launch"))
    assert launches["test_2"] == "shared/launchpage.html?content=assessment2"
    assert launches["playing_item"] == "shared/launchpage.html?content=playing"
    wrapper = remediation.outline()[0]
    assert wrapper["is_visible"] is False and not wrapper["launchable"]


GOLF_GLOBALS = "com.scorm.golfsamples.sequencing.forcedsequential"


def test_sequencing_packages_keep_their_rules(regional_author):
    package = scorm_package_import(
        actor=regional_author,
        source=_corpus("golf__SequencingForcedSequential_SCORM20043rdEdition.zip"),
    )
    manifest = package.manifest
    organization = package.default_organization()
    assert organization["objectives_global_to_system"] is False
    assert organization["sequencing"]["control_mode"] == {"choice": True, "flow": True}
    collection = manifest["sequencing_collection"]
    assert set(collection) == {"common_seq_rules"}
    etiquette = package.outline()[1]
    assert etiquette["sequencing"]["id_ref"] == "common_seq_rules"
    rule = etiquette["sequencing"]["sequencing_rules"]["pre_condition_rules"][0]
    assert rule["rule_action"] == {"action": "disabled"}
    assert rule["rule_conditions"]["condition_combination"] == "any"
    assert rule["rule_conditions"]["conditions"][0] == {
        "referenced_objective": "previous_sco_satisfied",
        "operator": "not",
        "condition": "satisfied",
    }
    objectives = etiquette["sequencing"]["objectives"]
    assert objectives["primary_objective"]["objective_id"] == "etiquette_satisfied"
    assert objectives["primary_objective"]["map_info"][0] == {
        "target_objective_id": f"{GOLF_GLOBALS}.etiquette_satisfied",
        "read_satisfied_status": True,
        "write_satisfied_status": True,
    }
    # The item's own elements win over the collection's, element by element.
    effective = effective_sequencing(etiquette["sequencing"], collection)
    assert effective["sequencing_rules"] == etiquette["sequencing"]["sequencing_rules"]
    assert set(collection["common_seq_rules"]) - {"id"} <= set(effective)

    fourth = scorm_package_import(
        actor=regional_author,
        source=_corpus("golf__SequencingPostTestRollup4thEd_SCORM20044thEdition.zip"),
    )
    assert (fourth.version, fourth.edition) == ("2004", 4)
    etiquette = fourth.outline()[1]
    assert etiquette["completion_threshold"] == {
        "min_progress_measure": None,
        "progress_weight": 0.3,
        "completed_by_measure": None,
    }
    assert etiquette["shared_data"] == [
        {
            "target_id": f"{GOLF_GLOBALS}.notesStorage",
            "read_shared_data": True,
            "write_shared_data": True,
        }
    ]
    assert etiquette["sequencing"]["adl_objectives"][1]["map_info"][0] == {
        "target_objective_id": f"{GOLF_GLOBALS}.playing_completed",
        "read_completion_status": True,
        "write_completion_status": False,
    }
    quiz = fourth.outline()[-1]
    assert quiz["sequencing"]["rollup_rules"] == {
        "rollup_objective_satisfied": True,
        "rollup_progress_completion": True,
        "objective_measure_weight": 1.0,
    }
    assert fourth.manifest["sequencing_collection"]["content_seq_rules"]["delivery_controls"] == {
        "completion_set_by_content": True,
        "objective_set_by_content": True,
    }


def test_scorm_12_extensions_are_kept(regional_author):
    package = scorm_package_import(
        actor=regional_author, source=_corpus("emp__PrerequisitesTest_SCORM12.zip")
    )
    module1, module2, module3, module4 = package.outline()
    assert module1["mastery_score"] == 80.0 and module1["max_time_allowed"] == "02:30:00"
    assert module2["data_from_lms"] == "custom_data_for_module2"
    assert module3["time_limit_action"] == "exit,message"
    assert module4["prerequisites"] == {
        "type": "aicc_script",
        "script": "(module1 AND module2) OR module3",
    }
    item = package.items.get(identifier="module4")
    assert item.mastery_score == 90.0

    quirky = scorm_package_import(actor=regional_author, source=_corpus("moodle__complexscorm.zip"))
    assert quirky.manifest["default_organization"] == "mm-SCORMDEbugger555f231e21b982c25d16"
    assert [note["code"] for note in quirky.manifest["warnings"]] == [
        "default_organization_fallback"
    ]
    hidden = quirky.items.get(identifier="mm-ITEM-SCORMDEbugger555f231e21b982c25s07")
    assert hidden.is_visible is False
    asset = quirky.items.get(identifier="mm-ITEM-SCORMDEbugger555f231e21b982c25s03")
    assert asset.scorm_type == ScormItem.ASSET
    # SCORM 1.2 launches items that contain items too (SCO with sub-SCOs).
    assert quirky.launchable_count == 8 and quirky.sco_count == 7


def test_refusals_say_why():
    reasons = {
        "moodle__badscorm.zip": (
            "The package's manifest is badscorm/imsmanifest.xml, inside the folder badscorm, "
            "instead of at the root of the ZIP file. Zip the contents of that folder (not the "
            "folder itself) and upload the new file."
        ),
        "emp__ItemWithNonExistentResourceId_SCORM12.zip": (
            "The item item_1 refers to the resource non_existent_resource, which the manifest "
            "does not define."
        ),
        "emp__MalformedXml_SCORM12.zip": (
            "The manifest imsmanifest.xml is not well-formed XML (line 27, column 6)."
        ),
        "moodle__singlescobasic_missingorg.zip": (
            "The manifest defines no organization (no course structure), so there is nothing "
            "to launch."
        ),
        "emp__InvalidFileReferences_SCORM12.zip": (
            "The manifest lists the file content/nonexistent.js (resource resource_1), which "
            "is not in the package."
        ),
        "moodle__validaicc.zip": (
            "This is an AICC package (moodle.cst), not a SCORM package. AICC packages are not "
            "supported: export the course as SCORM 1.2 or SCORM 2004."
        ),
    }
    for name, reason in reasons.items():
        with pytest.raises(PackageRefused) as refusal:
            scorm_package_import(actor=None, source=_corpus(name))
        assert reason in refusal.value.messages, (name, refusal.value.messages)


def test_refusals_are_translated(monkeypatch):
    """Every message goes through gettext; under Spanish, the refusal is the Spanish
    catalogue's rendering of the same message (English until the catalogue has it)."""
    path = _corpus("moodle__invalid.zip")
    with translation.override("es"), pytest.raises(PackageRefused) as refusal:
        scorm_package_import(actor=None, source=path)
    with translation.override("es"):
        assert refusal.value.messages == [gettext(MESSAGES["manifest_missing"])]

    seen: list[str] = []

    def fake_gettext(message: str) -> str:
        seen.append(message)
        return f"<{message}>"

    monkeypatch.setattr("courses.packages.scorm.services._", fake_gettext)
    for name in REFUSED:
        with pytest.raises(PackageRefused) as refusal:
            scorm_package_import(actor=None, source=_corpus(name))
        assert all(message.startswith("<") for message in refusal.value.messages), name
        assert all(note.startswith("<") for note in refusal.value.notes), name
    assert set(seen) <= set(MESSAGES.values()) | set(KINDS.values()) | HEADER_FIELDS
    assert {MESSAGES[code] for codes, _warnings in REFUSED.values() for code in codes} <= set(seen)
