"""Routes of the compliance matrix and the officer page."""

from django.urls import path

from . import views_compliance

urlpatterns = [
    path(
        "administrations/<str:code>/compliance/",
        views_compliance.matrix,
        name="matrix",
    ),
    path(
        "administrations/<str:code>/officers/<int:pk>/",
        views_compliance.officer,
        name="officer",
    ),
    path(
        "administrations/<str:code>/officers/<int:pk>/invite/",
        views_compliance.officer_invite,
        name="officer_invite",
    ),
]
