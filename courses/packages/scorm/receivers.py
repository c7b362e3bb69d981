"""Wiring only: a deleted package's files are removed once the deletion is committed,
however it was deleted (admin, bulk action, shell); a published lesson's SCORM blocks are
rebuilt (:func:`services.scorm_slots_sync`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete


def connect() -> None:
    from wagtail.signals import page_published

    from courses.models import LessonPage

    from .models import ScormPackage

    post_delete.connect(package_deleted, sender=ScormPackage, dispatch_uid="scorm.files")
    page_published.connect(lesson_published, sender=LessonPage, dispatch_uid="scorm.slots")


def lesson_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .services import scorm_slots_sync

    scorm_slots_sync(lesson=instance)


def package_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .services import scorm_package_files_delete

    prefix = instance.storage_prefix
    transaction.on_commit(lambda: scorm_package_files_delete(prefix=prefix))
