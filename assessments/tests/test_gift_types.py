"""GIFT through the type registry: the format reads the syntax, each type module maps its
questions (``gift_shapes``, ``gift_read``, ``gift_write``, ``gift_refusal``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from assessments import gift, types
from assessments.gift import GiftQuestionReader, GiftQuestionWriter, parse_gift


def test_every_shape_is_read_by_one_type_and_every_type_is_written_or_refused():
    claimed: dict[str, list[str]] = {}
    for qtype in types.TYPES:
        for shape in getattr(qtype, "gift_shapes", ()):
            assert shape in gift.SHAPES, (qtype.name, shape)
            assert hasattr(qtype, "gift_read"), qtype.name
            claimed.setdefault(shape, []).append(qtype.name)
        assert hasattr(qtype, "gift_write") != hasattr(qtype, "gift_refusal"), qtype.name
        if hasattr(qtype, "gift_refusal"):
            assert qtype.gift_refusal in gift.MESSAGES, qtype.name
    for shape in gift.SHAPES:
        readers = claimed.get(shape, [])
        assert len(readers) == 1, (shape, readers)


def test_exportable_types_are_the_types_that_write_gift():
    assert gift.exportable_types() == gift.EXPORTABLE_TYPES
    expected = {t.name for t in types.TYPES if hasattr(t, "gift_write")}
    assert expected == gift.EXPORTABLE_TYPES
    assert not gift.EXPORTABLE_TYPES & {t.name for t in types.TYPES if hasattr(t, "gift_refusal")}


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("Read this.", "none"),
        ("Explain. {}", "empty"),
        ("How many? {#3:1}", "number"),
        ("Pick {=a ~b}", "choice"),
        ("Pick {~%50%a ~%50%b ~%-100%c}", "weighted_choice"),
        ("Match {=a -> 1 =b -> 2}", "pairs"),
        ("True? {T}", "truth"),
        ("Name it {=Lyon}", "text"),
    ],
)
def test_the_format_finds_the_shape_and_the_claiming_type_reads_it(text, shape, monkeypatch):
    seen: list[GiftQuestionReader] = []

    class Spy:
        name = "spy"
        scored = True
        gift_shapes: ClassVar[tuple[str, ...]] = (shape,)

        def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
            seen.append(q)
            return {"general": "seen"}, {"shape": q.shape}

    monkeypatch.setattr(types, "TYPES", (Spy(), *types.TYPES))
    result = parse_gift(text)
    assert result.errors == []
    [question] = result.questions
    assert (question.type, question.data, question.feedback) == (
        "spy",
        {"shape": shape},
        {"general": "seen"},
    )
    assert [q.shape for q in seen] == [shape]


def test_a_type_may_decline_a_shape_it_shares(monkeypatch):
    class Declines:
        name = "declines"
        gift_shapes: ClassVar[tuple[str, ...]] = ("choice",)

        def gift_claims(self, q: GiftQuestionReader) -> bool:
            return False

        def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
            raise AssertionError("declined")

    monkeypatch.setattr(types, "TYPES", (Declines(), *types.TYPES))
    [question] = parse_gift("Pick {=a ~b}").questions
    assert question.data["correct"] == "a"
    assert question.type == types.TYPES[1].name


def test_a_type_that_rejects_through_the_reader_gives_a_located_error(monkeypatch):
    class Picky:
        name = "picky"
        gift_shapes: ClassVar[tuple[str, ...]] = ("truth",)

        def gift_read(self, q: GiftQuestionReader) -> tuple[dict[str, str], dict[str, Any]]:
            q.reject("bad_number", value="x")

    monkeypatch.setattr(types, "TYPES", (Picky(), *types.TYPES))
    result = parse_gift("// note\n\n::T1:: Is it? {T}")
    assert result.questions == []
    [error] = result.errors
    assert (error.line, error.title, error.code, error.message) == (
        3,
        "T1",
        "bad_number",
        "“x” is not a number.",
    )


def test_export_asks_the_type_for_its_lines_or_its_refusal(monkeypatch):
    class Writes:
        name = "writes"

        def gift_write(self, w: GiftQuestionWriter) -> list[str]:
            return [w.option_line("=", {"text": w.data["text"], "feedback": "50% {ok}"})]

    class Refuses:
        name = "refuses"
        gift_refusal = "export_hotspot"

    class Broken:
        name = "broken"

        def gift_write(self, w: GiftQuestionWriter) -> list[str]:
            return [w.data["missing"]]

    monkeypatch.setattr(types, "TYPES", (Writes(), Refuses(), Broken(), *types.TYPES))
    questions: list[Mapping[str, Any]] = [
        {"type": "writes", "title": "W", "stem": "<p>S</p>", "data": {"text": "[a] #1"}},
        {"type": "refuses", "title": "R", "stem": "<p>S</p>", "data": {}},
        {"type": "broken", "title": "B", "stem": "<p>S</p>", "data": {}},
        {"type": "unheard_of", "title": "U", "stem": "<p>S</p>", "data": {}},
    ]
    text, skipped = gift.export_gift(questions)
    assert text == "::W::[html]<p>S</p> {\n\t=&\\#91;a] \\#1#50% \\{ok\\}\n}\n"
    assert skipped == [
        ("R", gift.MESSAGES["export_hotspot"]),
        ("B", gift.MESSAGES["export_invalid"]),
        ("U", gift.MESSAGES["export_unknown_type"]),
    ]
