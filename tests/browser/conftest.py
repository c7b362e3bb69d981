"""Real-browser tests: pytest-django's live_server and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def browser_page(browser, base_url: str, locale: str = "en-GB") -> Iterator:
    """A page in a browser context of its own (its own cookies: another browser session),
    asking for ``locale``; the context is closed afterwards."""
    context = browser.new_context(base_url=base_url, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, live_server):
    with browser_page(browser, live_server.url) as page:
        yield page


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form:has(#id_password) button[type=submit]").click()
