"""What makes one kind of token differ from another: :class:`TokenKind`. Each app that
owns a kind declares it once, in its ``tokens.py``, and hands it to the shared services,
selectors and pages (its URLs pass it to :mod:`lms.tokens.views`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.http import HttpRequest

    from lms.audit.models import AuditAction

    from .forms import TokenForm
    from .models import BearerToken

# Every field the trail keeps of any token (never the secret or its digest).
BASE_AUDITED_FIELDS = ("name", "prefix", "expires_at", "revoked_at")


@dataclass(frozen=True)
class TokenTexts:
    """The words of a kind's pages and refusals (lazy translations; ``%(…)s`` filled in
    where they are used)."""

    title: Promise  # "… · %(code)s"
    heading: Promise
    lead: Promise
    caption: Promise
    empty: Promise
    revoke_title: Promise
    revoke_question: Promise  # "%(name)s", "%(prefix)s"
    invalid: Promise
    revoked: Promise
    expired: Promise  # "%(date)s"
    owner_gone: Promise
    too_many: Promise


@dataclass(frozen=True)
class Column:
    """One more column of the kind's token list (the API's access, for instance)."""

    label: Promise
    value: Callable[[Any], object]


@dataclass(frozen=True)
class TokenKind[T: BearerToken]:
    model: type[T]
    create_action: AuditAction
    revoke_action: AuditAction
    form: type[TokenForm]
    pages: str  # the URL namespace of the kind's pages ("api_pages")
    texts: TokenTexts
    failure_scope: str  # the throttle scope of failed authentications from one address
    extra_fields: tuple[str, ...] = ()  # further fields set at creation (and audited)
    clean_extra: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    columns: tuple[Column, ...] = ()
    page_context: Callable[[HttpRequest], dict[str, Any]] = field(default=lambda request: {})

    @property
    def secret_prefix(self) -> str:
        return self.model.SECRET_PREFIX

    @property
    def audited_fields(self) -> tuple[str, ...]:
        return (*BASE_AUDITED_FIELDS[:2], *self.extra_fields, *BASE_AUDITED_FIELDS[2:])
