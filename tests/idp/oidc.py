"""Start the real OpenID provider (npm oidc-provider, tests/idp/oidc_provider.mjs) on a
free loopback port for a test, and stop it after."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.ports import free_port

SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
PROJECT_MODULES = Path(__file__).resolve().parents[2] / "node_modules"


def _module_found() -> bool:
    roots = [PROJECT_MODULES]
    if os.environ.get("OIDC_PROVIDER_NODE_PATH"):
        roots.append(Path(os.environ["OIDC_PROVIDER_NODE_PATH"]))
    return any((root / "oidc-provider" / "package.json").exists() for root in roots)


@contextmanager
def oidc_provider(
    *, clients: list[dict[str, Any]], accounts: dict[str, dict[str, Any]], **extra: Any
) -> Iterator[str]:
    """Run the provider; yields the URL it listens at (http://127.0.0.1:<port>), which is
    its issuer unless ``issuer=`` names another (a proxy in front of it)."""
    node = shutil.which("node")
    if node is None or not _module_found():
        pytest.fail(
            "The OpenID provider needs node and the npm package oidc-provider (package.json "
            "devDependencies; or set OIDC_PROVIDER_NODE_PATH to a node_modules holding it)."
        )
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    config = {"issuer": issuer, "port": port, "clients": clients, "accounts": accounts, **extra}
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
            pytest.fail(f"the OpenID provider did not start: {line}{errors.read()}")
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors.close()
