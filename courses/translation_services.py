"""Writes for page translations (issue 14): adopting translations made by hand (plain copies,
as the demo's) into wagtail-localize, so that they are synced and marked outdated when
their source changes, like translations made with "Translate this page".

The rule of the statuses is in ``courses.translations``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db import transaction
from wagtail.models import Page
from wagtail_localize.models import (
    OverridableSegment,
    SegmentOverride,
    StringSegment,
    StringTranslation,
    Translation,
    TranslationSource,
)
from wagtail_localize.segments import OverridableSegmentValue, StringSegmentValue
from wagtail_localize.segments.extract import extract_segments

if TYPE_CHECKING:
    from lms.accounts.models import User

ADOPTION_TOOL = "Adopted translation"


def _strings_by_path(segments: list[Any]) -> dict[str, list[str]]:
    by_path: dict[str, list[str]] = defaultdict(list)
    for segment in segments:
        if isinstance(segment, StringSegmentValue):
            by_path[segment.path].append(segment.string.data)
    return by_path


def _overrides_by_path(segments: list[Any]) -> dict[str, Any]:
    return {
        segment.path: segment.data
        for segment in segments
        if isinstance(segment, OverridableSegmentValue)
    }


@transaction.atomic
def page_translations_adopt(*, actor: User | None, page: Page) -> int:
    """Register the existing translations of ``page`` (a page of the source language) with
    wagtail-localize; returns how many were adopted (0 once done: idempotent).

    The page's text is extracted as wagtail-localize does ("Translate this page"), and so is
    each translation's; texts at the same place (the same field, or the same StreamField
    block: translations share block ids) pair up in order, and become the translations of
    the segments (the rows a PO file's import makes, written in one query). A place whose
    number of texts differs (a paragraph more in one language) is left untranslated: the
    translation then shows as outdated, which is the truth. Chosen objects that differ (an
    H5P activity in the translation's language) become the translation's overrides. The
    translated pages are not changed: they are what is published, so the source counts as
    synced when it was last changed, and each text as translated when its page was last
    published.
    """
    page = page.specific
    copies = [
        copy.specific
        for copy in page.get_translations().filter(alias_of__isnull=True).select_related("locale")
    ]
    if not copies or TranslationSource.objects.filter(
        object_id=page.translation_key, locale_id=page.locale_id
    ):
        return 0
    source, _created = TranslationSource.get_or_create_from_instance(page)
    source_segments = extract_segments(page)
    source_strings = _strings_by_path(source_segments)
    source_overrides = _overrides_by_path(source_segments)
    overridable = {
        segment.context.path: segment.context
        for segment in OverridableSegment.objects.filter(source=source).select_related("context")
    }
    segment_ids = {
        (path, data): (string_id, context_id)
        for path, data, string_id, context_id in StringSegment.objects.filter(
            source=source
        ).values_list("context__path", "string__data", "string_id", "context_id")
    }
    synced_at = page.last_published_at or page.latest_revision_created_at or source.created_at
    for copy in copies:
        Translation.objects.get_or_create(
            source=source, target_locale=copy.locale, defaults={"enabled": True}
        )
        copy_segments = extract_segments(copy)
        published = copy.last_published_at or copy.latest_revision_created_at
        texts = []
        for path, translated in _strings_by_path(copy_segments).items():
            originals = source_strings.get(path, [])
            if len(originals) != len(translated):
                continue
            for original, text in zip(originals, translated, strict=True):
                if (path, original) in segment_ids:
                    string_id, context_id = segment_ids[(path, original)]
                    texts.append(
                        StringTranslation(
                            translation_of_id=string_id,
                            context_id=context_id,
                            locale=copy.locale,
                            data=text,
                            translation_type=StringTranslation.TRANSLATION_TYPE_MANUAL,
                            tool_name=ADOPTION_TOOL,
                            last_translated_by=actor,
                        )
                    )
        StringTranslation.objects.bulk_create(texts, ignore_conflicts=True)
        for path, value in _overrides_by_path(copy_segments).items():
            if path in overridable and value != source_overrides.get(path):
                SegmentOverride.objects.update_or_create(
                    locale=copy.locale,
                    context=overridable[path],
                    defaults={"data_json": json.dumps(value), "last_translated_by": actor},
                )
        StringTranslation.objects.filter(
            context__object_id=page.translation_key, locale=copy.locale
        ).update(updated_at=published)
    TranslationSource.objects.filter(pk=source.pk).update(last_updated_at=synced_at)
    return len(copies)
