"""The exam-taking officer of the load runs (bench/exam_burst.py, bench/multinode.py,
tests/test_multinode.py): press Start, read the attempt page, autosave one answer per
question after a think time, submit; and what the officers saw (latencies per request
kind, errors with their time, every answer and submission the site acknowledged).

A failed autosave or submission is sent again after a short pause, as the attempt page
does (each autosave with the next sequence number); whatever the site answered, only an
answer it acknowledged (200) counts as saved. Nothing here imports Django.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import socket
import ssl
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

KINDS = ("start", "page", "opened", "autosave", "submit")
#: Not a request: from pressing Start to having the attempt page, what the officer waits.
OPENED = "opened"
REQUEST_KINDS = tuple(kind for kind in KINDS if kind != OPENED)
OPTION = re.compile(r'name="q(\d+)" value="([^"]+)"[^>]*>\s*([^<]*?)\s*<')


@dataclass(frozen=True)
class Target:
    """Where the officers' browsers connect: ``address``:``port``, the site's ``host``
    name, over TLS when ``tls`` is given."""

    port: int
    host: str = "127.0.0.1"
    address: str = "127.0.0.1"
    tls: ssl.SSLContext | None = None

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"


@dataclass
class Load:
    """What the officers saw. Times are ``time.monotonic()``."""

    timings: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # kind: (finished at, milliseconds)
    errors: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    acknowledged: dict[tuple[int, int], str] = field(default_factory=dict)  # (attempt, q): token
    submitted: set[int] = field(default_factory=set)
    attempts: dict[int, int] = field(default_factory=dict)  # attempt: officer number
    lock: threading.Lock = field(default_factory=threading.Lock)

    def latencies(self, kind: str, until: float = float("inf")) -> list[float]:
        """The ``kind`` requests' milliseconds, of those finished before ``until``."""
        return [milliseconds for at, milliseconds in self.timings[kind] if at < until]

    @property
    def requests(self) -> int:
        return sum(len(values) for kind, values in self.timings.items() if kind != OPENED)

    @property
    def error_count(self) -> int:
        return sum(len(values) for values in self.errors.values())

    def recovery(self, since: float, until: float) -> float | None:
        """Seconds from ``since`` to the last error before ``until`` (0 when none came),
        None when no request succeeded after it: how long officers saw failures."""
        errors = [at for values in self.errors.values() for at, _ in values if since <= at < until]
        last = max(errors, default=since)
        later = [at for values in self.timings.values() for at, _ in values if at > last]
        if errors and not later:
            return None
        return last - since

    def summary(self, until: float = float("inf")) -> list[str]:
        """One line per request kind: count, p50, p95, p99, errors (of the requests that
        finished before ``until``)."""
        lines = []
        for kind in KINDS:
            values = self.latencies(kind, until)
            if values:
                errors = [at for at, _ in self.errors[kind] if at < until]
                lines.append(
                    f"{kind:9} n={len(values):6} p50 {percentile(values, 0.5):7.1f} ms  "
                    f"p95 {percentile(values, 0.95):7.1f} ms  "
                    f"p99 {percentile(values, 0.99):7.1f} ms  errors {len(errors)}"
                )
        return lines


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def send(
    target: Target,
    load: Load,
    kind: str,
    method: str,
    path: str,
    session: tuple[str, str],
    body: object = None,
) -> tuple[int | None, str, bytes]:
    """One request on a new connection, timed; (status, Location, body), status None when
    the connection failed."""
    session_key, csrf = session
    headers = {
        "Host": target.host,
        "Cookie": f"__Host-lms_session={session_key}; __Host-lms_csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Origin": target.origin,
    }
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    try:
        sock = socket.create_connection((target.address, target.port), timeout=120)
        if target.tls is not None:
            sock = target.tls.wrap_socket(sock, server_hostname=target.host)
        connection = http.client.HTTPConnection(target.host, target.port, timeout=120)
        connection.sock = sock
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            status = response.status
            location = response.getheader("Location", "")
        finally:
            connection.close()
    except OSError as error:
        with load.lock:
            load.errors[kind].append((time.monotonic(), repr(error)))
        return None, "", b""
    with load.lock:
        load.timings[kind].append((time.monotonic(), (time.perf_counter() - start) * 1000))
        if status >= 400:
            load.errors[kind].append((time.monotonic(), f"{status} {payload[:120]!r}"))
    return status, location, payload


def officer_run(
    target: Target,
    load: Load,
    page_id: int,
    session: tuple[str, str],
    *,
    questions: int,
    think: Callable[[], None] = lambda: None,
    starting_gun: threading.Barrier | None = None,
    before_start: Callable[[], None] = lambda: None,
    choose: str | None = None,
    tries: int = 1,
    number: int = 0,
    keep_answering: Callable[[], bool] = lambda: False,
) -> None:
    """One officer takes the exam: Start (all at once behind ``starting_gun``), the
    attempt page, one autosave per question after ``think()``, then Submit. ``choose``
    names the option to pick by its text (the last one of each question otherwise). While
    ``keep_answering()`` is true after the last question, the officer reviews: changes an
    answer, then changes it back. A request that fails is sent again up to ``tries`` times
    in all, a second apart."""

    def again(kind: str, method: str, path: str, body=None, ok=lambda s, loc: s == 200):
        for attempt in range(tries):
            if attempt:
                time.sleep(1)
            payload = body(attempt) if callable(body) else body
            status, location, answer = send(target, load, kind, method, path, session, payload)
            if status is not None and ok(status, location):
                return status, location, answer
        with load.lock:
            load.errors[kind].append((time.monotonic(), f"gave up: {status} {location}"))
        return None, "", b""

    if starting_gun is not None:
        starting_gun.wait()
    before_start()  # the officer's own moment after the gun, if any
    pressed = time.perf_counter()
    _, location, _ = again(
        "start",
        "POST",
        f"/assessments/{page_id}/start/",
        ok=lambda status, location: status == 302 and "/attempts/" in location,
    )
    if not location:
        return
    attempt_id = int(location.rstrip("/").rsplit("/", 1)[-1])
    with load.lock:
        load.attempts[attempt_id] = number
    # The page names each option by the attempt's opaque token: read them as the page does.
    status, _, page = again("page", "GET", f"/attempts/{attempt_id}/")
    if status == 200:
        with load.lock:
            load.timings[OPENED].append((time.monotonic(), (time.perf_counter() - pressed) * 1000))
    choices: dict[int, str] = {}
    others: dict[int, list[str]] = defaultdict(list)
    for position, token, text in OPTION.findall(page.decode(errors="replace")):
        if choose is None or text == choose:
            choices[int(position)] = token
        else:
            others[int(position)].append(token)
    sequence: dict[int, int] = defaultdict(int)

    def save(position: int, token: str | None) -> None:
        def body(attempt: int) -> dict:
            sequence[position] += 1  # every save and every new try: the next number
            return {"position": position, "seq": sequence[position], "answer": {"option": token}}

        status, _, _ = again("autosave", "POST", f"/attempts/{attempt_id}/answer/", body)
        if status == 200:
            with load.lock:
                load.acknowledged[(attempt_id, position)] = token

    for position in range(1, questions + 1):
        think()
        save(position, choices.get(position))
    # Reviewing until told to stop: an answer changed, then changed back.
    while keep_answering():
        position = random.randint(1, questions)
        think()
        save(position, random.choice(others[position] or [choices.get(position)]))
        think()
        save(position, choices.get(position))
    _, location, _ = again(
        "submit",
        "POST",
        f"/attempts/{attempt_id}/submit/",
        ok=lambda status, location: status == 302 and "/result" in location,
    )
    if location:
        with load.lock:
            load.submitted.add(attempt_id)


def course_module(title: str = "Bench", slug: str = "bench") -> tuple[Any, Any, Any]:
    """The home page, a regional catalogue ``/courses/``, a course ``title`` at
    ``/courses/<slug>/`` and its module ``/courses/<slug>/m/``, none of them published yet.
    Returns (catalogue, course, module)."""
    from courses.models import CourseIndexPage, CoursePage, ModulePage
    from lms.home.models import HomePage
    from lms.home.seed import seed_demo as seed_home

    with open(os.devnull, "w") as quiet:
        seed_home(stdout=quiet)
    home = HomePage.objects.get(locale__language_code="en")
    index = CourseIndexPage(title="Courses", slug="courses")
    home.add_child(instance=index)
    course = CoursePage(title=title, slug=slug, summary="x", track="illicit_trade")
    index.add_child(instance=course)
    module = ModulePage(title="M", slug="m")
    course.add_child(instance=module)
    return index, course, module


def exam_course(questions: int, **assessment_options: Any) -> tuple[Any, Any]:
    """A published course with one module holding an assessment that draws ``questions``
    single-choice questions (the right option is always "b"). Returns (course, page)."""
    from assessments.models import AssessmentPage, DrawRule, Question, QuestionBank
    from assessments.services import question_version_save

    index, course, module = course_module()
    bank = QuestionBank.objects.create(title="Bench bank")
    for number in range(questions):
        question = Question.objects.create(bank=bank, uid=f"q{number}")
        question_version_save(
            actor=None,
            question=question,
            qtype="single_choice",
            data={"options": [{"id": i} for i in "abcd"], "correct": "b"},
            texts={
                "en": {
                    "stem": f"<p>Question {number}</p>",
                    "options": {i: {"text": f"Option {i}"} for i in "abcd"},
                }
            },
        )
    page = AssessmentPage(title="Exam", slug="exam", pass_mark=50, **assessment_options)
    page.draw_rules = [DrawRule(bank=bank, count=questions)]
    module.add_child(instance=page)
    for item in (index, course, module, page):
        item.save_revision().publish()
    return course, page


def signed_in(user: Any) -> tuple[str, str]:
    """A session of ``user`` in the database, as after signing in, and a CSRF token: the
    cookies an officer's browser sends."""
    import secrets

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "lms.accounts.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key, secrets.token_hex(16)
