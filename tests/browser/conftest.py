"""Real-browser tests: pytest-django's live_server and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import threading

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# between browser steps are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The site is served at 127.0.0.1:<port>; http://localhost:<port> is then its content origin,
# where H5P plays without the site's cookies (lms/content_origin.py).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def one_request_at_a_time(request):
    """The live server answers in several threads. On SQLite they share one in-memory
    connection, which does not survive two requests at once (two autosaves in flight, or
    the admin fetching its icons and translations in parallel: "cannot start a
    transaction within a transaction"). Browser tests are served one request at a time,
    as a slower server would be; the concurrency tests run on PostgreSQL without it."""
    from django.core.handlers.wsgi import WSGIHandler

    lock = threading.RLock()
    serve = WSGIHandler.__call__

    def serially(self, environ, start_response):
        with lock:
            return serve(self, environ, start_response)

    patch = request.getfixturevalue("monkeypatch")
    patch.setattr(WSGIHandler, "__call__", serially)


@pytest.fixture(scope="session")
def _chromium():
    """Playwright's driver and the running Chromium, launched again if it went away: a
    browser that crashed fails the test it crashed in, not every later one."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run 'make test', which installs it.")
    # Playwright gives every launch a new, empty profile directory of its own.
    with sync_playwright() as playwright:
        running = {"browser": None}

        def launched():
            if running["browser"] is None or not running["browser"].is_connected():
                running["browser"] = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
            return running["browser"]

        yield launched
        if running["browser"] is not None and running["browser"].is_connected():
            running["browser"].close()


@pytest.fixture
def browser(_chromium):
    return _chromium()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form:has(#id_password) button[type=submit]").click()
