"""Moving questions in and out of banks: Moodle XML, GIFT (Moodle), QTI (items and content
packages), Aiken (import only) and the project's JSON format.

Parsing is pure (``interchange/moodlexml.py``, ``gift.py``, ``portable.py``); this module
checks every parsed question against the grading rules, reports each rejected one with its
line and reason, and imports nothing on error unless asked to skip the bad items. Images a
Moodle XML question brings are stored for the bank (``question_images.py``) when it is
imported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from lms.accounts.roles import Role, roles_of
from lms.accounts.selectors import can_edit_authored

from . import gift, portable
from .content import merged
from .grading import validate_question, validate_stem
from .interchange import aiken, moodlexml, qti
from .models import Question, QuestionBank
from .services import question_version_save

if TYPE_CHECKING:
    from lms.accounts.models import User


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, translated reason)
    # Questions imported with a loss (an image left out...): (line, translated reason).
    warnings: list[tuple[int, str]] = field(default_factory=list)


class ImportRefused(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("; ".join(f"{line}: {reason}" for line, reason in report.rejected))
        self.report = report


FORMATS = ("moodlexml", "qti", "gift", "aiken", "json")
EXPORT_FORMATS = ("moodlexml", "qti", "gift", "json")
"""Aiken is read only, as in Moodle."""


def detect_format(text: str | bytes, filename: str = "") -> str:
    """The format of an import file: QTI (a ZIP content package, a ``.zip`` name, or an
    item's ``<qti-assessment-item>`` or ``<assessmentItem>`` root), Moodle XML (a ``<quiz>``
    root, or a ``.xml`` name), the project's JSON (a ``.json`` name, or text that reads as
    JSON outside a ``.gift`` or ``.txt`` file), Aiken (``ANSWER: X`` lines after lettered
    options), else GIFT."""
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if qti.is_qti(text) or suffix == "zip":
        return "qti"
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", "replace")
    if moodlexml.is_moodlexml(text) or suffix == "xml":
        return "moodlexml"
    if suffix == "json":
        return "json"
    if suffix not in ("gift", "txt") and text.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        # A GIFT file may start with a brace or a format marker ([html], [markdown]):
        # it is JSON only when it reads as JSON.
        try:
            json.loads(text.lstrip("\ufeff"))
        except ValueError:
            pass
        else:
            return "json"
    if aiken.is_aiken(text):
        return "aiken"
    return "gift"


def parse(text: str | bytes, fmt: str) -> gift.ImportResult:
    """Read an import file; only QTI takes bytes (a ZIP package), other formats text."""
    if fmt == "qti":
        return qti.parse_qti(text)
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    if fmt == "aiken":
        return aiken.parse_aiken(text)
    if fmt == "moodlexml":
        return moodlexml.parse_moodlexml(text)
    return portable.parse_json(text) if fmt == "json" else gift.parse_gift(text)


def parse_bytes(data: bytes, filename: str = "") -> gift.ImportResult:
    """Read an uploaded file in its detected format (QTI reads the bytes, the other formats
    the UTF-8 text; ``UnicodeDecodeError`` when it is not)."""
    return parse(data, detect_format(data, filename))


def _reason(error: gift.QuestionImportError, *, named: bool = False) -> str:
    template = _(error.reason)
    try:
        reason = template.format(**error.params)
    except (KeyError, IndexError):
        reason = error.message
    if named and error.title:
        # Moodle XML problems name their question: a line alone is hard to find in a file
        # full of base64 images.
        return f"“{error.title}”: {reason}"
    return reason


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "question"


PROGRESS_EVERY = 50
"""How many questions a background import stores between two progress reports."""


def questions_import(
    *,
    actor: User | None,
    bank: QuestionBank,
    text: str | bytes,
    fmt: str,
    language: str = "en",
    skip_bad: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import questions into ``bank``. Each rejected question is reported with its line
    and reason; with any rejection and without ``skip_bad`` nothing is imported.

    ``actor`` must be allowed to change the bank (:func:`bank_import_refusal`), else
    :class:`~django.core.exceptions.PermissionDenied` with the reason, translated, and
    nothing is imported; ``None`` is the operator at the command line.

    ``progress(done, total)`` is called as questions are stored (every
    :data:`PROGRESS_EVERY` and at the end), for imports that run in the background."""
    refusal = bank_import_refusal(actor, bank)
    if refusal:
        raise PermissionDenied(refusal)
    result = parse(text, fmt)
    named = fmt in ("moodlexml", "qti")
    report = ImportReport(
        rejected=[(error.line, _reason(error, named=named)) for error in result.errors],
        warnings=[(warning.line, _reason(warning, named=named)) for warning in result.warnings],
    )
    good = []
    for parsed in result.questions:
        problems = validate_question(parsed.type, parsed.data)
        problems += validate_stem(parsed.type, parsed.data, parsed.stem)
        if problems:
            reason = "; ".join(p.translated(_) for p in problems)
            report.rejected.append(
                (parsed.line, f"“{parsed.title}”: {reason}" if named else reason)
            )
        else:
            good.append(parsed)
    if report.rejected and not skip_bad:
        raise ImportRefused(report)
    with transaction.atomic():
        taken = set(bank.questions.values_list("uid", flat=True))
        for done, parsed in enumerate(good):
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, len(good))
            stem, data = parsed.stem, parsed.data
            images = getattr(parsed, "images", None)
            if images:
                from .question_images import images_stored

                stem, data = images_stored(bank=bank, stem=stem, data=data, images=images)
            uid = parsed.uid or _slug(parsed.title)
            question = bank.questions.filter(uid=uid).first() if parsed.uid else None
            if question is None:
                base, number = uid, 2
                while uid in taken:
                    uid, number = f"{base}-{number}", number + 1
                question = Question.objects.create(bank=bank, uid=uid)
                taken.add(uid)
                report.imported += 1
            else:
                report.updated += 1
            question_version_save(
                actor=actor,
                question=question,
                qtype=parsed.type,
                data=data,
                texts={
                    language: {
                        "title": parsed.title,
                        "stem": stem,
                        "feedback": parsed.feedback,
                    }
                },
                points=parsed.points,
            )
            if parsed.tags:
                question.tags.add(*parsed.tags)
    if progress is not None:
        progress(len(good), len(good))
    report.rejected.sort()
    return report


def bank_import_refusal(actor: User | None, bank: QuestionBank) -> str:
    """Why ``actor`` may not import into ``bank`` (translated), or ``""`` when they may.

    Regional banks feed the assessments of every administration: only regional training
    managers and platform admins change them. ``None`` is the operator."""
    if actor is None or can_edit_authored(actor, bank.administration_id):
        return ""
    if Role.TRAINING_MANAGER not in roles_of(actor):
        return _("Only training managers may change question banks.")
    if bank.administration_id is None:
        return _(
            "This is a regional question bank: only regional training managers and platform "
            "admins may change it. Your assessments can still draw from it."
        )
    return _("This question bank belongs to another administration.")


def questions_export(
    *, bank: QuestionBank, fmt: str, language: str = "en"
) -> tuple[str | bytes, list]:
    """The bank's current questions as Moodle XML, GIFT or JSON text, or as a QTI 3.0
    content package (ZIP bytes), and the questions the format cannot hold (title,
    reason)."""
    questions: list[dict[str, Any]] = []
    for question in bank.questions.filter(archived=False).select_related("current_version"):
        version = question.current_version
        if version is None:
            continue
        texts = version.text_for(language)
        questions.append(
            {
                "uid": question.uid,
                "type": version.type,
                "title": texts.get("title", question.uid),
                "stem": texts.get("stem", ""),
                "points": float(version.points),
                "feedback": texts.get("feedback", {}),
                "data": merged(version.data, texts),
                "tags": sorted(question.tags.names()),
            }
        )
    if fmt == "json":
        return portable.export_json({"title": bank.title}, questions), []
    if fmt == "moodlexml":
        from .question_images import images_for_export

        files: dict[str, bytes] = {}
        questions = [images_for_export(bank, question, files) for question in questions]
        text, skipped = moodlexml.export_moodlexml(questions, files)
        return text, [(title, _(reason)) for title, reason in skipped]
    if fmt == "qti":
        from .question_images import images_for_export

        package_files: dict[str, bytes] = {}
        questions = [
            _generated_image(images_for_export(bank, question, package_files), package_files)
            for question in questions
        ]
        data, skipped = qti.export_qti_package(questions, package_files, title=bank.title)
        return data, [(title, _(reason)) for title, reason in skipped]
    if fmt == "gift":
        return gift.export_gift(questions)
    raise ValueError(f"questions cannot be exported as {fmt!r}")


def _generated_image(question: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """``question`` with a hotspot image the platform draws itself (``assessments/images``)
    referenced as ``@@PLUGINFILE@@/<name>.png`` and its bytes added to ``files``, for an
    export that carries its images (QTI)."""
    data = question.get("data") or {}
    image = data.get("image")
    name = image.get("name") if isinstance(image, dict) else None
    if not isinstance(name, str) or not name or name.startswith(moodlexml.PLUGINFILE):
        return question
    from .images import render_image

    drawn = render_image(name)
    if drawn is None:
        return question
    files[f"{name}.png"] = drawn
    reference = f"{moodlexml.PLUGINFILE}{name}.png"
    return {**question, "data": {**data, "image": {**image, "name": reference}}}
