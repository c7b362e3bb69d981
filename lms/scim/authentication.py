"""How SCIM requests authenticate: ``Authorization: Bearer scim_…``, a :class:`ScimToken`.

The secret is looked up by its digest. Missing, unknown, revoked and expired tokens, and
tokens whose creator can no longer manage the administration, get 401 (a SCIM Error with
``WWW-Authenticate: Bearer``). Failures count against the client's address with the API's
budget (``LMS_API_AUTH_FAILURE_RATE``); past it, 429 with ``Retry-After`` before any
token is looked up. The checks themselves are the shared ones
(:func:`lms.tokens.services.token_check`).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from lms.accounts.throttles import client_address
from lms.tokens.services import TokenInvalid, token_check, token_failure_budget

from .errors import ScimError
from .models import ScimToken
from .tokens import SCIM_TOKENS


def authenticate(request: HttpRequest) -> ScimToken:
    budget, client = token_failure_budget(SCIM_TOKENS), client_address(request)
    if (wait := budget.spent(client)) is not None:
        raise ScimError(429, str(SCIM_TOKENS.texts.too_many), retry_after=wait)
    try:
        return _authenticate(request)
    except ScimError:
        budget.hit(client)
        raise


def _authenticate(request: HttpRequest) -> ScimToken:
    parts = (request.headers.get("Authorization") or "").split()
    if not parts or parts[0].lower() != "bearer":
        raise ScimError(401, _("Send a SCIM token: Authorization: Bearer <token>."))
    if len(parts) != 2:
        raise ScimError(401, _("Send the token as one value: Authorization: Bearer <token>."))
    try:
        token = token_check(kind=SCIM_TOKENS, raw=parts[1])
    except TokenInvalid as refused:
        raise ScimError(401, refused.message) from refused
    return token
