"""Authentication backend: Django's, loading the user's administration and role names in
the same query, so that a page does not spend queries on who is asking. The query is
compiled once per connection (:mod:`lms.prepared`): every signed-in page loads the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, StringAgg, Value

from lms.prepared import PreparedQuery

from .models import User
from .roles import ROLE_NAME_SEPARATOR


def user_with_roles(user_id: Any) -> QuerySet[User]:
    """The user with its administration and ``_role_names`` (:func:`roles.roles_of`)."""
    return (
        User._default_manager.select_related("administration")
        .annotate(
            _role_names=StringAgg(
                "groups__name", delimiter=Value(ROLE_NAME_SEPARATOR), default=Value("")
            )
        )
        .filter(pk=user_id)
    )


_user_with_roles = PreparedQuery(User, user_with_roles, lambda shape: ((1,), (2,)))


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user_id = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        found = _user_with_roles(user_id)
        if not found:
            return None
        user = found[0]
        # Inactive users get None, so a deactivated user's session ends at the next request.
        return user if self.user_can_authenticate(user) else None
