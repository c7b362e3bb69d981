"""Input that once reached the database or the parser unchecked: ids beyond 64 bits,
JSON nested thousands deep, an unknown administration code, and an employee number that
belongs to a manager (which must never let a write take over the manager's account)."""

from __future__ import annotations

import pytest

from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory
from lms.api.tests.helpers import token_client

pytestmark = pytest.mark.django_db

API = "/api/v1/"
TOO_BIG = str(2**63)
JSON = "application/json"


@pytest.mark.parametrize(
    "url",
    [f"{API}enrolments/?officer={TOO_BIG}", f"{API}certificates/?officer={TOO_BIG}"],
)
def test_ids_beyond_64_bits_are_a_400(world, url):
    response = token_client(world.per_read_secret).get(url)
    assert response.status_code == 400
    assert "officer" in response.json()


def test_assignment_with_an_id_beyond_64_bits_is_a_400_and_writes_nothing(world):
    from lms.tracking.models import Assignment

    before = Assignment.objects.count()
    response = token_client(world.per_write_secret).post(
        f"{API}assignments/",
        {
            "programme": world.catalogue.per_programme.code,
            "due_on": "2031-01-31",
            "officers": [int(TOO_BIG)],
        },
        content_type=JSON,
    )
    assert response.status_code == 400
    assert Assignment.objects.count() == before


def test_json_nested_too_deeply_is_a_400(world):
    body = "[" * 5000 + "]" * 5000
    response = token_client(world.per_write_secret).post(
        f"{API}assignments/", body, content_type=JSON
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_an_unknown_administration_code_is_not_cut_to_a_known_one(client, world, platform_admin):
    client.force_login(platform_admin)
    assert client.get(f"{API}officers/?administration=PER").status_code == 200
    assert client.get(f"{API}officers/?administration=PERX").status_code == 404


def test_a_managers_employee_number_cannot_be_used_to_take_over_their_account(world, per):
    boss = UserFactory(
        username="boss.per",
        administration=per,
        employee_number="BOSS-1",
        email="boss@customs.example",
        roles={Role.ADMINISTRATION_MANAGER},
    )
    response = token_client(world.per_write_secret).post(
        f"{API}officers/",
        {"employee_number": "boss-1", "full_name": "Boss", "email": "attacker@evil.example"},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert "not an officer" in str(response.json())
    boss.refresh_from_db()
    assert boss.email == "boss@customs.example"
