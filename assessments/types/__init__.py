"""The question types, one module each, registered here and nowhere else.

Adding a type: write ``assessments/types/<name>.py`` with a :class:`~.base.QuestionType`
subclass (validation, normalisation, grading, what the browser may see, item analysis,
interchange), its delivery template ``templates/assessments/types/<name>.html`` and, if
it needs one, ``static/js/types/<name>.js``; then add it to :data:`TYPES` below. Every
other part of the app (grading, attempt tokens, the attempt page, item analysis, the
question editor's list, the importers) asks this registry.
"""

from __future__ import annotations

from collections.abc import Iterable

from .base import QuestionType
from .cloze import Cloze
from .description import Description
from .drag_drop_image import DragDropImage
from .drag_drop_marker import DragDropMarker
from .drag_drop_text import DragDropText
from .essay import Essay
from .hotspot import Hotspot
from .matching import Matching
from .multiple_response import MultipleResponse
from .numeric import Numeric
from .ordering import Ordering
from .short_answer import ShortAnswer
from .single_choice import SingleChoice
from .true_false import TrueFalse

TYPES: tuple[QuestionType, ...] = (
    SingleChoice(),
    MultipleResponse(),
    TrueFalse(),
    Numeric(),
    Ordering(),
    Matching(),
    Hotspot(),
    Essay(),
    ShortAnswer(),
    Description(),
    Cloze(),
    DragDropText(),
    DragDropImage(),
    DragDropMarker(),
)

REGISTRY: dict[str, QuestionType] = {qtype.name: qtype for qtype in TYPES}


def get(name: str) -> QuestionType:
    """The type called ``name``; ``KeyError`` when there is none."""
    return REGISTRY[name]


def scripts_for(names: Iterable[str]) -> list[str]:
    """The static scripts the attempt page loads for these types, once each, in
    registry order."""
    wanted = set(names)
    return list(dict.fromkeys(t.script for t in TYPES if t.name in wanted and t.script))


def choices() -> list[tuple[str, str]]:
    """``(name, English label)`` of every type, for model and form choices."""
    return [(qtype.name, qtype.label) for qtype in TYPES]
