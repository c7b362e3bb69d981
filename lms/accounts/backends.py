"""Authentication backend: Django's, loading the user's administration in the same query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .models import User


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("administration").get(pk=user_id)
        except User.DoesNotExist:
            return None
        # Inactive users get None, so a deactivated user's session ends at the next request.
        return user if self.user_can_authenticate(user) else None
