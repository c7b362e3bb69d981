"""Password reset requests, on the site and in the Wagtail admin.

A request must not tell whether an address belongs to anyone, by its answer or by how
long it takes. So the view does the same work either way:

1. :func:`password_reset_allowed` counts the request against two budgets in the cache,
   one per e-mail address (``LMS_PASSWORD_RESET_ADDRESS_RATE``, default 3 an hour) and
   one per client address (``LMS_PASSWORD_RESET_CLIENT_RATE``, 20 an hour); past either,
   the form says so, in the same words whether or not the address is known.
2. Otherwise the answer is the same redirect, and only once it has been handed to the
   client (:class:`RedirectThen`) is the address given to a background task
   (``lms.accounts.tasks.send_password_reset``): :func:`password_reset_send` looks the
   address up and sends the e-mail. With a task worker (``DJANGO_TASKS_BACKEND``) that
   happens in the worker; with the embedded immediate backend, after the response.

The Wagtail admin's form (``/cms/password_reset/``) serves only accounts that may use the
admin (``wagtailadmin.access_admin``): an officer's address gets no e-mail from it, and
the page says what it says for any address.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lms.public_url import public_origin

from .models import User
from .throttles import Budget, Rate

log = logging.getLogger(__name__)

SITE = "site"
ADMIN = "admin"


@dataclass(frozen=True)
class ResetMail:
    subject_template: str
    body_template: str
    admin_only: bool


MAILS: dict[str, ResetMail] = {
    SITE: ResetMail(
        "accounts/email/password_reset_subject.txt", "accounts/email/password_reset.txt", False
    ),
    ADMIN: ResetMail(
        "wagtailadmin/account/password_reset/email_subject.txt",
        "wagtailadmin/account/password_reset/email.txt",
        True,
    ),
}


def _address_key(email: str) -> str:
    return unicodedata.normalize("NFKC", email).strip().casefold()


def password_reset_allowed(*, email: str, client: str) -> int | None:
    """Count one reset request against the address's and the client's budgets; the
    seconds to wait when either is spent, else None. Both are counted every time."""
    by_address = Budget(
        "password-reset-address",
        Rate.parse(
            settings.LMS_PASSWORD_RESET_ADDRESS_RATE, setting="LMS_PASSWORD_RESET_ADDRESS_RATE"
        ),
    ).hit(_address_key(email))
    by_client = Budget(
        "password-reset-client",
        Rate.parse(
            settings.LMS_PASSWORD_RESET_CLIENT_RATE, setting="LMS_PASSWORD_RESET_CLIENT_RATE"
        ),
    ).hit(client)
    waits = [wait for wait in (by_address, by_client) if wait is not None]
    return max(waits) if waits else None


def _recipients(email: str, mail: ResetMail) -> list[User]:
    """Active accounts with this address (whatever its case) and a usable password; for
    the admin's form, only those that may use the admin."""
    wanted = _address_key(email)
    users = User.objects.filter(email__iexact=email.strip(), is_active=True).order_by("pk")
    return [
        user
        for user in users
        if user.has_usable_password()
        and _address_key(user.email) == wanted
        and (not mail.admin_only or user.has_perm("wagtailadmin.access_admin"))
    ]


def password_reset_send(*, email: str, purpose: str, language: str) -> int:
    """E-mail a password reset link to every account :func:`_recipients` finds for
    ``email``, in the account's language (else ``language``, the one the request was
    made in). Returns how many e-mails went out. Runs as a background task."""
    mail = MAILS[purpose]
    public = urlsplit(public_origin())
    sent = 0
    for user in _recipients(email, mail):
        context: dict[str, Any] = {
            "email": user.email,
            "domain": public.netloc,
            "protocol": public.scheme or "https",
            "site_name": settings.WAGTAIL_SITE_NAME,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "user": user,
            "token": default_token_generator.make_token(user),
        }
        user_language = user.preferred_language
        if not user_language or not translation.check_for_language(user_language):
            user_language = language or settings.LANGUAGE_CODE
        with translation.override(user_language):
            subject = " ".join(render_to_string(mail.subject_template, context).split())
            body = render_to_string(mail.body_template, context)
        try:
            EmailMultiAlternatives(subject, body, None, [user.email]).send()
        except Exception:
            log.exception("Could not send the password reset e-mail of user %s", user.pk)
            continue
        sent += 1
    return sent


def password_reset_later(*, email: str, purpose: str, language: str) -> None:
    """Hand the address to the background task (called once the answer has gone)."""
    from .tasks import send_password_reset

    send_password_reset.enqueue(email, purpose, language)


class RedirectThen(HttpResponseRedirect):
    """A redirect that runs ``then`` once the server has sent it, when the response is
    closed (WSGI and ASGI servers, and Django's test client, close every response), so
    that nothing ``then`` does shows in how long the answer took."""

    def __init__(self, url: str, then: Callable[[], None]) -> None:
        super().__init__(url)
        self._then: Callable[[], None] | None = then

    def close(self) -> None:
        then, self._then = self._then, None
        try:
            if then is not None:
                then()
        except Exception:
            log.exception("The work after a password reset answer failed")
        finally:
            super().close()
