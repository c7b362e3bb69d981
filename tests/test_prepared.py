"""Queries compiled once per connection (lms/prepared.py) return what their plain querysets
return, for every value, and fall back to the plain queryset when they cannot be prepared."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import selectors, services
from courses.models import Enrolment, LessonActivity
from lms.accounts.backends import ModelBackend, _user_with_roles, user_with_roles
from lms.accounts.roles import ROLE_NAME_SEPARATOR, Role, roles_of
from lms.accounts.tests.factories import UserFactory
from lms.prepared import PreparedQuery

pytestmark = pytest.mark.django_db


def _row(user):
    return (
        user.pk,
        user.username,
        user.full_name,
        user.is_active,
        user.last_login,
        user.administration_id,
        set(user._role_names.split(ROLE_NAME_SEPARATOR)),
    )


def test_the_user_with_roles_matches_its_queryset_for_every_user(per, pan):
    users = [
        UserFactory(administration=per, roles={Role.OFFICER}),
        UserFactory(administration=pan, roles={Role.ADMINISTRATION_MANAGER, Role.OFFICER}),
        UserFactory(administration=None, roles=set()),
    ]
    backend = ModelBackend()
    for user in users * 2:  # the second round runs the prepared SQL
        with CaptureQueriesContext(connection) as context:
            loaded = backend.get_user(user.pk)
            administration = loaded.administration  # loaded with the user
            roles = roles_of(loaded)
        assert len(context.captured_queries) == 1
        plain = user_with_roles(user.pk).get()
        assert _row(loaded) == _row(plain)
        assert administration == plain.administration
        assert roles == roles_of(plain)
    assert _user_with_roles.prepared_shapes() == {1}  # prepared, not fallen back
    # A role granted or taken away shows on the next load (nothing is kept but the SQL).
    officer = users[0]
    officer.groups.add(Group.objects.get(name=Role.ADMINISTRATION_MANAGER.value))
    assert Role.ADMINISTRATION_MANAGER in roles_of(backend.get_user(officer.pk))
    officer.groups.clear()
    assert roles_of(backend.get_user(officer.pk)) == frozenset()
    # Unknown, malformed and deactivated users are nobody.
    assert backend.get_user(10**9) is None
    assert backend.get_user("not a number") is None
    officer.is_active = False
    officer.save()
    assert backend.get_user(officer.pk) is None


def test_the_officers_lesson_state_is_their_own(course_tree, per_officer, pan_officer):
    lesson = course_tree.lesson2
    slot = LessonActivity.objects.get(lesson=lesson)
    # Shapes stay prepared on the connection for the process: earlier tests' count too.
    earlier = selectors._prepared_officer_state.prepared_shapes()
    for officer in (per_officer, pan_officer):
        services.enrolment_create(actor=officer, course=course_tree.course)
    services.h5p_state_save(
        actor=per_officer, slot=slot, data_type="state", sub_content_id="", data='{"per":1}'
    )
    for _ in range(2):
        _course, enrolment, slots = selectors.lesson_for_officer(per_officer, lesson)
        assert enrolment == Enrolment.objects.get(user=per_officer)
        assert slots[course_tree.block_id].saved_state == '{"per":1}'
        _course, enrolment, slots = selectors.lesson_for_officer(pan_officer, lesson)
        assert enrolment == Enrolment.objects.get(user=pan_officer)
        assert slots[course_tree.block_id].saved_state is None
    prepared = selectors._prepared_officer_state.prepared_shapes()
    assert 3 in prepared and prepared - earlier <= {3}  # 1 activity
    # A lesson without activities (another shape) and an officer not enrolled.
    _course, enrolment, slots = selectors.lesson_for_officer(per_officer, course_tree.lesson1)
    assert enrolment.user_id == per_officer.pk and slots == {}
    Enrolment.objects.filter(user=pan_officer).delete()
    _course, enrolment, slots = selectors.lesson_for_officer(pan_officer, lesson)
    assert enrolment is None and slots[course_tree.block_id].saved_state is None


@pytest.mark.django_db(transaction=True)
def test_each_thread_prepares_on_its_own_connection(per):
    """Connections are per thread: a compiler made on one is never run on another."""
    users = [UserFactory(administration=per) for _ in range(4)]
    backend = ModelBackend()
    found: dict[int, list] = {}

    def load(number: int) -> None:
        try:
            found[number] = [backend.get_user(user.pk).pk for user in users * 3]
        finally:
            connection.close()

    threads = [threading.Thread(target=load, args=(number,)) for number in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == {number: [user.pk for user in users * 3] for number in range(3)}


def test_a_shape_that_cannot_be_prepared_runs_its_queryset(per):
    """A value whose database form is not itself (here a lower-cased e-mail) is refused
    by the probes: every call then builds the queryset."""
    from django.db.models.functions import Lower

    from lms.accounts.models import User

    user = UserFactory(administration=per, email="Carlos@Example.org")
    by_email = PreparedQuery(
        User,
        lambda email: User.objects.annotate(low=Lower("email")).filter(low=email.lower()),
        lambda shape: (("A@x.org",), ("B@x.org",)),
    )
    assert [found.pk for found in by_email("CARLOS@example.org")] == [user.pk]
    assert [found.pk for found in by_email("carlos@EXAMPLE.org")] == [user.pk]
    assert by_email("nobody@example.org") == []
    assert by_email.prepared_shapes() == set()
    # The uuid form the probes learnt is used for real values (hex on SQLite).
    enrolments = PreparedQuery(
        Enrolment,
        lambda key: Enrolment.objects.filter(course_key=key),
        lambda shape: ((uuid.UUID(int=1),), (uuid.UUID(int=2),)),
    )
    assert enrolments(uuid.uuid4()) == []
    assert enrolments.prepared_shapes() == {1}
