"""The question-type registry: every type is complete in its own room."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template

from assessments import grading, types
from assessments.models import QuestionVersion
from assessments.types.base import QuestionType

NAMES = [qtype.name for qtype in types.TYPES]


def test_registry_is_the_single_list_of_types():
    assert list(types.REGISTRY) == NAMES == list(grading.QUESTION_TYPES)
    assert len(set(NAMES)) == len(NAMES)
    assert [name for name, _label in QuestionVersion._meta.get_field("type").choices] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_type_has_its_module_templates_and_script(name):
    qtype = types.get(name)
    assert isinstance(qtype, QuestionType)
    assert type(qtype).__module__ == f"assessments.types.{name}"
    get_template(qtype.template)
    get_template(qtype.review_template)
    if qtype.script:
        assert finders.find(qtype.script), qtype.script
    assert qtype.response_field
    assert bool(qtype.entry_lists) == (qtype.response_id_shape is not None)
    assert set(qtype.always_shuffled) <= set(qtype.entry_lists)
    assert qtype.label


def test_no_module_outside_the_types_names_a_type():
    """Adding a type touches its module and the registry: no other Python module of the
    app branches on a type's name."""
    root = Path(settings.BASE_DIR) / "assessments"
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(("types/", "tests/", "migrations/", "demo/")):
            continue
        if relative in EXEMPT:
            continue
        text = path.read_text(encoding="utf-8")
        for name in NAMES:
            if name in ORDINARY_WORDS:
                # Also an ordinary field name (a bank's description): only a comparison
                # or a lookup by that name branches on the type.
                found = re.search(
                    rf'[=!]=\s*"{name}"|"{name}"\s*[=!]=|\bin\s*[(\[{{][^)\]}}]*"{name}"'
                    rf'|(?:get|REGISTRY\[)\(?\s*"{name}"',
                    text,
                )
            else:
                found = f'"{name}"' in text
            if found:
                offenders.append(f"{relative}: {name}")
    assert offenders == []


EXEMPT = {
    "interchange/aiken.py": "Aiken has one question type, a single choice",
    "portable.py": "the JSON format: the platform's own data, keyed by type",
    "seed.py": "demo content, written per type",
}
"""Modules that may name a type, and why."""

ORDINARY_WORDS = {"description"}
"""Type names that are also ordinary words of the app (``QuestionBank.description``)."""
