"""The project's own JSON format for question banks: keeps every question type.

Plain Python, no Django. :func:`export_json` writes a bank and its questions;
:func:`parse_json` reads such a file back, checks every question against
``QUESTION_FORMAT.md`` and returns the same :class:`~assessments.gift.ImportResult` as the
GIFT import: the questions that passed, and one error per rejected question with its
1-based position in the ``questions`` list as ``line``. A file that is not JSON, or not
this format, gets a single error at line 0 and no questions.

The file::

    {
      "format": "customs-lms-questions",
      "version": 1,
      "bank": {"title": "...", "tags": [...]},
      "questions": [
        {"uid", "type", "title", "stem", "points", "feedback", "data", "tags"}, ...
      ]
    }

Checks are strict: unknown keys are refused (a misspelt ``feedback_ture`` would otherwise
vanish silently), numbers must be JSON numbers (not strings or booleans, never NaN or
Infinity), ids must be non-empty strings unique within their question (premise and
response ids together), every id a question refers to must exist, and option, item,
premise and response texts must not be empty. Stems are reduced to the allowed HTML (p,
strong, em, ul, ol, li). ``title``, ``points`` (1), ``feedback``, ``tags`` and ``uid`` may be
left out; a missing title is made from the stem. ``uid`` values must be unique in the file.
A type that is never scored (a description) is worth 0 points whatever ``points`` says.
Hotspot regions must lie inside the image, have a label and (polygons) an area; with
``targets: "all"`` ``max_clicks`` must allow one click per region. These match
``assessments.grading.validate_question``.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from assessments.gift import (
    ImportResult,
    ParsedQuestion,
    QuestionImportError,
    html_to_text,
    sanitize_html,
    title_from_stem,
)
from assessments.grading import QUESTION_TYPES
from assessments.types import REGISTRY

__all__ = ["FORMAT", "MESSAGES", "QUESTION_TYPES", "VERSION", "export_json", "parse_json"]

FORMAT = "customs-lms-questions"
VERSION = 1
SCORINGS = {
    "multiple_response": ("all_or_nothing", "right_minus_wrong", "per_option"),
    "ordering": ("all_or_nothing", "adjacent_pairs"),
    "matching": ("all_or_nothing", "per_premise"),
}
FEEDBACK_KEYS = ("correct", "incorrect", "partial", "general")
MOODLE_KEYS = ("penalty", "hints", "moodle")
"""Keys any question's ``data`` may carry besides its type's: what a Moodle XML import keeps
for the export (``assessments/interchange/moodlexml.py``)."""
_UID_NAMESPACE = uuid.UUID("6f1d7a52-3c1e-4d55-9a47-2b8f0c6e1d93")


# --- Messages ---------------------------------------------------------------------------
def gettext_noop(message: str) -> str:
    """Marks a message for translation catalogues without importing Django; the Django
    layer translates it when it shows the problem."""
    return message


MESSAGES: dict[str, str] = {
    # The whole file (line 0).
    "not_json": gettext_noop(
        "The file is not valid JSON (line {json_line}, column {json_column}): {detail}."
    ),
    "not_this_format": gettext_noop(
        "The file is JSON but not a question bank exported from this platform."
    ),
    "unsupported_version": gettext_noop(
        "The file uses version {version} of the question format; only version 1 can be read."
    ),
    "bad_bank": gettext_noop("The bank description is not valid: {field} must be {expected}."),
    # One question.
    "not_an_object": gettext_noop("The question is not a JSON object."),
    "unknown_type": gettext_noop("The question type “{type}” is not known."),
    "missing_field": gettext_noop("The field {field} is missing."),
    "unknown_field": gettext_noop("The field {field} is not part of the question format."),
    "wrong_json_type": gettext_noop("The field {field} must be {expected}."),
    "empty_text": gettext_noop("The field {field} must not be empty."),
    "not_allowed": gettext_noop("The field {field} must be one of: {allowed}."),
    "must_be_positive": gettext_noop("The field {field} must be greater than zero."),
    "must_not_be_negative": gettext_noop("The field {field} must be zero or more."),
    "must_be_fraction": gettext_noop("The field {field} must be between 0 and 1."),
    "must_be_credit": gettext_noop("The field {field} must be between -1 and 1."),
    "credits_not_correct": gettext_noop(
        "The field {field} must give a positive credit to exactly the correct options."
    ),
    "must_be_full_credit": gettext_noop(
        "The field {field} must be 1: the correct option earns full credit."
    ),
    "too_few_entries": gettext_noop("The field {field} needs at least {minimum} entries."),
    "duplicate_id": gettext_noop("The id “{id}” is used more than once in this question."),
    "duplicate_entry": gettext_noop("The field {field} lists “{id}” more than once."),
    "unknown_id": gettext_noop(
        "The field {field} refers to “{id}”, which is not one of this question's ids."
    ),
    "incomplete_order": gettext_noop("The field {field} must list every item exactly once."),
    "incomplete_matching": gettext_noop(
        "The field {field} must give the right response for every premise."
    ),
    "bad_coords": gettext_noop("The field {field} does not describe a {shape} in the image."),
    "too_few_clicks": gettext_noop(
        "The field {field} must be at least {minimum}: with targets “all” every region needs "
        "a click."
    ),
    "duplicate_uid": gettext_noop("Another question in the file has the same uid “{uid}”."),
}


class _Invalid(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --- Export -----------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """JSON-ready copy with the keys of every object sorted (stable output)."""
    if isinstance(value, Mapping):
        return {str(key): _plain(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _uid(question: Mapping[str, Any]) -> str:
    if question.get("uid"):
        return str(question["uid"])
    # No uid: derive one from the content so the same question always gets the same uid.
    content = json.dumps(
        _plain({key: question.get(key) for key in ("type", "title", "stem", "data")}),
        ensure_ascii=False,
        sort_keys=True,
    )
    return str(uuid.uuid5(_UID_NAMESPACE, content))


def export_json(bank: Mapping[str, Any], questions: Iterable[Mapping[str, Any]]) -> str:
    """The bank and its questions in this project's JSON format (UTF-8 text, keys in a
    fixed order, two-space indent)."""
    bank_out: dict[str, Any] = {
        "title": str(bank.get("title") or ""),
        "tags": [str(tag) for tag in bank.get("tags") or []],
    }
    for key in sorted(set(bank) - {"title", "tags"}, key=str):
        value = bank[key]
        if value is None or isinstance(value, str | int | float | bool):
            bank_out[str(key)] = value
    document = {
        "format": FORMAT,
        "version": VERSION,
        "bank": bank_out,
        "questions": [
            {
                "uid": _uid(question),
                "type": question.get("type"),
                "title": str(question.get("title") or ""),
                "stem": str(question.get("stem") or ""),
                "points": _plain(1 if question.get("points") is None else question["points"]),
                "feedback": _plain(
                    {k: v for k, v in (question.get("feedback") or {}).items() if v}
                ),
                "data": _plain(question.get("data") or {}),
                "tags": [str(tag) for tag in question.get("tags") or []],
            }
            for question in questions
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# --- Import -----------------------------------------------------------------------------
def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _file_error(code: str, **params: Any) -> ImportResult:
    error = QuestionImportError(line=0, title=None, code=code, reason=MESSAGES[code], params=params)
    return ImportResult(errors=[error])


MAX_NESTING = 64
"""Nesting allowed in an imported file (an export nests a few levels deep)."""
TOO_DEEP = "it is nested too deeply"


def _nesting(value: Any) -> int:
    """How deeply ``value`` nests, counted without recursion (hostile files)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend(
                (child, depth + 1) for child in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


def parse_json(text: str | bytes) -> ImportResult:
    """Reads a file written by :func:`export_json`, checking every question."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            return _file_error("not_json", json_line=1, json_column=1, detail=exc.reason)
    try:
        document = json.loads(text.lstrip("\ufeff"), parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        return _file_error("not_json", json_line=exc.lineno, json_column=exc.colno, detail=exc.msg)
    except ValueError as exc:
        return _file_error("not_json", json_line=1, json_column=1, detail=str(exc))
    except RecursionError:
        return _file_error("not_json", json_line=1, json_column=1, detail=TOO_DEEP)
    if _nesting(document) > MAX_NESTING:
        return _file_error("not_json", json_line=1, json_column=1, detail=TOO_DEEP)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return _file_error("not_this_format")
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        return _file_error("unsupported_version", version=json.dumps(version))
    questions = document.get("questions")
    if not isinstance(questions, list):
        return _file_error("not_this_format")
    bank = document.get("bank", {})
    if not isinstance(bank, dict):
        return _file_error("bad_bank", field="bank", expected="an object")
    if not isinstance(bank.get("title", ""), str):
        return _file_error("bad_bank", field="bank.title", expected="a string")
    if not _is_list_of(bank.get("tags", []), str):
        return _file_error("bad_bank", field="bank.tags", expected="a list of strings")

    result = ImportResult(bank={"title": "", "tags": [], **bank})
    seen_uids: set[str] = set()
    for index, raw in enumerate(questions, start=1):
        title = raw.get("title") if isinstance(raw, dict) else None
        try:
            question = _question(raw, index)
            if question.uid is not None:
                if question.uid in seen_uids:
                    raise _Invalid("duplicate_uid", uid=question.uid)
                seen_uids.add(question.uid)
        except _Invalid as invalid:
            result.errors.append(
                QuestionImportError(
                    line=index,
                    title=title if isinstance(title, str) and title else None,
                    code=invalid.code,
                    reason=MESSAGES[invalid.code],
                    params=invalid.params,
                )
            )
        else:
            result.questions.append(question)
    return result


# --- Field checks -----------------------------------------------------------------------
def _is_list_of(value: Any, kind: type) -> bool:
    return isinstance(value, list) and all(isinstance(item, kind) for item in value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _keys(value: Any, path: str, required: Iterable[str], optional: Iterable[str] = ()) -> dict:
    if not isinstance(value, dict):
        raise _Invalid("wrong_json_type", field=path, expected="object")
    required = tuple(required)
    for key in required:
        if key not in value:
            raise _Invalid("missing_field", field=f"{path}.{key}" if path else key)
    allowed = set(required) | set(optional)
    for key in value:
        if key not in allowed:
            raise _Invalid("unknown_field", field=f"{path}.{key}" if path else key)
    return value


def _string(value: Any, path: str, *, non_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _Invalid("wrong_json_type", field=path, expected="string")
    if non_empty and not value.strip():
        raise _Invalid("empty_text", field=path)
    return value


def _number(value: Any, path: str) -> int | float:
    if not _is_number(value):
        raise _Invalid("wrong_json_type", field=path, expected="number")
    return value


def _integer(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("wrong_json_type", field=path, expected="integer")
    return value


def _list(value: Any, path: str, minimum: int = 0) -> list:
    if not isinstance(value, list):
        raise _Invalid("wrong_json_type", field=path, expected="list")
    if len(value) < minimum:
        raise _Invalid("too_few_entries", field=path, minimum=minimum)
    return value


def _choice(value: Any, path: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise _Invalid("not_allowed", field=path, allowed=", ".join(allowed))
    return value


class _Ids:
    """Ids seen in one question: each unique, and every reference to one checked."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def add(self, value: Any, path: str) -> str:
        identifier = _string(value, path, non_empty=True)
        if identifier in self.seen:
            raise _Invalid("duplicate_id", id=identifier)
        self.seen.add(identifier)
        return identifier


def _reference(value: Any, path: str, known: Iterable[str]) -> str:
    identifier = _string(value, path, non_empty=True)
    if identifier not in set(known):
        raise _Invalid("unknown_id", field=path, id=identifier)
    return identifier


def _entries(
    value: Any, path: str, ids: _Ids, *, text_key: str = "text", feedback: bool = False
) -> list[dict[str, str]]:
    entries = []
    for position, entry in enumerate(_list(value, path, minimum=2)):
        where = f"{path}[{position}]"
        _keys(entry, where, ("id", text_key), ("feedback",) if feedback else ())
        clean = {
            "id": ids.add(entry["id"], f"{where}.id"),
            text_key: _string(entry[text_key], f"{where}.{text_key}", non_empty=True),
        }
        if feedback and "feedback" in entry:
            clean["feedback"] = _string(entry["feedback"], f"{where}.feedback")
        entries.append(clean)
    return entries


# --- One question -----------------------------------------------------------------------
def _question(raw: Any, index: int) -> ParsedQuestion:
    if not isinstance(raw, dict):
        raise _Invalid("not_an_object")
    _keys(raw, "", ("type", "stem", "data"), ("uid", "title", "points", "feedback", "tags"))
    kind = raw["type"]
    if not isinstance(kind, str):
        raise _Invalid("wrong_json_type", field="type", expected="string")
    if kind not in QUESTION_TYPES:
        raise _Invalid("unknown_type", type=kind)

    stem = sanitize_html(_string(raw["stem"], "stem"))
    if not html_to_text(stem):
        raise _Invalid("empty_text", field="stem")
    title = _string(raw.get("title", ""), "title").strip() or title_from_stem(stem)
    scored = REGISTRY[kind].scored
    points = _number(raw.get("points", 1 if scored else 0), "points")
    if scored and points <= 0:
        raise _Invalid("must_be_positive", field="points")
    if not scored:
        points = 0  # a description is worth nothing, whatever the file says
    feedback_raw = _keys(raw.get("feedback", {}), "feedback", (), FEEDBACK_KEYS)
    feedback = {
        key: _string(feedback_raw[key], f"feedback.{key}")
        for key in FEEDBACK_KEYS
        if key in feedback_raw
    }
    tags = _list(raw.get("tags", []), "tags")
    for position, tag in enumerate(tags):
        _string(tag, f"tags[{position}]", non_empty=True)
    uid = raw.get("uid")
    if uid is not None:
        uid = _string(uid, "uid", non_empty=True)

    raw_data, extras = raw["data"], {}
    if isinstance(raw_data, dict) and any(key in raw_data for key in MOODLE_KEYS):
        raw_data = {k: v for k, v in raw_data.items() if k not in MOODLE_KEYS}
        extras = _moodle_extras(raw["data"])
    data = {**_DATA_CHECKS.get(kind, _checked_by_its_type)(raw_data), **extras}
    return ParsedQuestion(
        line=index,
        title=title,
        type=kind,
        stem=stem,
        points=points,
        feedback={key: value for key, value in feedback.items() if value},
        data=data,
        tags=list(tags),
        uid=uid,
    )


def _moodle_extras(data: dict[str, Any]) -> dict[str, Any]:
    """Moodle's penalty (0..1), hints (text and flags) and settings (plain values)."""
    extras: dict[str, Any] = {}
    if "penalty" in data:
        penalty = _number(data["penalty"], "data.penalty")
        if not 0 <= penalty <= 1:
            raise _Invalid("must_be_fraction", field="data.penalty")
        extras["penalty"] = penalty
    if "hints" in data:
        hints = []
        for position, hint in enumerate(_list(data["hints"], "data.hints")):
            where = f"data.hints[{position}]"
            hint = _keys(hint, where, ("text",), ("shownumcorrect", "clearwrong", "options"))
            clean: dict[str, Any] = {"text": _string(hint["text"], f"{where}.text")}
            for flag in ("shownumcorrect", "clearwrong"):
                if flag in hint:
                    if not isinstance(hint[flag], bool):
                        raise _Invalid(
                            "wrong_json_type", field=f"{where}.{flag}", expected="true or false"
                        )
                    clean[flag] = hint[flag]
            if "options" in hint:
                clean["options"] = _string(hint["options"], f"{where}.options")
            hints.append(clean)
        extras["hints"] = hints
    if "moodle" in data:
        settings = data["moodle"]
        if not isinstance(settings, dict):
            raise _Invalid("wrong_json_type", field="data.moodle", expected="object")
        for key, value in settings.items():
            if not isinstance(value, str | bool | int) or not isinstance(key, str):
                raise _Invalid(
                    "wrong_json_type",
                    field=f"data.moodle.{key}",
                    expected="text, a number or true/false",
                )
        extras["moodle"] = dict(settings)
    return extras


def _single_choice(data: Any) -> dict[str, Any]:
    _keys(data, "data", ("options", "correct"), ("fractions",))
    ids = _Ids()
    options = _entries(data["options"], "data.options", ids, feedback=True)
    correct = _reference(data["correct"], "data.correct", ids.seen)
    clean: dict[str, Any] = {"options": options, "correct": correct}
    if "fractions" in data:  # credit per option, as Moodle's single-answer choice
        fractions = _fractions(data["fractions"], ids)
        if fractions.get(correct) != 1:
            raise _Invalid("must_be_full_credit", field=f"data.fractions.{correct}")
        clean["fractions"] = fractions
    return clean


def _fractions(value: Any, ids: _Ids) -> dict[str, int | float]:
    """Credit per option: option ids -> numbers from -1 to 1."""
    if not isinstance(value, dict):
        raise _Invalid("wrong_json_type", field="data.fractions", expected="an object")
    fractions: dict[str, int | float] = {}
    for key, credit in value.items():
        field = f"data.fractions.{key}"
        fractions[_reference(key, field, ids.seen)] = _number(credit, field)
        if not -1 <= fractions[key] <= 1:
            raise _Invalid("must_be_credit", field=field)
    return fractions


def _multiple_response(data: Any) -> dict[str, Any]:
    _keys(data, "data", ("options", "correct", "scoring"), ("fractions",))
    ids = _Ids()
    options = _entries(data["options"], "data.options", ids, feedback=True)
    correct: list[str] = []
    for position, value in enumerate(_list(data["correct"], "data.correct", minimum=1)):
        identifier = _reference(value, f"data.correct[{position}]", ids.seen)
        if identifier in correct:
            raise _Invalid("duplicate_entry", field="data.correct", id=identifier)
        correct.append(identifier)
    scoring = _choice(data["scoring"], "data.scoring", SCORINGS["multiple_response"])
    clean: dict[str, Any] = {"options": options, "correct": correct, "scoring": scoring}
    if "fractions" in data:  # Moodle's weights per option, which then replace the rule
        fractions = _fractions(data["fractions"], ids)
        if {key for key, credit in fractions.items() if credit > 0} != set(correct):
            raise _Invalid("credits_not_correct", field="data.fractions")
        clean["fractions"] = fractions
    return clean


def _true_false(data: Any) -> dict[str, Any]:
    _keys(data, "data", ("correct",), ("feedback_true", "feedback_false"))
    if not isinstance(data["correct"], bool):
        raise _Invalid("wrong_json_type", field="data.correct", expected="boolean")
    clean: dict[str, Any] = {"correct": data["correct"]}
    for key in ("feedback_true", "feedback_false"):
        if key in data:
            clean[key] = _string(data[key], f"data.{key}")
    return clean


def _numeric(data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and "answers" in data:
        # Several answers, units (issue 13): checked by the type when imported.
        return _checked_by_its_type(data)
    _keys(data, "data", ("answer", "tolerance"), ("unit",))
    clean: dict[str, Any] = {
        "answer": _number(data["answer"], "data.answer"),
        "tolerance": _number(data["tolerance"], "data.tolerance"),
    }
    if clean["tolerance"] < 0:
        raise _Invalid("must_not_be_negative", field="data.tolerance")
    if "unit" in data:
        clean["unit"] = _string(data["unit"], "data.unit")
    return clean


def _ordering(data: Any) -> dict[str, Any]:
    _keys(data, "data", ("items", "correct_order", "scoring"))
    ids = _Ids()
    items = _entries(data["items"], "data.items", ids)
    order = _list(data["correct_order"], "data.correct_order")
    for position, value in enumerate(order):
        _reference(value, f"data.correct_order[{position}]", ids.seen)
    if sorted(order) != sorted(ids.seen) or len(set(order)) != len(order):
        raise _Invalid("incomplete_order", field="data.correct_order")
    scoring = _choice(data["scoring"], "data.scoring", SCORINGS["ordering"])
    return {"items": items, "correct_order": list(order), "scoring": scoring}


def _matching(data: Any) -> dict[str, Any]:
    _keys(data, "data", ("premises", "responses", "correct", "scoring"))
    ids = _Ids()
    premises = _entries(data["premises"], "data.premises", ids)
    premise_ids = [premise["id"] for premise in premises]
    responses = _entries(data["responses"], "data.responses", ids)
    response_ids = [response["id"] for response in responses]
    correct = data["correct"]
    if not isinstance(correct, dict):
        raise _Invalid("wrong_json_type", field="data.correct", expected="object")
    for key, value in correct.items():
        _reference(key, "data.correct", premise_ids)
        _reference(value, f"data.correct.{key}", response_ids)
    if set(correct) != set(premise_ids):
        raise _Invalid("incomplete_matching", field="data.correct")
    scoring = _choice(data["scoring"], "data.scoring", SCORINGS["matching"])
    return {
        "premises": premises,
        "responses": responses,
        "correct": {premise_id: correct[premise_id] for premise_id in premise_ids},
        "scoring": scoring,
    }


def _hotspot(data: Any) -> dict[str, Any]:
    _keys(data, "data", ("image", "regions", "targets", "max_clicks", "wrong_click_penalty"))
    # "name": an image the platform generates or stores (see assessments/images.py).
    image = _keys(data["image"], "data.image", ("width", "height", "alt"), ("name",))
    width = _number(image["width"], "data.image.width")
    height = _number(image["height"], "data.image.height")
    for name, size in (("width", width), ("height", height)):
        if size <= 0:
            raise _Invalid("must_be_positive", field=f"data.image.{name}")
    alt = _string(image["alt"], "data.image.alt", non_empty=True)

    ids = _Ids()
    regions = []
    for position, region in enumerate(_list(data["regions"], "data.regions", minimum=1)):
        where = f"data.regions[{position}]"
        _keys(region, where, ("id", "label", "shape", "coords"))
        identifier = ids.add(region["id"], f"{where}.id")
        label = _string(region["label"], f"{where}.label", non_empty=True)
        shape = _choice(region["shape"], f"{where}.shape", ("rect", "polygon"))
        coords = _coords(region["coords"], f"{where}.coords", shape, width, height)
        regions.append({"id": identifier, "label": label, "shape": shape, "coords": coords})

    targets = _choice(data["targets"], "data.targets", ("any", "all"))
    max_clicks = _integer(data["max_clicks"], "data.max_clicks")
    if max_clicks < 1:
        raise _Invalid("must_be_positive", field="data.max_clicks")
    if targets == "all" and max_clicks < len(regions):
        raise _Invalid("too_few_clicks", field="data.max_clicks", minimum=len(regions))
    penalty = _number(data["wrong_click_penalty"], "data.wrong_click_penalty")
    if not 0 <= penalty <= 1:
        raise _Invalid("must_be_fraction", field="data.wrong_click_penalty")
    kept_image: dict[str, Any] = {"width": width, "height": height, "alt": alt}
    if "name" in image:
        kept_image = {
            "name": _string(image["name"], "data.image.name", non_empty=True),
            **kept_image,
        }
    return {
        "image": kept_image,
        "regions": regions,
        "targets": targets,
        "max_clicks": max_clicks,
        "wrong_click_penalty": penalty,
    }


def _coords(value: Any, path: str, shape: str, width: float, height: float) -> list:
    def inside(x: float, y: float) -> bool:
        return 0 <= x <= width and 0 <= y <= height

    coords = _list(value, path)
    if shape == "rect":
        if len(coords) != 4 or not all(_is_number(c) for c in coords):
            raise _Invalid("bad_coords", field=path, shape=shape)
        x, y, w, h = coords
        if w <= 0 or h <= 0 or not (inside(x, y) and inside(x + w, y + h)):
            raise _Invalid("bad_coords", field=path, shape=shape)
        return list(coords)
    if len(coords) < 3:
        raise _Invalid("bad_coords", field=path, shape=shape)
    for point in coords:
        if not (
            isinstance(point, list)
            and len(point) == 2
            and all(_is_number(c) for c in point)
            and inside(*point)
        ):
            raise _Invalid("bad_coords", field=path, shape=shape)
    doubled_area = sum(
        x1 * y2 - x2 * y1
        for (x1, y1), (x2, y2) in zip(coords, coords[1:] + coords[:1], strict=True)
    )
    if doubled_area == 0:
        raise _Invalid("bad_coords", field=path, shape=shape)
    return [list(point) for point in coords]


def _checked_by_its_type(data: Any) -> dict[str, Any]:
    """The data of a type without checks of its own here (added with issue 13: cloze and
    the others): an object, kept as it is; its type's own validation
    (``assessments.grading.validate_question``) checks it when it is imported."""
    if not isinstance(data, dict):
        raise _Invalid("wrong_json_type", field="data", expected="object")
    return json.loads(json.dumps(data))


_DATA_CHECKS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "single_choice": _single_choice,
    "multiple_response": _multiple_response,
    "true_false": _true_false,
    "numeric": _numeric,
    "ordering": _ordering,
    "matching": _matching,
    "hotspot": _hotspot,
}
