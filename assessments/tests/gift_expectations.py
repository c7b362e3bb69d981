"""Checks a question read by :func:`assessments.gift.parse_gift` against gift-pegjs's parse.

gift-pegjs (npm, MIT; not written here) parses GIFT into ``{"type": "MC" | "Short" |
"Numerical" | "TF" | "Matching" | "Essay" | "Description" | "Category", ...}``. The GIFT
corpus in ``../shared/corpora/gift`` holds its expected parse of every file
(``expected_json/<name>.json``); ``tests/tools/gift_parse.mjs`` runs it on any text, so the
platform's exports can be read by it too. :func:`assert_agrees` compares one of our
questions with one gift-pegjs item: type, title, stem text, id, tags, answers, credit and
feedback.

Texts are compared as plain text with spaces collapsed: gift-pegjs keeps a stem's HTML or
Markdown as written, the platform keeps cleaned HTML. True/false feedback is compared by
position: gift-pegjs calls the first ``#feedback`` ``trueFeedback`` and the second
``falseFeedback``; Moodle shows the first to whoever answers wrongly and the second to
whoever answers rightly, which is what the platform stores.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings

from assessments.gift import html_to_text, markdown_html

NODE_SCRIPT = Path(settings.BASE_DIR) / "tests" / "tools" / "gift_parse.mjs"
CORPUS = Path(settings.BASE_DIR).parent / "shared" / "corpora" / "gift"

PEGJS_TYPES: dict[str, frozenset[str]] = {
    "MC": frozenset({"single_choice", "multiple_response"}),
    "Short": frozenset({"short_answer"}),
    "Numerical": frozenset({"numeric"}),
    "TF": frozenset({"true_false"}),
    "Matching": frozenset({"matching"}),
    "Essay": frozenset({"essay"}),
    "Description": frozenset({"description"}),
}


def node_available() -> bool:
    return shutil.which("node") is not None


def pegjs_parse(text: str) -> list[dict[str, Any]]:
    """gift-pegjs's parse of ``text``; fails the test with its message when it refuses it."""
    done = subprocess.run(
        ["node", str(NODE_SCRIPT)],
        input=text,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=settings.BASE_DIR,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"gift-pegjs refused the text: {done.stderr}\n{text}"
    return json.loads(done.stdout)


def _words(text: str) -> str:
    return " ".join(text.split())


def rich_text(rich: Mapping[str, Any] | None) -> str:
    """A gift-pegjs ``{"format", "text"}`` as plain text."""
    if not rich:
        return ""
    text = str(rich.get("text") or "")
    if rich.get("format") == "html":
        text = html_to_text(text)
    elif rich.get("format") == "markdown":
        text = html_to_text(markdown_html(text))
    return _words(text)


def our_text(value: str | None) -> str:
    return _words(html_to_text(value or ""))


def plain(value: str | None) -> str:
    return _words(value or "")


def pegjs_credit(choice: Mapping[str, Any]) -> float:
    """A choice's credit as gift-pegjs reads it: the weight, else 1 for = and 0 for ~."""
    if choice.get("weight") is not None:
        return float(choice["weight"]) / 100
    return 1.0 if choice.get("isCorrect") else 0.0


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def assert_agrees(question: Mapping[str, Any], item: Mapping[str, Any], tags: list[str]) -> None:
    """``question`` (as :meth:`ParsedQuestion.as_dict`) says what gift-pegjs's ``item``
    says; ``tags`` are the category segments in force plus the item's own tags."""
    where = f"{item.get('type')} {item.get('title')!r}"
    assert question["type"] in PEGJS_TYPES[item["type"]], where
    if item.get("title") is not None:
        assert question["title"] == _words(item["title"]), where
    assert our_text(question["stem"]) == rich_text(item["stem"]), where
    assert question.get("uid") == item.get("id"), where
    assert question["tags"] == tags, where
    if item["type"] not in ("Description",):
        general = rich_text(item.get("globalFeedback"))
        assert plain(question["feedback"].get("general")) == general, where
    CHECKS[item["type"]](question, item, where)


def _check_choices(question: Mapping[str, Any], item: Mapping[str, Any], where: str) -> None:
    data = question["data"]
    options = data["options"]
    choices = item["choices"]
    assert [plain(o["text"]) for o in options] == [rich_text(c["text"]) for c in choices], where
    assert [plain(o.get("feedback")) for o in options] == [
        rich_text(c["feedback"]) for c in choices
    ], where
    credits = [pegjs_credit(c) for c in choices]
    if question["type"] == "single_choice":
        fractions = data.get("fractions") or {data["correct"]: 1}
        ours = [float(fractions.get(o["id"], 0)) for o in options]
        assert all(close(a, b) for a, b in zip(ours, credits, strict=True)), (where, ours)
        assert any(c.get("isCorrect") for c in choices), where
    else:
        assert not any(c.get("isCorrect") for c in choices), where
        positive = [o["id"] for o, credit in zip(options, credits, strict=True) if credit > 0]
        assert data["correct"] == positive, where
        if "fractions" in data:  # Moodle's weights, kept as they are
            ours = [float(data["fractions"].get(o["id"], 0)) for o in options]
            assert all(close(a, b) for a, b in zip(ours, credits, strict=True)), (where, ours)


def _check_short(question: Mapping[str, Any], item: Mapping[str, Any], where: str) -> None:
    answers = question["data"]["answers"]
    choices = item["choices"]
    assert [plain(a["text"]) for a in answers] == [plain(c["text"]["text"]) for c in choices], where
    assert [a["fraction"] for a in answers] == [pegjs_credit(c) for c in choices], where
    assert [plain(a.get("feedback")) for a in answers] == [
        rich_text(c["feedback"]) for c in choices
    ], where


def _numeric_answer(spec: Mapping[str, Any]) -> tuple[float | None, float | None]:
    if spec.get("type") == "simple":
        return float(spec["number"]), 0.0
    if spec.get("type") == "range":
        return float(spec["number"]), float(spec["range"])
    if spec.get("type") == "high-low":
        low, high = float(spec["numberLow"]), float(spec["numberHigh"])
        return (low + high) / 2, (high - low) / 2
    assert spec.get("text") == "*", spec  # gift-pegjs's "any other answer"
    return None, None


def _check_numeric(question: Mapping[str, Any], item: Mapping[str, Any], where: str) -> None:
    data, choices = question["data"], item["choices"]
    expected: list[tuple[float | None, float | None, float, str]] = []
    if isinstance(choices, Mapping):
        expected.append((*_numeric_answer(choices), 1.0, ""))
    else:
        for choice in choices:
            value, tolerance = _numeric_answer(choice["text"])
            credit, feedback = pegjs_credit(choice), rich_text(choice["feedback"])
            if value is None and not credit and not feedback:
                continue  # a bare ~ changes nothing: the platform does not keep it
            expected.append((value, tolerance, credit, feedback))
    if "answers" in data:
        ours = [
            (a["value"], a.get("tolerance"), a["fraction"], plain(a.get("feedback")))
            for a in data["answers"]
        ]
    else:  # the short form: the answer's feedback is the feedback to a right answer
        [(_, _, _, own)] = expected
        assert plain(question["feedback"].get("correct")) == own, where
        ours = [(data["answer"], data["tolerance"], 1, own)]
    assert len(ours) == len(expected), (where, ours, expected)
    for mine, theirs in zip(ours, expected, strict=True):
        assert close(mine[0], theirs[0]) and close(mine[2], theirs[2]), (where, mine, theirs)
        if mine[0] is not None:
            assert close(mine[1], theirs[1]), (where, mine, theirs)
        assert mine[3] == theirs[3], (where, mine, theirs)


def _check_true_false(question: Mapping[str, Any], item: Mapping[str, Any], where: str) -> None:
    data = question["data"]
    assert data["correct"] is item["isTrue"], where
    on_true, on_false = data.get("feedback_true"), data.get("feedback_false")
    wrong, right = (on_false, on_true) if data["correct"] else (on_true, on_false)
    assert plain(wrong) == rich_text(item["trueFeedback"]), where  # the first #feedback
    assert plain(right) == rich_text(item["falseFeedback"]), where  # the second


_PEGJS_CODES = {
    "&&092;": "\\",
    "&&058;": ":",
    "&&035;": "#",
    "&&061;": "=",
    "&&123;": "{",
    "&&125;": "}",
    "&&126;": "~",
    "&&010": " ",
}


def _subanswer(text: str) -> str:
    """gift-pegjs leaves its placeholders for escaped characters in a matching answer."""
    for code, char in _PEGJS_CODES.items():
        text = text.replace(code, char)
    return plain(text)


def _check_matching(question: Mapping[str, Any], item: Mapping[str, Any], where: str) -> None:
    data = question["data"]
    responses = {r["id"]: plain(r["text"]) for r in data["responses"]}
    ours = [(plain(p["text"]), responses[data["correct"][p["id"]]]) for p in data["premises"]]
    pairs = [(rich_text(p["subquestion"]), _subanswer(p["subanswer"])) for p in item["matchPairs"]]
    assert ours == [pair for pair in pairs if pair[0]], where
    assert set(responses.values()) == {answer for _, answer in pairs}, where


def _check_nothing(question: Mapping[str, Any], item: Mapping[str, Any], where: str) -> None:
    pass


CHECKS = {
    "MC": _check_choices,
    "Short": _check_short,
    "Numerical": _check_numeric,
    "TF": _check_true_false,
    "Matching": _check_matching,
    "Essay": _check_nothing,
    "Description": _check_nothing,
}
