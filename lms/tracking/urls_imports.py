"""Routes of the officer import: upload and history, preview, apply, discard, template."""

from django.urls import path

from . import views_imports

urlpatterns = [
    path("administrations/<str:code>/imports/", views_imports.imports, name="imports"),
    path(
        "administrations/<str:code>/imports/template.<str:fmt>/",
        views_imports.import_template,
        name="import_template",
    ),
    path(
        "administrations/<str:code>/imports/<int:pk>/",
        views_imports.import_detail,
        name="import",
    ),
    path(
        "administrations/<str:code>/imports/<int:pk>/apply/",
        views_imports.import_apply,
        name="import_apply",
    ),
    path(
        "administrations/<str:code>/imports/<int:pk>/discard/",
        views_imports.import_discard,
        name="import_discard",
    ),
]
