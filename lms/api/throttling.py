"""Request budgets of the administration API.

- Per token, or per signed-in person: ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"]``
  (environment variable ``LMS_API_RATE``, default ``1000/hour``), read on every request
  so that tests can override it. Over budget: 429 with ``Retry-After``.
- Failed token authentications, per client address
  (:func:`lms.tokens.services.token_failure_budget`, ``LMS_API_AUTH_FAILURE_RATE``,
  default ``20/min``): once a client has sent that many
  invalid, expired or revoked tokens, every token it sends gets 429 with ``Retry-After``
  until the window ends (a token guessed right in the meantime would be refused too, so
  guessing gains nothing). Other clients are not affected; the count lives in the cache,
  shared by every app process (in the database while the cache is unreachable).
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework.settings import api_settings

from lms.accounts.throttles import BudgetThrottle

from .models import ApiToken

THROTTLE_SCOPE = "api"
DEFAULT_API_RATE = "1000/hour"


class ApiRateThrottle(BudgetThrottle):
    """API requests per token (or signed-in person), shared by every app process; counted
    in the database while Redis is unreachable (:class:`lms.accounts.throttles.Budget`)."""

    scope = THROTTLE_SCOPE

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        return rates.get(self.scope, DEFAULT_API_RATE)

    def get_cache_key(self, request: Any, view: Any) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:  # refused anyway; counted per address (REMOTE_ADDR unless proxies are set)
            address = (
                super().get_ident(request)
                if api_settings.NUM_PROXIES
                else request.META.get("REMOTE_ADDR", "")
            )
            ident = f"addr-{address}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def wait(self) -> float | None:
        wait = super().wait()
        return None if wait is None else max(1, math.ceil(wait))
