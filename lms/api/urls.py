"""The REST API, version 1, under /api/v1/."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from certificates import api as certificates_api

from . import docs, views
from .errors import api_not_found

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("officers", views.OfficerApi, basename="officer")
router.register("units", views.UnitApi, basename="unit")
router.register("enrolments", views.EnrolmentApi, basename="enrolment")
router.register("assignments", views.AssignmentApi, basename="assignment")
router.register("certificates", views.CertificateApi, basename="certificate")
router.register("programmes", views.ProgrammeApi, basename="programme")
router.register("courses", views.CourseApi, basename="course")

urlpatterns = [
    path(
        "certificates/verify/<str:code>/",
        certificates_api.CertificateVerifyView.as_view(),
        name="certificate_verify",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    # Last: any other address under /api/v1/ answers a JSON 404.
    re_path(r"^.*$", api_not_found, name="not_found"),
]
