"""Authoring problems (question validation) reach authors in their language."""

import json

import pytest
from django.utils import translation
from wagtail.users.models import UserProfile

from assessments.grading import Problem, validate_question
from assessments.models import Question
from assessments.tests.test_admin import SINGLE

pytestmark = pytest.mark.django_db


def test_problems_read_as_english_and_translate():
    problems = validate_question("single_choice", {"options": [{"id": "a"}], "correct": "z"})
    assert "At least 2 options are needed; there are 1." in problems
    assert all(isinstance(problem, Problem) for problem in problems)
    with translation.override("es"):
        spanish = [problem.translated(translation.gettext) for problem in problems]
    assert "Se necesitan al menos 2 opciones; hay 1." in spanish
    assert not set(spanish) & set(problems)  # every message is translated


def test_the_admin_form_shows_the_problems_in_the_authors_language(client, regional_author, bank):
    UserProfile.get_for_user(regional_author).__class__.objects.filter(user=regional_author).update(
        preferred_language="es"
    )
    client.force_login(regional_author)
    bad = {
        **SINGLE,
        "bank": bank.pk,
        "data": json.dumps({"options": [{"id": "a"}], "correct": "z"}),
    }
    response = client.post("/cms/questions/new/", bad)
    assert response.status_code == 200
    page = response.content.decode()
    assert "en: Se necesitan al menos 2 opciones; hay 1." in page
    assert "At least 2 options" not in page
    assert not Question.objects.filter(uid="new-q").exists()
