"""Pages of the API app (token management, the shared pages of lms/tokens), outside /api/v1/."""

from django.urls import path

from lms.tokens import views

from .tokens import API_TOKENS

app_name = "api_pages"

urlpatterns = [
    path(
        "administrations/<str:code>/api-tokens/", views.tokens, {"kind": API_TOKENS}, name="tokens"
    ),
    path(
        "administrations/<str:code>/api-tokens/<int:pk>/revoke/",
        views.token_revoke,
        {"kind": API_TOKENS},
        name="token_revoke",
    ),
]
