"""SCIM tokens as a kind of :mod:`lms.tokens`: ``scim_…`` secrets that open only
``/scim/v2/`` for one administration."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lms.audit.models import AuditAction
from lms.tokens.keys import token_digest
from lms.tokens.kinds import TokenKind, TokenTexts

from .forms import ScimTokenForm
from .models import ScimToken

__all__ = ["SCIM_TOKENS", "token_digest"]


def _page_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "base_address": request.build_absolute_uri(reverse("scim:root")),
        "base_address_label": _("SCIM base address:"),
    }


SCIM_TOKENS = TokenKind(
    model=ScimToken,
    create_action=AuditAction.SCIM_TOKEN_CREATE,
    revoke_action=AuditAction.SCIM_TOKEN_REVOKE,
    form=ScimTokenForm,
    pages="scim_pages",
    failure_scope="scim-auth-failure",
    page_context=_page_context,
    texts=TokenTexts(
        title=_("SCIM tokens · %(code)s"),
        heading=_("SCIM provisioning"),
        lead=_(
            "A SCIM token lets your HR system or identity provider create, update and "
            "deactivate the officers and units of this administration only. It cannot grant "
            "roles or change managers' accounts."
        ),
        caption=_("SCIM tokens"),
        empty=_("No SCIM tokens yet."),
        revoke_title=_("Revoke SCIM token"),
        revoke_question=_(
            "Revoke the SCIM token “%(name)s” (scim_%(prefix)s…)? The system that uses it "
            "can no longer provision officers. This cannot be undone."
        ),
        invalid=_("This SCIM token is not valid."),
        revoked=_("This SCIM token has been revoked."),
        expired=_("This SCIM token expired on %(date)s."),
        owner_gone=_(
            "The person who created this SCIM token can no longer manage its "
            "administration. Ask a manager for a new token."
        ),
        too_many=_("Too many requests with an invalid SCIM token came from this address."),
    ),
)
