"""A bank's texts for outside translators, as a gettext PO file, and back.

Export: one entry per text of each question's source language (title, stem, feedback,
option texts...): ``msgctxt`` is ``<question uid>:<field path>`` (``q1:options/a/text``),
``msgid`` the source text, ``msgstr`` the current translation in the target language or
empty. An outdated translation is flagged ``fuzzy`` with a comment saying so, as gettext
tools expect: the translator reviews it and the tool removes the flag.

Import refuses the whole file, and changes nothing, when it is not a PO file, names another
bank or another language, names a text the bank does not have (or whose source changed
since the export), leaves a question partly translated, or makes a question invalid. Else,
for each question whose entries are all translated and none is still ``fuzzy``: new texts
make a new version (as editing does, :func:`assessments.services.question_version_save`),
unchanged texts are confirmed still correct; both are recorded current. A question left
untranslated, or still fuzzy, is left as it is.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polib
from django.db import transaction
from django.utils.translation import gettext, ngettext, to_locale

from lms.accounts.models import User
from lms.translation_status import Status

from .content import merged
from .grading import validate_question, validate_stem
from .models import Question, QuestionBank
from .services import question_version_save
from .translation_status import question_source, question_statuses, question_translations_confirm

BANK_HEADER = "X-Question-Bank"


class TranslationImportRefused(Exception):
    """The file was refused; ``problems`` say why (translated). Nothing was changed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class TranslationImportReport:
    translated: list[str] = field(default_factory=list)  # uids given a new version
    confirmed: list[str] = field(default_factory=list)  # uids whose texts were kept
    left: list[str] = field(default_factory=list)  # uids untranslated or still fuzzy


def _strings(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """``(path, text)`` for every non-empty string in some texts, in a stable order."""
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _strings(value[key], (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, str(index)))
    elif isinstance(value, str) and value.strip():
        yield "/".join(path), value


def _at(value: Any, path: str) -> Any:
    for part in path.split("/"):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _put(value: Any, path: str, text: str) -> None:
    parts = path.split("/")
    for part in parts[:-1]:
        value = value[int(part)] if isinstance(value, list) else value[part]
    last = parts[-1]
    if isinstance(value, list):
        value[int(last)] = text
    else:
        value[last] = text


def _questions(bank: QuestionBank, *, lock: bool = False) -> list[Question]:
    rows = Question.objects.filter(bank=bank, archived=False, current_version__isnull=False)
    if lock:
        rows = rows.select_for_update(of=("self",))
    return list(rows.select_related("current_version").order_by("pk"))


def _language_header(language: str) -> str:
    return to_locale(language)


def bank_translation_po(*, bank: QuestionBank, language: str) -> str:
    """The PO file of ``bank``'s texts for translating into ``language``."""
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": f"question-bank-{bank.pk}",
        "Language": _language_header(language),
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        BANK_HEADER: str(bank.pk),
    }
    for question in _questions(bank):
        source = question_source(question)
        if source is None or source == language:
            continue
        texts = question.current_version.texts
        status = {item.language: item.status for item in question_statuses(question)}
        outdated = status.get(language) is Status.OUTDATED
        target = texts.get(language)
        for path, text in _strings(texts[source]):
            current = _at(target, path) if target is not None else None
            entry = polib.POEntry(
                msgctxt=f"{question.uid}:{path}",
                msgid=text,
                msgstr=current if isinstance(current, str) else "",
                comment=gettext("Source language: %(language)s") % {"language": source},
            )
            if outdated and entry.msgstr:
                entry.flags.append("fuzzy")
                entry.tcomment = gettext(
                    "Outdated: the source text changed since this translation was made."
                )
            po.append(entry)
    return str(po)


def _parse(text: str) -> polib.POFile:
    try:
        return polib.pofile(text)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise TranslationImportRefused([gettext("This is not a PO file we can read.")]) from error


def bank_translation_import(
    *, actor: User, bank: QuestionBank, language: str, text: str
) -> TranslationImportReport:
    """Import a filled PO file of ``bank`` for ``language`` (see the module's doc)."""
    po = _parse(text)
    found_bank = po.metadata.get(BANK_HEADER, "").strip()
    if found_bank != str(bank.pk):
        raise TranslationImportRefused(
            [gettext("This file is for another question bank: export this bank's file again.")]
        )
    found_language = po.metadata.get("Language", "").strip()
    if found_language not in (language, _language_header(language)):
        raise TranslationImportRefused(
            [
                gettext("This file is in “%(found)s”, not in “%(language)s”.")
                % {"found": found_language, "language": language}
            ]
        )
    report = TranslationImportReport()
    with transaction.atomic():
        questions = _questions(bank, lock=True)
        expected: dict[str, tuple[Question, str, str]] = {}
        for question in questions:
            source = question_source(question)
            if source is None or source == language:
                continue
            for path, source_text in _strings(question.current_version.texts[source]):
                expected[f"{question.uid}:{path}"] = (question, path, source_text)
        problems: list[str] = []
        given: dict[int, dict[str, polib.POEntry]] = {}
        for entry in po:
            if entry.obsolete:
                continue
            known = expected.get(entry.msgctxt or "")
            if known is None:
                problems.append(
                    gettext("“%(context)s” is not a text of this bank's questions.")
                    % {"context": entry.msgctxt or entry.msgid[:40]}
                )
                continue
            question, path, source_text = known
            if entry.msgid != source_text:
                problems.append(
                    gettext(
                        "The source text of “%(context)s” changed since the export: "
                        "export the file again."
                    )
                    % {"context": entry.msgctxt}
                )
                continue
            given.setdefault(question.pk, {})[path] = entry
        updates: list[tuple[Question, dict[str, Any]]] = []
        for question in questions:
            source = question_source(question)
            if source is None or source == language:
                continue
            version = question.current_version
            paths = [path for path, _text in _strings(version.texts[source])]
            entries = given.get(question.pk, {})
            filled = [path for path in paths if path in entries and entries[path].msgstr.strip()]
            if not filled or any("fuzzy" in entries[path].flags for path in filled):
                report.left.append(question.uid)
                continue
            if len(filled) < len(paths):
                count = len(paths) - len(filled)
                problems.append(
                    ngettext(
                        "%(uid)s: %(count)s of its texts is not translated.",
                        "%(uid)s: %(count)s of its texts are not translated.",
                        count,
                    )
                    % {"uid": question.uid, "count": count}
                )
                continue
            texts = copy.deepcopy(version.texts[source])
            for path in paths:
                _put(texts, path, entries[path].msgstr)
            for problem in [
                *validate_question(version.type, merged(version.data, texts)),
                *validate_stem(version.type, version.data, texts.get("stem", "")),
            ]:
                problems.append(f"{question.uid}: {problem.translated(gettext)}")
            updates.append((question, texts))
        if problems:
            raise TranslationImportRefused(problems)
        for question, texts in updates:
            version = question.current_version
            if version.texts.get(language) == texts:
                question_translations_confirm(actor=actor, question=question, languages=[language])
                report.confirmed.append(question.uid)
                continue
            question_version_save(
                actor=actor,
                question=question,
                qtype=version.type,
                data=version.data,
                texts={**version.texts, language: texts},
                points=version.points,
                confirmed=[language],
            )
            report.translated.append(question.uid)
    return report
