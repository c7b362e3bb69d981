"""The catalogue's full-text index: one row per live course, module or lesson page.

Why not Wagtail's own search backend (see ``courses/search.py`` for the whole decision):
it keeps one text-search configuration for every page, so Spanish lessons would be
stemmed as English, and it gives no highlighted snippets. This table keeps the page's
language with its text, and on PostgreSQL a ``tsvector`` built with that language's
configuration (GIN-indexed by migration ``0008``, on PostgreSQL only).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """The searchable text of one live page, as published (drafts are never indexed).

    ``course`` carries tenancy: searches keep only documents whose course the reader may
    see (``courses.selectors.course_visibility_q``), so ownership is never copied here and
    a course moving between catalogues needs no re-indexing to stay private.
    """

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="search_document"
    )
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="search_documents"
    )
    module = models.ForeignKey(
        "courses.ModulePage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="search_documents",
    )
    language = models.CharField(_("language"), max_length=16, db_index=True)
    kind = models.CharField(_("kind"), max_length=10)  # course, module or lesson
    title = models.CharField(_("title"), max_length=255)
    text = models.TextField(_("text"), blank=True)
    # The SQLite fallback searches this: lower case, accents removed, words separated by
    # single spaces, a space at both ends (so " seal" finds words starting with "seal").
    folded = models.TextField(blank=True)
    # PostgreSQL only: title (weight A) and text (weight B) in the language's configuration.
    vector = SearchVectorField(null=True, blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"{self.kind}: {self.title} ({self.language})"

    @property
    def language_name(self) -> str:
        """The language's own name ("Español"), as the language menus show it."""
        return dict(settings.WAGTAIL_CONTENT_LANGUAGES).get(self.language, self.language)
