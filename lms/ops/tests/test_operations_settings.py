"""Optional Sentry in production settings: never a crash, a deploy warning when the DSN is
set without the package, no personal data when on. And the metrics token's deploy check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lms.accounts.tests.test_settings import GOOD_ENV

ROOT = Path(__file__).resolve().parents[3]

DSN = "https://public-key@errors.example.invalid/1"

# Runs manage.py as if sentry-sdk were not installed (an import of it fails).
WITHOUT_SENTRY = (
    "import sys; sys.modules['sentry_sdk'] = None; "
    "from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', *sys.argv[1:]])"
)
SHOW_SENTRY = (
    "import django; django.setup(); import sentry_sdk; from django.conf import settings; "
    "print(settings.SENTRY_ENABLED, sentry_sdk.get_client().options['send_default_pii'])"
)


def manage(*args: str, env: dict[str, str], python: str | None = None):
    """``manage.py args`` (or the Python code ``python`` with args) with production's ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    command = (
        [sys.executable, "-c", python, *args] if python else [sys.executable, "manage.py", *args]
    )
    return subprocess.run(
        command, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_warns_of_a_dsn_without_sentry_sdk_and_refuses_a_short_token():
    """One process: production settings with SENTRY_DSN set while sentry-sdk cannot be
    imported start all the same; the deploy check names both problems."""
    env = {**GOOD_ENV, "SENTRY_DSN": DSN, "METRICS_TOKEN": "short"}
    result = manage("check", "--deploy", env=env, python=WITHOUT_SENTRY)
    output = result.stderr + result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode != 0  # the short token is an error
    assert "ops.W001" in output
    assert "SENTRY_DSN is set but sentry-sdk is not installed" in output
    assert "ops.E002" in output


def test_sentry_starts_with_the_dsn_and_sends_no_personal_data():
    result = manage(env={**GOOD_ENV, "SENTRY_DSN": DSN}, python=SHOW_SENTRY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]
