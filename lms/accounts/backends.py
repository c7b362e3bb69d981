"""Authentication backend: Django's, loading the user's administration and role names in
the same query, so that a page does not spend queries on who is asking."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import StringAgg, Value

from .models import User
from .roles import ROLE_NAME_SEPARATOR


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = (
                User._default_manager.select_related("administration")
                .annotate(
                    _role_names=StringAgg(
                        "groups__name", delimiter=Value(ROLE_NAME_SEPARATOR), default=Value("")
                    )
                )
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        # Inactive users get None, so a deactivated user's session ends at the next request.
        return user if self.user_can_authenticate(user) else None
