"""Reads of tokens, for any kind: a manager's list, one token by id (the same 404 for a
missing one and another administration's), one by its secret, and whether its creator
may still use it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from lms.accounts.models import Administration
from lms.accounts.selectors import can_see_people_of

from .keys import token_digest
from .kinds import TokenKind
from .models import BearerToken

if TYPE_CHECKING:
    from lms.accounts.selectors import Actor

SECRET_MAX_LENGTH = 200


def token_list_for_user[T: BearerToken](
    kind: TokenKind[T], actor: Actor, administration: Administration
) -> QuerySet[T]:
    """The administration's tokens of ``kind``, newest first, for its managers and
    platform admins (nothing for anyone else)."""
    tokens = kind.model._default_manager.all()
    if not can_see_people_of(actor, administration):
        return tokens.none()
    return tokens.filter(administration=administration).select_related("created_by", "revoked_by")


def access_token[T: BearerToken](
    kind: TokenKind[T], actor: Actor, administration: Administration, pk: object
) -> T:
    """One of the administration's tokens; 404 for a missing one or another's."""
    try:
        return token_list_for_user(kind, actor, administration).get(pk=pk)
    except (kind.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def token_by_key[T: BearerToken](kind: TokenKind[T], raw: str) -> T | None:
    """The token whose secret is ``raw`` (found by its digest: the comparison happens on
    the digest in the database index, never on the secret itself)."""
    if not raw or len(raw) > SECRET_MAX_LENGTH:
        return None
    return (
        kind.model._default_manager.select_related("administration", "created_by")
        .filter(key_hash=token_digest(raw))
        .first()
    )


def token_owner_may_use(token: BearerToken) -> bool:
    """A token works only while the person who created it may still manage its
    administration (an active manager of it, or a platform admin): when a manager leaves
    or loses the role, the tokens they made stop working with them."""
    owner = token.created_by
    if owner is None or not owner.is_active:
        return False
    return can_see_people_of(owner, token.administration)
