from django.urls import path

from . import views
from .marking import views as marking_views

app_name = "assessments"

urlpatterns = [
    path("assessments/<int:page_id>/start/", views.start, name="start"),
    path("attempts/<int:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<int:attempt_id>/answer/", views.answer, name="answer"),
    path("attempts/<int:attempt_id>/submit/", views.submit, name="submit"),
    path("attempts/<int:attempt_id>/result/", views.result, name="result"),
    path(
        "attempts/<int:attempt_id>/files/",
        marking_views.essay_file_upload,
        name="essay_file_upload",
    ),
    path(
        "attempts/<int:attempt_id>/files/<slug:key>/",
        marking_views.essay_file,
        name="essay_file",
    ),
    path("assessments/images/<slug:name>.png", views.image, name="image"),
]
