"""Pages of the SCIM app (token management), outside /scim/v2/."""

from django.urls import path

from . import views_pages

app_name = "scim_pages"

urlpatterns = [
    path("administrations/<str:code>/scim-tokens/", views_pages.tokens, name="tokens"),
    path(
        "administrations/<str:code>/scim-tokens/<int:pk>/revoke/",
        views_pages.token_revoke,
        name="token_revoke",
    ),
]
