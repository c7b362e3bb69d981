"""At sign-in, note in the session whether the person has a second factor, so that the
middleware knows without a query on every page whether an officer who opted in must prove
it (privileged people must, whatever the note says)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from . import services
from .session import HAS_FACTOR_KEY


@receiver(user_logged_in, dispatch_uid="lms.mfa.note_factor")
def _note_factor(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not settings.LMS_MFA_REQUIRED or not hasattr(request, "session"):
        return
    request.session[HAS_FACTOR_KEY] = services.has_factor(user)
