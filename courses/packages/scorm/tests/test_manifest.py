"""Reading imsmanifest.xml as the SCORM specifications write it, whatever the tool:
versions and editions, namespaces, spellings, xml:base, hrefs with query strings and
fragments, parameters, dependencies, sub-manifests, ADL extensions and sequencing."""

from __future__ import annotations

import pytest

from courses.packages.scorm.manifest import (
    Href,
    effective_sequencing,
    join_base,
    launch_url,
    parse_manifest,
    resolve_href,
    walk_items,
)
from courses.packages.scorm.services import scorm_package_import
from courses.packages.scorm.validate import validate_package

from .packages import NS_12, NS_2004, PAGE, build_zip, manifest, package

pytestmark = pytest.mark.django_db


def parsed(text: str):
    result = parse_manifest(text.encode())
    assert result.manifest is not None, [p.message() for p in result.problems]
    return result


# --- versions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schemaversion", "version", "edition"),
    [
        ("1.2", "1.2", None),
        ("CAM 1.3", "2004", 2),
        ("2004 2nd Edition", "2004", 2),
        ("2004 3rd Edition", "2004", 3),
        ("2004 4th Edition", "2004", 4),
        ("  2004   4th   Edition ", "2004", 4),
        ("2004", "2004", None),
    ],
)
def test_schemaversion_gives_the_version(schemaversion, version, edition):
    result = parsed(manifest(version=version, schemaversion=schemaversion))
    assert (result.manifest["version"], result.manifest["edition"]) == (version, edition)
    assert result.manifest["version_source"] == "schemaversion"
    assert result.warnings == []


def test_version_is_inferred_from_namespaces_without_schemaversion():
    scorm12 = parsed(manifest(version="1.2", schemaversion=None))
    assert (scorm12.manifest["version"], scorm12.manifest["edition"]) == ("1.2", None)
    assert scorm12.manifest["version_source"] == "namespaces"
    assert [w.code for w in scorm12.warnings] == ["version_inferred"]
    assert scorm12.warnings[0].message() == (
        "The manifest does not say which SCORM version it follows; it was read as SCORM 1.2 "
        "from the XML namespaces it uses."
    )

    scorm2004 = parsed(manifest(version="2004", schemaversion=None))
    assert (scorm2004.manifest["version"], scorm2004.manifest["edition"]) == ("2004", None)

    fourth = manifest(
        version="2004",
        schemaversion=None,
        organizations=(
            '<organization identifier="org"><title>T</title>'
            '<item identifier="i1" identifierref="res1"><title>A</title>'
            '<adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.8"/>'
            "</item></organization>"
        ),
    )
    assert parsed(fourth).manifest["edition"] == 4


def test_the_corpus_manifest_without_schemaversion_is_read_as_2004():
    from .packages import CORPUS

    path = CORPUS / "emp__ContentPackagingNoSchemaVersion_SCORM20042ndEdition.zip"
    if not path.is_file():
        pytest.skip("corpus not found")
    report = validate_package(path)
    assert report.manifest["version"] == "2004"
    assert report.manifest["version_source"] == "namespaces"
    assert report.warning_codes == {"version_inferred"}


def test_an_unknown_schemaversion_is_noted_and_the_namespaces_decide():
    result = parsed(manifest(version="2004", schemaversion="SCORM 2004 5th Edition"))
    assert result.manifest["version"] == "2004"
    assert [w.code for w in result.warnings] == ["schemaversion_unknown"]


def test_a_manifest_without_any_namespace_is_read():
    text = (
        '<manifest identifier="bare"><organizations default="o"><organization identifier="o">'
        '<title>Bare</title><item identifier="i" identifierref="r"><title>I</title></item>'
        '</organization></organizations><resources><resource identifier="r" type="webcontent"'
        ' scormtype="sco" href="index.html"/></resources></manifest>'
    )
    result = parsed(text)
    assert result.manifest["launchable"] == ["i"]
    assert result.manifest["resources"]["r"]["scorm_type"] == "sco"


# --- hrefs --------------------------------------------------------------------------------


def test_xml_base_is_a_folder_on_manifest_resources_and_resource():
    text = (
        f'<manifest identifier="m" {NS_2004} xml:base="course/">'
        '<organizations default="o"><organization identifier="o"><title>T</title>'
        '<item identifier="i" identifierref="r"><title>I</title></item></organization>'
        '</organizations><resources xml:base="units">'
        '<resource identifier="r" type="webcontent" adlcp:scormType="sco" href="a b.html?x=1#top"'
        ' xml:base="one/"><file href="a%20b.html"/><file href="../shared/app.js"/>'
        '<dependency identifierref="common"/></resource>'
        '<resource identifier="common" type="webcontent" adlcp:scormType="asset">'
        '<file href="shared/style.css"/></resource></resources></manifest>'
    )
    result = parsed(text)
    resource = result.manifest["resources"]["r"]
    assert resource["path"] == "course/units/one/a b.html"
    assert resource["href"] == "course/units/one/a%20b.html?x=1#top"
    assert resource["files"] == ["course/units/one/a b.html", "course/units/shared/app.js"]
    assert resource["dependencies"] == ["common"]
    assert result.manifest["resources"]["common"]["files"] == ["course/units/shared/style.css"]
    item = result.manifest["organizations"][0]["items"][0]
    assert item["launch"] == "course/units/one/a%20b.html?x=1#top"


@pytest.mark.parametrize(
    ("href", "parameters", "launch"),
    [
        ("a.html", "", "a.html"),
        ("a.html", "?x=1", "a.html?x=1"),
        ("a.html", "&x=1", "a.html?x=1"),
        ("a.html", "x=1", "a.html?x=1"),
        ("a.html?y=2", "?x=1", "a.html?y=2&x=1"),
        ("a.html#p", "?x=1", "a.html?x=1#p"),
        ("a.html", "#p3", "a.html#p3"),
        ("a.html#p", "#p3", "a.html#p"),
        ("a.html?y=2#p", "x=1", "a.html?y=2&x=1#p"),
    ],
)
def test_parameters_join_the_href_as_the_cam_says(href, parameters, launch):
    assert launch_url(resolve_href("", href), parameters) == launch


def test_hrefs_are_resolved_safely():
    assert resolve_href("", "content/../index.html").path == "index.html"
    assert resolve_href("content/", "../index.html").path == "index.html"
    assert resolve_href("", "content\\index.html").path == "content/index.html"
    assert resolve_href("", "lecci%C3%B3n.html").path == "lección.html"
    assert resolve_href("", "https://cdn.example.org/x.js").external
    for unsafe in ("../x.html", "/x.html", "javascript:alert(1)", "data:text/html,x", "%2e%2e/x"):
        assert resolve_href("", unsafe).unsafe, unsafe
    assert join_base("", "content") == join_base("", "content/") == "content/"
    assert join_base("a/", "http://cdn.example.org/b") == "http://cdn.example.org/b/"
    assert resolve_href(join_base("", "http://cdn.example.org/b"), "x.html") == Href(
        url="http://cdn.example.org/b/x.html", path=None, external=True
    )


def test_an_external_launch_is_imported_with_a_note():
    resources = (
        '<resource identifier="res1" type="webcontent" adlcp:scormtype="sco" '
        'href="https://elearning.example.org/course/index.html"/>'
    )
    report = validate_package(package(resources=resources))
    assert report.ok and report.warning_codes == {"external_launch"}


# --- structure ------------------------------------------------------------------------------


def test_scormtype_is_read_in_every_spelling():
    for attribute in ('adlcp:scormtype="sco"', 'adlcp:scormType="SCO"', 'scormType="sco"'):
        text = manifest(
            resources=(
                f'<resource identifier="res1" type="webcontent" {attribute} href="index.html"/>'
            )
        )
        result = parsed(text)
        assert result.manifest["resources"]["res1"]["scorm_type"] == "sco", attribute
        assert result.warnings == []


def test_adl_item_extensions_are_read_whatever_their_case():
    organizations = (
        '<organization identifier="org"><title>T</title>'
        '<item identifier="a" identifierref="res1" isvisible="false" parameters="?p=1">'
        "<title>A</title><adlcp:masteryscore>75</adlcp:masteryscore>"
        "<adlcp:maxtimeallowed>0000:30:00</adlcp:maxtimeallowed>"
        "<adlcp:timelimitaction>Exit, No Message</adlcp:timelimitaction>"
        "<adlcp:datafromlms>resume=3</adlcp:datafromlms>"
        '<adlcp:prerequisites type="aicc_script">b</adlcp:prerequisites></item>'
        '<item identifier="b" identifierref="res1"><title>B</title>'
        "<adlcp:completionThreshold>0.6</adlcp:completionThreshold>"
        "<adlcp:masteryscore>lots</adlcp:masteryscore></item></organization>"
    )
    result = parsed(manifest(organizations=organizations))
    first, second = result.manifest["organizations"][0]["items"]
    assert first["is_visible"] is False and first["parameters"] == "?p=1"
    assert first["launch"] == "index.html?p=1"
    assert first["mastery_score"] == 75.0 and first["max_time_allowed"] == "0000:30:00"
    assert first["time_limit_action"] == "exit,no message"
    assert first["data_from_lms"] == "resume=3"
    assert first["prerequisites"] == {"type": "aicc_script", "script": "b"}
    assert second["completion_threshold"] == {
        "min_progress_measure": 0.6,
        "progress_weight": None,
        "completed_by_measure": True,
    }
    assert second["mastery_score"] is None
    assert [(w.code, w.params["field"]) for w in result.warnings] == [
        ("invalid_value", "masteryscore")
    ]


def test_presentation_and_sequencing_are_kept_for_the_runtime():
    organizations = (
        '<organization identifier="org"><title>T</title>'
        '<item identifier="a" identifierref="res1"><title>A</title>'
        "<adlnav:presentation><adlnav:navigationInterface>"
        "<adlnav:hideLMSUI>continue</adlnav:hideLMSUI><adlnav:hideLMSUI>previous</adlnav:hideLMSUI>"
        "</adlnav:navigationInterface></adlnav:presentation>"
        '<imsss:sequencing IDRef="shared"><imsss:limitConditions attemptLimit="3"/>'
        '<imsss:controlMode flow="1"/></imsss:sequencing></item>'
        '<imsss:sequencing><imsss:controlMode choice="false" flow="true"/>'
        '<imsss:randomizationControls selectCount="2" reorderChildren="true"/>'
        "</imsss:sequencing></organization>"
    )
    collection = (
        '<imsss:sequencingCollection><imsss:sequencing ID="shared">'
        '<imsss:controlMode choice="true"/><imsss:deliveryControls tracked="false"/>'
        "</imsss:sequencing></imsss:sequencingCollection>"
    )
    result = parsed(
        manifest(
            version="2004",
            schemaversion="2004 3rd Edition",
            organizations=organizations,
            extra=collection,
        )
    )
    organization = result.manifest["organizations"][0]
    assert organization["sequencing"] == {
        "control_mode": {"choice": False, "flow": True},
        "randomization_controls": {"select_count": 2, "reorder_children": True},
    }
    item = organization["items"][0]
    assert item["presentation"] == {"hide_lms_ui": ["continue", "previous"]}
    assert item["sequencing"] == {
        "id_ref": "shared",
        "limit_conditions": {"attempt_limit": 3},
        "control_mode": {"flow": True},
    }
    assert effective_sequencing(item["sequencing"], result.manifest["sequencing_collection"]) == {
        "control_mode": {"flow": True},  # the item's element replaces the collection's
        "delivery_controls": {"tracked": False},
        "limit_conditions": {"attempt_limit": 3},
    }


def test_a_sub_manifest_is_aggregated_under_the_item_that_names_it():
    text = (
        f'<manifest identifier="root" {NS_12}><metadata><schemaversion>1.2</schemaversion>'
        '</metadata><organizations default="o"><organization identifier="o"><title>Course</title>'
        '<item identifier="unit" identifierref="sub"><title>Unit</title></item>'
        '<item identifier="direct" identifierref="subres"><title>Direct</title></item>'
        "</organization></organizations><resources/>"
        '<manifest identifier="sub" xml:base="unit1/"><organizations default="so">'
        '<organization identifier="so"><title>Sub</title>'
        '<item identifier="s1" identifierref="subres"><title>Page</title></item>'
        '</organization></organizations><resources><resource identifier="subres" '
        'type="webcontent" adlcp:scormtype="sco" href="page.html"/></resources></manifest>'
        "</manifest>"
    )
    result = parsed(text)
    unit, direct = result.manifest["organizations"][0]["items"]
    assert unit["submanifest"] == "sub" and not unit["launchable"]
    assert [child["identifier"] for child in unit["children"]] == ["s1"]
    assert unit["children"][0]["launch"] == "unit1/page.html"
    assert direct["launch"] == "unit1/page.html"
    assert result.manifest["launchable"] == ["s1", "direct"]
    assert result.problems == []


def test_scorm_2004_launches_leaves_only_and_notes_the_rest():
    organizations = (
        '<organization identifier="org"><title>T</title>'
        '<item identifier="parent" identifierref="res1"><title>P</title>'
        '<item identifier="child" identifierref="res1"><title>C</title></item></item>'
        '<item identifier="empty"><title>E</title></item></organization>'
    )
    result = parsed(
        manifest(version="2004", schemaversion="2004 4th Edition", organizations=organizations)
    )
    assert result.manifest["launchable"] == ["child"]
    assert {w.code for w in result.warnings} == {
        "parent_item_resource_ignored",
        "leaf_item_without_resource",
    }
    # SCORM 1.2 launches a parent item that has a resource.
    scorm12 = parsed(manifest(organizations=organizations))
    assert scorm12.manifest["launchable"] == ["parent", "child"]


def test_structural_problems_are_each_reported():
    organizations = (
        '<organization identifier="org"><title>T</title>'
        '<item identifier="a" identifierref="res1"><title>A</title></item>'
        '<item identifier="a" identifierref="res1"><title>Again</title></item>'
        '<item identifierref="res1"><title>Nameless</title></item>'
        '<item identifier="c" identifierref="res1"/></organization>'
    )
    resources = (
        '<resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="index.html">'
        '<dependency identifierref="ghost"/></resource><resource type="webcontent"/>'
    )
    result = parse_manifest(manifest(organizations=organizations, resources=resources).encode())
    assert {p.code for p in result.problems} == {
        "identifier_duplicate",
        "item_identifier_missing",
        "item_title_missing",
        "dependency_unknown",
        "resource_identifier_missing",
    }


def test_a_deeply_nested_manifest_is_refused_without_recursing_forever():
    depth = 200
    items = "".join(f'<item identifier="i{n}"><title>{n}</title>' for n in range(depth))
    items += "</item>" * depth
    text = manifest(
        organizations=f'<organization identifier="org"><title>T</title>{items}</organization>'
    )
    result = parse_manifest(text.encode())
    assert "manifest_too_deep" in {p.code for p in result.problems}


def test_the_outline_follows_the_organization(regional_author):
    organizations = (
        '<organization identifier="org"><title>Course</title>'
        '<item identifier="m1"><title>Module 1</title>'
        '<item identifier="l1" identifierref="res1"><title>Lesson 1</title></item>'
        '<item identifier="l2" identifierref="res2"><title>Lesson 2</title></item></item>'
        "</organization>"
    )
    resources = (
        '<resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="one.html"/>'
        '<resource identifier="res2" type="webcontent" adlcp:scormtype="asset" href="two.html"/>'
    )
    data = build_zip(
        {
            "imsmanifest.xml": manifest(organizations=organizations, resources=resources),
            "one.html": PAGE,
            "two.html": PAGE,
        }
    )
    imported = scorm_package_import(actor=regional_author, source=data)
    assert [item["title"] for item in walk_items(imported.outline())] == [
        "Module 1",
        "Lesson 1",
        "Lesson 2",
    ]
    rows = list(imported.items.values_list("identifier", "position", "depth", "scorm_type"))
    assert rows == [("l1", 0, 1, "sco"), ("l2", 1, 1, "asset")]
    assert not imported.is_single_sco and imported.sco_count == 1
