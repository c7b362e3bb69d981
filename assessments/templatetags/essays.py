"""Essay helpers for the attempt and result pages (their files and grades)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from ..marking import selectors
from ..models import Attempt, ManualGrade, Response
from ..types.essay import MAX_TEXT_CHARS, rubric_criteria

register = template.Library()


@register.simple_tag
def essay_files(attempt: Attempt, position: int) -> list[Any]:
    """The files named by the saved answer of the essay at ``position`` (one query,
    two when there are files)."""
    response = Response.objects.filter(attempt=attempt, position=position).first()
    return selectors.essay_files_of(response) if response is not None else []


@register.simple_tag
def essay_limits() -> dict[str, int]:
    return {
        "max_chars": MAX_TEXT_CHARS,
        "max_file_bytes": int(getattr(settings, "LMS_ESSAY_FILE_MAX_BYTES", 10 * 1024 * 1024)),
    }


def rubric_rows(data: dict[str, Any], chosen: dict[str, str]) -> list[dict[str, Any]]:
    """Criteria with their levels, the chosen one marked, for review and grading pages."""
    rows = []
    for criterion in rubric_criteria(data):
        levels = [
            {
                "id": level.get("id"),
                "text": level.get("text", ""),
                "points": level.get("points", 0),
                "chosen": chosen.get(criterion.get("id")) == level.get("id"),
            }
            for level in criterion.get("levels") or []
            if isinstance(level, dict)
        ]
        rows.append(
            {"id": criterion.get("id"), "text": criterion.get("text", ""), "levels": levels}
        )
    return rows


@register.simple_tag
def essay_review(attempt: Attempt, position: int, question: dict[str, Any]) -> dict[str, Any]:
    """What the officer's review shows of a graded essay: the files, the current grade's
    rubric levels and the grader's comment (never who graded)."""
    response = Response.objects.filter(attempt=attempt, position=position).first()
    if response is None:
        return {"files": [], "grade": None, "rubric": []}
    grade = ManualGrade.objects.filter(response=response, current=True).first()
    return {
        "files": selectors.essay_files_of(response),
        "grade": grade,
        "rubric": rubric_rows(question, grade.rubric if grade else {}),
    }
