"""How API requests authenticate.

``Authorization: Bearer lms_…`` (or ``Token lms_…``) authenticates with an API token.
The secret is hashed and looked up by its digest, so it is never compared as text.

What a token is, decided here:

- ``request.auth`` is the :class:`~lms.api.models.ApiToken`; ``request.user`` is the
  manager who created it. Scoping always comes from the *token's* administration
  (:func:`lms.api.selectors.api_scope`), never from the request or the user.
- A token works only while its creator may still manage that administration (an active
  administration manager of it, or a platform admin). When the creator leaves, is
  deactivated or loses the role, their tokens stop working (401): a token never outlives
  the authority of the person who issued it. Managers who take over make new tokens.
- Expired, revoked and unknown tokens get 401 with a message saying which, and the
  ``WWW-Authenticate: Bearer`` header. Each such failure counts against the client's
  address (:func:`lms.tokens.services.token_failure_budget`); past the budget, the client's
  token requests get 429 with ``Retry-After`` before any token is looked up.

Signed-in people use the session (``SessionAuthentication``, which enforces CSRF on
writes), so a manager can use the same API from the browser.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled

from lms.accounts.throttles import client_address
from lms.tokens.services import TokenInvalid, token_check, token_failure_budget

from .models import ApiToken
from .tokens import API_TOKENS

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(BaseAuthentication):
    """Bearer tokens of :class:`ApiToken` (see the module's docstring)."""

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower().decode("latin-1") not in KEYWORDS:
            return None  # not ours: the session (or nobody) may authenticate
        budget, client = token_failure_budget(API_TOKENS), client_address(request)
        if (wait := budget.spent(client)) is not None:
            raise Throttled(wait=wait, detail=str(API_TOKENS.texts.too_many))
        try:
            return self._authenticate(parts)
        except AuthenticationFailed:
            budget.hit(client)
            raise

    def _authenticate(self, parts: list[bytes]) -> tuple[Any, ApiToken]:
        if len(parts) != 2:
            raise AuthenticationFailed(
                _("Send the token as one value: Authorization: Bearer <token>.")
            )
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed(str(API_TOKENS.texts.invalid)) from exc
        try:
            token = token_check(kind=API_TOKENS, raw=raw)
        except TokenInvalid as refused:
            raise AuthenticationFailed(refused.message) from refused
        return token.created_by, token

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
