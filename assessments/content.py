"""A question version in one language, in the shape of QUESTION_FORMAT.md.

A version stores its answer key and structure once (``data``: ids, correct answers,
regions) and its texts per language (``texts``): title, stem, feedback, and the texts of
options, items, premises, responses and regions keyed by their ids.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import nh3

from .tokens import token_key
from .types import REGISTRY, TYPES

TEXT_LISTS: tuple[str, ...] = tuple(
    dict.fromkeys(name for qtype in TYPES for name in qtype.text_lists)
)
"""Every entry list whose texts are stored per language, whatever its type."""


def merged(data: dict[str, Any], texts: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the texts of one language merged in (for validation and display).

    ``texts`` either maps ids to texts (``{"options": {"a": {"text": ...}}}``) or carries
    the whole question already merged in that language under ``"data"``.
    """
    if isinstance(texts.get("data"), dict):
        return copy.deepcopy(texts["data"])
    result = copy.deepcopy(data)
    for key in TEXT_LISTS:
        _merge_entries(result.get(key, []), texts.get(key, {}))
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


def _merge_entries(entries: Any, labels: Any) -> None:
    """Merges one list's texts (``{id: text | {"text", "feedback", <nested list>: {...}}}``)
    into its entries. A list nested in an entry (the options of a cloze gap) takes its
    texts from the same key in the entry's texts; an entry that holds lists of its own and
    no text (a cloze gap) gets no text."""
    if not isinstance(entries, list) or not isinstance(labels, dict):
        return
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        text = labels.get(entry.get("id"), {})
        if isinstance(text, str):
            entry["text"] = text
            continue
        if not isinstance(text, dict):
            continue
        container = "text" not in entry and any(isinstance(v, list) for v in entry.values())
        if "text" in text or not container:
            entry["text"] = text.get("text", entry.get("text", ""))
        if text.get("feedback"):
            entry["feedback"] = text["feedback"]
        for key, value in text.items():
            if isinstance(value, dict) and isinstance(entry.get(key), list):
                _merge_entries(entry[key], value)


def public_view(qtype: str, data: dict[str, Any], texts: dict[str, Any], order: dict) -> dict:
    """What the browser may see before the review policy allows more: texts, in the
    attempt's order, each entry named by the attempt's opaque token (``order["tokens"]``,
    see :mod:`assessments.tokens`), never by its authored id; never a correct flag, a key,
    per-option feedback or a region. An entry without a token is not shown."""
    full = merged(data, texts)
    tokens = order.get("tokens") or {}
    view: dict[str, Any] = {
        "stem": stem_html(texts.get("stem", "")),
        "title": texts.get("title", ""),
    }
    kind = REGISTRY[qtype]
    for key in kind.public_keys:
        if key not in full:
            continue
        value = full[key]
        if isinstance(value, list):
            by_id = {e.get("id"): e for e in value if isinstance(e, dict)}
            wanted = order.get(key) or list(by_id)
            view[key] = [
                {"id": tokens[token_key(key, ident)], "text": by_id[ident].get("text", "")}
                for ident in wanted
                if ident in by_id and token_key(key, ident) in tokens
            ]
        elif key == "image":
            view["image"] = {
                "name": value.get("name", ""),
                "width": value.get("width"),
                "height": value.get("height"),
                "alt": value.get("alt", ""),
            }
        else:
            view[key] = value
    kind.public_extra(full, view)
    kind.public_layout(full, view, tokens, order)
    if kind.stem_inline:
        view["stem_inline"] = True
    return view


STEM_TAGS = frozenset({"p", "strong", "em", "ul", "ol", "li"})
"""The HTML a question stem may hold (QUESTION_FORMAT.md), whatever wrote it: the editor,
an import or code. No links, frames, forms, styles or attributes, and images only from the
platform's own store (:func:`stem_html`): a stem is read during an exam, and nothing in it
may lead elsewhere."""


STEM_IMAGE_SRC = re.compile(r"/assessments/images/qi-[0-9]+-[0-9a-f]{32}\.png")
"""The one image source a stem may show: an image stored for its bank
(:mod:`assessments.question_images`), at the address ``assessments:image`` gives it."""
_IMAGE_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def _stem_attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if STEM_IMAGE_SRC.fullmatch(value) else None
    return value


def stem_html(html: str) -> str:
    """A stem's HTML cleaned by nh3 (a maintained HTML sanitiser) to :data:`STEM_TAGS`,
    plus ``<img src alt>`` whose source is a stored question image (:data:`STEM_IMAGE_SRC`;
    an image from anywhere else is removed): anything else is removed (scripts and styles
    with their content, other elements keeping their text). Stems are cleaned when saved
    and again when shown."""
    if not isinstance(html, str) or not html:
        return ""
    cleaned = nh3.clean(
        html,
        tags=set(STEM_TAGS) | {"img"},
        attributes={"img": {"src", "alt"}},
        attribute_filter=_stem_attribute,
        link_rel=None,
        strip_comments=True,
    )
    return _IMAGE_WITHOUT_SRC.sub("", cleaned) if "<img" in cleaned else cleaned


def texts_cleaned(texts: dict[str, Any]) -> dict[str, Any]:
    """Texts per language with every stem cleaned by :func:`stem_html`."""
    cleaned: dict[str, Any] = {}
    for language, language_texts in texts.items():
        if isinstance(language_texts, dict) and isinstance(language_texts.get("stem"), str):
            language_texts = {**language_texts, "stem": stem_html(language_texts["stem"])}
        cleaned[language] = language_texts
    return cleaned
