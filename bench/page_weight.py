"""Page weight of the officer's pages: bytes a first visit and a repeat visit transfer.

Run with ``make bench-pages``. On a throw-away SQLite database seeded with the demo, for an
English-speaking and a Brazilian officer, it requests the home, the catalogue and a text
lesson (no H5P activity) and prints, raw and gzip-compressed as whitenoise serves them:

- a first visit: the HTML and every stylesheet and script the page links (read from the
  static files the page names);
- a repeat visit: the HTML only (static files are fingerprinted and cached for a year).

The goals (issue 14): under 100 KB gzip for a first visit, under 20 KB for a repeat one.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import throwaway_sqlite_django

throwaway_sqlite_django("bench-pages-")

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from courses.models import LessonActivity, LessonPage  # noqa: E402
from lms.accounts.models import User  # noqa: E402

GOAL_FIRST, GOAL_REPEAT = 100 * 1024, 20 * 1024
_ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]*href|script[^>]*\ssrc)="([^"]+)"')
_HASH = re.compile(r"\.[0-9a-f]{12}(\.[a-z0-9]+)$")


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def assets_of(html: str) -> dict[str, bytes]:
    found = {}
    for url in _ASSET.findall(html):
        if not url.startswith(settings.STATIC_URL):
            continue
        name = _HASH.sub(r"\1", url[len(settings.STATIC_URL) :].split("?")[0])
        path = finders.find(name)
        if path is None:
            raise SystemExit(f"static file not found: {name}")
        found[name] = Path(path).read_bytes()
    return found


def text_lesson(language: str) -> LessonPage:
    with_activity = LessonActivity.objects.values_list("lesson_id", flat=True)
    return (
        LessonPage.objects.live()
        .filter(locale__language_code=language)
        .exclude(pk__in=with_activity)
        .order_by("path")
        .first()
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    print(f"{'page':<44} {'first visit gzip':>17} {'repeat gzip':>12}  goals met")
    failures = 0
    for username in ("officer.jam", "officer.bra"):
        officer = User.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(officer)
        lesson = text_lesson(officer.preferred_language)
        for label, url in (
            ("home", "/"),
            ("catalogue", "/learning/catalogue/"),
            ("text lesson", lesson.url),
        ):
            response = client.get(url, follow=True)
            assert response.status_code == 200, (url, response.status_code)
            html = response.content
            assets = assets_of(html.decode())
            first = gz(html) + sum(gz(data) for data in assets.values())
            repeat = gz(html)
            ok = first < GOAL_FIRST and repeat < GOAL_REPEAT
            failures += not ok
            name = f"{username} {label} ({officer.preferred_language})"
            print(
                f"{name:<44} {first / 1024:>13.1f} KiB {repeat / 1024:>8.1f} KiB  "
                f"{'yes' if ok else 'NO'}   [{len(assets)} CSS/JS files, "
                f"HTML {len(html) / 1024:.1f} KiB raw]"
            )
    print(f"goals: first visit < {GOAL_FIRST // 1024} KiB, repeat < {GOAL_REPEAT // 1024} KiB")
    if failures:
        print(f"{failures} page(s) over the goals")


if __name__ == "__main__":
    main()
