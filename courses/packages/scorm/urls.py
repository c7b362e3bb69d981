"""The SCORM run-time's routes on the site's origin (the player and package files are on
the content origin: ``lms/content_urls.py``)."""

from django.urls import path

from . import views

app_name = "scorm"

urlpatterns = [
    path("commit/<int:slot_id>/", views.commit, name="commit"),
]
