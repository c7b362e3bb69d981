"""Tracking pages. Each feature keeps its routes in its own module, all in the
``tracking`` namespace."""

from django.urls import include, path

app_name = "tracking"

urlpatterns = [
    path("", include("lms.tracking.urls_compliance")),
    path("", include("lms.tracking.urls_dashboard")),
    path("", include("lms.tracking.urls_assignments")),
    path("", include("lms.tracking.urls_imports")),
]
