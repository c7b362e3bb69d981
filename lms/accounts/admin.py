from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Administration, Unit, User


@admin.register(Administration)
class AdministrationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "time_zone", "is_active"]
    search_fields = ["code", "name", "country"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "administration", "parent"]
    list_filter = ["administration", "kind"]
    search_fields = ["name", "code"]
    list_select_related = ["administration", "parent"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "email", "administration", "unit", "is_active"]
    list_filter = ["administration", "is_active", "groups"]
    search_fields = ["username", "full_name", "email", "employee_number"]
    ordering = ["username"]
    list_select_related = ["administration", "unit"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Profile"),
            {
                "fields": (
                    "full_name",
                    "email",
                    "preferred_language",
                    "time_zone",
                    "administration",
                    "unit",
                    "employee_number",
                    "position",
                )
            },
        ),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
