"""How SCIM requests authenticate: ``Authorization: Bearer scim_…``, a :class:`ScimToken`.

The secret is looked up by its digest. Missing, unknown, revoked and expired tokens, and
tokens whose creator can no longer manage the administration, get 401 (a SCIM Error with
``WWW-Authenticate: Bearer``). Failures count against the client's address with the API's
budget (``LMS_API_AUTH_FAILURE_RATE``); past it, 429 with ``Retry-After`` before any
token is looked up.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lms.accounts.throttles import Budget, Rate, client_address

from . import selectors, services
from .errors import ScimError
from .models import ScimToken

AUTH_FAILURE_SCOPE = "scim-auth-failure"


def _budget() -> Budget:
    rate = Rate.parse(settings.LMS_API_AUTH_FAILURE_RATE, setting="LMS_API_AUTH_FAILURE_RATE")
    return Budget(AUTH_FAILURE_SCOPE, rate)


def authenticate(request: HttpRequest) -> ScimToken:
    budget, client = _budget(), client_address(request)
    if (wait := budget.spent(client)) is not None:
        raise ScimError(
            429,
            _("Too many requests with an invalid SCIM token came from this address."),
            retry_after=wait,
        )
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
    token = selectors.scim_token_by_key(parts[1])
    if token is None:
        raise ScimError(401, _("This SCIM token is not valid."))
    now = timezone.now()
    if token.revoked_at is not None:
        raise ScimError(401, _("This SCIM token has been revoked."))
    if token.is_expired(now):
        raise ScimError(
            401,
            _("This SCIM token expired on %(date)s.")
            % {"date": formats.date_format(token.expires_at, "DATE_FORMAT")},
        )
    if not selectors.scim_token_owner_may_use(token):
        raise ScimError(
            401,
            _(
                "The person who created this SCIM token can no longer manage its "
                "administration. Ask a manager for a new token."
            ),
        )
    services.scim_token_touch(token=token, now=now)
    return token
