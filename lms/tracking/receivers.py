"""Tracking listens to the layers below and to changes of users.

- ``courses.events.course_completed`` and ``assessments.events.assessment_passed``:
  complete the officer's open assignments (the certificates app's receivers of the same
  signals are connected first, ``certificates`` coming before ``lms.tracking`` in
  ``INSTALLED_APPS``, so a certificate earned by the same event already counts).
- ``post_save`` of a user whose unit, administration or active flag changed, and changes
  of a user's groups (becoming or ceasing to be an officer): reconcile that person's
  assignment rows (:func:`lms.tracking.assignments.assignments_sync`).

A failure here is logged and never reaches the request that caused it;
``manage.py tracking_remind --sync`` reconciles whatever a lost signal missed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save

from assessments import events as assessment_events
from courses import events as course_events
from lms.accounts.models import User
from lms.accounts.roles import Role

log = logging.getLogger(__name__)

TRACKED_NAMES = {"administration", "administration_id", "unit", "unit_id", "is_active"}


def _complete(user_id: int) -> None:
    from .assignments import assignments_complete_for

    try:
        with transaction.atomic():
            assignments_complete_for(officer_id=user_id)
    except Exception:
        log.exception("Completing the assignments of user %s failed", user_id)


def on_course_completed(sender: Any, user_id: int, **kwargs: Any) -> None:
    _complete(user_id)


def on_assessment_passed(sender: Any, user_id: int, **kwargs: Any) -> None:
    _complete(user_id)


def _sync(user_ids: Iterable[int]) -> None:
    from .assignments import assignments_sync

    user_ids = list(user_ids)
    if not user_ids:
        return
    try:
        with transaction.atomic():
            assignments_sync(officer_ids=user_ids)
    except Exception:
        log.exception("Reconciling the assignments of users %s failed", user_ids)


def on_user_saved(
    sender: Any,
    instance: User,
    created: bool,
    update_fields: Iterable[str] | None = None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    """A user was saved with possibly another unit, administration or active flag:
    reconcile their rows (a few set-based queries; saves of users are rare, and a save
    that names only other fields, like the login's ``last_login``, costs nothing). A new
    user has no groups yet; becoming an officer is handled by :func:`on_groups_changed`.

    No ``post_init`` snapshot of the old values: it would tax every user loaded anywhere
    (1 s on an export of 50,000 officers) to spare a rare save a few queries."""
    if raw or created:
        return
    if update_fields is not None and not TRACKED_NAMES & set(update_fields):
        return
    _sync([instance.pk])


def on_groups_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """Someone joined or left the Officers group."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:  # user.groups.add(...)
        if action != "post_clear" and pk_set is not None:
            names = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
            if Role.OFFICER.value not in names:
                return
        _sync([instance.pk])
    elif instance.name == Role.OFFICER.value and pk_set:  # group.user_set.add(...)
        _sync(pk_set)


def connect() -> None:
    course_events.course_completed.connect(on_course_completed, dispatch_uid="tracking.course")
    assessment_events.assessment_passed.connect(
        on_assessment_passed, dispatch_uid="tracking.assessment"
    )
    post_save.connect(on_user_saved, sender=User, dispatch_uid="tracking.user_saved")
    m2m_changed.connect(
        on_groups_changed, sender=User.groups.through, dispatch_uid="tracking.user_groups"
    )
