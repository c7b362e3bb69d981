"""Creating an officer never tells one administration which usernames exist in another
(issue 11): every username an administration creates ends with its code (``ana`` becomes
``ana.per``, like the demo's ``officer.per``), so it only ever competes for names of its
own; a legacy name in its namespace held elsewhere gets the answer any invalid username
gets; no duplicate is ever created."""

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


def test_names_held_elsewhere_and_free_names_get_the_same_answer(world, pan, platform_admin):
    """The oracle is gone: asking for a name that exists in PAN or among the platform
    staff answers exactly like asking for a free one."""
    UserFactory(username="jefe.pan", administration=pan, roles={Role.ADMINISTRATION_MANAGER})
    answers = [
        create(world, name, number)
        for name, number in (("jefe.pan", "N-1"), ("admin", "N-2"), ("zz-free", "N-3"))
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.json()["username"] for a in answers] == ["jefe.pan.per", "admin.per", "zz-free.per"]
    assert User.objects.get(username="jefe.pan").administration == pan  # untouched
    assert User.objects.get(username="admin") == platform_admin


def test_a_legacy_name_in_the_namespace_held_elsewhere_gets_the_invalid_username_answer(world, pan):
    """A name ending in .per made before namespaces for someone outside PER."""
    UserFactory(username="viejo.per", administration=pan, roles={Role.OFFICER})
    taken_elsewhere = create(world, "Viejo.PER")
    malformed = create(world, "viejo per")
    assert taken_elsewhere.status_code == malformed.status_code == 400
    message = taken_elsewhere.json()["username"][0]
    assert message == "“Viejo.PER” is not a valid username. Use only letters, digits and the " + (
        "characters . @ + - _ (no spaces)."
    )
    assert malformed.json()["username"][0] == message.replace("Viejo.PER", "viejo per")
    assert "taken" not in str(taken_elsewhere.json())
    assert User.objects.filter(username__iexact="viejo.per").count() == 1
    assert not User.objects.filter(employee_number="N-77").exists()


def test_a_username_of_the_administration_itself_is_named_as_taken(world, per):
    UserFactory(username="jefe.per", administration=per, roles={Role.ADMINISTRATION_MANAGER})
    for asked in ("jefe.per", "jefe"):  # "jefe" means jefe.per too
        response = create(world, asked)
        assert response.status_code == 400
        assert "is already taken" in response.json()["username"][0]


def test_a_free_username_is_used_in_the_namespace(world):
    response = create(world, "nuevo.oficial")
    assert response.status_code == 201
    assert response.json()["username"] == "nuevo.oficial.per"
