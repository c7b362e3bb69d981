"""Pages of the SCIM app (token management, the shared pages of lms/tokens), outside /scim/v2/."""

from django.urls import path

from lms.tokens import views

from .tokens import SCIM_TOKENS

app_name = "scim_pages"

urlpatterns = [
    path(
        "administrations/<str:code>/scim-tokens/",
        views.tokens,
        {"kind": SCIM_TOKENS},
        name="tokens",
    ),
    path(
        "administrations/<str:code>/scim-tokens/<int:pk>/revoke/",
        views.token_revoke,
        {"kind": SCIM_TOKENS},
        name="token_revoke",
    ),
]
