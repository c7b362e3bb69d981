"""Failed sign-in lockout (django-axes), shared by the site and the Wagtail admin.

Failures count per account and client address, and per account alone for sign-ins from
addresses the account has not used lately (:func:`lockout_parameters`): nobody can lock a
person out of the places they sign in from, and guessing from many addresses gets no
more tries than from one. Never per address alone: a port's officers share one address.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.models import AccessBase, AccessLog
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from .backends import ModelBackend
from .throttles import Budget, Rate, client_address

USERNAME_MAX_LENGTH = 255


def normalised_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Count attempts per account whatever the case or spacing the attacker types."""
    field = (
        settings.AXES_USERNAME_FORM_FIELD
        if hasattr(settings, "AXES_USERNAME_FORM_FIELD")
        else "username"
    )
    raw = ""
    if credentials:
        raw = credentials.get(field) or credentials.get("username") or ""
    elif request is not None and request.method == "POST":
        raw = request.POST.get(field, "")
    # django-axes stores at most 255 characters (more is a database error on PostgreSQL).
    return str(raw).strip().lower()[:USERNAME_MAX_LENGTH]


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The same generic page for every locked-out sign-in, on the site and in the admin.

    It says neither whether the account exists nor whether the password was right.
    """
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return TemplateResponse(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes},
        status=429,
    ).render()


ACCOUNT_AND_ADDRESS = ["username", "ip_address"]
ACCOUNT = "username"


def client_ip(request: HttpRequest) -> str | None:
    """The client address django-axes records (:func:`lms.accounts.throttles.client_address`:
    ``X-Forwarded-For`` counts only behind ``LMS_NUM_PROXIES`` proxies)."""
    return client_address(request) or None


def known_address(username: str, address: str | None) -> bool:
    """Whether ``username`` signed in successfully from ``address`` in the last
    ``LMS_LOGIN_KNOWN_ADDRESS_DAYS`` days (django-axes' access log)."""
    if not username or not address:
        return False
    since = timezone.now() - timedelta(days=settings.LMS_LOGIN_KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(
        username__iexact=username, ip_address=address, attempt_time__gte=since
    ).exists()


def lockout_parameters(
    request_or_attempt: HttpRequest | AccessBase, credentials: dict[str, Any] | None = None
) -> list[Any]:
    """What failed sign-ins are counted by (``AXES_LOCKOUT_PARAMETERS``); a sign-in is
    refused when any of the counts reaches ``AXES_FAILURE_LIMIT``.

    - Always the account *and* the address: whoever fails from one address is locked
      there, for that account only. Never the address alone (one port's officers share
      one NAT address).
    - The account alone as well, unless the account signed in successfully from this
      address lately (:func:`known_address`). So failures from anywhere still add up
      against an account (guessing from many addresses gets as few tries as from one),
      but they cannot lock its owner out of the addresses they use: an attacker who types
      ``admin`` and wrong passwords locks himself out, and ``admin`` out of new places
      only, never out of the office they signed in from.

    A success resets the counts it was judged by: from a known address, that address's
    only, so other addresses' failures stay counted.
    """
    if isinstance(request_or_attempt, AccessBase):
        return [ACCOUNT_AND_ADDRESS, ACCOUNT]
    username = normalised_username(request_or_attempt, credentials)
    address = getattr(request_or_attempt, "axes_ip_address", None) or client_ip(request_or_attempt)
    if known_address(username, address):
        return [ACCOUNT_AND_ADDRESS]
    return [ACCOUNT_AND_ADDRESS, ACCOUNT]


# --- one address trying many accounts (password spraying) ------------------------------


def _address_budget() -> Budget:
    rate = Rate.parse(
        settings.LMS_LOGIN_ADDRESS_FAILURE_RATE, setting="LMS_LOGIN_ADDRESS_FAILURE_RATE"
    )
    return Budget("login-failures-per-address", rate)


@receiver(user_login_failed, dispatch_uid="lms-login-failures-per-address")
def _count_failure_per_address(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Every failed sign-in (site or admin) counts against the client's address."""
    address = client_ip(request) if request is not None else None
    if address:
        _address_budget().hit(address)


class AddressBudgetBackend(ModelBackend):
    """First authentication backend: an address that failed to sign in more than
    ``LMS_LOGIN_ADDRESS_FAILURE_RATE`` times (any accounts) gets the generic locked-out
    page until the window ends, whatever it types. The rate is far above what a port's
    shared address produces by typing mistakes (default 60 per 15 minutes), and it stops
    one address from trying a few passwords on every account (password spraying), which
    the per-account counts alone allow."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        address = client_ip(request) if request is not None else None
        if address and _address_budget().spent(address) is not None:
            request.axes_locked_out = True  # type: ignore[union-attr]  # AxesMiddleware answers
            raise PermissionDenied
        return None  # the next backends decide (its get_user is the platform's)
