"""The platform's English, found in a page or a file rendered in another language: the
English messages of the project's catalogue whose translation differs, looked for in the
text nodes and the read attributes of the HTML (or the cells of a CSV). Shared by the
page-by-page check (tests/test_pages_in_every_language.py) and the browser journeys."""

from __future__ import annotations

import csv
import functools
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.conf import settings
from wagtail.models import Page

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = {"es": "es", "pt-br": "pt_BR", "fr": "fr"}
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}


class _Text(HTMLParser):
    """The text nodes and read attributes of a page (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.parts.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.parts.append(text)


def texts_of(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


@functools.cache
def english_messages(language: str) -> list[tuple[str, re.Pattern[str] | None]]:
    """The catalogue's English messages that read differently in ``language``: each with a
    pattern that finds it inside a longer text (messages of three words or more; shorter
    ones count only as a whole text)."""
    catalogue = polib.pofile(str(LOCALE / CATALOGUES[language] / "LC_MESSAGES" / "django.po"))
    found = []
    for entry in catalogue.translated_entries():
        for source, target in (
            [(entry.msgid, entry.msgstr)]
            if not entry.msgid_plural
            else [(entry.msgid, entry.msgstr_plural.get(0, "")), (entry.msgid_plural, "")]
        ):
            if source == target or not re.search(r"[A-Za-z]{3}", source):
                continue
            parts = [part.strip() for part in re.split(r"%\(\w+\)[sd]|\{\w*\}|%[sd]", source)]
            pattern = None
            if sum(len(part.split()) for part in parts) >= 3:  # enough English to tell
                between = r"[^.!?]{1,80}?"
                body = between.join(re.escape(part) for part in parts if part)
                pattern = re.compile(rf"(?<!\w){body}(?!\w)")
            found.append((source, pattern))
    return found


def leaks(body: str, language: str, content: set[str], *, csv_file: bool = False) -> list[str]:
    if csv_file:  # an export or a template: its cells
        parts = [" ".join(cell.split()) for row in csv.reader(io.StringIO(body)) for cell in row]
    else:
        parts = texts_of(body)
    texts = [t for t in parts if t and t not in content]
    problems = []
    for source, pattern in english_messages(language):
        if source in content:
            continue
        for text in texts:
            if text == source or (pattern is not None and pattern.search(text)):
                problems.append(f"{source!r} in {text[:120]!r}")
                break
    return problems


def content_texts() -> set[str]:
    """What authors wrote (page titles of the fixtures), which is not the interface."""
    return set(Page.objects.values_list("title", flat=True))
