"""An assessment with a short answer, a description and a numeric question with units (the
types of issue 13 that take typed answers), in the regional catalogue of the course tree.
Shared by the services tests of those types and the browser test."""

from __future__ import annotations

from types import SimpleNamespace

from assessments.models import AssessmentPage, DrawRule
from assessments.tests.fixtures import make_bank
from courses.tests.fixtures import add

SEAL = (
    "short_answer",
    {
        "answers": [
            {"id": "a1", "text": "PE-004512", "fraction": 1, "feedback": "The seal on the doors."},
            {"id": "a2", "text": "PE-004*", "fraction": 0.5, "feedback": "Read every digit."},
            {
                "id": "a3",
                "text": "PE-009981",
                "fraction": 0,
                "feedback": "That is the seal record.",
            },
        ],
        "case_sensitive": False,
        "ignore_accents": False,
        "ignore_spaces": False,
    },
    {"stem": "<p>Which seal number is on the container doors?</p>"},
)

CASE = (
    "description",
    {},
    {"stem": "<p>The container CSQU 305438-3 arrived from Guayaquil with bananas.</p>"},
)

WEIGHT = (
    "numeric",
    {
        "answers": [
            {"value": 600, "tolerance": 0, "fraction": 1, "feedback": "48 × 12.5 kg."},
            {"value": 6000, "tolerance": 0, "fraction": 0, "feedback": "Check the decimal point."},
            {"value": None, "fraction": 0, "feedback": "Multiply cartons by weight."},
        ],
        "units": [{"unit": "kg", "multiplier": 1}, {"unit": "t", "multiplier": 0.001}],
        "unit_handling": "required",
        "unit_penalty": 0.25,
    },
    {"stem": "<p>48 cartons of 12.5 kg each: what gross weight must be declared?</p>"},
)

SHORT_TYPES = {"seal": SEAL, "case": CASE, "weight": WEIGHT}


def short_types_page(module, bank, slug: str = "typed") -> AssessmentPage:
    page = AssessmentPage(
        title="Typed answers",
        slug=slug,
        pass_mark=60,
        max_attempts=3,
        shuffle_questions=False,
        shuffle_options=False,
        review_policy="answers",
    )
    page.draw_rules = [DrawRule(bank=bank, count=len(SHORT_TYPES), section="All")]
    return add(module, page)


def short_types_assessment(course_tree) -> SimpleNamespace:
    """The assessment in module 2 of the course tree (``courses.tests.fixtures``); each
    test module makes it a fixture of its own."""
    bank = make_bank("Typed answers", questions=SHORT_TYPES)
    page = short_types_page(course_tree.module2, bank)
    return SimpleNamespace(page=page, bank=bank, tree=course_tree)
