"""Bad input and attacks on /scim/v2/: each refused with a SCIM Error (schema, status,
scimType) and nothing changed. Requests go through the whole Django stack (test client)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from lms.accounts.models import Unit, User
from lms.accounts.roles import Role
from lms.accounts.services import user_set_roles
from lms.accounts.tests.factories import UserFactory
from lms.audit.models import AuditRecord
from lms.scim.models import ScimToken
from lms.scim.services import scim_token_revoke

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM = "application/scim+json"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class Scim:
    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def __call__(self, method, path, body=None, *, content_type=SCIM, headers=None):
        data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        return self.client.generic(
            method,
            f"/scim/v2{path}",
            data=data or "",
            content_type=content_type,
            headers={**self.headers, **(headers or {})},
        )


def error_of(response, status, scim_type=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(SCIM)
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"]
    return body


def user_payload(name="new.officer", **extension):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": name,
        "name": {"givenName": "Ana", "familyName": "Ríos"},
        ENTERPRISE: extension,
    }


@pytest.fixture
def per_scim(scim_tokens):
    return Scim(scim_tokens.per_secret)


@pytest.fixture
def snapshot(db):
    def take():
        return (
            list(User.objects.order_by("pk").values()),
            list(Unit.objects.order_by("pk").values()),
            AuditRecord.objects.filter(action__startswith="scim.").count(),
        )

    return take


# --- authentication -----------------------------------------------------------------------


def test_missing_invalid_revoked_and_expired_tokens_get_401(scim_tokens, per_manager):
    response = Scim(None)("GET", "/Users")
    error_of(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    error_of(Scim("scim_00000000_not-a-token")("GET", "/Users"), 401)
    error_of(
        Scim(scim_tokens.per_secret)("GET", "/Users", headers={"Authorization": "Basic x"}), 401
    )

    scim_token_revoke(actor=per_manager, token=scim_tokens.per)
    assert "revoked" in error_of(Scim(scim_tokens.per_secret)("GET", "/Users"), 401)["detail"]

    ScimToken.objects.filter(pk=scim_tokens.pan.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    assert "expired" in error_of(Scim(scim_tokens.pan_secret)("GET", "/Users"), 401)["detail"]


def test_a_token_stops_when_its_creator_is_no_longer_a_manager(scim_tokens, per_manager):
    user_set_roles(actor=None, user=per_manager, roles={Role.OFFICER})
    error_of(Scim(scim_tokens.per_secret)("GET", "/Users"), 401)


def test_the_secret_is_stored_hashed(scim_tokens):
    token = ScimToken.objects.get(pk=scim_tokens.per.pk)
    assert scim_tokens.per_secret not in {token.key_hash, token.prefix, token.name}
    assert scim_tokens.per_secret.startswith(f"scim_{token.prefix}_")
    assert len(token.key_hash) == 64


def test_repeated_bad_tokens_are_throttled(settings, db):
    settings.LMS_API_AUTH_FAILURE_RATE = "3/min"
    bad = Scim("scim_00000000_guess")
    for _attempt in range(3):
        error_of(bad("GET", "/Users"), 401)
    response = bad("GET", "/Users")
    error_of(response, 429)
    assert int(response["Retry-After"]) >= 1


# --- malformed requests -------------------------------------------------------------------


def test_malformed_json_content_type_and_unknown_attributes(per_scim, per_officer, snapshot):
    before = snapshot()
    error_of(per_scim("POST", "/Users", '{"userName": "x",'), 400, "invalidSyntax")
    error_of(per_scim("POST", "/Users", "[1, 2]"), 400, "invalidSyntax")
    error_of(per_scim("POST", "/Users", b"\xff\xfe"), 400, "invalidSyntax")
    error_of(per_scim("POST", "/Users", json.dumps(user_payload()), content_type="text/plain"), 415)
    error_of(per_scim("POST", "/Users", {**user_payload(), "isAdmin": True}), 400, "invalidSyntax")
    error_of(per_scim("POST", "/Users", {**user_payload(), "active": "maybe"}), 400, "invalidValue")
    error_of(
        per_scim("POST", "/Users", {k: v for k, v in user_payload().items() if k != "userName"}),
        400,
        "invalidValue",
    )
    error_of(
        per_scim("PATCH", f"/Users/{per_officer.pk}", {"schemas": ["x"], "Operations": "no"}),
        400,
        "invalidSyntax",
    )
    assert snapshot() == before


def test_malformed_filters_and_paging(per_scim, per_officer):
    error_of(per_scim("GET", "/Users?filter=userName%20eq"), 400, "invalidFilter")
    error_of(per_scim("GET", '/Users?filter=userName eq "a" andd'), 400, "invalidFilter")
    error_of(per_scim("GET", '/Users?filter=password eq "x"'), 400, "invalidFilter")
    error_of(per_scim("GET", "/Users?filter=active gt true"), 400, "invalidFilter")
    error_of(
        per_scim("GET", '/Users?filter=urn:example:evil:2.0:User:x eq "1"'), 400, "invalidFilter"
    )
    error_of(per_scim("GET", "/Users?startIndex=abc"), 400, "invalidValue")
    error_of(per_scim("GET", "/Users?attributes=nonsense..x"), 400, "invalidValue")
    # Out-of-range paging is clamped, as RFC 7644 §3.4.2.4 says.
    page = per_scim("GET", "/Users?startIndex=-5&count=-1").json()
    assert page["startIndex"] == 1 and page["Resources"] == []


def test_values_the_platform_does_not_hold_are_refused(
    per_scim, pan_unit, per_officer, pan_officer, snapshot
):
    before = snapshot()
    body = error_of(
        per_scim("POST", "/Users", user_payload(organization="PAN")), 400, "invalidValue"
    )
    assert "PER" in body["detail"]
    error_of(per_scim("POST", "/Users", user_payload(department="BALBOA")), 400, "invalidValue")
    error_of(
        per_scim("POST", "/Users", {**user_payload(), "preferredLanguage": "de"}),
        400,
        "invalidValue",
    )
    error_of(per_scim("POST", "/Users", user_payload(name="officer.per")), 409, "uniqueness")
    error_of(per_scim("POST", "/Users", user_payload(name="OFFICER.PAN")), 409, "uniqueness")
    assert snapshot() == before


# --- tenancy --------------------------------------------------------------------------


def test_another_administrations_users_and_units_are_404(
    per_scim, per_officer, pan_officer, pan_unit, snapshot
):
    before = snapshot()
    for method, body in (
        ("GET", None),
        ("PUT", user_payload(name="hijacked")),
        (
            "PATCH",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
        ),
        ("DELETE", None),
    ):
        error_of(per_scim(method, f"/Users/{pan_officer.pk}", body), 404)
        error_of(per_scim(method, f"/Groups/{pan_unit.pk}", body), 404)
    error_of(per_scim("GET", "/Users/not-a-number"), 404)
    found = per_scim("GET", f'/Users?filter=userName eq "officer.pan" or id eq "{pan_officer.pk}"')
    assert found.json()["totalResults"] == 0
    groups = per_scim("GET", f'/Groups?filter=displayName eq "{pan_unit.name}"').json()
    assert groups["totalResults"] == 0
    searched = per_scim("POST", "/Users/.search", {"filter": 'userName sw "officer"'}).json()
    assert [r["userName"] for r in searched["Resources"]] == ["officer.per"]
    assert snapshot() == before


# --- privileged accounts --------------------------------------------------------------


def test_scim_cannot_touch_privileged_accounts(per, per_scim, per_manager, per_unit, snapshot):
    staff = UserFactory(username="staff.per", administration=per, is_staff=True, roles=set())
    author = UserFactory(username="author.per2", administration=per, roles={Role.TRAINING_MANAGER})
    deactivate = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    before = snapshot()
    for person in (per_manager, staff, author):
        assert per_scim("GET", f"/Users/{person.pk}").status_code == 200
        error_of(per_scim("PATCH", f"/Users/{person.pk}", deactivate), 403)
        error_of(per_scim("PUT", f"/Users/{person.pk}", user_payload(name=person.username)), 403)
        error_of(per_scim("DELETE", f"/Users/{person.pk}"), 403)
    add_manager = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": str(per_manager.pk)}]}],
    }
    error_of(per_scim("PATCH", f"/Groups/{per_unit.pk}", add_manager), 403)
    # A role cannot be granted through SCIM, on creation or later.
    for attribute in ("roles", "entitlements"):
        error_of(
            per_scim(
                "POST", "/Users", {**user_payload(), attribute: [{"value": "Platform admins"}]}
            ),
            400,
            "invalidValue",
        )
    error_of(per_scim("POST", "/Users", {**user_payload(), "password": "x"}), 400, "invalidValue")
    assert snapshot() == before


def test_platform_admins_without_administration_are_not_visible(per_scim, platform_admin):
    error_of(per_scim("GET", f"/Users/{platform_admin.pk}"), 404)


# --- etags ------------------------------------------------------------------------------


def test_etags_preconditions(per_scim, per_officer, snapshot):
    read = per_scim("GET", f"/Users/{per_officer.pk}")
    etag = read["ETag"]
    assert etag == read.json()["meta"]["version"]
    not_modified = per_scim("GET", f"/Users/{per_officer.pk}", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    before = snapshot()
    stale = {"If-Match": 'W/"0000000000000000"'}
    error_of(per_scim("DELETE", f"/Users/{per_officer.pk}", headers=stale), 412)
    error_of(
        per_scim("PUT", f"/Users/{per_officer.pk}", user_payload(name="x"), headers=stale), 412
    )
    assert snapshot() == before
    assert (
        per_scim("DELETE", f"/Users/{per_officer.pk}", headers={"If-Match": etag}).status_code
        == 204
    )


def test_unknown_endpoints_and_methods(per_scim):
    error_of(per_scim("GET", "/Bulk"), 404)
    error_of(per_scim("DELETE", "/Users"), 405)
    error_of(per_scim("POST", "/.search", {}), 501)


def test_a_put_that_leaves_out_active_language_and_extension_keeps_them(
    per_scim, per_officer, per_unit
):
    per_officer.is_active = False
    per_officer.preferred_language = "fr"
    per_officer.save()
    replaced = per_scim(
        "PUT",
        f"/Users/{per_officer.pk}",
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "officer.per"},
    )
    assert replaced.status_code == 200, replaced.content
    per_officer.refresh_from_db()
    assert (per_officer.is_active, per_officer.preferred_language) == (False, "fr")
    assert (per_officer.unit, per_officer.employee_number) == (per_unit, "PER-1")


def test_list_queries_do_not_grow_with_rows(per_scim, per, per_unit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lms.accounts.tests.factories import UserFactory

    def count(path):
        per_scim("GET", path)  # warm: the token's last use is written once a minute
        with CaptureQueriesContext(connection) as queries:
            assert per_scim("GET", path).status_code == 200
        return len(queries)

    for index in range(3):
        UserFactory(username=f"o{index}", administration=per, unit=per_unit, roles={Role.OFFICER})
    small = (count("/Users"), count("/Groups"))
    for index in range(3, 9):
        UserFactory(username=f"o{index}", administration=per, unit=per_unit, roles={Role.OFFICER})
    assert (count("/Users"), count("/Groups")) == small


def test_filters_on_the_work_address(per_scim, per_officer, per_manager):
    def total(text):
        response = per_scim("GET", f"/Users?filter={text}")
        assert response.status_code == 200, response.content
        return response.json()["totalResults"]

    assert total('emails[type eq "work" and value eq "officer.per@example.org"]') == 1
    assert total('emails[type eq "home"]') == 0
    assert total("emails[primary eq true]") == 2
    assert total('emails.type ne "work"') == 0
