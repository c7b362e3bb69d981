"""The embedded default: SQLite, local media, tasks run at once, console e-mail."""

from .base import *  # noqa: F403
from .base import ENV, VAR_DIR, with_content_host

VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = ENV.bool("DJANGO_DEBUG", True)
# A fixed, public key for local development only; production refuses to start without its own.
SECRET_KEY = ENV.str("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
# The site at 127.0.0.1, its content origin at localhost (lms/content_origin.py).
ALLOWED_HOSTS = with_content_host(
    ENV.list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# /metrics for a scraper on this machine without a token (lms/ops/metrics.py).
LMS_METRICS_LOOPBACK = ENV.bool("LMS_METRICS_LOOPBACK", True)
