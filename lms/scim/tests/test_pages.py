"""The SCIM token pages and command: a manager creates a token (its secret shown once,
stored hashed), sees it listed, revokes it; another administration's manager and an
officer get 404; each action is in the audit trail."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from lms.audit.models import AuditAction, AuditRecord
from lms.scim.models import ScimToken
from lms.scim.services import scim_token_create
from lms.scim.tokens import token_digest


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def scim_get(secret: str, path: str = "/Users"):
    return Client().get(f"/scim/v2{path}", headers={"Authorization": f"Bearer {secret}"})


def test_manager_creates_sees_once_and_revokes_a_token(per, per_manager):
    browser = signed_in(per_manager)
    url = reverse("scim_pages:tokens", args=["PER"])
    page = browser.get(url)
    assert page.status_code == 200
    assert b"No SCIM tokens yet" in page.content

    created = browser.post(url, {"name": "Peru HR", "expires_in_days": "90"})
    assert created.status_code == 200
    token = ScimToken.objects.get(administration=per)
    secret = created.context["secret"]
    assert secret.startswith(f"scim_{token.prefix}_")
    assert secret.encode() in created.content
    assert token.key_hash == token_digest(secret)
    assert "no-store" in created["Cache-Control"] or "no-cache" in created["Cache-Control"]
    assert scim_get(secret).status_code == 200

    again = browser.get(url)
    assert secret.encode() not in again.content  # shown once
    assert f"scim_{token.prefix}".encode() in again.content

    revoke_url = reverse("scim_pages:token_revoke", args=["PER", token.pk])
    assert browser.get(revoke_url).status_code == 200
    assert browser.post(revoke_url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == per_manager
    assert scim_get(secret).status_code == 401
    assert list(
        AuditRecord.objects.filter(administration=per, action__startswith="scim_token.")
        .order_by("at", "id")
        .values_list("action", flat=True)
    ) == [AuditAction.SCIM_TOKEN_CREATE, AuditAction.SCIM_TOKEN_REVOKE]


def test_a_name_is_required(per_manager):
    response = signed_in(per_manager).post(
        reverse("scim_pages:tokens", args=["PER"]), {"name": " ", "expires_in_days": "90"}
    )
    assert response.status_code == 400
    assert not ScimToken.objects.exists()


def test_other_administrations_and_officers_get_404(per, pan_manager, per_officer, per_manager):
    token, _secret = scim_token_create(
        actor=per_manager, administration=per, name="HR", expires_in_days=30
    )
    for intruder in (pan_manager, per_officer):
        browser = signed_in(intruder)
        assert browser.get(reverse("scim_pages:tokens", args=["PER"])).status_code == 404
        revoke = reverse("scim_pages:token_revoke", args=["PER", token.pk])
        assert browser.post(revoke).status_code == 404
        assert (
            browser.post(
                reverse("scim_pages:tokens", args=["PER"]), {"name": "x", "expires_in_days": "30"}
            ).status_code
            == 404
        )
    # PAN's manager on PAN's page cannot reach PER's token by id either.
    pan_revoke = reverse("scim_pages:token_revoke", args=["PAN", token.pk])
    assert signed_in(pan_manager).post(pan_revoke).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ScimToken.objects.count() == 1


def test_command_creates_and_revokes(per, per_manager, pan_manager):
    out = io.StringIO()
    call_command("scim_token", "create", "per", "--by", "manager.per", "--name", "HR", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    token = ScimToken.objects.get()
    assert token.key_hash == token_digest(secret)
    assert scim_get(secret).status_code == 200
    with pytest.raises(CommandError):
        call_command("scim_token", "revoke", "PER", token.prefix, "--by", "manager.pan")
    call_command("scim_token", "revoke", "PER", token.prefix, "--by", "manager.per", stdout=out)
    assert scim_get(secret).status_code == 401


def test_the_managers_trail_shows_scim_actions(per, per_manager, pan_manager, per_unit):
    _token, secret = scim_token_create(
        actor=per_manager, administration=per, name="HR", expires_in_days=30
    )
    created = Client().post(
        "/scim/v2/Users",
        data='{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "n.new"}',
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert created.status_code == 201
    trail = signed_in(per_manager).get(reverse("audit:trail", args=["PER"]))
    assert trail.status_code == 200
    assert b"User provisioned by SCIM" in trail.content
    assert b"SCIM token created" in trail.content
    assert b"n.new" in trail.content
    assert signed_in(pan_manager).get(reverse("audit:trail", args=["PER"])).status_code == 404
