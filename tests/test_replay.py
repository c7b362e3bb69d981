"""The replay of expensive fixtures (tests/replay.py) gives the database and the value a
real build gives, and builds for real whenever the starting point differs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lms.accounts.models import Administration
from tests import replay

pytestmark = pytest.mark.skipif(not replay.ENABLED, reason="LMS_TEST_REPLAY=0")


class _Rollback(Exception):
    pass


def _in_savepoint(action):
    """Run ``action`` and keep what it returns, its queries and the database it left,
    then undo its writes."""
    kept = {}
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                kept["value"] = action()
            kept["queries"] = len(queries)
            kept["state"] = replay.snapshot()
            raise _Rollback
    except _Rollback:
        pass
    return kept


def test_a_replay_writes_what_the_build_wrote(home_page):
    builds = []

    @replay.replayed
    def tree():
        builds.append(1)
        from courses.models import CourseIndexPage
        from courses.tests.fixtures import add

        index = add(home_page, CourseIndexPage(title="Replayed", slug="replayed"))
        return SimpleNamespace(index=index, titles=["Replayed"], none=None)

    first = _in_savepoint(tree)
    second = _in_savepoint(tree)
    assert builds == [1]  # the second call replayed
    assert second["state"] == first["state"]  # every row, every column
    assert second["value"].index.pk == first["value"].index.pk
    assert second["value"].index.title == "Replayed"
    assert type(second["value"].index).__name__ == "CourseIndexPage"
    assert second["value"].titles == ["Replayed"] and second["value"].none is None
    # A handful of statements instead of a build through Wagtail.
    assert second["queries"] < first["queries"] / 2


def test_another_starting_point_builds_for_real(db):
    builds = []

    @replay.replayed
    def administration():
        builds.append(1)
        return Administration.objects.create(code="ZZZ", name="Zed")

    _in_savepoint(administration)
    with transaction.atomic():
        Administration.objects.create(code="YYY", name="Why")  # the start differs
        value = administration()
        assert Administration.objects.filter(code__in=["YYY", "ZZZ"]).count() == 2
        transaction.set_rollback(True)
    assert builds == [1, 1]
    assert value.code == "ZZZ"


def test_values_it_cannot_read_again_are_built_each_time(db):
    builds = []

    @replay.replayed
    def unsaved():
        builds.append(1)
        return Administration(code="NEW", name="Not saved")

    _in_savepoint(unsaved)
    _in_savepoint(unsaved)
    assert builds == [1, 1]
