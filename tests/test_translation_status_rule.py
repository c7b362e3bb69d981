"""The shared rule (lms/translation_status.py) for questions and programmes, without the
database: which language is the source, and what a save records."""

from lms.translation_status import digest, recorded_after_save, source_language, statuses, summary


def test_the_source_is_the_original_language_then_the_default_then_the_settings_order():
    assert source_language(["es", "en"], original="es") == "es"
    assert source_language(["fr", "en"], original="es") == "en"  # the original is gone
    assert source_language(["fr", "pt-br"]) == "pt-br"  # settings.LANGUAGES order
    assert source_language([]) is None


def test_the_digest_ignores_key_order_and_a_save_records_only_what_changed():
    assert digest({"a": 1, "b": "é"}) == digest({"b": "é", "a": 1})
    before = {"en": {"stem": "old"}, "es": {"stem": "viejo"}, "fr": {"stem": "vieux"}}
    after = {"en": {"stem": "new"}, "es": {"stem": "nuevo"}, "fr": {"stem": "vieux"}}
    recorded = {"es": digest({"stem": "old"}), "fr": digest({"stem": "old"})}
    result = recorded_after_save(before=before, after=after, source="en", recorded=recorded)
    assert result == {"es": digest({"stem": "new"}), "fr": digest({"stem": "old"})}
    items = statuses(
        present=after, source="en", source_digest=digest({"stem": "new"}), recorded=result
    )
    assert summary(items) == "en · es · pt-br (missing) · fr (outdated)"
    confirmed = recorded_after_save(
        before=after, after=after, source="en", recorded=result, confirmed=["fr"]
    )
    assert confirmed["fr"] == digest({"stem": "new"})
