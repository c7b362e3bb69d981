"""Question-bank imports that run in the background.

A file above ``LMS_QUESTION_IMPORT_INLINE_BYTES`` is not imported inside the author's
request: it is stored (:class:`~assessments.models.QuestionImport`), queued as a task and
imported by the worker, which reports its progress through the cache while the author
watches the import's page. The rules are those of
:func:`assessments.portability.questions_import`: every refused question is listed with
its line and reason, in the author's language, and nothing is imported on error unless the
author asked to skip bad questions. The stored file is deleted once the import ends.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import QuestionBank, QuestionImport
from .models.imports import WARNING
from .portability import ImportRefused, bank_import_refusal, questions_import

if TYPE_CHECKING:
    from lms.accounts.models import User

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 24 * 3600


def _progress_key(import_id: int) -> str:
    return f"assessments:question-import:{import_id}"


def question_import_queue(
    *,
    actor: User,
    bank: QuestionBank,
    filename: str,
    data: bytes,
    fmt: str,
    language: str,
    skip_bad: bool,
) -> QuestionImport:
    """Store an uploaded file and queue its import; the import runs once the request's
    transaction commits. Refused (``PermissionDenied``, translated) when ``actor`` may
    not change the bank."""
    refusal = bank_import_refusal(actor, bank)
    if refusal:
        raise PermissionDenied(refusal)
    job = QuestionImport(
        bank=bank,
        uploaded_by=actor,
        filename=filename[:255],
        size_bytes=len(data),
        format=fmt,
        language=language,
        interface_language=translation.get_language() or "en",
        skip_bad=skip_bad,
    )
    job.file.save(filename or "questions", ContentFile(data), save=False)
    job.save()
    from .tasks import run_question_import

    transaction.on_commit(lambda: run_question_import.enqueue(job.pk))
    return job


def question_import_run(import_id: int) -> str:
    """Import a queued file (the task's work); returns the import's final status. A job
    already taken by another worker, or finished, is left alone."""
    claimed = QuestionImport.objects.filter(
        pk=import_id, status=QuestionImport.Status.QUEUED
    ).update(status=QuestionImport.Status.RUNNING)
    job = QuestionImport.objects.select_related("bank", "uploaded_by").get(pk=import_id)
    if not claimed:
        return job.status

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job.pk), (done, total), PROGRESS_SECONDS)

    with translation.override(job.interface_language):
        try:
            with job.file.open("rb") as stored:
                raw = stored.read()
            # QTI reads bytes (a content package is a ZIP file); the other formats text.
            text: str | bytes = raw if job.format == "qti" else raw.decode("utf-8-sig")
            report = questions_import(
                actor=job.uploaded_by,
                bank=job.bank,
                text=text,
                fmt=job.format,
                language=job.language,
                skip_bad=job.skip_bad,
                progress=progress,
            )
        except ImportRefused as refusal:
            job.status = QuestionImport.Status.REFUSED
            job.rejected = [list(item) for item in refusal.report.rejected]
        except PermissionDenied as denied:
            job.status = QuestionImport.Status.REFUSED
            job.rejected = [[0, str(denied) or _("You may not change this question bank.")]]
        except UnicodeDecodeError:
            job.status = QuestionImport.Status.REFUSED
            job.rejected = [[0, _("The file must be UTF-8 text.")]]
        except Exception:
            logger.exception("question import %s failed", job.pk)
            job.status = QuestionImport.Status.FAILED
            job.rejected = [[0, _("The import failed: nothing was imported. Try again later.")]]
        else:
            job.status = QuestionImport.Status.DONE
            job.imported, job.updated = report.imported, report.updated
            job.rejected = [list(item) for item in report.rejected]
            job.rejected += [[line, reason, WARNING] for line, reason in report.warnings]
            job.total = job.processed = report.imported + report.updated
    job.finished_at = timezone.now()
    job.save()
    if job.file:
        job.file.delete(save=True)
    cache.delete(_progress_key(job.pk))
    return job.status


def question_import_progress(job: QuestionImport) -> tuple[int, int]:
    """``(questions stored, questions to store)`` so far: from the worker while it runs,
    from the import once it has finished."""
    if job.status == QuestionImport.Status.RUNNING:
        done, total = cache.get(_progress_key(job.pk)) or (0, 0)
        return done, total
    return job.processed, job.total


def question_imports_visible_to(actor: User) -> QuerySet[QuestionImport]:
    """The imports into banks ``actor`` may change (others' imports included: a
    colleague may follow an import started by someone else)."""
    from .selectors import bank_editable_list_for_user

    return QuestionImport.objects.filter(bank__in=bank_editable_list_for_user(actor))
