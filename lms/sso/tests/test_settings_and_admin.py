"""Per-administration sign-in settings, the provider chooser, and the platform admin's
provider pages: audited, the client secret stored encrypted and never shown (issue 16)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from lms.audit.models import AuditAction, AuditRecord
from lms.sso.models import IdentityProvider, SignInSettings
from lms.sso.secrets import InvalidToken, secret_decrypt, secret_encrypt
from lms.sso.services import provider_save, sign_in_settings_save

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def test_local_passwords_off_refuses_that_administration_only(
    client, per, per_officer, pan_officer, platform_admin, password
):
    sign_in_settings_save(
        actor=platform_admin,
        sign_in_settings=SignInSettings(administration=per, local_passwords=False),
        before=None,
    )
    response = sign_in(client, "officer.per", password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # The Wagtail admin's sign-in too.
    sign_in(client, "officer.per", password, url="/cms/login/")
    assert "_auth_user_id" not in client.session

    response = sign_in(client, "officer.pan", password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(pan_officer.pk)
    client.logout()
    # Platform staff have no administration: passwords stay.
    assert sign_in(client, "admin", password).status_code == 302

    record = AuditRecord.objects.get(action=AuditAction.SIGN_IN_SETTINGS_CHANGE)
    assert record.administration == per
    assert record.after == {"local_passwords": False}


def _provider(administration, slug, domains, kind=IdentityProvider.Kind.OIDC):
    return provider_save(
        actor=None,
        provider=IdentityProvider(
            administration=administration,
            slug=slug,
            name=f"IdP {slug}",
            kind=kind,
            issuer=f"https://{slug}.example",
            client_id="lms",
            email_domains=domains,
        ),
        before=None,
        client_secret="s",
    )


def test_chooser_offers_the_provider_of_the_email_domain(client, per, pan):
    _provider(per, "per-sunat", ["sunat.gob.pe"])
    _provider(pan, "pan-ana", ["ANA.gob.pa"])
    page = client.get("/accounts/sso/", {"email": "x@ana.gob.pa", "next": "/courses/"})
    content = page.content.decode()
    assert "Sign in with IdP pan-ana" in content
    assert "Sign in with IdP per-sunat" not in content
    assert "/sso/pan-ana/oidc/start/?next=%2Fcourses%2F" in content
    unknown = client.get("/accounts/sso/", {"email": "x@gmail.com"}).content.decode()
    assert "No single sign-on is set up for this e-mail address" in unknown
    # The chooser lists every active provider.
    assert "IdP per-sunat" in unknown and "IdP pan-ana" in unknown
    # An open redirect in next is dropped.
    evil = client.get("/accounts/sso/", {"email": "x@ana.gob.pa", "next": "//evil.example/"})
    assert '/sso/pan-ana/oidc/start/?next=%2F"' in evil.content.decode()
    assert "oidc/start/?next=%2F%2Fevil" not in evil.content.decode()


def test_sign_in_page_offers_single_sign_on_once_a_provider_is_active(client, per):
    content = client.get("/accounts/login/?next=/courses/").content.decode()
    assert 'action="/accounts/sso/"' not in content  # no provider anywhere: no offer
    provider = _provider(per, "per-sunat", ["sunat.gob.pe"])
    content = client.get("/accounts/login/?next=/courses/").content.decode()
    assert 'action="/accounts/sso/"' in content
    assert "Continue with single sign-on" in content
    provider.is_active = False
    provider.save()
    assert 'action="/accounts/sso/"' not in client.get("/accounts/login/").content.decode()


def test_platform_admin_configures_a_provider_audited_secret_never_shown(
    client, per, platform_admin
):
    client.force_login(platform_admin)
    secret = "very-secret-client-secret-4711"
    response = client.post(
        "/django-admin/sso/identityprovider/add/",
        {
            "administration": per.pk,
            "slug": "per-sunat",
            "name": "SUNAT",
            "kind": "oidc",
            "is_active": "on",
            "issuer": "https://login.sunat.example",
            "client_id": "lms",
            "client_secret": secret,
            "scopes": "openid email profile",
            "email_domains": "sunat.gob.pe, @Sunat.GOB.pe",
            "claim_email": "email",
            "claim_name": "name",
            "claim_username": "preferred_username",
            "claim_unit": "unit",
            "claim_language": "locale",
            "claim_employee_number": "",
            "mfa_values": '["mfa", "otp"]',
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    provider = IdentityProvider.objects.get(slug="per-sunat")
    assert provider.email_domains == ["sunat.gob.pe"]
    assert secret not in provider.client_secret_encrypted
    assert secret_decrypt(provider.client_secret_encrypted) == secret
    record = AuditRecord.objects.get(action=AuditAction.IDENTITY_PROVIDER_CHANGE)
    assert (record.actor, record.administration, record.before) == (platform_admin, per, None)
    assert record.after["client_secret_set"] is True
    assert secret not in str(record.after)

    edit = client.get(f"/django-admin/sso/identityprovider/{provider.pk}/change/")
    assert secret not in edit.content.decode()
    assert provider.client_secret_encrypted not in edit.content.decode()

    # Saved again without a secret: the stored one stays; the change is audited.
    data = {
        "administration": per.pk,
        "slug": "per-sunat",
        "name": "SUNAT Perú",
        "kind": "oidc",
        "is_active": "on",
        "issuer": "https://login.sunat.example",
        "client_id": "lms",
        "client_secret": "",
        "scopes": "openid email profile",
        "email_domains": "sunat.gob.pe",
        "create_accounts": "on",
        "claim_email": "email",
        "claim_name": "name",
        "claim_username": "preferred_username",
        "claim_unit": "unit",
        "claim_language": "locale",
        "mfa_values": '["mfa"]',
    }
    response = client.post(f"/django-admin/sso/identityprovider/{provider.pk}/change/", data)
    assert response.status_code == 302
    provider.refresh_from_db()
    assert secret_decrypt(provider.client_secret_encrypted) == secret
    change = AuditRecord.objects.filter(action=AuditAction.IDENTITY_PROVIDER_CHANGE).first()
    assert change.before["name"] == "SUNAT" and change.after["name"] == "SUNAT Perú"
    assert change.before["create_accounts"] is False and change.after["create_accounts"] is True

    response = client.post(
        f"/django-admin/sso/identityprovider/{provider.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not IdentityProvider.objects.exists()
    deleted = AuditRecord.objects.get(action=AuditAction.IDENTITY_PROVIDER_DELETE)
    assert deleted.before["slug"] == "per-sunat"


def test_managers_cannot_reach_the_provider_pages(client, per_manager):
    client.force_login(per_manager)
    response = client.get("/django-admin/sso/identityprovider/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_saving_a_provider_after_a_key_rotation_moves_its_secret_to_the_new_key(per):
    provider = _provider(per, "per-sunat", [])
    with override_settings(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=["test-only-key"]):
        provider_save(actor=None, provider=provider, before=None)
    with override_settings(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=[]):
        assert secret_decrypt(provider.client_secret_encrypted) == "s"


def test_secrets_survive_a_key_rotation_with_fallback_only():
    token = secret_encrypt("client-secret")
    with override_settings(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=["test-only-key"]):
        assert secret_decrypt(token) == "client-secret"
    with (
        override_settings(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=[]),
        pytest.raises(InvalidToken),
    ):
        secret_decrypt(token)
