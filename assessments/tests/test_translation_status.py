"""Question texts per language: a translation is current, outdated (its source texts changed
since it was saved) or missing; the editor shows it, lets a translator confirm a translation
still correct, and the question listing has a compact languages column."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.utils import timezone

from assessments.models import Question, QuestionBank
from assessments.services import question_version_save
from assessments.translation_status import question_languages_summary, question_statuses

pytestmark = pytest.mark.django_db

DATA = {"options": [{"id": "a"}, {"id": "b"}], "correct": "a"}


def texts(stem: str, a: str = "CEN", b: str = "nCEN") -> dict:
    return {"stem": f"<p>{stem}</p>", "options": {"a": {"text": a}, "b": {"text": b}}}


EN = texts("Which tool is the live channel?")
ES = texts("¿Qué herramienta es el canal en vivo?")


def make_question(bank: QuestionBank, uid: str = "q1", languages: dict | None = None) -> Question:
    question = Question.objects.create(bank=bank, uid=uid)
    question_version_save(
        actor=None,
        question=question,
        qtype="single_choice",
        data=DATA,
        texts=languages or {"en": EN, "es": ES},
    )
    return Question.objects.select_related("current_version").get(pk=question.pk)


def status_of(question: Question) -> dict[str, str]:
    question = Question.objects.select_related("current_version").get(pk=question.pk)
    return {item.language: str(item.status) for item in question_statuses(question)}


def save(question: Question, languages: dict, **kwargs) -> None:
    question_version_save(
        actor=None, question=question, qtype="single_choice", data=DATA, texts=languages, **kwargs
    )


@pytest.fixture
def bank(per):
    return QuestionBank.objects.create(title="PER bank", administration=per)


def test_a_change_of_the_source_texts_leaves_the_translation_outdated_until_it_is_saved(bank):
    question = make_question(bank)
    assert status_of(question) == {
        "en": "source",
        "es": "current",
        "pt-br": "missing",
        "fr": "missing",
    }
    # The version is drawn (frozen): the change of the English stem makes a new version,
    # and the Spanish translation, saved unchanged, is outdated.
    question.current_version.used_at = timezone.now()
    question.current_version.save(update_fields=["used_at"])
    save(question, {"en": texts("Which tool is the live channel now?"), "es": ES})
    assert question.versions.count() == 2
    assert status_of(question)["es"] == "outdated"
    # Saving again with the Spanish unchanged does not make it current...
    save(question, {"en": texts("Which tool is the live channel now?"), "es": ES})
    assert status_of(question)["es"] == "outdated"
    # ... a Spanish text written again does.
    save(
        question,
        {"en": texts("Which tool is the live channel now?"), "es": texts("¿Cuál es ahora?")},
    )
    assert status_of(question)["es"] == "current"
    # A change of a translation alone never makes another translation outdated.
    save(
        question,
        {
            "en": texts("Which tool is the live channel now?"),
            "es": texts("¿Cuál es ahora el canal?"),
            "fr": texts("Quel outil est le canal en direct ?"),
        },
    )
    assert status_of(question) == {
        "en": "source",
        "es": "current",
        "pt-br": "missing",
        "fr": "current",
    }


def test_the_original_language_stays_the_source_when_english_is_added(bank):
    question = make_question(bank, languages={"es": ES})
    save(question, {"es": ES, "en": EN})
    assert status_of(question) == {
        "en": "current",
        "es": "source",
        "pt-br": "missing",
        "fr": "missing",
    }
    save(question, {"es": texts("¿Qué herramienta es el canal?"), "en": EN})
    assert status_of(question)["en"] == "outdated"


def test_a_translator_confirms_a_translation_still_correct_without_a_new_version(bank):
    question = make_question(bank)
    save(question, {"en": texts("Which tool is the live channel now?"), "es": ES})
    assert status_of(question)["es"] == "outdated"
    versions = question.versions.count()
    save(question, {"en": texts("Which tool is the live channel now?"), "es": ES}, confirmed=["es"])
    question.refresh_from_db()
    assert status_of(question)["es"] == "current"
    assert question.translation_sources["es"]["how"] == "confirmed"
    assert question.versions.count() == versions


def test_the_editor_shows_each_language_and_confirms_an_outdated_one(client, per_author, bank):
    question = make_question(bank)
    save(question, {"en": texts("Which tool is the live channel now?"), "es": ES})
    client.force_login(per_author)
    url = f"/cms/questions/edit/{question.pk}/"
    page = client.get(url).content.decode()
    assert "en: source · es: outdated · pt-br: missing · fr: missing" in page
    assert 'name="confirm_translations" value="es"' in page
    assert "es: still correct, confirm it without changing it" in page

    version = Question.objects.get(pk=question.pk).current_version
    saved = client.post(
        url,
        {
            "bank": bank.pk,
            "uid": question.uid,
            "tags": "",
            "qtype": "single_choice",
            "points": "1",
            "data": json.dumps(version.data),
            "texts": json.dumps(version.texts),
            "confirm_translations": ["es"],
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert status_of(question)["es"] == "current"
    page = client.get(url).content.decode()
    assert "en: source · es: current · pt-br: missing · fr: missing" in page
    assert 'name="confirm_translations"' not in page  # nothing left to confirm


def test_an_unknown_language_cannot_be_confirmed(client, per_author, bank):
    question = make_question(bank)
    version = question.current_version
    client.force_login(per_author)
    refused = client.post(
        f"/cms/questions/edit/{question.pk}/",
        {
            "bank": bank.pk,
            "uid": question.uid,
            "tags": "",
            "qtype": "single_choice",
            "points": "1",
            "data": json.dumps(version.data),
            "texts": json.dumps(version.texts),
            "confirm_translations": ["fr"],  # missing, so nothing to confirm
        },
    )
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()


def test_the_question_listing_shows_the_languages_in_words(client, per_author, bank):
    make_question(bank, "q-current")
    outdated = make_question(bank, "q-outdated")
    save(outdated, {"en": texts("Changed"), "es": ES})
    client.force_login(per_author)
    page = client.get("/cms/questions/").content.decode()
    assert "en · es · pt-br (missing) · fr (missing)" in page
    assert "en · es (outdated) · pt-br (missing) · fr (missing)" in page


def test_the_question_listing_makes_no_query_per_row(
    client, per_author, bank, django_assert_num_queries
):
    for number in range(2):
        make_question(bank, f"few-{number}")
    client.force_login(per_author)
    client.get("/cms/questions/")  # warm the caches (site, locale, permissions)
    with django_assert_num_queries(QUESTION_LISTING_QUERIES):
        assert client.get("/cms/questions/").status_code == 200
    for number in range(8):
        question = make_question(bank, f"many-{number}")
        save(question, {"en": texts(f"Changed {number}"), "es": ES})
    with django_assert_num_queries(QUESTION_LISTING_QUERIES):
        page = client.get("/cms/questions/").content.decode()
    assert page.count("es (outdated)") == 8


QUESTION_LISTING_QUERIES = 13


def test_the_migration_records_existing_translations_as_current(bank):
    question = make_question(bank)
    Question.objects.filter(pk=question.pk).update(source_language="", translation_sources={})
    assert status_of(question)["es"] == "outdated"  # no record: not known to be current
    migration = importlib.import_module("assessments.migrations.0007_translation_status")
    migration.record_current(apps, None)
    assert status_of(question) == {
        "en": "source",
        "es": "current",
        "pt-br": "missing",
        "fr": "missing",
    }
    question = Question.objects.select_related("current_version").get(pk=question.pk)
    assert question.source_language == "en"
    assert question_languages_summary(question) == "en · es · pt-br (missing) · fr (missing)"
