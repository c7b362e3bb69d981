"""Writes of tokens, for any kind: issue, revoke, touch; and :func:`token_check`, what an
authentication class asks of a presented secret. Issue and revoke write their audit
record (the kind's actions) in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration, User
from lms.accounts.selectors import can_see_people_of
from lms.accounts.throttles import Budget, Rate
from lms.audit.services import audit_record

from . import selectors
from .keys import new_secret, token_digest
from .kinds import TokenKind
from .models import BearerToken

EXPIRY_CHOICES_DAYS = (30, 90, 365)
MAX_EXPIRY_DAYS = 365
NAME_MAX_LENGTH = 100
# ``last_used_at`` is written at most this often, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenRefused(Exception):
    """The token cannot be created as asked; ``message`` says why (translated) and
    ``field`` which form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TokenInvalid(Exception):
    """A presented secret does not authenticate; ``message`` says why (translated), in
    the kind's words. ``reason``: ``invalid``, ``revoked``, ``expired`` or ``owner``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _state(kind: TokenKind[Any], token: BearerToken) -> dict[str, Any]:
    """What the trail keeps of a token (never its secret or digest)."""
    return {name: getattr(token, name) for name in kind.audited_fields}


def _label(token: BearerToken) -> str:
    return f"{token.name} ({token.prefix})"


def token_issue[T: BearerToken](
    *,
    kind: TokenKind[T],
    actor: User,
    administration: Administration,
    name: str,
    expires_in_days: int,
    extra: Mapping[str, Any] | None = None,
) -> tuple[T, str]:
    """Create a token of ``kind`` for ``administration``; returns it with its secret,
    which is shown once and never stored. ``extra``: the kind's further fields."""
    if not can_see_people_of(actor, administration):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise TokenRefused(_("Give the token a name."), "name")
    if len(name) > NAME_MAX_LENGTH:
        raise TokenRefused(
            _("The name is too long (at most %(max)d characters).") % {"max": NAME_MAX_LENGTH},
            "name",
        )
    values = kind.clean_extra(extra or {}) if kind.clean_extra else {}
    if not isinstance(expires_in_days, int) or not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise TokenRefused(
            _("A token expires within %(max)d days.") % {"max": MAX_EXPIRY_DAYS},
            "expires_in_days",
        )
    prefix, secret = new_secret(kind.secret_prefix)
    with transaction.atomic():
        token = kind.model._default_manager.create(
            name=name,
            administration=administration,
            prefix=prefix,
            key_hash=token_digest(secret),
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=expires_in_days),
            **values,
        )
        audit_record(
            actor=actor,
            action=kind.create_action,
            administration=administration,
            target=token,
            target_repr=_label(token),
            after=_state(kind, token),
        )
    return token, secret


def token_revoke[T: BearerToken](*, kind: TokenKind[T], actor: User, token: T) -> T:
    """Revoke the token (it stops working at once). Revoking twice changes nothing."""
    if not isinstance(token, kind.model) or not can_see_people_of(actor, token.administration):
        raise PermissionDenied
    with transaction.atomic():
        locked = kind.model._default_manager.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            before = _state(kind, locked)
            locked.revoked_at = timezone.now()
            locked.revoked_by = actor
            locked.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(
                actor=actor,
                action=kind.revoke_action,
                administration=locked.administration_id,
                target=locked,
                target_repr=_label(locked),
                before=before,
                after=_state(kind, locked),
            )
    return locked


def token_touch(*, token: BearerToken, now: dt.datetime | None = None) -> None:
    """Record that the token was used, at most once per ``LAST_USED_RESOLUTION`` (one
    UPDATE a minute at most, not one write per request)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    type(token)._default_manager.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def token_failure_budget(kind: TokenKind[Any]) -> Budget:
    """Failed authentications allowed per client address for ``kind``
    (``LMS_API_AUTH_FAILURE_RATE``, counted apart for each kind)."""
    rate = Rate.parse(settings.LMS_API_AUTH_FAILURE_RATE, setting="LMS_API_AUTH_FAILURE_RATE")
    return Budget(kind.failure_scope, rate)


def token_check[T: BearerToken](
    *, kind: TokenKind[T], raw: str, now: dt.datetime | None = None
) -> T:
    """The usable token whose secret is ``raw`` (its use recorded), or
    :class:`TokenInvalid` saying why: unknown, revoked, expired, or its creator can no
    longer manage its administration."""
    texts = kind.texts
    token = selectors.token_by_key(kind, raw)
    if token is None:
        raise TokenInvalid("invalid", str(texts.invalid))
    now = now or timezone.now()
    if token.revoked_at is not None:
        raise TokenInvalid("revoked", str(texts.revoked))
    if token.is_expired(now):
        date = formats.date_format(token.expires_at, "DATE_FORMAT")
        raise TokenInvalid("expired", str(texts.expired) % {"date": date})
    if not selectors.token_owner_may_use(token):
        raise TokenInvalid("owner", str(texts.owner_gone))
    token_touch(token=token, now=now)
    return token
