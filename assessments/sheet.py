"""The attempt's question sheet: the part of the attempt page that lists the questions.

Rendering it is most of the attempt page's work (forty questions, each through its type's
template), and the attempt page is what a whole class loads in the same second after
pressing Start (issue 15). So when attempts are drawn ahead (:mod:`assessments.preparation`)
the sheet is rendered there too, in the officer's language, and kept with the prepared
draw; starting moves it to :class:`~assessments.models.AttemptSheet` with the draw, and the
attempt page serves it as long as it is exactly what rendering now would give:

- no answer has been saved yet (a saved answer is shown checked, so the page renders);
- the page is shown in the language the sheet was rendered in, which is the attempt's;
- the templates that render a sheet are the same (:func:`digest`), so a deploy between
  preparation and start never serves markup the new scripts do not expect.

Otherwise the page renders the sheet as before. The questions are the same either way:
a prepared draw holds the same rows as the attempt it becomes, and a draw whose question
changed is discarded unused (:func:`assessments.services._prepared_take`), its sheet with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from django.template.defaultfilters import floatformat
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from . import types as question_types
from .content import public_view
from .tokens import answer_for_browser

TEMPLATE = "assessments/attempt_questions.html"


class SheetRow(Protocol):
    """What a sheet is made of: a :class:`~assessments.models.Response`, or a prepared
    draw's row before it starts."""

    position: int
    section: str
    option_order: Any
    answer: Any
    seq: int

    @property
    def version(self) -> Any: ...


@dataclass
class PreparedRow:
    """A row of a draw made ahead, as the sheet reads it: nothing answered yet."""

    position: int
    version: Any
    section: str
    option_order: Any
    answer: Any = None
    seq: int = 0


@dataclass(frozen=True)
class Sheet:
    """A rendered sheet, with what the page needs besides: the question types (for their
    scripts) and the positions (the page's save sequence starts at 0 for each)."""

    html: str
    types: list[str]
    positions: list[int]

    @property
    def meta(self) -> dict[str, list]:
        return {"types": self.types, "positions": self.positions}


def question_items(rows: Iterable[SheetRow], language: str) -> list[dict[str, Any]]:
    """What the attempt page shows of each row, in order: texts and tokens only (see
    :func:`assessments.content.public_view`). Each question's legend ("Question 3 · points:
    2") is made here, once per page for the same points, rather than by two translation
    tags per question in the template."""
    items = []
    number = 0
    points_labels: dict[float, str] = {}
    for row in sorted(rows, key=lambda r: r.position):
        version = row.version
        kind = question_types.get(version.type)
        texts = version.text_for(language)
        order = row.option_order or {}
        view = public_view(version.type, version.data, texts, order)
        answer = answer_for_browser(version.type, row.answer, order.get("tokens") or {})
        if answer:
            kind.arrange_view(view, answer)
        # A text block that is never scored (a description) has no number, no points and
        # no answer: questions are numbered without it.
        number += 1 if kind.scored else 0
        points = float(version.points)
        if points not in points_labels:
            points_labels[points] = _("points: %(points)s") % {"points": floatformat(points, "-2")}
        items.append(
            {
                "position": row.position,
                "number": number if kind.scored else None,
                "legend": _legend(number, points_labels[points]) if kind.scored else "",
                "scored": kind.scored,
                "type": version.type,
                "points": points,
                "section": row.section,
                "view": view,
                "answer": answer,
                # The saved clicks, for the hotspot to show them again after a reload.
                "clicks_json": json.dumps((answer or {}).get("clicks") or []),
                "seq": row.seq,
            }
        )
    return items


def _legend(number: int, points: str) -> str:
    question = _("Question %(n)s") % {"n": number}  # out of an f-string, for makemessages
    return f"{question} · {points}"


def render_ahead(rows: Iterable[SheetRow], language: str) -> Sheet:
    """The sheet of an unanswered draw, rendered in ``language`` outside any request."""
    with translation.override(language):
        items = question_items(rows, language)
        html = render_to_string(TEMPLATE, {"questions": items})
    return Sheet(
        html=html,
        types=[item["type"] for item in items],
        positions=[item["position"] for item in items],
    )


@cache
def digest() -> str:
    """A digest of the templates a sheet is rendered with: the sheet's own and every
    question type's. A sheet rendered under other templates is not served."""
    own = Path(get_template(TEMPLATE).origin.name)
    hashed = hashlib.sha256()
    for path in [own, *sorted((own.parent / "types").glob("*.html"))]:
        hashed.update(path.name.encode())
        hashed.update(path.read_bytes())
    return hashed.hexdigest()[:32]
