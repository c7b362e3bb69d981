"""Creating an officer with a username held in another administration gets the answer any
invalid username gets, so the API does not tell one administration which usernames exist
in another; no duplicate is ever created (issue 11)."""

from __future__ import annotations

import pytest

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory
from lms.api.tests.helpers import token_client

pytestmark = pytest.mark.django_db

API = "/api/v1/officers/"
JSON = "application/json"


def create(world, username, number="N-77"):
    return token_client(world.per_write_secret).post(
        API,
        {
            "employee_number": number,
            "full_name": "Nuevo Oficial",
            "email": f"{number.lower()}@aduanas.example",
            "username": username,
        },
        content_type=JSON,
    )


def test_a_username_of_another_administration_gets_the_invalid_username_answer(world, pan):
    UserFactory(username="jefe.pan", administration=pan, roles={Role.ADMINISTRATION_MANAGER})
    taken_elsewhere = create(world, "Jefe.PAN")
    malformed = create(world, "jefe pan")
    assert taken_elsewhere.status_code == malformed.status_code == 400
    message = taken_elsewhere.json()["username"][0]
    assert message == "“Jefe.PAN” is not a valid username. Use only letters, digits and the " + (
        "characters . @ + - _ (no spaces)."
    )
    assert malformed.json()["username"][0] == message.replace("Jefe.PAN", "jefe pan")
    assert "taken" not in str(taken_elsewhere.json())
    assert User.objects.filter(username__iexact="jefe.pan").count() == 1
    assert not User.objects.filter(employee_number="N-77").exists()


def test_a_username_of_the_platform_staff_gets_the_same_answer(world, platform_admin):
    response = create(world, "admin")
    assert response.status_code == 400
    assert "is not a valid username" in response.json()["username"][0]


def test_a_username_of_the_administration_itself_is_named_as_taken(world, per):
    UserFactory(username="jefe.per", administration=per, roles={Role.ADMINISTRATION_MANAGER})
    response = create(world, "jefe.per")
    assert response.status_code == 400
    assert response.json()["username"] == ["The username “jefe.per” is already taken."]


def test_a_free_username_is_used(world):
    response = create(world, "nuevo.oficial")
    assert response.status_code == 201
    assert response.json()["username"] == "nuevo.oficial"
