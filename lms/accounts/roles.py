"""The platform's roles. Each role is a Django group; the user's administration scopes it.

A training manager with an administration authors for that administration; one without
is a regional training manager. Administration managers always have an administration.
Regional coordinators and platform admins have none.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User


class Role(StrEnum):
    OFFICER = "Officers"
    TRAINING_MANAGER = "Training managers"
    ADMINISTRATION_MANAGER = "Administration managers"
    REGIONAL_COORDINATOR = "Regional coordinators"
    PLATFORM_ADMIN = "Platform admins"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.OFFICER: _("Officer"),
    Role.TRAINING_MANAGER: _("Training manager"),
    Role.ADMINISTRATION_MANAGER: _("Administration manager"),
    Role.REGIONAL_COORDINATOR: _("Regional coordinator"),
    Role.PLATFORM_ADMIN: _("Platform admin"),
}

# Question banks, questions and certification programmes: training managers and platform
# admins author them (the viewsets then scope them to what each author may edit).
CONTENT_AUTHORING = [
    "certificates.add_programme",
    "certificates.change_programme",
    "certificates.delete_programme",
    "certificates.view_programme",
    "assessments.add_questionbank",
    "assessments.change_questionbank",
    "assessments.view_questionbank",
    "assessments.add_question",
    "assessments.change_question",
    "assessments.view_question",
]

# Model permissions each role's group holds. Page, collection and bank permissions that
# depend on an administration's subtree are granted by the services that create them.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.OFFICER: [],
    Role.TRAINING_MANAGER: [
        "wagtailadmin.access_admin",
        # Translating pages with wagtail-localize; which pages, the page permissions say
        # (courses/translation_admin.py).
        "wagtail_localize.submit_translation",
        # Images and documents: no model-level grant. Wagtail's collection permission
        # policy reads only collection-level grants, which follow ownership
        # (courses.services.author_groups_sync); model-level ones would still show every
        # administration's media in the site history report.
        "courses.add_h5pactivity",
        "courses.change_h5pactivity",
        "courses.view_h5pactivity",
        "scorm.add_scormpackage",
        "scorm.change_scormpackage",
        "scorm.view_scormpackage",
        *CONTENT_AUTHORING,
    ],
    Role.ADMINISTRATION_MANAGER: [],
    Role.REGIONAL_COORDINATOR: [],
    Role.PLATFORM_ADMIN: [
        "wagtailadmin.access_admin",
        "wagtail_localize.submit_translation",
        "accounts.add_administration",
        "accounts.change_administration",
        "accounts.view_administration",
        "accounts.add_unit",
        "accounts.change_unit",
        "accounts.view_unit",
        "accounts.delete_unit",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "courses.add_h5pactivity",
        "courses.change_h5pactivity",
        "courses.delete_h5pactivity",
        "courses.view_h5pactivity",
        "courses.view_h5plibrary",
        "courses.install_h5plibrary",
        "scorm.add_scormpackage",
        "scorm.change_scormpackage",
        "scorm.delete_scormpackage",
        "scorm.view_scormpackage",
        *CONTENT_AUTHORING,
    ],
}


# Permissions a role once held and no role holds any more: role_groups_sync() takes them
# away from the role groups of existing databases.
RETIRED_PERMISSIONS = [
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
]


ROLE_NAME_SEPARATOR = "\n"


def roles_of(user: User | AnonymousUser) -> frozenset[Role]:
    """The roles a user holds; cached on the user object for the request.

    The authentication backend loads the group names with the user (``_role_names``), so
    a request usually spends no query here.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_lms_roles", None)
    if cached is not None:
        return cached
    preloaded = getattr(user, "_role_names", None)
    if preloaded is not None:
        names = set(preloaded.split(ROLE_NAME_SEPARATOR))
    else:
        names = {group.name for group in user.groups.all()}
    roles = {role for role in Role if role.value in names}
    if user.is_superuser:
        roles.add(Role.PLATFORM_ADMIN)
    result = frozenset(roles)
    user._lms_roles = result  # type: ignore[union-attr]
    return result


def has_role(user: User | AnonymousUser, role: Role) -> bool:
    return role in roles_of(user)


# Roles whose holders see or change other people's data or the platform itself: they must
# prove a second factor (lms/mfa). Officers see their own learning only and may opt in.
PRIVILEGED_ROLES = frozenset(
    {
        Role.TRAINING_MANAGER,
        Role.ADMINISTRATION_MANAGER,
        Role.REGIONAL_COORDINATOR,
        Role.PLATFORM_ADMIN,
    }
)


def is_privileged(user: User | AnonymousUser) -> bool:
    """Whether ``user`` holds a privileged role, or is staff or a superuser (the Django
    admin's flags, which open the admins whatever the groups say)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.is_superuser or roles_of(user) & PRIVILEGED_ROLES)
