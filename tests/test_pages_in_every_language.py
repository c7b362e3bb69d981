"""Every officer and manager page speaks the viewer's language: rendered in Spanish,
Brazilian Portuguese and French, no page, export or import template shows an English
string of the platform's own
(a message of its catalogue whose translation differs), in its text or in the attributes
people read. Course content written in English by its authors is not the interface and
is left out (the fixtures' titles and texts)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.urls import reverse

from assessments import services as assessment_services
from certificates.tests.fixtures import earned, programme  # noqa: F401 (fixtures)
from lms.tracking import assignments as assignment_services
from tests.english import content_texts, leaks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(earned, assessment, per_manager, coordinator):  # noqa: F811
    officer = earned.officer
    assignment_services.assignment_create(
        actor=per_manager,
        administration=officer.administration,
        due_on=date.today() + timedelta(days=20),
        course=assessment.tree.course,
        officers=[officer],
    )
    attempt = assessment_services.attempt_start(actor=officer, assessment=assessment.page)
    return {
        "officer": [
            "/",
            reverse("accounts:profile"),
            reverse("courses:my_learning"),
            reverse("tracking:my_assignments"),
            reverse("home:calendar_address"),
            reverse("certificates:mine"),
            assessment.tree.course.url,
            assessment.tree.lesson1.url,
            assessment.page.url,
            reverse("assessments:attempt", args=[attempt.pk]),
            reverse("assessments:result", args=[earned.attempt.pk]),
            reverse("certificates:verify", args=[earned.certificate.code]),
        ],
        "manager": [
            "/",
            reverse("tracking:dashboard", args=["PER"]),
            reverse("tracking:matrix", args=["PER"]),
            reverse("tracking:officer", args=["PER", officer.pk]),
            reverse("tracking:assignments", args=["PER"]),
            reverse("tracking:assignment_new", args=["PER"]),
            reverse("tracking:imports", args=["PER"]),
            reverse("tracking:import_template", args=["PER", "csv"]),
            reverse("tracking:matrix_export", args=["PER", "csv"]),
            reverse("tracking:progress_export", args=["PER", "csv"]),
            reverse("certificates:manage"),
            reverse("certificates:manage_detail", args=[earned.certificate.pk]),
            reverse("api_pages:tokens", args=["PER"]),
            reverse("accounts:administration_detail", args=["PER"]),
        ],
        "coordinator": [reverse("tracking:regional")],
        "users": {"officer": officer, "manager": per_manager, "coordinator": coordinator},
    }


@pytest.mark.slow
def test_no_page_shows_the_platforms_english(client, world):
    content = content_texts()
    problems: list[str] = []
    pages = 0
    languages = ("es", "pt-br", "fr")
    for language, role in itertools.product(languages, ("officer", "manager", "coordinator")):
        user = world["users"][role]
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
        client.force_login(user)
        for url in world[role]:
            response = client.get(url, follow=True)
            assert response.status_code == 200, (role, url, response.status_code)
            assert response["Content-Language"] == language, url
            pages += 1
            csv_file = response["Content-Type"].startswith("text/csv")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            found = leaks(body.decode("utf-8-sig"), language, content, csv_file=csv_file)
            problems += [f"{language} {role} {url}: {leak}" for leak in found]
    assert pages == 3 * 27
    assert problems == []


def test_the_check_sees_english():
    content: set[str] = set()
    html = "<main><h1>Mis certificados</h1><p>Download the PDF</p><img alt='Sign in'></main>"
    found = leaks(html, "es", content)
    assert any("Sign in" in line for line in found), found
    exported = leaks("Employee number,Nombre\r\nPER-1,Ana\r\n", "es", content, csv_file=True)
    assert any("Employee number" in line for line in exported), exported
