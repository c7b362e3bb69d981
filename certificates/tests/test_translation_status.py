"""Programme texts per language: a translation is current, outdated (the source text was
edited since) or missing, in the programme editor and the programme listing."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from certificates.models import Programme, ProgrammeText
from certificates.tests.fixtures import make_programme
from certificates.tests.test_admin import form_data
from certificates.translation_status import programme_statuses

pytestmark = pytest.mark.django_db

TITLES = {"en": "Certified analyst", "es": "Analista certificado"}


def status_of(programme: Programme) -> dict[str, str]:
    programme = Programme.objects.prefetch_related("texts").get(pk=programme.pk)
    return {item.language: str(item.status) for item in programme_statuses(programme)}


def edit(client, programme: Programme, titles: dict[str, str], **extra):
    text_ids = dict(programme.texts.values_list("language", "pk"))
    rows = [{"id": row.pk, "course": row.course} for row in programme.requirements.all()]
    data = form_data(code=programme.code, texts=titles, text_ids=text_ids, requirements=rows)
    # form_data writes the description from the title: keep the stored ones unchanged.
    for index, language in enumerate(titles):
        stored = programme.texts.filter(language=language).first()
        if stored is not None and stored.title == titles[language]:
            data[f"texts-{index}-description"] = stored.description
    return client.post(f"/cms/programmes/edit/{programme.pk}/", {**data, **extra})


def test_a_programme_made_in_the_editor_starts_current_and_an_edit_of_the_source_outdates(
    client, regional_author, course_tree
):
    client.force_login(regional_author)
    created = client.post(
        "/cms/programmes/new/",
        form_data(code="analyst", texts=TITLES, requirements=[{"course": course_tree.course}]),
    )
    assert created.status_code == 302, created.content.decode()[:3000]
    programme = Programme.objects.get(code="analyst")
    assert status_of(programme) == {
        "en": "source",
        "es": "current",
        "pt-br": "missing",
        "fr": "missing",
    }

    assert (
        edit(client, programme, {"en": "Certified senior analyst", "es": TITLES["es"]}).status_code
        == 302
    )
    assert status_of(programme)["es"] == "outdated"
    page = client.get(f"/cms/programmes/edit/{programme.pk}/").content.decode()
    assert "en: source · es: outdated · pt-br: missing · fr: missing" in page
    assert 'name="confirm_translations" value="es"' in page
    listing = client.get("/cms/programmes/").content.decode()
    assert "en · es (outdated) · pt-br (missing) · fr (missing)" in listing

    # The translator confirms it still correct (no change of text): current again.
    saved = edit(
        client,
        programme,
        {"en": "Certified senior analyst", "es": TITLES["es"]},
        confirm_translations=["es"],
    )
    assert saved.status_code == 302
    assert status_of(programme)["es"] == "current"
    assert ProgrammeText.objects.get(programme=programme, language="es").title == TITLES["es"]

    # The source edited again, then the translation edited: current.
    edit(client, programme, {"en": "Certified lead analyst", "es": TITLES["es"]})
    assert status_of(programme)["es"] == "outdated"
    edit(client, programme, {"en": "Certified lead analyst", "es": "Analista principal"})
    assert status_of(programme)["es"] == "current"


def test_the_programme_listing_makes_no_query_per_row(
    client, regional_author, django_assert_num_queries
):
    make_programme(code="p-0", titles=TITLES)
    client.force_login(regional_author)
    client.get("/cms/programmes/")
    with django_assert_num_queries(PROGRAMME_LISTING_QUERIES):
        assert client.get("/cms/programmes/").status_code == 200
    for number in range(1, 6):
        make_programme(code=f"p-{number}", titles=TITLES)
    with django_assert_num_queries(PROGRAMME_LISTING_QUERIES):
        page = client.get("/cms/programmes/").content.decode()
    # Texts made outside the editor record nothing: they are not known to be current.
    assert page.count("es (outdated)") == 6


PROGRAMME_LISTING_QUERIES = 12


def test_the_migration_records_existing_translations_as_current(db):
    programme = make_programme(code="old", titles=TITLES)
    assert status_of(programme)["es"] == "outdated"
    migration = importlib.import_module("certificates.migrations.0003_translation_status")
    migration.record_current(apps, None)
    assert status_of(programme) == {
        "en": "source",
        "es": "current",
        "pt-br": "missing",
        "fr": "missing",
    }
