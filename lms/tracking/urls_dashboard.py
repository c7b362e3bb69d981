"""Routes of the tracking dashboard pages: the administration dashboard, the regional
view, and the exports (compliance matrix, progress, regional aggregates)."""

from django.urls import path

from . import views_dashboard, views_exports

urlpatterns = [
    path(
        "administrations/<str:code>/dashboard/",
        views_dashboard.dashboard,
        name="dashboard",
    ),
    path(
        "administrations/<str:code>/compliance/export.<str:fmt>/",
        views_exports.matrix_export,
        name="matrix_export",
    ),
    path(
        "administrations/<str:code>/progress/export.<str:fmt>/",
        views_exports.progress_export,
        name="progress_export",
    ),
    path(
        "administrations/<str:code>/scorm/export.<str:fmt>/",
        views_exports.scorm_export,
        name="scorm_export",
    ),
    path("exports/<uuid:token>/", views_exports.mailed_export_download, name="mailed_export"),
    path("regional/", views_dashboard.regional, name="regional"),
    path("regional/export.<str:fmt>/", views_exports.regional_export, name="regional_export"),
]
