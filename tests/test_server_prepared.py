"""Statements prepared on the server (lms/db/postgresql): the hottest statements are
prepared by PostgreSQL on their fifth run on a connection and answer as before, also after
a rolled-back savepoint (psycopg then forgets and prepares again); Django's own statements
are never prepared; and ``?prepare_threshold=none`` in ``DATABASE_URL`` turns it off, for
a pooler in transaction mode."""

from __future__ import annotations

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.backends.postgresql.base import ServerBindingCursor
from django.test.utils import CaptureQueriesContext

from lms.accounts.backends import ModelBackend
from lms.accounts.models import User
from lms.accounts.tests.factories import UserFactory
from lms.db.postgresql.base import PREPARE_THRESHOLD, DatabaseWrapper, prepare_threshold
from lms.settings.base import database_from_url

USER_QUERY = 'SELECT "accounts_user"."id"'


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, None), (5, 5), ("3", 3), ("0", 0), ("", None), ("none", None), ("Off", None)],
)
def test_the_threshold_option_reads_as_psycopg_takes_it(given, expected):
    assert prepare_threshold(given) == expected


@pytest.mark.parametrize("given", ["five", "-1", "2.5"])
def test_a_threshold_that_is_not_a_number_is_refused_by_name(given):
    with pytest.raises(ImproperlyConfigured, match="prepare_threshold"):
        prepare_threshold(given)


postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL's backend (the CI leg runs it)"
)


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@postgresql_only
@pytest.mark.django_db
def test_the_user_query_is_prepared_on_its_fifth_run_and_answers_as_before(per, pan):
    assert connection.connection.prepare_threshold == PREPARE_THRESHOLD
    people = [UserFactory(administration=per), UserFactory(administration=pan)]
    backend = ModelBackend()
    for run in range(PREPARE_THRESHOLD + 3):
        prepared_before = any(sql.startswith(USER_QUERY) for sql in _prepared())
        assert prepared_before == (run >= PREPARE_THRESHOLD // 2 + 1), run
        for person in people:  # two loads per run: prepared on the fifth load
            with CaptureQueriesContext(connection) as context:
                loaded = backend.get_user(person.pk)
            assert len(context.captured_queries) == 1  # counted as before
            assert (loaded.pk, loaded.administration) == (person.pk, person.administration)
    # A rolled-back savepoint makes psycopg forget its prepared statements; the query
    # still answers, and is prepared again after as many runs.
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        backend.get_user(people[0].pk)
        1 / 0
    for _ in range(PREPARE_THRESHOLD + 1):
        assert backend.get_user(people[1].pk).pk == people[1].pk
    assert any(sql.startswith(USER_QUERY) for sql in _prepared())
    # Django's own statements bind on the client and are never prepared.
    for _ in range(PREPARE_THRESHOLD * 2):
        assert User.objects.filter(pk=people[0].pk, is_active=True).exists()
    assert not any("is_active" in sql and "LIMIT 1" in sql for sql in _prepared())


@postgresql_only
@pytest.mark.django_db
def test_prepare_threshold_none_in_the_url_turns_preparing_off(per):
    url = (
        f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
        f"{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}"
        "?prepare_threshold=none"
    )
    settings = {**connection.settings_dict, **database_from_url(url)}
    assert settings["ENGINE"] == "lms.db.postgresql"
    params = DatabaseWrapper(settings, alias="default").get_connection_params()
    assert params["prepare_threshold"] is None
    with psycopg.Connection.connect(**params) as raw:
        assert raw.prepare_threshold is None
        for _ in range(PREPARE_THRESHOLD * 2):
            with ServerBindingCursor(raw) as cursor:
                cursor.execute("SELECT %s::integer + 1", [41])
                assert cursor.fetchone() == (42,)
        assert raw.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)
    # And as shipped, the same statement is prepared on its fifth run.
    with psycopg.Connection.connect(**connection.get_connection_params()) as raw:
        assert raw.prepare_threshold == PREPARE_THRESHOLD
        for _ in range(PREPARE_THRESHOLD + 1):
            with ServerBindingCursor(raw) as cursor:
                cursor.execute("SELECT %s::integer + 1", [41])
        assert raw.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (1,)
