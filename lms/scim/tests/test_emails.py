"""Filters on the multi-valued ``emails`` (RFC 7644 §3.4.2.2): a user matches when ANY
of their addresses matches, each address with its own type and primary; in a value path
one and the same address must satisfy the whole inner filter. Filters see the token's
administration only. Requests go through the whole Django stack (test client)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from lms.accounts.models import User
from lms.scim.models import ScimEmail

from .test_errors import ENTERPRISE, Scim, error_of

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ANA = [
    {"value": "Ana.Rios@sunat.gob.pe", "type": "work", "primary": True},
    {"value": "ana.home@mail.example", "type": "home"},
    {"value": "arios@per.gob.pe", "type": "other", "primary": False},
]


def create(scim: Scim, name: str, emails: list[dict]) -> str:
    body = {"schemas": [USER, ENTERPRISE], "userName": name, "emails": emails}
    response = scim("POST", "/Users", body)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def names(scim: Scim, text: str) -> list[str]:
    response = scim("GET", f"/Users?filter={quote(text)}")
    assert response.status_code == 200, response.content
    body = response.json()
    found = [resource["userName"] for resource in body.get("Resources", [])]
    assert body["totalResults"] == len(found)
    return sorted(found)


@pytest.fixture
def people(scim_tokens, per_officer, pan_officer):
    per, pan = Scim(scim_tokens.per_secret), Scim(scim_tokens.pan_secret)
    create(per, "ana", ANA)
    create(per, "beto", [{"value": "beto@mail.example", "type": "home"}])  # no primary
    # PAN's officer holds the very same addresses.
    create(pan, "ana.pan", ANA)
    return per, pan


def test_an_address_other_than_the_primary_one_is_found(people):
    per, pan = people
    for text in (
        'emails.value eq "ANA.HOME@mail.example"',
        'emails eq "ana.home@mail.example"',
        'emails sw "ana.home@"',
        'emails ew "@PER.gob.pe"',
        'emails co "s@per.gob"',
        'emails.value co "@per.gob.pe"',
    ):
        assert names(per, text) == ["ana"], text
        assert names(pan, text) == ["ana.pan"], text  # each token sees its own only
    assert names(per, 'emails.value eq "nobody@mail.example"') == []


def test_type_and_primary_belong_to_each_address(people):
    per, _pan = people
    assert names(per, 'emails.type eq "home"') == ["ana", "beto"]
    assert names(per, 'emails.type eq "other"') == ["ana"]
    # The managers and officer SCIM never sent addresses for: their one address is
    # the primary work one.
    assert names(per, 'emails.type eq "work"') == ["ana", "manager.per", "officer.per"]
    assert names(per, "emails.primary eq true") == ["ana", "manager.per", "officer.per"]
    # beto's only address was not sent as primary; ana's others are not primary.
    assert names(per, "emails.primary eq false") == ["ana", "beto"]
    assert names(per, 'emails.type ne "work"') == ["ana", "beto"]
    assert names(per, "emails.type pr") == ["ana", "beto", "manager.per", "officer.per"]
    assert names(per, 'not (emails.type eq "home")') == ["manager.per", "officer.per"]
    # beto's one address asserts no primary; the others' addresses all do.
    assert names(per, "emails.primary pr") == ["ana", "manager.per", "officer.per"]
    # ne, like every operator on a multi-valued attribute, asks for ANY address: beto's
    # only address is the one excluded, ana has others.
    assert names(per, 'emails.value ne "beto@mail.example"') == [
        "ana",
        "manager.per",
        "officer.per",
    ]
    assert names(per, 'not (emails.value eq "beto@mail.example")') == [
        "ana",
        "manager.per",
        "officer.per",
    ]
    assert names(per, 'not (emails.value eq "ana.home@mail.example")') == [
        "beto",
        "manager.per",
        "officer.per",
    ]


def test_a_value_path_needs_one_address_to_match_it_all(people):
    per, _pan = people
    # ana's work address is @sunat.gob.pe; her @per.gob.pe address is "other".
    assert names(per, 'emails[type eq "work" and value co "@per.gob.pe"]') == []
    assert names(per, 'emails.type eq "work" and emails.value co "@per.gob.pe"') == ["ana"]
    assert names(per, 'emails[type eq "other" and value co "@per.gob.pe"]') == ["ana"]
    assert names(per, 'emails[primary eq true and value sw "ana.home"]') == []
    assert names(per, 'emails[type eq "home" and not (primary eq true)]') == ["ana", "beto"]
    assert names(per, 'emails[type eq "work" or type eq "other"] and userName sw "a"') == ["ana"]
    assert names(per, 'emails[value pr and type eq "home"]') == ["ana", "beto"]


def test_the_address_changed_on_the_platform_is_the_one_filtered(people, per):
    per_scim, _pan = people
    User.objects.filter(username="ana").update(email="ana.new@sunat.gob.pe")
    assert names(per_scim, 'emails eq "ana.rios@sunat.gob.pe"') == []
    assert names(per_scim, 'emails[type eq "work" and value eq "ana.new@sunat.gob.pe"]') == ["ana"]
    assert names(per_scim, 'emails.value eq "ana.home@mail.example"') == ["ana"]
    # What the filter matched is what a GET returns.
    ana = per_scim("GET", f"/Users?filter={quote('userName eq "ana"')}").json()["Resources"][0]
    assert {(e["value"], e.get("type"), e.get("primary")) for e in ana["emails"]} == {
        ("ana.new@sunat.gob.pe", "work", True),
        ("ana.home@mail.example", "home", None),
        ("arios@per.gob.pe", "other", False),
    }


def test_addresses_are_rows_of_the_administration_replaced_on_update(people, per, pan):
    per_scim, _pan = people
    rows = ScimEmail.objects.filter(owner__user__username="ana").order_by("position")
    assert [(r.value, r.type, r.chosen, r.administration_id) for r in rows] == [
        ("Ana.Rios@sunat.gob.pe", "work", True, per.pk),
        ("ana.home@mail.example", "home", False, per.pk),
        ("arios@per.gob.pe", "other", False, per.pk),
    ]
    assert set(
        ScimEmail.objects.filter(owner__user__username="ana.pan").values_list(
            "administration", flat=True
        )
    ) == {pan.pk}
    pk = User.objects.get(username="ana").pk
    response = per_scim(
        "PATCH",
        f"/Users/{pk}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": 'emails[type eq "home"]'}],
        },
    )
    assert response.status_code == 200, response.content
    assert [e["value"] for e in response.json()["emails"]] == [
        "Ana.Rios@sunat.gob.pe",
        "arios@per.gob.pe",
    ]
    assert names(per_scim, 'emails eq "ana.home@mail.example"') == []
    assert names(per_scim, 'emails eq "arios@per.gob.pe"') == ["ana"]
    assert ScimEmail.objects.filter(owner__user__username="ana").count() == 2


@pytest.mark.parametrize(
    "text",
    [
        'emails[type eq "work"',
        'emails[type eq "work" and value eq "x"[primary eq true]]',
        'emails.primary eq "yes"',
        "emails.value eq true",
        'emails.display eq "x"',
        'emails[display eq "x"]',
        "emails.primary gt true",
        'emails.value eq "x" andd',
        'emails[type eq "work"].value eq "x"',
    ],
)
def test_malformed_email_filters_are_refused(people, text):
    per, _pan = people

    def snapshot():
        return (
            list(User.objects.order_by("pk").values()),
            list(ScimEmail.objects.order_by("pk").values()),
        )

    before = snapshot()
    error_of(per("GET", f"/Users?filter={quote(text)}"), 400, "invalidFilter")
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": text}
    error_of(per("POST", "/Users/.search", body), 400, "invalidFilter")
    assert snapshot() == before
