import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/language/"


def test_anonymous_switch_sets_the_cookie_and_redirects_back(client, home_page):
    response = client.post(URL, {"language": "es", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies["lms_language"].value == "es"
    page = client.get("/accounts/login/")
    assert page["Content-Language"] == "es"
    assert "Iniciar sesión" in page.content.decode()


def test_signed_in_switch_updates_the_preference(client, per_officer):
    client.force_login(per_officer)
    client.post(URL, {"language": "en", "next": "/"})
    per_officer.refresh_from_db()
    assert per_officer.preferred_language == "en"


def test_preference_wins_over_cookie_and_browser(client, per_officer):
    client.force_login(per_officer)  # prefers Spanish
    client.cookies["lms_language"] = "fr"
    response = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="pt")
    assert response["Content-Language"] == "es"
    assert "Mi cuenta" in response.content.decode()


def test_unknown_language_is_refused_with_a_translated_error(client, per_officer):
    client.force_login(per_officer)
    response = client.post(URL, {"language": "xx", "next": "/"})
    assert response.status_code == 400
    assert "Elija uno de los idiomas de la lista." in response.content.decode()
    per_officer.refresh_from_db()
    assert per_officer.preferred_language == "es"
    assert "lms_language" not in response.cookies


def test_missing_language_is_refused(client, db):
    response = client.post(URL, {"next": "/"})
    assert response.status_code == 400
    assert "Choose a language." in response.content.decode()


def test_switch_refuses_get(client, db):
    assert client.get(URL).status_code == 405


def test_switch_never_redirects_off_site(client, db):
    response = client.post(URL, {"language": "en", "next": "https://evil.example/phish"})
    assert response["Location"] == "/"


def test_switch_needs_the_csrf_token(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, {"language": "es"}).status_code == 403


def test_portuguese_and_french_are_wired(client, db):
    for code in ("pt-br", "fr"):
        client.post(URL, {"language": code, "next": "/accounts/login/"})
        assert client.get("/accounts/login/")["Content-Language"] == code


@pytest.mark.parametrize("header", ["pt", "pt-BR", "pt-PT,pt;q=0.9", "pt-br"])
def test_a_portuguese_browser_gets_brazilian_portuguese(client, db, header):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=header)
    assert response["Content-Language"] == "pt-br"


def test_django_and_wagtail_speak_brazilian_portuguese(client, db):
    """Their own strings come from their Brazilian catalogues, not the European ones
    (which say "palavra-passe" and "utilizador" where Brazil says "senha" and
    "usuário")."""
    from django.utils import translation

    theirs = translation.gettext  # by another name: makemessages must not take these
    with translation.override("pt-br"):
        assert theirs("Password") == "Senha"  # django.contrib.auth
        assert theirs("Users") == "Usuários"  # wagtail.users
    client.post(URL, {"language": "pt-br", "next": "/cms/login/"})
    page = client.get("/cms/login/").content.decode().lower()
    assert "esqueceu a senha?" in page  # Wagtail's "Forgotten password?", in Brazil
    assert "palavra-passe" not in page


def test_no_preference_follows_the_administrations_language(client, per, per_officer):
    """An empty preferred language (SCIM removes it so) is "not chosen": the person reads
    the platform in their administration's language, not the browser's or the cookie's,
    and follows it when the administration changes it."""
    per_officer.preferred_language = ""
    per_officer.save()
    client.force_login(per_officer)
    client.cookies["lms_language"] = "en"
    page = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="pt")
    assert page["Content-Language"] == "es"  # PER speaks Spanish
    # The empty choice names the administration's language (its wording is translated
    # once i18n/h-scim.json is merged into the catalogues).
    assert "(Español)</option>" in page.content.decode()
    per.official_languages = ["fr"]
    per.save()
    page = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="pt")
    assert page["Content-Language"] == "fr"
    per_officer.refresh_from_db()
    assert per_officer.interface_language() == "fr"


def test_the_profile_can_go_back_to_the_administrations_language(client, per_officer):
    client.force_login(per_officer)
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": per_officer.full_name, "email": "c@example.org", "preferred_language": ""},
    )
    assert response.status_code == 302
    per_officer.refresh_from_db()
    assert per_officer.preferred_language == ""


def test_interface_language_without_administration_is_the_sites(db):
    from django.conf import settings

    from lms.accounts.tests.factories import UserFactory

    person = UserFactory(administration=None, preferred_language="")
    assert person.interface_language() == settings.LANGUAGE_CODE
    person.preferred_language = "pt-br"
    assert person.interface_language() == "pt-br"
