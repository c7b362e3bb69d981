"""Every word a template shows goes through translation: visible text and the attributes
people read (alt, title, aria-label, placeholder) sit inside ``{% translate %}`` or
``{% blocktranslate %}``, or come from a variable. What is left after stripping those is
an allowed technical token (a file format's name, a unit, a code prefix) or nothing."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"

ALLOWED = {"CSV", "XLSX", "xlsx", "Excel", "min", "lms"}
"""Words that are the same in every language: file formats, the minute's symbol, the API
token prefix."""

_STRIP = [
    r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}",
    r"\{#.*?#\}",
    r"\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}",
    r"\{%\s*block\s+\w*class\w*\s*%\}.*?\{%\s*endblock\b[^%]*%\}",  # a class name
    r"\{%.*?%\}",
    r"\{\{.*?\}\}",
    r"<!--.*?-->",
    r"<(script|style)\b.*?</\1>",
]
_READ_ATTRIBUTES = re.compile(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"')
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def untranslated(source: str) -> list[str]:
    """The words of ``source`` (a template) shown to people outside translation."""
    for pattern in _STRIP:
        source = re.sub(pattern, " ", source, flags=re.S)
    words = [w for value in _READ_ATTRIBUTES.findall(source) for w in _WORD.findall(value)]
    text = re.sub(r"<[^>]*>", " ", source, flags=re.S)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    words += _WORD.findall(text)
    return [word for word in words if word not in ALLOWED]


def test_no_template_shows_untranslated_words():
    found = {
        str(path.relative_to(TEMPLATES)): words
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (words := untranslated(path.read_text("utf-8")))
    }
    assert len(list(TEMPLATES.rglob("*.html"))) > 50
    assert found == {}


def test_the_check_finds_what_it_is_for():
    assert untranslated('<p>Sign in</p>{% translate "Sign in" %}') == ["Sign", "in"]
    assert untranslated('<img alt="Seal" src="{{ x }}">') == ["Seal"]
    assert untranslated('<a title="{% translate "Next" %}">{{ label }}</a>') == []
    assert untranslated("{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}") == []
    assert untranslated("<td>{{ n }} min</td><code>lms_{{ p }}</code>") == []
    assert untranslated("{% block body_class %}error-page{% endblock %}") == []
