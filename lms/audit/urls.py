"""Routes of the audit trail pages (lms/audit/views.py)."""

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("administrations/<str:code>/audit/", views.trail, name="trail"),
    path("administrations/<str:code>/audit/export.csv", views.trail_export, name="trail_export"),
    path("audit/", views.trail, name="platform_trail"),
    path("audit/export.csv", views.trail_export, name="platform_trail_export"),
]
