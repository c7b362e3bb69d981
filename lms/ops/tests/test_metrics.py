"""/metrics: for the token only, requests counted by route name, open attempts counted,
and nothing in a label that names a person, an administration or a row."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import URLResolver, get_resolver, reverse
from prometheus_client.parser import text_string_to_metric_families

from assessments import services as assessment_services
from courses import services as course_services
from lms.ops import metrics

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]

TOKEN = "metrics-token-for-the-tests-0123456789abcdef"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
LITERAL_ID = re.compile(r"(^|/)\d+(/|$)")
DOTTED_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    """Every URL pattern of the site as the resolver writes a match's ``route``."""
    found: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        found |= url_patterns(pattern, route) if isinstance(pattern, URLResolver) else {route}
    return found


def scrape(client) -> dict[str, list]:
    response = client.get("/metrics", **AUTH)
    assert response.status_code == 200
    return {
        family.name: family.samples
        for family in text_string_to_metric_families(response.content.decode())
    }


def requests_counted(samples: dict[str, list], **labels: str) -> float:
    return sum(
        sample.value
        for sample in samples["lms_http_requests"]
        if sample.name == "lms_http_requests_total"
        and all(sample.labels.get(k) == v for k, v in labels.items())
    )


@override_settings(LMS_METRICS_TOKEN=TOKEN)
def test_metrics_are_a_plain_404_without_the_token(client):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN}):
        response = client.get("/metrics", **headers)
        assert response.status_code == 404
        assert b"lms_" not in response.content
    response = client.get("/metrics", **AUTH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for name in (
        "lms_http_requests_total",
        "lms_http_request_duration_seconds_bucket",
        "lms_tasks_finished_total",
        "lms_attempts_open",
    ):
        assert name in text


@override_settings(LMS_METRICS_TOKEN="")
def test_without_a_token_only_loopback_and_only_where_allowed(client):
    assert client.get("/metrics").status_code == 404  # test and production: loopback off
    with override_settings(LMS_METRICS_LOOPBACK=True):
        assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
        assert client.get("/metrics", REMOTE_ADDR="192.0.2.10").status_code == 404


@override_settings(LMS_METRICS_TOKEN=TOKEN)
def test_a_request_increments_the_counter_of_its_route(client):
    before = requests_counted(scrape(client), route="accounts:login", method="GET", status="2xx")
    assert client.get(reverse("accounts:login")).status_code == 200
    after = requests_counted(scrape(client), route="accounts:login", method="GET", status="2xx")
    assert after == before + 1


@override_settings(LMS_METRICS_TOKEN=TOKEN)
def test_the_open_attempts_gauge_counts_an_open_attempt(client, assessment, per_officer):
    (before,) = scrape(client)["lms_attempts_open"]
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    assessment_services.attempt_start(actor=per_officer, assessment=assessment.page)
    (after,) = scrape(client)["lms_attempts_open"]
    assert after.value == before.value + 1
    assert after.labels == {}


@override_settings(LMS_METRICS_TOKEN=TOKEN)
def test_no_label_names_a_row_a_person_or_an_administration(
    client, assessment, per_officer, per_manager, per
):
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    attempt = assessment_services.attempt_start(actor=per_officer, assessment=assessment.page)
    client.force_login(per_officer)
    attempt_url = reverse("assessments:attempt", args=[attempt.pk])
    assert client.get(attempt_url).status_code == 200
    client.force_login(per_manager)
    dashboard_url = reverse("tracking:dashboard", args=[per.code])
    assert client.get(dashboard_url).status_code == 200
    client.get(f"/no-such-page-{per_officer.username}/")
    client.get("/cms/tag-autocomplete/")  # a route without a name: its pattern is the label
    client.logout()

    samples = scrape(client)
    routes = {s.labels["route"] for s in samples["lms_http_requests"]}
    assert {"assessments:attempt", "tracking:dashboard", "cms/tag-autocomplete/"} <= routes
    # A name, or the pattern of an unnamed route (other URL confs of the suite, such as the
    # content origin's, add their own patterns), never a view's dotted path.
    assert "cms/tag-autocomplete/" in url_patterns() | {metrics.UNMATCHED}
    assert not any(DOTTED_PATH.match(route) for route in routes), routes
    assert not any(LITERAL_ID.search(route) for route in routes), routes
    values = {
        value
        for name, family in samples.items()
        if name.startswith("lms_")
        for sample in family
        for key, value in sample.labels.items()
        if key != "le"
    }
    for secret in (per.code, per.name, per_officer.username, per_manager.username, attempt_url):
        assert not any(secret in value for value in values), secret
    assert not any(str(attempt.pk) == value for value in values)


MULTIPROCESS_SCRIPT = """
import django
django.setup()
from django.test import Client
client = Client()
client.get("/healthz")
print(client.get("/metrics", HTTP_AUTHORIZATION="Bearer %s").content.decode())
"""


def test_with_a_multiprocess_folder_the_scrape_reads_the_workers_files(tmp_path):
    """gunicorn's workers: prometheus-client's multiprocess mode, in a real process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.test",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        METRICS_TOKEN=TOKEN,
    )
    result = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRIPT % TOKEN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob("counter_*.db")), "no worker file written"
    samples = {
        family.name: family.samples for family in text_string_to_metric_families(result.stdout)
    }
    assert requests_counted(samples, route="ops:healthz", method="GET", status="2xx") == 1
    # That process's database has no tables: the scrape still answers, and says so.
    assert [s.value for s in samples["lms_metrics_database_up"]] == [0]
