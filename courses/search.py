"""Full-text search of the catalogue: course, module and lesson pages, in their language.

Decision: our own index table (``SearchDocument``) with ``django.contrib.postgres.search``
on PostgreSQL and a plain-text fallback on SQLite, rather than Wagtail's search backend.

- Wagtail's database backend (``wagtail.search.backends.database``, the one this project
  already uses for the admin's page search) builds every page's ``tsvector`` with
  one ``SEARCH_CONFIG`` for the whole site. A Spanish lesson stemmed as English misses
  "precintos" for "precinto", and Portuguese and French stop words stay in the index.
  Two backends cannot share its single ``IndexEntry`` table, so there is no way to give
  each locale its own configuration.
- It returns no highlighted snippet (no ``ts_headline``), and results cannot be joined
  to the catalogue's tenancy rule in SQL (the backend filters only on indexed fields), so
  paging through "courses the reader may see" would need a search per page of results.
- Here each row stores its language and, on PostgreSQL, a vector built with that
  language's configuration (``spanish``, ``portuguese``, ``french``, ``english``;
  ``simple`` for any other), title weighted above body, GIN-indexed. A query runs
  ``websearch_to_tsquery`` in the reader's language (quoted phrases, ``or`` and ``-``
  work; punctuation only gives no lexemes, hence no results, never an error) and
  ``ts_headline`` gives the snippet. PostgreSQL's parser keeps hyphenated words whole
  and in parts ("rip-on" is indexed as ``rip-on``, ``rip``, ``on``), so "rip-on" finds
  them. Accents: the vector also indexes the accented words without their accents, so
  "inspeccion" finds "inspección".
- SQLite (the embedded demo) has no stemmer for Spanish, Portuguese or French in FTS5, so
  the fallback is a word-prefix match on a folded copy of the text (lower case, no
  accents, punctuation turned to spaces): every query word must start a word of the page
  ("seal" finds "seals" and "sealed"), and "rip-on" becomes the phrase "rip on".
  The folded text is indexed by an FTS5 table (``FTS_TABLE``, kept in step with the
  documents by triggers, see :func:`sqlite_fts_install`), queried with prefix phrases
  (``"rip on"*``), so a search reads the index, not every document; where this Python's
  SQLite has no FTS5, the same match is a LIKE scan of the folded text.
- A search looks in each language the reader reads (``courses.selectors.
  reading_languages``), each with its own configuration on PostgreSQL.

Only what is live is indexed, from the page row (Wagtail keeps the published content
there; drafts live in revisions): publishing indexes, unpublishing and deleting remove
(deletion by cascade), moving re-indexes the subtree, and ``manage.py
search_index_rebuild`` rebuilds everything (a missed signal is never permanent).
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import translation
from wagtail.fields import StreamField
from wagtail.models import Page

from .models import CoursePage, LessonPage, ModulePage, SearchDocument

# PostgreSQL text-search configuration of each content language.
CONFIGS = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french"}
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
WORD = re.compile(r"\w+")


def config_for(language: str) -> str:
    """The text-search configuration of a language code ("pt-br" -> "portuguese")."""
    return CONFIGS.get(language.lower().split("-")[0].split("_")[0], "simple")


def fold(text: str) -> str:
    """Lower case without accents ("Inspección" -> "inspeccion"), same words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def folded_words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def query_terms(query: str) -> list[str]:
    """The query's terms for the SQLite fallback: each whitespace-separated token folded,
    a hyphenated or dotted token kept as one phrase ("rip-on" -> "rip on"); tokens with
    no letters or digits dropped. At most ``MAX_QUERY_WORDS``."""
    terms = []
    for token in query.split():
        words = folded_words(token)
        if words:
            terms.append(" ".join(words))
    return terms[:MAX_QUERY_WORDS]


def searchable(query: str) -> bool:
    """Whether a query holds at least one word to look for (letters or digits)."""
    return bool(query_terms(query))


# --- SQLite: the FTS5 index of the folded text --------------------------------------------

FTS_TABLE = "courses_searchdocument_fts"
_FTS_DDL = [
    # Its own copy of the folded text; rowid = the document's id. unicode61 splits on what
    # ``folded_words`` splits on (the text is already folded: nothing left to remove).
    "CREATE VIRTUAL TABLE IF NOT EXISTS courses_searchdocument_fts "
    "USING fts5(folded, tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS courses_searchdocument_fts_insert "
    "AFTER INSERT ON courses_searchdocument BEGIN "
    "INSERT INTO courses_searchdocument_fts(rowid, folded) VALUES (new.id, new.folded); END",
    "CREATE TRIGGER IF NOT EXISTS courses_searchdocument_fts_update "
    "AFTER UPDATE ON courses_searchdocument BEGIN "
    "DELETE FROM courses_searchdocument_fts WHERE rowid = old.id; "
    "INSERT INTO courses_searchdocument_fts(rowid, folded) VALUES (new.id, new.folded); END",
    "CREATE TRIGGER IF NOT EXISTS courses_searchdocument_fts_delete "
    "AFTER DELETE ON courses_searchdocument BEGIN "
    "DELETE FROM courses_searchdocument_fts WHERE rowid = old.id; END",
    # (Re)fill from the documents.
    "DELETE FROM courses_searchdocument_fts",
    "INSERT INTO courses_searchdocument_fts(rowid, folded) "
    "SELECT id, folded FROM courses_searchdocument",
]


@functools.cache
def sqlite_has_fts5() -> bool:
    """Whether this Python's SQLite was built with FTS5 (Debian's and python.org's are)."""
    with closing(sqlite3.connect(":memory:")) as db:
        try:
            db.execute("CREATE VIRTUAL TABLE probe USING fts5(text)")
        except sqlite3.OperationalError:
            return False
    return True


def sqlite_fts_install(db: Any = None) -> None:
    """Create the FTS5 table and its triggers, and fill it from the documents (SQLite with
    FTS5 only; idempotent). Run by migration ``0010`` and by ``search_index_rebuild``:
    SQLite drops a table's triggers when Django rebuilds the table in a later migration,
    so that command (run after such a migration) puts them back."""
    db = db or connection
    if db.vendor != "sqlite" or not sqlite_has_fts5():
        return
    with db.cursor() as cursor:
        for statement in _FTS_DDL:
            cursor.execute(statement)


def sqlite_fts_remove(db: Any = None) -> None:
    db = db or connection
    if db.vendor == "sqlite":
        with db.cursor() as cursor:
            for name in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{name}")
            cursor.execute("DROP TABLE IF EXISTS courses_searchdocument_fts")


def sqlite_fts_ready(db: Any = None) -> bool:
    """Whether searches may read the FTS5 table (SQLite built with FTS5: the migration
    then created it)."""
    return (db or connection).vendor == "sqlite" and sqlite_has_fts5()


def fts_query(terms: list[str]) -> str:
    """The FTS5 query of the fallback's terms: each a prefix phrase ("rip on" ->
    ``"rip on"*``: "rip" then a word starting with "on"), all required. The terms hold
    only word characters and single spaces (``query_terms``), so nothing needs quoting."""
    return " AND ".join(f'"{term}"*' for term in terms)


# --- extraction -------------------------------------------------------------------------


def _stream_text(field: StreamField, value: object) -> list[str]:
    return [str(part) for part in field.get_searchable_content(value) if part]


def page_text(page: Page) -> str:
    """The searchable text of a course, module or lesson (the title is kept apart)."""
    parts: list[str]
    if isinstance(page, CoursePage):
        parts = [
            page.summary,
            *_stream_text(CoursePage._meta.get_field("outcomes"), page.outcomes),
            page.prerequisites,
        ]
    elif isinstance(page, ModulePage):
        parts = [page.intro]
    elif isinstance(page, LessonPage):
        parts = _stream_text(LessonPage._meta.get_field("body"), page.body)
    else:
        parts = []
    text = " ".join(part.strip() for part in parts if part and part.strip())
    # "rip-on/rip-off": PostgreSQL would read "/rip-off" as a file path; keep words apart.
    text = re.sub(r"(?<=\w)/(?=\w)", " / ", text)
    return re.sub(r"\s+", " ", text).strip()


# --- writes -----------------------------------------------------------------------------

INDEXED = (CoursePage, ModulePage, LessonPage)


def _course_and_module(page: Page) -> tuple[CoursePage | None, ModulePage | None]:
    if isinstance(page, CoursePage):
        return page, None
    ancestors = {
        type(ancestor): ancestor
        for ancestor in Page.objects.ancestor_of(page).filter(depth__gte=2).specific()
        if isinstance(ancestor, (CoursePage, ModulePage))
    }
    return ancestors.get(CoursePage), ancestors.get(ModulePage)


def _vector_sql_update(pk: int, language: str, accentless: str) -> None:
    """Build a stored vector (PostgreSQL): the title (weight A), the text (B) and the
    text's accented words without their accents (C), in the language's configuration."""
    from django.contrib.postgres.search import SearchVector
    from django.db.models import TextField, Value

    config = config_for(language)
    vector = SearchVector("title", config=config, weight="A") + SearchVector(
        "text", config=config, weight="B"
    )
    if accentless:
        vector += SearchVector(
            Value(accentless, output_field=TextField()), config=config, weight="C"
        )
    SearchDocument.objects.filter(pk=pk).update(vector=vector)


def _accentless(text: str) -> str:
    """The words of ``text`` that carry accents, without them ("inspección" ->
    "inspeccion"), so a query typed without accents finds them."""
    words = WORD.findall(f"{text}".lower())
    return " ".join(dict.fromkeys(fold(word) for word in words if fold(word) != word))


def search_document_update(*, page: Page) -> SearchDocument | None:
    """Index a live course, module or lesson as published; remove it when it is not live
    or not in a course. Idempotent."""
    page = page.specific
    if not isinstance(page, INDEXED):
        return None
    course, module = _course_and_module(page)
    if not page.live or course is None:
        search_document_delete(page=page)
        return None
    language = page.locale.language_code
    with translation.override(language):  # choice labels in the page's own language
        text = page_text(page)
    with transaction.atomic():
        document, _ = SearchDocument.objects.update_or_create(
            page_id=page.pk,
            defaults={
                "course_id": course.pk,
                "module_id": module.pk if module else None,
                "language": language,
                "kind": page._meta.model_name.removesuffix("page"),
                "title": page.title[:255],
                "text": text,
                "folded": " " + " ".join(folded_words(f"{page.title} {text}")) + " ",
            },
        )
        if connection.vendor == "postgresql":
            _vector_sql_update(document.pk, language, _accentless(f"{page.title} {text}"))
    return document


def search_document_delete(*, page: Page) -> None:
    SearchDocument.objects.filter(page_id=page.pk).delete()


def search_subtree_update(*, page: Page) -> int:
    """Re-index a page and everything under it (after a move, or an unpublished course's
    lessons); the number of documents kept."""
    kept = 0
    for each in Page.objects.descendant_of(page, inclusive=True).specific():
        kept += search_document_update(page=each) is not None
    return kept


def search_index_rebuild() -> int:
    """Drop and rebuild the whole index from the live pages; the number of documents."""
    with transaction.atomic():
        sqlite_fts_install()  # its triggers back, should a migration have dropped them
        SearchDocument.objects.all().delete()
        kept = 0
        for model in INDEXED:
            for page in model.objects.live().select_related("locale"):
                kept += search_document_update(page=page) is not None
    return kept


# --- snippets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    """A piece of a snippet; the template escapes it and marks it when ``marked``."""

    text: str
    marked: bool


def _matches(words: list[str], parts: list[str]) -> bool:
    """Do ``words`` match the phrase ``parts`` (the last part as a prefix)?"""
    *whole, last = parts
    return words[: len(whole)] == whole and words[len(whole)].startswith(last)


class _FoldTable(dict):
    """``str.translate`` table folding each character to one lower-case character
    without its accent ("É" -> "e"), so positions in the folded text are positions in
    the text."""

    def __missing__(self, code: int) -> str:
        self[code] = unicodedata.normalize("NFD", chr(code))[0].lower()[:1] or chr(code)
        return self[code]


FOLD_TABLE = _FoldTable()
SNIPPET_CHARS = 400


def snippet_fragments(text: str, terms: list[str], *, words: int = 30) -> list[Fragment]:
    """The SQLite snippet: about ``words`` words of ``text`` around its first match, the
    matched words marked; the start of the text when nothing matches."""
    folded_text = text.translate(FOLD_TABLE)
    first = len(text)
    for term in terms:
        pattern = r"(?<!\w)" + r"\W+".join(re.escape(part) for part in term.split(" "))
        found = re.search(pattern, folded_text)
        if found:
            first = min(first, found.start())
    first = 0 if first == len(text) else first
    # Only a window around the first match is cut into words (lessons can be long).
    begin = max(0, first - SNIPPET_CHARS // 3)
    window = text[begin : begin + SNIPPET_CHARS]
    tokens = [match.group() for match in re.finditer(r"\w+|\W+", window)]
    if begin and tokens and WORD.fullmatch(tokens[0]):
        tokens = tokens[1:]  # a word cut by the window
    positions = [i for i, token in enumerate(tokens) if WORD.fullmatch(token)]
    folded = [tokens[i].translate(FOLD_TABLE) for i in positions]
    marked: set[int] = set()
    for term in terms:
        parts = term.split(" ")
        for n in range(len(positions) - len(parts) + 1):
            if _matches(folded[n : n + len(parts)], parts):
                marked.update(positions[n : n + len(parts)])
    first_word = next((n for n, i in enumerate(positions) if i in marked), 0)
    start_word = max(0, first_word - words // 3)
    chosen = positions[start_word : start_word + words]
    if not chosen:
        return []
    start, end = chosen[0], chosen[-1] + 1
    fragments = [Fragment("… ", False)] if begin or start_word else []
    fragments += [Fragment(tokens[i], i in marked) for i in range(start, end)]
    if chosen[-1] < positions[-1] or begin + len(window) < len(text):
        fragments.append(Fragment(" …", False))
    return fragments


def headline_fragments(headline: str, start: str, stop: str) -> list[Fragment]:
    """PostgreSQL's ``ts_headline`` output (matches between ``start`` and ``stop``) as
    fragments, so the template escapes the text and marks the matches."""
    fragments = []
    for number, piece in enumerate(re.split(f"{re.escape(start)}|{re.escape(stop)}", headline)):
        if piece:
            fragments.append(Fragment(piece, number % 2 == 1))
    return fragments


@dataclass(frozen=True)
class SearchHit:
    document: SearchDocument
    fragments: list[Fragment]


def search_hits(documents: Iterable[SearchDocument], query: str) -> list[SearchHit]:
    """Results with their snippets: PostgreSQL's headline, or the SQLite fallback's."""
    from .selectors import HEADLINE_START, HEADLINE_STOP

    terms = query_terms(query)
    hits = []
    for document in documents:
        headline = getattr(document, "headline", None)
        if headline is not None:
            fragments = headline_fragments(headline, HEADLINE_START, HEADLINE_STOP)
        else:
            fragments = snippet_fragments(document.text, terms)
        hits.append(SearchHit(document, fragments))
    return hits
