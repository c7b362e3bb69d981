"""Local passwords disabled per administration: an authentication backend placed before
the password backend that stops a password sign-in of such an administration's people
(site and Wagtail admin alike), whatever the password. The form shows its usual error
and the sign-in page offers the administration's provider."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .selectors import local_password_allowed


class LocalPasswordPolicyBackend:
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, **kwargs: Any
    ) -> None:
        if username is None or "password" not in kwargs:
            return None
        model = get_user_model()
        user = model._default_manager.filter(
            **{f"{model.USERNAME_FIELD}__iexact": username}
        ).first()
        if user is not None and not local_password_allowed(user):
            # Stops the chain: no later backend tries the password.
            raise PermissionDenied
        return None

    def get_user(self, user_id: Any) -> None:
        return None
