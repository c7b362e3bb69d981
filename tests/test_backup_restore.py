"""Backup and restore (issue 15, point 7), as the README's runbook does them: deploy/backup.sh
on the live database and media folder, deploy/restore.sh into a fresh database and media
folder, then a real app process (gunicorn, production settings) serving the restored copy,
checked as an outside verifier would: the verification page, the badge issued before the
backup against the published keys (joserfc, an independent JOSE library), the revocation
in the published status list, and the certificate's PDF downloaded by its holder."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from joserfc import jwt
from joserfc.jwk import KeySet

from certificates import credentials, issuer, services
from certificates.tests.fixtures import issue
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory
from tests.topology import (
    DEPLOY,
    ROOT,
    VENV,
    app_process,
    production_environment,
    request,
    static_manifest,
)
from tests.topology import database_url as topology_database_url

pytestmark = [
    # RFC 9864 deprecates the alg name "EdDSA" for "Ed25519"; OB 3.0 issuers still use it.
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
]
HTTPS = {"X-Forwarded-Proto": "https"}  # as nginx sends it (deploy/nginx/lms.conf)


def database_url(name: str) -> str:
    return topology_database_url(connection.settings_dict, name)


def run(script: str, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(DEPLOY / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def cookies_of(headers: dict[str, str]) -> dict[str, str]:
    jar = SimpleCookie()
    for line in headers.get("set-cookie", "").split("\n"):
        if line:
            jar.load(line)
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def sign_in(port: int, username: str, password: str) -> dict[str, str]:
    """The holder signs in on the restored site: the session's cookies."""
    status, headers, body = request(port, "GET", "/accounts/login/", headers=HTTPS)
    assert status == 200
    cookies = cookies_of(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, headers, body = request(
        port,
        "POST",
        "/accounts/login/",
        headers={
            **HTTPS,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(cookies),
            "Referer": "https://127.0.0.1/accounts/login/",
            "Origin": "https://127.0.0.1",
        },
        body=form.encode(),
    )
    assert status == 302, body[:2000]
    return {**cookies, **cookies_of(headers)}


@pytest.fixture
def fresh_database() -> str:
    """An empty database next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="pg_dump and pg_restore back up PostgreSQL, production's database (the CI leg runs it)",
)
def test_a_restored_backup_keeps_certificates_verifiable_and_revoked_ones_revoked(
    earned, per_unit, per_manager, password, fresh_database, tmp_path
):
    # Before the backup: a certificate earned (its PDF rendered), another one revoked, and
    # the badge of each as its holder downloaded it.
    valid = earned.certificate
    valid.refresh_from_db()
    other = UserFactory(
        username="officer.per.two",
        administration=per_unit.administration,
        unit=per_unit,
        roles={Role.OFFICER},
    )
    revoked = issue(other, earned.programme)
    services.certificate_revoke(actor=per_manager, certificate=revoked, reason="Fraud found.")
    assert valid.pdf.name, "the certificate's PDF was not rendered"
    pdf_bytes = Path(settings.MEDIA_ROOT, valid.pdf.name).read_bytes()
    badges = {certificate.pk: issuer.signed_badge(certificate) for certificate in (valid, revoked)}
    key_pem = issuer.issuer_key().private_pem().decode()

    # The runbook's steps: back up, then restore into a fresh database and media folder.
    backup = tmp_path / "backup"
    run(
        "backup.sh",
        str(backup),
        env=production_environment(
            tmp_path,
            DATABASE_URL=database_url(connection.settings_dict["NAME"]),
            DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        ),
    )
    assert sorted(path.name for path in backup.iterdir()) == [
        "SHA256SUMS",
        "database.dump",
        "media.tar.gz",
    ]
    restored_media = tmp_path / "restored-media"
    env = production_environment(
        tmp_path,
        DATABASE_URL=database_url(fresh_database),
        DJANGO_MEDIA_ROOT=str(restored_media),
        LMS_CREDENTIAL_KEY=key_pem,  # kept apart from the backup, as the runbook says
        LMS_PUBLIC_URL=settings.LMS_PUBLIC_URL,  # the address the badges name
        PYTHON=str(VENV / "bin" / "python"),
    )
    run("restore.sh", str(backup), env=env)
    static_manifest(Path(env["DJANGO_STATIC_ROOT"]))
    # Restoring again over the restored copy is refused: it never writes over data.
    again = subprocess.run(
        [str(DEPLOY / "restore.sh"), str(backup)], env=env, capture_output=True, text=True
    )
    assert again.returncode == 1 and "restore into a new, empty one" in again.stderr

    # The restored copy, served by a real app process.
    with app_process(tmp_path, env) as port:

        def get(path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
            return request(port, "GET", path, headers={**HTTPS, **headers})

        # The public verification page.
        for certificate, shown in ((valid, "valid"), (revoked, "revoked")):
            status, _, body = get(urlsplit(services.verify_url(certificate)).path)
            assert status == 200
            assert f'data-verification="{shown}"'.encode() in body

        # The badges downloaded before the backup verify against the keys published now,
        # and the status list published now says which one is revoked.
        status, _, body = get("/credentials/jwks.json")
        assert status == 200
        keys = KeySet.import_key_set(json.loads(body))
        for certificate, is_revoked in ((valid, False), (revoked, True)):
            claims = jwt.decode(badges[certificate.pk], keys, algorithms=["EdDSA"]).claims
            assert claims["jti"] == f"urn:uuid:{certificate.uuid}"
            entry = claims["credentialStatus"]
            status, headers, body = get(urlsplit(entry["statusListCredential"]).path)
            assert status == 200 and headers["content-type"] == "application/vc+jwt"
            status_list = jwt.decode(body.decode(), keys, algorithms=["EdDSA"]).claims
            assert status_list["id"] == entry["statusListCredential"]
            bits = status_list["credentialSubject"]["encodedList"]
            assert credentials.bit_is_set(bits, int(entry["statusListIndex"])) is is_revoked

        # The PDF: in the restored media folder, and downloaded by its holder.
        assert (restored_media / valid.pdf.name).read_bytes() == pdf_bytes
        session = sign_in(port, earned.officer.username, password)
        status, headers, body = get(f"/certificates/{valid.pk}/pdf/", Cookie=cookie_header(session))
        assert status == 200 and headers["content-type"] == "application/pdf"
        assert hashlib.sha256(body).digest() == hashlib.sha256(pdf_bytes).digest()
