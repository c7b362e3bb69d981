"""A question version in one language, in the shape of QUESTION_FORMAT.md.

A version stores its answer key and structure once (``data``: ids, correct answers,
regions) and its texts per language (``texts``): title, stem, feedback, and the texts of
options, items, premises, responses and regions keyed by their ids.
"""

from __future__ import annotations

import copy
from typing import Any

TEXT_LISTS = {
    "options": "options",
    "items": "items",
    "premises": "premises",
    "responses": "responses",
}


def merged(data: dict[str, Any], texts: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the texts of one language merged in (for validation and display).

    ``texts`` either maps ids to texts (``{"options": {"a": {"text": ...}}}``) or carries
    the whole question already merged in that language under ``"data"``.
    """
    if isinstance(texts.get("data"), dict):
        return copy.deepcopy(texts["data"])
    result = copy.deepcopy(data)
    for key in TEXT_LISTS:
        labels = texts.get(key, {})
        for entry in result.get(key, []):
            text = labels.get(entry.get("id"), {})
            if isinstance(text, str):
                entry["text"] = text
            else:
                entry["text"] = text.get("text", entry.get("text", ""))
                if text.get("feedback"):
                    entry["feedback"] = text["feedback"]
    if "regions" in result:
        labels = texts.get("regions", {})
        for region in result["regions"]:
            label = labels.get(region.get("id"))
            if label:
                region["label"] = label if isinstance(label, str) else label.get("text", "")
    if "image" in result and texts.get("image_alt"):
        result["image"]["alt"] = texts["image_alt"]
    if "unit" in texts:
        result["unit"] = texts["unit"]
    return result


PUBLIC_KEYS = {
    "single_choice": ("options",),
    "multiple_response": ("options",),
    "true_false": (),
    "numeric": ("unit",),
    "ordering": ("items",),
    "matching": ("premises", "responses"),
    "hotspot": ("image", "max_clicks"),
}


def public_view(qtype: str, data: dict[str, Any], texts: dict[str, Any], order: dict) -> dict:
    """What the browser may see before the review policy allows more: texts and ids in
    the attempt's order, never a correct flag, a key, per-option feedback or a region."""
    full = merged(data, texts)
    view: dict[str, Any] = {"stem": texts.get("stem", ""), "title": texts.get("title", "")}
    for key in PUBLIC_KEYS[qtype]:
        if key not in full:
            continue
        value = full[key]
        if isinstance(value, list):
            entries = [{"id": e["id"], "text": e.get("text", "")} for e in value]
            wanted = order.get(key)
            if wanted:
                by_id = {e["id"]: e for e in entries}
                entries = [by_id[i] for i in wanted if i in by_id]
            view[key] = entries
        elif key == "image":
            view["image"] = {
                "name": value.get("name", ""),
                "width": value.get("width"),
                "height": value.get("height"),
                "alt": value.get("alt", ""),
            }
        else:
            view[key] = value
    return view
