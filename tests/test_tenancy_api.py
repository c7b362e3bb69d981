"""The tenant-isolation matrix of the API: PER's rows are 404 for PAN's manager and for
PAN's tokens, and no list of PER's ever holds a PAN row, whatever the filters say."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrolment
from lms.api.models import ApiToken
from lms.api.tests.fixtures import catalogue_fixture, world_fixture  # noqa: F401
from lms.api.tests.helpers import make_token, token_client
from lms.tracking.models import Assignment
from tests.tenancy import assert_hidden_from

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def per_api_urls(world):
    """Every API address that shows one of PER's rows, and PER's token pages."""
    officer = world.per_people[0]
    enrolment = Enrolment.objects.filter(user=officer).first()
    certificate = officer.certificates.first()
    assignment = Assignment.objects.get(administration__code="PER")
    return [
        f"{API}officers/{officer.pk}/",
        f"{API}enrolments/{enrolment.pk}/",
        f"{API}certificates/{certificate.pk}/",
        f"{API}assignments/{assignment.pk}/",
        f"{API}assignments/{assignment.pk}/records/",
        reverse("api_pages:tokens", args=["PER"]),
        reverse("api_pages:token_revoke", args=["PER", world.per_read.pk]),
    ]


def test_pan_manager_gets_404_for_every_per_api_url(client, per_api_urls, per_manager, pan_manager):
    assert_hidden_from(client, per_api_urls, outsider=pan_manager, owner=per_manager)


def test_a_pan_token_gets_404_for_every_per_row(world, per_api_urls):
    rows = [url for url in per_api_urls if url.startswith(API)]
    per, pan = token_client(world.per_read_secret), token_client(world.pan_read_secret)
    for url in rows:
        assert per.get(url).status_code == 200, url
        response = pan.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Not found."}, url


def test_a_per_write_token_cannot_touch_pan(world):
    client = token_client(world.per_write_secret)
    pan_officer = world.pan_people[0]
    response = client.patch(
        f"{API}officers/{pan_officer.pk}/", {"position": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    due = (timezone.localdate() + dt.timedelta(days=9)).isoformat()
    response = client.post(
        f"{API}assignments/?administration=PAN",
        {"programme": "illicit-trade", "due_on": due, "units": ["BALBOA"]},
        content_type="application/json",
    )
    assert response.status_code == 400  # BALBOA is no unit of PER's
    assert Assignment.objects.filter(administration__code="PAN").count() == 1  # the fixture's
    pan_officer.refresh_from_db()
    assert pan_officer.position == ""


# Filters that name PAN's rows, or try to switch administration.
def _hostile_filters(world) -> list[dict]:
    pan_officer = world.pan_people[0]
    return [
        {},
        {"administration": "PAN"},
        {"administration": "pan", "page_size": "200"},
        {"unit": "BALBOA"},
        {"q": "PAN"},
        {"employee_number": "PAN-000"},
        {"officer": str(pan_officer.pk)},
        {"programme": "pan-canal"},
        {"course": str(world.catalogue.pan.translation_key)},
        {"key": str(world.catalogue.pan.translation_key)},
        {"status": "valid"},
        {"is_active": "true"},
    ]


LIST_FIELDS = {
    "officers/": "id",
    "units/": "administration",
    "enrolments/": "officer",
    "certificates/": "officer",
    "assignments/": "administration",
    "programmes/": "administration",
    "courses/": "administration",
}


def _clients(world, per_manager):
    session = Client()
    session.force_login(per_manager)
    return {"PER token": token_client(world.per_read_secret), "PER manager": session}


def test_per_lists_never_hold_pan_rows_whatever_the_filters(world, per_manager):
    pan_people = {person.pk for person in world.pan_people}
    per_people = {person.pk for person in world.per_people}
    for who, client in _clients(world, per_manager).items():
        for path, field in LIST_FIELDS.items():
            seen = 0
            for query in _hostile_filters(world):
                response = client.get(API + path, query)
                if response.status_code == 400:  # a filter this list does not take as given
                    continue
                assert response.status_code == 200, (who, path, query, response.content)
                for row in response.json()["results"]:
                    seen += 1
                    value = row[field]
                    if field in ("id", "officer"):
                        assert value not in pan_people, (who, path, query, row)
                        assert value in per_people, (who, path, query, row)
                    else:
                        assert value in ("PER", None), (who, path, query, row)
            assert seen, (who, path)  # the positive control: PER's rows are listed


def test_a_platform_admin_may_pick_pan(world, platform_admin):
    client = Client()
    client.force_login(platform_admin)
    officers = client.get(API + "officers/", {"administration": "PAN"}).json()["results"]
    assert {row["id"] for row in officers} == {person.pk for person in world.pan_people}


def test_the_done_when_case(per_manager, per_officer, pan_officer):
    """An API client with a PER token lists PER officers and is refused PAN."""
    _token, secret = make_token(per_manager, scopes=ApiToken.Scopes.READ)
    client = token_client(secret)
    listed = client.get(API + "officers/").json()["results"]
    assert [row["employee_number"] for row in listed] == ["PER-1"]
    assert client.get(f"{API}officers/{pan_officer.pk}/").status_code == 404
    assert client.get(API + "officers/", {"administration": "PAN"}).json()["results"] == listed
