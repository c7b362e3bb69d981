"""A bank's texts go to outside translators as a PO file and come back as new versions;
a file for another bank, with unknown texts or partly translated is refused and changes
nothing."""

from __future__ import annotations

import polib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments.models import Question, QuestionBank
from assessments.tests.test_translation_status import ES, make_question, save, status_of, texts
from assessments.translation_po import (
    TranslationImportRefused,
    bank_translation_import,
    bank_translation_po,
)

pytestmark = pytest.mark.django_db

PT = {
    "<p>Which tool is the live channel?</p>": "<p>Qual ferramenta é o canal ao vivo?</p>",
    "CEN": "CEN (pt)",
    "nCEN": "nCEN (pt)",
}


@pytest.fixture
def bank(per):
    return QuestionBank.objects.create(title="PER bank", administration=per)


def export(client, bank, language="pt-br") -> polib.POFile:
    response = client.get(f"/cms/banks/{bank.pk}/translations/{language}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="bank-{bank.pk}-{language}.po"'
    return polib.pofile(response.content.decode())


def upload(client, bank, po, language="pt-br"):
    return client.post(
        f"/cms/banks/{bank.pk}/translations/{language}/import/",
        {"file": SimpleUploadedFile("bank.po", str(po).encode(), "text/x-gettext-translation")},
    )


def test_the_po_file_names_each_text_and_marks_outdated_translations(client, per_author, bank):
    make_question(bank, "q1")
    outdated = make_question(bank, "q2")
    save(outdated, {"en": texts("Changed stem"), "es": ES})
    client.force_login(per_author)

    po = export(client, bank, "es")
    assert po.metadata["Language"] == "es" and po.metadata["X-Question-Bank"] == str(bank.pk)
    entries = {entry.msgctxt: entry for entry in po}
    assert set(entries) == {
        f"{uid}:{path}"
        for uid in ("q1", "q2")
        for path in ("options/a/text", "options/b/text", "stem")
    }
    current = entries["q1:stem"]
    assert current.msgid == "<p>Which tool is the live channel?</p>"
    assert current.msgstr == ES["stem"] and "fuzzy" not in current.flags
    stale = entries["q2:stem"]
    assert stale.msgid == "<p>Changed stem</p>" and stale.msgstr == ES["stem"]
    assert "fuzzy" in stale.flags and "Outdated" in stale.tcomment

    missing = export(client, bank, "pt-br")
    assert missing.metadata["Language"] == "pt_BR"
    assert {entry.msgstr for entry in missing} == {""}


def test_a_filled_po_file_makes_new_versions_recorded_current(client, per_author, bank):
    question = make_question(bank, "q1")
    question.current_version.used_at = timezone.now()  # drawn: frozen
    question.current_version.save(update_fields=["used_at"])
    untouched = make_question(bank, "q2", languages={"en": texts("Other")})
    client.force_login(per_author)
    po = export(client, bank)
    for entry in po:
        if entry.msgctxt.startswith("q1:"):
            entry.msgstr = PT[entry.msgid]
    response = upload(client, bank, po)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "1 questions changed, 0 confirmed, 1 left as they were" in response.content.decode()

    question = Question.objects.select_related("current_version").get(pk=question.pk)
    assert question.versions.count() == 2 and question.current_version.number == 2
    assert question.current_version.texts["pt-br"] == {
        "stem": "<p>Qual ferramenta é o canal ao vivo?</p>",
        "options": {"a": {"text": "CEN (pt)"}, "b": {"text": "nCEN (pt)"}},
    }
    assert question.current_version.texts["en"]["stem"] == "<p>Which tool is the live channel?</p>"
    assert status_of(question)["pt-br"] == "current"
    assert untouched.versions.count() == 1 and status_of(untouched)["pt-br"] == "missing"

    # Imported again unchanged: confirmed, no new version.
    again = upload(client, bank, export(client, bank))
    assert "0 questions changed, 1 confirmed, 1 left as they were" in again.content.decode()
    assert question.versions.count() == 2


def test_a_translation_still_marked_fuzzy_is_left_outdated(per_author, bank):
    question = make_question(bank, "q1")
    save(question, {"en": texts("Which tool is the live channel?", a="CEN 2"), "es": ES})
    po = polib.pofile(bank_translation_po(bank=bank, language="es"))
    assert all("fuzzy" in entry.flags for entry in po)
    report = bank_translation_import(actor=per_author, bank=bank, language="es", text=str(po))
    assert report.left == ["q1"] and status_of(question)["es"] == "outdated"
    # The translator reviews it (the tool drops the flag): the translation is current.
    for entry in po:
        entry.flags.remove("fuzzy")
        if entry.msgid == "CEN 2":
            entry.msgstr = "CEN 2 (es)"
    report = bank_translation_import(actor=per_author, bank=bank, language="es", text=str(po))
    assert report.translated == ["q1"] and status_of(question)["es"] == "current"


def refusal(bank, language, po, actor) -> list[str]:
    with pytest.raises(TranslationImportRefused) as refused:
        bank_translation_import(actor=actor, bank=bank, language=language, text=str(po))
    return refused.value.problems


def test_a_bad_po_file_is_refused_and_changes_nothing(client, per_author, pan, bank):
    question = make_question(bank, "q1")
    other = QuestionBank.objects.create(title="Other", administration=bank.administration)
    make_question(other, "q1")
    filled = polib.pofile(bank_translation_po(bank=bank, language="pt-br"))
    for entry in filled:
        entry.msgstr = PT[entry.msgid]
    before = list(question.versions.values_list("pk", "texts"))

    # Another bank's file (the same uids, but not this bank).
    other_po = polib.pofile(bank_translation_po(bank=other, language="pt-br"))
    for entry in other_po:
        entry.msgstr = PT[entry.msgid]
    assert refusal(bank, "pt-br", other_po, per_author) == [
        "This file is for another question bank: export this bank's file again."
    ]
    # Another language.
    assert refusal(bank, "fr", filled, per_author) == ["This file is in “pt_BR”, not in “fr”."]
    # An unknown text, and a source text changed since the export.
    unknown = polib.pofile(str(filled))
    unknown.append(polib.POEntry(msgctxt="q9:stem", msgid="<p>?</p>", msgstr="<p>?</p>"))
    unknown[0].msgid = "Not the source"
    problems = refusal(bank, "pt-br", unknown, per_author)
    assert "“q9:stem” is not a text of this bank's questions." in problems
    assert any("changed since the export" in problem for problem in problems)
    # A question partly translated.
    partial = polib.pofile(str(filled))
    partial[0].msgstr = ""
    assert refusal(bank, "pt-br", partial, per_author) == ["q1: 1 of its texts is not translated."]
    # Not a PO file at all, through the page: a translated message, status 400.
    client.force_login(per_author)
    client.cookies["lms_language"] = "es"
    response = client.post(
        f"/cms/banks/{bank.pk}/translations/pt-br/import/",
        {"file": SimpleUploadedFile("bank.po", b'msgid "x\nbroken', "text/plain")},
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()

    assert list(question.versions.values_list("pk", "texts")) == before
    assert status_of(question)["pt-br"] == "missing"


def test_an_unknown_language_answers_404(client, per_author, bank):
    client.force_login(per_author)
    assert client.get(f"/cms/banks/{bank.pk}/translations/de/export/").status_code == 404
    assert client.get(f"/cms/banks/{bank.pk}/translations/de/import/").status_code == 404


def test_another_administrations_bank_answers_404_and_keeps_its_texts(
    client, per_author, pan_author, bank
):
    question = make_question(bank, "q1")
    po = polib.pofile(bank_translation_po(bank=bank, language="pt-br"))
    for entry in po:
        entry.msgstr = PT[entry.msgid]
    export_url = f"/cms/banks/{bank.pk}/translations/pt-br/export/"
    import_url = f"/cms/banks/{bank.pk}/translations/pt-br/import/"
    client.force_login(pan_author)
    assert client.get(export_url).status_code == 404
    assert client.get(import_url).status_code == 404
    assert upload(client, bank, po).status_code == 404
    assert question.versions.count() == 1 and status_of(question)["pt-br"] == "missing"
    # The positive control: PER's author reads and imports.
    client.force_login(per_author)
    assert b'msgctxt "q1:stem"' in client.get(export_url).content
    assert "PER bank" in client.get(import_url).content.decode()
    assert upload(client, bank, po).status_code == 200
    assert status_of(question)["pt-br"] == "current"
