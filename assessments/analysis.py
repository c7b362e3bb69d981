"""Item analysis for assessments: facility, discrimination, option counts, distributions.

Plain Python, no Django. The callers gather the numbers (one entry per graded attempt)
from the database; everything here is arithmetic on those lists.

- *Facility* is the share of attempts that answered an item correctly.
- *Discrimination* is the point-biserial correlation between the score on an item and the
  score on the rest of the test (the total minus that item, so that the item does not
  correlate with itself). Computed as a Pearson correlation, it works for partially
  credited items as well as for right/wrong ones. A negative value flags an item that
  stronger officers get wrong more often than weaker ones: usually a wrong key or an
  ambiguous stem.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from .types import REGISTRY
from .types.base import TOP_ANSWERS

__all__ = ["TOP_ANSWERS", "facility", "option_counts", "pass_rate", "point_biserial"]


def facility(correct_flags: Sequence[bool]) -> float | None:
    """Share (0..1) of attempts that got the item right; ``None`` without attempts."""
    if not correct_flags:
        return None
    return sum(1 for flag in correct_flags if flag) / len(correct_flags)


def point_biserial(item_scores: Sequence[float], rest_scores: Sequence[float]) -> float | None:
    """Pearson correlation between the item scores (fractions 0..1) and the rest scores
    (total minus the item), one pair per attempt.

    ``None`` with fewer than 2 attempts or when either list has no variance. Computed
    exactly (rational arithmetic on the float inputs) up to the final square root, so that
    constant inputs such as ``[0.1, 0.1, 0.1]`` are recognized as constant. Raises
    ``ValueError`` when the lists differ in length or hold non-finite values.
    """
    if len(item_scores) != len(rest_scores):
        raise ValueError("item_scores and rest_scores must have the same length")
    count = len(item_scores)
    if count < 2:
        return None
    for value in (*item_scores, *rest_scores):
        if not math.isfinite(value):
            raise ValueError(f"scores must be finite numbers, not {value!r}")
    xs = [Fraction(v) for v in item_scores]
    ys = [Fraction(v) for v in rest_scores]
    sum_x, sum_y = sum(xs), sum(ys)
    sxx = count * sum(x * x for x in xs) - sum_x * sum_x
    syy = count * sum(y * y for y in ys) - sum_y * sum_y
    if sxx == 0 or syy == 0:
        return None
    sxy = count * sum(x * y for x, y in zip(xs, ys, strict=True)) - sum_x * sum_y
    r = float(sxy) / (math.sqrt(float(sxx)) * math.sqrt(float(syy)))
    return max(-1.0, min(1.0, r))


def option_counts(responses: Iterable[Mapping[str, Any] | None], qtype: str) -> dict[str, int]:
    """How often each answer was given, from canonical responses (see
    ``grading.normalize_response``); each type says how it counts
    (``QuestionType.answer_counts``):

    - ``single_choice``, ``multiple_response``: option id -> times chosen (a multiple
      response counts once for each option it chose);
    - ``true_false``: ``"true"`` / ``"false"`` -> times chosen;
    - other types: the answer as compact JSON (keys sorted) -> times given, only the
      :data:`TOP_ANSWERS` most frequent.

    Blank answers (and ``None``) are not counted. Sorted by count (most first), then key.
    """
    if qtype not in REGISTRY:
        raise ValueError(f"unknown question type {qtype!r}")
    kind = REGISTRY[qtype]
    return kind.answer_counts(
        response.get(kind.response_field) if isinstance(response, Mapping) else None
        for response in responses
    )


def score_distribution(percents: Sequence[float], bins: int = 10) -> list[tuple[int, int, int]]:
    """``(lower, upper, count)`` buckets over 0..100: a percent ``p`` falls in the bucket
    with ``lower <= p < upper``; 100 falls in the last one. Bounds are whole numbers
    (``i * 100 // bins``). Raises ``ValueError`` for a percent outside 0..100 or ``bins``
    outside 1..100."""
    if not 1 <= bins <= 100:
        raise ValueError("bins must be from 1 to 100")
    bounds = [i * 100 // bins for i in range(bins + 1)]
    counts = [0] * bins
    for percent in percents:
        if not 0 <= percent <= 100:  # also refuses NaN
            raise ValueError(f"percent must be from 0 to 100, not {percent!r}")
        index = bins - 1
        for i in range(bins):
            if percent < bounds[i + 1]:
                index = i
                break
        counts[index] += 1
    return [(bounds[i], bounds[i + 1], counts[i]) for i in range(bins)]


def pass_rate(percents: Sequence[float], pass_mark: float) -> float | None:
    """Share (0..1) of attempts at or above ``pass_mark`` (a percent); ``None`` without
    attempts."""
    if not percents:
        return None
    return sum(1 for percent in percents if percent >= pass_mark) / len(percents)


def flag_item(discrimination: float | None) -> bool:
    """Whether an item needs review: its discrimination is negative."""
    return discrimination is not None and discrimination < 0
