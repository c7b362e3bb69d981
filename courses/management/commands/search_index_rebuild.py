"""Rebuild the catalogue's full-text index from the live pages (courses/search.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from courses.search import search_index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the catalogue search index (courses, modules and lessons as published). "
        "Publishing keeps it current; run this after deploying the search or restoring a "
        "database."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = search_index_rebuild()
        self.stdout.write(f"Indexed {count} pages.")
