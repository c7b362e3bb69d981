"""Spanish, Portuguese (Brazil) and French ship complete; the compiled catalogues match
their sources."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def catalogue(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", ["es", "pt_BR", "fr"])
def test_every_language_is_complete(language):
    po = catalogue(language)
    assert len(po) > 100
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", ["es", "pt_BR", "fr"])
def test_compiled_catalogue_matches_its_source(language):
    po = catalogue(language)
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    source = {(e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries()}
    assert {k: v for k, v in compiled.items() if k[1]} == source


def test_portuguese_and_french_catalogues_are_wired_with_every_message():
    spanish_ids = {entry.msgid for entry in catalogue("es")}
    for language in ("pt_BR", "fr"):
        assert {entry.msgid for entry in catalogue(language)} == spanish_ids
