from django.urls import path

from . import views

app_name = "sso"

urlpatterns = [
    path("accounts/sso/", views.choose, name="choose"),
    path("sso/<slug:slug>/oidc/start/", views.oidc_start, name="oidc_start"),
    path("sso/<slug:slug>/oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path("sso/<slug:slug>/oidc/logged-out/", views.oidc_logged_out, name="oidc_logged_out"),
    path(
        "sso/<slug:slug>/oidc/backchannel-logout/",
        views.oidc_backchannel_logout,
        name="oidc_backchannel_logout",
    ),
    path("sso/<slug:slug>/saml/metadata/", views.saml_metadata, name="saml_metadata"),
    path("sso/<slug:slug>/saml/start/", views.saml_start, name="saml_start"),
    path("sso/<slug:slug>/saml/acs/", views.saml_acs, name="saml_acs"),
    path("sso/<slug:slug>/saml/sls/", views.saml_sls, name="saml_sls"),
]
