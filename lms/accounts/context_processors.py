"""Navigation that depends on the signed-in user's roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .forms import LanguageForm
from .roles import Role, roles_of


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str


def navigation_for(user: Any) -> list[NavItem]:
    roles = roles_of(user)
    items = [NavItem("home", _("Home"), "/")]
    if not roles:
        return items
    if user.administration_id or roles & {Role.TRAINING_MANAGER, Role.PLATFORM_ADMIN}:
        items.append(NavItem("catalogue", _("Courses"), reverse("courses:catalogue")))
    if user.administration_id:
        items.append(NavItem("learning", _("My learning"), reverse("courses:my_learning")))
        items.append(NavItem("certificates", _("My certificates"), reverse("certificates:mine")))
        items.append(NavItem("assigned", _("Assigned to me"), reverse("tracking:my_assignments")))
    if Role.ADMINISTRATION_MANAGER in roles and user.administration_id:
        items.append(
            NavItem(
                "administration",
                _("My administration"),
                reverse("tracking:dashboard", args=[user.administration.code]),
            )
        )
    if (Role.ADMINISTRATION_MANAGER in roles and user.administration_id) or (
        Role.PLATFORM_ADMIN in roles
    ):
        items.append(
            NavItem("certificates_manage", _("Certificates"), reverse("certificates:manage"))
        )
    if roles & {Role.REGIONAL_COORDINATOR, Role.PLATFORM_ADMIN}:
        items.append(
            NavItem("administrations", _("Administrations"), reverse("accounts:administrations"))
        )
        items.append(NavItem("regional", _("Regional view"), reverse("tracking:regional")))
    if roles & {Role.TRAINING_MANAGER, Role.PLATFORM_ADMIN}:
        items.append(NavItem("cms", _("Authoring"), reverse("wagtailadmin_home")))
    if Role.PLATFORM_ADMIN in roles and user.is_staff:
        items.append(NavItem("platform", _("Platform admin"), reverse("admin:index")))
    items.append(NavItem("profile", _("My account"), reverse("accounts:profile")))
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "nav_items": navigation_for(user),
        "language_form": LanguageForm(
            initial={"language": getattr(request, "LANGUAGE_CODE", "en")}
        ),
    }
