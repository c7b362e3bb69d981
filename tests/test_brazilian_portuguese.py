"""Portuguese is Brazilian Portuguese (``pt-br``): the data migrations move every stored
``pt`` (officers' preference, administrations' languages, page locales, question texts,
attempts, H5P activities, programme texts, certificates) to ``pt-br`` and back."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from wagtail.models import Locale, Page

from assessments.models import QuestionVersion
from assessments.tests.fixtures import make_bank
from lms.accounts.models import Administration, User

pytestmark = pytest.mark.django_db

MIGRATIONS = [
    "lms.accounts.migrations.0002_brazilian_portuguese",
    "certificates.migrations.0002_brazilian_portuguese",
    "assessments.migrations.0006_brazilian_portuguese",
    "courses.migrations.0008_brazilian_portuguese",
]


def run(direction: str) -> None:
    for name in MIGRATIONS:
        getattr(importlib.import_module(name), direction)(apps, None)


def test_stored_portuguese_moves_to_brazilian_portuguese_and_back(home_page, per_officer):
    per_officer.preferred_language = "pt"
    per_officer.save(update_fields=["preferred_language"])
    brazil = Administration.objects.create(code="BRA", name="RFB", official_languages=["pt"])
    portuguese, _new = Locale.objects.get_or_create(language_code="pt-br")
    portuguese.language_code = "pt"  # the locale as it was stored before
    portuguese.save()
    translated = home_page.get_translation_or_none(portuguese) or home_page.copy_for_translation(
        portuguese
    )
    version = make_bank().questions.first().current_version
    version.texts = {**version.texts, "pt": {"title": "Lacre", "stem": "<p>?</p>"}}
    version.save(update_fields=["texts"])

    run("forwards")
    per_officer.refresh_from_db()
    brazil.refresh_from_db()
    version.refresh_from_db()
    assert per_officer.preferred_language == "pt-br"
    assert brazil.official_languages == ["pt-br"]
    assert Page.objects.get(pk=translated.pk).locale.language_code == "pt-br"
    assert not Locale.objects.filter(language_code="pt").exists()
    assert set(version.texts) == {"en", "pt-br"} and version.texts["pt-br"]["title"] == "Lacre"
    assert User.objects.filter(preferred_language="pt").count() == 0

    run("backwards")
    per_officer.refresh_from_db()
    version = QuestionVersion.objects.get(pk=version.pk)
    assert per_officer.preferred_language == "pt"
    assert Page.objects.get(pk=translated.pk).locale.language_code == "pt"
    assert set(version.texts) == {"en", "pt"}
