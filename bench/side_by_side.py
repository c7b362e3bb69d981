"""Our side of the comparison with the closest Wagtail peer (bench/side_by_side.sh).

``prepare WORK_DIR PORT``: a throw-away SQLite database and media folder (nothing of the
dev database is touched) seeded with the peer's shape: one course, three lessons, each
with rich text around one H5P activity (the project's own knowledge check, one package
per lesson), one officer enrolled and signed in. Writes into WORK_DIR:
``server.env`` (production settings on that database, DEBUG off, plain HTTP on
127.0.0.1:PORT, the content origin at localhost:PORT, persistent database connections as
production's default unless OURS_CONN_MAX_AGE says otherwise; only for our gunicorn) and
``ours.env`` (the ``OURS_*`` variables of the peer's side_by_side.sh: paths, the officer's
session and CSRF cookies under production's names, an xAPI statement for our endpoint; as
our course pages need sign-in, the anonymous page is the public home page).

``check URL NEEDLE... [--cookie C]``: the page answers 200, not a redirect, with every
needle in it, for the cookie; and without the cookie it does not (the page is the
signed-in one).

``report SBS``: the req/s medians of peer and ours per test and connection count from
the side_by_side.sh results under the prefix SBS, and their ratio; fails when any
request got another status than 200.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shlex
import statistics
import subprocess
import sys
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from common import ROOT, production_env, throwaway_sqlite_django

HOST = "127.0.0.1"
LESSONS = 3
# The peer's lesson text (its seed.py), so that both pages carry the same words.
LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Integer nec odio. "
    "Praesent libero. Sed cursus ante dapibus diam. Sed nisi. Nulla quis sem at "
    "nibh elementum imperdiet. Duis sagittis ipsum. Praesent mauris. Fusce nec "
    "tellus sed augue semper porta. Mauris massa. Vestibulum lacinia arcu eget nulla. "
)
TESTS = {
    # Our course pages need a signed-in officer: anonymous visitors get the public home page.
    "a": "anon GET course page (ours: the home page)",
    "b": "auth GET lesson page",
    "c": "auth POST xAPI answered",
}


def lesson_title(number: int) -> str:
    return f"Lesson {number}: Fundamentals part {number}"


def knowledge_check(number: int) -> dict:
    """The parameters of one knowledge check (the peer asks the same question)."""
    return {
        "question": f"<p>What is {number} + {number}?</p>",
        "multipleAnswers": False,
        "options": [
            {"text": str(2 * number), "correct": True, "feedback": "Yes."},
            {"text": str(2 * number + 1), "correct": False, "feedback": "No."},
        ],
    }


def statement(activity_url: str, library: str) -> dict:
    """An xAPI ``answered`` statement with a score, as H5P core sends it (no id: each
    request stores a new one, as with the peer's body)."""
    return {
        "actor": {"objectType": "Agent", "name": "Officer", "mbox": "mailto:o@example.org"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/answered",
            "display": {"en-US": "answered"},
        },
        "object": {
            "objectType": "Activity",
            "id": activity_url,
            "definition": {
                "name": {"en-US": "Knowledge check 1"},
                "extensions": {"http://h5p.org/x-api/h5p-local-content-id": "1"},
            },
        },
        "result": {
            "score": {"min": 0, "max": 10, "raw": 8, "scaled": 0.8},
            "completion": True,
            "success": True,
            "duration": "PT12.34S",
            "response": "0",
        },
        "context": {
            "contextActivities": {
                "category": [
                    {"objectType": "Activity", "id": f"http://h5p.org/libraries/{library}"}
                ]
            }
        },
    }


def shell_lines(values: dict[str, str]) -> str:
    return "".join(f"{key}={shlex.quote(value)}\n" for key, value in values.items())


def production_cookie_names(env: dict[str, str]) -> tuple[str, str]:
    """The session and CSRF cookie names of the settings the server runs with."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)"
    )
    out = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return out[0], out[1]


def prepare(work_dir: Path, port: int) -> None:
    before = dict(os.environ)
    # Sessions and their auth hash are signed with the secret: the server gets the same.
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(64)
    work = throwaway_sqlite_django("lms-bench-side-")
    from django.core.management import call_command
    from django.db import connection

    from courses.models import LessonActivity, LessonPage
    from courses.packages.h5p.build import build_package
    from courses.packages.h5p.services import h5p_package_import
    from courses.services import enrolment_create
    from lms.accounts.models import Administration, User
    from lms.accounts.roles import Role
    from lms.accounts.services import user_set_roles
    from lms.home.models import HomePage
    from tests.exam_load import course_module, signed_in

    call_command("migrate", verbosity=0)
    index, course, module = course_module("Introduction to Benchmarking", "intro")
    for page in (index, course, module):
        page.save_revision().publish()
    lessons = []
    for number in range(1, LESSONS + 1):
        title = f"Knowledge check {number}"
        activity = h5p_package_import(
            actor=None,
            data=build_package(content=knowledge_check(number), title=title, language="en"),
            title=title,
        )
        lesson = LessonPage(
            title=lesson_title(number),
            slug=f"lesson-{number}",
            body=[
                {
                    "type": "text",
                    "value": f"<p>Intro to lesson {number}. {LOREM}</p>"
                    f"<h3>Section {number}.1</h3><p>{LOREM}</p><p>{LOREM}</p>",
                    "id": str(uuid.uuid4()),
                },
                {
                    "type": "h5p",
                    "value": {"activity": activity.pk, "required": True},
                    "id": str(uuid.uuid4()),
                },
                {
                    "type": "text",
                    "value": f"<h3>Section {number}.2</h3><p>{LOREM}</p>"
                    "<ul><li>one</li><li>two</li><li>three</li></ul>",
                    "id": str(uuid.uuid4()),
                },
            ],
        )
        module.add_child(instance=lesson)
        lesson.save_revision().publish()
        lessons.append(lesson)
    administration = Administration.objects.create(
        code="XSB", name="Bench", country="Bench", country_code="XB", official_languages=["en"]
    )
    officer = User.objects.create(
        username="officer", administration=administration, preferred_language="en"
    )
    user_set_roles(actor=None, user=officer, roles={Role.OFFICER})
    enrolment_create(actor=officer, course=course)
    session_key, csrf = signed_in(officer)
    slot = LessonActivity.objects.select_related("activity__main_library").get(lesson=lessons[0])
    library = slot.activity.main_library
    lesson_path = urlsplit(lessons[0].url).path
    home_path = urlsplit(HomePage.objects.get(locale__language_code="en").url).path
    connection.close()

    env = production_env(os.environ["DATABASE_URL"], HOST, "bench-side-static")
    env["DJANGO_SECRET_KEY"] = os.environ["DJANGO_SECRET_KEY"]
    env["LMS_PUBLIC_URL"] = f"http://{HOST}:{port}"
    env["LMS_CONTENT_ORIGIN"] = f"http://localhost:{port}"
    # Production's persistent connections unless OURS_CONN_MAX_AGE says otherwise: the
    # peer's settings keep Django's default, 0, a new connection per request.
    env["DATABASE_CONN_MAX_AGE"] = (
        os.environ.get("OURS_CONN_MAX_AGE") or env["DATABASE_CONN_MAX_AGE"]
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    session_cookie, csrf_cookie = production_cookie_names(env)
    body = work_dir / "xapi.json"
    library_name = f"{library.machine_name}-{library.major_version}.{library.minor_version}"
    body.write_text(json.dumps(statement(f"http://{HOST}:{port}{lesson_path}", library_name)))
    server = {key: value for key, value in env.items() if before.get(key) != value}
    (work_dir / "server.env").write_text(shell_lines(server))
    ours = {
        "OURS_DATA": str(work),
        "OURS_BASE_URL": f"http://{HOST}:{port}",
        "OURS_COURSE_PATH": home_path,
        "OURS_LESSON_PATH": lesson_path,
        "OURS_LESSON_TITLE": lesson_title(1),
        "OURS_XAPI_PATH": f"/h5p/xapi/{slot.pk}/",
        "OURS_XAPI_BODY": str(body),
        "OURS_XAPI_EXPECT": "200",
        "OURS_COOKIE": f"{session_cookie}={session_key}; {csrf_cookie}={csrf}",
        "OURS_CSRFTOKEN": csrf,
    }
    (work_dir / "ours.env").write_text(shell_lines(ours))
    print(
        f"ours: {LESSONS} lessons under {urlsplit(course.url).path} in {work} (database, "
        f"media); DATABASE_CONN_MAX_AGE={env['DATABASE_CONN_MAX_AGE']}"
    )


def get(url: str, cookie: str | None) -> tuple[int, str, str]:
    """(status, Location, body) of a GET, redirects not followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return (
            response.status,
            response.getheader("Location", ""),
            response.read().decode("utf-8", "replace"),
        )
    finally:
        connection.close()


def check(url: str, needles: list[str], cookie: str) -> None:
    status, location, body = get(url, cookie)
    if status != 200:
        sys.exit(f"SANITY FAIL: GET {url} -> {status} {location} (want 200 with the lesson)")
    missing = [needle for needle in needles if needle not in body]
    if missing:
        sys.exit(f"SANITY FAIL: GET {url} -> 200 without {missing}")
    anonymous, location, anonymous_body = get(url, None)
    if anonymous == 200 and all(needle in anonymous_body for needle in needles):
        sys.exit(f"SANITY FAIL: GET {url} shows the lesson without signing in")
    print(
        f"sanity ok: GET {url} -> 200 with {', '.join(map(repr, needles))} "
        f"({len(body)} bytes); without the session -> {anonymous} {location}".rstrip()
    )


def requests_per_second(prefix: str) -> dict[str, dict[tuple[str, int], list[float]]]:
    """side, (test, connections): req/s of each round; exits when a status was not 200."""
    found: dict[str, dict[tuple[str, int], list[float]]] = defaultdict(lambda: defaultdict(list))
    bad = []
    for side in ("peer", "ours"):
        for result in sorted(Path(prefix).glob(f"{side}_r*/*_c*.txt")):
            test, conns = result.stem.split("_c")
            text = result.read_text()
            rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
            statuses = dict(re.findall(r"HTTP (\d+): (\d+)", text))
            if rate is None or not statuses or set(statuses) != {"200"}:
                bad.append(f"{result}: {statuses or 'no answer'}")
            if rate is not None:
                found[side][(test, int(conns))].append(float(rate.group(1)))
    if bad:
        sys.exit("statuses other than 200:\n  " + "\n  ".join(bad))
    return found


def report(prefix: str) -> None:
    found = requests_per_second(prefix)
    print("| test | wrk conns | rounds | peer req/s | ours req/s | ours/peer |")
    print("|---|---|---|---|---|---|")
    for key in sorted(set(found["peer"]) & set(found["ours"]), key=lambda k: (k[1], k[0])):
        peer, ours = statistics.median(found["peer"][key]), statistics.median(found["ours"][key])
        test, conns = key
        print(
            f"| ({test}) {TESTS.get(test, test)} | {conns} | {len(found['ours'][key])} | "
            f"{peer:.1f} | {ours:.1f} | {ours / peer:.2f}x |"
        )


def main() -> None:
    command, *args = sys.argv[1:] or ["help"]
    if command == "prepare" and len(args) == 2:
        prepare(Path(args[0]), int(args[1]))
    elif command == "check" and len(args) >= 2:
        cookie = ""
        if "--cookie" in args:
            at = args.index("--cookie")
            cookie = args[at + 1]
            args = args[:at] + args[at + 2 :]
        check(args[0], args[1:], cookie)
    elif command == "report" and len(args) == 1:
        report(args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
