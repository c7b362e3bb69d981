"""The content origin (lms/content_origin.py): where it is, what it lets through, and the
deploy checks that require it in production."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory

from lms.content_origin import (
    ContentOriginMiddleware,
    ContentTokenRefused,
    check_content_origin,
    check_content_origin_deploy,
    content_origin_for,
    content_token_mint,
    content_token_read,
    is_content_request,
)


@pytest.mark.parametrize(
    ("host", "secure", "expected"),
    [
        ("127.0.0.1:8000", False, "http://localhost:8000"),
        ("127.0.0.1", False, "http://localhost"),
        ("[::1]:8000", False, "http://localhost:8000"),
        ("127.0.0.1:8443", True, "https://localhost:8443"),
        ("testserver", False, None),
        ("training.customs.example", True, None),
    ],
)
def test_without_a_setting_the_content_origin_is_derived_for_local_sites(
    settings, host, secure, expected
):
    settings.LMS_CONTENT_ORIGIN = ""
    settings.ALLOWED_HOSTS = ["*"]
    request = RequestFactory().get("/", HTTP_HOST=host, secure=secure)
    assert content_origin_for(request) == expected


def test_the_setting_names_the_content_origin(settings):
    settings.LMS_CONTENT_ORIGIN = "https://content.training.example/"
    settings.ALLOWED_HOSTS = ["training.example", "content.training.example"]
    site = RequestFactory().get("/", HTTP_HOST="training.example", secure=True)
    assert content_origin_for(site) == "https://content.training.example"
    assert not is_content_request(site)
    for host in ("content.training.example", "CONTENT.training.example:443"):
        assert is_content_request(RequestFactory().get("/", HTTP_HOST=host, secure=True)), host
    # localhost is the content origin only when it is derived
    settings.ALLOWED_HOSTS = ["*"]
    assert not is_content_request(RequestFactory().get("/", HTTP_HOST="localhost"))
    settings.LMS_CONTENT_ORIGIN = ""
    assert is_content_request(RequestFactory().get("/", HTTP_HOST="localhost:8000"))


def test_requests_to_the_content_origin_have_no_cookies_and_set_none(settings):
    seen = {}

    def view(request):
        seen["cookies"] = dict(request.COOKIES)
        seen["urlconf"] = getattr(request, "urlconf", None)
        response = HttpResponse("x")
        response.set_cookie("sessionid", "abc")
        return response

    middleware = ContentOriginMiddleware(view)
    request = RequestFactory().get(
        "/c/x/h5p/player/", HTTP_HOST="localhost", HTTP_COOKIE="sessionid=s3cret; csrftoken=t"
    )
    assert request.COOKIES["sessionid"] == "s3cret"  # even when parsed before the middleware
    response = middleware(request)
    assert seen == {"cookies": {}, "urlconf": settings.LMS_CONTENT_URLCONF}
    assert not response.cookies
    assert response["Referrer-Policy"] == "no-referrer"
    assert response._csp_config["default-src"] == ["'none'"]

    redirected = ContentOriginMiddleware(lambda request: HttpResponseRedirect("/elsewhere/"))
    assert redirected(RequestFactory().get("/x", HTTP_HOST="localhost")).status_code == 404

    # Wagtail's previews make up a request to the page's site, which may be localhost.
    preview = RequestFactory().get("/", HTTP_HOST="localhost", HTTP_COOKIE="sessionid=s")
    preview.is_dummy = True
    ContentOriginMiddleware(view)(preview)
    assert seen == {"cookies": {"sessionid": "s"}, "urlconf": None}

    untouched = ContentOriginMiddleware(view)(
        RequestFactory().get("/", HTTP_HOST="127.0.0.1", HTTP_COOKIE="a=b")
    )
    assert seen["cookies"] == {"a": "b"} and untouched.cookies  # the site is not affected


def test_tokens_are_signed_and_expire(settings):
    token = content_token_mint(user_id=7, scope="h5p:3", main_origin="http://127.0.0.1:8000")
    grant = content_token_read(token)
    assert (grant.user_id, grant.scope, grant.main_origin) == (7, "h5p:3", "http://127.0.0.1:8000")
    # The same URL within a bucket, so that the browser's cache serves a reload.
    assert (
        token == content_token_mint(user_id=7, scope="h5p:3", main_origin="http://127.0.0.1:8000")
        or time.time() % settings.LMS_CONTENT_TOKEN_BUCKET < 2
    )
    payload, signature = token.rsplit(":", 1)
    with pytest.raises(ContentTokenRefused) as refused:
        content_token_read(("A" if payload[0] != "A" else "B") + payload[1:] + ":" + signature)
    assert not refused.value.expired
    other_salt = signing.Signer(salt="another").sign_object(
        {"u": 7, "s": "h5p:3", "o": "x", "t": 1}
    )
    with pytest.raises(ContentTokenRefused):
        content_token_read(other_salt)
    old = content_token_mint(
        user_id=7,
        scope="h5p:3",
        main_origin="x",
        now=time.time() - settings.LMS_CONTENT_TOKEN_MAX_AGE - 700,
    )
    with pytest.raises(ContentTokenRefused) as refused:
        content_token_read(old)
    assert refused.value.expired


def test_the_deploy_check_requires_a_content_origin_on_https(settings):
    settings.LMS_CONTENT_ORIGIN = ""
    assert [error.id for error in check_content_origin_deploy()] == ["lms.E103"]
    settings.LMS_CONTENT_ORIGIN = "http://content.training.example"
    assert [error.id for error in check_content_origin_deploy()] == ["lms.E104"]
    settings.LMS_CONTENT_ORIGIN = "https://content.training.example"
    assert check_content_origin_deploy() == []
    settings.SESSION_COOKIE_DOMAIN = ".training.example"  # would reach the content origin
    assert [error.id for error in check_content_origin_deploy()] == ["lms.E105"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("content.training.example", "lms.E101"),
        ("https://content.training.example/h5p/", "lms.E101"),
        ("ftp://content.training.example", "lms.E101"),
        ("https://training.example", "lms.E102"),
        ("https://content.training.example", None),
    ],
)
def test_a_set_content_origin_must_be_an_origin_of_its_own(settings, value, code):
    settings.LMS_PUBLIC_URL = "https://training.example"
    settings.LMS_CONTENT_ORIGIN = value
    assert [error.id for error in check_content_origin()] == ([code] if code else [])
