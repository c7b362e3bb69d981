"""SCIM provisioning driven by a real SCIM client (scim2-client over HTTP, httpx2) against
the live server: PER's HR system provisions, filters, pages through, updates and
deactivates PER officers; units as groups; ETags; PAN's token sees none of it; and the
audit trail shows each action."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from scim2_models import (
    Group,
    PatchOp,
    PatchOperation,
    SCIMException,
    SearchRequest,
)

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.api.models import ApiToken
from lms.audit.models import AuditAction, AuditRecord

from .conftest import scim_client

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
pytestmark = pytest.mark.slow


def new_user(client, user_name: str, **extra):
    model = client.get_resource_model("User")
    enterprise_model = next(
        ext for ext in model.get_extension_models().values() if ext.__name__ == "EnterpriseUser"
    )
    user = model(
        user_name=user_name,
        name={"givenName": "Rosa", "familyName": "Quispe Mamani"},
        emails=[{"value": f"{user_name}@sunat.example", "type": "work", "primary": True}],
        preferred_language=extra.pop("language", "es"),
        external_id=extra.pop("external_id", f"hr-{user_name}"),
        active=True,
    )
    user[enterprise_model] = enterprise_model(
        employee_number=extra.pop("employee_number", f"E-{user_name}"),
        department=extra.pop("department", "CALLAO"),
    )
    return client.create(user)


def test_hr_system_provisions_updates_and_deactivates_officers(
    live_server, scim_tokens, per, per_unit, per_lima, pan_officer
):
    client = scim_client(live_server, scim_tokens.per_secret)

    # Create: an officer of PER, in Callao, Spanish, with the enterprise extension.
    created = new_user(client, "rquispe", employee_number="PER-77")
    person = User.objects.get(pk=int(created.id))
    assert person.administration == per
    assert person.unit == per_unit
    assert person.full_name == "Rosa Quispe Mamani"
    assert person.email == "rquispe@sunat.example"
    assert person.preferred_language == "es"
    assert person.employee_number == "PER-77"
    assert set(person.groups.values_list("name", flat=True)) == {Role.OFFICER.value}
    assert not person.has_usable_password()
    assert created.meta.version.startswith('W/"')
    assert created.name.given_name == "Rosa"
    extension = created[ENTERPRISE]
    # organization: not asserted by the client, so not returned (the token fixes PER).
    assert (extension.organization, extension.department) == (None, "CALLAO")

    # Read back: same ETag.
    read = client.query(type(created), created.id)
    assert read.meta.version == created.meta.version

    # Replace (PUT with If-Match: the client sends the version it read): move to Lima,
    # Brazilian Portuguese.
    read.preferred_language = "pt-BR"
    read[ENTERPRISE].department = "LIMA"
    replaced = client.replace(read)
    person.refresh_from_db()
    assert person.unit == per_lima
    assert person.preferred_language == "pt-br"
    assert replaced.preferred_language == "pt-BR"
    assert replaced.meta.version != read.meta.version

    # A stale version is refused with 412 and changes nothing.
    read.name.family_name = "Stale"
    with pytest.raises(SCIMException) as refused:
        client.replace(read)
    assert refused.value.status == 412
    person.refresh_from_db()
    assert "Stale" not in person.full_name

    # PATCH: a new family name.
    patched = client.modify(
        type(created),
        created.id,
        PatchOp[type(created)](
            operations=[
                PatchOperation(
                    op=PatchOperation.Op.replace_, path="name.familyName", value="Quispe"
                )
            ]
        ),
    )
    assert patched.name.family_name == "Quispe"
    person.refresh_from_db()
    assert person.full_name == "Rosa Quispe"

    # Deactivate with PATCH active=false: sessions end, API tokens are revoked.
    browser = Client()
    browser.force_login(person)
    assert _sessions_of(person) == 1
    person_token = ApiToken.objects.create(
        name="left over",
        administration=per,
        prefix="abcd1234",
        key_hash="0" * 64,
        created_by=person,
        expires_at=per_unit_expiry(),
    )
    deactivated = client.modify(
        type(created),
        created.id,
        PatchOp[type(created)](
            operations=[PatchOperation(op=PatchOperation.Op.replace_, path="active", value=False)]
        ),
    )
    assert deactivated.active is False
    person.refresh_from_db()
    assert person.is_active is False
    assert _sessions_of(person) == 0
    person_token.refresh_from_db()
    assert person_token.revoked_at is not None

    # DELETE: deactivated and kept (training records stay), then 404 for SCIM.
    other = new_user(client, "jflores")
    client.delete(type(other), other.id)
    kept = User.objects.get(pk=int(other.id))
    assert kept.is_active is False
    with pytest.raises(SCIMException) as gone:
        client.query(type(other), other.id)
    assert gone.value.status == 404

    # The trail: who (the token's manager), what, before and after.
    actions = list(
        AuditRecord.objects.filter(administration=per)
        .order_by("at", "id")
        .values_list("action", "target_id")
    )
    assert (AuditAction.SCIM_USER_CREATE, created.id) in actions
    assert (AuditAction.SCIM_USER_UPDATE, created.id) in actions
    assert (AuditAction.SCIM_USER_DEACTIVATE, created.id) in actions
    assert (AuditAction.SCIM_USER_DEACTIVATE, other.id) in actions
    update = (
        AuditRecord.objects.filter(action=AuditAction.SCIM_USER_UPDATE, target_id=created.id)
        .order_by("at", "id")
        .first()
    )
    assert update.actor == scim_tokens.per.created_by
    assert update.before["unit"] == "CALLAO" and update.after["unit"] == "LIMA"
    assert update.after["scim_token"] == scim_tokens.per.prefix
    deactivation = AuditRecord.objects.get(
        action=AuditAction.SCIM_USER_DEACTIVATE, target_id=created.id
    )
    assert deactivation.before["active"] is True and deactivation.after["active"] is False
    assert (
        not AuditRecord.objects.filter(administration=pan_officer.administration)
        .filter(action__startswith="scim.")
        .exists()
    )


def per_unit_expiry():
    import datetime as dt

    from django.utils import timezone

    return timezone.now() + dt.timedelta(days=30)


def _sessions_of(person: User) -> int:
    return sum(
        1
        for session in Session.objects.all()
        if str(session.get_decoded().get(SESSION_KEY)) == str(person.pk)
    )


def test_filters_and_pagination_stay_in_the_administration(
    live_server, scim_tokens, per, pan, pan_officer
):
    client = scim_client(live_server, scim_tokens.per_secret)
    for index in range(7):
        new_user(client, f"agent{index}", department="LIMA" if index % 2 else "CALLAO")
    model = client.get_resource_model("User")

    def search(**params):
        return client.query(model, query_parameters=SearchRequest(**params))

    found = search(filter='userName eq "AGENT3"')  # userName is not case-exact
    assert [u.user_name for u in found.resources] == ["agent3"]
    assert search(filter='externalId eq "hr-agent4"').resources[0].user_name == "agent4"
    assert search(filter='emails.value eq "agent5@sunat.example"').total_results == 1
    assert search(filter='userName sw "agent" and active eq true').total_results == 7
    assert search(filter='userName co "gent1"').total_results == 1
    assert search(filter=f'{ENTERPRISE}:department eq "LIMA"').total_results == 3
    assert search(filter='emails pr and not (userName ew "0")').total_results >= 6
    # Another administration's officer is never found, whatever the filter.
    assert search(filter='userName eq "officer.pan"').total_results == 0
    assert search(filter='emails.value co "@"').total_results == 7 + 1  # + PER's manager

    # Pagination: startIndex is 1-based; count pages; totalResults counts all matches.
    pages, start = [], 1
    while True:
        page = search(filter='userName sw "agent"', start_index=start, count=3)
        assert page.total_results == 7
        pages.extend(u.user_name for u in page.resources or [])
        if start + 3 > page.total_results:
            break
        start += 3
    assert pages == [f"agent{i}" for i in range(7)]

    # PAN's token sees only PAN: PER's users are 404 to it, and absent from its lists.
    pan_client = scim_client(live_server, scim_tokens.pan_secret)
    per_id = search(filter='userName eq "agent0"').resources[0].id
    with pytest.raises(SCIMException) as hidden:
        pan_client.query(model, per_id)
    assert hidden.value.status == 404
    pan_names = [u.user_name for u in pan_client.query(model).resources]
    assert "officer.pan" in pan_names and not any(n.startswith("agent") for n in pan_names)


def test_units_are_groups(live_server, scim_tokens, per, per_unit, pan, pan_unit, pan_officer):
    client = scim_client(live_server, scim_tokens.per_secret)
    officer_a = new_user(client, "member.a")
    officer_b = new_user(client, "member.b")
    group = client.create(
        Group(
            display_name="Paita seaport",
            external_id="hr-paita",
            members=[{"value": officer_a.id, "type": "User"}],
        )
    )
    assert User.objects.get(pk=int(officer_a.id)).unit.name == "Paita seaport"
    assert [m.value for m in group.members] == [officer_a.id]

    added = client.modify(
        Group,
        group.id,
        PatchOp[Group](
            operations=[
                PatchOperation(
                    op=PatchOperation.Op.add, path="members", value=[{"value": officer_b.id}]
                )
            ]
        ),
    )
    assert sorted(m.value for m in added.members) == sorted([officer_a.id, officer_b.id])
    removed = client.modify(
        Group,
        group.id,
        PatchOp[Group](
            operations=[
                PatchOperation(
                    op=PatchOperation.Op.remove, path=f'members[value eq "{officer_a.id}"]'
                )
            ]
        ),
    )
    assert [m.value for m in removed.members] == [officer_b.id]
    assert User.objects.get(pk=int(officer_a.id)).unit is None

    listed = client.query(
        Group, query_parameters=SearchRequest(filter='displayName eq "Paita seaport"')
    )
    assert listed.total_results == 1

    # A PAN user cannot be made a member of a PER unit; PAN units are not PER's groups.
    with pytest.raises(SCIMException) as refused:
        client.modify(
            Group,
            group.id,
            PatchOp[Group](
                operations=[
                    PatchOperation(
                        op=PatchOperation.Op.add,
                        path="members",
                        value=[{"value": str(pan_officer.pk)}],
                    )
                ]
            ),
        )
    assert refused.value.status == 400
    assert User.objects.get(pk=pan_officer.pk).unit == pan_unit
    with pytest.raises(SCIMException) as hidden:
        client.query(Group, str(pan_unit.pk))
    assert hidden.value.status == 404

    # A unit with people cannot be deleted; emptied, it is (deactivated), then 404.
    with pytest.raises(SCIMException) as busy:
        client.delete(Group, group.id)
    assert busy.value.status == 409
    client.modify(
        Group,
        group.id,
        PatchOp[Group](operations=[PatchOperation(op=PatchOperation.Op.remove, path="members")]),
    )
    client.delete(Group, group.id)
    with pytest.raises(SCIMException):
        client.query(Group, group.id)
    assert (
        AuditRecord.objects.filter(action=AuditAction.SCIM_GROUP_CHANGE, administration=per).count()
        >= 4
    )
