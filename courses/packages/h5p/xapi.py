"""Rules for the xAPI statements H5P content sends (xAPI 1.0.3, Data part).

Plain Python, no Django. :func:`validate_statement` lists every problem of one statement
(empty when it may be stored); :func:`statement_facts` reads what the platform needs from a
valid statement; :func:`prepare_statement` builds the statement as it is stored and
forwarded: the browser's statement whole, with the properties only the server may set
replaced.

Problems are not rendered for end users here. Each :class:`Problem` carries a stable
``code``, the ``path`` of the property concerned (``result.score.raw``) and ``params``;
:data:`MESSAGES` holds the plain-English templates, keyed by code, that the Django layer
translates (``gettext(template).format(path=..., **params)``).

What is checked, after xAPI 1.0.3:

- the statement is a JSON object of at most :data:`MAX_STATEMENT_BYTES` (the endpoint's
  limit, as compact UTF-8 JSON) nested at most :data:`MAX_DEPTH` deep, with no text the
  database cannot store (NUL, half a surrogate pair);
- only the statement properties xAPI defines (``id``, ``actor``, ``verb``, ``object``,
  ``result``, ``context``, ``timestamp``, ``stored``, ``authority``, ``version``,
  ``attachments``), and inside ``verb``, ``object``, its ``definition``, ``result``,
  ``result.score``, ``context`` and ``context.contextActivities`` only theirs: an LRS
  refuses the others, so they are refused here rather than later by the LRS;
- ``id``, when present, is a UUID (the page gives one to every statement and keeps it for
  retries; the server gives one when it is missing);
- ``verb.id`` and ``object.id`` are present and absolute IRIs (a scheme, and a host after
  ``//`` for http and https), ``verb.display``, ``definition.name`` and
  ``definition.description`` are language maps;
- the object is an Activity (``objectType`` absent or ``Activity``): the endpoint records
  activities of a lesson, never agents, groups or statements about statements;
- ``result.score``: every value a finite number; ``scaled`` between -1 and 1; ``min`` below
  ``max``; ``raw`` between ``min`` and ``max`` when they are given. Negative ``raw`` and
  ``min`` are valid xAPI, and so is a score with ``scaled`` alone;
- ``result.success`` and ``result.completion`` are booleans, ``result.response`` text,
  ``result.duration`` an ISO 8601 duration;
- every extensions key (``object.definition``, ``result``, ``context``) is an absolute IRI;
- ``context.registration`` is a UUID, ``context.contextActivities`` lists activities,
  ``context.language`` is a language tag;
- ``attachments`` are refused: they need a multipart request, which H5P never sends.

What the server sets, whatever the browser sent (:func:`prepare_statement`): ``actor`` (the
signed-in officer as an Agent with an ``account`` on the platform's public address and an
opaque name), ``authority`` (the platform), ``timestamp`` and ``stored`` (the server's
clock: the browser's is a claim), ``id`` when missing and ``version`` (``1.0.3`` unless the
statement names a 1.0 version). The browser's ``actor``, ``timestamp``, ``stored`` and
``authority`` are not validated: they are replaced.

Decisions where H5P and the specification disagree:

- H5P writes ``{"min": 0, "max": 0, "raw": 0}`` for content with nothing to score (a
  CoursePresentation or InteractiveVideo without tasks); xAPI requires ``max`` above
  ``min``. Such a score is dropped from the stored statement (the one change made to what
  the browser sent besides the server's properties) and the facts say
  ``nothing_to_score``.
- A ``raw`` score beyond ``min`` or ``max`` by floating-point drift (a millionth of the
  range) is clamped; anything further is refused.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

XAPI_VERSION = "1.0.3"
MAX_STATEMENT_BYTES = 64 * 1024
"""Largest statement accepted, as compact UTF-8 JSON (the endpoint refuses larger bodies)."""
MAX_DEPTH = 16
"""Deepest nesting accepted (H5P's statements nest about 6 deep)."""
MAX_IRI_LENGTH = 2048
DRIFT = 1e-6
"""Share of a score's range by which ``raw`` may pass ``min`` or ``max`` and be clamped."""

H5P_LOCAL_CONTENT_ID = "http://h5p.org/x-api/h5p-local-content-id"
H5P_SUB_CONTENT_ID = "http://h5p.org/x-api/h5p-subContentId"
H5P_LIBRARY_PREFIX = "http://h5p.org/libraries/"
ENDING_POINT = "http://id.tincanapi.com/extension/ending-point"
ADL_VERBS = "http://adlnet.gov/expapi/verbs/"

STATEMENT_KEYS = frozenset(
    {
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
    }
)
VERB_KEYS = frozenset({"id", "display"})
OBJECT_KEYS = frozenset({"objectType", "id", "definition"})
DEFINITION_KEYS = frozenset(
    {
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
        "choices",
        "scale",
        "source",
        "target",
        "steps",
    }
)
INTERACTION_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
INTERACTION_TYPES = frozenset(
    {
        "true-false",
        "choice",
        "fill-in",
        "long-fill-in",
        "matching",
        "performance",
        "sequencing",
        "likert",
        "numeric",
        "other",
    }
)
RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
CONTEXT_KEYS = frozenset(
    {
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    }
)
CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})
ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})

_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):([^\s<>\"{}|\\^`\x00-\x1f\x7f]+)$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = re.compile(
    rf"^P(?=\d|T\d)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$"
)
_VERSION = re.compile(r"^1\.0(\.\d+)?$")


def gettext_noop(message: str) -> str:
    """Marks a message for translation catalogues without importing Django; the Django
    layer translates it when it shows the problem (see ``courses.services``)."""
    return message


MESSAGES: dict[str, str] = {
    "not_an_object": gettext_noop("The statement must be a JSON object."),
    "too_large": gettext_noop("The statement is larger than {limit} KB."),
    "too_deep": gettext_noop("The statement is nested more than {limit} levels deep."),
    "bad_character": gettext_noop(
        "{path} contains a character that is not allowed (NUL, or half of a pair)."
    ),
    "unknown_property": gettext_noop("{path} is not a property xAPI defines here."),
    "missing": gettext_noop("{path} is required."),
    "not_object": gettext_noop("{path} must be a JSON object."),
    "not_list": gettext_noop("{path} must be a list."),
    "not_text": gettext_noop("{path} must be text."),
    "not_boolean": gettext_noop("{path} must be true or false."),
    "not_number": gettext_noop("{path} must be a finite number."),
    "not_iri": gettext_noop(
        "{path} must be an absolute IRI with a scheme (such as https://…), "
        "of at most {limit} characters."
    ),
    "not_iri_key": gettext_noop("The extension {key} in {path} must be named by an absolute IRI."),
    "not_uuid": gettext_noop("{path} must be a UUID."),
    "not_language_map": gettext_noop("{path} must map language tags (such as en-US) to text."),
    "not_language_tag": gettext_noop("{path} must be a language tag such as en-US."),
    "not_duration": gettext_noop("{path} must be an ISO 8601 duration such as PT1M30S."),
    "not_activity": gettext_noop(
        "The statement's object must be an activity (objectType Activity), not {value}."
    ),
    "not_statement_ref": gettext_noop("{path} must be a statement reference (StatementRef)."),
    "bad_interaction_type": gettext_noop("{path} must be one of the xAPI interaction types."),
    "scaled_out_of_range": gettext_noop("{path} must be between -1 and 1."),
    "min_not_below_max": gettext_noop("The score's min ({min}) must be below its max ({max})."),
    "raw_out_of_range": gettext_noop("The score {raw} is outside its range ({min} to {max})."),
    "bad_version": gettext_noop("version must be an xAPI 1.0 version such as 1.0.3."),
    "attachments": gettext_noop("Statements with attachments are not accepted here."),
}


@dataclass(frozen=True)
class Problem:
    code: str
    path: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return MESSAGES[self.code]

    def render(self, translate: Any = lambda message: message) -> str:
        """The message in plain English, or through ``translate`` (gettext)."""
        return translate(self.template).format(path=self.path, **self.params)


# --- helpers --------------------------------------------------------------------------------


def is_iri(value: Any) -> bool:
    """An absolute IRI: a scheme, then no spaces or characters IRIs exclude; http(s)
    IRIs name a host."""
    if not isinstance(value, str) or len(value) > MAX_IRI_LENGTH:
        return False
    match = _IRI.match(value)
    if match is None:
        return False
    if match.group(1).lower() in ("http", "https"):
        rest = match.group(2)
        return rest.startswith("//") and len(rest) > 2 and rest[2] not in "/?#"
    return True


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and _UUID.match(value) is not None


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer with hundreds of digits
        return False


def _depth_and_text(value: Any) -> tuple[int, str | None]:
    """How deeply ``value`` nests, and the path of the first string (or key) holding a NUL
    or a lone surrogate. Iterative: no recursion on hostile input."""
    deepest, bad = 0, None
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if bad is None and _bad_text(key):
                    bad = path or "statement"
                stack.append((child, depth + 1, child_path))
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1, f"{path}[{i}]") for i, child in enumerate(item))
        elif bad is None and isinstance(item, str) and _bad_text(item):
            bad = path or "statement"
    return deepest, bad


def _bad_text(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def encoded_size(statement: Any) -> int:
    """Bytes of ``statement`` as compact UTF-8 JSON."""
    return len(json.dumps(statement, ensure_ascii=False, separators=(",", ":")).encode())


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: str, path: str = "", **params: Any) -> None:
        self.problems.append(Problem(code, path, params))

    def keys(self, value: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
        for key in value:
            if key not in allowed:
                self.add("unknown_property", f"{path}.{key}" if path else str(key))

    def object(self, value: Any, path: str) -> bool:
        if not isinstance(value, dict):
            self.add("not_object", path)
            return False
        return True

    def iri(self, value: Any, path: str) -> None:
        if value is None:
            self.add("missing", path)
        elif not is_iri(value):
            self.add("not_iri", path, limit=MAX_IRI_LENGTH)

    def text(self, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.add("not_text", path)

    def language_map(self, value: Any, path: str) -> None:
        if not isinstance(value, dict) or not all(
            isinstance(tag, str) and _LANGUAGE_TAG.match(tag) and isinstance(text, str)
            for tag, text in value.items()
        ):
            self.add("not_language_map", path)

    def extensions(self, value: Any, path: str) -> None:
        if not self.object(value, path):
            return
        for key in value:
            if not is_iri(key):
                self.add("not_iri_key", path, key=str(key)[:80])

    def activity(self, value: Any, path: str) -> None:
        if not self.object(value, path):
            return
        self.keys(value, ACTIVITY_KEYS, path)
        if value.get("objectType", "Activity") != "Activity":
            self.add("not_activity", path, value=str(value.get("objectType"))[:40])
        self.iri(value.get("id"), f"{path}.id")
        if "definition" in value:
            self.definition(value["definition"], f"{path}.definition")

    def definition(self, value: Any, path: str) -> None:
        if not self.object(value, path):
            return
        self.keys(value, DEFINITION_KEYS, path)
        for name in ("name", "description"):
            if name in value:
                self.language_map(value[name], f"{path}.{name}")
        for name in ("type", "moreInfo"):
            if name in value:
                self.iri(value[name], f"{path}.{name}")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{path}.extensions")
        if "interactionType" in value and value["interactionType"] not in INTERACTION_TYPES:
            self.add("bad_interaction_type", f"{path}.interactionType")
        if "correctResponsesPattern" in value:
            pattern = value["correctResponsesPattern"]
            if not isinstance(pattern, list):
                self.add("not_list", f"{path}.correctResponsesPattern")
            else:
                for i, item in enumerate(pattern):
                    self.text(item, f"{path}.correctResponsesPattern[{i}]")
        for name in INTERACTION_COMPONENT_LISTS:
            if name not in value:
                continue
            components = value[name]
            if not isinstance(components, list):
                self.add("not_list", f"{path}.{name}")
                continue
            for i, component in enumerate(components):
                where = f"{path}.{name}[{i}]"
                if not self.object(component, where):
                    continue
                self.keys(component, frozenset({"id", "description"}), where)
                self.text(component.get("id"), f"{where}.id")
                if "description" in component:
                    self.language_map(component["description"], f"{where}.description")

    def score(self, value: Any, path: str) -> None:
        if not self.object(value, path):
            return
        self.keys(value, SCORE_KEYS, path)
        numbers = {}
        for name in ("scaled", "raw", "min", "max"):
            if name in value:
                if _is_number(value[name]):
                    numbers[name] = float(value[name])
                else:
                    self.add("not_number", f"{path}.{name}")
        if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
            self.add("scaled_out_of_range", f"{path}.scaled")
        if _nothing_to_score(value):
            return
        low, high = numbers.get("min"), numbers.get("max")
        if low is not None and high is not None and low >= high:
            self.add("min_not_below_max", path, min=value["min"], max=value["max"])
            return
        raw = numbers.get("raw")
        if raw is None:
            return
        drift = DRIFT * (high - low if low is not None and high is not None else 1.0)
        if (low is not None and raw < low - drift) or (high is not None and raw > high + drift):
            self.add(
                "raw_out_of_range",
                f"{path}.raw",
                raw=value["raw"],
                min=value.get("min", "−∞"),
                max=value.get("max", "∞"),
            )


def _nothing_to_score(score: Any) -> bool:
    """H5P's score of content with nothing to score: max 0, raw 0, min 0 or absent."""
    return (
        isinstance(score, dict)
        and score.get("max") == 0
        and score.get("raw", 0) == 0
        and score.get("min", 0) == 0
        and score.get("scaled", 0) == 0
        and not any(isinstance(score.get(k), bool) for k in SCORE_KEYS)
    )


# --- validation -----------------------------------------------------------------------------


def validate_statement(statement: Any) -> list[Problem]:
    """Every problem of ``statement`` (empty when it may be stored)."""
    check = _Checker()
    if not isinstance(statement, dict):
        check.add("not_an_object")
        return check.problems
    depth, bad_path = _depth_and_text(statement)
    if depth > MAX_DEPTH:
        check.add("too_deep", limit=MAX_DEPTH)
        return check.problems
    if bad_path is not None:
        check.add("bad_character", bad_path)
        return check.problems
    if encoded_size(statement) > MAX_STATEMENT_BYTES:
        check.add("too_large", limit=MAX_STATEMENT_BYTES // 1024)
        return check.problems
    check.keys(statement, STATEMENT_KEYS, "")

    if "id" in statement and not is_uuid(statement["id"]):
        check.add("not_uuid", "id")
    if "version" in statement and not (
        isinstance(statement["version"], str) and _VERSION.match(statement["version"])
    ):
        check.add("bad_version", "version")
    if "attachments" in statement:
        check.add("attachments", "attachments")

    verb = statement.get("verb")
    if verb is None:
        check.add("missing", "verb")
    elif check.object(verb, "verb"):
        check.keys(verb, VERB_KEYS, "verb")
        check.iri(verb.get("id"), "verb.id")
        if "display" in verb:
            check.language_map(verb["display"], "verb.display")

    target = statement.get("object")
    if target is None:
        check.add("missing", "object")
    elif check.object(target, "object"):
        check.keys(target, OBJECT_KEYS, "object")
        if target.get("objectType", "Activity") != "Activity":
            check.add("not_activity", "object.objectType", value=str(target["objectType"])[:40])
        else:
            check.iri(target.get("id"), "object.id")
            if "definition" in target:
                check.definition(target["definition"], "object.definition")

    if "result" in statement:
        _check_result(check, statement["result"])
    if "context" in statement:
        _check_context(check, statement["context"])
    return check.problems


def _check_result(check: _Checker, result: Any) -> None:
    if not check.object(result, "result"):
        return
    check.keys(result, RESULT_KEYS, "result")
    if "score" in result:
        check.score(result["score"], "result.score")
    for name in ("success", "completion"):
        if name in result and not isinstance(result[name], bool):
            check.add("not_boolean", f"result.{name}")
    if "response" in result:
        check.text(result["response"], "result.response")
    if "duration" in result:
        duration = result["duration"]
        if not (isinstance(duration, str) and len(duration) <= 64 and _DURATION.match(duration)):
            check.add("not_duration", "result.duration")
    if "extensions" in result:
        check.extensions(result["extensions"], "result.extensions")


def _check_context(check: _Checker, context: Any) -> None:
    if not check.object(context, "context"):
        return
    check.keys(context, CONTEXT_KEYS, "context")
    if "registration" in context and not is_uuid(context["registration"]):
        check.add("not_uuid", "context.registration")
    for name in ("instructor", "team"):
        if name in context:
            check.object(context[name], f"context.{name}")
    for name in ("revision", "platform"):
        if name in context:
            check.text(context[name], f"context.{name}")
    if "language" in context and not (
        isinstance(context["language"], str) and _LANGUAGE_TAG.match(context["language"])
    ):
        check.add("not_language_tag", "context.language")
    if "statement" in context:
        reference = context["statement"]
        if (
            not isinstance(reference, dict)
            or reference.get("objectType") != "StatementRef"
            or not is_uuid(reference.get("id"))
        ):
            check.add("not_statement_ref", "context.statement")
    if "extensions" in context:
        check.extensions(context["extensions"], "context.extensions")
    if "contextActivities" in context:
        activities = context["contextActivities"]
        if check.object(activities, "context.contextActivities"):
            check.keys(activities, CONTEXT_ACTIVITY_KEYS, "context.contextActivities")
            for name in CONTEXT_ACTIVITY_KEYS & activities.keys():
                value = activities[name]
                items = value if isinstance(value, list) else [value]
                for i, item in enumerate(items):
                    suffix = f"[{i}]" if isinstance(value, list) else ""
                    check.activity(item, f"context.contextActivities.{name}{suffix}")


# --- what a valid statement says -----------------------------------------------------------


@dataclass(frozen=True)
class Score:
    raw: float | None
    min: float | None
    max: float | None
    scaled: float | None

    @property
    def fraction(self) -> float | None:
        """How much of the possible score was reached: ``scaled`` when given (xAPI's
        normalised score), else ``(raw - min) / (max - min)`` with ``min`` 0 when absent;
        None when neither can be known."""
        if self.scaled is not None:
            return self.scaled
        if self.raw is None or self.max is None:
            return None
        low = self.min if self.min is not None else 0.0
        if self.max <= low:
            return None
        return (self.raw - low) / (self.max - low)


@dataclass(frozen=True)
class Facts:
    """What the platform reads from a valid statement."""

    statement_id: str | None
    verb: str
    object_id: str
    sub_content: bool
    """True for statements of sub-content: a parent in ``context.contextActivities`` or an
    ``h5p-subContentId`` extension on the object."""
    score: Score | None
    nothing_to_score: bool
    success: bool | None
    completion: bool | None
    ending_point: int | None
    """The step reached (CoursePresentation's slide number in ``progressed``)."""
    library: str | None
    """The H5P library named in ``context.contextActivities.category`` (``H5P.MultiChoice``)."""

    @property
    def verb_name(self) -> str:
        """``answered`` for ADL's verbs, the whole IRI for others."""
        if self.verb.startswith(ADL_VERBS):
            return self.verb[len(ADL_VERBS) :]
        return self.verb


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statement_facts(statement: Mapping[str, Any]) -> Facts:
    """What a statement that :func:`validate_statement` accepted says."""
    target = statement["object"]
    definition = target.get("definition") or {}
    object_extensions = definition.get("extensions") or {}
    context = statement.get("context") or {}
    activities = context.get("contextActivities") or {}
    result = statement.get("result") or {}
    raw_score = result.get("score")
    score = None
    if raw_score is not None and not _nothing_to_score(raw_score):
        values = {k: (float(raw_score[k]) if k in raw_score else None) for k in SCORE_KEYS}
        if values["raw"] is not None:
            if values["min"] is not None:
                values["raw"] = max(values["raw"], values["min"])
            if values["max"] is not None:
                values["raw"] = min(values["raw"], values["max"])
        score = Score(**values)
    ending = object_extensions.get(
        ENDING_POINT, (context.get("extensions") or {}).get(ENDING_POINT)
    )
    library = None
    for item in _as_list(activities.get("category")):
        item_id = item.get("id", "")
        if item_id.startswith(H5P_LIBRARY_PREFIX):
            library = item_id[len(H5P_LIBRARY_PREFIX) :].rsplit("-", 1)[0]
            break
    success, completion = result.get("success"), result.get("completion")
    return Facts(
        statement_id=statement.get("id"),
        verb=statement["verb"]["id"],
        object_id=target["id"],
        sub_content=bool(_as_list(activities.get("parent")))
        or H5P_SUB_CONTENT_ID in object_extensions,
        score=score,
        nothing_to_score=raw_score is not None and _nothing_to_score(raw_score),
        success=success,
        completion=completion,
        ending_point=ending if isinstance(ending, int) and not isinstance(ending, bool) else None,
        library=library,
    )


def officer_agent(*, home_page: str, name: str) -> dict[str, Any]:
    """The Agent that stands for an officer: an account on the platform, named by an opaque
    id (never the username or the e-mail address)."""
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}


def prepare_statement(
    statement: Mapping[str, Any],
    *,
    statement_id: str,
    actor: Mapping[str, Any],
    authority: Mapping[str, Any],
    now: str,
) -> dict[str, Any]:
    """The statement as stored and forwarded: the browser's statement whole, with ``id``,
    ``actor``, ``authority``, ``timestamp``, ``stored`` and ``version`` set by the server,
    H5P's empty score (see the module's decisions) dropped and floating-point drift of
    ``raw`` clamped."""
    prepared = copy.deepcopy(dict(statement))
    prepared["id"] = statement_id
    prepared["actor"] = copy.deepcopy(dict(actor))
    prepared["authority"] = copy.deepcopy(dict(authority))
    prepared["timestamp"] = now
    prepared["stored"] = now
    prepared.setdefault("version", XAPI_VERSION)
    result = prepared.get("result")
    if isinstance(result, dict) and "score" in result:
        score = result["score"]
        if _nothing_to_score(score):
            del result["score"]
        elif "raw" in score:
            raw = score["raw"]
            if "min" in score and raw < score["min"]:
                score["raw"] = score["min"]
            if "max" in score and raw > score["max"]:
                score["raw"] = score["max"]
    return prepared


LRS_FIELDS = frozenset({"stored", "authority"})
"""Properties an LRS may set itself: not compared when deciding whether two statements
with one id are the same."""


def same_statement(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """Whether two prepared statements with the same id say the same thing (xAPI's
    equivalence: everything but what the LRS and the server set on arrival)."""
    ignored = LRS_FIELDS | {"timestamp", "version"}
    return {k: v for k, v in first.items() if k not in ignored} == {
        k: v for k, v in second.items() if k not in ignored
    }
