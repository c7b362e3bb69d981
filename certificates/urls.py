"""Certificates: the officer's and the manager's pages, public verification, and the
issuer's published documents (profile, keys, achievements, status lists)."""

from django.urls import path

from . import views, views_public

app_name = "certificates"

urlpatterns = [
    # Public: anyone, no sign-in.
    path("verify/", views_public.verify_form, name="verify_form"),
    path("verify/<str:code>/", views_public.verify, name="verify"),
    path("credentials/issuer/", views_public.issuer, name="issuer"),
    path("credentials/jwks.json", views_public.jwks, name="jwks"),
    path("credentials/status/<int:list_number>/", views_public.status_list, name="status_list"),
    path("credentials/achievements/<slug:code>/", views_public.achievement, name="achievement"),
    # The officer's own certificates.
    path("certificates/", views.my_certificates, name="mine"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="pdf"),
    path("certificates/<int:pk>/badge/", views.certificate_badge, name="badge"),
    # Managers: their administration's certificates, and revocation.
    path("certificates/manage/", views.manage_list, name="manage"),
    path("certificates/manage/<int:pk>/", views.manage_detail, name="manage_detail"),
    path("certificates/manage/<int:pk>/revoke/", views.revoke, name="revoke"),
]
