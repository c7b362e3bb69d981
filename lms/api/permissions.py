"""Who may call the administration API, and with which methods."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from lms.accounts.roles import Role, roles_of

from .models import ApiToken


class ApiAccess(BasePermission):
    """Tokens: reads always, writes only with the read-write scope (a read-only token
    gets 403). Sessions: administration managers (of an administration) and platform
    admins; anyone else signed in gets 403, and nobody signed in 401."""

    message = _("Only administration managers and platform admins may use this API.")

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken):
            if request.method in SAFE_METHODS or token.can_write:
                return True
            self.message = _(
                "This API token may only read. Writing needs a token with read and write access."
            )
            return False
        user = request.user
        if not user or not user.is_authenticated:
            return False
        roles = roles_of(user)
        if Role.PLATFORM_ADMIN in roles:
            return True
        return Role.ADMINISTRATION_MANAGER in roles and user.administration_id is not None
