"""What an officer may see of a submitted attempt: the review policy as a pure rule.

Showing the answers of one attempt gives them away for the next one when attempts are
drawn from the same bank. So the default policy (``after_last``) shows the score after
every attempt and the answers only once the officer can no longer start another attempt:
their attempts are used up, or the assessment's window has closed.

Decisions where the policy is silent:

- ``after_last`` with unlimited attempts and no closing date never shows the answers
  (another attempt is always possible).
- An open attempt means attempts remain: answers stay hidden while one is in progress.
- Passing does not end the attempts: an officer who passed but may still try again (to
  improve a score) sees the answers only when no attempt remains, like everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NOTHING = "nothing"
SCORE = "score"
ANSWERS = "answers"
AFTER_CLOSE = "after_close"
AFTER_LAST = "after_last"


@dataclass(frozen=True)
class Visibility:
    score: bool
    answers: bool


@dataclass(frozen=True)
class Situation:
    """What the rule needs to know about the officer and the assessment."""

    policy: str
    attempts_used: int
    max_attempts: int | None
    attempt_open: bool
    available_until: datetime | None
    now: datetime

    @property
    def window_closed(self) -> bool:
        return self.available_until is not None and self.now >= self.available_until

    @property
    def attempts_remain(self) -> bool:
        if self.attempt_open:
            return True
        if self.window_closed:
            return False
        return self.max_attempts is None or self.attempts_used < self.max_attempts


def review_visibility(situation: Situation) -> Visibility:
    """The score and the answers (with feedback) an officer may see of a submitted attempt
    under the assessment's review policy. An unknown policy shows nothing."""
    policy = situation.policy
    if policy == SCORE:
        return Visibility(score=True, answers=False)
    if policy == ANSWERS:
        return Visibility(score=True, answers=True)
    if policy == AFTER_CLOSE:
        return Visibility(score=True, answers=situation.window_closed)
    if policy == AFTER_LAST:
        return Visibility(score=True, answers=not situation.attempts_remain)
    return Visibility(score=False, answers=False)
