"""Error pages in production (DEBUG=False): 400, 403, 404, 500 and the CSRF failure are
the site's own pages, in the visitor's language, with the right status and nothing of the
error itself; the API answers JSON; the content origin plain text; the 429s (sign-in
lockout, certificate checks) are the site's pages too.

The Spanish, Portuguese and French texts below are those of the catalogues: they are
asserted literally, so that a page whose strings escaped translation fails here.
"""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.template import loader
from django.test import Client, override_settings
from django.urls import get_resolver, reverse
from django.utils import translation

from lms import errors
from lms.content_origin import content_token_mint
from tests.error_urls import SECRET

FAILING = pytest.mark.urls("tests.error_urls")
LANGUAGES = ["es", "pt-br", "fr"]

# msgid -> its translations (the catalogues' text).
TEXTS = {
    "Page not found": {
        "es": "Página no encontrada",
        "pt-br": "Página não encontrada",
        "fr": "Page introuvable",
    },
    "There is nothing at this address, or it is not available to your account.": {
        "es": "No hay nada en esta dirección, o no está disponible para su cuenta.",
        "pt-br": "Não há nada neste endereço, ou ele não está disponível para a sua conta.",
        "fr": "Il n'y a rien à cette adresse, ou elle n'est pas accessible avec votre compte.",
    },
    "Check the address, or start again from the home page.": {
        "es": "Compruebe la dirección o vuelva a empezar desde la página de inicio.",
        "pt-br": "Verifique o endereço ou recomece a partir da página inicial.",
        "fr": "Vérifiez l'adresse, ou repartez de la page d'accueil.",
    },
    "Some pages can be seen only after signing in.": {
        "es": "Algunas páginas solo se pueden ver después de iniciar sesión.",
        "pt-br": "Algumas páginas só podem ser vistas depois de entrar.",
        "fr": "Certaines pages ne sont visibles qu'après connexion.",
    },
    "Back to the home page": {
        "es": "Volver a la página de inicio",
        "pt-br": "Voltar à página inicial",
        "fr": "Retour à la page d'accueil",
    },
    "Access denied": {"es": "Acceso denegado", "pt-br": "Acesso negado", "fr": "Accès refusé"},
    "You do not have permission to open this page.": {
        "es": "No tiene permiso para abrir esta página.",
        "pt-br": "Você não tem permissão para abrir esta página.",
        "fr": "Vous n'avez pas l'autorisation d'ouvrir cette page.",
    },
    "You are not signed in. Sign in, then try again.": {
        "es": "No ha iniciado sesión. Inicie sesión e inténtelo de nuevo.",
        "pt-br": "Você não está conectado. Entre e tente novamente.",
        "fr": "Vous n'êtes pas connecté. Connectez-vous, puis réessayez.",
    },
    "Bad request": {
        "es": "Solicitud incorrecta",
        "pt-br": "Solicitação inválida",
        "fr": "Requête incorrecte",
    },
    "The site could not understand this request. Check the address, or go back and try again.": {
        "es": "El sitio no pudo entender esta solicitud. Compruebe la dirección, o vuelva "
        "atrás e inténtelo de nuevo.",
        "pt-br": "O site não conseguiu entender esta solicitação. Verifique o endereço ou volte "
        "e tente novamente.",
        "fr": "Le site n'a pas pu comprendre cette requête. Vérifiez l'adresse, ou revenez "
        "en arrière et réessayez.",
    },
    "The form has expired": {
        "es": "El formulario ha caducado",
        "pt-br": "O formulário expirou",
        "fr": "Le formulaire a expiré",
    },
    "For your security, the form was not sent: its page was open for too long, or you "
    "signed in or out in another tab.": {
        "es": "Por su seguridad, el formulario no se envió: su página estuvo abierta "
        "demasiado tiempo, o inició o cerró sesión en otra pestaña.",
        "pt-br": "Para sua segurança, o formulário não foi enviado: a página ficou aberta por "
        "tempo demais, ou você entrou ou saiu em outra aba.",
        "fr": "Pour votre sécurité, le formulaire n'a pas été envoyé : sa page est restée "
        "ouverte trop longtemps, ou vous vous êtes connecté ou déconnecté dans un autre "
        "onglet.",
    },
    "Go back, reload the page and send the form again.": {
        "es": "Vuelva atrás, recargue la página y envíe el formulario de nuevo.",
        "pt-br": "Volte, recarregue a página e envie o formulário novamente.",
        "fr": "Revenez en arrière, rechargez la page et renvoyez le formulaire.",
    },
    "This site needs cookies to keep you signed in and to protect its forms. If your "
    "browser blocks cookies for this site, allow them and try again.": {
        "es": "Este sitio necesita cookies para mantener su sesión iniciada y proteger sus "
        "formularios. Si su navegador bloquea las cookies de este sitio, permítalas e "
        "inténtelo de nuevo.",
        "pt-br": "Este site precisa de cookies para manter você conectado e proteger os "
        "formulários. Se o seu navegador bloqueia cookies deste site, permita-os e tente "
        "novamente.",
        "fr": "Ce site a besoin de cookies pour que vous restiez connecté et pour protéger "
        "ses formulaires. Si votre navigateur bloque les cookies de ce site, autorisez-les "
        "et réessayez.",
    },
    "Back to the form": {
        "es": "Volver al formulario",
        "pt-br": "Voltar ao formulário",
        "fr": "Retour au formulaire",
    },
    "Server error": {
        "es": "Error del servidor",
        "pt-br": "Erro no servidor",
        "fr": "Erreur du serveur",
    },
    "Something went wrong on our side and the page could not be shown. Try again in a few "
    "minutes.": {
        "es": "Algo falló por nuestra parte y no se pudo mostrar la página. Inténtelo de "
        "nuevo en unos minutos.",
        "pt-br": "Algo deu errado do nosso lado e a página não pôde ser exibida. Tente "
        "novamente em alguns minutos.",
        "fr": "Un problème est survenu de notre côté et la page n'a pas pu être affichée. "
        "Réessayez dans quelques minutes.",
    },
    "If it keeps happening, tell the platform's support what you were doing and when.": {
        "es": "Si vuelve a ocurrir, indique al soporte de la plataforma qué estaba haciendo "
        "y cuándo.",
        "pt-br": "Se continuar acontecendo, informe ao suporte da plataforma o que você estava "
        "fazendo e quando.",
        "fr": "Si le problème persiste, indiquez au support de la plateforme ce que vous "
        "faisiez et à quel moment.",
    },
    "Error 404": {"es": "Error 404", "pt-br": "Erro 404", "fr": "Erreur 404"},
    "Error 403": {"es": "Error 403", "pt-br": "Erro 403", "fr": "Erreur 403"},
    "Error 400": {"es": "Error 400", "pt-br": "Erro 400", "fr": "Erreur 400"},
    "Error 500": {"es": "Error 500", "pt-br": "Erro 500", "fr": "Erreur 500"},
    "Sign in": {"es": "Iniciar sesión", "pt-br": "Entrar", "fr": "Se connecter"},
}

# What each page says (the English msgids; "Sign in" only to visitors not signed in).
NOT_FOUND = [
    "Error 404",
    "Page not found",
    "There is nothing at this address, or it is not available to your account.",
    "Check the address, or start again from the home page.",
    "Back to the home page",
]
FORBIDDEN = [
    "Error 403",
    "Access denied",
    "You do not have permission to open this page.",
    "Back to the home page",
]
BAD_REQUEST = [
    "Error 400",
    "Bad request",
    "The site could not understand this request. Check the address, or go back and try again.",
    "Back to the home page",
]
CSRF = [
    "Error 403",
    "The form has expired",
    "For your security, the form was not sent: its page was open for too long, or you "
    "signed in or out in another tab.",
    "Go back, reload the page and send the form again.",
    "This site needs cookies to keep you signed in and to protect its forms. If your "
    "browser blocks cookies for this site, allow them and try again.",
    "Back to the home page",
]
SERVER_ERROR = [
    "Error 500",
    "Server error",
    "Something went wrong on our side and the page could not be shown. Try again in a few minutes.",
    "If it keeps happening, tell the platform's support what you were doing and when.",
    "Back to the home page",
]
ANONYMOUS_404 = ["Some pages can be seen only after signing in.", "Sign in"]
ANONYMOUS_403 = ["You are not signed in. Sign in, then try again.", "Sign in"]


@pytest.fixture(autouse=True)
def _production():
    with override_settings(DEBUG=False):
        yield


@pytest.fixture
def failing_client():
    """A client that receives the 500 page instead of the view's exception."""
    client = Client()
    client.raise_request_exception = False
    return client


def text_of(response) -> str:
    """The visible text of the page, entities decoded, whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def main_of(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.DOTALL).group(0)


def title_of(response) -> str:
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.DOTALL).group(1)
    return " ".join(html.unescape(title).split())


def assert_page(response, status: int, marker: str, msgids: list[str], language: str = "en"):
    """The site's page for ``marker``, in ``language``: every text of ``msgids`` in that
    language, none of them in English (when the language is not), nothing of the error."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert f'data-error-page="{marker}"' in body
    assert 'class="site-header"' in body and 'href="/static/css/site.css"' in body
    assert f'<html lang="{language}">' in body
    text = text_of(response)
    for msgid in msgids:
        expected = msgid if language == "en" else TEXTS[msgid][language]
        assert expected in text, (language, msgid)
        if language != "en" and expected != msgid:
            assert msgid not in text, (language, msgid)
    heading = msgids[1] if language == "en" else TEXTS[msgids[1]][language]
    assert title_of(response).startswith(heading)
    assert_nothing_leaks(response)


def assert_nothing_leaks(response) -> None:
    body = response.content.decode()
    for leak in (SECRET, "secret-detail", "Traceback", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"):
        assert leak not in body


def signed_in(client, user, language: str):
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    client.force_login(user)
    return client


# --- the handlers ---------------------------------------------------------------------


def test_the_site_urlconf_names_the_handlers_and_the_csrf_view():
    resolver = get_resolver("lms.urls")
    assert resolver.resolve_error_handler(400) is errors.bad_request
    assert resolver.resolve_error_handler(403) is errors.permission_denied
    assert resolver.resolve_error_handler(404) is errors.page_not_found
    assert resolver.resolve_error_handler(500) is errors.server_error
    assert settings.CSRF_FAILURE_VIEW == "lms.errors.csrf_failure"


# --- 404 ------------------------------------------------------------------------------


def test_a_missing_address_gets_the_sites_404(client, db):
    response = client.get("/no-such-page/anywhere/")
    assert_page(response, 404, "404", NOT_FOUND + ANONYMOUS_404)
    assert 'href="/accounts/login/?next=/no-such-page/anywhere/"' in response.content.decode()
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_404_is_in_the_browsers_language(client, db, language):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert_page(response, 404, "404", NOT_FOUND + ANONYMOUS_404, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_404_is_in_the_language_cookies_language(client, db, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert_page(response, 404, "404", NOT_FOUND + ANONYMOUS_404, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_404_is_in_the_officers_language(client, per_officer, language):
    signed_in(client, per_officer, language)
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert_page(response, 404, "404", NOT_FOUND, language)
    text = text_of(response)
    assert TEXTS["Some pages can be seen only after signing in."][language] not in text


def test_another_administrations_page_and_a_missing_one_read_the_same(client, per_manager, pan):
    """PER's manager asks for PAN's dashboard and for an administration that does not
    exist: the same 404, word for word (nothing says PAN exists)."""
    client.force_login(per_manager)
    foreign = client.get(reverse("tracking:dashboard", args=[pan.code]))
    missing = client.get(reverse("tracking:dashboard", args=["ZZZ"]))
    assert foreign.status_code == missing.status_code == 404
    assert_page(foreign, 404, "404", NOT_FOUND)
    assert main_of(foreign) == main_of(missing)
    assert pan.name not in foreign.content.decode()


# --- 403 ------------------------------------------------------------------------------


@FAILING
def test_permission_denied_gets_the_sites_403_without_its_reason(client, db):
    response = client.get("/test-errors/forbidden/")
    assert_page(response, 403, "403", FORBIDDEN + ANONYMOUS_403)
    assert 'href="/accounts/login/?next=/test-errors/forbidden/"' in response.content.decode()


@FAILING
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_403_is_in_the_officers_language(client, per_officer, language):
    signed_in(client, per_officer, language)
    response = client.get("/test-errors/forbidden/")
    assert_page(response, 403, "403", FORBIDDEN, language)


@FAILING
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_403_is_in_the_browsers_language(client, db, language):
    response = client.get("/test-errors/forbidden/", HTTP_ACCEPT_LANGUAGE=language)
    assert_page(response, 403, "403", FORBIDDEN + ANONYMOUS_403, language)


# --- 400 ------------------------------------------------------------------------------


@FAILING
@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_a_suspicious_request_gets_the_sites_400(client, db, language):
    response = client.get("/test-errors/suspicious/", HTTP_ACCEPT_LANGUAGE=language)
    assert_page(response, 400, "400", BAD_REQUEST, language)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_host_that_is_not_allowed_gets_the_400_page(client, db, language):
    """Refused before LocaleMiddleware runs: the page still takes the browser's language."""
    translation.activate("fr")  # what an earlier request left in this thread
    response = client.get("/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE=language)
    assert_page(response, 400, "400", BAD_REQUEST, language)


# --- CSRF failure ---------------------------------------------------------------------


def test_a_form_without_its_csrf_token_gets_the_sites_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert_page(response, 403, "csrf", [*CSRF, "Sign in"])
    assert "Back to the form" not in text_of(response)  # no Referer: nowhere to go back to
    # The page gave the browser a fresh token: the form works once its page is reloaded.
    token = response.cookies[settings.CSRF_COOKIE_NAME].value
    again = client.post(
        reverse("accounts:login"),
        {"username": "x", "password": "y", "csrfmiddlewaretoken": token},
    )
    assert again.status_code == 200
    assert 'data-error-page="csrf"' not in again.content.decode()


def test_the_csrf_page_links_back_to_a_form_of_this_site_only(db):
    client = Client(enforce_csrf_checks=True)
    url = reverse("accounts:login")
    here = client.post(url, HTTP_REFERER="http://testserver/accounts/login/?next=/courses/")
    assert 'href="http://testserver/accounts/login/?next=/courses/"' in here.content.decode()
    assert "Back to the form" in text_of(here)
    elsewhere = client.post(url, HTTP_REFERER="https://evil.example/accounts/login/")
    assert "evil.example" not in elsewhere.content.decode()
    assert "Back to the form" not in text_of(elsewhere)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_csrf_page_is_in_the_browsers_language(db, language):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(
        reverse("accounts:login"), HTTP_REFERER="http://testserver/accounts/login/"
    )
    assert_page(response, 403, "csrf", [*CSRF, "Back to the form", "Sign in"], language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_csrf_page_is_in_the_officers_language(per_officer, language):
    client = signed_in(Client(enforce_csrf_checks=True), per_officer, language)
    response = client.post(reverse("accounts:logout"))
    assert_page(response, 403, "csrf", CSRF, language)
    assert "_auth_user_id" in client.session  # still signed in: the form was refused


# --- 500 ------------------------------------------------------------------------------


@FAILING
def test_an_exception_gets_the_sites_500_without_its_details(failing_client, db):
    response = failing_client.get("/test-errors/crash/")
    assert_page(response, 500, "500", SERVER_ERROR)
    assert response["Cache-Control"] == "no-store"


@FAILING
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_500_is_in_the_officers_language(failing_client, per_officer, language):
    signed_in(failing_client, per_officer, language)
    response = failing_client.get("/test-errors/crash/")
    assert_page(response, 500, "500", SERVER_ERROR, language)


@FAILING
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_500_is_in_the_browsers_language(failing_client, db, language):
    response = failing_client.get("/test-errors/crash/", HTTP_ACCEPT_LANGUAGE=language)
    assert_page(response, 500, "500", SERVER_ERROR, language)


@FAILING
def test_the_500_needs_no_database(failing_client):
    """No database at all (pytest-django refuses any query in a test without ``db``): the
    view fails as it would with the database down, and the page still comes, in the
    browser's language."""
    response = failing_client.get("/test-errors/database-down/", HTTP_ACCEPT_LANGUAGE="es")
    assert_page(response, 500, "500", SERVER_ERROR, "es")


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_the_500_template_renders_alone_without_queries(db, django_assert_num_queries, language):
    with translation.override(language), django_assert_num_queries(0):
        body = loader.get_template("500.html").render({})
    assert 'data-error-page="500"' in body
    assert f'<html lang="{language}">' in body
    expected = "Server error" if language == "en" else TEXTS["Server error"][language]
    assert expected in html.unescape(body)


def test_the_500_falls_back_to_a_fixed_page_when_its_template_fails(rf, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry for 'css/site.css'")

    monkeypatch.setattr(errors.loader, "get_template", broken)
    response = errors.server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Server error" in response.content
    assert b"manifest" not in response.content


# --- the API answers JSON -------------------------------------------------------------


def test_an_unknown_api_address_outside_v1_is_json(client, db):
    response = client.get("/api/v2/officers/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No API endpoint has this address."}


@FAILING
def test_an_exception_under_the_api_is_json(failing_client, db):
    response = failing_client.get("/api/test-errors/crash/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 500
    assert response.json() == {"detail": "Se produjo un error en el servidor."}
    assert_nothing_leaks(response)


def test_a_request_asking_for_json_gets_json(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


# --- the content origin stays plain text ----------------------------------------------


def test_the_content_origin_answers_errors_in_plain_text(client, db):
    old = content_token_mint(user_id=1, scope="h5p:1", main_origin="http://testserver", now=0)
    expired = client.get(f"/c/{old}/h5p/player/", HTTP_HOST="localhost")
    assert expired.status_code == 403
    assert expired["Content-Type"] == "text/plain; charset=utf-8"
    missing = client.get("/no-such-page/", HTTP_HOST="localhost")
    assert missing.status_code == 404
    assert missing.content.startswith(b"Not found. This address serves learning content only")
    refused = Client(enforce_csrf_checks=True).post(f"/c/{old}/h5p/player/", HTTP_HOST="localhost")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "text/plain; charset=utf-8"


# --- 429: the site's pages, the API's JSON --------------------------------------------


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("es", "Inicio de sesión bloqueado por un tiempo"),
        ("pt-br", "Acesso bloqueado temporariamente"),
        ("fr", "Connexion bloquée pour un moment"),
    ],
)
def test_the_sign_in_lockout_is_the_sites_page_in_the_visitors_language(
    client, per_officer, language, heading
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            reverse("accounts:login"), {"username": "officer.per", "password": "wrong"}
        )
    assert response.status_code == 429
    body = response.content.decode()
    assert 'class="site-header"' in body and f'<html lang="{language}">' in body
    assert heading in html.unescape(body)
    assert "Sign-in blocked for a while" not in body


@pytest.mark.parametrize("language", ["en", "fr"])
def test_certificate_checks_over_the_rate_get_the_sites_page_and_the_api_json(
    client, db, settings, language
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"verify": "2/min"},
    }
    page = reverse("certificates:verify", args=["hello"])
    for _ in range(2):
        assert client.get(page).status_code == 404
    throttled = client.get(page, HTTP_ACCEPT_LANGUAGE=language)
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) >= 1
    body = html.unescape(throttled.content.decode())
    assert 'class="site-header"' in body
    assert ("Too many checks" if language == "en" else "Trop de vérifications") in body
    api = client.get(reverse("api:certificate_verify", args=["hello"]))
    assert api.status_code == 429
    assert "detail" in api.json()
