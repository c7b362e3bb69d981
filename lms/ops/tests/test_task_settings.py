"""Production's task queue: the database queue by default, and a deploy check that
refuses tasks inside the request unless declared acceptable (issue 15)."""

from __future__ import annotations

from django.test import override_settings

from lms.accounts.tests.test_settings import GOOD_ENV, manage
from lms.ops.checks import check_task_backend

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SHOW_BACKEND = (
    "from django_tasks import task_backends; b = task_backends['default']; "
    "print(type(b).__module__, type(b).__name__)"
)


def test_production_queues_tasks_in_the_database_and_refuses_the_immediate_backend():
    shown = manage("shell", "-c", SHOW_BACKEND, env=GOOD_ENV)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split()[-2:] == ["django_tasks_db.backend", "DatabaseBackend"]

    env = {**GOOD_ENV, "DJANGO_TASKS_BACKEND": IMMEDIATE["default"]["BACKEND"]}
    refused = manage("check", "--deploy", env=env)
    assert refused.returncode != 0
    assert "lms.E301" in refused.stderr
    assert "Background tasks run inside the web request" in refused.stderr
    assert "python manage.py db_worker" in refused.stderr


@override_settings(TASKS=IMMEDIATE, LMS_TASKS_IMMEDIATE_ACCEPTED=False)
def test_the_immediate_backend_is_an_error_unless_declared_acceptable():
    [error] = check_task_backend()
    assert error.id == "lms.E301"
    with override_settings(LMS_TASKS_IMMEDIATE_ACCEPTED=True):
        assert check_task_backend() == []


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_database_queue_passes():
    assert check_task_backend() == []
