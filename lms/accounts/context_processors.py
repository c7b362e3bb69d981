"""Navigation that depends on the signed-in user's roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lms.reversing import cached_reverse

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
        items.append(NavItem("catalogue", _("Courses"), cached_reverse("courses:catalogue")))
    if user.administration_id:
        items.append(NavItem("learning", _("My learning"), cached_reverse("courses:my_learning")))
        items.append(
            NavItem("certificates", _("My certificates"), cached_reverse("certificates:mine"))
        )
        items.append(
            NavItem("assigned", _("Assigned to me"), cached_reverse("tracking:my_assignments"))
        )
    if Role.ADMINISTRATION_MANAGER in roles and user.administration_id:
        items.append(
            NavItem(
                "administration",
                _("My administration"),
                cached_reverse("tracking:dashboard", user.administration.code),
            )
        )
    if (Role.ADMINISTRATION_MANAGER in roles and user.administration_id) or (
        Role.PLATFORM_ADMIN in roles
    ):
        items.append(
            NavItem("certificates_manage", _("Certificates"), cached_reverse("certificates:manage"))
        )
    if roles & {Role.REGIONAL_COORDINATOR, Role.PLATFORM_ADMIN}:
        items.append(
            NavItem(
                "administrations", _("Administrations"), cached_reverse("accounts:administrations")
            )
        )
        items.append(NavItem("regional", _("Regional view"), cached_reverse("tracking:regional")))
    if roles & {Role.TRAINING_MANAGER, Role.PLATFORM_ADMIN}:
        items.append(NavItem("cms", _("Authoring"), cached_reverse("wagtailadmin_home")))
    if Role.PLATFORM_ADMIN in roles and user.is_staff:
        items.append(NavItem("platform", _("Platform admin"), cached_reverse("admin:index")))
    items.append(NavItem("profile", _("My account"), cached_reverse("accounts:profile")))
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
