"""An assessment with an essay (graded with a rubric) and a single-choice question, in the
regional catalogue of the course tree, and helpers to sit it through the services."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assessments import services
from assessments.models import AssessmentPage, DrawRule, QuestionVersion
from assessments.tests.fixtures import browser_answer, make_bank
from courses import services as course_services
from courses.tests.fixtures import add
from tests.replay import replayed

RUBRIC = {
    "criteria": [
        {
            "id": "facts",
            "text": "Facts of the case",
            "levels": [
                {"id": "none", "text": "Missing", "points": 0},
                {"id": "some", "text": "Some facts", "points": 1},
                {"id": "all", "text": "All the facts", "points": 2},
            ],
        },
        {
            "id": "law",
            "text": "Legal basis",
            "levels": [
                {"id": "wrong", "text": "Wrong article", "points": 0},
                {"id": "right", "text": "Right article", "points": 2},
            ],
        },
    ]
}

ESSAY = (
    "essay",
    {
        "min_words": 5,
        "max_words": 200,
        "attachments": 2,
        "attachments_required": 0,
        "file_types": [".pdf", ".txt"],
        "rubric": RUBRIC,
        "grader_info": "<p>SECRET-GRADER-INFO: expect article 189.</p>",
        "response_template": "",
    },
    {"stem": "<p>Describe the seizure and its legal basis.</p>"},
)

ESSAY_QUESTIONS = {
    "sc": (
        "single_choice",
        {"options": [{"id": "a"}, {"id": "b"}], "correct": "b"},
        {
            "stem": "<p>Which tool is the live channel?</p>",
            "options": {"a": {"text": "CEN"}, "b": {"text": "CENcomm"}},
        },
    ),
    "essay": ESSAY,
}

ESSAY_TEXT = "The container held 400 cartons of undeclared cigarettes, seized under article 189."


def essay_page(
    module, bank, slug: str = "written", pass_mark: int = 60, count: int = 2
) -> AssessmentPage:
    page = AssessmentPage(
        title="Written assessment",
        slug=slug,
        pass_mark=pass_mark,
        max_attempts=3,
        shuffle_questions=False,
        shuffle_options=False,
        review_policy="answers",
    )
    page.draw_rules = [DrawRule(bank=bank, count=count, section="All")]
    return add(module, page)


@pytest.fixture
@replayed
def essay_assessment(course_tree):
    bank = make_bank("Essays", questions=ESSAY_QUESTIONS)
    # The essay is worth 2 points, the single choice 1.
    QuestionVersion.objects.filter(question__bank=bank, type="essay").update(points=2)
    page = essay_page(course_tree.module2, bank)
    return SimpleNamespace(page=page, bank=bank, tree=course_tree)


def sit(officer, assessment, *, text: str = ESSAY_TEXT, right: bool = True, submit: bool = True):
    """Enrol, start, answer (the single choice right or wrong, the essay with ``text``) and
    submit through the services; returns the attempt."""
    course_services.enrolment_create(actor=officer, course=assessment.tree.course)
    attempt = services.attempt_start(actor=officer, assessment=assessment.page)
    for response in attempt.responses.select_related("version"):
        if response.version.type == "essay":
            answer = {"text": text, "files": []}
        else:
            answer = browser_answer(response, {"option": "b" if right else "a"})
        services.response_save(
            actor=officer, attempt_id=attempt.pk, position=response.position, seq=1, answer=answer
        )
    if submit:
        return services.attempt_submit(actor=officer, attempt_id=attempt.pk)
    return attempt


def essay_response(attempt):
    return attempt.responses.select_related("version").get(version__type="essay")
