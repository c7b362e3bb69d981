"""The officer's secret calendar address: make, replace, turn off, and find its owner.

The token (256 bits from :mod:`secrets`) is shown once, when it is made; only its SHA-256
is stored, so the address cannot be read back from the database. Making a new address
replaces the old one at once; turning the feed off deletes it.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from lms.accounts.models import User

from .models import CalendarFeed


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def calendar_feed_create(*, actor: User) -> str:
    """Make the actor's calendar address (replacing any earlier one) and return its
    token. Only an officer of an administration has due dates to publish."""
    if not actor.is_authenticated or actor.administration_id is None:
        raise PermissionDenied
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            user_id=actor.pk,
            defaults={
                "token_hash": _digest(token),
                "administration_id": actor.administration_id,
                "created_at": timezone.now(),
            },
        )
    return token


def calendar_feed_revoke(*, actor: User) -> bool:
    """Turn the actor's calendar address off. Whether there was one."""
    deleted, _rows = CalendarFeed.objects.filter(user_id=actor.pk).delete()
    return bool(deleted)


def calendar_feed_owner(token: str) -> User | None:
    """The officer a calendar token belongs to, while they are active and still in the
    administration they made it in; None for any other token (one query)."""
    if not token or len(token) > 128:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_digest(token), user__is_active=True)
        .first()
    )
    if feed is None or feed.user.administration_id != feed.administration_id:
        return None
    return feed.user
