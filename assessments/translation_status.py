"""Which languages of a question are current, outdated or missing.

The rule is :mod:`lms.translation_status` (shared with programmes); here is how a question
keeps its part: ``Question.source_language`` (the language its texts were first written
in) and ``Question.translation_sources`` (for each translation, the digest of the source
texts it was made from). Saving a question (:func:`assessments.services.
question_version_save`) records them; :func:`question_translations_confirm` records that a
translation is still correct without changing it (no new version).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lms.accounts.models import User
from lms.translation_status import (
    LanguageStatus,
    Status,
    digest,
    recorded_after_save,
    source_language,
    statuses,
    summary,
)

from .models import Question, QuestionVersion


def recorded_digests(question: Question) -> dict[str, str]:
    """``{language: source digest}`` of the question's translations."""
    sources = question.translation_sources or {}
    return {
        language: record["source"]
        for language, record in sources.items()
        if isinstance(record, dict) and isinstance(record.get("source"), str)
    }


def question_source(question: Question, version: QuestionVersion | None = None) -> str | None:
    version = version or question.current_version
    texts = version.texts if version is not None else {}
    return source_language(texts, question.source_language)


def question_statuses(question: Question) -> list[LanguageStatus]:
    """Every language's status for the question's current version (no query when the
    current version is loaded with the question)."""
    version = question.current_version
    texts: Mapping[str, Any] = version.texts if version is not None else {}
    source = source_language(texts, question.source_language)
    return statuses(
        present=texts,
        source=source,
        source_digest=digest(texts[source]) if source else "",
        recorded=recorded_digests(question),
    )


def question_languages_summary(question: Question) -> str:
    """``en · es · pt-br (outdated) · fr (missing)``: the question listing's column."""
    return summary(question_statuses(question))


def outdated_languages(question: Question) -> list[str]:
    return [item.language for item in question_statuses(question) if item.status is Status.OUTDATED]


def translation_records(
    *,
    question: Question,
    actor: User | None,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    confirmed: Iterable[str] = (),
) -> tuple[str, dict[str, Any]]:
    """The question's source language and translation records once ``after`` replaces
    ``before`` (see :func:`lms.translation_status.recorded_after_save`). A record whose
    digest does not move is kept as it was."""
    source = source_language(after, question.source_language) or ""
    old = question.translation_sources or {}
    confirmed = set(confirmed)
    digests = recorded_after_save(
        before=before,
        after=after,
        source=source or None,
        recorded=recorded_digests(question),
        confirmed=confirmed,
    )
    now = timezone.now().isoformat()
    records: dict[str, Any] = {}
    for language, value in digests.items():
        previous = old.get(language)
        if isinstance(previous, dict) and previous.get("source") == value:
            records[language] = previous
            continue
        unchanged = language in before and digest(before[language]) == digest(after[language])
        records[language] = {
            "source": value,
            "how": "confirmed" if unchanged and language in confirmed else "saved",
            "at": now,
            "by": actor.pk if actor is not None else None,
        }
    return source, records


def question_translations_confirm(
    *, actor: User | None, question: Question, languages: Iterable[str]
) -> Question:
    """Record that the translations in ``languages`` are still correct for the current
    source texts, without changing them (no new version). A language the question has no
    texts in, or its source language, is ignored."""
    with transaction.atomic():
        question = (
            Question.objects.select_for_update(of=("self",))
            .select_related("current_version")
            .get(pk=question.pk)
        )
        version = question.current_version
        texts = version.texts if version is not None else {}
        question.source_language, question.translation_sources = translation_records(
            question=question, actor=actor, before=texts, after=texts, confirmed=languages
        )
        question.save(update_fields=["source_language", "translation_sources"])
    return question
