"""Merge a demo bank question with one language's texts into the QUESTION_FORMAT.md shape.

A bank question keeps its answer key and ids in ``data`` and its texts per language under
``"en"``, ``"es"``, ... keyed by the same ids (see README.md in this folder). This module
is pure Python: no Django, no I/O beyond ``load_bank``.

>>> q = {"uid": "x-1", "type": "true_false", "points": 1, "tags": [],
...      "data": {"correct": False},
...      "en": {"title": "T", "stem": "<p>S</p>", "feedback": {"correct": "Yes"}}}
>>> question_in("en", q)["data"]
{'correct': False}
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from ..grading import QUESTION_TYPES as TYPES

FEEDBACK_KEYS = ("correct", "incorrect", "partial")

# For each type: the lists in ``data`` whose entries get texts, with the text fields each
# entry takes from the language block (required first, then optional).
_LISTS: dict[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]] = {
    "single_choice": (("options", ("text",), ("feedback",)),),
    "multiple_response": (("options", ("text",), ("feedback",)),),
    "true_false": (),
    "numeric": (),
    "ordering": (("items", ("text",), ()),),
    "matching": (("premises", ("text",), ()), ("responses", ("text",), ())),
    "hotspot": (("regions", ("text",), ()),),
    "drag_drop_text": (("choices", ("text",), ()),),
    "drag_drop_image": (("items", ("text",), ()),),
    "drag_drop_marker": (("markers", ("text",), ()),),
    "cloze": (),  # texts per gap: see _cloze_gaps
    "short_answer": (),  # accepted answers are the key; their feedback: _answer_feedback
    "description": (),
    "essay": (),  # word limits, rubric and grader information: data only (not per language)
}
# Types whose answers (``data["answers"]``, with ids) take their feedback per language.
_ANSWER_FEEDBACK_TYPES = ("short_answer", "numeric")
# Text fields whose name in the merged ``data`` differs from the language block's.
_OUTPUT_NAMES: dict[str, dict[str, str]] = {"regions": {"text": "label"}}
# Plain optional strings copied from the language block into ``data``.
_SCALARS: dict[str, tuple[str, ...]] = {
    "true_false": ("feedback_true", "feedback_false"),
    "numeric": ("unit",),
}
_COMMON_TEXT_KEYS = {"title", "stem", "feedback"}
# Types on a background image: its text alternative is per language (``image_alt``).
_IMAGE_TYPES = ("hotspot", "drag_drop_image", "drag_drop_marker")


class MergeError(ValueError):
    """A question's texts do not fit its data (missing or unknown ids, missing text)."""


def _entry_texts(uid: str, where: str, entry_id: str, texts: object, required, optional):
    if not isinstance(texts, dict):
        raise MergeError(f"{uid}: {where}[{entry_id!r}] must be an object of texts")
    unknown = set(texts) - set(required) - set(optional)
    if unknown:
        raise MergeError(f"{uid}: {where}[{entry_id!r}] has unknown keys {sorted(unknown)}")
    merged = {}
    for key in required:
        value = texts.get(key)
        if not isinstance(value, str) or not value.strip():
            raise MergeError(f"{uid}: {where}[{entry_id!r}] needs a non-empty {key!r}")
        merged[key] = value
    for key in optional:
        if key in texts:
            if not isinstance(texts[key], str) or not texts[key].strip():
                raise MergeError(f"{uid}: {where}[{entry_id!r}].{key} must be a non-empty string")
            merged[key] = texts[key]
    return merged


def question_in(language: str, q: dict) -> dict:
    """Return ``q`` in ``language`` as {uid, type, points, tags, title, stem, feedback, data}.

    ``data`` has the exact shape QUESTION_FORMAT.md gives for the question's type, with the
    language's texts merged in (option/item/premise/response texts, option feedback, region
    labels, image alt text, numeric unit, true/false feedback). Raises ``MergeError`` when
    the language block is missing, lacks a text for an id, or names an id ``data`` lacks.
    """
    uid = q.get("uid", "?")
    qtype = q.get("type")
    if qtype not in TYPES:
        raise MergeError(f"{uid}: unknown type {qtype!r}")
    texts = q.get(language)
    if not isinstance(texts, dict):
        raise MergeError(f"{uid}: no texts for language {language!r}")

    list_specs = _LISTS[qtype]
    scalars = _SCALARS.get(qtype, ())
    allowed = _COMMON_TEXT_KEYS | {name for name, _, _ in list_specs} | set(scalars)
    if qtype in _IMAGE_TYPES:
        allowed.add("image_alt")
    if qtype == "cloze":
        allowed.add("gaps")
    if qtype in _ANSWER_FEEDBACK_TYPES:
        allowed.add("answers")
    unknown = set(texts) - allowed
    if unknown:
        raise MergeError(f"{uid}/{language}: unknown text keys {sorted(unknown)}")
    for key in ("title", "stem"):
        if not isinstance(texts.get(key), str) or not texts[key].strip():
            raise MergeError(f"{uid}/{language}: needs a non-empty {key!r}")

    feedback = texts.get("feedback", {})
    if not isinstance(feedback, dict) or set(feedback) - set(FEEDBACK_KEYS):
        raise MergeError(f"{uid}/{language}: feedback must use only {FEEDBACK_KEYS}")

    data = copy.deepcopy(q.get("data"))
    if not isinstance(data, dict):
        raise MergeError(f"{uid}: data must be an object")

    for name, required, optional in list_specs:
        entries = data.get(name)
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("id"), str) for e in entries
        ):
            raise MergeError(f"{uid}: data.{name} must be a list of objects with an 'id'")
        lang_entries = texts.get(name)
        if not isinstance(lang_entries, dict):
            raise MergeError(f"{uid}/{language}: needs {name!r} texts keyed by id")
        ids = [e["id"] for e in entries]
        extra = set(lang_entries) - set(ids)
        if extra:
            raise MergeError(f"{uid}/{language}: {name} texts for unknown ids {sorted(extra)}")
        merged = []
        for entry in entries:
            if entry["id"] not in lang_entries:
                raise MergeError(f"{uid}/{language}: no {name} text for id {entry['id']!r}")
            rename = _OUTPUT_NAMES.get(name, {})
            clash = set(entry) & {rename.get(k, k) for k in required + optional}
            if clash:
                raise MergeError(f"{uid}: data.{name} must not hold texts {sorted(clash)}")
            entry_texts = _entry_texts(
                uid,
                f"{language}.{name}",
                entry["id"],
                lang_entries[entry["id"]],
                required,
                optional,
            )
            item = {"id": entry["id"]}
            item.update({rename.get(k, k): v for k, v in entry_texts.items()})
            item.update({k: v for k, v in entry.items() if k != "id"})
            merged.append(item)
        data[name] = merged

    for key in scalars:
        if key in data:
            raise MergeError(f"{uid}: {key!r} is a text and belongs under the language")
        if key in texts:
            if not isinstance(texts[key], str) or not texts[key].strip():
                raise MergeError(f"{uid}/{language}: {key!r} must be a non-empty string")
            data[key] = texts[key]

    if qtype in _IMAGE_TYPES:
        image = data.get("image")
        alt = texts.get("image_alt")
        if not isinstance(image, dict) or "alt" in image:
            raise MergeError(f"{uid}: data.image must be an object without texts")
        if not isinstance(alt, str) or not alt.strip():
            raise MergeError(f"{uid}/{language}: needs a non-empty 'image_alt'")
        image["alt"] = alt

    if qtype == "cloze":
        _cloze_gaps(uid, language, data, texts.get("gaps", {}))

    if qtype in _ANSWER_FEEDBACK_TYPES:
        _answer_feedback(uid, language, data, texts.get("answers", {}))

    return {
        "uid": uid,
        "type": qtype,
        "points": q.get("points", 1),
        "tags": list(q.get("tags", [])),
        "title": texts["title"],
        "stem": texts["stem"],
        "feedback": dict(feedback),
        "data": data,
    }


def _answer_feedback(uid: str, language: str, data: dict, texts: object) -> None:
    """Merges the feedback of accepted answers (short answer, numeric): ``answers: {answer
    id: {"feedback"}}``. The answers themselves are part of the key (in ``data``, shared by
    every language); an answer without feedback needs no entry."""
    if not isinstance(texts, dict):
        raise MergeError(f"{uid}/{language}: answers texts must be an object keyed by id")
    answers = data.get("answers")
    if not texts:
        return
    by_id = {
        a["id"]: a for a in answers or [] if isinstance(a, dict) and isinstance(a.get("id"), str)
    }
    extra = set(texts) - set(by_id)
    if extra:
        raise MergeError(f"{uid}/{language}: answers texts for unknown ids {sorted(extra)}")
    for ident, text in texts.items():
        answer = by_id[ident]
        if "feedback" in answer:
            raise MergeError(f"{uid}: data.answers[{ident!r}] must not hold its feedback")
        answer.update(_entry_texts(uid, f"{language}.answers", ident, text, (), ("feedback",)))


def _cloze_gaps(uid: str, language: str, data: dict, texts: object) -> None:
    """Merges a cloze's texts per gap: ``gaps: {gap id: {"options": {id: {text,
    feedback?}}, "answers": {id: {feedback}}}}``. Choice options need a text in every
    language; accepted answers are part of the key (in ``data``), only their feedback is
    per language."""
    if not isinstance(texts, dict):
        raise MergeError(f"{uid}/{language}: gaps texts must be an object keyed by gap id")
    gaps = {g.get("id"): g for g in data.get("gaps", []) if isinstance(g, dict)}
    extra = set(texts) - set(gaps)
    if extra:
        raise MergeError(f"{uid}/{language}: gaps texts for unknown gaps {sorted(extra)}")
    for ident, gap in gaps.items():
        gap_texts = texts.get(ident, {})
        if not isinstance(gap_texts, dict) or set(gap_texts) - {"options", "answers"}:
            raise MergeError(f"{uid}/{language}: gaps[{ident!r}] takes options and answers")
        if gap.get("kind") == "choice":
            labels = gap_texts.get("options", {})
            for option in gap.get("options", []):
                if option.get("id") not in labels:
                    raise MergeError(f"{uid}/{language}: no text for option {option.get('id')!r}")
                if "text" in option:
                    raise MergeError(f"{uid}: data.gaps options must not hold texts")
                option.update(
                    _entry_texts(
                        uid,
                        f"{language}.gaps.{ident}.options",
                        option["id"],
                        labels[option["id"]],
                        ("text",),
                        ("feedback",),
                    )
                )
        feedback = gap_texts.get("answers", {})
        answers = {a.get("id"): a for a in gap.get("answers", []) if isinstance(a, dict)}
        unknown = set(feedback) - set(answers)
        if unknown:
            raise MergeError(f"{uid}/{language}: feedback for unknown answers {sorted(unknown)}")
        for answer_id, answer_texts in feedback.items():
            answers[answer_id].update(
                _entry_texts(
                    uid,
                    f"{language}.gaps.{ident}.answers",
                    answer_id,
                    answer_texts,
                    ("feedback",),
                    (),
                )
            )


def bank_in(language: str, bank: dict) -> dict:
    """A whole bank in one language: {track, title, description, questions: [merged]}."""
    meta = bank.get(language)
    if not isinstance(meta, dict):
        raise MergeError(f"bank {bank.get('track')!r}: no texts for language {language!r}")
    return {
        "track": bank["track"],
        "title": meta["title"],
        "description": meta["description"],
        "questions": [question_in(language, q) for q in bank["questions"]],
    }


def load_bank(path: str | Path) -> dict:
    """Read a bank file (UTF-8 JSON)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


BANKS_DIR = Path(__file__).resolve().parent / "banks"
TRACKS = ("illicit_trade", "integrity", "ftz_aeo")
