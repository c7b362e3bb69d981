"""Lesson page benchmark: server time, queries and bytes for the demo lesson with H5P.

Run with ``make bench`` (after ``make setup``; it seeds the demo if needed). Prints:
- server time per request for a signed-in officer (median and p95 over many requests),
  measured in-process through Django's full middleware stack on the demo database, wall
  clock and this process's CPU time (steadier on a shared machine), beside the same for a
  bare view (answers "ok", reads nothing) requested with the same session through the
  same middleware, and their ratio. The first twenty requests of each fill the page cache
  (``lms/page_cache.py``: site, route, course, outline, slots, body and the page's shell,
  ``courses/lesson_shell.py``) and each connection's prepared queries (``lms/prepared.py``),
  as a running server's first visitors do; the bare view reads the session and never loads
  the user (nothing asks for it), the lesson page also loads the user with its roles and
  the officer's enrolment with saved H5P states;
- the query count of one request;
- bytes a first visit transfers (HTML, CSS, JS; H5P content and libraries excluded) and a
  repeat visit (static files are fingerprinted and cached for a year, so only the HTML),
  raw and gzip-compressed as whitenoise serves them.
"""

from __future__ import annotations

import gzip
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402

from courses import services  # noqa: E402
from courses.models import LessonActivity, LessonPage  # noqa: E402
from lms.accounts.models import User  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
STATIC_ASSETS = [
    "css/site.css",
    "js/h5p-player.js",
    # The player's own, loaded by its frame on the content origin (lms/content_origin.py).
    "h5p-standalone/main.bundle.js",
    "h5p-standalone/frame.bundle.js",
    "h5p-standalone/styles/h5p.css",
    "js/h5p-frame.js",
    "js/h5p-inner.js",
]


def bare(request: HttpRequest) -> HttpResponse:
    """The bare signed-in view: the middleware's cost alone."""
    return HttpResponse("ok")


def urls() -> list:
    from lms.urls import urlpatterns

    return [path("bench/bare/", bare), *urlpatterns]


class BenchUrls:
    """The site's URLs with the bare view in front (``ROOT_URLCONF`` names a module)."""

    urlpatterns = property(lambda self: urls())


def measure(client: Client, url: str, requests: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each request, sorted."""
    wall, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return sorted(wall), sorted(cpu)


def p95(values: list[float]) -> float:
    return values[int(len(values) * 0.95) - 1]


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


@override_settings(ROOT_URLCONF=BenchUrls())
def main() -> None:
    officer = User.objects.filter(username="officer.jam").first()
    if officer is None:
        call_command("seed_demo", verbosity=0)
        officer = User.objects.get(username="officer.jam")  # English-speaking officer
    slot = (
        LessonActivity.objects.filter(lesson__locale__language_code="en", lesson__live=True)
        .select_related("lesson")
        .order_by("lesson__path")
        .first()
    )
    lesson = LessonPage.objects.get(pk=slot.lesson_id)
    course = lesson.get_parent().get_parent().specific
    services.enrolment_create(actor=officer, course=course)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(officer)
    url = lesson.url
    for _ in range(20):
        assert client.get(url).status_code == 200
        assert client.get("/bench/bare/").status_code == 200
    # Interleaved in rounds, so that a busy machine slows both alike.
    lesson_wall, lesson_cpu, bare_wall, bare_cpu = [], [], [], []
    for _ in range(10):
        wall, cpu = measure(client, url, REQUESTS // 10)
        lesson_wall += wall
        lesson_cpu += cpu
        wall, cpu = measure(client, "/bench/bare/", REQUESTS // 10)
        bare_wall += wall
        bare_cpu += cpu
    for values in (lesson_wall, lesson_cpu, bare_wall, bare_cpu):
        values.sort()
    response = client.get(url)
    with CaptureQueriesContext(connection) as context:
        html = client.get(url).content
    with CaptureQueriesContext(connection) as bare_context:
        client.get("/bench/bare/")
    assets = {}
    for name in STATIC_ASSETS:
        path = finders.find(name)
        assets[name] = Path(path).read_bytes()
    first_raw = len(html) + sum(len(data) for data in assets.values())
    first_gz = gz(html) + sum(gz(data) for data in assets.values())
    print(f"lesson page: {url} (officer.jam, {slot.activity.title!r})")
    print(f"requests measured: {REQUESTS}; status {response.status_code}")
    for name, wall, cpu in (
        ("server time", lesson_wall, lesson_cpu),
        ("bare signed-in view", bare_wall, bare_cpu),
    ):
        print(
            f"{name}: median {statistics.median(wall):.2f} ms (p95 {p95(wall):.2f}), "
            f"CPU median {statistics.median(cpu):.2f} ms (p95 {p95(cpu):.2f})"
        )
    print(
        "lesson / bare: "
        f"{statistics.median(lesson_wall) / statistics.median(bare_wall):.1f}x wall, "
        f"{statistics.median(lesson_cpu) / statistics.median(bare_cpu):.1f}x CPU"
    )
    print(
        f"queries per request: {len(context.captured_queries)} "
        f"(bare view: {len(bare_context.captured_queries)})"
    )
    print(
        f"first visit: {first_raw / 1024:.1f} KiB raw, {first_gz / 1024:.1f} KiB gzip "
        f"(HTML {len(html) / 1024:.1f} KiB + {len(assets)} CSS/JS files)"
    )
    for name, data in assets.items():
        print(f"  {name}: {len(data) / 1024:.1f} KiB raw, {gz(data) / 1024:.1f} KiB gzip")
    print(
        f"repeat visit: {len(html) / 1024:.1f} KiB raw, {gz(html) / 1024:.1f} KiB gzip "
        "(HTML only: static files are cached for a year)"
    )


if __name__ == "__main__":
    main()
