"""Every id the officer's browser sees is an opaque token of the attempt.

The attack these tests repeat: read the ids in the attempt page and answer from them alone
(sort ordering items naturally, pair premise K with response K, take the first option).
With authored ids (``i1, i2, …``, ``pK → rK``, GIFT's ``a, b, c``) that scored full marks
on most demo questions; with tokens it must score no better than chance.
"""

from __future__ import annotations

import json
import random
import re
import statistics
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assessments import services, tokens, types
from assessments.content import public_view
from assessments.grading import (
    ENTRY_LISTS,
    QUESTION_TYPES,
    RESPONSE_ID_SHAPES,
    ResponseError,
    grade,
)
from assessments.models import AssessmentPage, Attempt, DrawRule
from assessments.tests.essay_fixtures import ESSAY
from assessments.tests.fixtures import QUESTIONS, browser_answer
from assessments.tests.test_type_drag_drop import QUESTIONS as DRAG_DROP_QUESTIONS
from assessments.tests.test_type_drag_drop import RIGHT as RIGHT_DD
from courses import services as course_services
from courses.tests.fixtures import add
from lms.seeding import SeedReport

RIGHT = {
    "single_choice": {"option": "b"},
    "multiple_response": {"options": ["a", "b"]},
    "true_false": {"value": False},
    "numeric": {"value": 5.0},
    "ordering": {"order": ["s", "e", "v", "a"]},
    "matching": {"pairs": {"p1": "r1", "p2": "r2"}},
    "hotspot": {"clicks": [[60.0, 100.0]]},
    "essay": {"text": "Seized under article 189.", "files": []},
    "cloze": {"gaps": {"g1": "CEN", "g2": "b", "g3": ["a", "c"]}},
    "short_answer": {"text": "PE004512"},
    "description": {"value": None},
    **{qtype: RIGHT_DD[qtype] for qtype in RIGHT_DD},
}

# Types whose sample is not in the shared fixture (it would change every attempt there).
MORE_QUESTIONS = {
    **DRAG_DROP_QUESTIONS,
    "essay": ESSAY,
    "short_answer": (
        "short_answer",
        {"answers": [{"id": "a1", "text": "PE-004512", "fraction": 1}]},
        {"stem": "<p>Which seal number is on the container?</p>"},
    ),
    "description": ("description", {}, {"stem": "<p>Read the case below.</p>"}),
    "cloze": (
        "cloze",
        {
            "gaps": [
                {
                    "id": "g1",
                    "kind": "short_answer",
                    "answers": [{"id": "a1", "text": "CEN", "fraction": 1}],
                },
                {
                    "id": "g2",
                    "kind": "choice",
                    "display": "dropdown",
                    "options": [
                        {"id": "a", "text": "1987", "fraction": 0},
                        {"id": "b", "text": "2000", "fraction": 1},
                    ],
                },
                {
                    "id": "g3",
                    "kind": "choice",
                    "display": "checkbox",
                    "options": [
                        {"id": "a", "text": "nCEN", "fraction": 0.5},
                        {"id": "b", "text": "Excel", "fraction": -1},
                        {"id": "c", "text": "CENcomm", "fraction": 0.5},
                    ],
                },
            ]
        },
        {"stem": "<p>{{g1}} went live in {{g2}}; its suite has {{g3}}.</p>"},
    ),
}


# --- the pure rules -------------------------------------------------------------------------


def test_every_type_says_where_its_ids_are():
    """A type added later must declare its entry lists and where ids sit in its answers,
    or its authored ids would reach the browser: this fails until it does."""
    assert set(ENTRY_LISTS) == set(QUESTION_TYPES) == set(RESPONSE_ID_SHAPES)
    for qtype in QUESTION_TYPES:
        assert bool(ENTRY_LISTS[qtype]) == (RESPONSE_ID_SHAPES[qtype] is not None), qtype


@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_tokens_round_trip_and_carry_nothing_of_the_ids(qtype):
    key = next(v for v in (*QUESTIONS.values(), *MORE_QUESTIONS.values()) if v[0] == qtype)
    data = key[1]
    drawn = tokens.tokens_draw(qtype, data)
    ids = {e["id"] for entries in types.get(qtype).entries(data).values() for e in entries}
    assert {k.split(":", 1)[1] for k in drawn} == ids
    for token in drawn.values():
        assert re.fullmatch(r"[a-z2-9]{10}", token)
        assert token not in ids
    assert len(set(drawn.values())) == len(drawn)
    assert tokens.tokens_draw(qtype, data) != drawn or not drawn  # fresh every attempt
    browser = tokens.answer_for_browser(qtype, RIGHT[qtype], drawn)
    assert tokens.answer_from_browser(qtype, browser, drawn) == RIGHT[qtype]
    result = grade(qtype, data, tokens.answer_from_browser(qtype, browser, drawn))
    # A description is never scored; an essay waits for a person.
    assert result.correct or result.pending or not types.get(qtype).scored


@pytest.mark.parametrize("qtype", [t for t in QUESTION_TYPES if ENTRY_LISTS[t]])
def test_an_authored_id_sent_instead_of_a_token_is_refused(qtype):
    data = next(v for v in (*QUESTIONS.values(), *MORE_QUESTIONS.values()) if v[0] == qtype)[1]
    drawn = tokens.tokens_draw(qtype, data)
    with pytest.raises(ResponseError) as refused:
        tokens.answer_from_browser(qtype, RIGHT[qtype], drawn)
    assert refused.value.code == "unknown_option"


def test_matching_tokens_are_per_list():
    """A response token is not accepted as a premise, nor the other way round."""
    data = QUESTIONS["mat"][1]
    drawn = tokens.tokens_draw("matching", data)
    premise, response = drawn["premises:p1"], drawn["responses:r1"]
    with pytest.raises(ResponseError):
        tokens.answer_from_browser("matching", {"pairs": {response: premise}}, drawn)


def test_the_public_view_shows_tokens_in_the_attempts_order():
    qtype, data, texts = QUESTIONS["ord"]
    order = {"items": ["v", "a", "s", "e"], "tokens": tokens.tokens_draw(qtype, data)}
    view = public_view(qtype, data, texts, order)
    assert [i["id"] for i in view["items"]] == [order["tokens"][f"items:{i}"] for i in "vase"]
    assert view["items"][0]["text"] == "RILO validates"


# --- through the pages -----------------------------------------------------------------------

pytestmark = pytest.mark.django_db


class AttemptPage(HTMLParser):
    """What the attempt page gives the browser, per question: its type, and the ids it
    shows for each kind of entry, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.questions: dict[int, dict] = {}
        self.current: dict | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-question" in a:
            self.current = {"type": a["data-type"], "options": [], "items": [], "premises": []}
            self.current["responses"] = []
            self.questions[int(a["data-position"])] = self.current
        if self.current is None:
            return
        if tag == "input" and a.get("type") in ("radio", "checkbox"):
            self.current["options"].append(a["value"])
        elif tag == "li" and "data-id" in a:
            self.current["items"].append(a["data-id"])
        elif tag == "select" and "data-premise" in a:
            self.current["premises"].append(a["data-premise"])
            self.select = a["data-premise"]
        elif (
            tag == "option"
            and self.select
            and a.get("value")
            and a["value"] not in self.current["responses"]
        ):
            self.current["responses"].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def natural(values):
    return sorted(
        values, key=lambda v: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", v)]
    )


def from_ids_alone(qtype: str, shown: dict) -> dict | None:
    """The attacker's answer: built from the ids alone, never from the texts."""
    if qtype == "single_choice":
        return {"option": natural(shown["options"])[0]}
    if qtype == "multiple_response":
        return {"options": natural(shown["options"])[:1]}
    if qtype == "ordering":
        return {"order": natural(shown["items"])}
    if qtype == "matching":
        return {
            "pairs": dict(
                zip(natural(shown["premises"]), natural(shown["responses"]), strict=False)
            )
        }
    return None  # true/false, numeric, hotspot: no ids to read


EMPTY_SHOWN = {"options": ["x"], "items": ["x"], "premises": ["x"], "responses": ["x"]}


def authored_shown(qtype: str, data: dict) -> dict:
    """What the page showed before tokens: the authored ids."""
    shown = {name: [e["id"] for e in data.get(name, [])] for name in ("options", "items")}
    shown["premises"] = [e["id"] for e in data.get("premises", [])]
    shown["responses"] = [e["id"] for e in data.get("responses", [])]
    return shown


def chance(qtype: str, data: dict, rng: random.Random, samples: int = 300) -> float:
    """The strategy's expected fraction when ids say nothing: the same strategy applied to
    entries given random names."""
    total = 0.0
    for _ in range(samples):
        names = {
            f"{name}:{ident}": f"{rng.random():.15f}"
            for name, ids in authored_shown(qtype, data).items()
            for ident in ids
        }
        shown = {
            name: [names[f"{name}:{ident}"] for ident in ids]
            for name, ids in authored_shown(qtype, data).items()
        }
        answer = tokens.answer_from_browser(qtype, from_ids_alone(qtype, shown), names)
        total += grade(qtype, data, answer).fraction
    return total / samples


@pytest.fixture
def demo_assessment(course_tree, per_officer):
    """Every demo question (the three regional banks: 16 ordering and matching questions
    among them), in one assessment that draws them all, unlimited attempts."""
    from assessments import seed

    report = SeedReport()
    banks = [
        seed._bank(json.loads(path.read_text()), report)
        for path in sorted(Path(seed.BANKS).glob("*.json"))
    ]
    page = AssessmentPage(
        title="All demo questions", slug="all-demo", max_attempts=None, shuffle_options=True
    )
    page.draw_rules = [DrawRule(bank=b, count=b.questions.count()) for b in banks]
    add(course_tree.module2, page)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    return page


def test_answering_from_the_ids_alone_scores_no_better_than_chance(
    client, demo_assessment, per_officer
):
    client.force_login(per_officer)
    rng = random.Random(7)
    observed: list[float] = []  # per question: the fraction the attacker got
    expected: list[float] = []  # per question: what chance gives the same strategy
    authored: list[float] = []  # per question: what the same attack got on authored ids
    seen_tokens: dict[str, set[str]] = {}
    entries: dict[str, int] = {}
    attempts = 6
    for _ in range(attempts):
        started = client.post(f"/assessments/{demo_assessment.pk}/start/")
        attempt_id = int(started["Location"].rstrip("/").rsplit("/", 1)[-1])
        parser = AttemptPage()
        parser.feed(client.get(f"/attempts/{attempt_id}/").content.decode())
        responses = {
            r.position: r
            for r in Attempt.objects.get(pk=attempt_id).responses.select_related("version")
        }
        for position, shown in parser.questions.items():
            version = responses[position].version
            answer = from_ids_alone(shown["type"], shown)
            if answer is None:
                continue
            authored_ids = authored_shown(version.type, version.data)
            for name in ("options", "items", "premises", "responses"):
                # Nothing the page shows is an authored id.
                assert not set(shown[name]) & set(authored_ids[name]), (version.question.uid, name)
                seen_tokens.setdefault(f"{version.pk}:{name}", set()).update(shown[name])
                entries[f"{version.pk}:{name}"] = len(shown[name])
            reply = client.post(
                f"/attempts/{attempt_id}/answer/",
                json.dumps({"position": position, "seq": 1, "answer": answer}),
                content_type="application/json",
            )
            assert reply.status_code == 200, reply.content
            expected.append(chance(version.type, version.data, rng))
            authored.append(
                grade(
                    version.type,
                    version.data,
                    from_ids_alone(version.type, authored_ids),
                ).fraction
            )
        client.post(f"/attempts/{attempt_id}/submit/")
        graded = Attempt.objects.get(pk=attempt_id).responses.select_related("version")
        # The questions the attack answered (a cloze shows options but is not attacked).
        observed.extend(
            r.fraction for r in graded if from_ids_alone(r.version.type, EMPTY_SHOWN) is not None
        )

    assert len(observed) == len(expected) > 100
    mean_observed, mean_expected = statistics.fmean(observed), statistics.fmean(expected)
    spread = statistics.pstdev(observed) / len(observed) ** 0.5
    # The attack on authored ids is far above chance (so this test can tell)...
    assert statistics.fmean(authored) > mean_expected + 0.3
    # ...and on the page's tokens it is chance: within four standard errors.
    assert mean_observed <= mean_expected + 4 * spread + 0.02, (mean_observed, mean_expected)
    # Tokens are drawn again for every attempt: no token of one attempt comes back.
    for key, ids in seen_tokens.items():
        assert len(ids) == attempts * entries[key], key


def test_the_page_refuses_authored_ids_and_saves_none_of_them(client, assessment, per_officer):
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    client.force_login(per_officer)
    client.post(f"/assessments/{assessment.page.pk}/start/")
    attempt = Attempt.objects.get(user=per_officer)
    for response in attempt.responses.select_related("version"):
        qtype = response.version.type
        if not ENTRY_LISTS[qtype]:
            continue
        reply = client.post(
            f"/attempts/{attempt.pk}/answer/",
            json.dumps({"position": response.position, "seq": 1, "answer": RIGHT[qtype]}),
            content_type="application/json",
        )
        assert reply.status_code == 400 and reply.json()["code"] == "unknown_option", qtype
        response.refresh_from_db()
        assert response.answer is None


def test_a_reload_shows_every_saved_answer_in_tokens(client, assessment, per_officer):
    """The page is filled again from the server's answers (ordering in the saved order,
    matching selections, hotspot clicks), in the attempt's tokens."""
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    attempt = services.attempt_start(actor=per_officer, assessment=assessment.page)
    for response in attempt.responses.select_related("version"):
        answer = RIGHT[response.version.type]
        if response.version.type == "ordering":
            answer = {"order": ["a", "v", "e", "s"]}
        services.response_save(
            actor=per_officer,
            attempt_id=attempt.pk,
            position=response.position,
            seq=3,
            answer=browser_answer(response, answer),
        )
    client.force_login(per_officer)
    html = client.get(f"/attempts/{attempt.pk}/").content.decode()
    by_type = {r.version.type: r for r in attempt.responses.select_related("version")}
    order_tokens = by_type["ordering"].option_order["tokens"]
    parser = AttemptPage()
    parser.feed(html)
    ordering = next(q for q in parser.questions.values() if q["type"] == "ordering")
    assert ordering["items"] == [order_tokens[f"items:{i}"] for i in "aves"]
    match_tokens = by_type["matching"].option_order["tokens"]
    for premise, chosen in (("p1", "r1"), ("p2", "r2")):
        select = re.search(
            rf'data-premise="{match_tokens["premises:" + premise]}">(.*?)</select>', html, re.S
        ).group(1)
        assert re.search(rf'value="{match_tokens["responses:" + chosen]}" selected', select)
    assert 'data-clicks="[[60.0, 100.0]]"' in html
    sc_tokens = by_type["single_choice"].option_order["tokens"]
    assert f'value="{sc_tokens["options:b"]}" checked' in html
    settings = json.loads(
        re.search(r'id="attempt-settings" type="application/json">(.*?)</script>', html).group(1)
    )
    assert set(settings["seq"].values()) == {3}


def test_open_attempts_from_before_tokens_get_them_by_migration(assessment, per_officer):
    """The migration gives open attempts started before this change their tokens."""
    from importlib import import_module

    from django.apps import apps

    from assessments.models import Response

    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    attempt = services.attempt_start(actor=per_officer, assessment=assessment.page)
    for response in Response.objects.filter(attempt=attempt):
        order = dict(response.option_order)
        order.pop("tokens")
        Response.objects.filter(pk=response.pk).update(option_order=order)
    migration = import_module("assessments.migrations.0002_review_after_last_and_attempt_tokens")
    migration.add_tokens(apps, None)
    for response in Response.objects.filter(attempt=attempt).select_related("version"):
        expected = tokens.tokens_draw(response.version.type, response.version.data)
        assert set(response.option_order["tokens"]) == set(expected)


def test_matching_responses_and_ordering_items_are_shuffled_even_when_options_are_not():
    """Their authored order mirrors the key (responses written pair by pair with their
    premises, items in the correct order), so the page never shows it as written."""
    from assessments.services import _option_order

    data = {
        "premises": [{"id": f"p{n}"} for n in range(1, 7)],
        "responses": [{"id": f"r{n}"} for n in range(1, 7)],
        "correct": {f"p{n}": f"r{n}" for n in range(1, 7)},
        "scoring": "all_or_nothing",
    }
    orders = [_option_order("matching", data, False, random.Random(seed)) for seed in range(5)]
    assert all(o["premises"] == [f"p{n}" for n in range(1, 7)] for o in orders)
    assert all(o["responses"] != [f"r{n}" for n in range(1, 7)] for o in orders)
