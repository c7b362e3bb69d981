"""Review helpers for the drag-and-drop types: what the officer put where, and what was
expected, in the texts of the attempt's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from ..types import get as question_type
from ..types.drop_common import valid_entries, valid_slots

register = template.Library()


def _texts(entries: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    return {ident: str(entry.get("text", "")) for ident, entry in entries.items()}


@register.simple_tag
def dd_slots_review(q: Mapping[str, Any], a: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Each gap or zone, numbered as on the attempt page: the entry given, the one
    expected, whether they match."""
    gaps = "gaps" in q
    slots = valid_slots(q, "gaps" if gaps else "zones")
    texts = _texts(valid_entries(q, "choices" if gaps else "items"))
    filled = (a or {}).get("gaps" if gaps else "zones") or {}
    if not gaps:  # zones are numbered in reading order, as on the attempt page
        slots = sorted(slots, key=lambda z: (z.get("y", 0), z.get("x", 0)))
    rows = []
    for number, slot in enumerate(slots, start=1):
        given = filled.get(slot["id"])
        rows.append(
            {
                "number": number,
                "label": slot.get("label", "") if isinstance(slot.get("label"), str) else "",
                "given": texts.get(given, "") if given else "",
                "correct": texts.get(slot.get("correct"), ""),
                "right": given is not None and given == slot.get("correct"),
            }
        )
    return rows


@register.simple_tag
def dd_markers_review(
    qtype: str, q: Mapping[str, Any], a: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Each zone with the marker it expects and whether one was placed in it, and the
    markers placed in no zone of their kind (graded by the type ``qtype``)."""
    placements = (a or {}).get("placements") or {}
    _fraction, detail = question_type(qtype).grade(q, placements)
    texts = _texts(valid_entries(q, "markers"))
    held = set(detail["zones_right"])
    zones = [
        {"number": n, "marker": texts.get(z.get("marker"), ""), "right": z["id"] in held}
        for n, z in enumerate(valid_slots(q, "zones"), start=1)
    ]
    return {
        "zones": zones,
        "wrong": detail["wrong_placements"],
        "placed": sum(len(points) for points in placements.values()),
    }
