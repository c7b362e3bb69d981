"""A man in the middle for the OpenID refusal tests: a threaded HTTP reverse proxy on
loopback, in front of the real provider (tests/idp/oidc_provider.mjs).

The provider is started with the proxy's URL as its issuer, so its discovery document, its
authorization endpoint and its token endpoint are all reached through the proxy, which
forwards every request unchanged (the Host header too, so the provider writes the proxy's
URLs into its answers). The ID token travels back-channel, from the provider's token
endpoint to our server: a test sets :attr:`TamperingProxy.rewrite_tokens` to change that
answer on its way (flip a byte of the signature, swap in another token).
:func:`code_flow_tokens` signs in at a real provider without a browser, to obtain such
other tokens.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

TokenRewrite = Callable[[dict[str, Any]], dict[str, Any]]

# Headers of one connection, not of the message; Content-Length is computed again, and
# Accept-Encoding is dropped so that the token answer arrives as plain JSON.
NOT_FORWARDED = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "accept-encoding",
}


class TamperingProxy:
    """Forwards everything to ``upstream``; the token endpoint's answer goes through
    :attr:`rewrite_tokens` when one is set."""

    def __init__(self) -> None:
        self.upstream: str | None = None
        self.rewrite_tokens: TokenRewrite | None = None
        self.token_answers: list[dict[str, Any]] = []  # as the provider gave them
        # Redirects to URLs starting with this are held: the browser gets a page saying so
        # instead of going there, and the URL is kept in ``held`` (a fresh callback).
        self.hold_redirects_to: str | None = None
        self.held: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def forward(self) -> None:
                if proxy.upstream is None:
                    self.send_error(503)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() not in NOT_FORWARDED
                }
                target = urlsplit(proxy.upstream)
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    status, reason = answer.status, answer.reason
                    answer_headers = answer.getheaders()
                    content = answer.read()
                finally:
                    connection.close()
                if self.command == "POST" and urlsplit(self.path).path == "/token":
                    content = proxy._token_answer(status, content)
                location = answer.getheader("Location") or ""
                if proxy.hold_redirects_to and location.startswith(proxy.hold_redirects_to):
                    proxy.held.append(location)
                    status, reason, content = 200, "OK", b"held by the man in the middle"
                    answer_headers = [("Content-Type", "text/plain")]
                self.send_response_only(status, reason)
                for name, value in answer_headers:
                    if name.lower() not in NOT_FORWARDED:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_POST = do_HEAD = do_OPTIONS = forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _token_answer(self, status: int, content: bytes) -> bytes:
        if status != 200:
            return content
        tokens = json.loads(content)
        self.token_answers.append(dict(tokens))
        if self.rewrite_tokens is None:
            return content
        return json.dumps(self.rewrite_tokens(tokens)).encode()

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def tampering_proxy() -> Iterator[TamperingProxy]:
    """A running proxy; start the provider with ``issuer=proxy.url`` and set
    ``proxy.upstream`` to the address it listens on."""
    proxy = TamperingProxy()
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a compact JWS, unverified (for the man in the middle's eyes only)."""
    return json.loads(b64url_decode(token.split(".")[1]))


def code_flow_tokens(
    base_url: str,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    login: str,
    nonce: str,
    scope: str = "openid email profile",
) -> dict[str, Any]:
    """The token answer of a real provider at ``base_url`` for a sign-in of ``login``
    through its development login form, asked with ``nonce``; the code goes no further than
    this function (``redirect_uri`` is only named, never visited)."""
    verifier = secrets.token_urlsafe(48)
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    browser = requests.Session()
    url = (
        requests.Request(
            "GET",
            f"{base_url}/auth",
            params={
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": scope,
                "nonce": nonce,
                "state": secrets.token_urlsafe(16),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        .prepare()
        .url
    )
    for _step in range(10):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        if answer.status_code == 200 and "/interaction/" in url:
            answer = browser.post(
                url,
                data={"prompt": "login", "login": login, "password": "any password"},
                allow_redirects=False,
                timeout=10,
            )
        if not answer.is_redirect:
            raise AssertionError(f"the provider answered {answer.status_code} at {url}")
        url = urljoin(url, answer.headers["Location"])
        if url.startswith(redirect_uri):
            break
    else:
        raise AssertionError("the provider never came back to the redirect URI")
    query = dict(parse_qsl(urlsplit(url).query))
    if "code" not in query:
        raise AssertionError(f"no code: {query}")
    answer = browser.post(
        f"{base_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(client_id, client_secret),
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()
