"""The SCORM run-time data model: what a SCO may write, checked before anything is stored.

No ORM. :func:`validate_commit` takes what the player frame sends on a commit (the
elements the SCO *wrote* in this session, flattened: ``{"cmi.core.lesson_status":
"completed", "cmi.interactions.0.id": "q1", ...}``) and answers either a
:class:`RuntimeUpdate` (the values to store, typed) or the list of :class:`CmiProblem`
that refuse the whole commit (nothing is stored then).

The rules are the SCORM data models' own:

- SCORM 1.2 (``cmi.core.*``, RTE 1.2 section 3.4): CMIString255/4096, CMIDecimal,
  CMITimespan (``HHHH:MM:SS.SS``), CMITime, CMIIdentifier, the status and exit
  vocabularies (``not attempted`` is not writable), scores 0-100.
- SCORM 2004 (``cmi.*``, RTE 4.2, 3rd/4th edition): characterstring SPMs (location 1000,
  suspend_data 64000), real(10,7) with ranges (``score.scaled`` -1..1,
  ``progress_measure`` 0..1), ISO 8601 durations and timestamps, long identifiers, the
  completion/success/exit vocabularies, interaction types and results.

Read-only elements (``cmi.core.student_id``, ``cmi.learner_id``, ``cmi.entry``,
``cmi.total_time``, ``cmi.launch_data``, ``_count`` and ``_children``...) and unknown ones
are refused: a SCO cannot write them through the API (scorm-again refuses them too), so
a commit that carries one did not come from the player. Collections are bounded
(:data:`MAX_INTERACTIONS`, :data:`MAX_OBJECTIVES`, ...) and their indexes must be
numbers below the bound; the body's size is bounded by the endpoint.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from .manifest import SCORM_12, SCORM_2004

MAX_INTERACTIONS = 250
MAX_OBJECTIVES = 100
MAX_COMMENTS = 100
MAX_PATTERNS = 36
"""``correct_responses`` patterns per interaction (SCORM 2004 requires at least 10 for
choice; 36 is the largest smallest-permitted maximum of any type)."""
MAX_INTERACTION_OBJECTIVES = 10
MAX_ELEMENTS = 12000
"""Elements in one commit: every interaction with every field stays well below."""
SUSPEND_DATA_LIMIT = {SCORM_12: 4096, SCORM_2004: 64000}

# --- value types ----------------------------------------------------------------------------

_DECIMAL_12 = re.compile(r"^-?\d{1,10}(\.\d{1,18})?$")
_REAL_2004 = re.compile(r"^-?(\d{1,10}(\.\d{0,18})?|\.\d{1,18})$")
_TIMESPAN_12 = re.compile(r"^(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?$")
_TIME_12 = re.compile(r"^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,2})?$")
_DURATION_2004 = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$"
)
_TIMESTAMP_2004 = re.compile(
    r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])"
    r"(T([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d{1,2})?)?)?"
    r"(Z|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)?)?)?)?$"
)
_IDENTIFIER_12 = re.compile(r"^[\x21-\x7e]{1,255}$")
_LONG_IDENTIFIER_2004 = re.compile(r"^\S{1,4000}$")
_LANGUAGE = re.compile(r"^$|^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


class CmiValueError(ValueError):
    """A value that breaks its element's type; ``code`` says which rule."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


Check = Callable[[str], Any]


def _string(limit: int) -> Check:
    def check(value: str) -> str:
        if len(value) > limit:
            raise CmiValueError("too_long", limit=limit)
        return value

    return check


def _vocabulary(*words: str) -> Check:
    allowed = frozenset(words)

    def check(value: str) -> str:
        if value not in allowed:
            raise CmiValueError("vocabulary", allowed=", ".join(sorted(w or '""' for w in allowed)))
        return value

    return check


def _number(pattern: re.Pattern[str], low: float | None, high: float | None) -> Check:
    def check(value: str) -> float:
        if not pattern.match(value):
            raise CmiValueError("not_a_number")
        number = float(value)
        if not math.isfinite(number):
            raise CmiValueError("not_a_number")
        if (low is not None and number < low) or (high is not None and number > high):
            raise CmiValueError(
                "out_of_range",
                low="" if low is None else _plain(low),
                high="" if high is None else _plain(high),
            )
        return number

    return check


def _plain(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


def _blank_or(check: Check) -> Check:
    """SCORM 1.2 scores may be set back to the empty string."""

    def wrapped(value: str) -> Any:
        return None if value == "" else check(value)

    return wrapped


def _integer(low: int, high: int) -> Check:
    def check(value: str) -> int:
        if not re.match(r"^-?\d{1,4}$", value):
            raise CmiValueError("not_an_integer")
        number = int(value)
        if not low <= number <= high:
            raise CmiValueError("out_of_range", low=low, high=high)
        return number

    return check


def _pattern(pattern: re.Pattern[str], code: str) -> Check:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise CmiValueError(code)
        return value

    return check


def timespan_12_seconds(value: str) -> float:
    """``HHHH:MM:SS.SS`` in seconds."""
    match = _TIMESPAN_12.match(value)
    if not match:
        raise CmiValueError("timespan")
    hours, minutes, seconds, fraction = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + float(fraction or 0)


def duration_2004_seconds(value: str) -> float:
    """An ISO 8601 duration (``PT1H2M3.5S``) in seconds (a month is 30 days, a year 365)."""
    match = _DURATION_2004.match(value)
    if not match or value in ("P", "PT") or value.endswith("T"):
        raise CmiValueError("duration")
    years, months, days, hours, minutes, seconds = match.groups()
    return (
        int(years or 0) * 365 * 86400
        + int(months or 0) * 30 * 86400
        + int(days or 0) * 86400
        + int(hours or 0) * 3600
        + int(minutes or 0) * 60
        + float(seconds or 0)
    )


def seconds_to_timespan_12(seconds: float) -> str:
    """Seconds as CMITimespan (``cmi.core.total_time``), hours capped at 9999."""
    centi = round(max(0.0, seconds) * 100)
    hours, rest = divmod(centi, 360000)
    minutes, rest = divmod(rest, 6000)
    return f"{min(hours, 9999):04d}:{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"


def seconds_to_duration_2004(seconds: float) -> str:
    """Seconds as an ISO 8601 duration (``cmi.total_time``)."""
    centi = round(max(0.0, seconds) * 100)
    hours, rest = divmod(centi, 360000)
    minutes, rest = divmod(rest, 6000)
    return f"PT{hours}H{minutes}M{rest // 100}.{rest % 100:02d}S"


# --- the data models: writable elements ------------------------------------------------------

_STATUS_12 = ("passed", "completed", "failed", "incomplete", "browsed")
_INTERACTION_TYPES_12 = (
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
)
_INTERACTION_TYPES_2004 = (*_INTERACTION_TYPES_12, "long-fill-in", "other")


def _result(words: tuple[str, ...], pattern: re.Pattern[str]) -> Check:
    def check(value: str) -> str:
        if value in words or pattern.match(value):
            return value
        raise CmiValueError("vocabulary", allowed=", ".join((*words, "<decimal>")))

    return check


_SCORE_12 = _blank_or(_number(_DECIMAL_12, 0, 100))
_DECIMAL_ANY_12 = _number(_DECIMAL_12, None, None)

SCORM_12_ELEMENTS: dict[str, Check] = {
    "cmi.core.lesson_location": _string(255),
    "cmi.core.lesson_status": _vocabulary(*_STATUS_12),
    "cmi.core.score.raw": _SCORE_12,
    "cmi.core.score.min": _SCORE_12,
    "cmi.core.score.max": _SCORE_12,
    "cmi.core.exit": _vocabulary("time-out", "suspend", "logout", ""),
    "cmi.core.session_time": timespan_12_seconds,
    "cmi.suspend_data": _string(SUSPEND_DATA_LIMIT[SCORM_12]),
    "cmi.comments": _string(4096),
    "cmi.student_preference.audio": _integer(-1, 100),
    "cmi.student_preference.language": _string(255),
    "cmi.student_preference.speed": _integer(-100, 100),
    "cmi.student_preference.text": _integer(-1, 1),
    "cmi.objectives.N.id": _pattern(_IDENTIFIER_12, "identifier"),
    "cmi.objectives.N.score.raw": _SCORE_12,
    "cmi.objectives.N.score.min": _SCORE_12,
    "cmi.objectives.N.score.max": _SCORE_12,
    "cmi.objectives.N.status": _vocabulary(*_STATUS_12, "not attempted"),
    "cmi.interactions.N.id": _pattern(_IDENTIFIER_12, "identifier"),
    "cmi.interactions.N.objectives.M.id": _pattern(_IDENTIFIER_12, "identifier"),
    "cmi.interactions.N.time": _pattern(_TIME_12, "time"),
    "cmi.interactions.N.type": _vocabulary(*_INTERACTION_TYPES_12),
    "cmi.interactions.N.correct_responses.M.pattern": _string(255),
    "cmi.interactions.N.weighting": _DECIMAL_ANY_12,
    "cmi.interactions.N.student_response": _string(255),
    "cmi.interactions.N.result": _result(
        ("correct", "wrong", "unanticipated", "neutral"), _DECIMAL_12
    ),
    "cmi.interactions.N.latency": _pattern(_TIMESPAN_12, "timespan"),
}

_REAL = _number(_REAL_2004, None, None)
_SCALED = _number(_REAL_2004, -1, 1)
_MEASURE = _number(_REAL_2004, 0, 1)
_COMPLETION_2004 = _vocabulary("completed", "incomplete", "not attempted", "unknown")
_SUCCESS_2004 = _vocabulary("passed", "failed", "unknown")
_LONG_ID = _pattern(_LONG_IDENTIFIER_2004, "identifier")

SCORM_2004_ELEMENTS: dict[str, Check] = {
    "cmi.location": _string(1000),
    "cmi.suspend_data": _string(SUSPEND_DATA_LIMIT[SCORM_2004]),
    "cmi.completion_status": _COMPLETION_2004,
    "cmi.success_status": _SUCCESS_2004,
    "cmi.exit": _vocabulary("time-out", "suspend", "logout", "normal", ""),
    "cmi.session_time": duration_2004_seconds,
    "cmi.score.scaled": _SCALED,
    "cmi.score.raw": _REAL,
    "cmi.score.min": _REAL,
    "cmi.score.max": _REAL,
    "cmi.progress_measure": _MEASURE,
    "cmi.learner_preference.audio_level": _number(_REAL_2004, 0, None),
    "cmi.learner_preference.language": _pattern(_LANGUAGE, "language"),
    "cmi.learner_preference.delivery_speed": _number(_REAL_2004, 0, None),
    "cmi.learner_preference.audio_captioning": _vocabulary("-1", "0", "1"),
    "cmi.comments_from_learner.N.comment": _string(4000),
    "cmi.comments_from_learner.N.location": _string(250),
    "cmi.comments_from_learner.N.timestamp": _pattern(_TIMESTAMP_2004, "timestamp"),
    "cmi.objectives.N.id": _LONG_ID,
    "cmi.objectives.N.score.scaled": _SCALED,
    "cmi.objectives.N.score.raw": _REAL,
    "cmi.objectives.N.score.min": _REAL,
    "cmi.objectives.N.score.max": _REAL,
    "cmi.objectives.N.success_status": _SUCCESS_2004,
    "cmi.objectives.N.completion_status": _COMPLETION_2004,
    "cmi.objectives.N.progress_measure": _MEASURE,
    "cmi.objectives.N.description": _string(250),
    "cmi.interactions.N.id": _LONG_ID,
    "cmi.interactions.N.type": _vocabulary(*_INTERACTION_TYPES_2004),
    "cmi.interactions.N.objectives.M.id": _LONG_ID,
    "cmi.interactions.N.timestamp": _pattern(_TIMESTAMP_2004, "timestamp"),
    "cmi.interactions.N.correct_responses.M.pattern": _string(4000),
    "cmi.interactions.N.weighting": _REAL,
    "cmi.interactions.N.learner_response": _string(4000),
    "cmi.interactions.N.result": _result(
        ("correct", "incorrect", "unanticipated", "neutral"), _REAL_2004
    ),
    "cmi.interactions.N.latency": duration_2004_seconds,
    "cmi.interactions.N.description": _string(250),
}

READ_ONLY = {
    SCORM_12: frozenset(
        {
            "cmi.core._children",
            "cmi.core.student_id",
            "cmi.core.student_name",
            "cmi.core.credit",
            "cmi.core.entry",
            "cmi.core.total_time",
            "cmi.core.lesson_mode",
            "cmi.core.score._children",
            "cmi.launch_data",
            "cmi.student_data.mastery_score",
            "cmi.student_data.max_time_allowed",
            "cmi.student_data.time_limit_action",
            "cmi.objectives._count",
            "cmi.interactions._count",
        }
    ),
    SCORM_2004: frozenset(
        {
            "cmi._version",
            "cmi.learner_id",
            "cmi.learner_name",
            "cmi.credit",
            "cmi.entry",
            "cmi.mode",
            "cmi.total_time",
            "cmi.launch_data",
            "cmi.scaled_passing_score",
            "cmi.completion_threshold",
            "cmi.max_time_allowed",
            "cmi.time_limit_action",
            "cmi.objectives._count",
            "cmi.interactions._count",
            "cmi.comments_from_learner._count",
            "cmi.comments_from_lms._count",
        }
    ),
}

_COLLECTIONS = {
    "objectives": MAX_OBJECTIVES,
    "interactions": MAX_INTERACTIONS,
    "comments_from_learner": MAX_COMMENTS,
}
_SUB_COLLECTIONS = {"objectives": MAX_INTERACTION_OBJECTIVES, "correct_responses": MAX_PATTERNS}
_INDEX = re.compile(r"\.(\d{1,5})(?=\.|$)")


# --- problems -----------------------------------------------------------------------------

MESSAGES: dict[str, Callable[[], str]] = {
    "not_an_object": lambda: gettext("The data must be a JSON object of element names and values."),
    "too_many": lambda: gettext("The data holds too many elements (at most {limit})."),
    "unknown": lambda: gettext("{element} is not an element of the SCORM {version} data model."),
    "read_only": lambda: gettext("{element} is read-only: a SCO cannot write it."),
    "not_text": lambda: gettext("{element} must be given as text."),
    "too_long": lambda: gettext("{element} is too long (at most {limit} characters)."),
    "vocabulary": lambda: gettext("{element} must be one of: {allowed}."),
    "not_a_number": lambda: gettext("{element} must be a decimal number."),
    "not_an_integer": lambda: gettext("{element} must be a whole number."),
    "out_of_range": lambda: gettext("{element} must be between {low} and {high}."),
    "timespan": lambda: gettext("{element} must be a time span written HHHH:MM:SS.SS."),
    "time": lambda: gettext("{element} must be a time of day written HH:MM:SS."),
    "duration": lambda: gettext("{element} must be an ISO 8601 duration such as PT1H30M5S."),
    "timestamp": lambda: gettext("{element} must be an ISO 8601 date and time."),
    "identifier": lambda: gettext("{element} must be an identifier without spaces."),
    "language": lambda: gettext("{element} must be a language code such as en or es-PE."),
    "index_too_large": lambda: gettext("{element}: at most {limit} entries are kept."),
}


@dataclass(frozen=True)
class CmiProblem:
    """Why a commit is refused: a stable code, the element concerned, the rule's values."""

    code: str
    element: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The translated sentence the officer's page shows."""
        return MESSAGES[self.code]().format(element=self.element, **self.params)


# --- the result -------------------------------------------------------------------------------


@dataclass
class RuntimeUpdate:
    """What a valid commit writes, in the storage's terms (both versions): statuses as
    SCORM 2004 names them (1.2's ``lesson_status`` mapped, and kept as written), seconds
    for times, interactions and objectives as lists of dicts keyed by field path."""

    version: str
    fields: dict[str, Any] = field(default_factory=dict)
    """Scalar columns present in the commit: location, suspend_data, lesson_status,
    completion_status, success_status, exit, score_raw/min/max/scaled, progress_measure,
    session_seconds."""
    interactions: dict[int, dict[str, Any]] = field(default_factory=dict)
    objectives: dict[int, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Everything else the SCO wrote (preferences, comments), by element name."""


_SCALARS = {
    "cmi.core.lesson_location": "location",
    "cmi.location": "location",
    "cmi.suspend_data": "suspend_data",
    "cmi.core.lesson_status": "lesson_status",
    "cmi.completion_status": "completion_status",
    "cmi.success_status": "success_status",
    "cmi.core.exit": "exit",
    "cmi.exit": "exit",
    "cmi.core.score.raw": "score_raw",
    "cmi.core.score.min": "score_min",
    "cmi.core.score.max": "score_max",
    "cmi.score.raw": "score_raw",
    "cmi.score.min": "score_min",
    "cmi.score.max": "score_max",
    "cmi.score.scaled": "score_scaled",
    "cmi.progress_measure": "progress_measure",
    "cmi.core.session_time": "session_seconds",
    "cmi.session_time": "session_seconds",
}


def status_from_12(lesson_status: str) -> tuple[str, str]:
    """(completion_status, success_status) of a SCORM 1.2 ``lesson_status`` (the mapping
    of ADL's SCORM 2004 conversion guidelines: ``passed`` and ``failed`` are attempts that
    ended, ``browsed`` one that did not)."""
    return {
        "passed": ("completed", "passed"),
        "failed": ("completed", "failed"),
        "completed": ("completed", "unknown"),
        "incomplete": ("incomplete", "unknown"),
        "browsed": ("incomplete", "unknown"),
    }.get(lesson_status, ("not attempted", "unknown"))


def _template(element: str) -> tuple[str, list[int]]:
    """``cmi.interactions.3.objectives.0.id`` -> (``cmi.interactions.N.objectives.M.id``,
    [3, 0])."""
    indexes: list[int] = []

    def replace(match: re.Match[str]) -> str:
        indexes.append(int(match.group(1)))
        return ".N" if len(indexes) == 1 else ".M"

    return _INDEX.sub(replace, element), indexes


def validate_commit(version: str, data: Any) -> RuntimeUpdate | list[CmiProblem]:
    """The typed update a commit's elements make, or every problem found (the commit is
    then refused whole). ``version`` is ``"1.2"`` or ``"2004"``."""
    if not isinstance(data, dict):
        return [CmiProblem("not_an_object")]
    if len(data) > MAX_ELEMENTS:
        return [CmiProblem("too_many", params={"limit": MAX_ELEMENTS})]
    elements = SCORM_12_ELEMENTS if version == SCORM_12 else SCORM_2004_ELEMENTS
    read_only = READ_ONLY[SCORM_12 if version == SCORM_12 else SCORM_2004]
    label = "1.2" if version == SCORM_12 else "2004"
    update = RuntimeUpdate(version=version)
    problems: list[CmiProblem] = []
    for element, value in data.items():
        if not isinstance(element, str) or len(element) > 255:
            problems.append(CmiProblem("unknown", str(element)[:80], {"version": label}))
            continue
        if element in read_only or element.endswith(("._children", "._count")):
            problems.append(CmiProblem("read_only", element))
            continue
        template, indexes = _template(element)
        check = elements.get(template)
        if check is None:
            problems.append(CmiProblem("unknown", element, {"version": label}))
            continue
        if not isinstance(value, str):
            problems.append(CmiProblem("not_text", element))
            continue
        parts = template.split(".")
        collection = parts[1]
        if indexes:
            limit = _COLLECTIONS.get(collection, MAX_OBJECTIVES)
            if indexes[0] >= limit:
                problems.append(CmiProblem("index_too_large", element, {"limit": limit}))
                continue
            if len(indexes) > 1:
                sub_limit = _SUB_COLLECTIONS.get(parts[3], MAX_PATTERNS)
                if indexes[1] >= sub_limit:
                    problems.append(CmiProblem("index_too_large", element, {"limit": sub_limit}))
                    continue
        try:
            typed = check(value)
        except CmiValueError as error:
            problems.append(CmiProblem(error.code, element, error.params))
            continue
        _place(update, element, template, indexes, typed, value)
    if problems:
        return problems
    _derive_statuses(update)
    return update


def _place(
    update: RuntimeUpdate,
    element: str,
    template: str,
    indexes: list[int],
    typed: Any,
    raw: str,
) -> None:
    if element in _SCALARS:
        update.fields[_SCALARS[element]] = typed
        return
    if not indexes:
        update.extra[element] = raw
        return
    collection = template.split(".")[1]
    # The field path inside one entry: "id", "score.raw", "objectives.0.id"...
    entry_path = element.split(".", 3)[3]
    if collection == "interactions":
        update.interactions.setdefault(indexes[0], {})[entry_path] = raw
    elif collection == "objectives":
        update.objectives.setdefault(indexes[0], {})[entry_path] = raw
    else:
        update.extra[element] = raw


def _derive_statuses(update: RuntimeUpdate) -> None:
    """SCORM 1.2's ``lesson_status`` also sets the 2004 pair the rollup reads."""
    status = update.fields.get("lesson_status")
    if status is not None:
        completion, success = status_from_12(status)
        update.fields["completion_status"] = completion
        update.fields["success_status"] = success
