"""The REST API, version 1, under /api/v1/."""

from django.urls import path

from certificates import api as certificates_api

app_name = "api"

urlpatterns = [
    path(
        "certificates/verify/<str:code>/",
        certificates_api.CertificateVerifyView.as_view(),
        name="certificate_verify",
    ),
]
