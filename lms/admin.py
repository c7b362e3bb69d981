"""The Django admin, kept for platform admins only, at /django-admin/."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lms.accounts.roles import Role, has_role


class PlatformAdminSite(admin.AdminSite):
    site_header = _("Platform administration")
    site_title = _("Platform administration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and has_role(user, Role.PLATFORM_ADMIN))


class PlatformAdminConfig(AdminConfig):
    default_site = "lms.admin.PlatformAdminSite"
