"""When an H5P activity in a lesson counts as completed. Plain Python, no Django.

The author of a lesson chooses, per H5P block, what completes it (:class:`BlockRule`):

- ``answer`` (the default, the platform's rule before it had a choice): the activity says
  it is finished: a statement of the main content (never of its sub-content) whose verb is
  ``answered``, ``completed``, ``passed``, ``failed`` or ``mastered``, or whose
  ``result.completion`` is true, or, for types that step through slides, a ``progressed``
  statement that reaches the last slide;
- ``pass``: for types that give a score, the same finishing statement with a score of at
  least ``pass_percent`` per cent (xAPI's ``scaled`` score, or ``raw`` within ``min`` and
  ``max``). Content with nothing to score (H5P's 0 of 0) cannot fail a threshold.

What each content type sends was read from the official libraries' code and observed in a
real browser (Chromium, h5p-standalone, the corpus packages in ``../shared/corpora/h5p``);
:data:`TYPE_RULES` keeps what differs from the rule above, in one place. Types it does not
name follow the rule above and are taken to give a score (H5P's question types all do).

Types that send no statement at all (:attr:`TypeRule.silent`) cannot tell the platform
anything: a block of such a type never holds the lesson back and counts as done when the
officer opens the lesson.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .xapi import ADL_VERBS, Facts

ANSWER = "answer"
PASS = "pass"
MODES = (ANSWER, PASS)

FINISHING_VERBS = frozenset(
    ADL_VERBS + verb for verb in ("answered", "completed", "passed", "failed", "mastered")
)
PROGRESSED = ADL_VERBS + "progressed"


@dataclass(frozen=True)
class TypeRule:
    scored: bool = True
    """The type gives a score a pass threshold can apply to."""
    silent: bool = False
    """The type sends no statement: done when the lesson is opened."""
    slides: bool = False
    """``progressed`` to the last slide (``ending-point`` = number of slides) finishes it."""
    evidence: str = ""


NO_XAPI = "sends no statement, in its code or when played (shown, clicked through)"

TYPE_RULES: dict[str, TypeRule] = {
    # Unscored types that say when they are finished.
    "H5P.Accordion": TypeRule(
        scored=False,
        evidence="sends http://activitystrea.ms/schema/1.0/consume with result.completion "
        "true as soon as it is shown (triggerConsumed on attach), and nothing else",
    ),
    "H5P.Agamotto": TypeRule(
        scored=False,
        evidence="attempted and experienced when shown, interacted on each move, completed "
        "once every image has been seen",
    ),
    "H5P.Questionnaire": TypeRule(
        scored=False,
        evidence="interacted per answer, progressed per question, completed on submit; no score",
    ),
    "H5P.DocumentationTool": TypeRule(
        scored=False, evidence="progressed per page, completed on the last page; no score"
    ),
    # Types that never say they are finished.
    "H5P.Chart": TypeRule(scored=False, silent=True, evidence=NO_XAPI),
    "H5P.Dialogcards": TypeRule(scored=False, silent=True, evidence=NO_XAPI),
    "H5P.ImageHotspots": TypeRule(scored=False, silent=True, evidence=NO_XAPI),
    "H5P.ImageSlider": TypeRule(scored=False, silent=True, evidence=NO_XAPI),
    "H5P.Audio": TypeRule(scored=False, silent=True, evidence=NO_XAPI),
    "H5P.AudioRecorder": TypeRule(scored=False, silent=True, evidence=NO_XAPI),
    "H5P.AdventCalendar": TypeRule(scored=False, silent=True, evidence=NO_XAPI),
    "H5P.KewArCode": TypeRule(scored=False, silent=True, evidence=NO_XAPI),
    "H5P.ImageJuxtaposition": TypeRule(
        scored=False, silent=True, evidence="attempted when shown, then nothing"
    ),
    # Scored types with their own way of finishing.
    "H5P.CoursePresentation": TypeRule(
        slides=True,
        evidence="progressed on every slide change (object.definition.extensions "
        "ending-point = the slide's number), completed with the total score on the summary "
        "slide; without a summary slide nothing but progressed",
    ),
    "H5P.InteractiveVideo": TypeRule(
        evidence="completed with the total score only from the submit screen at the end of "
        "the video (no statement when the video merely ends); its interactions speak as "
        "sub-content, with a subContentId and often no parent",
    ),
}


def type_rule(machine_name: str) -> TypeRule:
    """The rule of a content type (``H5P.MultiChoice``); unknown types give scores."""
    return TYPE_RULES.get(machine_name, TypeRule())


@dataclass(frozen=True)
class BlockRule:
    """What an author chose for one H5P block of a lesson."""

    mode: str = ANSWER
    pass_percent: int | None = None

    @classmethod
    def from_block(cls, value: Mapping[str, Any]) -> BlockRule:
        mode = value.get("completion") or ANSWER
        percent = value.get("pass_percent")
        if mode not in MODES:
            mode = ANSWER
        if mode == PASS and not isinstance(percent, int):
            mode, percent = ANSWER, None
        return cls(mode=mode, pass_percent=percent if mode == PASS else None)


def counts_for_lesson(machine_name: str, *, required: bool) -> bool:
    """Whether the lesson waits for this block: required by its author, and of a type that
    can say it is finished."""
    return required and not type_rule(machine_name).silent


def finishes(facts: Facts, *, machine_name: str, steps: int | None = None) -> bool:
    """Whether the statement says the activity (its main content) is finished."""
    if facts.sub_content:
        return False
    if facts.completion is True or facts.verb in FINISHING_VERBS:
        return True
    return (
        type_rule(machine_name).slides
        and facts.verb == PROGRESSED
        and steps is not None
        and facts.ending_point is not None
        and facts.ending_point >= steps
    )


def completes(
    facts: Facts, *, rule: BlockRule, machine_name: str, steps: int | None = None
) -> bool:
    """Whether the statement completes the block under the author's rule."""
    if facts.sub_content:
        return False
    if rule.mode == ANSWER or not type_rule(machine_name).scored:
        return finishes(facts, machine_name=machine_name, steps=steps)
    # A pass threshold needs a finishing statement that carries the score.
    if not (facts.completion is True or facts.verb in FINISHING_VERBS):
        return False
    if facts.nothing_to_score:
        return True
    fraction = facts.score.fraction if facts.score is not None else None
    if fraction is None or rule.pass_percent is None:
        return False
    return fraction * 100 >= rule.pass_percent - 1e-9


def content_steps(machine_name: str, content: Any) -> int | None:
    """How many steps the content has, for types that finish at the last one (a
    CoursePresentation's slides in ``content.json``)."""
    if not type_rule(machine_name).slides or not isinstance(content, Mapping):
        return None
    presentation = content.get("presentation")
    slides = presentation.get("slides") if isinstance(presentation, Mapping) else None
    return len(slides) if isinstance(slides, list) and slides else None
