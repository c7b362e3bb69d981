"""Who must prove a second factor, where, and what stays reachable without it."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import translation

from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory
from lms.mfa import services
from lms.mfa.session import IDP_ASSERTED_KEY

from .conftest import code_at

PRIVILEGED = ["per_manager", "per_author", "regional_author", "coordinator", "platform_admin"]
SECURITY = "/accounts/security/"
VERIFY = "/accounts/security/verify/"


@pytest.fixture
def staff(db):
    return UserFactory(username="staff.only", is_staff=True, roles=set())


def totp_for(user) -> tuple[str, object]:
    key = services.totp_new_key()
    device = services.totp_enrol(user=user, key_hex=key, code=code_at(key), name="Phone")
    return key, device


@pytest.mark.parametrize("who", [*PRIVILEGED, "staff"])
@pytest.mark.parametrize("path", ["/accounts/profile/", "/cms/", "/django-admin/"])
def test_privileged_without_a_factor_are_sent_to_enrolment(client, request, who, path):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{SECURITY}?next={path.replace('/', '%2F')}"
    # The enrolment page itself answers.
    assert client.get(SECURITY).status_code == 200


@pytest.mark.parametrize("who", PRIVILEGED)
def test_privileged_with_a_factor_are_sent_to_verification(client, request, who):
    user = request.getfixturevalue(who)
    totp_for(user)
    client.force_login(user)
    response = client.get("/cms/pages/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fcms%2Fpages%2F"
    # Managing factors is not open to an unverified session that has one.
    assert client.get(SECURITY)["Location"].startswith(VERIFY)
    assert client.get(reverse("mfa:totp_add")).status_code == 302


def test_manager_dashboard_and_api_token_page_need_the_factor(client, per, per_manager):
    key, _device = totp_for(per_manager)
    client.force_login(per_manager)
    dashboard = reverse("tracking:dashboard", args=["PER"])
    tokens = reverse("api_pages:tokens", args=["PER"])
    for path in (dashboard, tokens):
        assert client.get(path)["Location"].startswith(VERIFY)
    answer = client.post(VERIFY, {"kind": "totp", "totp-code": code_at(key, 1), "next": dashboard})
    assert answer["Location"] == dashboard
    assert client.get(dashboard).status_code == 200
    assert client.get(tokens).status_code == 200


def test_api_session_requests_get_json_403_and_bearer_requests_are_left_alone(client, per_manager):
    client.force_login(per_manager)
    response = client.get("/api/v1/officers/")
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]
    bearer = client.get("/api/v1/officers/", headers={"Authorization": "Bearer lms_not-a-token"})
    assert bearer.status_code == 401  # the token authentication answered, not the middleware


def test_sign_out_and_language_stay_open(client, per_manager):
    client.force_login(per_manager)
    assert client.post("/language/", {"language": "es", "next": "/"}).status_code == 302
    assert client.post(reverse("accounts:logout")).status_code == 200
    assert SESSION_KEY not in client.session


def test_officers_are_not_forced(client, per_officer):
    client.force_login(per_officer)
    profile = client.get("/accounts/profile/")
    assert profile.status_code == 200
    # Their account page leads to opting in.
    assert f'href="{SECURITY}"' in profile.content.decode()
    page = client.get(SECURITY).content.decode()
    with translation.override(per_officer.preferred_language):
        optional = translation.gettext(
            "A second factor protects your account even if someone learns your password. "
            "It is optional for you."
        )
    assert optional in page


def test_officer_who_opted_in_must_verify_at_the_next_sign_in(client, per_officer):
    client.force_login(per_officer)
    assert client.get(SECURITY).status_code == 200  # opting in is open to officers
    key, _device = totp_for(per_officer)
    client.logout()
    client.force_login(per_officer)
    assert client.get("/accounts/profile/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"kind": "totp", "totp-code": code_at(key, 1)})
    assert client.get("/accounts/profile/").status_code == 200


def test_identity_provider_asserting_mfa_exempts_the_session(client, per_author):
    client.force_login(per_author)
    session = client.session
    session[IDP_ASSERTED_KEY] = True
    session.save()
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/cms/").status_code == 200
    client.logout()  # a new sign-in starts without the provider's word
    client.force_login(per_author)
    assert client.get("/cms/").status_code == 302


def test_identity_provider_key_must_be_true(client, per_manager):
    client.force_login(per_manager)
    session = client.session
    session[IDP_ASSERTED_KEY] = "yes"
    session.save()
    assert client.get("/accounts/profile/").status_code == 302


def test_setting_off_lets_everyone_through(client, settings, per_manager):
    settings.LMS_MFA_REQUIRED = False
    client.force_login(per_manager)
    assert client.get("/accounts/profile/").status_code == 200


def test_password_sign_in_then_verification_keeps_next(client, per_manager, password):
    key, _device = totp_for(per_manager)
    answer = client.post(
        reverse("accounts:login"),
        {"username": "manager.per", "password": password, "next": "/accounts/profile/"},
    )
    assert answer["Location"] == "/accounts/profile/"
    step = client.get("/accounts/profile/")
    assert step["Location"] == f"{VERIFY}?next=%2Faccounts%2Fprofile%2F"
    page = client.get(step["Location"])
    assert page.status_code == 200
    assert 'value="/accounts/profile/"' in page.content.decode()
    done = client.post(
        VERIFY, {"kind": "totp", "totp-code": code_at(key, 1), "next": "/accounts/profile/"}
    )
    assert done["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200


def test_wagtail_admin_sign_in_goes_through_verification(client, per_author, password):
    totp_for(per_author)
    answer = client.post(
        "/cms/login/", {"username": "author.per", "password": password, "next": "/cms/"}
    )
    assert answer.status_code == 302
    assert client.get("/cms/")["Location"] == f"{VERIFY}?next=%2Fcms%2F"


@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example/x", "http://testserver@evil.example/"]
)
def test_open_redirect_in_next_is_refused(client, per_manager, evil):
    key, _device = totp_for(per_manager)
    client.force_login(per_manager)
    answer = client.post(VERIFY, {"kind": "totp", "totp-code": code_at(key, 1), "next": evil})
    assert answer.status_code == 302
    assert answer["Location"] == "/"


def test_a_superuser_is_privileged_whatever_the_groups(client, db):
    root = UserFactory(username="root", is_superuser=True, roles={Role.OFFICER})
    client.force_login(root)
    assert client.get("/accounts/profile/")["Location"].startswith(SECURITY)


@pytest.mark.parametrize("path", ["/administrations/PER/", "/cms/", "/accounts/profile/"])
def test_a_forged_bearer_header_does_not_skip_the_second_factor_outside_the_api(
    client, per_manager, path
):
    """Only the API reads bearer tokens: elsewhere a password-only session that adds the
    header is still sent to the second factor."""
    client.force_login(per_manager)
    response = client.get(path, headers={"Authorization": "Bearer lms_not-a-token"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa:security"))


@pytest.mark.parametrize(
    "path", ["/sso/per-idp/saml/sls/?SAMLRequest=x", "/sso/per-idp/oidc/logged-out/?state=x"]
)
def test_single_logout_reaches_the_site_before_the_second_factor(client, per_manager, path):
    """The identity provider's logout request (or the answer to ours) ends a session that
    still owes its second factor: it reaches single logout's views, which judge it."""
    client.force_login(per_manager)
    answer = client.get(path)
    assert not (answer.status_code == 302 and "/accounts/security" in answer["Location"])
    assert answer.status_code in (400, 403, 404)  # refused by single logout, not by MFA
    # Anywhere else under /sso/ the factor is still owed.
    held = client.get("/sso/per-idp/saml/slsx/")
    assert held.status_code == 302
