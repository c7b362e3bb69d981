"""Page translations that keep up (issue 14, point 3): wagtail-localize translations of a
lesson are marked outdated when the English changes, are synced, go out to a translator as
a PO file and come back; new lessons show as missing; all of it within the author's pages.
The rule is ``courses.translations``; the admin's side ``courses.translation_admin``."""

from __future__ import annotations

import re
import uuid

import polib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Locale
from wagtail_localize.models import Translation

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.services import author_groups_sync
from courses.tests.fixtures import add, translate
from courses.translations import Reason, Status, page_translation_status_for_user

pytestmark = pytest.mark.django_db

REPORT = "/cms/localize/reports/translations/"


def _text(html: str) -> dict:
    return {"type": "text", "value": html, "id": str(uuid.uuid4())}


@pytest.fixture(name="per_lesson")
def per_lesson_fixture(home_page, per, per_author, pan_author):
    index = add(home_page, CourseIndexPage(title="PER courses", slug="per", administration=per))
    # PER's catalogue exists in Spanish (as in the demo): its authors' permissions too.
    translate(index, Locale.objects.get(language_code="es"), title="Cursos de PER")
    course = add(
        index,
        CoursePage(
            title="Valuation", slug="v", summary="S.", track="illicit_trade", level="foundation"
        ),
    )
    module = add(course, ModulePage(title="Declared values", slug="m"))
    lesson = add(
        module,
        LessonPage(
            title="Undervaluation",
            slug="l",
            body=[_text("<p>Compare the declared value.</p>"), _text("<p>Ask for invoices.</p>")],
        ),
    )
    author_groups_sync()
    return lesson


def _status(user, page, code):
    statuses = page_translation_status_for_user(user, page)
    return next(entry for entry in statuses.languages if entry.language == code)


def _po(client, translation) -> polib.POFile:
    response = client.get(f"/cms/localize/translate/{translation.pk}/pofile/download/")
    assert response.status_code == 200
    return polib.pofile(response.content.decode())


def _upload(client, translation, po: polib.POFile, back: str) -> None:
    upload = SimpleUploadedFile("lesson-es.po", str(po).encode(), "text/x-gettext-translation")
    response = client.post(
        f"/cms/localize/translate/{translation.pk}/pofile/upload/",
        {"file": upload, "next": back},
    )
    assert response.status_code == 302


SPANISH = {
    "Undervaluation": "Subvaloración",
    "l": "subvaloracion",  # the slug is a text to translate too
    "Compare the declared value.": "Compare el valor declarado.",
    "Ask for invoices.": "Pida las facturas.",
    "Ask for the invoices and the contract.": "Pida las facturas y el contrato.",
}


def _fill(po: polib.POFile) -> list[str]:
    """Translates the empty entries; returns their source texts."""
    filled = []
    for entry in po:
        if not entry.msgstr and not entry.obsolete and entry.msgid in SPANISH:
            entry.msgstr = SPANISH[entry.msgid]
            filled.append(entry.msgid)
    return filled


def _publish_translation(client, page_id: int, on_commit) -> None:
    """The translation editor's "Publish" (wagtail-localize publishes once committed)."""
    with on_commit(execute=True):
        response = client.post(f"/cms/pages/{page_id}/edit/", {"action": "publish"})
    assert response.status_code in (200, 302)


def test_a_translation_goes_outdated_is_synced_and_comes_back_from_a_po_file(
    client, per_lesson, per_author, platform_admin, django_capture_on_commit_callbacks
):
    es = Locale.objects.get(language_code="es")
    client.force_login(per_author)
    assert _status(per_author, per_lesson, "es").status == Status.MISSING
    # "Translate this page" into Spanish (wagtail-localize): a draft, nothing translated.
    response = client.post(f"/cms/localize/submit/page/{per_lesson.pk}/", {"locales": [es.pk]})
    assert response.status_code == 302
    translation = Translation.objects.get(source__object_id=per_lesson.translation_key)
    spanish = per_lesson.get_translation(es).specific
    status = _status(per_author, per_lesson, "es")
    assert status.status == Status.OUTDATED and status.untranslated == 4
    assert set(status.reasons) == {Reason.UNTRANSLATED, Reason.NOT_PUBLISHED}

    # The outside translator's PO file: every text, translated; the reviewer publishes.
    po = _po(client, translation)
    assert set(_fill(po)) == {
        "Undervaluation",
        "l",
        "Compare the declared value.",
        "Ask for invoices.",
    }
    back = f"/cms/pages/{spanish.pk}/edit/"
    _upload(client, translation, po, back)
    assert _status(per_author, per_lesson, "es").reasons == (Reason.NOT_PUBLISHED,)
    client.force_login(platform_admin)
    _publish_translation(client, spanish.pk, django_capture_on_commit_callbacks)
    spanish.refresh_from_db()
    assert spanish.title == "Subvaloración"
    assert "Pida las facturas." in str(spanish.body)
    assert _status(per_author, per_lesson, "es").status == Status.CURRENT

    # The English changes and is published: the Spanish is outdated.
    english = LessonPage.objects.get(pk=per_lesson.pk)
    english.body = [
        _keep(english.body[0]),
        _text("<p>Ask for the invoices and the contract.</p>"),
    ]
    english.save_revision().publish()
    status = _status(per_author, per_lesson, "es")
    assert status.status == Status.OUTDATED and status.reasons == (Reason.SOURCE_CHANGED,)

    # The report says so, and links to the sync.
    client.force_login(per_author)
    report = client.get(REPORT).content.decode()
    cell = _cell(report, per_lesson.pk, "es")
    assert 'data-status="outdated"' in cell
    assert f"/cms/localize/update/{status.translation_id and _source_id(translation)}/" in cell

    # Syncing may publish at once: not for an author, who publishes through review.
    sync = f"/cms/localize/update/{_source_id(translation)}/"
    assert client.post(sync, {"publish_translations": "on"}).status_code == 404
    assert _status(per_author, per_lesson, "es").reasons == (Reason.SOURCE_CHANGED,)

    # Sync: the changed sentence is untranslated, and the PO file asks for it.
    response = client.post(f"/cms/localize/update/{_source_id(translation)}/", {})
    assert response.status_code == 302
    status = _status(per_author, per_lesson, "es")
    assert status.status == Status.OUTDATED and status.untranslated == 1
    assert Reason.SOURCE_CHANGED not in status.reasons
    po = _po(client, translation)
    assert _fill(po) == ["Ask for the invoices and the contract."]
    _upload(client, translation, po, back)
    client.force_login(platform_admin)
    _publish_translation(client, spanish.pk, django_capture_on_commit_callbacks)
    spanish.refresh_from_db()
    assert "Pida las facturas y el contrato." in str(spanish.body)
    assert "Compare el valor declarado." in str(spanish.body)
    assert _status(per_author, per_lesson, "es").status == Status.CURRENT


def _keep(block):
    return {"type": block.block_type, "value": block.value.source, "id": block.id}


def _source_id(translation: Translation) -> int:
    return translation.source_id


def _cell(html: str, page_id: int, code: str) -> str:
    row = re.search(rf'<tr data-page="{page_id}">(.*?)</tr>', html, re.S)
    assert row, f"page {page_id} not in the report"
    cell = re.search(rf'<td data-language="{code}"(.*?)</td>', row.group(1), re.S)
    assert cell
    return cell.group(0)


def test_the_report_lists_the_authors_pages_with_new_lessons_missing_everywhere(
    client, per_lesson, pan_author, per_author, pan, django_assert_num_queries
):
    module = per_lesson.get_parent()
    new = add(module, LessonPage(title="Transfer pricing", slug="t", body=[_text("<p>x</p>")]))
    pan_index = add(
        per_lesson.get_ancestors().get(depth=2),
        CourseIndexPage(title="PAN courses", slug="pan", administration=pan),
    )
    author_groups_sync()

    client.force_login(per_author)
    with django_assert_num_queries(QUERIES):
        report = client.get(REPORT)
    assert report.status_code == 200
    html = report.content.decode()
    for code in ("es", "pt-br", "fr"):
        cell = _cell(html, new.pk, code)
        assert 'data-status="missing"' in cell
        assert f"/cms/localize/submit/page/{new.pk}/" in cell
    assert _cell(html, per_lesson.pk, "fr").count('data-status="missing"') == 1
    assert "PAN courses" not in html
    # More pages, the same number of queries.
    for slug in ("a", "b", "c"):
        add(module, LessonPage(title=f"Lesson {slug}", slug=slug, body=[_text("<p>y</p>")]))
    with django_assert_num_queries(QUERIES):
        assert client.get(REPORT + "?outdated=1").status_code == 200

    # The page editor's status panel says the same.
    editor = client.get(f"/cms/pages/{new.pk}/edit/").content.decode()
    panel = editor[editor.index('class="translation-status"') :]
    assert panel.count('data-status="missing"') == 3

    # author.pan: PAN's catalogue, nothing of PER's.
    client.force_login(pan_author)
    html = client.get(REPORT).content.decode()
    assert f'data-page="{pan_index.pk}"' in html
    for title in ("PER courses", "Valuation", "Undervaluation", "Transfer pricing"):
        assert title not in html


QUERIES = 17


def test_hand_written_translations_are_adopted_and_then_kept_up(
    per_lesson, per_author, platform_admin, django_capture_on_commit_callbacks
):
    """The demo's translations (plain copies) registered with wagtail-localize: current,
    their texts and H5P choices paired with the English; outdated once the English
    changes; a sync and publication keep the hand-written Spanish."""
    from courses.tests.fixtures import translate
    from courses.translation_services import page_translations_adopt

    es = Locale.objects.get(language_code="es")
    english = LessonPage.objects.get(pk=per_lesson.pk)
    for page in (english.get_parent().get_parent(), english.get_parent()):
        translate(page.specific, es, title=f"ES {page.title}")
    body = [
        {"type": "text", "value": "<p>Compare el valor declarado.</p>", "id": english.body[0].id},
        {"type": "text", "value": "<p>Pida las facturas.</p>", "id": english.body[1].id},
    ]
    spanish = translate(english, es, title="Subvaloración", body=body)
    assert _status(per_author, english, "es").status == Status.CURRENT  # a plain copy
    assert _status(per_author, english, "fr").status == Status.MISSING

    assert page_translations_adopt(actor=platform_admin, page=english) == 1
    assert page_translations_adopt(actor=platform_admin, page=english) == 0  # idempotent
    status = _status(per_author, english, "es")
    assert status.translation_id is not None
    assert (status.status, status.untranslated) == (Status.CURRENT, 0)
    translation = Translation.objects.get(pk=status.translation_id)
    assert {e.msgid: e.msgstr for e in translation.export_po()} == {
        "Undervaluation": "Subvaloración",
        "l": "l",
        "Compare the declared value.": "Compare el valor declarado.",
        "Ask for invoices.": "Pida las facturas.",
    }

    english.title = "Undervaluation of imports"
    english.save_revision().publish()
    assert _status(per_author, english, "es").reasons == (Reason.SOURCE_CHANGED,)
    translation.source.update_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        translation.save_target(user=platform_admin, publish=True)
    spanish.refresh_from_db()
    assert "Pida las facturas." in str(spanish.body)  # the hand-written Spanish stays
    assert _status(per_author, english, "es").reasons == (Reason.UNTRANSLATED,)


def test_translating_into_a_language_without_a_catalogue_keeps_the_page_the_authors(
    client, per_lesson, per_author, pan_author, django_capture_on_commit_callbacks
):
    """PER has no French catalogue: translating makes one, and PER's authors may edit it
    (and so translate there), PAN's may not."""
    fr = Locale.objects.get(language_code="fr")
    client.force_login(per_author)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cms/localize/submit/page/{per_lesson.pk}/", {"locales": [fr.pk]})
    assert response.status_code == 302
    french = per_lesson.get_translation(fr)
    assert french.get_ancestors().type(CourseIndexPage).get().specific.administration.code == "PER"
    translation = Translation.objects.get(target_locale=fr)
    assert "Compare the declared value." in [e.msgid for e in _po(client, translation)]
    client.force_login(pan_author)
    download = f"/cms/localize/translate/{translation.pk}/pofile/download/"
    assert client.get(download).status_code == 404


def test_the_reports_menu_names_the_translations_report_in_each_readers_language(
    client, per_author
):
    """wagtail-localize's menu label was fixed in the language of the first reader."""
    client.force_login(per_author)
    assert '"Translations"' in client.get("/cms/").content.decode()
    french = client.get("/cms/", headers={"accept-language": "fr"}).content.decode()
    assert 'lang="fr"' in french
    assert '"Traductions"' in french
    assert '"Translations"' not in french
