"""A URL configuration for one test: an API view that fails unexpectedly."""

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


class Broken(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):
        raise RuntimeError("boom")


urlpatterns = [
    path("api/v1/broken/", Broken.as_view()),
    path("", include("lms.urls")),
]
