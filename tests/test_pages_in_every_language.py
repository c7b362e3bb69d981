"""Every officer and manager page speaks the viewer's language: rendered in Spanish,
Brazilian Portuguese and French, no page, export or import template shows an English
string of the platform's own
(a message of its catalogue whose translation differs), in its text or in the attributes
people read. Course content written in English by its authors is not the interface and
is left out (the fixtures' titles and texts)."""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from wagtail.models import Page

from assessments import services as assessment_services
from certificates.tests.fixtures import earned, programme  # noqa: F401 (fixtures)
from lms.tracking import assignments as assignment_services

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = {"es": "es", "pt-br": "pt_BR", "fr": "fr"}
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}


class _Text(HTMLParser):
    """The text nodes and read attributes of a page (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.parts.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.parts.append(text)


def texts_of(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


@functools.cache
def english_messages(language: str) -> list[tuple[str, re.Pattern[str] | None]]:
    """The catalogue's English messages that read differently in ``language``: each with a
    pattern that finds it inside a longer text (messages of three words or more; shorter
    ones count only as a whole text)."""
    catalogue = polib.pofile(str(LOCALE / CATALOGUES[language] / "LC_MESSAGES" / "django.po"))
    found = []
    for entry in catalogue.translated_entries():
        for source, target in (
            [(entry.msgid, entry.msgstr)]
            if not entry.msgid_plural
            else [(entry.msgid, entry.msgstr_plural.get(0, "")), (entry.msgid_plural, "")]
        ):
            if source == target or not re.search(r"[A-Za-z]{3}", source):
                continue
            parts = [part.strip() for part in re.split(r"%\(\w+\)[sd]|\{\w*\}|%[sd]", source)]
            pattern = None
            if sum(len(part.split()) for part in parts) >= 3:  # enough English to tell
                between = r"[^.!?]{1,80}?"
                body = between.join(re.escape(part) for part in parts if part)
                pattern = re.compile(rf"(?<!\w){body}(?!\w)")
            found.append((source, pattern))
    return found


def leaks(body: str, language: str, content: set[str], *, csv_file: bool = False) -> list[str]:
    if csv_file:  # an export or a template: its cells
        parts = [" ".join(cell.split()) for row in csv.reader(io.StringIO(body)) for cell in row]
    else:
        parts = texts_of(body)
    texts = [t for t in parts if t and t not in content]
    problems = []
    for source, pattern in english_messages(language):
        if source in content:
            continue
        for text in texts:
            if text == source or (pattern is not None and pattern.search(text)):
                problems.append(f"{source!r} in {text[:120]!r}")
                break
    return problems


def content_texts() -> set[str]:
    """What authors wrote (page titles of the fixtures), which is not the interface."""
    return set(Page.objects.values_list("title", flat=True))


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
