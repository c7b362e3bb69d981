"""Which languages of a programme's title and description are current, outdated or missing.

The rule is :mod:`lms.translation_status` (shared with questions). A programme's source
text is its original one: the text row created first (normally English), else the default
language, else the first in ``settings.LANGUAGES`` order. Each other text records the digest
of the source text it was made from (``ProgrammeText.source_digest``): saving a changed
translation, or confirming it still correct, records the current digest
(:func:`programme_translations_record`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from lms.translation_status import (
    LanguageStatus,
    Status,
    digest,
    source_language,
    statuses,
    summary,
)

from .models import Programme, ProgrammeText


def text_digest(text: ProgrammeText) -> str:
    return digest({"title": text.title, "description": text.description})


def _source(texts: Sequence[ProgrammeText]) -> ProgrammeText | None:
    by_language = {text.language: text for text in texts}
    first = min(texts, key=lambda text: text.pk or 0, default=None)
    language = source_language(by_language, first.language if first else None)
    return by_language.get(language) if language else None


def programme_statuses(programme: Programme) -> list[LanguageStatus]:
    """Every language's status (uses the prefetched ``texts``: no query per programme)."""
    texts = list(programme.texts.all())
    source = _source(texts)
    return statuses(
        present=[text.language for text in texts],
        source=source.language if source else None,
        source_digest=text_digest(source) if source else "",
        recorded={text.language: text.source_digest for text in texts},
    )


def programme_languages_summary(programme: Programme) -> str:
    return summary(programme_statuses(programme))


def outdated_languages(programme: Programme) -> list[str]:
    return [
        item.language for item in programme_statuses(programme) if item.status is Status.OUTDATED
    ]


def programme_translations_record(
    *, programme: Programme, changed: Iterable[str], confirmed: Iterable[str] = ()
) -> None:
    """After the programme's texts were saved: the translations in ``changed`` (edited or
    new) and ``confirmed`` (still correct, unchanged) record the current source digest."""
    languages = set(changed) | set(confirmed)
    with transaction.atomic():
        texts = list(ProgrammeText.objects.select_for_update().filter(programme=programme))
        source = _source(texts)
        if source is None:
            return
        value, now = text_digest(source), timezone.now()
        for text in texts:
            if text.pk != source.pk and text.language in languages:
                text.source_digest, text.source_recorded_at = value, now
                text.save(update_fields=["source_digest", "source_recorded_at"])
