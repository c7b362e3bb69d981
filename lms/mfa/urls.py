from django.urls import path

from . import views

app_name = "mfa"

urlpatterns = [
    path("accounts/security/", views.security, name="security"),
    path("accounts/security/verify/", views.verify, name="verify"),
    path("accounts/security/totp/", views.totp_add, name="totp_add"),
    path("accounts/security/recovery/", views.recovery, name="recovery"),
    path(
        "accounts/security/passkeys/options/",
        views.passkey_register_options,
        name="passkey_register_options",
    ),
    path("accounts/security/passkeys/", views.passkey_register, name="passkey_register"),
    path(
        "accounts/security/verify/passkey/options/",
        views.passkey_verify_options,
        name="passkey_verify_options",
    ),
    path("accounts/security/verify/passkey/", views.passkey_verify, name="passkey_verify"),
    path(
        "accounts/security/<str:kind>/<int:pk>/remove/",
        views.device_remove,
        name="device_remove",
    ),
]
