"""Whether a translation is current, outdated or missing: the one pure rule that question
texts (``assessments.translation_status``) and programme texts
(``certificates.translation_status``) share. No ORM here.

Each translation records the *digest of the source texts it was made from*. The source
texts are those of the content's source language; when they change and the translation is
not saved again (or confirmed "still correct"), the recorded digest no longer matches the
digest of the current source texts: the translation is outdated.

The source language is the content's original language: the one recorded when it was
first written (a question) or of its first text (a programme), so that adding English to a
question written in Spanish does not turn the Spanish original into a translation of its
own translation. Only when the original language is gone (its texts removed) does the rule
fall back to the default language (``settings.LANGUAGE_CODE``) when present, else to the
first present language in the order of ``settings.LANGUAGES``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils.translation import gettext, pgettext


class Status(StrEnum):
    SOURCE = "source"
    CURRENT = "current"
    OUTDATED = "outdated"
    MISSING = "missing"


@dataclass(frozen=True)
class LanguageStatus:
    language: str
    status: Status

    @property
    def label(self) -> str:
        """The status in words (translated): text, never colour alone."""
        return {
            Status.SOURCE: pgettext("translation status", "source"),
            Status.CURRENT: pgettext("translation status", "current"),
            Status.OUTDATED: pgettext("translation status", "outdated"),
            Status.MISSING: pgettext("translation status", "missing"),
        }[self.status]


def digest(texts: Any) -> str:
    """A stable digest of some texts (any JSON value): key order and spacing do not count."""
    canonical = json.dumps(texts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _ordered(languages: Iterable[str]) -> list[str]:
    known = [code for code, _name in settings.LANGUAGES]
    present = set(languages)
    return [code for code in known if code in present] + sorted(present - set(known))


def source_language(present: Iterable[str], original: str | None = None) -> str | None:
    """The source language among ``present``: the original one while it is present, else
    the default language, else the first in ``settings.LANGUAGES`` order (None: no texts)."""
    present = list(present)
    if original and original in present:
        return original
    if settings.LANGUAGE_CODE in present:
        return settings.LANGUAGE_CODE
    ordered = _ordered(present)
    return ordered[0] if ordered else None


def statuses(
    *, present: Iterable[str], source: str | None, source_digest: str, recorded: Mapping[str, str]
) -> list[LanguageStatus]:
    """One status per language of ``settings.LANGUAGES`` (and any other present one), in
    that order. ``recorded`` maps a translation's language to the source digest it was made
    from."""
    present = set(present)
    result = []
    for language in _ordered([code for code, _name in settings.LANGUAGES] + list(present)):
        if language == source:
            status = Status.SOURCE
        elif language not in present:
            status = Status.MISSING
        elif recorded.get(language) == source_digest:
            status = Status.CURRENT
        else:
            status = Status.OUTDATED
        result.append(LanguageStatus(language, status))
    return result


def recorded_after_save(
    *,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    source: str | None,
    recorded: Mapping[str, str],
    confirmed: Iterable[str] = (),
) -> dict[str, str]:
    """The digests to record after saving the texts ``after`` (per language) over
    ``before``: a translation whose texts changed (or that is new), or that the translator
    confirmed, is recorded as made from the current source; the others keep what they had
    (and so turn outdated when the source changed). Languages no longer present are dropped.
    """
    if source is None or source not in after:
        return {}
    current = digest(after[source])
    confirmed = set(confirmed)
    result: dict[str, str] = {}
    for language, texts in after.items():
        if language == source:
            continue
        changed = language not in before or digest(before[language]) != digest(texts)
        if changed or language in confirmed:
            result[language] = current
        elif language in recorded:
            result[language] = recorded[language]
    return result


def summary(items: Iterable[LanguageStatus]) -> str:
    """A compact line for listings: ``en · es · pt-br (outdated) · fr (missing)``."""
    parts = []
    for item in items:
        if item.status in (Status.SOURCE, Status.CURRENT):
            parts.append(item.language)
        else:
            parts.append(f"{item.language} ({item.label})")
    return " · ".join(parts)


def show_in_confirm_field(field: Any, items: Iterable[LanguageStatus]) -> None:
    """A form's "still correct" field: each language's status in words as its help, and a
    box per outdated translation (the question and programme editors share it)."""
    items = list(items)
    field.help_text = " · ".join(f"{item.language}: {item.label}" for item in items)
    field.choices = [
        (
            item.language,
            gettext("%(language)s: still correct, confirm it without changing it")
            % {"language": item.language},
        )
        for item in items
        if item.status is Status.OUTDATED
    ]
