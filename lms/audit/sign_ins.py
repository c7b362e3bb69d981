"""Password sign-ins in the trail, wherever they happen (the site, the Wagtail admin,
``/django-admin/``): Django's ``user_logged_in`` and ``user_login_failed`` signals, sent by
``django.contrib.auth`` itself, so no sign-in view can forget them.

- A successful sign-in: ``SIGN_IN`` (``after``: ``{"method": "password"}``), in the
  person's administration; or, when a second factor must follow (the password is only
  half of it), ``SIGN_IN_PASSWORD``, and the ``SIGN_IN`` is the factor's
  (``{"second_factor": …}``, :mod:`lms.mfa.services`): one ``SIGN_IN`` per sign-in, and
  a password that was right but never followed by its factor stays visible. Single
  sign-on records its own ``SIGN_IN`` (with the provider) and calls
  :func:`mark_sign_in_audited` before ``login()``, so it is not recorded twice.
- A refused one: ``SIGN_IN_FAILED`` with the username tried (cut to 150 characters) and
  never the password (Django masks it before the signal, and only the username is read);
  in the administration of the account that username names, when there is one (its
  managers see attempts on their people), else platform-wide.
- A lockout (django-axes' per-account count, or the per-address budget of
  :mod:`lms.accounts.lockout`): one ``SIGN_IN_LOCKOUT`` per username and address per
  cool-off window, and at most :data:`LOCKOUT_RECORDS_PER_ADDRESS` per address, instead
  of a record for every refused try: a client hammering the sign-in page cannot grow the
  trail without bound. Failures before the lock are bounded by the lock itself.

The failure receiver is connected in :meth:`lms.audit.apps.AuditConfig.ready` *after*
django-axes' (whose handler counts the failure and marks ``request.axes_locked_out``);
successes come through :func:`record_password_sign_in`, called by :mod:`lms.mfa.signals`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from lms.accounts.throttles import Budget, Rate, client_address

from .models import AuditAction
from .services import audit_record

AUDITED_ATTRIBUTE = "lms_sign_in_audited"
USERNAME_MAX = 150
LOCKOUT_RECORDS_PER_ADDRESS = 10


def mark_sign_in_audited(request: HttpRequest) -> None:
    """The caller records this sign-in itself (single sign-on): the password receiver
    leaves it alone."""
    setattr(request, AUDITED_ATTRIBUTE, True)


def _cool_off_seconds() -> int:
    return max(1, round(float(settings.AXES_COOLOFF_TIME) * 3600))


def record_password_sign_in(
    request: HttpRequest | None, user: Any, *, second_factor_pending: bool
) -> None:
    """A ``login()`` (called by :mod:`lms.mfa.signals`' ``user_logged_in`` receiver, which
    knows whether a second factor must follow)."""
    if request is not None and getattr(request, AUDITED_ATTRIBUTE, False):
        return
    audit_record(
        actor=user,
        action=AuditAction.SIGN_IN_PASSWORD if second_factor_pending else AuditAction.SIGN_IN,
        administration=getattr(user, "administration_id", None),
        target=user,
        after={"method": "password"},
    )


def _tried_username(credentials: dict[str, Any] | None) -> str:
    field = get_user_model().USERNAME_FIELD
    raw = (credentials or {}).get(field) or (credentials or {}).get("username") or ""
    return str(raw).strip()[:USERNAME_MAX]


def _lockout_not_yet_recorded(username: str, address: str) -> bool:
    """Whether this lock deserves a record: the first for this username and address in
    the cool-off window, and within the address's allowance."""
    seconds = _cool_off_seconds()
    per_account = Budget("audit-lockout", Rate(1, seconds))
    per_address = Budget("audit-lockout-address", Rate(LOCKOUT_RECORDS_PER_ADDRESS, seconds))
    identity = f"{address}|{username.lower()}"
    if per_account.spent(identity) is not None or per_address.spent(address) is not None:
        return False
    per_account.hit(identity)
    per_address.hit(address)
    return True


def record_refused(
    sender: Any,
    credentials: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    username = _tried_username(credentials)
    account = None
    if username:
        User = get_user_model()
        account = (
            User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username})
            .only("pk", "administration_id")
            .first()
        )
    administration = getattr(account, "administration_id", None)
    locked = bool(getattr(request, "axes_locked_out", False))
    if locked:
        address = client_address(request) if request is not None else ""
        if not _lockout_not_yet_recorded(username, address):
            return
        failures = getattr(request, "axes_failures_since_start", None)
        after: dict[str, Any] = {"method": "password", "username": username}
        if failures is not None:
            after["failures"] = failures
        audit_record(
            actor=None,
            action=AuditAction.SIGN_IN_LOCKOUT,
            administration=administration,
            target=account,
            target_repr=username,
            after={**after, "minutes": _cool_off_seconds() // 60},
        )
        return
    audit_record(
        actor=None,
        action=AuditAction.SIGN_IN_FAILED,
        administration=administration,
        target=account,
        target_repr=username,
        after={"method": "password", "username": username},
    )
