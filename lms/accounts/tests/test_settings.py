"""Production settings: refusal without configuration, and a clean deploy check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from certificates.credentials import IssuerKey

ROOT = Path(__file__).resolve().parents[3]

GOOD_ENV = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "training.customs.example",
    "DATABASE_URL": "postgres://lms@db.internal:5432/lms",
    "LMS_CREDENTIAL_KEY": IssuerKey.generate().private_pem().decode(),
    "LMS_CONTENT_ORIGIN": "https://content.training.customs.example",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


def manage(*args, env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_and_names_the_missing_variable(missing):
    env = {k: v for k, v in GOOD_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"The environment variable {missing} is not set" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=GOOD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_bad_boolean_is_refused_with_its_name():
    result = manage("check", env={**GOOD_ENV, "DJANGO_SECURE_SSL_REDIRECT": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_SECURE_SSL_REDIRECT must be true or false" in result.stderr


def test_environment_is_read_only_in_the_env_module():
    offenders = []
    for path in (ROOT / "lms" / "settings").glob("*.py"):
        if path.name != "env.py" and "os.environ" in path.read_text():
            offenders.append(path.name)
    assert offenders == []


def test_argon2_is_the_first_hasher():
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.slow
def test_deploy_check_asks_for_one_credential_key_for_all_servers():
    env = {k: v for k, v in GOOD_ENV.items() if k != "LMS_CREDENTIAL_KEY"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0 and "certificates.W001" in result.stderr
    broken = {**GOOD_ENV, "LMS_CREDENTIAL_KEY": "-----BEGIN PRIVATE KEY-----\nnope\n"}
    result = manage("check", "--deploy", env=broken)
    assert result.returncode != 0 and "certificates.E001" in result.stderr
