"""The pure xAPI rules (courses/packages/h5p/xapi.py): what H5P really sends passes, each
violation is refused with its code, and the server's properties replace the browser's."""

import copy
import json

import pytest

from courses.packages.h5p import xapi
from courses.tests.h5p_statements import ACTIVITY, answered, h5p_statement


def codes(statement):
    return [(problem.code, problem.path) for problem in xapi.validate_statement(statement)]


REAL_SHAPES = {
    "multichoice answered": answered(1, 1),
    "wrong answer": answered(0, 3),
    "attempted on load": h5p_statement("attempted", statement_id=None),
    "interacted": h5p_statement("interacted"),
    "accordion consumed": h5p_statement(
        "http://activitystrea.ms/schema/1.0/consume", library="H5P.Accordion-1.0", completion=True
    ),
    "agamotto experienced": h5p_statement("experienced", library="H5P.Agamotto-1.5"),
    "presentation progressed": h5p_statement(
        "progressed", library="H5P.CoursePresentation-1.22", ending_point=3
    ),
    "presentation summary": h5p_statement(
        "completed", library="H5P.CoursePresentation-1.22", score=(3, 24), completion=True
    ),
    "sub-content answered": answered(2, 2, sub_content="a95661d5-1a38-4bc4-9093-0479d32df52e"),
    # InteractiveVideo's interactions: a subContentId, no parent
    "sub-content without parent": h5p_statement(
        "attempted", sub_content="a95661d5-1a38-4bc4-9093-0479d32df52e", parent=False
    ),
    "nothing to score": h5p_statement(
        "completed", score={"min": 0, "max": 0, "raw": 0}, completion=True
    ),
    "question with its interaction": answered(1, 1),
}
REAL_SHAPES["question with its interaction"]["object"]["definition"].update(
    {
        "description": {"en-US": "Which tool is the live channel?\n"},
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "interactionType": "choice",
        "correctResponsesPattern": ["1"],
        "choices": [
            {"id": "0", "description": {"en-US": "CEN\n"}},
            {"id": "1", "description": {"en-US": "CENcomm\n"}},
        ],
    }
)
REAL_SHAPES["question with its interaction"]["result"]["response"] = "1"
REAL_SHAPES["question with its interaction"]["context"]["extensions"] = {
    "http://id.tincanapi.com/extension/ending-point": "PT12S"
}


@pytest.mark.parametrize("name", REAL_SHAPES)
def test_what_h5p_sends_is_valid(name):
    assert codes(REAL_SHAPES[name]) == []


def test_the_h5p_actor_is_not_validated_but_replaced():
    # H5P writes "mailto:" with an empty address when the page gives no e-mail.
    statement = answered(actor={"name": "", "mbox": "mailto:", "objectType": "Agent"})
    assert codes(statement) == []
    agent = xapi.officer_agent(home_page="https://lms.example", name="opaque")
    prepared = xapi.prepare_statement(
        statement,
        statement_id="0b5e8f3e-6c1a-4b0e-9a57-5a3c2e9f1d20",
        actor=agent,
        authority={
            "objectType": "Agent",
            "account": {"homePage": "https://lms.example", "name": "lms"},
        },
        now="2026-01-02T03:04:05.678Z",
    )
    assert prepared["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://lms.example", "name": "opaque"},
    }
    assert prepared["authority"]["account"]["name"] == "lms"
    assert prepared["timestamp"] == prepared["stored"] == "2026-01-02T03:04:05.678Z"
    assert prepared["id"] == "0b5e8f3e-6c1a-4b0e-9a57-5a3c2e9f1d20"
    assert prepared["version"] == "1.0.3"
    # Everything else is kept whole.
    for key in ("verb", "object", "context", "result"):
        assert prepared[key] == statement[key]
    assert statement["actor"]["mbox"] == "mailto:"  # the browser's dict is not changed


def test_the_browser_cannot_set_what_the_server_sets():
    statement = answered(
        timestamp="1999-01-01T00:00:00Z",
        stored="1999-01-01T00:00:00Z",
        authority={"mbox": "mailto:boss@example.org"},
    )
    assert codes(statement) == []
    prepared = xapi.prepare_statement(
        statement, statement_id=statement["id"], actor={}, authority={"a": 1}, now="2026"
    )
    assert (prepared["timestamp"], prepared["stored"], prepared["authority"]) == (
        "2026",
        "2026",
        {"a": 1},
    )


@pytest.mark.parametrize(
    "score",
    [
        {"scaled": 0.5},  # scaled only
        {"scaled": -1},
        {"raw": -3, "min": -5, "max": 5},  # negative raw and min
        {"raw": -5, "min": -5, "max": -1},
        {"raw": 7},  # raw without a range is unrestricted
        {"raw": 4.5, "max": 10},
        {"raw": 4.0000000001, "min": 0, "max": 4},  # floating-point drift
    ],
)
def test_scores_xapi_allows(score):
    assert codes(h5p_statement("answered", score=score)) == []


def test_scaled_only_and_negative_scores_give_their_share():
    facts = xapi.statement_facts(h5p_statement("answered", score={"scaled": 0.8}))
    assert facts.score.fraction == 0.8
    facts = xapi.statement_facts(h5p_statement("answered", score={"raw": 0, "min": -4, "max": 4}))
    assert facts.score.fraction == 0.5
    facts = xapi.statement_facts(h5p_statement("answered", score={"raw": 5}))
    assert facts.score.fraction is None


def test_drift_is_clamped_when_stored():
    statement = h5p_statement("answered", score={"raw": 4.0000000001, "min": 0, "max": 4})
    prepared = xapi.prepare_statement(statement, statement_id="x", actor={}, authority={}, now="n")
    assert prepared["result"]["score"]["raw"] == 4
    assert xapi.statement_facts(statement).score.raw == 4


def test_nothing_to_score_is_dropped_from_the_stored_statement():
    statement = h5p_statement("completed", score={"min": 0, "max": 0, "raw": 0}, completion=True)
    facts = xapi.statement_facts(statement)
    assert facts.nothing_to_score and facts.score is None
    prepared = xapi.prepare_statement(statement, statement_id="x", actor={}, authority={}, now="n")
    assert "score" not in prepared["result"] and prepared["result"]["completion"] is True


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.update(id="not-a-uuid"), ("not_uuid", "id")),
        (lambda s: s.update(id=12), ("not_uuid", "id")),
        (lambda s: s.pop("verb"), ("missing", "verb")),
        (lambda s: s.update(verb="answered"), ("not_object", "verb")),
        (lambda s: s["verb"].pop("id"), ("missing", "verb.id")),
        (lambda s: s["verb"].update(id="answered"), ("not_iri", "verb.id")),
        (lambda s: s["verb"].update(id="x/answered"), ("not_iri", "verb.id")),
        (lambda s: s["verb"].update(id="http://"), ("not_iri", "verb.id")),
        (lambda s: s["verb"].update(id="http:///path"), ("not_iri", "verb.id")),
        (lambda s: s["verb"].update(id="http://a b/c"), ("not_iri", "verb.id")),
        (lambda s: s["verb"].update(display="answered"), ("not_language_map", "verb.display")),
        (lambda s: s["verb"].update(display={"en US": "x"}), ("not_language_map", "verb.display")),
        (lambda s: s.pop("object"), ("missing", "object")),
        (lambda s: s["object"].pop("id"), ("missing", "object.id")),
        (lambda s: s["object"].update(id="/relative/path"), ("not_iri", "object.id")),
        (lambda s: s["object"].update(id="x" * 3000), ("not_iri", "object.id")),
        (lambda s: s["object"].update(objectType="Agent"), ("not_activity", "object.objectType")),
        (
            lambda s: s["object"].update(objectType="SubStatement"),
            ("not_activity", "object.objectType"),
        ),
        (
            lambda s: s["object"]["definition"]["extensions"].update({"local-id": 1}),
            ("not_iri_key", "object.definition.extensions"),
        ),
        (
            lambda s: s["object"]["definition"].update(interactionType="compound"),
            ("bad_interaction_type", "object.definition.interactionType"),
        ),
        (
            lambda s: s["object"]["definition"].update(type="cmi.interaction"),
            ("not_iri", "object.definition.type"),
        ),
        (
            lambda s: s["object"]["definition"].update(name="Live channels"),
            ("not_language_map", "object.definition.name"),
        ),
        (
            lambda s: s["result"]["score"].update(scaled=1.5),
            ("scaled_out_of_range", "result.score.scaled"),
        ),
        (
            lambda s: s["result"]["score"].update(scaled=-1.01),
            ("scaled_out_of_range", "result.score.scaled"),
        ),
        (lambda s: s["result"]["score"].update(raw=5), ("raw_out_of_range", "result.score.raw")),
        (lambda s: s["result"]["score"].update(raw=-1), ("raw_out_of_range", "result.score.raw")),
        (
            lambda s: s["result"]["score"].update(min=4, max=4, raw=4),
            ("min_not_below_max", "result.score"),
        ),
        (lambda s: s["result"]["score"].update(min=5), ("min_not_below_max", "result.score")),
        (lambda s: s["result"]["score"].update(raw="3"), ("not_number", "result.score.raw")),
        (lambda s: s["result"]["score"].update(raw=True), ("not_number", "result.score.raw")),
        (lambda s: s["result"]["score"].update(max=10**400), ("not_number", "result.score.max")),
        (
            lambda s: s["result"]["score"].update(points=3),
            ("unknown_property", "result.score.points"),
        ),
        (lambda s: s["result"].update(score=3), ("not_object", "result.score")),
        (lambda s: s["result"].update(success="yes"), ("not_boolean", "result.success")),
        (lambda s: s["result"].update(completion=1), ("not_boolean", "result.completion")),
        (lambda s: s["result"].update(duration="3 seconds"), ("not_duration", "result.duration")),
        (lambda s: s["result"].update(duration="PT"), ("not_duration", "result.duration")),
        (lambda s: s["result"].update(duration="P"), ("not_duration", "result.duration")),
        (lambda s: s["result"].update(response=1), ("not_text", "result.response")),
        (
            lambda s: s["result"].update(extensions={"answer": 1}),
            ("not_iri_key", "result.extensions"),
        ),
        (lambda s: s.update(result="full marks"), ("not_object", "result")),
        (lambda s: s["context"].update(registration="r1"), ("not_uuid", "context.registration")),
        (lambda s: s["context"].update(language="en US"), ("not_language_tag", "context.language")),
        (
            lambda s: s["context"]["contextActivities"].update(parent=[{"id": "parent"}]),
            ("not_iri", "context.contextActivities.parent[0].id"),
        ),
        (
            lambda s: s["context"]["contextActivities"].update(siblings=[]),
            ("unknown_property", "context.contextActivities.siblings"),
        ),
        (
            lambda s: s["context"].update(extensions={"ending-point": 3}),
            ("not_iri_key", "context.extensions"),
        ),
        (lambda s: s.update(padding="x"), ("unknown_property", "padding")),
        (lambda s: s.update(version="2.0.0"), ("bad_version", "version")),
        (lambda s: s.update(attachments=[]), ("attachments", "attachments")),
        (
            lambda s: s["object"]["definition"].update(title="\x00"),
            ("bad_character", "object.definition.title"),
        ),
    ],
)
def test_each_violation_is_refused_with_its_code(change, expected):
    statement = answered(3, 4)
    change(statement)
    assert expected in codes(statement)


def test_a_non_object_is_refused():
    assert codes([answered()]) == [("not_an_object", "")]
    assert codes("answered") == [("not_an_object", "")]


def test_enormous_and_deep_statements_are_refused():
    statement = answered()
    statement["result"]["extensions"] = {"http://example.org/pad": "é" * (33 * 1024)}
    assert codes(statement) == [("too_large", "")]
    deep = answered()
    nested = deep["result"]["extensions"] = {"http://example.org/deep": {}}
    node = nested["http://example.org/deep"]
    for _ in range(xapi.MAX_DEPTH):
        node["a"] = {}
        node = node["a"]
    assert codes(deep) == [("too_deep", "")]


def test_every_problem_is_listed_and_translatable():
    statement = answered(3, 4)
    statement["verb"]["id"] = "answered"
    statement["result"]["score"]["scaled"] = 7
    problems = xapi.validate_statement(statement)
    assert [p.code for p in problems] == ["not_iri", "scaled_out_of_range"]
    assert problems[0].render() == (
        "verb.id must be an absolute IRI with a scheme (such as https://…), "
        "of at most 2048 characters."
    )
    seen = []
    rendered = problems[1].render(lambda m: seen.append(m) or "ES: " + m)
    assert rendered == "ES: result.score.scaled must be between -1 and 1."
    assert seen == [xapi.MESSAGES["scaled_out_of_range"]]
    assert set(xapi.MESSAGES) >= {p.code for p in problems}


def test_facts_tell_main_content_from_sub_content():
    main = xapi.statement_facts(answered(3, 4))
    assert not main.sub_content and main.library == "H5P.MultiChoice"
    assert main.verb_name == "answered" and main.score.fraction == 0.75
    assert main.object_id == ACTIVITY
    sub = xapi.statement_facts(answered(1, 1, sub_content="abc"))
    assert sub.sub_content
    no_parent = xapi.statement_facts(h5p_statement("answered", sub_content="abc", parent=False))
    assert no_parent.sub_content
    progressed = xapi.statement_facts(
        h5p_statement("progressed", library="H5P.CoursePresentation-1.22", ending_point=3)
    )
    assert progressed.ending_point == 3 and progressed.library == "H5P.CoursePresentation"


def test_same_statement_ignores_what_the_server_and_the_lrs_set():
    statement = answered()
    first = xapi.prepare_statement(
        statement, statement_id=statement["id"], actor={"a": 1}, authority={}, now="t1"
    )
    second = xapi.prepare_statement(
        statement, statement_id=statement["id"], actor={"a": 1}, authority={}, now="t2"
    )
    assert xapi.same_statement(first, second)
    other = copy.deepcopy(second)
    other["result"]["score"]["raw"] = 0
    assert not xapi.same_statement(first, other)
    assert not xapi.same_statement(first, {**second, "actor": {"a": 2}})


def test_statements_survive_json_round_trips():
    statement = answered()
    assert codes(json.loads(json.dumps(statement))) == []
