"""Request bodies larger than the limit of their address are refused with 413 before
anything reads them; NUL characters in addresses get 400 (lms/middleware.py, issue 11)."""

from __future__ import annotations

import json
import tempfile

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import reverse

from lms.middleware import RequestLimitsMiddleware, body_limit_for

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MiB = 1024 * 1024


def test_a_body_over_the_default_limit_is_refused_before_it_is_read(client, settings, per_officer):
    body = "username=officer.per&password=" + "x" * settings.LMS_REQUEST_MAX_BYTES
    response = client.post(LOGIN, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "The request is too large. At most 1.0\xa0MB can be sent here." in (
        response.content.decode()
    )
    assert not AccessAttempt.objects.exists()  # the form was never parsed


def test_the_content_length_header_alone_is_enough_to_refuse(client, settings):
    response = client.post(
        LOGIN,
        "username=a&password=b",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(settings.LMS_REQUEST_MAX_BYTES + 1),
    )
    assert response.status_code == 413


def test_a_malformed_content_length_is_a_400(client):
    response = client.post(
        LOGIN, "a=b", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH="12, 12"
    )
    assert response.status_code == 400
    assert "Content-Length" in response.content.decode()


@override_settings(LMS_REQUEST_MAX_BYTES=1000)
def test_the_limit_comes_from_the_settings(client):
    ok = client.post(LOGIN, {"username": "a", "password": "b"})
    assert ok.status_code == 200
    too_big = client.post(LOGIN, {"username": "a" * 1000, "password": "b"})
    assert too_big.status_code == 413


def test_the_actual_size_of_a_buffered_body_counts_not_only_its_header(settings):
    """Under ASGI the server buffers the body, and Content-Length may understate it."""
    with tempfile.SpooledTemporaryFile() as body:
        body.write(b"x" * (settings.LMS_REQUEST_MAX_BYTES + 1))
        body.seek(0)
        response, reached = _through_middleware(body)
    assert response.status_code == 413 and not reached
    assert "too large" in json.loads(response.content)["detail"]


def _through_middleware(body):
    scope = {
        "type": "http",
        "method": "POST",
        "path": LOGIN,
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", b"2"),
            (b"host", b"testserver"),
        ],
    }
    request = ASGIRequest(scope, body)
    reached = []
    middleware = RequestLimitsMiddleware(lambda r: reached.append(r) or HttpResponse("ok"))
    return middleware(request), reached


@pytest.mark.parametrize(
    "url",
    [
        "/verify/%00/",
        "/accounts/login/?next=%00",
        "/administrations/PER%00/",
        "/h5p/libraries/H5P.Foo-1.0/a%00.js",
        "/api/v1/officers/?q=%00",
    ],
)
def test_nul_in_an_address_is_a_400(client, url, per_manager):
    client.force_login(per_manager)
    response = client.get(url)
    assert response.status_code == 400
    assert "not allowed" in response.content.decode()


def test_json_requests_get_json_refusals(client, settings):
    response = client.post(
        "/language/", "x" * (settings.LMS_REQUEST_MAX_BYTES + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


# --- uploads that are legitimately large keep working -------------------------------------


def test_every_upload_address_has_a_limit_that_fits_its_files(settings):
    from courses.packages.h5p.policy import PolicyLimits

    h5p_add = reverse("wagtailsnippets_courses_h5pactivity:add")
    assert body_limit_for(h5p_add).max_bytes > PolicyLimits().max_package_bytes
    question_import = body_limit_for("/cms/banks/1/import/").max_bytes
    assert question_import > settings.LMS_QUESTION_IMPORT_MAX_BYTES
    imports = reverse("tracking:imports", args=["PER"])
    assert body_limit_for(imports).max_bytes > settings.LMS_IMPORT_MAX_BYTES
    assert body_limit_for("/cms/documents/add/").max_bytes > settings.LMS_DOCUMENT_MAX_BYTES
    assert body_limit_for("/cms/images/multiple/add/").max_bytes > 10 * MiB
    assert body_limit_for(LOGIN).max_bytes == settings.LMS_REQUEST_MAX_BYTES


def test_an_h5p_package_larger_than_other_admin_requests_reaches_the_validator(
    client, platform_admin
):
    client.force_login(platform_admin)
    package = SimpleUploadedFile("big.h5p", b"PK" + b"\0" * (11 * MiB))
    response = client.post(
        reverse("wagtailsnippets_courses_h5pactivity:add"), {"title": "Big", "package": package}
    )
    assert response.status_code == 200  # the form answers (not a valid package), no 413
    assert "H5P" in response.content.decode()


def test_an_h5p_package_over_the_policy_limit_is_refused_before_parsing(client, platform_admin):
    from courses.packages.h5p.policy import PolicyLimits

    client.force_login(platform_admin)
    response = client.post(
        reverse("wagtailsnippets_courses_h5pactivity:add"),
        {"title": "Huge"},
        CONTENT_LENGTH=str(PolicyLimits().max_package_bytes + 2 * MiB),
    )
    assert response.status_code == 413


def test_a_document_larger_than_other_admin_requests_is_stored(client, platform_admin):
    from wagtail.documents import get_document_model

    client.force_login(platform_admin)
    from wagtail.models import Collection

    root = Collection.get_first_root_node()
    video = SimpleUploadedFile("lesson.mp4", b"\0" * (12 * MiB), content_type="video/mp4")
    response = client.post(
        "/cms/documents/add/", {"title": "Lesson video", "file": video, "collection": root.pk}
    )
    assert response.status_code == 302
    assert get_document_model().objects.filter(title="Lesson video").exists()
