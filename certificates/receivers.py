"""Certificates listen to the domain signals of the layers below: a completed course or a
passed assessment re-evaluates the officer's programmes. Both signals are sent after the
triggering transaction commits; a failure here is logged and never reaches the officer's
request (``manage.py certificates_evaluate`` issues whatever a lost signal missed)."""

from __future__ import annotations

import logging
from typing import Any

from assessments import events as assessment_events
from courses import events as course_events

log = logging.getLogger(__name__)


def _evaluate(user_id: int) -> None:
    from .services import certificates_evaluate

    try:
        certificates_evaluate(holder_id=user_id)
    except Exception:
        log.exception("Evaluating the certificates of user %s failed", user_id)


def on_course_completed(sender: Any, user_id: int, **kwargs: Any) -> None:
    _evaluate(user_id)


def on_assessment_passed(sender: Any, user_id: int, **kwargs: Any) -> None:
    _evaluate(user_id)


def connect() -> None:
    course_events.course_completed.connect(on_course_completed, dispatch_uid="certificates.course")
    assessment_events.assessment_passed.connect(
        on_assessment_passed, dispatch_uid="certificates.assessment"
    )
