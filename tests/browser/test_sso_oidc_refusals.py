"""Single sign-on refusals in Chromium against the real OpenID provider (issue 16): an ID
token tampered with, expired, for another audience or from another issuer, a callback
replayed or begun in another browser session, and an authorization response naming another
issuer are refused with the translated refusal page; nobody is created, linked or signed
in, and the refusal is in the audit trail.

The ID token travels back-channel (our server calls the provider's token endpoint), so the
browser cannot touch it: a man in the middle (tests/idp/tamper.py) sits in front of the
real provider, whose issuer is the proxy's URL, and changes the token endpoint's answer on
its way to our server. Other tokens it swaps in are real ones, obtained from the real
provider (for another client), or from a second real provider (another issuer) that signs
with the same key, as one identity platform hosting two tenants does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from playwright.sync_api import expect

from lms.accounts.models import User
from lms.audit.models import AuditAction, AuditRecord
from lms.sso.models import ExternalIdentity, IdentityProvider
from lms.sso.oidc import LEEWAY
from lms.sso.services import provider_save
from tests.browser.conftest import browser_page
from tests.browser.test_sso_oidc import ACCOUNTS, CLIENT_ID, CLIENT_SECRET
from tests.idp.oidc import oidc_provider
from tests.idp.tamper import (
    TamperingProxy,
    b64url,
    b64url_decode,
    code_flow_tokens,
    jwt_claims,
    tampering_proxy,
)

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_CLIENT_ID = "intranet-per"  # another relying party of the same provider
OTHER_CLIENT_SECRET = "intranet-client-secret-0123456789-abcdef"
NOWHERE = "http://127.0.0.1:9/never-visited/callback"
CALLBACK = re.compile(r"/sso/per-sunat/oidc/callback/")
REFUSED_EN = "Single sign-on did not succeed"
REFUSED_ES = "El inicio de sesión único no tuvo éxito"


@pytest.fixture(scope="module")
def signing_key() -> dict[str, Any]:
    """The provider's signing key (private JWK), given to it so that a second provider,
    another issuer, can sign with the same one."""
    key = RSAKey.generate_key(2048, parameters={"kid": "per-2026", "use": "sig"}, private=True)
    return key.as_dict(private=True)


@dataclass
class Idp:
    provider: IdentityProvider  # ours, as configured
    proxy: TamperingProxy
    address: str  # where the real provider listens, behind the proxy
    provider_callback: str  # our redirect URI


@contextmanager
def per_idp(live_server, per, signing_key, **provider_config: Any) -> Iterator[Idp]:
    """PER's provider: the real one behind the proxy, and our configuration of it."""
    redirect = f"{live_server.url}/sso/per-sunat/oidc/callback/"
    with (
        tampering_proxy() as proxy,
        oidc_provider(
            clients=[
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [redirect],
                },
                {
                    "client_id": OTHER_CLIENT_ID,
                    "client_secret": OTHER_CLIENT_SECRET,
                    "redirect_uris": [NOWHERE],
                },
            ],
            accounts=ACCOUNTS,
            issuer=proxy.url,
            jwks={"keys": [signing_key]},
            **provider_config,
        ) as address,
    ):
        proxy.upstream = address
        provider = provider_save(
            actor=None,
            provider=IdentityProvider(
                administration=per,
                slug="per-sunat",
                name="SUNAT",
                kind=IdentityProvider.Kind.OIDC,
                issuer=proxy.url,
                client_id=CLIENT_ID,
                email_domains=["sunat.gob.pe"],
                create_accounts=True,
            ),
            before=None,
            client_secret=CLIENT_SECRET,
        )
        yield Idp(provider=provider, proxy=proxy, address=address, provider_callback=redirect)


@pytest.fixture
def idp(live_server, per, per_unit, signing_key) -> Iterator[Idp]:
    with per_idp(live_server, per, signing_key) as running:
        yield running


@pytest.fixture
def page_es(browser, live_server):
    """A browser that asks for Spanish (Accept-Language), signed in nowhere."""
    with browser_page(browser, live_server.url, "es-PE") as page:
        yield page


@pytest.fixture
def other_page(browser, live_server):
    """Another browser session (an attacker's, or the same person's other browser)."""
    with browser_page(browser, live_server.url) as page:
        yield page


def provider_login(page, login: str = "ana.quispe") -> None:
    """From our start page, through the real provider's login form."""
    page.goto("/sso/per-sunat/oidc/start/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password at the provider")
    page.locator("button[type=submit]").click()


def fresh_callback(page, idp: Idp, login: str = "ana.quispe") -> str:
    """The provider's redirect back to us, held by the man in the middle before the browser
    follows it: its code is unused and its state is waiting in ``page``'s session."""
    idp.proxy.hold_redirects_to = idp.provider_callback
    provider_login(page, login)
    expect(page.locator("body")).to_contain_text("held by the man in the middle")
    idp.proxy.hold_redirects_to = None
    assert len(idp.proxy.held) >= 1
    return idp.proxy.held.pop()


def dict_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def assert_signed_out(page) -> None:
    page.goto("/accounts/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def assert_refused(page, *, reason: str, message: str = REFUSED_EN, users: int = 0) -> None:
    """The refusal page, nothing created, linked or signed in, one audited refusal."""
    expect(page.get_by_test_id("sso-refused")).to_contain_text(message)
    assert User.objects.count() == users
    assert not ExternalIdentity.objects.exists()
    assert not AuditRecord.objects.filter(
        action__in=[
            AuditAction.SIGN_IN,
            AuditAction.ACCOUNT_CREATE_JIT,
            AuditAction.ACCOUNT_LINK,
        ]
    ).exists()
    refused = AuditRecord.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert refused.administration.code == "PER"
    assert reason in refused.after["reason"], refused.after["reason"]
    assert_signed_out(page)


# --- The ID token, changed on its way from the real provider's token endpoint -------------


def flip_signature_byte(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{b64url(bytes(raw))}"


def rewrite_claims(token: str) -> str:
    """Someone else's subject and e-mail, the provider's header and signature kept."""
    header, _payload, signature = token.split(".")
    claims = jwt_claims(token) | {"sub": "yessenia", "email": "yessenia@sunat.gob.pe"}
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


def sign_with_another_key(token: str) -> str:
    """The genuine claims, signed by the attacker's key under the provider's key id."""
    header = json.loads(b64url_decode(token.split(".")[0]))
    attacker = RSAKey.generate_key(2048, private=True)
    return jwt.encode({"alg": "RS256", "kid": header["kid"]}, jwt_claims(token), attacker)


def unsigned(token: str) -> str:
    """alg none: the genuine claims, no signature."""
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{token.split('.')[1]}."


def signed_with_client_secret(token: str) -> str:
    """HS256 keyed by our client secret, which whoever reads our configuration knows."""
    key = OctKey.import_key(CLIENT_SECRET)
    return jwt.encode({"alg": "HS256"}, jwt_claims(token), key)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (flip_signature_byte, "ID token refused: bad_signature"),
        (rewrite_claims, "ID token refused: bad_signature"),
        (sign_with_another_key, "ID token refused: bad_signature"),
        (unsigned, "ID token refused: unsupported_algorithm"),
        (signed_with_client_secret, "ID token refused: unsupported_algorithm"),
    ],
    ids=["signature-byte", "claims-rewritten", "another-key", "alg-none", "hs256-secret"],
)
def test_tampered_id_token_is_refused(page_es, home_page, idp, per_officer, tamper, reason):
    # An account the rewritten claims would link to (same administration, same e-mail).
    per_officer.email = "yessenia@sunat.gob.pe"
    per_officer.save()
    idp.proxy.rewrite_tokens = lambda tokens: tokens | {"id_token": tamper(tokens["id_token"])}

    provider_login(page_es)

    expect(page_es.get_by_role("heading", name="Inicio de sesión rechazado")).to_be_visible()
    assert_refused(page_es, reason=reason, message=REFUSED_ES, users=1)
    assert len(idp.proxy.token_answers) == 1  # the real provider did answer, with a token
    assert jwt_claims(idp.proxy.token_answers[0]["id_token"])["sub"] == "ana.quispe"


def test_untouched_token_through_the_proxy_signs_in(page, home_page, idp):
    """The control: the proxy alone changes nothing, so each refusal is the tamper's."""
    provider_login(page)
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    assert ExternalIdentity.objects.get().issuer == idp.proxy.url
    assert not AuditRecord.objects.filter(action=AuditAction.SIGN_IN_FAILED).exists()


# --- Genuine tokens, but not for us ----------------------------------------------------------


def test_id_token_for_another_client_of_the_provider_is_refused(page, home_page, idp):
    """The provider's own token for the person, with our nonce, issued to another relying
    party (and its access token, so that at_hash matches): only ``aud`` is wrong."""

    def swap(tokens: dict[str, Any]) -> dict[str, Any]:
        other = code_flow_tokens(
            idp.address,
            client_id=OTHER_CLIENT_ID,
            client_secret=OTHER_CLIENT_SECRET,
            redirect_uri=NOWHERE,
            login="ana.quispe",
            nonce=jwt_claims(tokens["id_token"])["nonce"],
        )
        claims = jwt_claims(other["id_token"])
        assert claims["aud"] == OTHER_CLIENT_ID and claims["iss"] == idp.proxy.url
        return tokens | {"id_token": other["id_token"], "access_token": other["access_token"]}

    idp.proxy.rewrite_tokens = swap
    provider_login(page)
    assert_refused(page, reason="'aud'")


def test_id_token_of_another_issuer_is_refused(page, home_page, live_server, idp, signing_key):
    """A second real provider (another tenant of the same identity platform, same signing
    key, same client registration and people) issues the token: only ``iss`` is wrong."""
    redirect = f"{live_server.url}/sso/per-sunat/oidc/callback/"
    with oidc_provider(
        clients=[
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [redirect]}
        ],
        accounts=ACCOUNTS,
        jwks={"keys": [signing_key]},
    ) as other_issuer:

        def swap(tokens: dict[str, Any]) -> dict[str, Any]:
            other = code_flow_tokens(
                other_issuer,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                redirect_uri=redirect,
                login="ana.quispe",
                nonce=jwt_claims(tokens["id_token"])["nonce"],
            )
            assert jwt_claims(other["id_token"])["iss"] == other_issuer
            return tokens | {"id_token": other["id_token"], "access_token": other["access_token"]}

        idp.proxy.rewrite_tokens = swap
        provider_login(page)
        assert_refused(page, reason="'iss'")


def test_expired_id_token_is_refused(page, home_page, live_server, per, per_unit, signing_key):
    """The real provider's clock runs late by more than the token's lifetime plus our
    leeway: the token it issues has expired by ours (by two minutes past the leeway)."""
    ttl = 60
    with per_idp(
        live_server, per, signing_key, id_token_ttl=ttl, clock_offset=-(ttl + LEEWAY + 120)
    ) as late:
        provider_login(page)
        assert_refused(page, reason="expired")
        claims = jwt_claims(late.proxy.token_answers[0]["id_token"])
        assert claims["exp"] - claims["iat"] == ttl


# --- The callback URL --------------------------------------------------------------------


def test_callback_replayed_in_the_same_and_in_another_browser_is_refused(
    page, other_page, home_page, idp
):
    used: list[str] = []
    page.on("request", lambda request: CALLBACK.search(request.url) and used.append(request.url))
    provider_login(page)
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    assert len(used) == 1
    user = User.objects.get()
    assert AuditRecord.objects.filter(action=AuditAction.SIGN_IN).count() == 1

    # The same browser comes back to the callback (history, a reload): refused, and the
    # provider is not asked again.
    page.goto(used[0])
    expect(page.get_by_test_id("sso-refused")).to_contain_text(REFUSED_ES)  # her language
    # Another browser with the URL (from a log, a Referer, a shoulder): refused, signed out.
    other_page.goto(used[0])
    expect(other_page.get_by_test_id("sso-refused")).to_contain_text(REFUSED_EN)
    assert_signed_out(other_page)

    assert len(idp.proxy.token_answers) == 1
    assert list(User.objects.all()) == [user]
    assert ExternalIdentity.objects.count() == 1
    assert AuditRecord.objects.filter(action=AuditAction.SIGN_IN).count() == 1
    reasons = (
        AuditRecord.objects.filter(action=AuditAction.SIGN_IN_FAILED)
        .order_by("id")
        .values_list("after__reason", flat=True)
    )
    assert list(reasons) == ["unknown or reused state"] * 2


def test_callback_begun_in_another_browser_session_is_refused(page, other_page, home_page, idp):
    """Login CSRF: the attacker signs in at the provider and sends their fresh callback (a
    state of their session) to the victim, whose browser must not be signed in as them."""
    callback = fresh_callback(other_page, idp, login="intruder")

    page.goto(callback)
    assert_refused(page, reason="unknown or reused state")
    assert not idp.proxy.token_answers  # the code was not even exchanged

    # The URL itself was good: in the session that began it, it signs in.
    other_page.goto(callback)
    other_page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    assert User.objects.get().email == "yessenia@ana.gob.pa"


def test_stolen_code_with_the_thiefs_own_state_is_refused(page, other_page, home_page, idp):
    """The victim's fresh code, delivered with a state the thief's session holds: the
    exchange needs the victim's PKCE verifier, which only the victim's session has."""
    victim = fresh_callback(page, idp)
    thief = fresh_callback(other_page, idp, login="intruder")
    stolen = with_query(thief, code=dict_of(victim)["code"])

    other_page.goto(stolen)
    assert_refused(other_page, reason="code exchange failed")
    assert not idp.proxy.token_answers


def test_authorization_response_naming_another_issuer_is_refused(page, home_page, idp):
    callback = fresh_callback(page, idp)
    assert dict_of(callback)["iss"] == idp.proxy.url  # RFC 9207: the provider names itself

    page.goto(with_query(callback, iss="https://idp.example.org"))
    assert_refused(page, reason="authorization response from another issuer")
    assert not idp.proxy.token_answers
