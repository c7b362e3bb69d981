"""The shared token machinery keeps kinds apart: a secret of one kind opens nothing of
the other, a service refuses a token of another kind, and the trail keeps no secret."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from lms.api.models import ApiToken
from lms.api.tests.helpers import make_token, token_client
from lms.api.tokens import API_TOKENS
from lms.audit.models import AuditAction, AuditRecord
from lms.scim.services import scim_token_create
from lms.scim.tokens import SCIM_TOKENS
from lms.tokens import services
from lms.tokens.keys import token_digest

pytestmark = pytest.mark.django_db


def scim_client(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_a_secret_of_one_kind_opens_nothing_of_the_other(per, per_manager):
    _api, api_secret = make_token(per_manager)
    _scim, scim_secret = scim_token_create(
        actor=per_manager, administration=per, name="HR", expires_in_days=30
    )
    assert token_client(api_secret).get("/api/v1/officers/").status_code == 200
    assert scim_client(scim_secret).get("/scim/v2/Users").status_code == 200
    assert token_client(scim_secret).get("/api/v1/officers/").status_code == 401
    assert scim_client(api_secret).get("/scim/v2/Users").status_code == 401
    with pytest.raises(services.TokenInvalid) as refused:
        services.token_check(kind=SCIM_TOKENS, raw=api_secret)
    assert refused.value.reason == "invalid"


def test_a_service_refuses_a_token_of_another_kind(per, per_manager):
    scim, _secret = scim_token_create(
        actor=per_manager, administration=per, name="HR", expires_in_days=30
    )
    with pytest.raises(PermissionDenied):
        services.token_revoke(kind=API_TOKENS, actor=per_manager, token=scim)
    scim.refresh_from_db()
    assert scim.revoked_at is None


def test_the_trail_keeps_the_kinds_fields_and_never_the_secret(per, per_manager):
    token, secret = make_token(per_manager, scopes=ApiToken.Scopes.READ_WRITE)
    services.token_revoke(kind=API_TOKENS, actor=per_manager, token=token)
    records = list(AuditRecord.objects.filter(action__startswith="api_token.").order_by("at", "id"))
    assert [r.action for r in records] == [
        AuditAction.API_TOKEN_CREATE,
        AuditAction.API_TOKEN_REVOKE,
    ]
    assert records[0].after["scopes"] == "read write"
    assert records[1].before["revoked_at"] is None and records[1].after["revoked_at"]
    for record in records:
        text = f"{record.before} {record.after} {record.target_repr}"
        assert secret.split("_", 2)[2] not in text
        assert token_digest(secret) not in text


def test_the_usual_checks_say_why_in_the_kinds_words(per, per_manager):
    token, secret = scim_token_create(
        actor=per_manager, administration=per, name="HR", expires_in_days=30
    )
    services.token_revoke(kind=SCIM_TOKENS, actor=per_manager, token=token)
    with pytest.raises(services.TokenInvalid) as refused:
        services.token_check(kind=SCIM_TOKENS, raw=secret)
    assert refused.value.reason == "revoked"
    assert "SCIM token has been revoked" in refused.value.message
