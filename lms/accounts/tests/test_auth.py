import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, username, password, url=LOGIN):
    return client.post(url, {"username": username, "password": password})


def test_login_rotates_the_session_key(client, per_officer, password):
    client.get(LOGIN)
    session = client.session
    session["before"] = "x"
    session.save()
    before = session.session_key
    response = sign_in(client, "officer.per", password)
    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(per_officer.pk)


def test_wrong_password_gets_the_generic_translated_error(client, per_officer):
    response = sign_in(client, "officer.per", "nope")
    assert response.status_code == 200
    assert "The username or password is not correct" in response.content.decode()
    client.cookies["lms_language"] = "es"
    response = sign_in(client, "officer.per", "nope")
    assert "El nombre de usuario o la contraseña no son correctos" in response.content.decode()


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client, per_officer):
    wrong = sign_in(client, "officer.per", "nope").content.decode()
    unknown = sign_in(client, "nobody.here", "nope").content.decode()
    message = "The username or password is not correct"
    assert message in wrong and message in unknown


def test_empty_login_form_gets_required_errors(client, db):
    response = client.post(LOGIN, {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "Este campo es necesario." in response.content.decode()


def test_deactivated_users_session_stops_at_the_next_request(client, per_officer, password):
    sign_in(client, "officer.per", password)
    assert client.get(reverse("accounts:profile")).status_code == 200
    per_officer.is_active = False
    per_officer.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_logout_needs_post_and_ends_the_session(client, per_officer, password):
    sign_in(client, "officer.per", password)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_change(client, per_officer, password):
    client.force_login(per_officer)
    url = reverse("accounts:password_change")
    bad = client.post(url, {"old_password": "wrong", "new_password1": "x", "new_password2": "y"})
    assert bad.status_code == 200
    per_officer.refresh_from_db()
    assert per_officer.check_password(password)
    good = client.post(
        url,
        {
            "old_password": password,
            "new_password1": "Rip-on-rip-off-2026",
            "new_password2": "Rip-on-rip-off-2026",
        },
    )
    assert good.status_code == 302
    per_officer.refresh_from_db()
    assert per_officer.check_password("Rip-on-rip-off-2026")


def test_password_reset_round_trip(client, per_officer):
    per_officer.email = "carlos@example.org"
    per_officer.save()
    response = client.post(reverse("accounts:password_reset"), {"email": "carlos@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "officer.per" in body
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    confirm_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(
        confirm_url,
        {"new_password1": "Cloned-seal-check-7", "new_password2": "Cloned-seal-check-7"},
    )
    assert done.status_code == 302
    per_officer.refresh_from_db()
    assert per_officer.check_password("Cloned-seal-check-7")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, db):
    response = client.post(reverse("accounts:password_reset"), {"email": "ghost@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_bad_address_gets_a_translated_error(client, db):
    client.cookies["lms_language"] = "es"
    response = client.post(reverse("accounts:password_reset"), {"email": "not-an-address"})
    assert response.status_code == 200
    assert "Introduzca una dirección de correo electrónico válida." in response.content.decode()
    assert mail.outbox == []


def test_password_reset_email_is_in_the_users_language(client, per_officer):
    per_officer.email = "carlos@example.org"
    per_officer.save()
    client.cookies["lms_language"] = "es"
    client.post(reverse("accounts:password_reset"), {"email": "carlos@example.org"})
    assert "Restablezca su contraseña" in mail.outbox[0].subject


def test_used_reset_link_is_refused_with_a_clear_message(client, per_officer):
    response = client.get("/accounts/reset/MQ/bad-token/", follow=True)
    assert "This link is not valid any more" in response.content.decode()


class TestLockout:
    def test_five_failures_lock_the_account_even_with_the_right_password(
        self, client, per_officer, password
    ):
        for _ in range(4):
            assert sign_in(client, "officer.per", "wrong").status_code == 200
        fifth = sign_in(client, "officer.per", "wrong")
        assert fifth.status_code == 429
        assert "Too many failed sign-in attempts" in fifth.content.decode()
        locked = sign_in(client, "officer.per", password)
        assert locked.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_lockout_counts_the_username_whatever_its_case(self, client, per_officer, password):
        for name in ["officer.per", "OFFICER.PER", " Officer.Per", "officer.PER", "officer.per"]:
            sign_in(client, name, "wrong")
        assert sign_in(client, "officer.per", password).status_code == 429

    def test_other_accounts_are_not_locked(self, client, per_officer, pan_officer, password):
        for _ in range(5):
            sign_in(client, "officer.per", "wrong")
        assert sign_in(client, "officer.pan", password).status_code == 302

    def test_wagtail_admin_login_locks_out_with_the_same_message(
        self, client, regional_author, password
    ):
        for _ in range(5):
            response = sign_in(client, "author", "wrong", url="/cms/login/")
        assert response.status_code == 429
        assert "Too many failed sign-in attempts" in response.content.decode()
        # The lock is per account: the site's own login refuses it too.
        assert sign_in(client, "author", password).status_code == 429

    def test_success_before_the_limit_resets_the_count(self, client, per_officer, password):
        for _ in range(4):
            sign_in(client, "officer.per", "wrong")
        assert sign_in(client, "officer.per", password).status_code == 302
        client.post(reverse("accounts:logout"))
        for _ in range(4):
            sign_in(client, "officer.per", "wrong")
        assert sign_in(client, "officer.per", password).status_code == 302

    def test_lockout_message_is_translated(self, client, per_officer):
        client.cookies["lms_language"] = "es"
        for _ in range(5):
            response = sign_in(client, "officer.per", "wrong")
        assert "Demasiados intentos fallidos" in response.content.decode()
