"""Aiken import (Moodle's one-answer multiple-choice text format; import only, as in
Moodle).

Plain Python (no Django at import time). A question is its text (one line or more),
then one option per line, each starting with a capital letter and ``.`` or ``)`` and a
space (``A. Yes`` or ``A) Yes``), then ``ANSWER: X`` naming the right option's letter.
Blank lines are ignored; CRLF and a byte order mark are accepted. :func:`parse_aiken`
returns an :class:`~assessments.gift.ImportResult`: every question read becomes a
``single_choice`` (options ``a``, ``b``, ... in the file's order), and every malformed
one is reported with the line its text starts on and the reason (no options, one option,
a letter used twice, an option without text, no ``ANSWER`` line (also when a new
question's text follows the options), an answer letter that is not an option), while
the other questions are still read.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from ..gift import (
    ImportResult,
    ParsedQuestion,
    QuestionImportError,
    gettext_noop,
    option_id,
    title_from_stem,
)

__all__ = ["MESSAGES", "is_aiken", "parse_aiken"]

MESSAGES: dict[str, str] = {
    "missing_answer": gettext_noop(
        "The question has no “ANSWER:” line naming the right option (for example ANSWER: B)."
    ),
    "answer_not_option": gettext_noop(
        "The answer “{letter}” is not one of the options' letters ({letters})."
    ),
    "bad_answer": gettext_noop(
        "“{text}” is not an answer line: write ANSWER: and the letter of the right option."
    ),
    "too_few_options": gettext_noop("The question needs at least 2 options; it has {count}."),
    "duplicate_option": gettext_noop("The option letter “{letter}” is used more than once."),
    "missing_stem": gettext_noop("Option {letter} comes before any question text."),
    "empty_option": gettext_noop("Option {letter} has no text."),
    "answer_without_question": gettext_noop("The ANSWER: line has no question before it."),
}

_OPTION = re.compile(r"([A-Z])[.)][ \t]+(.*)")
_EMPTY_OPTION = re.compile(r"([A-Z])[.)]")
_ANSWER = re.compile(r"ANSWER\s*:\s*(.*)", re.IGNORECASE)
_LETTER = re.compile(r"([A-Za-z])")
_DETECT = re.compile(r"^[ \t]*ANSWER[ \t]*:[ \t]*[A-Z][ \t]*\r?$", re.MULTILINE)
_DETECT_OPTION = re.compile(r"^[ \t]*[A-Z][.)][ \t]+\S", re.MULTILINE)
_GIFT = re.compile(r"\{(?:[^{}]*[=~#][^{}]*|\s*(?:T|F|TRUE|FALSE)?\s*)\}")
"""A GIFT answer block: ``{=a ~b}``, ``{#3}``, ``{T}``, ``{}``."""


def is_aiken(text: str) -> bool:
    """Whether ``text`` looks like Aiken: ``ANSWER: X`` lines and option lines, and no
    GIFT answer block (braces holding ``=``, ``~`` or ``#``, or ``{T}``, ``{F}``, ``{}``)."""
    head = text[:200_000]
    return bool(_DETECT.search(head) and _DETECT_OPTION.search(head)) and not _GIFT.search(head)


@dataclass
class _Pending:
    line: int
    stem: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    problem: tuple[str, dict[str, Any]] | None = None

    def fail(self, code: str, **params: Any) -> None:
        if self.problem is None:
            self.problem = (code, params)

    @property
    def title(self) -> str | None:
        return title_from_stem(" ".join(self.stem)) or None


def _error(pending: _Pending, code: str, **params: Any) -> QuestionImportError:
    return QuestionImportError(
        line=pending.line,
        title=pending.title,
        code=code,
        reason=MESSAGES[code],
        params=dict(params),
    )


def _finish(pending: _Pending, answer: str, result: ImportResult) -> None:
    if pending.problem is not None:
        code, params = pending.problem
        result.errors.append(_error(pending, code, **params))
        return
    letters = [letter for letter, _text in pending.options]
    if len(letters) < 2:
        result.errors.append(_error(pending, "too_few_options", count=len(letters)))
        return
    match = _LETTER.fullmatch(answer.strip())
    if match is None:
        result.errors.append(_error(pending, "bad_answer", text=("ANSWER: " + answer)[:60]))
        return
    letter = match.group(1).upper()
    if letter not in letters:
        result.errors.append(
            _error(pending, "answer_not_option", letter=letter, letters=", ".join(letters))
        )
        return
    options = [
        {"id": option_id(index), "text": text} for index, (_l, text) in enumerate(pending.options)
    ]
    stem = "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in pending.stem)
    result.questions.append(
        ParsedQuestion(
            line=pending.line,
            title=pending.title or letter,
            type="single_choice",
            stem=stem,
            data={"options": options, "correct": option_id(letters.index(letter))},
        )
    )


def parse_aiken(text: str) -> ImportResult:
    """Read an Aiken file: the questions it holds and the ones it had to refuse."""
    result = ImportResult()
    pending: _Pending | None = None
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER.fullmatch(line)
        if answer is not None:
            if pending is None:
                result.errors.append(_error(_Pending(line=number), "answer_without_question"))
            else:
                _finish(pending, answer.group(1), result)
            pending = None
            continue
        option = _OPTION.fullmatch(line)
        if option is None and _EMPTY_OPTION.fullmatch(line) and pending and pending.stem:
            pending.fail("empty_option", letter=line[0])
            pending.options.append((line[0], ""))
            continue
        if option is not None and pending is not None and pending.stem:
            letter, option_text = option.group(1), option.group(2).strip()
            if any(letter == seen for seen, _t in pending.options):
                pending.fail("duplicate_option", letter=letter)
            pending.options.append((letter, option_text))
            continue
        if option is not None:  # an option before any question text
            if pending is None:
                pending = _Pending(line=number)
            pending.fail("missing_stem", letter=option.group(1))
            pending.options.append((option.group(1), option.group(2).strip()))
            continue
        if pending is not None and pending.options:
            # Text after the options: the previous question lacks its ANSWER line, or a
            # stray line sits among the options. Report it and start a new question.
            if pending.problem is None:
                pending.fail("missing_answer")
            code, params = pending.problem or ("missing_answer", {})
            result.errors.append(_error(pending, code, **params))
            pending = None
        if pending is None:
            pending = _Pending(line=number)
        pending.stem.append(line)
    if pending is not None:
        code, params = pending.problem or ("missing_answer", {})
        result.errors.append(_error(pending, code, **params))
    return result
