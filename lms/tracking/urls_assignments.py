"""Routes of the tracking assignments pages."""

from django.urls import path

from . import views_assignments as views

urlpatterns = [
    path(
        "administrations/<str:code>/assignments/",
        views.assignment_list,
        name="assignments",
    ),
    path(
        "administrations/<str:code>/assignments/new/",
        views.assignment_new,
        name="assignment_new",
    ),
    path(
        "administrations/<str:code>/assignments/<int:pk>/",
        views.assignment_detail,
        name="assignment",
    ),
    path(
        "administrations/<str:code>/assignments/<int:pk>/withdraw/",
        views.assignment_withdraw,
        name="assignment_withdraw",
    ),
    path("my/assignments/", views.my_assignments, name="my_assignments"),
]
