"""The administration API: lists, filters, writes, sessions, pagination, throttling,
errors and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Enrolment
from lms.accounts.models import User
from lms.api.pagination import ApiPagination
from lms.api.tests.fixtures import populate
from lms.api.tests.helpers import token_client
from lms.tracking.models import Assignment, OfficerAssignment

pytestmark = pytest.mark.django_db

API = "/api/v1/"
JSON = "application/json"


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> set[int]:
    return {row["id"] for row in rows(response)}


# --- what each list holds ------------------------------------------------------------------


def test_a_per_token_lists_per_rows(world, per_officer, per_unit):
    client = token_client(world.per_read_secret)
    per_ids = {person.pk for person in world.per_people} | {per_officer.pk}
    assert ids(client.get(API + "officers/")) == per_ids
    assert {row["code"] for row in rows(client.get(API + "units/"))} == {"CALLAO", "CALLAO-T1"}
    enrolments = rows(client.get(API + "enrolments/"))
    assert {row["officer"] for row in enrolments} == {p.pk for p in world.per_people}
    first = enrolments[0]
    assert first["course_title"] == "Detecting illicit trade"
    assert first["course_key"] == str(world.catalogue.regional.translation_key)
    assert {"percent_complete", "enrolled_at", "last_activity_at", "completed_at"} <= set(first)
    certificates = rows(client.get(API + "certificates/"))
    assert {row["officer"] for row in certificates} == {p.pk for p in world.per_people}
    assert {row["programme"] for row in certificates} == {"illicit-trade"}
    assert certificates[0]["status"] == "valid"
    assert certificates[0]["verify_url"].startswith("http")
    [assignment] = rows(client.get(API + "assignments/"))
    assert assignment["administration"] == "PER"
    assert assignment["units"] == ["CALLAO"]
    assert (assignment["targeted"], assignment["completed"]) == (3, 0)
    assert assignment["title"] == "Detecting illicit trade"
    programmes = {row["code"]: row for row in rows(client.get(API + "programmes/"))}
    assert set(programmes) == {"illicit-trade", "per-port"}
    assert programmes["illicit-trade"]["administration"] is None
    assert programmes["illicit-trade"]["title"] == "Certified illicit trade analyst"
    courses = {row["title"]: row for row in rows(client.get(API + "courses/"))}
    assert set(courses) == {"Detecting illicit trade", "Callao induction"}
    assert courses["Callao induction"]["administration"] == "PER"


def test_assignment_records_list_the_officers(world):
    client = token_client(world.per_read_secret)
    assignment = Assignment.objects.get(administration__code="PER")
    records = rows(client.get(f"{API}assignments/{assignment.pk}/records/"))
    assert {row["officer"] for row in records} == {p.pk for p in world.per_people}


def test_filters(world, per_officer):
    client = token_client(world.per_read_secret)
    first, second = world.per_people
    officers = API + "officers/"
    assert ids(client.get(officers, {"unit": "CALLAO"})) == {per_officer.pk, first.pk, second.pk}
    assert ids(client.get(officers, {"unit": "CALLAO-T1"})) == set()
    assert ids(client.get(officers, {"q": "per 001"})) == {second.pk}
    assert ids(client.get(officers, {"employee_number": "PER-000"})) == {first.pk}
    assert ids(client.get(officers, {"is_active": "false"})) == set()
    enrolments = API + "enrolments/"
    assert {r["officer"] for r in rows(client.get(enrolments, {"officer": first.pk}))} == {first.pk}
    assert rows(client.get(enrolments, {"status": "completed"})) == []
    key = str(world.catalogue.regional.translation_key)
    assert len(rows(client.get(enrolments, {"course": key}))) == 2
    certificates = API + "certificates/"
    assert rows(client.get(certificates, {"status": "revoked"})) == []
    assert len(rows(client.get(certificates, {"status": "valid", "programme": "illicit-trade"})))
    assert {
        r["officer"] for r in rows(client.get(certificates, {"employee_number": "PER-001"}))
    } == {second.pk}
    courses = API + "courses/"
    assert [r["title"] for r in rows(client.get(courses, {"key": key}))] == [
        "Detecting illicit trade"
    ]


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("enrolments/", {"officer": "abc"}, "officer"),
        ("enrolments/", {"status": "lost"}, "status"),
        ("enrolments/", {"course": "not-a-key"}, "course"),
        ("certificates/", {"status": "maybe"}, "status"),
        ("officers/", {"is_active": "perhaps"}, "is_active"),
    ],
)
def test_a_bad_filter_value_gets_400_with_a_message(world, path, query, field):
    response = token_client(world.per_read_secret).get(API + path, query)
    assert response.status_code == 400
    assert response.json()[field]


# --- writing officers ------------------------------------------------------------------------


def test_creating_an_officer_follows_the_import_rules(world, per_unit):
    client = token_client(world.per_write_secret)
    response = client.post(
        API + "officers/",
        {
            "employee_number": "PER-900",
            "full_name": "Ana Pérez Quispe",
            "email": "ana.perez@example.org",
            "unit": "CALLAO",
            "position": "Inspector",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    officer = User.objects.get(pk=body["id"])
    assert (officer.administration.code, officer.unit, officer.position) == (
        "PER",
        per_unit,
        "Inspector",
    )
    assert officer.groups.filter(name="Officers").exists()
    assert body["username"] and body["preferred_language"] == "es"
    # The new officer of CALLAO gets the unit's assignment.
    assert OfficerAssignment.objects.filter(officer=officer).count() == 1
    # The same employee number again updates that officer.
    again = client.post(
        API + "officers/",
        {"employee_number": "PER-900", "full_name": "Ana Pérez", "email": "ana.perez@example.org"},
        content_type=JSON,
    )
    assert again.status_code == 200
    officer.refresh_from_db()
    assert officer.full_name == "Ana Pérez"
    # What a client reads back for an officer without a choice (null) it may send again.
    echoed = client.post(
        API + "officers/",
        {**body, "unit": "CALLAO", "preferred_language": None},
        content_type=JSON,
    )
    assert echoed.status_code == 200, echoed.content


def test_an_invalid_officer_gets_400_per_field_and_nothing_is_written(world):
    client = token_client(world.per_write_secret)
    before = User.objects.count()
    response = client.post(
        API + "officers/",
        {
            "employee_number": "PER-901",
            "full_name": "Luis",
            "email": "not-an-address",
            "unit": "BALBOA",  # PAN's unit
            "preferred_language": "de",
        },
        content_type=JSON,
    )
    assert response.status_code == 400
    errors = response.json()
    assert {"email", "unit", "preferred_language"} <= set(errors)
    assert all(isinstance(message, str) and message for m in errors.values() for message in m)
    missing = client.post(API + "officers/", {"full_name": "Luis"}, content_type=JSON)
    assert missing.status_code == 400
    assert {"employee_number", "email"} <= set(missing.json())
    assert User.objects.count() == before


def test_updating_an_officer(world):
    client = token_client(world.per_write_secret)
    officer = world.per_people[0]
    url = f"{API}officers/{officer.pk}/"
    response = client.patch(url, {"position": "Supervisor", "unit": "CALLAO-T1"}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["unit"] == "CALLAO-T1"
    officer.refresh_from_db()
    assert officer.position == "Supervisor"
    for change in ({"employee_number": "PER-777"}, {"username": "someone.else"}):
        refused = client.patch(url, change, content_type=JSON)
        assert refused.status_code == 400
        assert set(refused.json()) == set(change)
    officer.refresh_from_db()
    assert (officer.employee_number, officer.username) == ("PER-000", officer.username)
    assert client.put(url, {}, content_type=JSON).status_code == 405


def test_another_administrations_officer_cannot_be_changed(world):
    client = token_client(world.per_write_secret)
    victim = world.pan_people[0]
    response = client.patch(f"{API}officers/{victim.pk}/", {"position": "Spy"}, content_type=JSON)
    assert response.status_code == 404
    # ?administration= does not move a token to another administration.
    response = client.post(
        API + "officers/?administration=PAN",
        {"employee_number": "PAN-000", "full_name": "Taken over", "email": "x@example.org"},
        content_type=JSON,
    )
    assert response.status_code == 201
    victim.refresh_from_db()
    assert victim.full_name != "Taken over" and victim.position == ""
    assert User.objects.get(pk=response.json()["id"]).administration.code == "PER"


# --- writing assignments ---------------------------------------------------------------------


def test_creating_an_assignment(world):
    client = token_client(world.per_write_secret)
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    response = client.post(
        API + "assignments/",
        {"programme": "per-port", "due_on": due, "units": ["CALLAO"], "note": "Before July"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["programme"], body["due_on"], body["targeted"]) == ("per-port", due, 2)
    assignment = Assignment.objects.get(pk=body["id"])
    assert assignment.administration.code == "PER"
    assert assignment.created_by == world.per_write.created_by


def test_an_invalid_assignment_writes_nothing(world):
    client = token_client(world.per_write_secret)
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    before = Assignment.objects.count()
    cases = [
        ({"programme": "pan-canal", "due_on": due, "units": ["CALLAO"]}, "programme"),
        (
            {"course_key": str(world.catalogue.pan.translation_key), "due_on": due, "units": []},
            "course_key",
        ),
        ({"programme": "per-port", "due_on": due, "units": ["BALBOA"]}, "units"),
        (
            {"programme": "per-port", "due_on": due, "officers": [world.pan_people[0].pk]},
            "officers",
        ),
        ({"programme": "per-port", "due_on": "2001-01-01", "units": ["CALLAO"]}, "due_on"),
        ({"programme": "per-port", "due_on": due}, "non_field_errors"),
    ]
    for payload, field in cases:
        response = client.post(API + "assignments/", payload, content_type=JSON)
        assert response.status_code == 400, (payload, response.content)
        assert field in response.json(), (payload, response.json())
    assert Assignment.objects.count() == before


# --- sessions ----------------------------------------------------------------------------


def test_a_signed_in_manager_uses_the_api_from_the_browser(world, per_manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(per_manager)
    assert ids(client.get(API + "officers/")) == {p.pk for p in world.per_people}
    assert ids(client.get(API + "officers/", {"administration": "PAN"})) == {
        p.pk for p in world.per_people
    }
    payload = {"employee_number": "PER-950", "full_name": "Rosa", "email": "rosa@example.org"}
    refused = client.post(API + "officers/", payload, content_type=JSON)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not User.objects.filter(employee_number="PER-950").exists()
    client.get("/administrations/PER/api-tokens/")  # any page that sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(API + "officers/", payload, content_type=JSON, HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201


def test_other_people_are_refused(world, per_officer, coordinator):
    client = Client()
    anonymous = client.get(API + "officers/")
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"]
    for person in (per_officer, coordinator):
        client.force_login(person)
        response = client.get(API + "officers/")
        assert response.status_code == 403
        assert response.json()["detail"]  # said in the person's language


def test_a_platform_admin_sees_every_administration_or_picks_one(world, platform_admin):
    client = Client()
    client.force_login(platform_admin)
    every = rows(client.get(API + "officers/"))
    assert {row["administration"] for row in every} == {"PER", "PAN"}
    pan_only = rows(client.get(API + "officers/", {"administration": "pan"}))
    assert {row["administration"] for row in pan_only} == {"PAN"}
    assert client.get(API + "officers/", {"administration": "XYZ"}).status_code == 404
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    payload = {"programme": "illicit-trade", "due_on": due, "units": ["BALBOA"]}
    unbound = client.post(API + "assignments/", payload, content_type=JSON)
    assert unbound.status_code == 400
    assert "administration" in unbound.json()
    bound = client.post(API + "assignments/?administration=PAN", payload, content_type=JSON)
    assert bound.status_code == 201
    assert bound.json()["administration"] == "PAN"


# --- pagination, throttling, errors ----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"page": "0"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "1.5"},
        {"page_size": "0"},
        {"page_size": "-10"},
        {"page_size": "lots"},
    ],
)
def test_pagination_abuse_gets_400(world, query):
    response = token_client(world.per_read_secret).get(API + "officers/", query)
    assert response.status_code == 400
    assert response.json()[next(iter(query))]


def test_page_sizes_are_capped_and_pages_link(world, per_officer, monkeypatch):
    client = token_client(world.per_read_secret)
    monkeypatch.setattr(ApiPagination, "max_page_size", 2)
    capped = client.get(API + "officers/", {"page_size": "9" * 5000})
    body = capped.json()
    assert capped.status_code == 200
    assert (body["count"], len(body["results"])) == (3, 2)
    assert "page=2" in body["next"]
    last = client.get(body["next"]).json()
    assert len(last["results"]) == 1 and last["previous"]
    for page in ("99", "9" * 5000):
        beyond = client.get(API + "officers/", {"page": page, "page_size": "2"})
        assert beyond.status_code == 404
        assert beyond.json()["detail"]


def test_requests_are_throttled_per_token(world):
    rest = {
        "DEFAULT_THROTTLE_RATES": {"api": "3/min", "verify": "60/min"},
        "EXCEPTION_HANDLER": "lms.api.errors.api_exception_handler",
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    }
    with override_settings(REST_FRAMEWORK=rest):
        client = token_client(world.per_read_secret)
        for _ in range(3):
            assert client.get(API + "units/").status_code == 200
        response = client.get(API + "units/")
        assert response.status_code == 429
        assert int(response["Retry-After"]) >= 1
        assert response.json()["detail"]
        # Another token has its own budget.
        assert token_client(world.pan_read_secret).get(API + "units/").status_code == 200


def test_unknown_api_addresses_get_json_404(db):
    client = Client()
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(API + "nothing/here/")
        assert response.status_code == 404
        assert response["Content-Type"] == JSON
        assert response.json()["detail"]
    no_slash = client.get(API + "officers")
    assert no_slash.status_code == 404
    assert "slash" in no_slash.json()["detail"]
    assert Client().get(API + "officers/99999/").status_code == 401


def test_a_missing_and_a_foreign_row_get_the_same_404(world):
    client = token_client(world.per_read_secret)
    missing = client.get(f"{API}officers/999999/")
    foreign = client.get(f"{API}officers/{world.pan_people[0].pk}/")
    assert missing.status_code == foreign.status_code == 404
    assert missing.json() == foreign.json()


@pytest.mark.urls("lms.api.tests.urls_error")
def test_an_unexpected_error_gets_json_500(db, caplog):
    response = Client(raise_request_exception=False).get(API + "broken/")
    assert response.status_code == 500
    assert response["Content-Type"] == JSON
    assert response.json() == {"detail": "A server error occurred."}
    assert "boom" in caplog.text


# --- query counts ------------------------------------------------------------------------------


# Token and its creator's roles (2), then the page's count and rows, then prefetches.
LISTS = {
    "officers/": 4,
    "units/": 4,
    "enrolments/": 4,
    "certificates/": 5,  # + programme texts
    "assignments/": 7,  # + programme texts, units, officers, course titles
    "programmes/": 5,  # + texts
    "courses/": 4,
}


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_query_counts_do_not_grow_with_rows(
    world, per, per_unit, per_manager, django_assert_max_num_queries
):
    client = token_client(world.per_read_secret)
    client.get(API + "units/")  # records the token's first use
    small = {path: _count(client, API + path) for path in LISTS}
    populate(per_manager, per, world.per_sub, world.catalogue, 6, start=100)
    assert Enrolment.objects.filter(user__administration=per).count() == 8
    for path, limit in LISTS.items():
        with django_assert_max_num_queries(limit):
            large = _count(client, API + path)
        assert large == small[path], path
    assignment = Assignment.objects.filter(administration=per).first()
    with django_assert_max_num_queries(7):
        response = client.get(f"{API}assignments/{assignment.pk}/records/")
    assert response.json()["count"] == 8  # the unit's two and the sub-unit's six
