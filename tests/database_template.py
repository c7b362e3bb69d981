"""On PostgreSQL, one migrated test database per set of migrations, copied for every
test process.

Every pytest-xdist worker used to build its own test database by running all the
migrations (some 220 of them, 20 s of CPU or more each time, more on PostgreSQL). Now
the first process to take the lock migrates once and keeps the result as a template
named after a digest of every migration file, and every process copies it with
``CREATE DATABASE ... TEMPLATE``; the template stays on the server for the next run. A
changed, added or removed migration changes the digest, so a stale template is never
used; a template left by an older set of migrations is dropped when a new one is built.

SQLite keeps pytest-django's own set-up: its test database lives in memory, and a copy
made with SQLite's backup API lost its tables for the browser tests that followed
database tests in the same process (the cause was not found), so each process migrates.

``LMS_TEST_DB_TEMPLATE=0`` falls back to pytest-django's own set-up (each process
migrates), for instance to time the migrations themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

# A fixed key for PostgreSQL's advisory lock: every checkout on the same server builds
# and copies templates one at a time.
ADVISORY_LOCK = 0x1C57_0E5D


def migrations_digest() -> str:
    """A digest of every migration the project runs: app, name and file contents."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256()
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        digest.update(f"{app}.{name}\n".encode())
        source = getattr(sys.modules.get(type(migration).__module__), "__file__", None)
        if source:
            digest.update(Path(source).read_bytes())
    return digest.hexdigest()[:16]


def _use_name(connection: Any, name: str) -> None:
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def _postgres_from_template(connection: Any, digest: str) -> None:
    creation = connection.creation
    worker_name = creation._get_test_db_name()
    base = "test_" + connection.settings_dict["NAME"]
    template = f"{base}_tpl_{digest}"[:63]
    quote = connection.ops.quote_name
    with creation._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK])
        try:
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [base + "_tpl_%"]
            )
            existing = {row[0] for row in cursor.fetchall()}
            if template not in existing:
                building = template[:58] + "_new"
                connection.settings_dict["TEST"]["NAME"] = building
                creation.create_test_db(verbosity=0, autoclobber=True)
                connection.close()
                cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")
                for old in existing - {template}:
                    with contextlib.suppress(Exception):  # in use by another run: left
                        cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(worker_name)}")
            cursor.execute(f"CREATE DATABASE {quote(worker_name)} TEMPLATE {quote(template)}")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK])
    connection.settings_dict["TEST"]["NAME"] = worker_name
    _use_name(connection, worker_name)


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    connection = connections["default"]
    use_template = (
        os.environ.get("LMS_TEST_DB_TEMPLATE", "1") != "0" and connection.vendor == "postgresql"
    )
    with django_db_blocker.unblock():
        if not use_template:
            config = setup_databases(verbosity=0, interactive=False)
        else:
            original_name = connection.settings_dict["NAME"]
            test_name = connection.settings_dict["TEST"].get("NAME")
            _postgres_from_template(connection, migrations_digest())
            connection.settings_dict["TEST"]["NAME"] = test_name
    yield
    with django_db_blocker.unblock():
        if not use_template:
            teardown_databases(config, verbosity=0)
        else:
            connection.creation.destroy_test_db(original_name, verbosity=0)
