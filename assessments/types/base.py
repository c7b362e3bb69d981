"""What every question type shares: the type contract, problems, response errors, grades
and the small checks most types use.

Plain Python, no Django. A question type is a subclass of :class:`QuestionType` in its own
module (``assessments/types/<name>.py``) holding everything about that type: how its
authored ``data`` is validated, how an officer's response is normalised and graded, what
the officer's browser may see, where the ids of its entries sit (so that the attempt page
can swap them for opaque tokens), how item analysis counts its answers, and how it maps to
the interchange formats. The registry (``assessments/types/__init__.py``) lists the types;
``assessments/grading.py`` and the rest of the app ask the registry, never a type name.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

MAX_NUMBER_LENGTH = 40
"""Longest numeric answer text accepted (characters, surrounding whitespace excluded)."""

FRACTION_DECIMALS = 6

TOP_ANSWERS = 20
"""How many distinct answers item analysis keeps for free-form types."""


def gettext_noop(message: str) -> str:
    """Marks a message for translation catalogues without importing Django; the Django
    layer translates it when it shows the error."""
    return message


RESPONSE_ERROR_MESSAGES: dict[str, str] = {
    "wrong_shape": gettext_noop("The answer to this question is not in the expected form."),
    "missing_field": gettext_noop("The answer is missing the field “{field}”."),
    "unexpected_field": gettext_noop("The answer contains an unexpected field “{field}”."),
    "unknown_option": gettext_noop("“{value}” is not one of the choices of this question."),
    "duplicate": gettext_noop("“{value}” appears more than once in the answer."),
    "incomplete_order": gettext_noop(
        "Put all {count} items in order; {missing} of them are missing from the answer."
    ),
    "not_a_number": gettext_noop(
        "“{value}” is not a number. Type digits only, with a decimal point or comma if "
        "needed, for example 12.5 or 12,5."
    ),
    "outside_image": gettext_noop(
        "Click {index} ({x}, {y}) is outside the image ({width} × {height} pixels)."
    ),
    "too_many_clicks": gettext_noop(
        "At most {max_clicks} clicks are accepted on this image; the answer has {count}."
    ),
    "too_long": gettext_noop("The answer is too long: at most {limit} characters are accepted."),
    "unknown_unit": gettext_noop("“{value}” is not one of the units of this question ({units})."),
}


class ResponseError(ValueError):
    """A submitted response that does not fit its question.

    ``code`` is a key of :data:`RESPONSE_ERROR_MESSAGES`; ``params`` fill its
    placeholders; ``message`` is the plain-English text.
    """

    def __init__(self, code: str, **params: Any) -> None:
        if code not in RESPONSE_ERROR_MESSAGES:
            raise KeyError(f"unknown response error code {code!r}")
        self.code: str = code
        self.params: dict[str, Any] = params
        self.message: str = RESPONSE_ERROR_MESSAGES[code].format(**params)
        super().__init__(self.message)


@dataclass(frozen=True)
class Grade:
    """The result of grading one response.

    ``fraction`` is the share of the question's points earned (0..1, rounded to 6
    decimals); ``correct`` is ``fraction == 1``; ``detail`` is JSON-serializable and
    describes what was right and wrong (it reveals the answer key). ``pending`` marks a
    response that a person must grade (an essay): its fraction is 0 until then.
    """

    fraction: float
    correct: bool
    detail: dict[str, Any] = field(default_factory=dict)
    pending: bool = False


class Problem(str):
    """One problem of an authored question: reads as its English text, and keeps its
    template and values so that the admin and the importer can show it translated."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Problem:
        problem = super().__new__(cls, template.format(**params))
        problem.template, problem.params = template, params
        return problem

    def translated(self, gettext: Any) -> str:
        """The problem in the active language, given a ``gettext`` function."""
        return gettext(self.template).format(**self.params)


# --------------------------------------------------------------------------- helpers


def is_number(value: Any) -> bool:
    """A finite int or float (bool excluded)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_id(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def show(value: Any, limit: int = 40) -> str:
    """A short printable form of a submitted value, for error messages."""
    text = value if isinstance(value, str) else json.dumps(value, default=repr)
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number_text(value: float) -> str:
    """1.0 -> "1", 2.5 -> "2.5"."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)


def ids(entries: Any) -> list[str]:
    """The ids of a list of ``{"id": ...}`` entries (valid ones only)."""
    if not isinstance(entries, list):
        return []
    return [e["id"] for e in entries if isinstance(e, Mapping) and is_id(e.get("id"))]


def rounded(value: Fraction | float) -> float:
    result = round(float(value), FRACTION_DECIMALS)
    result = min(1.0, max(0.0, result))
    return result + 0.0  # no -0.0


_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def parse_number(text: str) -> float:
    """Parses a number as typed by an officer: ``"5"``, ``" 5 "``, ``"5.0"``, ``"5,5"``
    (decimal comma), ``"-2"``. Raises :class:`ResponseError` (``not_a_number``) for
    anything else, blank text included."""
    if not isinstance(text, str):
        raise ResponseError("not_a_number", value=show(text))
    cleaned = text.strip().translate(_MINUS_SIGNS)
    if len(cleaned) > MAX_NUMBER_LENGTH or not _NUMBER_RE.fullmatch(cleaned):
        raise ResponseError("not_a_number", value=show(text.strip()))
    value = float(cleaned.replace(",", "."))
    if not math.isfinite(value):  # pragma: no cover - excluded by the length limit
        raise ResponseError("not_a_number", value=show(text.strip()))
    return value + 0.0  # no -0.0


_ENTRY_MESSAGES = {
    "option": {
        "list": gettext_noop("The options must be a list."),
        "minimum": gettext_noop("At least {minimum} options are needed; there are {count}."),
        "object": gettext_noop("Option {position} must be an object."),
        "no_id": gettext_noop("Option {position} has no id."),
        "no_text": gettext_noop("Option {position} has no text."),
    },
    "item": {
        "list": gettext_noop("The items must be a list."),
        "minimum": gettext_noop("At least {minimum} items are needed; there are {count}."),
        "object": gettext_noop("Item {position} must be an object."),
        "no_id": gettext_noop("Item {position} has no id."),
        "no_text": gettext_noop("Item {position} has no text."),
    },
    "premise": {
        "list": gettext_noop("The premises must be a list."),
        "minimum": gettext_noop("At least {minimum} premises are needed; there are {count}."),
        "object": gettext_noop("Premise {position} must be an object."),
        "no_id": gettext_noop("Premise {position} has no id."),
        "no_text": gettext_noop("Premise {position} has no text."),
    },
    "response": {
        "list": gettext_noop("The responses must be a list."),
        "minimum": gettext_noop("At least {minimum} responses are needed; there are {count}."),
        "object": gettext_noop("Response {position} must be an object."),
        "no_id": gettext_noop("Response {position} has no id."),
        "no_text": gettext_noop("Response {position} has no text."),
    },
}


def check_entries(entries: Any, noun: str, minimum: int, problems: list[str]) -> list[str]:
    """Checks a list of ``{"id", "text"}`` entries; returns their ids. ``noun`` is one of
    option, item, premise, response (the wording of the problems)."""
    messages = _ENTRY_MESSAGES[noun]
    if not isinstance(entries, list):
        problems.append(Problem(messages["list"]))
        return []
    if len(entries) < minimum:
        problems.append(Problem(messages["minimum"], minimum=minimum, count=len(entries)))
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            problems.append(Problem(messages["object"], position=position))
            continue
        if not is_id(entry.get("id")):
            problems.append(Problem(messages["no_id"], position=position))
        text = entry.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(messages["no_text"], position=position))
    return ids(entries)


def check_unique(idents: Sequence[str], problems: list[str]) -> None:
    seen: set[str] = set()
    for ident in idents:
        if ident in seen:
            problems.append(
                Problem(gettext_noop("The id “{ident}” is used more than once."), ident=ident)
            )
        seen.add(ident)


def check_fraction(value: Any, where: str, problems: list[str], *, negative: bool = False) -> None:
    """A credit between 0 and 1 (between -1 and 1 with ``negative``)."""
    low = -1 if negative else 0
    if not is_number(value) or not low <= value <= 1:
        problems.append(
            Problem(
                gettext_noop("The credit of {where} must be a number from {low} to 1."),
                where=where,
                low=low,
            )
        )


def answer_counts(values: Iterable[Any]) -> dict[str, int]:
    """How often each non-blank answer was given (compact JSON, keys sorted), the
    :data:`TOP_ANSWERS` most frequent, by count then key."""
    counts: Counter[str] = Counter()
    for value in values:
        if value is None or value in ([], {}, ""):
            continue
        counts[json.dumps(value, sort_keys=True, separators=(",", ":"))] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return dict(ranked[:TOP_ANSWERS])


# ------------------------------------------------------------------------ the contract


class QuestionType:
    """One question type. Subclasses set the class attributes and implement
    :meth:`validate`, :meth:`normalize` and :meth:`grade`; the rest has defaults that fit
    most types.

    Class attributes:

    ``name``
        The stored type (``QuestionVersion.type``), e.g. ``"single_choice"``.
    ``label``
        Its name for authors (translated by the Django layer).
    ``response_field``
        The single field its responses carry (``{"option": ...}``).
    ``blank``
        The value of that field in a blank response (grades 0).
    ``entry_lists``
        The lists of ``{"id", "text"}`` entries the type shows to officers; each entry
        gets an opaque token per attempt (``assessments/tokens``).
    ``response_id_shape``
        Where entry ids sit in the response: ``one``, ``many``, ``pairs``, ``gaps``
        (a mapping of gap ids to entry ids, or lists of them), or ``None``.
    ``always_shuffled``
        Entry lists shuffled whatever the assessment says (their authored order gives
        the key away).
    ``public_keys``
        The keys of ``data`` (with texts merged) the browser may see before review.
    ``text_lists``
        Entry lists whose texts are stored per language.
    ``scoring_rules``
        The allowed ``data["scoring"]`` values, first = default; empty when none.
    ``scored``
        False for a type that is never scored (a description).
    ``template``, ``review_template``
        The delivery template (``templates/assessments/types/<name>.html``) and the
        review's (``templates/assessments/review/<name>.html``).
    ``script``
        A static script the attempt page loads when the type is in the attempt
        (``static/js/types/<name>.js``), or ``None``.
    ``stem_inline``
        The type shows the stem itself, with its controls inside it (the gaps of a
        cloze): the attempt page leaves the stem out of the question's legend, and the
        public view says so (``view["stem_inline"]``).
    ``qti_interactions``, ``qti_gap_interactions``
        The QTI interactions the type reads (canonical names without ``qti-``;
        ``item-body`` for an item without any interaction), and the inline ones it
        reads when an item holds several, each a gap. A type with them implements
        ``qti_read(q)`` and ``qti_write(w)`` (``assessments/interchange/qti.py``).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    response_field: ClassVar[str]
    blank: ClassVar[Any] = None
    entry_lists: ClassVar[tuple[str, ...]] = ()
    response_id_shape: ClassVar[str | None] = None
    always_shuffled: ClassVar[frozenset[str]] = frozenset()
    public_keys: ClassVar[tuple[str, ...]] = ()
    text_lists: ClassVar[tuple[str, ...]] = ()
    scoring_rules: ClassVar[tuple[str, ...]] = ()
    scored: ClassVar[bool] = True
    script: ClassVar[str | None] = None
    stem_inline: ClassVar[bool] = False
    qti_interactions: ClassVar[tuple[str, ...]] = ()
    qti_gap_interactions: ClassVar[frozenset[str]] = frozenset()

    @property
    def template(self) -> str:
        """What the officer answers in (``templates/assessments/types/<name>.html``)."""
        return f"assessments/types/{self.name}.html"

    @property
    def review_template(self) -> str:
        """The review of an answer (``templates/assessments/review/<name>.html``)."""
        return f"assessments/review/{self.name}.html"

    # --- authoring ---------------------------------------------------------------------
    def validate(self, data: Mapping[str, Any], problems: list[str]) -> None:
        raise NotImplementedError

    def check_scoring(self, data: Mapping[str, Any], problems: list[str]) -> None:
        rule = data.get("scoring")
        allowed = ", ".join(self.scoring_rules)
        if rule is None:
            problems.append(
                Problem(
                    gettext_noop("The scoring rule is missing; use one of: {allowed}."),
                    allowed=allowed,
                )
            )
        elif rule not in self.scoring_rules:
            problems.append(
                Problem(
                    gettext_noop("Unknown scoring rule {value}; use one of: {allowed}."),
                    value=show(rule),
                    allowed=allowed,
                )
            )

    def check_stem(self, data: Mapping[str, Any], stem: str, problems: list[str]) -> None:
        """Checks one language's stem against ``data`` where they must agree (a cloze's
        gap markers); ``assessments.grading.validate_stem`` calls it (override)."""

    def scoring(self, data: Mapping[str, Any]) -> str:
        """The question's scoring rule, or the type's default when it names none we know."""
        default = self.scoring_rules[0] if self.scoring_rules else ""
        rule = data.get("scoring", default)
        return rule if rule in self.scoring_rules else default

    editor_script: ClassVar[str | None] = None
    """The script that draws the type in the question editor
    (``static/js/question_editor/<name>.js``); without one the type is written as JSON."""
    editor_strings: ClassVar[dict[str, str]] = {}
    """The editor script's texts (marked with ``gettext_noop``), translated for it."""

    def editor_config(self) -> dict[str, Any]:
        """Settings the editor script needs beyond its strings (JSON-serialisable)."""
        return {}

    def skeleton(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """A new question's ``data`` and its texts in one language (without title and
        stem), where the author starts from when the editor writes the type as JSON."""
        return {}, {}

    # --- delivery ----------------------------------------------------------------------
    def empty_response(self) -> dict[str, Any]:
        value = self.blank
        return {self.response_field: value.copy() if isinstance(value, list | dict) else value}

    def normalize(self, data: Mapping[str, Any], value: Any) -> Any:
        """The canonical value of the response field, or :class:`ResponseError`."""
        raise NotImplementedError

    def public_extra(self, full: Mapping[str, Any], view: dict[str, Any]) -> None:
        """Adds what the browser may see beyond :attr:`public_keys` (override)."""

    def public_layout(
        self,
        full: Mapping[str, Any],
        view: dict[str, Any],
        tokens: Mapping[str, str],
        order: Mapping[str, Any],
    ) -> None:
        """Adds what needs the attempt's tokens and order beyond :attr:`public_keys`: the
        stem cut at its gaps, entries nested in the data (override)."""

    def entries(self, data: Mapping[str, Any]) -> dict[str, list[Any]]:
        """The lists of entries the question shows officers, by list name: each gets
        its own tokens (``assessments/tokens``) and, when shuffled, its own order. By
        default the :attr:`entry_lists` at the top of ``data``; a type whose entries sit
        deeper (the options of each cloze gap) names its lists itself."""
        return {key: data[key] for key in self.entry_lists if isinstance(data.get(key), list)}

    def gap_list(self, gap: str) -> str:
        """For the ``gaps`` answer shape: the entry list whose tokens the answer of
        ``gap`` names (a gap without tokens in that list takes typed text)."""
        return self.entry_lists[0] if self.entry_lists else ""

    def review_stem(self, html: str) -> str:
        """The cleaned stem as the review shows it (a cloze numbers its gaps)."""
        return html

    def review_view(
        self, question: Mapping[str, Any], answer: Any, stem: str = ""
    ) -> dict[str, Any]:
        """What the review template needs beyond the question (merged in the attempt's
        language), the answer and the stem in that language, e.g. each cloze gap graded
        in the stem's order (override)."""
        return {}

    def arrange_view(self, view: dict[str, Any], answer: Mapping[str, Any]) -> None:
        """Arranges the public view by the officer's saved answer (in tokens), e.g. the
        items of an ordering in the order the officer left them (override)."""

    # --- grading -----------------------------------------------------------------------
    def grade(self, data: Mapping[str, Any], value: Any) -> tuple[Fraction, dict[str, Any]]:
        """The fraction earned by a canonical response value, and the review detail."""
        raise NotImplementedError

    def submit_problem(self, data: Mapping[str, Any], answer: Any) -> Problem | None:
        """Why the officer may not submit this answer yet (a part the question requires
        is missing), or ``None``. Asked only when the officer submits: an attempt closed
        by its deadline is graded as it stands."""
        return None

    def pending(self, data: Mapping[str, Any], value: Any) -> bool:
        """Whether a person must grade this response (an essay)."""
        return False

    # --- QTI ---------------------------------------------------------------------------
    def qti_accepts(self, q: Any) -> bool:
        """Whether the type reads this item among those with its interaction (by
        cardinality, or by the ``data-platform-type`` the platform's export wrote)."""
        return True

    # --- item analysis -----------------------------------------------------------------
    def answer_counts(self, values: Iterable[Any]) -> dict[str, int]:
        """How often each answer was given, from canonical response values."""
        return answer_counts(values)
