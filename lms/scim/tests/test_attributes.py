"""The attributes whose round trip the conformance checkers probe, one behaviour per test:
removing an attribute unassigns it (RFC 7644 §3.5.2.2) and the response leaves it out
(RFC 7643 §2.5); e-mail addresses and the enterprise extension come back as sent; and the
refusals that stay (a member that is no user here, a taken userName) say nothing about
another administration. Requests go through the whole Django stack (test client)."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from lms.accounts.models import Unit, User
from lms.api.models import ApiToken
from lms.audit.models import AuditAction, AuditRecord
from lms.scim.models import ScimUser

from .test_errors import ENTERPRISE, Scim, error_of, user_payload

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def per_scim(scim_tokens):
    return Scim(scim_tokens.per_secret)


def patch(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def total(per_scim, text):
    return ok(per_scim("GET", f"/Users?filter={text}"))["totalResults"]


def sessions_of(person: User) -> int:
    return sum(
        1
        for session in Session.objects.all()
        if str(session.get_decoded().get(SESSION_KEY)) == str(person.pk)
    )


# --- preferredLanguage ------------------------------------------------------------------


def test_removing_preferred_language_unsets_it_and_the_administrations_applies(
    per_scim, per, per_officer
):
    per.official_languages = ["fr"]
    per.save()
    url = f"/Users/{per_officer.pk}"
    assert ok(per_scim("GET", url))["preferredLanguage"] == "es"

    removed = ok(per_scim("PATCH", url, patch({"op": "remove", "path": "preferredLanguage"})))
    assert "preferredLanguage" not in removed
    assert "preferredLanguage" not in ok(per_scim("GET", url))
    per_officer.refresh_from_db()
    assert per_officer.preferred_language == ""
    assert per_officer.interface_language() == "fr"
    # The officer now reads the platform in PER's language, whatever the browser says.
    browser = Client()
    browser.force_login(per_officer)
    page = browser.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="pt")
    assert page["Content-Language"] == "fr"
    record = AuditRecord.objects.filter(
        action=AuditAction.SCIM_USER_UPDATE, target_id=str(per_officer.pk)
    ).get()
    assert (record.before["preferred_language"], record.after["preferred_language"]) == ("es", "")
    assert total(per_scim, 'userName eq "officer.per" and preferredLanguage pr') == 0

    added = ok(
        per_scim("PATCH", url, patch({"op": "add", "path": "preferredLanguage", "value": "pt-BR"}))
    )
    assert added["preferredLanguage"] == "pt-BR"
    per_officer.refresh_from_db()
    assert per_officer.interface_language() == "pt-br"


def test_a_user_created_without_a_language_has_none_and_follows_the_administration(per_scim, per):
    created = ok(per_scim("POST", "/Users", user_payload(name="no.language")), 201)
    assert "preferredLanguage" not in created
    person = User.objects.get(pk=int(created["id"]))
    assert person.preferred_language == ""
    assert person.interface_language() == "es"  # PER's official language


# --- active -----------------------------------------------------------------------------


def test_removing_active_unassigns_it_and_deactivates_the_account(per_scim, per, per_officer):
    browser = Client()
    browser.force_login(per_officer)
    api_token = ApiToken.objects.create(
        name="left over",
        administration=per,
        prefix="efgh5678",
        key_hash="1" * 64,
        created_by=per_officer,
        expires_at=per_officer.date_joined.replace(year=per_officer.date_joined.year + 1),
    )
    url = f"/Users/{per_officer.pk}"

    removed = ok(per_scim("PATCH", url, patch({"op": "remove", "path": "active"})))
    assert "active" not in removed
    assert "active" not in ok(per_scim("GET", url))
    per_officer.refresh_from_db()
    assert per_officer.is_active is False
    assert sessions_of(per_officer) == 0
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None
    record = AuditRecord.objects.get(
        action=AuditAction.SCIM_USER_DEACTIVATE, target_id=str(per_officer.pk)
    )
    assert record.before["active"] is True and record.after["active"] is False
    assert record.after["active_unassigned"] is True
    # Absent is neither true nor false (RFC 7644 §3.4.2.2 compares values that exist).
    assert total(per_scim, 'userName eq "officer.per" and active eq false') == 0
    assert total(per_scim, 'userName eq "officer.per" and active eq true') == 0
    assert total(per_scim, 'userName eq "officer.per" and active pr') == 0
    assert total(per_scim, 'userName eq "officer.per" and not (active pr)') == 1

    # A PUT that leaves it out keeps it unassigned; asserting it again reactivates.
    put = ok(per_scim("PUT", url, {"schemas": [CORE], "userName": "officer.per"}))
    assert "active" not in put
    back = ok(per_scim("PATCH", url, patch({"op": "add", "path": "active", "value": True})))
    assert back["active"] is True
    per_officer.refresh_from_db()
    assert per_officer.is_active is True
    assert ScimUser.objects.get(user=per_officer).active_unassigned is False
    assert total(per_scim, 'userName eq "officer.per" and active eq true') == 1


def test_active_false_is_returned_as_false_not_absent(per_scim, per_officer):
    url = f"/Users/{per_officer.pk}"
    replaced = ok(
        per_scim("PATCH", url, patch({"op": "replace", "path": "active", "value": False}))
    )
    assert replaced["active"] is False
    assert total(per_scim, 'userName eq "officer.per" and active eq false') == 1
    # Re-enabled on the platform (an administrator), the account reads active again.
    per_officer.refresh_from_db()
    per_officer.is_active = True
    per_officer.save()
    assert ok(per_scim("GET", url))["active"] is True


def test_a_created_user_without_active_is_active(per_scim):
    created = ok(per_scim("POST", "/Users", user_payload(name="default.active")), 201)
    assert created["active"] is True
    assert User.objects.get(pk=int(created["id"])).is_active is True


# --- emails -----------------------------------------------------------------------------


def test_every_email_address_round_trips_and_the_primary_is_the_platforms(per_scim):
    emails = [
        {"value": "ana@home.example", "type": "home", "primary": False},
        {"value": "ana.rios@sunat.example", "type": "work", "primary": True},
    ]
    created = ok(
        per_scim("POST", "/Users", {**user_payload(name="ana.rios"), "emails": emails}), 201
    )
    assert created["emails"] == emails
    person = User.objects.get(pk=int(created["id"]))
    assert person.email == "ana.rios@sunat.example"
    url = f"/Users/{person.pk}"

    third = {"value": "ana@other.example", "type": "other", "primary": False}
    added = ok(per_scim("PATCH", url, patch({"op": "add", "path": "emails", "value": [third]})))
    assert added["emails"] == [*emails, third]
    assert ok(per_scim("GET", url))["emails"] == [*emails, third]
    person.refresh_from_db()
    assert person.email == "ana.rios@sunat.example"

    # The primary removed: the platform writes to the first address left.
    removed = ok(
        per_scim(
            "PATCH",
            url,
            patch({"op": "remove", "path": 'emails[value eq "ana.rios@sunat.example"]'}),
        )
    )
    assert removed["emails"] == [emails[0], third]
    person.refresh_from_db()
    assert person.email == "ana@home.example"
    record = (
        AuditRecord.objects.filter(action=AuditAction.SCIM_USER_UPDATE, target_id=str(person.pk))
        .order_by("-at", "-id")
        .first()
    )
    assert record.before["emails"] == [e["value"] for e in [*emails, third]]
    assert record.after["emails"] == ["ana@home.example", "ana@other.example"]
    assert record.after["email"] == "ana@home.example"

    cleared = ok(per_scim("PATCH", url, patch({"op": "remove", "path": "emails"})))
    assert "emails" not in cleared
    person.refresh_from_db()
    assert person.email == ""


def test_an_address_changed_on_the_platform_replaces_the_clients_chosen_one(per_scim):
    emails = [
        {"value": "luis@sunat.example", "type": "work", "primary": True},
        {"value": "luis@home.example", "type": "home", "primary": False},
    ]
    created = ok(per_scim("POST", "/Users", {**user_payload(name="luis"), "emails": emails}), 201)
    person = User.objects.get(pk=int(created["id"]))
    person.email = "luis.new@sunat.example"  # the officer's profile page
    person.save()
    read = ok(per_scim("GET", f"/Users/{person.pk}"))
    assert read["emails"] == [
        {"value": "luis.new@sunat.example", "type": "work", "primary": True},
        emails[1],
    ]
    assert total(per_scim, 'emails.value eq "luis.new@sunat.example"') == 1


def test_bad_email_lists_are_refused_and_change_nothing(per_scim, per_officer):
    url = f"/Users/{per_officer.pk}"
    before = ok(per_scim("GET", url))
    two_primaries = [
        {"value": "a@sunat.example", "type": "work", "primary": True},
        {"value": "b@sunat.example", "type": "home", "primary": True},
    ]
    error_of(
        per_scim("PATCH", url, patch({"op": "replace", "path": "emails", "value": two_primaries})),
        400,
        "invalidValue",
    )
    error_of(
        per_scim("PATCH", url, patch({"op": "add", "path": "emails", "value": [{"type": "work"}]})),
        400,
        "invalidValue",
    )
    many = [{"value": f"a{i}@sunat.example"} for i in range(11)]
    error_of(
        per_scim("POST", "/Users", {**user_payload(name="many.addresses"), "emails": many}),
        400,
        "invalidValue",
    )
    assert ok(per_scim("GET", url)) == before
    assert not User.objects.filter(username="many.addresses").exists()


# --- enterprise extension ---------------------------------------------------------------


def test_organization_is_returned_as_asserted_and_only_then(per_scim, per):
    bare = ok(per_scim("POST", "/Users", user_payload(name="no.extension")), 201)
    assert ENTERPRISE not in bare and ENTERPRISE not in bare["schemas"]

    by_name = ok(
        per_scim("POST", "/Users", user_payload(name="by.name", organization=per.name)), 201
    )
    assert by_name[ENTERPRISE] == {"organization": per.name}
    assert ENTERPRISE in by_name["schemas"]
    person = User.objects.get(pk=int(by_name["id"]))
    assert person.administration == per

    url = f"/Users/{person.pk}"
    replaced = ok(
        per_scim(
            "PATCH",
            url,
            patch(
                {"op": "replace", "path": f"{ENTERPRISE}:organization", "value": "PER"},
                {"op": "add", "path": f"{ENTERPRISE}:employeeNumber", "value": "PER-900"},
            ),
        )
    )
    assert replaced[ENTERPRISE] == {"organization": "PER", "employeeNumber": "PER-900"}
    assert total(per_scim, f'{ENTERPRISE}:organization eq "PER"') == 1
    record = (
        AuditRecord.objects.filter(action=AuditAction.SCIM_USER_UPDATE, target_id=str(person.pk))
        .order_by("-at", "-id")
        .first()
    )
    assert (record.before["organization"], record.after["organization"]) == (per.name, "PER")

    # Another administration is still refused, and changes nothing.
    error_of(
        per_scim(
            "PATCH",
            url,
            patch({"op": "replace", "path": f"{ENTERPRISE}:organization", "value": "PAN"}),
        ),
        400,
        "invalidValue",
    )
    removed = ok(per_scim("PATCH", url, patch({"op": "remove", "path": ENTERPRISE})))
    assert ENTERPRISE not in removed and ENTERPRISE not in removed["schemas"]
    person.refresh_from_db()
    assert (person.administration, person.employee_number) == (per, "")


def test_the_schema_publishes_organization_as_writable_with_the_administration(per_scim):
    schema = ok(per_scim("GET", f"/Schemas/{ENTERPRISE}"))
    organization = next(a for a in schema["attributes"] if a["name"] == "organization")
    assert organization["mutability"] == "readWrite"
    assert organization["canonicalValues"] == ["PER"]


# --- refusals that stay -------------------------------------------------------------------


def test_a_member_that_is_no_user_of_the_administration_is_refused(
    per_scim, per_unit, per_officer, pan_officer
):
    """RFC 7643 §4.2: a member's ``value`` identifies a member resource; RFC 7644 §3.5.2:
    an operation not compatible with the schema answers the §3.12 error, 400 invalidValue.
    A user of another administration is refused exactly like one that does not exist."""
    url = f"/Groups/{per_unit.pk}"
    before = ok(per_scim("GET", url))
    details = []
    for value in ("fake-member-id", str(pan_officer.pk), "999999"):
        body = error_of(
            per_scim(
                "PATCH", url, patch({"op": "add", "path": "members", "value": [{"value": value}]})
            ),
            400,
            "invalidValue",
        )
        details.append(body["detail"].replace(value, "<value>"))
        assert "PAN" not in body["detail"] and pan_officer.administration.name not in body["detail"]
    assert len(set(details)) == 1
    assert ok(per_scim("GET", url)) == before
    pan_officer.refresh_from_db()
    assert pan_officer.unit.code == "BALBOA"
    assert Unit.objects.get(pk=per_unit.pk).users.get() == per_officer


def test_a_taken_username_answers_the_same_wherever_it_is_taken(per_scim, per_officer, pan_officer):
    """RFC 7644 §3.3: a duplicate userName is 409 uniqueness; the answer is the same for a
    name taken in the token's administration and in another one."""
    own = error_of(per_scim("POST", "/Users", user_payload(name="officer.per")), 409, "uniqueness")
    other = error_of(
        per_scim("POST", "/Users", user_payload(name="officer.pan")), 409, "uniqueness"
    )
    assert own["detail"].replace("officer.per", "<name>") == other["detail"].replace(
        "officer.pan", "<name>"
    )
    assert "PAN" not in other["detail"] and "Panamá" not in other["detail"]


def test_an_address_used_in_another_administration_is_no_conflict_and_says_nothing(
    per_scim, pan_officer
):
    """No e-mail address is unique on the platform (not on the profile page, the API or
    imports either), so SCIM answers an address a PAN officer has like any other: no
    conflict that would tell a PER client the address exists elsewhere."""
    assert pan_officer.email
    emails = [{"value": pan_officer.email, "type": "work", "primary": True}]
    created = ok(per_scim("POST", "/Users", {**user_payload(name="shared"), "emails": emails}), 201)
    assert created["emails"] == emails
    assert "PAN" not in str(created)
    assert total(per_scim, f'emails.value eq "{pan_officer.email}"') == 1  # PER's only
    pan_officer.refresh_from_db()
    assert pan_officer.administration.code == "PAN"
