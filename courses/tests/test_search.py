"""Catalogue search over courses, modules and lessons (issue 14): language configurations,
hyphenated terms, drafts, tenancy, bad input and the results page's query count. Runs on
SQLite (the fallback) and on PostgreSQL (full-text search with each language's
configuration)."""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage, SearchDocument
from courses.search import fold, query_terms, snippet_fragments
from courses.tests.fixtures import add, publish, translate

pytestmark = pytest.mark.django_db

SEARCH = "/learning/search/"


def rich(html: str) -> dict:
    return {"type": "text", "value": html, "id": str(uuid.uuid4())}


def callout(title: str, html: str) -> dict:
    return {
        "type": "callout",
        "value": {"kind": "red_flag", "title": title, "body": html},
        "id": str(uuid.uuid4()),
    }


@pytest.fixture
def library(home_page, per, pan):
    """A regional course in English and Spanish, and a course owned by PAN."""
    spanish = Locale.objects.get(language_code="es")
    index = add(home_page, CourseIndexPage(title="Courses", slug="courses"))
    course = add(
        index,
        CoursePage(
            title="Container control",
            slug="container-control",
            summary="Profiling and inspecting sea containers at the port.",
            track="illicit_trade",
            level="foundation",
        ),
    )
    module = add(course, ModulePage(title="Concealment methods", slug="concealment"))
    seals = add(
        module,
        LessonPage(
            title="Checking the container",
            slug="checking",
            body=[
                rich(
                    "<p>Compare the <b>seal</b> number with the one on the bill of lading "
                    "before the doors are opened.</p>"
                )
            ],
        ),
    )
    insiders = add(
        module,
        LessonPage(
            title="Port insiders",
            slug="insiders",
            body=[
                rich("<p>Reefer units in banana shipments from Guayaquil need a close look.</p>"),
                callout(
                    "Watch the doors",
                    "<p>In rip-on/rip-off attacks, criminals open a legitimate box, add "
                    "drugs behind the doors and close it again with a cloned lock.</p>",
                ),
            ],
        ),
    )
    translate(index, spanish, title="Cursos")
    translate(
        course,
        spanish,
        title="Control de contenedores",
        summary="Perfilado e inspección de contenedores en el puerto.",
    )
    es_module = translate(module, spanish, title="Métodos de ocultamiento")
    es_seals = translate(
        seals,
        spanish,
        title="Revisar el contenedor",
        body=[
            rich(
                "<p>Compare el número del <b>precinto</b> con el del conocimiento de "
                "embarque antes de abrir las puertas.</p>"
            )
        ],
    )
    es_insiders = translate(
        insiders,
        spanish,
        title="Cómplices en el puerto",
        body=[rich("<p>Los contenedores refrigerados de banano de Guayaquil.</p>")],
    )
    pan_index = add(home_page, CourseIndexPage(title="ANA courses", slug="pan", administration=pan))
    pan_course = add(
        pan_index,
        CoursePage(
            title="Balboa profiling",
            slug="balboa",
            summary="Counterfeit clothing found by profilers in Balboa.",
            track="illicit_trade",
            level="foundation",
        ),
    )
    pan_module = add(pan_course, ModulePage(title="Red flags", slug="red-flags"))
    pan_lesson = add(
        pan_module,
        LessonPage(
            title="Goods that do not fit",
            slug="fit",
            body=[rich("<p>Counterfeit clothing declared by a transshipment trader.</p>")],
        ),
    )
    return SimpleNamespace(
        index=index,
        course=course,
        module=module,
        seals=seals,
        insiders=insiders,
        es_module=es_module,
        es_seals=es_seals,
        es_insiders=es_insiders,
        pan_course=pan_course,
        pan_lesson=pan_lesson,
    )


def _officer(user, language):
    user.preferred_language = language
    user.save()
    return user


def _hits(client, query, **params):
    response = client.get(SEARCH, {"q": query, **params})
    assert response.status_code == 200
    html = response.content.decode()
    return re.findall(r'data-page="([^"]+)"', html), html


def _languages(html):
    return re.findall(r'data-language="([^"]+)"', html)


def test_precinto_finds_the_spanish_lesson_on_seals(client, library, per_officer):
    client.force_login(_officer(per_officer, "es"))
    pages, html = _hits(client, "precinto")
    assert pages == ["checking"]
    assert "Revisar el contenedor" in html
    assert "<mark>precinto</mark>" in html
    assert library.es_seals.url in html


def test_seal_finds_the_english_lesson(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    pages, html = _hits(client, "seal")
    assert pages == ["checking"]
    assert "Checking the container" in html
    assert "<mark>seal</mark>" in html
    assert 'data-language="en"' in html and 'class="badge"' not in html  # no label needed


def test_an_english_reader_finds_precinto_in_the_spanish_lesson(client, library, per_officer):
    """Peru's officer reads English on screen and Spanish at work: "precinto" finds the
    Spanish version of the lesson on seals, labelled with its language; the lesson is
    listed once, though it exists in English too."""
    client.force_login(_officer(per_officer, "en"))
    pages, html = _hits(client, "precinto")
    assert pages == ["checking"]
    assert 'data-language="es"' in html and library.es_seals.url in html
    assert '<h2 lang="es"><a href="' + library.es_seals.url in html
    assert '<span class="badge" lang="es">Español</span>' in html
    assert "<mark>precinto</mark>" in html
    # Found in both languages: listed once, in the reader's.
    pages, html = _hits(client, "Guayaquil")
    assert pages == ["insiders"] and 'data-language="en"' in html
    assert 'data-language="es"' not in html


def test_results_in_the_readers_language_come_first(client, library, per_officer):
    spanish_only = add(
        library.es_module,
        LessonPage(
            title="Rutas del banano",
            slug="rutas",
            body=[rich("<p>Los envíos que salen de Guayaquil hacia Europa.</p>")],
        ),
    )
    client.force_login(_officer(per_officer, "en"))
    pages, html = _hits(client, "Guayaquil")
    assert pages == ["insiders", "rutas"]  # English first, then the Spanish-only lesson
    assert html.index('data-language="en"') < html.index('data-language="es"')
    assert spanish_only.url in html and library.insiders.url in html
    client.force_login(_officer(per_officer, "es"))
    pages, html = _hits(client, "Guayaquil")
    assert sorted(pages) == ["insiders", "rutas"]
    assert 'data-language="en"' not in html and 'class="badge"' not in html


def test_a_language_the_reader_has_no_tie_to_is_not_searched(
    client, library, per_officer, pan_officer
):
    """French is neither the interface language of Peru's officer nor one of Peru's
    official languages: its pages stay out of their results (positive control: a reader
    of French finds them). PAN's officer, whose administration speaks Spanish, finds the
    Spanish lesson from an English interface too."""
    french = Locale.objects.get(language_code="fr")
    translate(library.index, french, title="Cours")
    translate(library.course, french, title="Contrôle des conteneurs", summary="Profilage.")
    translate(library.module, french, title="Méthodes de dissimulation")
    translate(
        library.seals,
        french,
        title="Vérifier le conteneur",
        body=[rich("<p>Comparez le numéro du <b>scellé</b> avec le connaissement.</p>")],
    )
    client.force_login(_officer(per_officer, "en"))
    assert _hits(client, "scellé")[0] == []
    client.force_login(_officer(per_officer, "fr"))
    pages, html = _hits(client, "scellé")
    assert pages == ["checking"] and 'data-language="fr"' in html
    client.force_login(_officer(pan_officer, "en"))
    assert _hits(client, "precinto")[0] == ["checking"]


def test_rip_on_finds_the_lesson_mentioning_the_attacks(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    pages, html = _hits(client, "rip-on")
    assert pages == ["insiders"]  # the text is in a callout block, not in the title
    assert "<mark>rip" in html
    assert _hits(client, "Rip-On attacks")[0] == ["insiders"]


def test_course_and_module_titles_and_summaries_are_searched(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    assert _hits(client, "concealment")[0] == ["concealment"]
    pages, html = _hits(client, "profiling")
    assert pages == ["container-control"]
    assert 'data-kind="course"' in html


def test_results_are_in_the_viewers_language(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    pages, html = _hits(client, "Guayaquil")
    assert pages == ["insiders"] and "Port insiders" in html
    assert "Cómplices" not in html
    _officer(per_officer, "es")
    pages, html = _hits(client, "Guayaquil")
    assert pages == ["insiders"] and "Cómplices en el puerto" in html
    assert "Port insiders" not in html
    # Accents are optional in the query.
    assert _hits(client, "inspeccion")[0] == ["container-control"]


def test_drafts_are_never_found_and_publishing_updates_the_index(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    draft = LessonPage(
        title="Fuel declared as lubricants",
        slug="fuel",
        body=[rich("<p>Huachicol declared as additives.</p>")],
    )
    library.module.add_child(instance=draft)
    draft.save_revision()
    assert _hits(client, "huachicol")[0] == []

    # A new draft of a published lesson stays out until it is published.
    library.seals.body = [rich("<p>Check the seal and the tamper evidence.</p>")]
    library.seals.save_revision()
    assert _hits(client, "tamper")[0] == []
    assert _hits(client, "seal")[0] == ["checking"]
    library.seals.get_latest_revision().publish()
    assert _hits(client, "tamper")[0] == ["checking"]

    library.seals.refresh_from_db()
    library.seals.unpublish()
    assert _hits(client, "tamper")[0] == []
    assert not SearchDocument.objects.filter(page=library.seals).exists()

    library.insiders.delete()  # the English lesson only: its Spanish version is found
    pages, html = _hits(client, "Guayaquil")
    assert pages == ["insiders"] and _languages(html) == ["es"]


def test_an_unpublished_course_hides_its_lessons(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    assert _hits(client, "Guayaquil")[0] == ["insiders"]
    # Only the course is unpublished: its lessons stay live pages, yet are not found.
    library.course.unpublish()  # the English course; the Spanish one stays live
    assert LessonPage.objects.get(pk=library.insiders.pk).live
    pages, html = _hits(client, "Guayaquil")
    assert pages == ["insiders"] and _languages(html) == ["es"]
    assert _hits(client, "profiling")[0] == []


def test_another_administrations_course_is_not_found(client, library, per_officer, pan_officer):
    client.force_login(_officer(per_officer, "en"))
    assert _hits(client, "counterfeit")[0] == []
    assert _hits(client, "Balboa")[0] == []
    # Positive control: PAN's officer finds their own course and lesson.
    client.force_login(_officer(pan_officer, "en"))
    assert sorted(_hits(client, "counterfeit")[0]) == ["balboa", "fit"]


def test_bad_input_gets_a_clear_message_and_no_error(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    pages, html = _hits(client, "?!… — ///")
    assert pages == [] and "punctuation alone finds nothing" in html
    pages, html = _hits(client, "seal " * 2000)
    assert pages == [] and "This search is too long" in html
    pages, html = _hits(client, "   ")
    assert pages == [] and "Type a word or two" in html
    pages, html = _hits(client, "zzzqqqxxy")
    assert pages == [] and "Nothing matches these words" in html
    # Odd operators and quotes reach PostgreSQL's parser without breaking it.
    for query in ['"seal', "seal & | ! ( :*", "-seal", "seal or", "' OR 1=1 --"]:
        assert client.get(SEARCH, {"q": query}).status_code == 200, query
    assert _hits(client, "seal", page="999")[0] == ["checking"]  # last page
    assert _hits(client, "seal", page="x")[0] == ["checking"]


def test_search_needs_sign_in(client, library):
    response = client.get(SEARCH, {"q": "seal"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_snippets_escape_the_text(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    library.seals.body = [rich("<p>Seal &lt;script&gt;alert(1)&lt;/script&gt; here.</p>")]
    publish(library.seals)
    html = _hits(client, "seal")[1]
    assert "<script>alert" not in html and "alert(1)" in html  # PostgreSQL drops the tags


def test_catalogue_shows_the_search_box(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    html = client.get("/courses/").content.decode()
    assert 'action="/learning/search/"' in html and 'id="site-search-q"' in html


def test_rebuild_command_restores_the_index(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    count = SearchDocument.objects.count()
    SearchDocument.objects.all().delete()
    assert _hits(client, "seal")[0] == []
    call_command("search_index_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert SearchDocument.objects.count() == count
    assert _hits(client, "seal")[0] == ["checking"]


def test_results_page_query_count_is_pinned(client, library, per_officer):
    client.force_login(_officer(per_officer, "en"))
    client.get(SEARCH, {"q": "container"})  # warm-up

    def count():
        with CaptureQueriesContext(connection) as context:
            response = client.get(SEARCH, {"q": "container"})
        assert response.status_code == 200
        return len(context.captured_queries), response.content.decode().count("data-page=")

    before, shown = count()
    for number in range(12):
        add(
            library.module,
            LessonPage(
                title=f"Container case {number}",
                slug=f"case-{number}",
                body=[rich("<p>Another container case.</p>")],
            ),
        )
    client.get(SEARCH, {"q": "container"})  # the first visit after a change fills the caches
    after, shown_after = count()
    assert shown_after == 10 > shown
    assert after == before
    # session, user (with roles), the visible courses, the count, one page of results.
    assert before == PINNED_SEARCH, before


PINNED_SEARCH = 5


def test_sqlite_reads_the_fts5_index_kept_by_triggers(client, library, per_officer):
    """On SQLite the search reads the FTS5 table (no scan of every document), which the
    triggers keep in step with the documents; the rebuild command restores them."""
    from courses.search import sqlite_fts_install, sqlite_fts_ready, sqlite_has_fts5

    if connection.vendor != "sqlite":
        assert not sqlite_fts_ready()
        return
    assert sqlite_has_fts5() and sqlite_fts_ready()

    def indexed():
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid, folded FROM courses_searchdocument_fts ORDER BY 1")
            return cursor.fetchall()

    assert indexed() == list(SearchDocument.objects.order_by("pk").values_list("pk", "folded"))
    client.force_login(_officer(per_officer, "en"))
    with CaptureQueriesContext(connection) as context:
        assert _hits(client, "seal")[0] == ["checking"]
    assert any("courses_searchdocument_fts MATCH" in q["sql"] for q in context.captured_queries)
    document = SearchDocument.objects.get(page=library.seals).pk
    library.seals.delete()
    assert document not in {row[0] for row in indexed()}
    assert indexed() == list(SearchDocument.objects.order_by("pk").values_list("pk", "folded"))
    # A later migration rebuilding the table would drop its triggers: reinstalled here.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER courses_searchdocument_fts_insert")
    sqlite_fts_install()
    add(library.module, LessonPage(title="Tamper tape", slug="tape", body=[rich("<p>x</p>")]))
    assert _hits(client, "tamper")[0] == ["tape"]  # inserted after the reinstall
    assert indexed() == list(SearchDocument.objects.order_by("pk").values_list("pk", "folded"))


def test_folding_and_terms():
    assert fold("Inspección ÇA") == "inspeccion ca"
    assert query_terms("Rip-On  «seal» ?!") == ["rip on", "seal"]
    fragments = snippet_fragments("Check the seals. Rip-on attacks.", ["seal", "rip on"])
    assert [f.text for f in fragments if f.marked] == ["seals", "Rip", "on"]
    assert "".join(f.text for f in fragments) == "Check the seals. Rip-on attacks"
    long = "word " * 300 + "Inspección del PRECINTO nº 5. " + "more " * 300
    fragments = snippet_fragments(long, ["precinto", "inspeccion"])
    assert [f.text for f in fragments if f.marked] == ["Inspección", "PRECINTO"]
    assert fragments[0].text == "… " and fragments[-1].text == " …"
    assert len([f for f in fragments if re.fullmatch(r"\w+", f.text)]) == 30
