"""Production: PostgreSQL, a task worker, a shared cache, object storage, HTTPS only.

Refuses to start without DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL.
"""

from .base import *  # noqa: F403
from .base import (
    ENV,
    LOGGING,
    SENTRY_DSN,
    STORAGES,
    database_from_url,
    object_storage_from_env,
    with_content_host,
)

DEBUG = False
SECRET_KEY = ENV.required(
    "DJANGO_SECRET_KEY", "a long random string used to sign sessions and tokens."
)
ALLOWED_HOSTS = ENV.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    ENV.required("DJANGO_ALLOWED_HOSTS", "the comma-separated host names the site answers to.")
ALLOWED_HOSTS = with_content_host(ALLOWED_HOSTS)  # LMS_CONTENT_ORIGIN's host
# The public address: no default here (the deploy check refuses an unset, local or plain
# HTTP one, lms/public_url.py).
LMS_PUBLIC_URL = ENV.str("LMS_PUBLIC_URL").rstrip("/")
WAGTAILADMIN_BASE_URL = LMS_PUBLIC_URL
DATABASES = {
    "default": database_from_url(
        ENV.required("DATABASE_URL", "for example postgres://user:password@host:5432/lms."),
        conn_max_age=ENV.int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiles the compliance matrix's EXISTS subqueries on every request
    # (1.2 s of a 1.7 s query at 50,000 officers) and never earns it back on these short
    # queries: bench/tracking.py measured the filtered matrix at 3.4 s with JIT, 0.95 s
    # without. DATABASE_PG_OPTIONS replaces this default.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = ENV.str(
        "DATABASE_PG_OPTIONS", "-c jit=off"
    )

# HTTPS only (the probes are answered before the redirect, lms/ops/probes.py; listed here
# too so that a reordered MIDDLEWARE still lets load balancers probe over HTTP).
SECURE_SSL_REDIRECT = ENV.bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = ENV.int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = ENV.bool("DJANGO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-lms_session"
CSRF_COOKIE_NAME = "__Host-lms_csrftoken"

# Shared cache (Redis) so that several app processes agree on throttles, lockouts and
# cached site settings. An outage degrades instead of failing pages, and throttles count in
# the database meanwhile (lms/cache.py). Without REDIS_URL the cache is per process, which
# the deploy check refuses (lms.E201) unless WEB_CONCURRENCY=1 declares a single process.
LMS_APP_PROCESSES = ENV.int("WEB_CONCURRENCY", 0)  # 0: not declared
if redis_url := ENV.str("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "lms.cache.FailSafeRedisCache",
            "LOCATION": redis_url,
            "OPTIONS": {
                "socket_connect_timeout": ENV.int("REDIS_CONNECT_TIMEOUT_MS", 250) / 1000,
                "socket_timeout": ENV.int("REDIS_TIMEOUT_MS", 500) / 1000,
                "pause_after_error": ENV.int("REDIS_PAUSE_AFTER_ERROR_MS", 1000) / 1000,
            },
        }
    }

# Object storage (S3-compatible, lms/storage.py) when AWS_STORAGE_BUCKET_NAME is set: media,
# H5P and SCORM content, certificate PDFs, exports. Without it files stay in MEDIA_ROOT,
# which the deploy check refuses (lms.E203) unless WEB_CONCURRENCY=1 declares one process
# or LMS_SINGLE_MACHINE=true declares that every process runs on this one machine (its disk
# is then shared by all of them: the systemd install of one machine, or compose).
LMS_SINGLE_MACHINE = ENV.bool("LMS_SINGLE_MACHINE", False)
if ENV.str("DJANGO_STORAGE") == "s3":
    ENV.required("AWS_STORAGE_BUCKET_NAME", "the bucket of the object storage.")
if object_storage := object_storage_from_env(ENV):
    STORAGES = {**STORAGES, "default": object_storage}

# E-mail through SMTP.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": ENV.str("DJANGO_EMAIL_HOST", "localhost"),
            "port": ENV.int("DJANGO_EMAIL_PORT", 587),
            "username": ENV.str("DJANGO_EMAIL_HOST_USER"),
            "password": ENV.str("DJANGO_EMAIL_HOST_PASSWORD"),
            "use_tls": ENV.bool("DJANGO_EMAIL_USE_TLS", True),
        },
    }
}

# Background tasks go to a worker (manage.py db_worker) through the database queue unless
# told otherwise; the immediate backend is refused by the deploy check (lms.E301) unless
# LMS_TASKS_IMMEDIATE_ACCEPTED=true.
TASKS = {"default": {"BACKEND": ENV.str("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Logs: one JSON object per line, with the request id (DJANGO_LOG_FORMAT=text for lines).
LOGGING["handlers"]["console"]["formatter"] = ENV.str("DJANGO_LOG_FORMAT", "json")

# Errors to Sentry when SENTRY_DSN is set and sentry-sdk is installed (lms/ops/sentry.py);
# without the package the site starts and the deploy check warns (ops.W001).
if SENTRY_DSN:
    from lms.ops.sentry import init_sentry

    SENTRY_ENABLED = init_sentry(
        SENTRY_DSN,
        environment=ENV.str("SENTRY_ENVIRONMENT", "production"),
        release=ENV.str("SENTRY_RELEASE"),
        traces_sample_rate=float(ENV.str("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
