"""Settings for the test suite (SQLite by default; DATABASE_URL selects PostgreSQL)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import ENV

SECRET_KEY = "test-only-key"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DATABASES = {
    "default": dj_database_url.parse(  # noqa: F405
        ENV.str("DATABASE_URL", "sqlite:///:memory:"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Production's backend and connection check (lms/db/postgresql, tests/test_database_*).
    DATABASES["default"].update(ENGINE="lms.db.postgresql", CONN_HEALTH_CHECKS=True)
MEDIA_ROOT = tempfile.mkdtemp(prefix="lms-test-media-")
LMS_CREDENTIAL_KEY_FILE = Path(tempfile.mkdtemp(prefix="lms-test-keys-")) / "credential-key.pem"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Argon2 stays on, as in production; factories reuse one pre-computed hash for speed.
# The second factor is off for the suite (it signs people in with force_login); the tests
# of lms/mfa turn it on, and tests/test_deploy.py checks that production keeps it.
LMS_MFA_REQUIRED = False
