"""Fixtures shared by every test package."""

from __future__ import annotations

import pytest

from lms.accounts.roles import Role
from lms.accounts.tests.factories import (
    PASSWORD,
    AdministrationFactory,
    UnitFactory,
    UserFactory,
)
from tests.replay import _fixed_sequences, replayed  # noqa: F401 (an autouse fixture)

DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="Run only the tests that use the database (the PostgreSQL leg of CI: the "
        "others, parsers and pure rules, gain nothing from a second database).",
    )


TRANSACTIONAL_FIXTURES = frozenset({"transactional_db", "live_server", "django_db_reset_sequences"})


def _uses_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def _run_order(item: pytest.Item) -> tuple[int, bool]:
    """pytest-django's order (database tests, then transactional ones, which empty the
    database after them, then the rest), with the long tests (marker "slow") first in
    each group and the long tests that need no database before everything. pytest-xdist
    hands the first quarter of the list out in turn and the rest to whichever worker is
    free: the long tests are shared out early instead of keeping one worker busy at the
    end."""
    slow = item.get_closest_marker("slow") is not None
    if not _uses_database(item):
        return (0, False) if slow else (3, False)
    marker = item.get_closest_marker("django_db")
    transactional = bool(
        TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ()))
        or (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    )
    return (2 if transactional else 1, not slow)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Before a transactional test's database is emptied: its audit records go first,
    through the one path the append-only triggers allow (lms/audit/retention.py), since
    SQLite empties tables with DELETE (PostgreSQL's TRUNCATE fires no row trigger)."""
    if _run_order(item)[0] == 2:
        import time

        from django.db import OperationalError, transaction
        from pytest_django.plugin import blocking_manager_key

        from lms.audit.retention import delete_older_than

        # A browser's last request may still be in the live server's thread, holding
        # SQLite's shared in-memory tables ("database table is locked"): wait for it.
        for attempt in range(50):
            try:
                with item.config.stash[blocking_manager_key].unblock(), transaction.atomic():
                    delete_older_than(-36500)
                break
            except OperationalError as error:
                if "locked" not in str(error) or attempt == 49:
                    raise
                time.sleep(0.1)
    yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_run_order)
    if not config.getoption("--database-tests-only"):
        return
    kept, deselected = [], []
    for item in items:
        (kept if _uses_database(item) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


pytest_plugins = [
    "courses.tests.fixtures",
    "assessments.tests.fixtures",
    "assessments.tests.essay_fixtures",
    "certificates.tests.fixtures",
    "tests.database_template",
    "tests.s3_server",
]


@pytest.fixture
def server_prepares_at_once(db):
    """On PostgreSQL, the statements of ``preparing_cursor`` (lms/db/postgresql) are
    prepared on the server from their first run rather than their fifth, so that a test
    checks the answers of the prepared statements themselves. Gives a function listing
    the statements prepared on the connection's session (None on SQLite, which prepares
    nothing)."""
    from django.db import connection

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    if connection.vendor != "postgresql":
        yield lambda: None
        return
    connection.ensure_connection()
    raw = connection.connection
    before = raw.prepare_threshold
    raw.prepare_threshold = 0
    yield prepared
    raw.prepare_threshold = before


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def per(db):
    return AdministrationFactory(code="PER", name="SUNAT – Aduanas", official_languages=["es"])


@pytest.fixture
def pan(db):
    return AdministrationFactory(code="PAN", name="ANA Panamá", official_languages=["es"])


@pytest.fixture
def per_unit(per):
    return UnitFactory(administration=per, code="CALLAO", name="Callao")


@pytest.fixture
def pan_unit(pan):
    return UnitFactory(administration=pan, code="BALBOA", name="Balboa")


@pytest.fixture
def per_officer(per, per_unit):
    return UserFactory(
        username="officer.per",
        full_name="Carlos Huamán Torres",
        administration=per,
        unit=per_unit,
        employee_number="PER-1",
        preferred_language="es",
        roles={Role.OFFICER},
    )


@pytest.fixture
def pan_officer(pan, pan_unit):
    return UserFactory(
        username="officer.pan",
        full_name="Yessenia Castillo Pinzón",
        administration=pan,
        unit=pan_unit,
        employee_number="PAN-1",
        preferred_language="es",
        roles={Role.OFFICER},
    )


@pytest.fixture
def per_manager(per):
    return UserFactory(
        username="manager.per", administration=per, roles={Role.ADMINISTRATION_MANAGER}
    )


@pytest.fixture
def pan_manager(pan):
    return UserFactory(
        username="manager.pan", administration=pan, roles={Role.ADMINISTRATION_MANAGER}
    )


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coordinator", roles={Role.REGIONAL_COORDINATOR})


@pytest.fixture
def regional_author(db):
    return UserFactory(username="author", roles={Role.TRAINING_MANAGER})


@pytest.fixture
def per_author(per):
    """A training manager bound to PER (``author.per`` in the demo)."""
    return UserFactory(username="author.per", administration=per, roles={Role.TRAINING_MANAGER})


@pytest.fixture
def pan_author(pan):
    """A training manager bound to PAN (``author.pan`` in the demo)."""
    return UserFactory(username="author.pan", administration=pan, roles={Role.TRAINING_MANAGER})


@pytest.fixture
def platform_admin(db):
    return UserFactory(
        username="admin", is_staff=True, is_superuser=True, roles={Role.PLATFORM_ADMIN}
    )


@pytest.fixture
@replayed
def home_page(db):
    """The demo home page in English and Spanish, as the default site's root."""
    import io

    from lms.home.seed import seed_demo

    seed_demo(stdout=io.StringIO())
    from lms.home.models import HomePage

    return HomePage.objects.get(locale__language_code="en")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language, whatever an earlier one activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (site settings, site root paths...)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
