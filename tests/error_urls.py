"""The site's URLconf with views that fail, for tests/test_error_pages.py: its error
handlers are the site's own (lms/urls.py)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from lms import urls as site

SECRET = "secret-detail-6f1c DATABASE_URL=postgres://lms:hunter2@db/lms"
"""What the failing views carry: it must never reach the visitor."""


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


def database_down(request: HttpRequest) -> HttpResponse:
    raise OperationalError(SECRET)


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(SECRET)


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(SECRET)


urlpatterns = [
    path("test-errors/crash/", crash),
    path("test-errors/database-down/", database_down),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/suspicious/", suspicious),
    path("api/test-errors/crash/", crash),
    *site.urlpatterns,
]

handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
