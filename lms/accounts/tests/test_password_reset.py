"""Password reset, on the site and in the Wagtail admin: the view does the same work for a
known and an unknown address (the look-up and the e-mail happen in a background task,
after the answer), requests are limited per address and per client with the same words
for everyone, and the admin's form serves only accounts that may use the admin
(issue 11)."""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks import default_task_backend

from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE_RESET = "/accounts/reset/"
ADMIN_RESET = "/cms/password_reset/"
QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
WAIT = re.compile(rb"Too many password reset requests\. Try again in \d+ minutes?\.")


@pytest.fixture
def carlos(per_officer):
    per_officer.email = "carlos@example.org"
    per_officer.save()
    return per_officer


def reset(address, url=SITE_RESET, client_ip="198.51.100.7"):
    return Client(REMOTE_ADDR=client_ip).post(url, {"email": address})


@contextmanager
def calls():
    """The functions called (file, name), Django's and the project's alike."""
    seen: set[tuple[str, str]] = set()

    def profile(frame, event, arg):
        if event == "call":
            seen.add((frame.f_code.co_filename, frame.f_code.co_name))

    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(None)


def sql_shapes(queries):
    return [re.sub(r"'[^']*'|\b\d+\b", "?", query["sql"]) for query in queries]


# --- the same work for a known and an unknown address -------------------------------------


@override_settings(TASKS=QUEUED)
@pytest.mark.parametrize("url", [SITE_RESET, ADMIN_RESET])
def test_the_view_does_the_same_work_for_a_known_and_an_unknown_address(
    url, carlos, platform_admin
):
    platform_admin.email = "root@example.org"
    platform_admin.save()
    known = "carlos@example.org" if url == SITE_RESET else "root@example.org"
    reset("warm-up@example.org", url)  # templates, translations and caches loaded once
    default_task_backend.results.clear()

    answers, shapes, paths = [], [], []
    for address in (known, "ghost@example.org"):
        with CaptureQueriesContext(connection) as queries, calls() as called:
            response = reset(address, url)
        answers.append((response.status_code, response["Location"]))
        shapes.append(sql_shapes(queries))
        paths.append(called)

    assert answers[0] == answers[1] and answers[0][0] == 302
    assert shapes[0] == shapes[1]
    assert len(paths[0]) > 100 and paths[0] == paths[1]
    assert mail.outbox == []  # nothing sent during the request
    queued = default_task_backend.results
    assert [result.task.name for result in queued] == ["send_password_reset"] * 2
    assert [result.args[0] for result in queued] == [known, "ghost@example.org"]


def test_the_task_sends_the_link_to_the_known_address_only(carlos):
    assert reset("ghost@example.org").status_code == 302
    assert mail.outbox == []
    assert reset("CARLOS@example.org").status_code == 302
    assert [message.to for message in mail.outbox] == [["carlos@example.org"]]
    assert "/accounts/reset/" in mail.outbox[0].body


# --- rate limits --------------------------------------------------------------------------


@override_settings(LMS_PASSWORD_RESET_ADDRESS_RATE="2/hour")
def test_requests_are_limited_per_address_with_the_same_words_for_everyone(carlos):
    pages = {}
    for address in ("carlos@example.org", "ghost@example.org"):
        for client_ip in ("198.51.100.1", "198.51.100.2"):
            assert reset(address, client_ip=client_ip).status_code == 302
        refused = reset(address.upper(), client_ip="198.51.100.3")
        assert refused.status_code == 429
        page = CSRF.sub(b"", refused.content).replace(address.upper().encode(), b"")
        assert WAIT.search(page)
        pages[address] = WAIT.sub(b"", page)
    assert pages["carlos@example.org"] == pages["ghost@example.org"]
    assert len(mail.outbox) == 2


@override_settings(LMS_PASSWORD_RESET_CLIENT_RATE="3/hour")
def test_requests_are_limited_per_client(carlos):
    for number in range(3):
        assert reset(f"someone{number}@example.org").status_code == 302
    refused = reset("carlos@example.org")
    assert refused.status_code == 429
    assert mail.outbox == []
    assert reset("carlos@example.org", client_ip="203.0.113.50").status_code == 302
    assert len(mail.outbox) == 1


@override_settings(LMS_PASSWORD_RESET_ADDRESS_RATE="1/hour")
def test_the_admin_form_is_limited_too(platform_admin):
    assert reset("root@example.org", url=ADMIN_RESET).status_code == 302
    refused = reset("root@example.org", url=ADMIN_RESET)
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.content.decode()


# --- the Wagtail admin's form -------------------------------------------------------------


def test_the_admin_form_sends_nothing_to_an_officer(carlos):
    response = reset("carlos@example.org", url=ADMIN_RESET)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_password_reset_done")
    assert mail.outbox == []
    # The site's own form still serves the officer.
    reset("carlos@example.org")
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("role", [Role.PLATFORM_ADMIN, Role.TRAINING_MANAGER])
def test_the_admin_form_serves_people_who_may_use_the_admin(role):
    UserFactory(username="staff.member", email="staff@example.org", roles={role})
    assert reset("staff@example.org", url=ADMIN_RESET).status_code == 302
    assert [message.to for message in mail.outbox] == [["staff@example.org"]]
    link = re.search(r"https?://[^/]+(/cms/password_reset/confirm/\S+/)", mail.outbox[0].body)
    assert link is not None
    page = Client().get(link.group(1), follow=True)
    assert page.status_code == 200


def test_an_unusable_or_inactive_account_gets_nothing(carlos):
    carlos.set_unusable_password()
    carlos.save()
    UserFactory(username="gone", email="gone@example.org", is_active=False)
    reset("carlos@example.org")
    reset("gone@example.org")
    assert mail.outbox == []
