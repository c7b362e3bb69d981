"""Essay: free text (and optional attached files) that a person grades.

The officer writes an answer, within word limits when the question sets them, and may
attach up to three files. Nothing is graded automatically: :meth:`Essay.grade` returns a
*pending* grade and the attempt waits for a training manager, who chooses one level per
criterion of the question's rubric (points per level; the fraction is the points earned
over the rubric's maximum) or, without a rubric, gives a fraction of the points
(``assessments/marking``).

Decisions where the format is silent:

- Word limits guide the officer and the grader; they never refuse an answer (an autosave
  refused for one word too many would lose the officer's text). The attempt page counts
  words as the officer types and says when the count is outside the limits; the grading
  page shows the count and flags it. Words are runs of non-space characters.
- The text is kept as typed (line breaks included) up to :data:`MAX_TEXT_CHARS`
  characters; longer text is refused (``too_long``). It is shown as plain text, never as
  HTML.
- ``files`` holds the keys of stored files (random, 32 hexadecimal digits). That a key is
  one of this response's files is checked by the service that stores the answer (the
  type has no database); here only its shape and the number of files are checked.
- The rubric and the grader information are never shown to the officer before the
  review; the public view carries the limits, the file rules and the response template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .base import (
    RESPONSE_ERROR_MESSAGES,
    Problem,
    QuestionType,
    ResponseError,
    check_unique,
    gettext_noop,
    is_id,
    is_number,
    show,
)

if TYPE_CHECKING:
    from ..gift import GiftQuestionReader, GiftQuestionWriter
    from ..interchange.moodlexml import MoodleQuestionReader, MoodleQuestionWriter
    from ..interchange.qti import QtiItemReader, QtiItemWriter

MAX_TEXT_CHARS = 20_000
"""Longest essay accepted (characters), about 3,000 words."""

MAX_ATTACHMENTS = 3

FILE_TYPES: tuple[str, ...] = (".pdf", ".docx", ".odt", ".txt", ".png", ".jpg")
"""The file types an essay may accept; a question may narrow them (``file_types``)."""

FILE_TYPE_ALIASES = {".jpeg": ".jpg"}

# The refusals only essays give (the shared ones are in ``base``).
RESPONSE_ERROR_MESSAGES.setdefault(
    "too_many_files",
    gettext_noop("At most {limit} files may be attached to this answer."),
)
RESPONSE_ERROR_MESSAGES.setdefault(
    "unknown_file",
    gettext_noop("A file of this answer was not found: attach it again."),
)

_KEY_RE = re.compile(r"[0-9a-f]{32}")
_WORD_RE = re.compile(r"\S+")


def word_count(text: str) -> int:
    return len(_WORD_RE.findall(text or ""))


def file_types(data: Mapping[str, Any]) -> list[str]:
    """The file types this question accepts (every type of :data:`FILE_TYPES` when it
    names none)."""
    named = data.get("file_types")
    if not isinstance(named, list) or not named:
        return list(FILE_TYPES)
    wanted = {FILE_TYPE_ALIASES.get(t.lower(), t.lower()) for t in named if isinstance(t, str)}
    return [t for t in FILE_TYPES if t in wanted]


def attachments_allowed(data: Mapping[str, Any]) -> int:
    value = data.get("attachments", 0)
    return value if isinstance(value, int) and 0 <= value <= MAX_ATTACHMENTS else 0


def rubric_criteria(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The rubric's criteria, or an empty list when the question has no rubric."""
    rubric = data.get("rubric")
    if not isinstance(rubric, Mapping):
        return []
    criteria = rubric.get("criteria")
    return [c for c in criteria if isinstance(c, Mapping)] if isinstance(criteria, list) else []


def rubric_maximum(data: Mapping[str, Any]) -> Fraction:
    """The most points the rubric gives: the best level of every criterion."""
    total = Fraction(0)
    for criterion in rubric_criteria(data):
        points = [
            Fraction(level["points"])
            for level in criterion.get("levels") or []
            if isinstance(level, Mapping) and is_number(level.get("points"))
        ]
        total += max(points, default=Fraction(0))
    return total


class RubricError(ValueError):
    """A grader's rubric choices that do not fit the rubric (``code``: ``missing``,
    ``unknown_criterion``, ``unknown_level``)."""

    def __init__(self, code: str, criterion: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.criterion = criterion


def rubric_fraction(data: Mapping[str, Any], chosen: Mapping[str, Any]) -> tuple[Fraction, dict]:
    """The fraction earned by one level chosen per criterion (``{criterion id: level
    id}``), with the points of each criterion. Every criterion needs a level; an unknown
    criterion or level raises :class:`RubricError`."""
    criteria = rubric_criteria(data)
    known = {c.get("id") for c in criteria}
    for criterion_id in chosen:
        if criterion_id not in known:
            raise RubricError("unknown_criterion", str(criterion_id))
    earned = Fraction(0)
    points: dict[str, float] = {}
    for criterion in criteria:
        criterion_id = criterion.get("id")
        level_id = chosen.get(criterion_id)
        if level_id in (None, ""):
            raise RubricError("missing", str(criterion_id))
        level = next(
            (
                lv
                for lv in criterion.get("levels") or []
                if isinstance(lv, Mapping) and lv.get("id") == level_id
            ),
            None,
        )
        if level is None:
            raise RubricError("unknown_level", str(criterion_id))
        earned += Fraction(level["points"])
        points[criterion_id] = float(level["points"])
    maximum = rubric_maximum(data)
    fraction = earned / maximum if maximum else Fraction(0)
    return min(Fraction(1), fraction), {"points": points, "earned": float(earned)}


class Essay(QuestionType):
    name = "essay"
    label = gettext_noop("Essay (graded by a person)")
    response_field = "text"
    response_fields = ("text", "files")
    script = "js/types/essay.js"
    blank = ""
    public_keys = (
        "min_words",
        "max_words",
        "attachments",
        "attachments_required",
        "response_template",
    )

    # --- authoring ---------------------------------------------------------------------
    editor_script = "js/question_editor/essay.js"
    editor_strings: ClassVar[dict[str, str]] = {
        "answer": gettext_noop("The officer's answer"),
        "minWords": gettext_noop("Fewest words (empty: no minimum)"),
        "maxWords": gettext_noop("Most words (empty: no maximum)"),
        "attachments": gettext_noop("Files the officer may attach"),
        "attachmentsRequired": gettext_noop("Files the officer must attach"),
        "fileTypes": gettext_noop("File types accepted"),
        "responseTemplate": gettext_noop("Text the answer starts from"),
        "graderInfo": gettext_noop("Information for the grader"),
        "graderInfoHelp": gettext_noop("Shown to whoever grades, never to the officer."),
        "rubric": gettext_noop("Rubric"),
        "rubricHelp": gettext_noop(
            "The grader chooses one level per criterion; the question's points are shared "
            "as the levels' points over the best possible."
        ),
        "noRubric": gettext_noop(
            "Without a rubric the grader gives a share of the points and a comment."
        ),
        "addRubric": gettext_noop("Add a rubric"),
        "removeRubric": gettext_noop("Remove the rubric"),
        "criterion": gettext_noop("Criterion"),
        "criterionText": gettext_noop("What is assessed"),
        "addCriterion": gettext_noop("Add a criterion"),
        "level": gettext_noop("Level"),
        "levelText": gettext_noop("Description of the level"),
        "points": gettext_noop("Points"),
        "addLevel": gettext_noop("Add a level"),
    }

    def editor_config(self) -> dict[str, Any]:
        return {"fileTypes": list(FILE_TYPES), "maxAttachments": MAX_ATTACHMENTS}

    def skeleton(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return {
            "min_words": None,
            "max_words": None,
            "attachments": 0,
            "attachments_required": 0,
            "file_types": [],
            "rubric": None,
            "grader_info": "",
            "response_template": "",
        }, {}

    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        limits = {}
        for key in ("min_words", "max_words"):
            value = data.get(key)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                problems.append(
                    Problem(
                        gettext_noop("“{key}” must be a whole number of words, or empty."), key=key
                    )
                )
            elif value is not None:
                limits[key] = value
        if limits.get("max_words") == 0:
            problems.append(Problem(gettext_noop("The word limit must be at least 1.")))
        if (
            "min_words" in limits
            and "max_words" in limits
            and limits["min_words"] > limits["max_words"]
        ):
            problems.append(
                Problem(gettext_noop("The minimum number of words is above the maximum."))
            )
        attachments = data.get("attachments", 0)
        required = data.get("attachments_required", 0)
        for key, value in (("attachments", attachments), ("attachments_required", required)):
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 0 <= value <= MAX_ATTACHMENTS
            ):
                problems.append(
                    Problem(
                        gettext_noop("“{key}” must be a whole number from 0 to {maximum}."),
                        key=key,
                        maximum=MAX_ATTACHMENTS,
                    )
                )
        if isinstance(attachments, int) and isinstance(required, int) and required > attachments:
            problems.append(
                Problem(gettext_noop("More files are required than the officer may attach."))
            )
        named = data.get("file_types")
        if named is not None:
            if not isinstance(named, list):
                problems.append(Problem(gettext_noop("The file types must be a list.")))
            else:
                for value in named:
                    if not isinstance(value, str) or (
                        FILE_TYPE_ALIASES.get(value.lower(), value.lower()) not in FILE_TYPES
                    ):
                        problems.append(
                            Problem(
                                gettext_noop(
                                    "The file type {value} is not accepted; use some of: {allowed}."
                                ),
                                value=show(value),
                                allowed=", ".join(FILE_TYPES),
                            )
                        )
        for key in ("grader_info", "response_template"):
            if key in data and data[key] is not None and not isinstance(data[key], str):
                problems.append(Problem(gettext_noop("“{key}” must be text."), key=key))
        self._validate_rubric(data.get("rubric"), problems)

    def _validate_rubric(self, rubric: Any, problems: list[str]) -> None:
        if rubric is None:
            return
        criteria = rubric.get("criteria") if isinstance(rubric, Mapping) else None
        if not isinstance(criteria, list) or not criteria:
            problems.append(
                Problem(gettext_noop("A rubric needs a list of criteria (at least one)."))
            )
            return
        criterion_ids: list[str] = []
        best_total = 0.0
        for position, criterion in enumerate(criteria, start=1):
            if not isinstance(criterion, Mapping):
                problems.append(
                    Problem(
                        gettext_noop("Criterion {position} must be an object."), position=position
                    )
                )
                continue
            if not is_id(criterion.get("id")):
                problems.append(
                    Problem(gettext_noop("Criterion {position} has no id."), position=position)
                )
            else:
                criterion_ids.append(criterion["id"])
            text = criterion.get("text")
            if not isinstance(text, str) or not text.strip():
                problems.append(
                    Problem(gettext_noop("Criterion {position} has no text."), position=position)
                )
            levels = criterion.get("levels")
            if not isinstance(levels, list) or not levels:
                problems.append(
                    Problem(
                        gettext_noop("Criterion {position} needs a list of levels (at least one)."),
                        position=position,
                    )
                )
                continue
            level_ids: list[str] = []
            best = 0.0
            for number, level in enumerate(levels, start=1):
                if not isinstance(level, Mapping):
                    problems.append(
                        Problem(
                            gettext_noop(
                                "Level {number} of criterion {position} must be an object."
                            ),
                            number=number,
                            position=position,
                        )
                    )
                    continue
                if not is_id(level.get("id")):
                    problems.append(
                        Problem(
                            gettext_noop("Level {number} of criterion {position} has no id."),
                            number=number,
                            position=position,
                        )
                    )
                else:
                    level_ids.append(level["id"])
                level_text = level.get("text")
                if not isinstance(level_text, str) or not level_text.strip():
                    problems.append(
                        Problem(
                            gettext_noop("Level {number} of criterion {position} has no text."),
                            number=number,
                            position=position,
                        )
                    )
                points = level.get("points")
                if not is_number(points) or points < 0:
                    problems.append(
                        Problem(
                            gettext_noop(
                                "The points of level {number} of criterion {position} must "
                                "be a number of 0 or more."
                            ),
                            number=number,
                            position=position,
                        )
                    )
                else:
                    best = max(best, float(points))
            check_unique(level_ids, problems)
            best_total += best
        check_unique(criterion_ids, problems)
        if criterion_ids and best_total <= 0:
            problems.append(
                Problem(gettext_noop("The rubric must give more than 0 points at its best."))
            )

    # --- delivery ----------------------------------------------------------------------
    def empty_response(self) -> dict[str, Any]:
        return {"text": "", "files": []}

    def normalize_response(self, data: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
        """The canonical ``{"text", "files"}``; ``text`` is required (it may be blank),
        ``files`` may be left out (none)."""
        for key in response:
            if key not in self.response_fields:
                raise ResponseError("unexpected_field", field=show(key))
        if "text" not in response:
            raise ResponseError("missing_field", field="text")
        text = response.get("text")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise ResponseError("wrong_shape")
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
        if len(text) > MAX_TEXT_CHARS:
            raise ResponseError("too_long", limit=MAX_TEXT_CHARS)
        if not text.strip():
            text = ""
        files = response.get("files")
        if files is None:
            files = []
        if not isinstance(files, list) or not all(
            isinstance(key, str) and _KEY_RE.fullmatch(key) for key in files
        ):
            raise ResponseError("wrong_shape")
        unique = list(dict.fromkeys(files))
        if len(unique) > attachments_allowed(data):
            raise ResponseError("too_many_files", limit=attachments_allowed(data))
        return {"text": text, "files": unique}

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        # The response has two fields: :meth:`normalize_response` reads both.
        return self.normalize_response(data, {"text": value})["text"]

    def is_blank(self, response: Mapping[str, Any] | None) -> bool:
        return not response or (not response.get("text") and not response.get("files"))

    def public_extra(self, full: Mapping[str, Any], view: dict[str, Any]) -> None:
        view["file_types"] = file_types(full)
        view["attachments"] = attachments_allowed(full)

    # --- grading -----------------------------------------------------------------------
    def grade(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict[str, Any]]:
        text = value.get("text", "") if isinstance(value, Mapping) else (value or "")
        return Fraction(0), {"word_count": word_count(text)}

    def submit_problem(self, data: Mapping[str, Any], answer: Any) -> Problem | None:
        """The files the question requires (``attachments_required``) must be attached
        before the officer submits, as in Moodle."""
        required = data.get("attachments_required") or 0
        files = answer.get("files") if isinstance(answer, Mapping) else None
        count = len(files) if isinstance(files, list) else 0
        if isinstance(required, int) and count < required:
            return Problem(
                gettext_noop(
                    "Files to attach to this answer: at least {required}; attached: {count}."
                ),
                required=required,
                count=count,
            )
        return None

    def pending(self, data: Mapping[str, Any], value: Any) -> bool:
        return True

    # --- item analysis -----------------------------------------------------------------
    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        """Essays are not counted by their text (each is its own): answered or blank."""
        answered = blank = 0
        for value in values:
            if isinstance(value, Mapping):
                given = bool(value.get("text") or value.get("files"))
            else:
                given = isinstance(value, str) and bool(value.strip())
            answered, blank = (answered + 1, blank) if given else (answered, blank + 1)
        return {"answered": answered, "blank": blank}

    # --- Moodle XML (the format: assessments/interchange/moodlexml.py) ----------------------
    moodle_qtypes: ClassVar[tuple[str, ...]] = ("essay",)
    moodle_default_penalty: ClassVar[float] = 0.0

    def moodlexml_read(self, q: MoodleQuestionReader) -> tuple[str, dict[str, Any]]:
        """Moodle's ``essay``, every field: word limits, attachments (Moodle's unlimited
        -1 becomes the most allowed here), file types, grader information (stem HTML),
        response template (text), response format and whether a response is required;
        ``responsefieldlines`` and ``maxbytes`` are kept for the export. No rubric."""
        from decimal import Decimal

        def whole(path: str) -> int | None:
            number = q.number(path)
            return None if number is None or number <= 0 else int(number)

        def files(path: str) -> int:
            number = int(q.number(path, Decimal(0)) or 0)
            return MAX_ATTACHMENTS if number < 0 else min(MAX_ATTACHMENTS, number)

        types = [t.strip() for t in re.split(r"[,;\s]+", q.value("filetypeslist")) if t.strip()]
        data: dict[str, Any] = {
            "min_words": whole("minwordlimit"),
            "max_words": whole("maxwordlimit"),
            "attachments": files("attachments"),
            "attachments_required": files("attachmentsrequired"),
            "file_types": types,
            "rubric": None,
            "grader_info": q.stem_html(q.text("graderinfo"), q.format("graderinfo")),
            "response_template": q.plain("responsetemplate"),
            "response_format": q.value("responseformat", "editor"),
            "response_required": q.flag("responserequired", default=True),
        }
        for key in ("responsefieldlines", "maxbytes"):
            if q.find(key) is not None:
                q.keep(key, q.value(key))
        return "essay", data

    def moodlexml_write(self, w: MoodleQuestionWriter) -> str:
        data = w.data
        w.add("responseformat", data.get("response_format") or "editor")
        w.add("responserequired", "1" if data.get("response_required", True) else "0")
        w.add("responsefieldlines", w.moodle.get("responsefieldlines", "15"))
        if data.get("min_words") is not None or data.get("max_words") is not None:
            w.add("minwordlimit", data.get("min_words") or "")
            w.add("maxwordlimit", data.get("max_words") or "")
        w.add("attachments", int(data.get("attachments") or 0))
        w.add("attachmentsrequired", int(data.get("attachments_required") or 0))
        if "maxbytes" in w.moodle:
            w.add("maxbytes", w.moodle["maxbytes"])
        w.add("filetypeslist", ",".join(data.get("file_types") or []))
        w.formatted("graderinfo", data.get("grader_info") or "")
        w.formatted("responsetemplate", data.get("response_template") or "", "plain_text")
        return "essay"

    # --- GIFT (the format: assessments/gift.py) ---------------------------------------------
    gift_shapes: ClassVar[tuple[str, ...]] = ("empty",)

    def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
        """``{}``: the essay defaults (no word limits, no attachments, no rubric)."""
        data: dict[str, Any] = {
            "min_words": None,
            "max_words": None,
            "attachments": 0,
            "attachments_required": 0,
            "file_types": [],
            "rubric": None,
            "grader_info": "",
            "response_template": "",
        }
        return q.general_feedback, data

    def gift_write(self, w: GiftQuestionWriter) -> list[str]:
        """``{}`` with the general feedback: word limits, attachments, rubric, grader
        information and response template have no GIFT form."""
        return w.general_line()

    # --- QTI 3.0 (the format: assessments/interchange/qti.py) ---------------------------
    qti_interactions: ClassVar[tuple[str, ...]] = ("extended-text-interaction",)

    def qti_read(self, q: QtiItemReader) -> dict[str, Any]:
        grader = ""
        for block in q.root.iter("rubric-block"):
            if "scorer" in (block.get("view") or "").split():
                grader += q.fragment_html(block)

        def words(name: str) -> int | None:
            raw = q.attr(name)
            if not raw.isdigit():
                return None
            return int(raw) or None

        return {
            "min_words": words("data-min-words"),
            "max_words": words("data-max-words"),
            "attachments": 0,
            "attachments_required": 0,
            "file_types": [],
            "rubric": None,
            "grader_info": grader,
            "response_template": q.decl.default[0] if q.decl.default else "",
        }

    def qti_write(self, w: QtiItemWriter) -> None:
        data = w.data
        w.declare("single", "string", default=data.get("response_template") or None)
        w.template = ""
        w.human = True
        w.interaction(
            "qti-extended-text-interaction",
            data_min_words=data.get("min_words") or None,
            data_max_words=data.get("max_words") or None,
        )
        if data.get("grader_info"):
            block = w.node("qti-rubric-block", {"use": "scoring", "view": "scorer"})
            holder = w.add(block, "qti-content-body")
            holder.extend(w.stem_elements(str(data["grader_info"])))
            w.before.append(block)
