"""Start the SAML IdP (npm samlp, tests/idp/saml_idp.mjs) on a free loopback port with a
fresh signing certificate, and stop it after."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.ports import free_port

SCRIPT = Path(__file__).with_name("saml_idp.mjs")
PROJECT_MODULES = Path(__file__).resolve().parents[2] / "node_modules"


@dataclass(frozen=True)
class RunningIdP:
    entity_id: str
    url: str
    metadata: str


def signing_pair(common_name: str = "Test IdP") -> tuple[str, str]:
    """A self-signed certificate and its key, PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM).decode(),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )


def _module_found() -> bool:
    roots = [PROJECT_MODULES]
    if os.environ.get("SAMLP_NODE_PATH"):
        roots.append(Path(os.environ["SAMLP_NODE_PATH"]))
    return any((root / "samlp" / "package.json").exists() for root in roots)


@contextmanager
def saml_idp(
    *,
    entity_id: str,
    service_providers: dict[str, str],
    accounts: dict[str, dict[str, Any]],
    clock_skew_seconds: int = 0,
    single_logout: dict[str, dict[str, str]] | None = None,
) -> Iterator[RunningIdP]:
    """``single_logout``: per SP entity id, its single logout service ``url`` and the
    ``cert`` (PEM) that signs its LogoutRequests and LogoutResponses."""
    node = shutil.which("node")
    if node is None or not _module_found():
        pytest.fail(
            "The SAML IdP needs node and the npm package samlp (package.json "
            "devDependencies; or set SAMLP_NODE_PATH to a node_modules holding it)."
        )
    cert, key = signing_pair()
    port = free_port()
    config = {
        "issuer": entity_id,
        "port": port,
        "cert": cert,
        "key": key,
        "service_providers": service_providers,
        "accounts": accounts,
        "clock_skew_seconds": clock_skew_seconds,
        "single_logout": single_logout or {},
    }
    errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in finally)
    process = subprocess.Popen(
        [node, str(SCRIPT), json.dumps(config)], stdout=subprocess.PIPE, stderr=errors, text=True
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if line.strip() != "ready":
            process.kill()
            process.wait(timeout=10)
            errors.seek(0)
            pytest.fail(f"the SAML IdP did not start: {line}{errors.read()}")
        url = f"http://127.0.0.1:{port}"
        metadata = requests.get(f"{url}/metadata", timeout=10).text
        yield RunningIdP(entity_id=entity_id, url=url, metadata=metadata)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors.close()
