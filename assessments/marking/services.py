"""Writes for manual grading: an essay's attached files, the grades people give, and the
completion of an attempt once its last essay is graded.

Concurrency: every write locks the attempt row first (the same lock as autosave and
submission), so two graders saving at once are served one after the other. The grading
page sends the grade it was showing (``based_on``): a grade saved meanwhile by someone
else makes the later save refuse (``stale``) instead of silently replacing it, and the
attempt is completed (result stored, events sent) exactly once, by whichever save leaves
no essay waiting.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from ..content import merged
from ..grading import Grade
from ..models import Attempt, AttemptEvent, EssayFile, ManualGrade, Response
from ..services import GRACE, AttemptRefused, _accepting, _locked_attempt, attempt_result_store
from ..types.essay import (
    RubricError,
    attachments_allowed,
    file_types,
    rubric_criteria,
    rubric_fraction,
)
from . import selectors
from .uploads import CONTENT_TYPES, UploadRefused, check_upload

if TYPE_CHECKING:
    from lms.accounts.models import User

MAX_FILES_PER_RESPONSE = 10
"""Files an officer may upload for one essay over the attempt (replacing included)."""

MAX_COMMENT_CHARS = 5_000


def essay_file_max_bytes() -> int:
    return int(getattr(settings, "LMS_ESSAY_FILE_MAX_BYTES", 10 * 1024 * 1024))


class GradingRefused(Exception):
    """A grade that cannot be saved; ``message`` says why (translated)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- the officer's files ---------------------------------------------------------------


def essay_file_upload(
    *, actor: User, attempt_id: int, position: int, file: IO[bytes], filename: str, size: int
) -> EssayFile:
    """Store a file for the essay at ``position`` of the actor's open attempt. The answer
    names it once the attempt page autosaves its key. Raises Http404 (not the actor's
    attempt, no essay there), AttemptRefused (closed), UploadRefused (size, type,
    content, too many files)."""
    limit = essay_file_max_bytes()
    if size > limit:  # refuse before reading it into memory
        raise UploadRefused("too_large", limit=limit)
    data = file.read(limit + 1)
    with transaction.atomic():
        attempt = _locked_attempt(actor, attempt_id)
        if not _accepting(attempt, timezone.now()):
            raise AttemptRefused(
                _("This attempt no longer accepts answers: time is up or it was submitted."),
                "closed",
            )
        response = (
            Response.objects.select_related("version", "attempt__administration")
            .filter(attempt=attempt, position=position, version__type=selectors.ESSAY)
            .first()
        )
        if response is None:
            raise Http404
        data_merged = merged(response.version.data, {})
        if attachments_allowed(data_merged) == 0:
            raise UploadRefused("type_not_allowed")
        if EssayFile.objects.filter(response=response).count() >= MAX_FILES_PER_RESPONSE:
            raise UploadRefused("too_many", limit=MAX_FILES_PER_RESPONSE)
        extension = check_upload(data, filename, allowed=file_types(data_merged), max_bytes=limit)
        record = EssayFile(
            administration=response.attempt.administration,
            attempt=attempt,
            response=response,
            uploaded_by=actor,
            filename=(filename or "file")[-255:],
            content_type=CONTENT_TYPES[extension],
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        # A random name under the administration's folder (essay_file_path).
        record.file.save(f"essay{extension}", ContentFile(data), save=False)
        try:
            record.save()
        except Exception:
            record.file.delete(save=False)
            raise
        return record


# --- grades ----------------------------------------------------------------------------


def _final_status(attempt: Attempt) -> str:
    late = (
        attempt.deadline is not None
        and attempt.submitted_at is not None
        and attempt.submitted_at > attempt.deadline + GRACE
    )
    return Attempt.Status.EXPIRED if late else Attempt.Status.SUBMITTED


def _score(attempt: Attempt, actor: User, detail: dict[str, Any]) -> None:
    """Store the attempt's result from every response's stored grade (auto and manual),
    as on submission: same scoring, same events, same course completion."""
    graded = [
        (float(r.version.points), Grade(fraction=r.fraction or 0.0, correct=r.fraction == 1))
        for r in Response.objects.filter(attempt=attempt).select_related("version")
    ]
    attempt_result_store(
        attempt,
        status=_final_status(attempt),
        graded=graded,
        actor=actor,
        kind=AttemptEvent.Kind.GRADED,
        detail=detail,
    )


def _fraction_from(
    data: Mapping[str, Any], rubric: Mapping[str, str] | None, fraction: Any
) -> tuple[float, dict[str, str]]:
    if rubric_criteria(data):
        chosen = {str(k): str(v) for k, v in (rubric or {}).items() if v not in (None, "")}
        try:
            earned, _detail = rubric_fraction(data, chosen)
        except RubricError as error:
            raise GradingRefused(
                _("Choose one level for every criterion of the rubric."), error.code
            ) from None
        return round(float(earned), 6), chosen
    try:
        value = float(fraction)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise GradingRefused(_("Give a fraction of the points from 0 to 1."), "fraction")
    return round(value, 6), {}


def essay_grade_save(
    *,
    actor: User,
    response_id: int,
    rubric: Mapping[str, str] | None = None,
    fraction: Any = None,
    comment: str = "",
    based_on: int | None = None,
) -> ManualGrade:
    """Grade an essay: with the rubric (one level per criterion) or, without one, a
    fraction (0..1) of the question's points; with a comment to the officer. The last
    essay graded completes the attempt (score, pass, events, certificates). A grade given
    to a completed attempt is a regrade: a new grade, the earlier one kept, the result
    scored again. Raises Http404 outside the actor's grading scope and GradingRefused for
    an incomplete rubric, a fraction out of range or a grade saved meanwhile."""
    response = selectors.access_gradable_response(actor, response_id)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise GradingRefused(
            _("The comment is too long (at most %(count)s characters).")
            % {"count": MAX_COMMENT_CHARS},
            "comment",
        )
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("assessment")
            .filter(pk=response.attempt_id, status__in=selectors.GRADED_STATUSES)
            .first()
        )
        if attempt is None:
            raise Http404
        response = Response.objects.select_related("version").get(pk=response.pk)
        current = ManualGrade.objects.filter(response=response, current=True).first()
        if (current.pk if current else None) != based_on:
            raise GradingRefused(
                _(
                    "Someone else graded this answer meanwhile. Their grade is shown "
                    "below: check it before grading again."
                ),
                "stale",
            )
        value, chosen = _fraction_from(merged(response.version.data, {}), rubric, fraction)
        points = round(value * float(response.version.points), 6)
        regrade = attempt.status != Attempt.Status.GRADING
        if current is not None:
            ManualGrade.objects.filter(pk=current.pk).update(current=False)
        grade = ManualGrade.objects.create(
            administration_id=attempt.administration_id,
            attempt=attempt,
            response=response,
            grader=actor,
            rubric=chosen,
            fraction=value,
            points=points,
            comment=comment,
            regrade=regrade,
        )
        Response.objects.filter(pk=response.pk).update(
            fraction=value, points=points, needs_grading=False
        )
        audit_record(
            actor=actor,
            action=AuditAction.GRADE_MANUAL,
            administration=attempt.administration_id,
            target=response,
            target_repr=f"{attempt.assessment.title} #{response.position} ({attempt.pk})",
            before={"fraction": response.fraction, "points": response.points},
            after={"fraction": value, "points": points, "rubric": chosen, "regrade": regrade},
        )
        detail = {"position": response.position, "points": points, "regrade": regrade}
        waiting = Response.objects.filter(attempt=attempt, needs_grading=True).exists()
        if waiting:
            AttemptEvent.objects.create(
                attempt=attempt, kind=AttemptEvent.Kind.GRADED, actor=actor, detail=detail
            )
        else:
            _score(attempt, actor, detail)
        return grade
