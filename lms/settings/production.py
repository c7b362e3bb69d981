"""Production: PostgreSQL, a task worker, a shared cache, object storage, HTTPS only.

Refuses to start without DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL.
"""

from .base import *  # noqa: F403
from .base import ENV, LOGGING, SENTRY_DSN, dj_database_url, with_content_host

DEBUG = False
SECRET_KEY = ENV.required(
    "DJANGO_SECRET_KEY", "a long random string used to sign sessions and tokens."
)
ALLOWED_HOSTS = ENV.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    ENV.required("DJANGO_ALLOWED_HOSTS", "the comma-separated host names the site answers to.")
ALLOWED_HOSTS = with_content_host(ALLOWED_HOSTS)  # LMS_CONTENT_ORIGIN's host
DATABASES = {
    "default": dj_database_url.parse(
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

# Shared cache (Redis) so that several app processes agree on throttles and caches.
if redis_url := ENV.str("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }

# Object storage for media and H5P content (S3-compatible, through django-storages).
if ENV.str("DJANGO_STORAGE") == "s3":
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": ENV.required("AWS_STORAGE_BUCKET_NAME", "the media bucket."),
                "endpoint_url": ENV.str("AWS_S3_ENDPOINT_URL") or None,
                "region_name": ENV.str("AWS_S3_REGION_NAME") or None,
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

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

# Background tasks go to a worker through the database queue unless told otherwise.
TASKS = {
    "default": {
        "BACKEND": ENV.str(
            "DJANGO_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

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
