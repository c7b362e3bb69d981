"""API tokens as a kind of :mod:`lms.tokens`: ``lms_…`` secrets that open ``/api/v1/``
for one administration, read-only or read-write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lms.audit.models import AuditAction
from lms.tokens.kinds import Column, TokenKind, TokenTexts
from lms.tokens.services import TokenRefused

from .forms import ApiTokenForm
from .models import ApiToken


def _clean_scopes(extra: Mapping[str, Any]) -> dict[str, Any]:
    scopes = extra.get("scopes")
    if scopes not in ApiToken.Scopes.values:
        raise TokenRefused(_("Choose read or read and write access."), "scopes")
    return {"scopes": scopes}


def _page_context(request: HttpRequest) -> dict[str, Any]:
    return {"docs_url": reverse("api:docs"), "docs_label": _("API documentation")}


API_TOKENS = TokenKind(
    model=ApiToken,
    create_action=AuditAction.API_TOKEN_CREATE,
    revoke_action=AuditAction.API_TOKEN_REVOKE,
    form=ApiTokenForm,
    pages="api_pages",
    failure_scope="api-auth-failure",
    extra_fields=("scopes",),
    clean_extra=_clean_scopes,
    columns=(Column(_("Access"), lambda token: token.get_scopes_display()),),
    page_context=_page_context,
    texts=TokenTexts(
        title=_("API tokens · %(code)s"),
        heading=_("API tokens"),
        lead=_(
            "Tokens let your other systems (HR, reporting) use the platform's API for this "
            "administration only."
        ),
        caption=_("API tokens"),
        empty=_("No API tokens yet."),
        revoke_title=_("Revoke API token"),
        revoke_question=_(
            "Revoke the token “%(name)s” (lms_%(prefix)s…)? Systems that use it lose access "
            "at once. This cannot be undone."
        ),
        invalid=_("This API token is not valid."),
        revoked=_("This API token has been revoked."),
        expired=_("This API token expired on %(date)s."),
        owner_gone=_(
            "The person who created this API token can no longer manage its "
            "administration. Ask a manager for a new token."
        ),
        too_many=_("Too many requests with an invalid API token came from this address."),
    ),
)
