"""A stand-in OpenID provider on loopback whose ID tokens the test writes (expired,
wrongly signed, for another audience...): the real provider (npm oidc-provider, in the
browser tests) only ever issues good ones. Its token endpoint checks the PKCE verifier
against the challenge of the authorization request, as a provider does."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from tests.ports import free_port


@dataclass
class StandInProvider:
    issuer: str
    key: ECKey
    client_id: str
    # Set by the test before the callback: the ID token to answer.
    id_token: Callable[[], str] | None = None
    challenge: str = ""
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)

    def claims(self, nonce: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "subject-1",
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": "rosa@sunat.gob.pe",
            "email_verified": True,
            "name": "Rosa Flores",
            "locale": "es",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict[str, Any], key: Any = None, alg: str = "ES256") -> str:
        return jwt.encode({"alg": alg, "kid": "k1"}, claims, key or self.key)

    def logout_token(self, **overrides: Any) -> dict[str, Any]:
        """Back-Channel Logout claims (None removes a claim)."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 120,
            "jti": base64.urlsafe_b64encode(hashlib.sha256(str(time.time_ns()).encode()).digest())
            .decode()
            .rstrip("="),
            "sub": "subject-1",
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign_logout(self, claims: dict[str, Any], key: Any = None, alg: str = "ES256") -> str:
        return jwt.encode({"alg": alg, "kid": "k1", "typ": "logout+jwt"}, claims, key or self.key)

    def authorize(self, url: str) -> dict[str, str]:
        """Read the authorization request the platform redirected to."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        self.challenge = query.get("code_challenge", "")
        return query


@contextmanager
def standin_provider(client_id: str) -> Iterator[StandInProvider]:
    port = free_port()
    op = StandInProvider(
        issuer=f"http://127.0.0.1:{port}",
        key=ECKey.generate_key("P-256", parameters={"kid": "k1"}),
        client_id=client_id,
    )

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                self._json(
                    200,
                    {
                        "issuer": op.issuer,
                        "authorization_endpoint": f"{op.issuer}/auth",
                        "token_endpoint": f"{op.issuer}/token",
                        "jwks_uri": f"{op.issuer}/jwks",
                        "end_session_endpoint": f"{op.issuer}/session/end",
                    },
                )
            elif self.path == "/jwks":
                self._json(200, KeySet([op.key]).as_dict(private=False))
            else:
                self._json(404, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = parse_qs(self.rfile.read(length).decode())
            op.token_requests.append(form)
            verifier = form.get("code_verifier", [""])[0]
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not verifier or expected != op.challenge or op.id_token is None:
                self._json(400, {"error": "invalid_grant"})
                return
            self._json(
                200,
                {
                    "access_token": "access-token",
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": op.id_token(),
                },
            )

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield op
    finally:
        server.shutdown()
        server.server_close()
