"""Providers and sign-in settings in the platform admin (/django-admin/, platform admins
only): every save and deletion goes through the audited services. The client secret is
write-only: the form never shows it, a blank field keeps the stored one."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import saml, services
from .models import ExternalIdentity, IdentityProvider, SignInSettings


class DomainsField(forms.CharField):
    def prepare_value(self, value: Any) -> str:
        return ", ".join(value) if isinstance(value, list) else (value or "")

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value)
        return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class IdentityProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        label=_("client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave blank to keep the current one."),
    )
    email_domains = DomainsField(
        label=_("e-mail domains"),
        required=False,
        help_text=_("Separated by commas, for example sunat.gob.pe."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        issuer = data.get("issuer") or ""
        if data.get("kind") == IdentityProvider.Kind.OIDC and not (
            issuer.startswith("https://")
            or re.match(r"^http://(127\.0\.0\.1|localhost)(:\d+)?(/|$)", issuer)
        ):
            self.add_error("issuer", _("An OpenID Connect issuer is an https:// URL."))
        if data.get("kind") == IdentityProvider.Kind.SAML:
            try:
                idp = saml.idp_metadata(data.get("saml_idp_metadata") or "")
            except ValueError as error:
                self.add_error("saml_idp_metadata", str(error))
            else:
                if idp["entityId"] != data.get("issuer"):
                    self.add_error(
                        "issuer",
                        _("The issuer must be the entity id of the IdP metadata: %(id)s.")
                        % {"id": idp["entityId"]},
                    )
        return data

    class Meta:
        model = IdentityProvider
        fields = [
            "administration",
            "slug",
            "name",
            "kind",
            "is_active",
            "issuer",
            "client_id",
            "client_secret",
            "scopes",
            "email_domains",
            "create_accounts",
            "claim_email",
            "claim_name",
            "claim_username",
            "claim_unit",
            "claim_language",
            "claim_employee_number",
            "trust_mfa",
            "mfa_values",
            "saml_idp_metadata",
        ]


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    form = IdentityProviderForm
    list_display = ["name", "slug", "administration", "kind", "is_active", "create_accounts"]
    list_filter = ["administration", "kind", "is_active"]
    search_fields = ["name", "slug", "issuer"]
    list_select_related = ["administration"]

    def save_model(
        self, request: HttpRequest, obj: IdentityProvider, form: Any, change: bool
    ) -> None:
        before = None
        if change:
            stored = IdentityProvider.objects.get(pk=obj.pk)
            before = services.provider_snapshot(stored)
            obj.client_secret_encrypted = stored.client_secret_encrypted
        services.provider_save(
            actor=request.user,
            provider=obj,
            before=before,
            client_secret=form.cleaned_data.get("client_secret", ""),
        )

    def delete_model(self, request: HttpRequest, obj: IdentityProvider) -> None:
        services.provider_delete(actor=request.user, provider=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[IdentityProvider]) -> None:
        for provider in queryset:
            services.provider_delete(actor=request.user, provider=provider)


@admin.register(SignInSettings)
class SignInSettingsAdmin(admin.ModelAdmin):
    list_display = ["administration", "local_passwords"]
    list_select_related = ["administration"]

    def save_model(
        self, request: HttpRequest, obj: SignInSettings, form: Any, change: bool
    ) -> None:
        before = None
        if change:
            stored = SignInSettings.objects.get(pk=obj.pk)
            before = {"local_passwords": stored.local_passwords}
        services.sign_in_settings_save(actor=request.user, sign_in_settings=obj, before=before)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "provider", "subject", "created_at", "last_sign_in_at"]
    list_filter = ["administration", "provider"]
    search_fields = ["subject", "user__username"]
    list_select_related = ["user", "provider__administration"]
    readonly_fields = [
        "provider",
        "administration",
        "user",
        "issuer",
        "subject",
        "created_at",
        "last_sign_in_at",
    ]

    # Read-only: links are made by sign-ins and go with their account or provider.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
