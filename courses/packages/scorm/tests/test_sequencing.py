"""SCORM 2004 sequencing on Rustici's Golf examples (the corpus, read as it is)."""

from __future__ import annotations

import zipfile

import pytest

from courses.packages.scorm.manifest import parse_manifest
from courses.packages.scorm.sequencing import (
    ItemState,
    choice_allowed,
    evaluate,
    flow_target,
    start_target,
)

from .packages import CORPUS

PASSED = ItemState("completed", "passed", 1.0, 1)
COMPLETED = ItemState("completed", "unknown", None, 1)
FAILED = ItemState("completed", "failed", 0.2, 1)


def manifest_of(name: str) -> dict:
    path = CORPUS / f"{name}.zip"
    if not path.exists():
        pytest.skip(f"corpus package {name} is not there")
    with zipfile.ZipFile(path) as archive:
        return parse_manifest(archive.read("imsmanifest.xml")).manifest


def choosable(navigation):
    return [
        leaf.identifier for leaf in navigation.leaves if choice_allowed(navigation, leaf.identifier)
    ]


FORCED = "golf__SequencingForcedSequential_SCORM20043rdEdition"
PRE_POST = "golf__SequencingPreOrPostTestRollup_SCORM20043rdEdition"
POST = "golf__SequencingPostTestRollup_SCORM20043rdEdition"
ORDER = ["playing_item", "etuqiette_item", "handicapping_item", "havingfun_item"]


def test_forced_sequential_opens_one_sco_after_the_other():
    manifest = manifest_of(FORCED)
    navigation = evaluate(manifest, {})
    assert choosable(navigation) == ["playing_item"]
    assert start_target(navigation, version="2004") == "playing_item"
    assert flow_target(navigation, "playing_item", "continue", version="2004") is None
    states = {"playing_item": PASSED}
    navigation = evaluate(manifest, states)
    assert choosable(navigation) == ["playing_item", "etuqiette_item"]
    assert flow_target(navigation, "playing_item", "continue", version="2004") == "etuqiette_item"
    assert navigation.as_json()["flow"]["playing_item"]["continue"] == "etuqiette_item"
    # Completed without being satisfied does not open the next one.
    navigation = evaluate(manifest, {"playing_item": COMPLETED})
    assert choosable(navigation) == ["playing_item"]
    states = {identifier: PASSED for identifier in ORDER}
    navigation = evaluate(manifest, states)
    assert "assessment_item" in choosable(navigation)
    assert not navigation.done
    navigation = evaluate(manifest, {**states, "assessment_item": PASSED})
    assert navigation.done and navigation.success == "passed"


def test_a_passed_pre_test_completes_the_course_and_closes_both_tests():
    manifest = manifest_of(PRE_POST)
    navigation = evaluate(manifest, {})
    assert start_target(navigation, version="2004") == "pretest_item"
    assert "posttest_item" not in choosable(navigation)  # the content comes first
    assert flow_target(navigation, "pretest_item", "continue", version="2004") == "playing_item"
    navigation = evaluate(manifest, {"pretest_item": PASSED})
    assert navigation.done
    assert "pretest_item" not in choosable(navigation)
    assert "posttest_item" not in choosable(navigation)


def test_a_failed_pre_test_leads_through_the_content_to_the_post_test():
    manifest = manifest_of(PRE_POST)
    states = {"pretest_item": FAILED}
    navigation = evaluate(manifest, states)
    assert not navigation.done
    assert "pretest_item" not in choosable(navigation)  # one attempt only
    assert "posttest_item" not in choosable(navigation)
    states.update({identifier: COMPLETED for identifier in ORDER})
    navigation = evaluate(manifest, states)
    assert "posttest_item" in choosable(navigation)
    assert not navigation.done
    later = ItemState("completed", "passed", 1.0, 1, order=9)  # after the pre-test
    navigation = evaluate(manifest, {**states, "posttest_item": later})
    assert navigation.done and navigation.success == "passed"


def test_post_test_rollup_takes_the_test_for_the_course():
    manifest = manifest_of(POST)
    navigation = evaluate(manifest, {})
    leaves = [leaf.identifier for leaf in navigation.leaves]
    test = leaves[-1]
    navigation = evaluate(manifest, {identifier: COMPLETED for identifier in leaves[:-1]})
    assert not navigation.done
    navigation = evaluate(manifest, {test: FAILED})
    assert navigation.success == "failed" and not navigation.done
    navigation = evaluate(
        manifest, {**{identifier: COMPLETED for identifier in leaves[:-1]}, test: PASSED}
    )
    assert navigation.success == "passed" and navigation.done


def test_packages_without_sequencing_flow_freely_and_complete_when_every_sco_does():
    manifest = manifest_of("golf__ContentPackagingOneFilePerSCO_SCORM20043rdEdition")
    navigation = evaluate(manifest, {})
    leaves = [leaf.identifier for leaf in navigation.leaves]
    assert len(leaves) > 1 and choosable(navigation) == leaves
    assert flow_target(navigation, leaves[0], "continue", version="2004") == leaves[1]
    assert flow_target(navigation, leaves[1], "previous", version="2004") == leaves[0]
    assert flow_target(navigation, leaves[-1], "continue", version="2004") is None
    flow = navigation.as_json()["flow"]
    assert flow[leaves[0]] == {"previous": None, "continue": leaves[1]}
    navigation = evaluate(manifest, {identifier: COMPLETED for identifier in leaves[:-1]})
    assert navigation.completion == "incomplete" and not navigation.done
    navigation = evaluate(manifest, {identifier: COMPLETED for identifier in leaves})
    assert navigation.done


def test_a_failed_scorm_12_sco_does_not_finish_the_package():
    manifest = manifest_of("golf__RuntimeBasicCalls_SCORM12")
    navigation = evaluate(manifest, {})
    (leaf,) = [leaf.identifier for leaf in navigation.leaves]
    assert start_target(navigation, version="1.2") == leaf
    assert not evaluate(manifest, {leaf: FAILED}).done
    assert evaluate(manifest, {leaf: PASSED}).done
    assert evaluate(manifest, {leaf: COMPLETED}).done


def test_a_package_that_flows_without_choice_is_taken_with_continue_and_previous():
    def leaf(identifier):
        return {"identifier": identifier, "title": identifier, "launchable": True}

    manifest = {
        "version": "2004",
        "default_organization": "org",
        "organizations": [
            {
                "identifier": "org",
                "title": "Flow only",
                "sequencing": {"control_mode": {"choice": False, "flow": True}},
                "items": [leaf("one"), leaf("two"), leaf("three")],
            }
        ],
    }
    navigation = evaluate(manifest, {})
    assert choosable(navigation) == []
    assert start_target(navigation, version="2004") == "one"
    flow = navigation.as_json()["flow"]
    assert flow["one"] == {"previous": None, "continue": "two"}
    assert flow["three"] == {"previous": "two", "continue": None}
    manifest["organizations"][0]["sequencing"]["control_mode"]["forward_only"] = True
    assert evaluate(manifest, {}).as_json()["flow"]["two"]["previous"] is None


REMEDIATION = "golf__SequencingSimpleRemediation_SCORM20043rdEdition"
CONTENT = ["playing_item", "etuqiette_item", "handicapping_item", "havingfun_item"]
QUIZZES = ["test_1", "test_2", "test_3", "test_4"]


def test_remediation_sends_the_officer_back_through_what_is_not_yet_mastered():
    """Golf's remediation loop: the last quiz exits the hidden wrapper (post-condition
    exitParent); the wrapper, not yet satisfied, is tried again (retry), and flow skips
    the lessons and quizzes whose objective is already satisfied; once every quiz is
    passed the wrapper exits all and the package is done."""
    manifest = manifest_of(REMEDIATION)
    navigation = evaluate(manifest, {})
    assert start_target(navigation, version="2004") == "playing_item"
    assert choosable(navigation) == []  # flow only
    # First pass: lessons read, quizzes 1 and 3 passed, 2 and 4 failed.
    states = {identifier: COMPLETED for identifier in CONTENT}
    states.update({"test_1": PASSED, "test_2": FAILED, "test_3": PASSED, "test_4": FAILED})
    navigation = evaluate(manifest, states)
    assert not navigation.done
    # Continue from the last quiz: back to the etiquette lesson (playing is mastered).
    assert flow_target(navigation, "test_4", "continue", version="2004") == "etuqiette_item"
    assert navigation.as_json()["flow"]["test_4"]["continue"] == "etuqiette_item"
    # Within the second pass, flow skips what is mastered: etiquette -> having fun.
    assert flow_target(navigation, "etuqiette_item", "continue", version="2004") == (
        "havingfun_item"
    )
    assert flow_target(navigation, "havingfun_item", "continue", version="2004") == "test_2"
    assert flow_target(navigation, "test_2", "continue", version="2004") == "test_4"
    # Everything passed: the last quiz exits all, nothing to continue to, package done.
    states.update({"test_2": PASSED, "test_4": PASSED})
    navigation = evaluate(manifest, states)
    assert flow_target(navigation, "test_4", "continue", version="2004") is None
    assert navigation.done and navigation.success == "passed"
