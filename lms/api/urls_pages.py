"""Pages of the API app (token management), outside /api/v1/."""

from django.urls import path

from . import views_pages

app_name = "api_pages"

urlpatterns = [
    path("administrations/<str:code>/api-tokens/", views_pages.tokens, name="tokens"),
    path(
        "administrations/<str:code>/api-tokens/<int:pk>/revoke/",
        views_pages.token_revoke,
        name="token_revoke",
    ),
]
