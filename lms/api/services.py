"""Writes of the API app: creating, revoking and touching API tokens.

A token's secret is ``lms_<prefix>_<secret>``: eight hexadecimal characters that the
manager sees in the list, then 256 random bits (``secrets.token_urlsafe(32)``). Only the
SHA-256 digest of the whole string is stored, so the database cannot give a token away;
a plain digest is enough because the secret is random, not a password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import Administration, User
from lms.accounts.selectors import can_see_people_of
from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from .models import ApiToken

TOKEN_PREFIX = "lms_"
EXPIRY_CHOICES_DAYS = (30, 90, 365)
MAX_EXPIRY_DAYS = 365
NAME_MAX_LENGTH = 100
# ``last_used_at`` is written at most this often, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiTokenRefused(Exception):
    """The token cannot be created as asked; ``message`` says why (translated)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def token_digest(raw: str) -> str:
    """The SHA-256 hex digest under which a token's secret is stored."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def _token_state(token: ApiToken) -> dict[str, object]:
    """What the trail keeps of a token (never its secret or digest)."""
    return {
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scopes,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


def api_token_create(
    *,
    actor: User,
    administration: Administration,
    name: str,
    scopes: str,
    expires_in_days: int,
) -> tuple[ApiToken, str]:
    """Create a token for ``administration``; returns it with its secret, which is shown
    to the manager once and never stored."""
    if not can_see_people_of(actor, administration):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ApiTokenRefused(_("Give the token a name."), "name")
    if len(name) > NAME_MAX_LENGTH:
        raise ApiTokenRefused(
            _("The name is too long (at most %(max)d characters).") % {"max": NAME_MAX_LENGTH},
            "name",
        )
    if scopes not in ApiToken.Scopes.values:
        raise ApiTokenRefused(_("Choose read or read and write access."), "scopes")
    if not isinstance(expires_in_days, int) or not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ApiTokenRefused(
            _("A token expires within %(max)d days.") % {"max": MAX_EXPIRY_DAYS},
            "expires_in_days",
        )
    prefix, secret = _new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            administration=administration,
            scopes=scopes,
            prefix=prefix,
            key_hash=token_digest(secret),
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=expires_in_days),
        )
        audit_record(
            actor=actor,
            action=AuditAction.API_TOKEN_CREATE,
            administration=administration,
            target=token,
            target_repr=f"{token.name} ({token.prefix})",
            after=_token_state(token),
        )
    return token, secret


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke the token (it stops working at once). Revoking twice changes nothing."""
    if not can_see_people_of(actor, token.administration):
        raise PermissionDenied
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            before = _token_state(locked)
            locked.revoked_at = timezone.now()
            locked.revoked_by = actor
            locked.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(
                actor=actor,
                action=AuditAction.API_TOKEN_REVOKE,
                administration=locked.administration_id,
                target=locked,
                target_repr=f"{locked.name} ({locked.prefix})",
                before=before,
                after=_token_state(locked),
            )
    return locked


def api_token_touch(*, token: ApiToken, now: dt.datetime | None = None) -> None:
    """Record that the token was used, at most once per ``LAST_USED_RESOLUTION`` (one
    UPDATE a minute at most, not one write per request)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
