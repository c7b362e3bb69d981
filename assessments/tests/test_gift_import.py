"""GIFT through the bank: ``questions_import`` checks every parsed question against its type
and stores it; ``questions_export`` writes the bank back (issue 13).

A question type is tested here once it is registered in :mod:`assessments.types`; the
types added with issue 13 are being written alongside the GIFT import, so a case whose type
is not registered yet is skipped with that reason rather than left out.
"""

from __future__ import annotations

from typing import Any

import pytest

from assessments.gift import parse_gift
from assessments.grading import validate_question
from assessments.models import QuestionBank
from assessments.portability import ImportRefused, questions_export, questions_import
from assessments.tests.gift_expectations import CORPUS
from assessments.types import REGISTRY

pytestmark = pytest.mark.django_db

CASES: dict[str, str] = {
    "single_choice": "::Origin proof::Which documents prove origin? {=Certificate "
    "=Declaration#Also right. ~%50%Supplier's letter ~%-50%Invoice ~Packing list}",
    "multiple_response": "::CIF::Which are in a CIF price? {~%50%Freight ~%50%Insurance "
    "~%-100%Commissions#Never.}",
    "true_false": "::Release::Goods may be released against a guarantee. "
    "{TRUE#Read Article 19.#Yes.####Article 19.}",
    "numeric": "::Duty::What is 12 % of 1000? {#120:0.5#Exactly.####12 % of 1000.}",
    "numeric_alternatives": "::TEU::How many TEU? {#=2:0#Right. =%50%1..3#Close. "
    "~#Completely wrong.}",
    "matching": "::Documents::Match. {=Invoice -> The price =Bill of lading -> The carriage "
    "= -> The insurance}",
    "short_answer": "::Seal::Which prefix? {=PE-#Right. =%50%pe#Lower case. =%0%*#No.}",
    "essay": "::Release procedure::Describe the release procedure. {####A model answer.}",
    "description": "::Instructions::You may use the tariff for the next questions.",
}


def _parsed(source: str) -> dict[str, Any]:
    [question] = parse_gift(source).questions
    return question.as_dict()


def _supported(question: dict[str, Any]) -> str:
    """Why the platform cannot store ``question`` yet, or "" when it can."""
    if question["type"] not in REGISTRY:
        return f"the {question['type']} type is not registered yet"
    if validate_question(question["type"], question["data"]):
        return f"the {question['type']} type does not take this shape yet"
    return ""


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_gift_type_imports_and_exports_back_unchanged(case):
    original = _parsed(CASES[case])
    if reason := _supported(original):
        pytest.skip(reason)
    bank = QuestionBank.objects.create(title="GIFT")
    report = questions_import(actor=None, bank=bank, text=CASES[case], fmt="gift")
    assert (report.imported, report.rejected) == (1, [])
    version = bank.questions.get().current_version
    assert (version.type, float(version.points)) == (original["type"], original["points"])

    text, skipped = questions_export(bank=bank, fmt="gift")
    assert skipped == []
    [back] = parse_gift(text).questions
    exported = back.as_dict()
    assert exported.pop("uid") == bank.questions.get().uid
    assert exported == original


def test_a_second_import_of_an_exported_bank_updates_its_questions():
    bank = QuestionBank.objects.create(title="GIFT")
    text = "\n\n".join(CASES[case] for case in ("single_choice", "true_false", "matching"))
    assert questions_import(actor=None, bank=bank, text=text, fmt="gift").imported == 3
    exported, _ = questions_export(bank=bank, fmt="gift")
    report = questions_import(actor=None, bank=bank, text=exported, fmt="gift")
    assert (report.imported, report.updated) == (0, 3)


def test_refusals_name_their_line_and_reason():
    bank = QuestionBank.objects.create(title="GIFT")
    text = f"{CASES['true_false']}\n\n::Weights::Pick {{=%150%a ~b}}\n\n// [id:x]\nQ {{T}}"
    text += "\n\n// [id:x]\nQ2 {F}"
    with pytest.raises(ImportRefused) as refused:
        questions_import(actor=None, bank=bank, text=text, fmt="gift")
    assert refused.value.report.rejected == [
        (3, "The weight “%150%” is not a percentage such as %50% or %-100%."),
        (9, "Another question in the file has the same id “x”."),
    ]
    assert not bank.questions.exists()


FILES = sorted(CORPUS.glob("*.gift"))


@pytest.mark.skipif(not FILES, reason=f"the GIFT corpus is not in {CORPUS}")
def test_the_corpus_imports_every_question_of_a_type_the_platform_has(capsys):
    lines, read, imported = [], 0, 0
    for path in FILES:
        text = path.read_text("utf-8")
        parsed = parse_gift(text)
        bank = QuestionBank.objects.create(title=path.stem)
        report = questions_import(actor=None, bank=bank, text=text, fmt="gift", skip_bad=True)
        items = len(parsed.questions) + len(parsed.errors)
        read, imported = read + items, imported + report.imported + report.updated
        refused_lines = {line for line, _ in report.rejected}
        for question in parsed.questions:
            if not _supported(question.as_dict()):
                assert question.line not in refused_lines, (path.name, question.line)
        if report.rejected:
            reasons = "; ".join(f"line {line}: {reason}" for line, reason in report.rejected)
            lines.append(f"{path.stem}: {items} read, {len(report.rejected)} refused ({reasons})")
    with capsys.disabled():
        print(
            f"\nGIFT corpus through questions_import: {imported} of {read} imported",
            *lines,
            sep="\n",
        )
    assert imported == read - sum(
        1
        for path in FILES
        for question in parse_gift(path.read_text("utf-8")).questions
        if _supported(question.as_dict())
    )
