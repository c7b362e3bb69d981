"""What the three drag-and-drop types share: the background image, slots (gaps in a text,
zones on an image) filled with entries of the slot's group, and the gap markers of a stem.

Plain Python, no Django, relative imports only. A *slot* is a gap (``drag_drop_text``) or
a drop zone (``drag_drop_image``); an *entry* is a choice or an item. A slot takes the
entries of the group of its correct entry (Moodle's groups); an entry that is not
``unlimited`` fills one slot at most (in drag mode).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from .base import (
    RESPONSE_ERROR_MESSAGES,
    TOP_ANSWERS,
    Problem,
    ResponseError,
    gettext_noop,
    is_id,
    is_number,
    show,
)

RESPONSE_ERROR_MESSAGES.setdefault(
    "wrong_group",
    gettext_noop("“{value}” does not belong in that place: it is of another group."),
)
RESPONSE_ERROR_MESSAGES.setdefault(
    "too_many_markers",
    gettext_noop("At most {limit} markers of one kind may be placed; the answer has {count}."),
)

GAP_MARKER = re.compile(r"\{\{([A-Za-z0-9_-]+)\}\}")
"""A gap in a stem: ``{{g1}}`` (QUESTION_FORMAT.md, "Types added with issue 13")."""
_TAG = re.compile(r"(<[^>]*>)")


def token_of(tokens: Mapping[str, str], list_name: str, ident: str) -> str | None:
    """The attempt's token for an entry (keyed as ``assessments.tokens.token_key``)."""
    return tokens.get(f"{list_name}:{ident}")


def stem_segments(stem: str, gap_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The (already cleaned) stem HTML cut at its gap markers: ``{"html": ...}`` pieces and
    ``{"gap": id}`` places, in reading order. Only markers in text count (never inside a
    tag's attribute); a marker of an unknown gap stays as text, a second marker of one gap
    too. Gaps the stem lacks are put at its end, so that every gap can be answered."""
    segments: list[dict[str, Any]] = []
    known, seen = set(gap_ids), set()
    html: list[str] = []
    for part in _TAG.split(stem or ""):
        if part.startswith("<"):
            html.append(part)
            continue
        last = 0
        for match in GAP_MARKER.finditer(part):
            gap = match.group(1)
            if gap not in known or gap in seen:
                continue
            html.append(part[last : match.start()])
            segments.append({"html": "".join(html)})
            html = []
            segments.append({"gap": gap})
            seen.add(gap)
            last = match.end()
        html.append(part[last:])
    segments.append({"html": "".join(html)})
    for gap in gap_ids:
        if gap not in seen:
            segments.append({"html": " "})
            segments.append({"gap": gap})
            seen.add(gap)
    return [s for s in segments if "gap" in s or s["html"]]


def stem_gap_ids(stem: str) -> list[str]:
    """The gap ids a stem marks, in reading order."""
    return [m.group(1) for m in GAP_MARKER.finditer(stem or "")]


# --------------------------------------------------------------------------- the image


def check_image(data: Mapping[str, Any], problems: list[str]) -> tuple[float, float]:
    """The background image (``name``, ``width``, ``height``, ``alt``); its size, or
    infinite sizes when it is not usable. ``alt`` may be empty (Moodle has none): the
    page then names the image by the question."""
    image = data.get("image")
    if not isinstance(image, Mapping):
        problems.append(
            Problem(gettext_noop("The background image (name, width, height) is missing."))
        )
        return math.inf, math.inf
    if not is_id(image.get("name")):
        problems.append(Problem(gettext_noop("The background image has no name.")))
    w, h = image.get("width"), image.get("height")
    if not (is_number(w) and is_number(h) and w > 0 and h > 0):
        problems.append(
            Problem(gettext_noop("The image width and height must be positive numbers."))
        )
        return math.inf, math.inf
    alt = image.get("alt", "")
    if not isinstance(alt, str):
        problems.append(Problem(gettext_noop("The image's text alternative must be text.")))
    return float(w), float(h)


def image_size(data: Mapping[str, Any]) -> tuple[float, float]:
    image = data.get("image")
    image = image if isinstance(image, Mapping) else {}
    w, h = image.get("width"), image.get("height")
    return (float(w), float(h)) if is_number(w) and is_number(h) else (0.0, 0.0)


# ------------------------------------------------------------------- entries and slots


def group_of(entry: Mapping[str, Any]) -> int:
    group = entry.get("group", 1)
    return group if isinstance(group, int) and not isinstance(group, bool) and group >= 1 else 1


def check_group_entries(
    entries: Any, messages: Mapping[str, str], problems: list[str]
) -> dict[str, Mapping]:
    """Checks ``{"id", "text", "group"?, "unlimited"?}`` entries; returns them by id."""
    if not isinstance(entries, list) or not entries:
        problems.append(Problem(messages["list"]))
        return {}
    found: dict[str, Mapping] = {}
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            problems.append(Problem(messages["object"], position=position))
            continue
        if not is_id(entry.get("id")):
            problems.append(Problem(messages["no_id"], position=position))
            continue
        if entry["id"] in found:
            problems.append(
                Problem(gettext_noop("The id “{ident}” is used more than once."), ident=entry["id"])
            )
        text = entry.get("text")
        if (not isinstance(text, str) or not text.strip()) and not isinstance(
            entry.get("image"), Mapping
        ):
            problems.append(Problem(messages["no_text"], position=position))
        group = entry.get("group", 1)
        if not isinstance(group, int) or isinstance(group, bool) or group < 1:
            problems.append(
                Problem(
                    gettext_noop("The group of “{ident}” must be a whole number of at least 1."),
                    ident=entry["id"],
                )
            )
        if not isinstance(entry.get("unlimited", False), bool):
            problems.append(
                Problem(
                    gettext_noop("“unlimited” of “{ident}” must be true or false."),
                    ident=entry["id"],
                )
            )
        found[entry["id"]] = entry
    return found


def check_slot_answers(
    slots: Sequence[Mapping[str, Any]],
    entries: Mapping[str, Mapping],
    unknown_message: str,
    problems: list[str],
    *,
    reuse_allowed: bool,
) -> None:
    """Each slot names a known correct entry; an entry that is the answer of several slots
    must be unlimited (unless every slot chooses on its own, ``reuse_allowed``)."""
    used: Counter[str] = Counter()
    for slot in slots:
        correct = slot.get("correct")
        if not is_id(correct) or correct not in entries:
            problems.append(
                Problem(
                    unknown_message,
                    ident=slot.get("id"),
                    value=show(correct),
                )
            )
            continue
        used[correct] += 1
    if reuse_allowed:
        return
    for ident, count in used.items():
        if count > 1 and not entries[ident].get("unlimited"):
            problems.append(
                Problem(
                    gettext_noop(
                        "“{ident}” is the answer of {count} places: mark it unlimited, or it "
                        "can only fill one."
                    ),
                    ident=ident,
                    count=count,
                )
            )


def slot_groups(
    slots: Iterable[Mapping[str, Any]], entries: Mapping[str, Mapping]
) -> dict[str, int]:
    """Each slot's group: the group of its correct entry."""
    return {
        slot["id"]: group_of(entries.get(slot.get("correct"), {}))
        for slot in slots
        if isinstance(slot, Mapping) and is_id(slot.get("id"))
    }


def valid_slots(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [s for s in data.get(key) or [] if isinstance(s, Mapping) and is_id(s.get("id"))]


def valid_entries(data: Mapping[str, Any], key: str) -> dict[str, Mapping]:
    return {
        e["id"]: e for e in data.get(key) or [] if isinstance(e, Mapping) and is_id(e.get("id"))
    }


def normalize_slots(
    value: Any,
    slots: Sequence[Mapping[str, Any]],
    entries: Mapping[str, Mapping],
    *,
    reuse_allowed: bool,
) -> dict[str, str]:
    """``{slot id: entry id}`` checked: known slots and entries, an entry only in a slot of
    its group, a limited entry in one slot at most (unless ``reuse_allowed``). Empty slots
    (``None`` or ``""``) are left out; sorted by slot id."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ResponseError("wrong_shape")
    groups = slot_groups(slots, entries)
    filled: dict[str, str] = {}
    used: set[str] = set()
    for slot, entry in value.items():
        if not isinstance(slot, str) or slot not in groups:
            raise ResponseError("unknown_option", value=show(slot))
        if entry is None or entry == "":
            continue
        if not isinstance(entry, str):
            raise ResponseError("wrong_shape")
        if entry not in entries:
            raise ResponseError("unknown_option", value=show(entry))
        if group_of(entries[entry]) != groups[slot]:
            raise ResponseError("wrong_group", value=show(entry))
        if not reuse_allowed and not entries[entry].get("unlimited") and entry in used:
            raise ResponseError("duplicate", value=show(entry))
        used.add(entry)
        filled[slot] = entry
    return dict(sorted(filled.items()))


def grade_slots(
    filled: Mapping[str, str], slots: Sequence[Mapping[str, Any]]
) -> tuple[Fraction, dict[str, Any]]:
    """Share of slots filled rightly, and the review detail."""
    ids = [slot["id"] for slot in slots]
    correct = {slot["id"]: slot.get("correct") for slot in slots}
    right = [s for s in ids if s in filled and filled[s] == correct[s]]
    wrong = [s for s in ids if s in filled and filled[s] != correct[s]]
    unanswered = [s for s in ids if s not in filled]
    fraction = Fraction(len(right), len(ids)) if ids and filled else Fraction(0)
    return fraction, {
        "filled": dict(filled),
        "right": right,
        "wrong": wrong,
        "unanswered": unanswered,
        "correct": correct,
    }


def slot_counts(values: Iterable[Any]) -> dict[str, int]:
    """Item analysis: how often each entry was put in each slot (``"slot → entry"``), the
    :data:`TOP_ANSWERS` most frequent."""
    counts: Counter[str] = Counter()
    for value in values:
        if isinstance(value, Mapping):
            for slot, entry in value.items():
                counts[f"{slot} → {entry}"] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return dict(ranked[:TOP_ANSWERS])


def public_entries(
    entries: Mapping[str, Mapping],
    order: Sequence[str],
    tokens: Mapping[str, str],
    list_name: str,
) -> list[dict[str, Any]]:
    """Entries for the page, in ``order``, named by token: text, group, unlimited (and an
    entry's own image name, when it has one)."""
    shown = []
    for ident in order:
        entry = entries.get(ident)
        token = token_of(tokens, list_name, ident)
        if entry is None or token is None:
            continue
        item: dict[str, Any] = {
            "id": token,
            "text": entry.get("text", ""),
            "group": group_of(entry),
            "unlimited": bool(entry.get("unlimited")),
        }
        image = entry.get("image")
        if isinstance(image, Mapping) and is_id(image.get("name")):
            item["image"] = image["name"]
        shown.append(item)
    return shown
