"""Wiring only: Wagtail's page signals call the courses services."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished, post_page_move

from lms import page_cache

from . import search, services
from .models import (
    CourseIndexPage,
    CoursePage,
    H5PActivity,
    LessonActivity,
    LessonPage,
    ModulePage,
)


def _lesson_published(sender: Any, instance: LessonPage, **kwargs: Any) -> None:
    services.lesson_activities_sync(lesson=instance)


def _page_moved(sender: Any, instance: Any, **kwargs: Any) -> None:
    services.course_owners_sync(page=instance)


def _searchable_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    search.search_document_update(page=instance)


def _searchable_unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    search.search_document_delete(page=instance)


def _searchable_moved(sender: Any, instance: Any, **kwargs: Any) -> None:
    search.search_subtree_update(page=instance)


def _catalogue_created(
    sender: Any, instance: CourseIndexPage, created: bool, **kwargs: Any
) -> None:
    if created and not kwargs.get("raw"):
        transaction.on_commit(services.author_groups_sync)


def connect() -> None:
    # Search: publishing indexes, unpublishing removes (deleting removes by cascade),
    # moving re-indexes the subtree (its course or module may have changed).
    for model in (CoursePage, ModulePage, LessonPage):
        page_published.connect(_searchable_published, sender=model)
        page_unpublished.connect(_searchable_unpublished, sender=model)
    post_page_move.connect(_searchable_moved)
    page_published.connect(_lesson_published, sender=LessonPage)
    post_page_move.connect(_page_moved)
    # A new catalogue (one made in a new language when a page is translated into it, with
    # wagtail-localize, included): its owner's authors may edit it.
    post_save.connect(_catalogue_created, sender=CourseIndexPage)
    # Lessons show their activities' titles and slots from the page cache.
    for model in (H5PActivity, LessonActivity):
        for signal in (post_save, post_delete):
            uid = f"page_cache.{model.__name__}.{id(signal)}"
            signal.connect(page_cache.bump, sender=model, dispatch_uid=uid)
