"""Production settings: refusal without configuration, and a clean deploy check."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from certificates.credentials import IssuerKey
from lms.settings.base import database_from_url

ROOT = Path(__file__).resolve().parents[3]

GOOD_ENV = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "training.customs.example",
    "DATABASE_URL": "postgres://lms@db.internal:5432/lms",
    "LMS_CREDENTIAL_KEY": IssuerKey.generate().private_pem().decode(),
    "LMS_CONTENT_ORIGIN": "https://content.training.customs.example",
    "LMS_PUBLIC_URL": "https://training.customs.example",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "AWS_STORAGE_BUCKET_NAME": "lms-media",
    "AWS_S3_ENDPOINT_URL": "https://objects.internal",
}


def manage(*args, env):
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "LMS_"))
    }
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


def settings_of(env: dict[str, str], *names: str) -> dict:
    """These settings as a settings module computes them from ``env`` (no app is loaded)."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "LMS_"))
    }
    code = (
        "import json, sys; from django.conf import settings; "
        "print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def database_options(env: dict[str, str]) -> dict | None:
    return settings_of(env, "DATABASES")["DATABASES"]["default"].get("OPTIONS")


def test_sqlite_takes_the_write_lock_at_once_and_waits_its_turn(tmp_path):
    """The embedded default (make run): IMMEDIATE transactions, a busy timeout well above
    Python's 5 s, WAL for a database file (tests/test_sqlite_concurrency.py shows why)."""
    options = database_options(
        {
            "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "LMS_VAR_DIR": str(tmp_path),
        }
    )
    assert options == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    # An in-memory database has no journal to put in WAL mode.
    assert database_from_url("sqlite:///:memory:")["OPTIONS"] == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Options written in the URL win.
    assert database_from_url("sqlite:////srv/db.sqlite3?timeout=60")["OPTIONS"]["timeout"] == 60


def test_postgresql_gets_none_of_the_sqlite_options():
    options = database_options(GOOD_ENV)
    assert options == {"options": "-c jit=off"}
    assert "OPTIONS" not in database_from_url("postgres://lms@db.internal:5432/lms")


def test_the_public_address_is_the_one_source_of_absolute_links():
    """Wagtail's own links (its e-mails) use the same address as ours."""
    values = settings_of(GOOD_ENV, "LMS_PUBLIC_URL", "WAGTAILADMIN_BASE_URL")
    assert values == {
        "LMS_PUBLIC_URL": "https://training.customs.example",
        "WAGTAILADMIN_BASE_URL": "https://training.customs.example",
    }


def test_deploy_check_refuses_production_without_a_public_address():
    """Production has no default address (the check's other refusals, plain HTTP and
    local addresses, are tested in-process in tests/test_public_url.py)."""
    env = {k: v for k, v in GOOD_ENV.items() if k != "LMS_PUBLIC_URL"}
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "lms.E110" in result.stderr and "LMS_PUBLIC_URL is not set" in result.stderr
