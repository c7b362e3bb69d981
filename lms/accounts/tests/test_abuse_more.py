"""Abuse limits and caching found open by the review after issue 11 (each test failed
before its fix)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.test import Client, RequestFactory

from lms.accounts import throttles
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory
from lms.middleware import RequestLimitsMiddleware

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.9"


def test_password_spraying_from_one_address_is_limited(per, password, settings, monkeypatch):
    """Failures counted per account (and account + address) only let one address try 4
    passwords on every account every 15 minutes. A budget per address, set far above a
    shared address's typos, stops it; another address is not affected."""
    settings.LMS_LOGIN_ADDRESS_FAILURE_RATE = "40/15m"
    # The budget counts in fixed 15-minute windows: the 48 slow sign-ins must not straddle
    # a window's end (they did once in CI), so the budget's clock stands mid-window.
    fixed = (time.time() // 900) * 900 + 450
    monkeypatch.setattr(throttles, "time", SimpleNamespace(time=lambda: fixed))
    users = [
        UserFactory(username=f"sprayed{n}.per", administration=per, roles={Role.OFFICER})
        for n in range(12)
    ]
    client = Client()
    statuses = []
    for user in users:
        for guess in ("Password1", "Customs2026", "Welcome1", "Aduanas123"):
            reply = client.post(
                "/accounts/login/",
                {"username": user.username, "password": guess},
                REMOTE_ADDR=ATTACKER,
            )
            statuses.append(reply.status_code)
    # 48 wrong passwords on 12 accounts from one address: refused after 40.
    assert statuses[:40] == [200] * 40 and set(statuses[41:]) == {429}, statuses
    # Even the right password is refused from there now...
    reply = client.post(
        "/accounts/login/",
        {"username": users[0].username, "password": password},
        REMOTE_ADDR=ATTACKER,
    )
    assert reply.status_code == 429
    # ...while another account's owner signs in from their own address.
    reply = Client().post(
        "/accounts/login/",
        {"username": users[1].username, "password": password},
        REMOTE_ADDR="198.51.100.7",
    )
    assert reply.status_code == 302


def test_anonymous_requests_do_not_get_the_document_upload_body_limit(settings):
    """The 200 MB document limit (and 50 MB H5P limit) applies by path, to anyone: an
    anonymous client's 150 MB multipart body is let through to Django's parser (the CSRF
    check parses it before the admin's login redirect)."""
    factory = RequestFactory()
    request = factory.post(
        "/cms/documents/multiple/add/",
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(150 * 1024 * 1024),
    )
    request.user = AnonymousUser()
    reached = []

    def view(req):
        reached.append(True)
        return HttpResponse("parsed")

    response = RequestLimitsMiddleware(view)(request)
    assert response.status_code == 413 and not reached, "150 MB accepted from an anonymous client"


def test_documents_are_not_cacheable_by_shared_caches(per, per_officer):
    """A document served to a signed-in reader has Last-Modified and no Cache-Control: a
    shared cache or CDN that ignores Vary: Cookie (most do, and .pdf is cached by default
    on several) may serve it to anyone."""
    from wagtail.documents import get_document_model

    from courses.services import media_collection_for

    document = get_document_model().objects.create(
        title="Circular",
        file=ContentFile(b"%PDF-1.4 internal", name="circular.pdf"),
        collection=media_collection_for(per),
    )
    client = Client()
    client.force_login(per_officer)
    response = client.get(f"/documents/{document.pk}/circular.pdf")
    assert response.status_code == 200
    cache_control = response.get("Cache-Control", "")
    assert "private" in cache_control or "no-store" in cache_control, dict(response.items())


def test_catalogue_search_with_a_language_does_not_fail(course_tree, per_officer):
    """/courses/?q=...&language=es (the catalogue's old word filter) was a 500: the search
    backend cannot filter on locale__language_code. Words now go to the search page."""
    client = Client(raise_request_exception=False)
    client.force_login(per_officer)
    response = client.get("/courses/?q=detecting&language=es", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [("/learning/search/?q=detecting", 302)]
