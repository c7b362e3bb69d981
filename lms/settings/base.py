"""Settings shared by every environment. Deployment-specific values come from ``env``."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from .env import ENV, Env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(ENV.str("LMS_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = ENV.str("DJANGO_SECRET_KEY")
# Former secret keys, comma-separated, while a rotation settles: sessions and signed
# values they made stay valid, and identity providers' secrets stay readable (lms/sso).
SECRET_KEY_FALLBACKS = ENV.list("DJANGO_SECRET_KEY_FALLBACKS")
DEBUG = False
# The content origin (lms/content_origin.py): package content (H5P) and the players run in
# sandboxed frames served from this second host name of the same application, never on
# the officer's page origin. Required in production (deploy check); in development and
# tests it is derived from the request (site at 127.0.0.1:<port>, content at
# localhost:<port>). Its host is always an allowed host.
LMS_CONTENT_ORIGIN = ENV.str("LMS_CONTENT_ORIGIN", "").rstrip("/")


def with_content_host(hosts: list[str]) -> list[str]:
    """``hosts`` plus the content origin's host name, when LMS_CONTENT_ORIGIN is set."""
    host = urlsplit(LMS_CONTENT_ORIGIN).hostname if LMS_CONTENT_ORIGIN else None
    return [*hosts, host] if host and host not in hosts else list(hosts)


ALLOWED_HOSTS = with_content_host(ENV.list("DJANGO_ALLOWED_HOSTS"))
CSRF_TRUSTED_ORIGINS = ENV.list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The platform, lowest layer first.
    "lms.accounts",
    "lms.audit",
    # Single sign-on per administration (OIDC, SAML), above accounts and audit.
    "lms.sso",
    # A second factor (TOTP, passkeys, recovery codes) for privileged roles (issue 16).
    "lms.mfa",
    "lms.home",
    "courses",
    "courses.packages.scorm",
    "assessments",
    "certificates",
    "lms.tracking",
    "lms.api",
    "lms.scim",
    "lms.ops",
    # Wagtail.
    "wagtail.contrib.settings",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "lms.accounts.apps.LmsWagtailUsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    # Translations synced with their source page, PO files for outside translators
    # (courses/translations.py); its locales admin replaces wagtail.locales.
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail",
    "modelcluster",
    "taggit",
    # Third-party.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our own static files
    "django_tasks",
    # The database task queue and its worker (manage.py db_worker), production's default.
    "django_tasks_db",
    # Django.
    "lms.admin.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Wagtail's search backend uses PostgreSQL's full-text search when on PostgreSQL.
    "django.contrib.postgres",
]

MIDDLEWARE = [
    # A request id for the response and every log line (lms/ops/request_id.py).
    "lms.ops.request_id.RequestIdMiddleware",
    # The client address, user agent and request id of privileged actions (lms/audit).
    "lms.audit.context.AuditOriginMiddleware",
    # Request counts and latencies by route (lms/ops/metrics.py).
    "lms.ops.metrics.MetricsMiddleware",
    # /healthz, /readyz (and /metrics for its token) before the host check, the HTTPS
    # redirect, sessions and languages: load balancers probe instances by address.
    "lms.ops.probes.OperatorEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lms.middleware.ContentSecurityPolicyMiddleware",
    # Requests to the content origin (LMS_CONTENT_ORIGIN): content routes only, no cookies.
    "lms.content_origin.ContentOriginMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.accounts.middleware.UserLanguageMiddleware",
    "lms.accounts.middleware.UserTimeZoneMiddleware",
    # The API answers in UTC, whoever asks (session or token).
    "lms.api.middleware.ApiUtcMiddleware",
    "lms.accounts.middleware.PrivateResponsesMiddleware",
    # Before any view or form reads the body: size limits per address, hostile URLs.
    "lms.middleware.RequestLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Privileged roles (and officers who opted in) prove a second factor (lms/mfa).
    "lms.mfa.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lms.home.context_processors.site",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.accounts.context_processors.navigation",
            ],
        },
    },
]

# Databases: DATABASE_URL (postgres://..., sqlite:///...). The embedded default is SQLite.
SQLITE_ENGINE = "django.db.backends.sqlite3"
# SQLite under a classroom's concurrent writes (xAPI statements, exam autosaves): every
# transaction takes the write lock when it begins (IMMEDIATE), so two requests never both
# read and then try to upgrade to writing, a deadlock SQLite breaks by answering "database
# is locked" at once whatever the timeout; a writer waits its turn up to
# DATABASE_SQLITE_TIMEOUT seconds; a database file is in WAL mode, where readers never
# block the writer nor it them, and syncs at checkpoints only (synchronous=NORMAL: safe in
# WAL mode; a power cut may lose the last commits, never corrupt the file). An in-memory
# database has no journal to change. bench/sqlite_concurrency.py measures it.
SQLITE_TIMEOUT_SECONDS = ENV.int("DATABASE_SQLITE_TIMEOUT", 20)


def object_storage_from_env(env: Env) -> dict[str, Any] | None:
    """The default storage on S3-compatible object storage (lms/storage.py) when
    AWS_STORAGE_BUCKET_NAME names a bucket, else None (the local media folder). The keys
    may be left unset where the machine's own credentials (an instance role) serve."""
    bucket = env.str("AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        return None
    return {
        "BACKEND": "lms.storage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env.str("AWS_S3_REGION_NAME") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY") or None,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
            # Private objects: no ACL of their own (the bucket's policy rules), signed
            # addresses only, never a file replaced under a name someone was given.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("LMS_SIGNED_URL_SECONDS", 300),
            "file_overwrite": False,
        },
    }


def sqlite_is_in_memory(name: str) -> bool:
    return not name or name == ":memory:" or "mode=memory" in name


def database_from_url(url: str, **options: Any) -> dict[str, Any]:
    """The ``DATABASES`` entry of ``url`` (``dj_database_url.parse`` with ``options``), with
    the concurrency options above when it is SQLite. PostgreSQL's entry is left as parsed
    but for its engine (:mod:`lms.db.postgresql`); options given in the URL's query string
    win."""
    config: dict[str, Any] = dict(dj_database_url.parse(url, **options))
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a health check that costs no round trip (lms/db/postgresql).
        config["ENGINE"] = "lms.db.postgresql"
    if config["ENGINE"] != SQLITE_ENGINE:
        return config
    sqlite = config.setdefault("OPTIONS", {})
    sqlite.setdefault("transaction_mode", "IMMEDIATE")
    sqlite.setdefault("timeout", SQLITE_TIMEOUT_SECONDS)
    if not sqlite_is_in_memory(str(config.get("NAME") or "")):
        sqlite.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
    return config


DATABASES = {
    "default": database_from_url(
        ENV.str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=ENV.int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # An address that failed too often, whatever the accounts (lms/accounts/lockout.py).
    "lms.accounts.lockout.AddressBudgetBackend",
    # django-axes next: it refuses locked-out credentials before any other backend.
    "axes.backends.AxesStandaloneBackend",
    # Local passwords switched off for an administration (lms/sso/backends.py).
    "lms.sso.backends.LocalPasswordPolicyBackend",
    "lms.accounts.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"

# Sessions: rotated at login by django.contrib.auth.login(); a deactivated user's
# session is refused at the next request by ModelBackend.get_user().
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A form sent without a valid CSRF token: the site's page, translated (lms/errors.py).
CSRF_FAILURE_VIEW = "lms.errors.csrf_failure"

# Failed-login lockout (django-axes), shared by the site and the Wagtail admin.
AXES_FAILURE_LIMIT = ENV.int("LMS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = ENV.int("LMS_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
# Never locked per IP address alone: officers of a whole port or office often share one
# public address behind NAT, and an IP lock would shut all of them out for one person's
# typos. Failures count per account and address; the account alone is locked only for
# sign-ins from addresses it has not signed in from in LMS_LOGIN_KNOWN_ADDRESS_DAYS, so
# nobody elsewhere can lock a person (a platform admin included) out of the places they
# sign in from. See lms/accounts/lockout.py.
AXES_LOCKOUT_PARAMETERS = "lms.accounts.lockout.lockout_parameters"
AXES_CLIENT_IP_CALLABLE = "lms.accounts.lockout.client_ip"
LMS_LOGIN_KNOWN_ADDRESS_DAYS = ENV.int("LMS_LOGIN_KNOWN_ADDRESS_DAYS", 90)
AXES_DISABLE_ACCESS_LOG = False  # successful sign-ins: where the known addresses come from
AXES_USERNAME_CALLABLE = "lms.accounts.lockout.normalised_username"
AXES_LOCKOUT_CALLABLE = "lms.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False

# Second factor (lms/mfa): required of training managers, administration managers,
# regional coordinators, platform admins, staff and superusers on the site and in the
# admins (officers may opt in). Off only in the test settings; the deploy check refuses it
# off (mfa.E001).
LMS_MFA_REQUIRED = ENV.bool("LMS_MFA_REQUIRED", True)
# Wrong codes (TOTP or recovery) per account before code entry is locked, and how long.
LMS_MFA_FAILURE_RATE = ENV.rate("LMS_MFA_FAILURE_RATE", "5/15m")
LMS_MFA_LOCKOUT_SECONDS = ENV.int("LMS_MFA_LOCKOUT_MINUTES", 15) * 60
# A privileged person's FIRST factor: with LMS_MFA_ENROLMENT_WINDOW on, it may be enrolled
# only within an enrolment window a platform admin opened for them (lms/mfa/services.py:
# the password alone does not let someone else claim the account's second factor); the
# window lasts this many hours unless the admin says otherwise, and serves once.
LMS_MFA_ENROLMENT_WINDOW = ENV.bool("LMS_MFA_ENROLMENT_WINDOW", False)
LMS_MFA_ENROLMENT_WINDOW_HOURS = ENV.int("LMS_MFA_ENROLMENT_WINDOW_HOURS", 24)
# Removing a factor needs a proof this recent.
LMS_MFA_FRESH_SECONDS = ENV.int("LMS_MFA_FRESH_SECONDS", 10 * 60)
# Passkeys: the relying party id (a host name) and the origins the browser may sign for;
# empty: LMS_PUBLIC_URL's host name and origin (lms/mfa/passkeys.py).
LMS_MFA_RP_ID = ENV.str("LMS_MFA_RP_ID")
LMS_MFA_ALLOWED_ORIGINS = ENV.list("LMS_MFA_ALLOWED_ORIGINS")
# TOTP apps show this name beside the account; the account budget above replaces
# django-otp's per-device delays (one count whatever device is tried).
OTP_TOTP_ISSUER = "Customs Integrity & Enforcement Academy"
OTP_TOTP_THROTTLE_FACTOR = 0
# django-otp's pages in the Django admin never show a person's TOTP key or its QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Abuse limits: per client address, per e-mail address, per request body.
# Database sessions whose keys must look like Django's own (a NUL in the cookie would be
# a PostgreSQL error on every page).
SESSION_ENGINE = "lms.accounts.sessions"
# How many proxies stand in front of the app: the client address is then read from
# X-Forwarded-For (unset: REMOTE_ADDR only, which nobody can forge). lms/accounts/throttles.py
LMS_NUM_PROXIES = ENV.int("DJANGO_NUM_PROXIES", 0)
# Password reset requests (site and Wagtail admin): per e-mail address and per client.
LMS_PASSWORD_RESET_ADDRESS_RATE = ENV.rate("LMS_PASSWORD_RESET_ADDRESS_RATE", "3/hour")
LMS_PASSWORD_RESET_CLIENT_RATE = ENV.rate("LMS_PASSWORD_RESET_CLIENT_RATE", "20/hour")
# Failed sign-ins per client address, whatever the accounts (password spraying).
LMS_LOGIN_ADDRESS_FAILURE_RATE = ENV.rate("LMS_LOGIN_ADDRESS_FAILURE_RATE", "60/15m")
# API requests with an invalid, expired or revoked token, per client address.
LMS_API_AUTH_FAILURE_RATE = ENV.rate("LMS_API_AUTH_FAILURE_RATE", "20/min")
# Request bodies: refused with 413 before they are read (lms/middleware.py) when larger
# than the limit of their address; Django's own limits are the second line. The proxy in
# front (nginx: client_max_body_size) should allow the largest of these and no more.
LMS_REQUEST_MAX_BYTES = ENV.int("LMS_REQUEST_MAX_BYTES", 1024 * 1024)
LMS_ADMIN_REQUEST_MAX_BYTES = ENV.int("LMS_ADMIN_REQUEST_MAX_BYTES", 10 * 1024 * 1024)
LMS_API_REQUEST_MAX_BYTES = ENV.int("LMS_API_REQUEST_MAX_BYTES", 1024 * 1024)
LMS_DOCUMENT_MAX_BYTES = ENV.int("LMS_DOCUMENT_MAX_BYTES", 200 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = ENV.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = ENV.int("DJANGO_FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Wagtail's page editor posts several fields per StreamField block (as Wagtail's project
# template, 10,000 rather than Django's 1,000).
DATA_UPLOAD_MAX_NUMBER_FIELDS = ENV.int("DJANGO_DATA_UPLOAD_MAX_NUMBER_FIELDS", 10_000)

# Languages: every catalogue is complete (tests/test_translations.py). Portuguese is
# Brazilian ("pt-br"), so that Django's and Wagtail's own strings come from their
# Brazilian catalogues, not the European ones.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("fr", "Français"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "lms_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# "Translate this page" (wagtail-localize) makes drafts, whatever the source's state: a
# translation is published by whoever may publish it (authors: through the review workflow).
WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE = False
WAGTAIL_SITE_NAME = "Customs Integrity & Enforcement Academy"
# The site's public address, the origin officers open (https://training.customs.example):
# the one source of every absolute link, in certificates, QR codes, Open Badges
# credentials, e-mails and calendar feeds (lms/public_url.py), and of Wagtail's own.
# Required in production (deploy check); the embedded default is make run's address.
LMS_PUBLIC_URL = ENV.str("LMS_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = LMS_PUBLIC_URL
WAGTAILADMIN_LOGIN_URL = "wagtailadmin_login"
WAGTAIL_PASSWORD_RESET_ENABLED = True
# One time zone per person, chosen on the site's profile (blank: the administration's);
# Wagtail's own account preference is hidden and the admin follows ours
# (lms.accounts.middleware.UserTimeZoneMiddleware).
WAGTAIL_USER_TIME_ZONES: list[str] = []
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# No third-party avatars: nothing leaves this origin (and the CSP would block it).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Documents are served by Wagtail's view (never by a redirect to the storage), which asks
# courses/wagtail_hooks.py who may read them: signed-in people of their administration.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = [
    *("pdf", "docx", "xlsx", "pptx", "odt", "ods", "txt", "csv"),
    *("mp4", "webm", "vtt"),  # lesson videos and their captions
]

# Static files: compressed and fingerprinted by whitenoise, cached for a year.
STATIC_URL = "/static/"
STATIC_ROOT = Path(ENV.str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # The H5P player, installed from npm (make setup), served as static files.
    ("h5p-standalone", BASE_DIR / "node_modules" / "h5p-standalone" / "dist"),
    # The SCORM run-time API (npm scorm-again): served to the SCORM player's frame only.
    ("scorm-again", BASE_DIR / "node_modules" / "scorm-again" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(ENV.str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365
# How long a signed address of a private stored object works (lms/storage.py).
LMS_SIGNED_URL_SECONDS = ENV.int("LMS_SIGNED_URL_SECONDS", 300)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Background tasks (django-tasks): run immediately in the embedded default, so that
# `make run` needs no worker; DJANGO_TASKS_BACKEND=django_tasks_db.DatabaseBackend queues
# them in the database for `manage.py db_worker` (production's default, production.py).
IMMEDIATE_TASKS_BACKEND = "django_tasks.backends.immediate.ImmediateBackend"
TASKS = {"default": {"BACKEND": ENV.str("DJANGO_TASKS_BACKEND", IMMEDIATE_TASKS_BACKEND)}}
# Production refuses the immediate backend (tasks inside the request) unless declared
# acceptable here (deploy check lms.E301, lms/tasks_retry.py).
LMS_TASKS_IMMEDIATE_ACCEPTED = ENV.bool("LMS_TASKS_IMMEDIATE_ACCEPTED", False)
# Exports (XLSX) of an administration with more officers than this are built by a task and
# mailed to the requester as a link; smaller ones stream at once.
LMS_EXPORT_MAILED_ABOVE_OFFICERS = ENV.int("LMS_EXPORT_MAILED_ABOVE_OFFICERS", 2000)
# How long a mailed export can be downloaded (days); run_daily_jobs deletes older ones.
LMS_EXPORT_KEEP_DAYS = ENV.int("LMS_EXPORT_KEEP_DAYS", 7)
# Days an audit record is kept (lms/audit/retention.py); older ones are pruned daily.
LMS_AUDIT_RETENTION_DAYS = ENV.int("LMS_AUDIT_RETENTION_DAYS", 3650)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# E-mail: printed to the console in the embedded default; production.py configures SMTP.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = ENV.str("DJANGO_DEFAULT_FROM_EMAIL", "training@customs-lms.invalid")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers that hold everywhere; production.py adds HTTPS-only settings.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "media-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}
# SCORM packages (courses/packages/scorm): limits of one upload (the zip, its entries,
# the unpacked total, the compression ratio of any member over 1 MiB).
LMS_SCORM_MAX_PACKAGE_BYTES = ENV.int("LMS_SCORM_MAX_PACKAGE_BYTES", 200 * 1024 * 1024)
LMS_SCORM_MAX_FILES = ENV.int("LMS_SCORM_MAX_FILES", 10_000)
LMS_SCORM_MAX_UNPACKED_BYTES = ENV.int("LMS_SCORM_MAX_UNPACKED_BYTES", 500 * 1024 * 1024)
LMS_SCORM_MAX_COMPRESSION_RATIO = ENV.int("LMS_SCORM_MAX_COMPRESSION_RATIO", 100)
# The H5P core API version the player (h5p-standalone) implements: a library that needs a
# newer core is refused on upload, as H5P core refuses it (courses/packages/h5p/policy.py).
LMS_H5P_CORE_API = ENV.str("LMS_H5P_CORE_API", "1.27")
# The content origin's routes (LMS_CONTENT_ORIGIN, read above): nothing else answers there.
LMS_CONTENT_URLCONF = "lms.content_urls"
# Static files the content origin serves (under STATIC_URL): the players' own.
LMS_CONTENT_STATIC_PREFIXES = (
    "h5p-standalone/",
    "js/h5p-frame.",
    "js/h5p-inner.",
    "scorm-again/",
    "js/scorm-frame.",
)
# Content URLs carry a signed token (the officer, the activity, the embedding page): valid
# this long, and the same URL within one bucket so that the browser cache serves reloads.
LMS_CONTENT_TOKEN_MAX_AGE = ENV.int("LMS_CONTENT_TOKEN_MAX_AGE", 4 * 60 * 60)
LMS_CONTENT_TOKEN_BUCKET = 10 * 60
# How long the lesson page waits for an activity to show before it says it cannot.
LMS_H5P_READY_TIMEOUT_SECONDS = ENV.int("LMS_H5P_READY_TIMEOUT_SECONDS", 60)
# The Wagtail admin (under /cms/) runs inline scripts and styles in its page editor, loads
# images and media from blobs while editing, and frames its own previews, so it gets a
# policy of its own: still nothing from any other origin.
LMS_ADMIN_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "media-src": [CSP.SELF, "blob:"],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}
LMS_ADMIN_PATH_PREFIXES = ("/cms/", "/django-admin/")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lms.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["lms.api.parsers.ApiJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "lms.api.pagination.ApiPagination",
    "EXCEPTION_HANDLER": "lms.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # Public certificate verification (page and API), per client address.
        "verify": ENV.str("LMS_VERIFY_RATE", "60/min"),
        # The administration API, per token (or per signed-in person).
        "api": ENV.str("LMS_API_RATE", "1000/hour"),
    },
    # How many proxies stand in front of the app: the client address is then read from
    # X-Forwarded-For (unset: REMOTE_ADDR only, which nobody can forge).
    "NUM_PROXIES": ENV.int("DJANGO_NUM_PROXIES", 0) or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Customs training platform API",
    "DESCRIPTION": (
        "The administration API. Authenticate with an API token that an administration "
        "manager creates on the API tokens page (`/administrations/{code}/api-tokens/`): send "
        "`Authorization: Bearer lms_...`. A token acts for its own administration only; "
        "a *read* token may only read (GET), a *read and write* token may also create and "
        "change officers and assignments. A signed-in manager's browser session works too "
        "(writes then need the CSRF token). Lists are paginated (`page`, `page_size` up to "
        '200) and every error is JSON: `{"detail": "..."}` or a message per field. '
        "Every date-time is ISO 8601 in UTC, written with `Z` (`2026-03-12T04:30:00Z`), "
        "whoever asks and whatever time zone they chose: convert to local time yourself. "
        "Dates without a time (`due_on`) are calendar days; a due date ends at the end of "
        "that day in the officer's time zone."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its documentation page are public: they describe the API, no data.
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI from drf-spectacular-sidecar's static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No syntax colours in the examples: several of the themes' colours fail WCAG AA
    # contrast on their dark background (plain text on it passes).
    "SWAGGER_UI_SETTINGS": {
        "persistAuthorization": False,
        "validatorUrl": None,
        "syntaxHighlight": {"activated": False},
    },
    # Only the platform's own API is documented, not the Wagtail admin's internal one.
    "PREPROCESSING_HOOKS": ["lms.api.schema.only_platform_api"],
    "COMPONENT_SPLIT_REQUEST": True,
}

LMS_PLATFORM_NAME = _("Customs Integrity & Enforcement Academy")
# The Ed25519 key that signs Open Badges credentials and status lists: PEM text from the
# environment, else this file (generated on first use, never committed: var/ is ignored).
LMS_CREDENTIAL_KEY = ENV.str("LMS_CREDENTIAL_KEY", "")
LMS_CREDENTIAL_KEY_FILE = Path(
    ENV.str("LMS_CREDENTIAL_KEY_FILE", str(VAR_DIR / "credential-key.pem"))
)
# SAML single logout (lms/sso/saml.py): the platform's SP signing certificate and its RSA
# key, PEM text. Both set: LogoutRequests and LogoutResponses are signed and the SP
# metadata publishes the single logout service; unset: a SAML sign-out stays local.
LMS_SAML_SP_CERT = ENV.str("LMS_SAML_SP_CERT", "")
LMS_SAML_SP_KEY = ENV.str("LMS_SAML_SP_KEY", "")
# Officer imports: the largest file and number of officers accepted, and the size above
# which applying runs as a background task.
LMS_IMPORT_MAX_BYTES = ENV.int("LMS_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
LMS_IMPORT_MAX_ROWS = ENV.int("LMS_IMPORT_MAX_ROWS", 50_000)
LMS_IMPORT_TASK_ROWS = ENV.int("LMS_IMPORT_TASK_ROWS", 2_000)
# Question-bank imports: the largest file accepted, and the size above which the import
# runs as a background task (the author watches its progress).
LMS_QUESTION_IMPORT_MAX_BYTES = ENV.int("LMS_QUESTION_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
LMS_QUESTION_IMPORT_INLINE_BYTES = ENV.int("LMS_QUESTION_IMPORT_INLINE_BYTES", 512 * 1024)
# Files attached to an essay answer: the largest accepted (each; at most three an answer).
LMS_ESSAY_FILE_MAX_BYTES = ENV.int("LMS_ESSAY_FILE_MAX_BYTES", 10 * 1024 * 1024)
# The regional view shows no coverage of an administration with fewer officers than this
# (it would reveal who is certified).
LMS_REGIONAL_MIN_GROUP = ENV.int("LMS_REGIONAL_MIN_GROUP", 5)
# Officers are reminded of an assignment this many days before its due date.
LMS_ASSIGNMENT_REMINDER_DAYS = ENV.int("LMS_ASSIGNMENT_REMINDER_DAYS", 7)

# Logs: one line per record on standard error, each with the id of its request
# (lms/ops/request_id.py; "-" outside requests). DJANGO_LOG_FORMAT: "text" (the default
# here) or "json" (production's default: one JSON object per line, python-json-logger).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "lms.ops.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": ENV.str("DJANGO_LOG_FORMAT", "text"),
        }
    },
    "root": {"handlers": ["console"], "level": ENV.str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}

# Operations (lms/ops/): the readiness probe fails when the oldest task ready to run has
# waited longer than this; /metrics answers a bearer token (METRICS_TOKEN), or, without
# one, loopback clients where LMS_METRICS_LOOPBACK is on (development only).
LMS_TASK_QUEUE_MAX_LAG_SECONDS = ENV.int("LMS_TASK_QUEUE_MAX_LAG_SECONDS", 300)
LMS_METRICS_TOKEN = ENV.str("METRICS_TOKEN")
LMS_METRICS_LOOPBACK = ENV.bool("LMS_METRICS_LOOPBACK", False)
# Several worker processes: the folder where prometheus-client keeps each one's metrics
# (it reads the variable itself, at import; set it before the app starts).
PROMETHEUS_MULTIPROC_DIR = ENV.str("PROMETHEUS_MULTIPROC_DIR")
# Error reports to Sentry (production.py): on when SENTRY_DSN is set and sentry-sdk is
# installed (the "sentry" extra).
SENTRY_DSN = ENV.str("SENTRY_DSN")
SENTRY_ENABLED = False

# Forwarding H5P's xAPI statements to an external learning record store
# (courses/packages/h5p/lrs.py): off while LMS_LRS_ENDPOINT (the LRS's xAPI base address,
# such as https://lrs.example.org/xAPI/) is empty.
LMS_LRS_ENDPOINT = ENV.str("LMS_LRS_ENDPOINT")
LMS_LRS_KEY = ENV.str("LMS_LRS_KEY")
LMS_LRS_SECRET = ENV.str("LMS_LRS_SECRET")
LMS_LRS_BATCH_SIZE = ENV.int("LMS_LRS_BATCH_SIZE", 50)
LMS_LRS_TIMEOUT = ENV.int("LMS_LRS_TIMEOUT", 10)
