"""An assessment with one question of every type, built through the services."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assessments.models import AssessmentPage, DrawRule, Question, QuestionBank
from assessments.services import question_version_save
from assessments.tokens import answer_for_browser
from courses.tests.fixtures import add
from tests.replay import replayed

QUESTIONS = {
    "sc": (
        "single_choice",
        {"options": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "correct": "b"},
        {
            "stem": "<p>Which tool is the live channel?</p>",
            "options": {"a": {"text": "CEN"}, "b": {"text": "CENcomm"}, "c": {"text": "nCEN"}},
        },
    ),
    "mr": (
        "multiple_response",
        {
            "options": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}],
            "correct": ["a", "b"],
            "scoring": "right_minus_wrong",
        },
        {
            "stem": "<p>Which are red flags?</p>",
            "options": {
                "a": {"text": "New consignee"},
                "b": {"text": "Odd route"},
                "c": {"text": "Usual trade"},
                "d": {"text": "Known shipper"},
            },
        },
    ),
    "tf": ("true_false", {"correct": False}, {"stem": "<p>The shipper usually organises it.</p>"}),
    "num": (
        "numeric",
        {"answer": 5, "tolerance": 0},
        {"stem": "<p>Years for packs?</p>", "unit": "years"},
    ),
    "ord": (
        "ordering",
        {
            "items": [{"id": "s"}, {"id": "e"}, {"id": "v"}, {"id": "a"}],
            "correct_order": ["s", "e", "v", "a"],
            "scoring": "adjacent_pairs",
        },
        {
            "stem": "<p>Order the steps.</p>",
            "items": {
                "s": {"text": "Seizure"},
                "e": {"text": "Entered in CEN"},
                "v": {"text": "RILO validates"},
                "a": {"text": "Alert"},
            },
        },
    ),
    "mat": (
        "matching",
        {
            "premises": [{"id": "p1"}, {"id": "p2"}],
            "responses": [{"id": "r1"}, {"id": "r2"}],
            "correct": {"p1": "r1", "p2": "r2"},
            "scoring": "per_premise",
        },
        {
            "stem": "<p>Match.</p>",
            "premises": {"p1": {"text": "Tobacco"}, "p2": {"text": "Wildlife"}},
            "responses": {"r1": {"text": "FCTC Protocol"}, "r2": {"text": "CITES"}},
        },
    ),
    "hot": (
        "hotspot",
        {
            "image": {"name": "reefer_xray", "width": 960, "height": 360, "alt": "x"},
            "regions": [{"id": "unit", "shape": "rect", "coords": [44, 74, 84, 212]}],
            "targets": "any",
            "max_clicks": 2,
            "wrong_click_penalty": 0.5,
        },
        {
            "stem": "<p>Click the hidden load.</p>",
            "regions": {"unit": "Cooling unit"},
            "image_alt": "X-ray of a reefer",
        },
    ),
}


def browser_answer(response, answer):
    """``answer`` (authored ids) as the attempt page sends it: in the attempt's tokens."""
    return answer_for_browser(
        response.version.type, answer, (response.option_order or {}).get("tokens") or {}
    )


def make_bank(title: str = "Bank", administration=None, questions=QUESTIONS) -> QuestionBank:
    bank = QuestionBank.objects.create(title=title, administration=administration)
    for uid, (qtype, data, texts) in questions.items():
        question = Question.objects.create(bank=bank, uid=uid)
        question_version_save(
            actor=None,
            question=question,
            qtype=qtype,
            data=data,
            texts={"en": {"title": uid, **texts}},
        )
    return bank


@pytest.fixture
@replayed
def bank(db):
    return make_bank()


@pytest.fixture
@replayed
def assessment(course_tree, bank):
    page = AssessmentPage(
        title="Final assessment",
        slug="final",
        pass_mark=60,
        max_attempts=2,
        shuffle_questions=True,
        shuffle_options=True,
    )
    page.draw_rules = [DrawRule(bank=bank, count=len(QUESTIONS), section="All")]
    add(course_tree.module2, page)
    return SimpleNamespace(page=page, bank=bank, tree=course_tree)


@pytest.fixture
@replayed
def graded(course_tree, per, pan):
    """An assessment with four graded attempts: two strong (PER), two weak (PAN); the
    third question discriminates negatively."""
    from assessments import services
    from courses import services as course_services
    from lms.accounts.roles import Role
    from lms.accounts.tests.factories import UserFactory

    bank = make_bank("Three", questions={k: QUESTIONS["sc"] for k in ("qa", "qb", "qc")})
    page = AssessmentPage(title="Quiz", slug="quiz", pass_mark=50, shuffle_questions=False)
    page.draw_rules = [DrawRule(bank=bank, count=3)]
    add(course_tree.module1, page)
    strong = {"qa": "b", "qb": "b", "qc": "a"}
    weak = {"qa": "a", "qb": "a", "qc": "b"}
    for pattern, administration in ((strong, per), (strong, per), (weak, pan), (weak, pan)):
        officer = UserFactory(administration=administration, roles={Role.OFFICER})
        course_services.enrolment_create(actor=officer, course=course_tree.course)
        attempt = services.attempt_start(actor=officer, assessment=page)
        for response in attempt.responses.select_related("version__question"):
            services.response_save(
                actor=officer,
                attempt_id=attempt.pk,
                position=response.position,
                seq=1,
                answer=browser_answer(response, {"option": pattern[response.version.question.uid]}),
            )
        services.attempt_submit(actor=officer, attempt_id=attempt.pk)
    return page


def press_in_every_tab(officer, url: str, tabs: int) -> list[tuple[int, str]]:
    """``tabs`` signed-in tabs of ``officer`` POST to ``url`` at the same instant, over
    HTTP, each on its own connection; the (status, Location) each received."""
    import threading

    from django.db import connections
    from django.test import Client

    barrier = threading.Barrier(tabs)
    clients = []
    for _ in range(tabs):
        tab = Client()
        tab.force_login(officer)
        clients.append(tab)
    received: list[tuple[int, str]] = []

    def press(tab):
        try:
            barrier.wait()
            response = tab.post(url)
            received.append((response.status_code, response["Location"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(tab,)) for tab in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return received
