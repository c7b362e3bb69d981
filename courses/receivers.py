"""Wiring only: Wagtail's page signals call the courses services."""

from __future__ import annotations

from typing import Any

from wagtail.signals import page_published, post_page_move

from . import services
from .models import LessonPage


def _lesson_published(sender: Any, instance: LessonPage, **kwargs: Any) -> None:
    services.lesson_activities_sync(lesson=instance)


def _page_moved(sender: Any, instance: Any, **kwargs: Any) -> None:
    services.course_owners_sync(page=instance)


def connect() -> None:
    page_published.connect(_lesson_published, sender=LessonPage)
    post_page_move.connect(_page_moved)
