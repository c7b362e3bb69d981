"""API tokens in the Django admin: listed for platform admins, never created there (the
secret is only ever shown by the token page, which calls the service)."""

from __future__ import annotations

from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "administration",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["administration", "scopes"]
    list_select_related = ["administration", "created_by"]
    exclude = ["key_hash"]
    readonly_fields = [
        "name",
        "administration",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
