"""API tokens: storage, the service rules, authentication, and the management pages."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.accounts.roles import Role
from lms.accounts.services import user_set_roles
from lms.api import services
from lms.api.models import ApiToken
from lms.api.tests.helpers import make_token, token_client

pytestmark = pytest.mark.django_db

OFFICERS = "/api/v1/officers/"


# --- storage and the service -------------------------------------------------------------


def test_the_secret_is_shown_once_and_only_its_digest_is_stored(per_manager):
    token, secret = make_token(per_manager)
    assert secret.startswith(f"lms_{token.prefix}_")
    assert len(token.prefix) == 8
    assert len(secret.split("_", 2)[2]) >= 43  # 256 bits, URL-safe base64
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert stored["key_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    secret_part = secret.split("_", 2)[2]
    assert not any(secret_part in str(value) for value in stored.values())
    assert stored["created_by_id"] == per_manager.pk
    assert stored["administration_id"] == per_manager.administration_id
    assert token.expires_at - timezone.now() > dt.timedelta(days=89)


def test_two_tokens_never_share_a_secret(per_manager):
    secrets = {make_token(per_manager)[1] for _ in range(5)}
    assert len(secrets) == 5


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"scopes": "admin"}, "scopes"),
        ({"expires_in_days": 366}, "expires_in_days"),
        ({"expires_in_days": 0}, "expires_in_days"),
    ],
)
def test_the_service_refuses_bad_values_and_writes_nothing(per_manager, values, field):
    arguments = {
        "actor": per_manager,
        "administration": per_manager.administration,
        "name": "HR",
        "scopes": ApiToken.Scopes.READ,
        "expires_in_days": 30,
        **values,
    }
    with pytest.raises(services.ApiTokenRefused) as refusal:
        services.api_token_create(**arguments)
    assert refusal.value.field == field
    assert str(refusal.value.message)
    assert not ApiToken.objects.exists()


def test_only_the_administrations_managers_and_platform_admins_make_tokens(
    per, pan_manager, per_officer, platform_admin
):
    for outsider in (pan_manager, per_officer):
        with pytest.raises(PermissionDenied):
            make_token(outsider, per)
    token, _secret = make_token(platform_admin, per)
    assert token.administration == per


def test_revoking_twice_keeps_the_first_revocation(per_manager, pan_manager):
    token, _secret = make_token(per_manager)
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=pan_manager, token=token)
    first = services.api_token_revoke(actor=per_manager, token=token)
    again = services.api_token_revoke(actor=per_manager, token=token)
    assert first.revoked_at is not None
    assert again.revoked_at == first.revoked_at
    assert again.revoked_by == per_manager


# --- authentication ----------------------------------------------------------------------


def _refused(response, words: str) -> None:
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert words in response.json()["detail"]


def test_a_valid_token_works_with_bearer_and_token_keywords(per_manager, per_officer):
    _token, secret = make_token(per_manager)
    for keyword in ("Bearer", "Token"):
        response = token_client(secret, keyword).get(OFFICERS)
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [per_officer.pk]


def test_unknown_and_malformed_tokens_get_401(per_manager):
    _token, secret = make_token(per_manager)
    _refused(token_client(secret + "x").get(OFFICERS), "not valid")
    _refused(token_client("lms_nothing_here").get(OFFICERS), "not valid")
    _refused(token_client(f"{secret} extra").get(OFFICERS), "Bearer <token>")


def test_no_credentials_get_401_json(db):
    response = token_client("").get(OFFICERS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


def test_a_revoked_token_stops_at_once(per_manager):
    token, secret = make_token(per_manager)
    client = token_client(secret)
    assert client.get(OFFICERS).status_code == 200
    services.api_token_revoke(actor=per_manager, token=token)
    _refused(client.get(OFFICERS), "revoked")


def test_an_expired_token_is_refused(per_manager):
    token, secret = make_token(per_manager, days=30)
    # Thirty days pass (the only way to reach expiry in a test).
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    _refused(token_client(secret).get(OFFICERS), "expired")


def test_a_token_stops_when_its_creator_loses_the_manager_role(per_manager):
    _token, secret = make_token(per_manager)
    user_set_roles(actor=None, user=per_manager, roles={Role.OFFICER})
    _refused(token_client(secret).get(OFFICERS), "can no longer manage")


def test_a_token_stops_when_its_creator_is_deactivated_or_moves(per_manager, pan):
    _token, secret = make_token(per_manager)
    per_manager.administration = pan
    per_manager.save(update_fields=["administration"])
    _refused(token_client(secret).get(OFFICERS), "can no longer manage")
    per_manager.refresh_from_db()
    per_manager.is_active = False
    per_manager.save(update_fields=["is_active"])
    _refused(token_client(secret).get(OFFICERS), "can no longer manage")


def test_a_platform_admins_token_keeps_to_its_administration(
    platform_admin, per, per_officer, pan_officer
):
    _token, secret = make_token(platform_admin, per)
    client = token_client(secret)
    rows = client.get(OFFICERS, {"administration": "PAN"}).json()["results"]
    assert [row["id"] for row in rows] == [per_officer.pk]
    assert client.get(f"{OFFICERS}{pan_officer.pk}/").status_code == 404


def test_last_used_is_written_at_most_once_a_minute(per_manager):
    token, secret = make_token(per_manager)
    client = token_client(secret)
    client.get(OFFICERS)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get(OFFICERS)
    assert not [q for q in queries if q["sql"].upper().startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first
    # A minute later, the next request records the use again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get(OFFICERS)
    token.refresh_from_db()
    assert token.last_used_at > first


def test_a_read_token_cannot_write(per_manager, per_officer):
    _token, secret = make_token(per_manager)
    client = token_client(secret)
    response = client.patch(
        f"{OFFICERS}{per_officer.pk}/", {"position": "Chief"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "only read" in response.json()["detail"]
    response = client.post(
        OFFICERS,
        {"employee_number": "PER-9", "full_name": "Ana", "email": "ana@example.org"},
        content_type="application/json",
    )
    assert response.status_code == 403
    per_officer.refresh_from_db()
    assert per_officer.position == ""
    assert not per_officer.administration.users.filter(employee_number="PER-9").exists()


# --- the management pages ------------------------------------------------------------------


def tokens_url(code: str = "PER") -> str:
    return reverse("api_pages:tokens", args=[code])


def test_a_manager_creates_a_token_and_sees_the_secret_once(client, per_manager):
    client.force_login(per_manager)
    response = client.post(
        tokens_url(), {"name": "HR system", "scopes": "read write", "expires_in_days": "365"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith(f"lms_{token.prefix}_")
    assert secret in response.content.decode()
    assert token.scopes == ApiToken.Scopes.READ_WRITE
    assert token.created_by == per_manager
    assert 364 <= (token.expires_at - timezone.now()).days <= 365
    # The secret works, and is never shown again.
    assert token_client(secret).get(OFFICERS).status_code == 200
    listing = client.get(tokens_url())
    page = listing.content.decode()
    assert secret not in page
    assert f"lms_{token.prefix}" in page
    assert "HR system" in page


def test_an_invalid_form_creates_nothing(client, per_manager):
    client.force_login(per_manager)
    response = client.post(tokens_url(), {"name": "", "scopes": "all", "expires_in_days": "9999"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scopes", "expires_in_days"}
    assert not ApiToken.objects.exists()


def test_a_manager_revokes_a_token_after_confirming(client, per_manager):
    token, secret = make_token(per_manager)
    client.force_login(per_manager)
    url = reverse("api_pages:token_revoke", args=["PER", token.pk])
    confirmation = client.get(url)
    assert confirmation.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None  # a GET changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == tokens_url()
    token.refresh_from_db()
    assert token.revoked_by == per_manager
    assert token_client(secret).get(OFFICERS).status_code == 401
    assert "Revoked on" in client.get(tokens_url()).content.decode()


def test_the_token_pages_are_for_managers_and_platform_admins_only(
    client, per_manager, per_officer, pan_manager, coordinator, platform_admin
):
    token, _secret = make_token(per_manager)
    urls = [tokens_url(), reverse("api_pages:token_revoke", args=["PER", token.pk])]
    for outsider in (per_officer, pan_manager, coordinator):
        client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider, url)
            assert client.post(url).status_code == 404, (outsider, url)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1
    client.force_login(platform_admin)
    assert client.get(tokens_url()).status_code == 200
    client.logout()
    assert client.get(tokens_url()).status_code == 302  # to the sign-in page


def test_another_administrations_token_cannot_be_revoked_through_ones_own_page(
    client, per_manager, pan_manager
):
    pan_token, _secret = make_token(pan_manager)
    client.force_login(per_manager)
    url = reverse("api_pages:token_revoke", args=["PER", pan_token.pk])
    assert client.post(url).status_code == 404
    pan_token.refresh_from_db()
    assert pan_token.revoked_at is None


def test_the_token_list_needs_a_fixed_number_of_queries(
    client, per_manager, django_assert_max_num_queries
):
    client.force_login(per_manager)
    make_token(per_manager)
    client.get(tokens_url())
    with django_assert_max_num_queries(12) as few:
        client.get(tokens_url())
    for index in range(5):
        make_token(per_manager, name=f"Token {index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(tokens_url())
    assert response.content.decode().count("data-token=") == 6
