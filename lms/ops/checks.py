"""Deploy checks of the operations settings."""

from __future__ import annotations

import importlib.util
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

MIN_METRICS_TOKEN_LENGTH = 32


@register(Tags.security, deploy=True)
def check_operations(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if settings.SENTRY_DSN and importlib.util.find_spec("sentry_sdk") is None:
        problems.append(
            Warning(
                "SENTRY_DSN is set but sentry-sdk is not installed: errors are not reported.",
                hint="Install the sentry extra (pip install -c requirements.lock "
                "'.[sentry]'), or unset SENTRY_DSN.",
                id="ops.W001",
            )
        )
    token = settings.LMS_METRICS_TOKEN
    if token and len(token) < MIN_METRICS_TOKEN_LENGTH:
        problems.append(
            Error(
                f"METRICS_TOKEN is shorter than {MIN_METRICS_TOKEN_LENGTH} characters.",
                hint="Use a long random value, e.g. python -c "
                "'import secrets; print(secrets.token_urlsafe(32))'.",
                id="ops.E002",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def check_task_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Production runs background work in a worker (manage.py db_worker), never inside the
    request (lms.E301), unless the operator declares the immediate backend acceptable."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend.rsplit(".", 1)[-1] != "ImmediateBackend" or settings.LMS_TASKS_IMMEDIATE_ACCEPTED:
        return []
    return [
        Error(
            "Background tasks run inside the web request (DJANGO_TASKS_BACKEND is the "
            "immediate backend): certificate PDFs, e-mails, imports and exports would "
            "slow or fail officers' requests and would never be retried.",
            hint="Unset DJANGO_TASKS_BACKEND (the database queue, "
            "django_tasks_db.DatabaseBackend, is the default) and run the worker: "
            "python manage.py db_worker. To keep tasks in the request on purpose, set "
            "LMS_TASKS_IMMEDIATE_ACCEPTED=true.",
            id="lms.E301",
        )
    ]
