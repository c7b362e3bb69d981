"""Queries compiled once per connection (lms/prepared.py) return what their plain querysets
return, for every value, and fall back to the plain queryset when they cannot be prepared.
On PostgreSQL every test here runs them as statements prepared on the server from their
first run (the ``server_prepares_at_once`` fixture), as production does from their fifth."""

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

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("server_prepares_at_once")]


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


# --- the exam start's and the attempt page's queries (issue 15) ----------------------------


def test_the_session_lookup_is_its_queryset_and_prepared_on_postgresql(per):
    """The session every signed-in request reads: the live one by its key, never an
    expired one or another's. On SQLite a date is sent as text, which the probes refuse:
    there it runs its queryset, with the same answers."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from lms.accounts import sessions

    now = timezone.now()
    live = Session.objects.create(
        session_key="k" * 32, session_data="x", expire_date=now + timedelta(hours=1)
    )
    Session.objects.create(session_key="e" * 32, session_data="y", expire_date=now)
    for _ in range(2):
        assert sessions._live_session("k" * 32, now) == [live]
        assert sessions._live_session("e" * 32, now) == []
        assert sessions._live_session("n" * 32, now) == []
    for key in ("k" * 32, "e" * 32):
        plain = list(sessions.live_session(key, now))
        assert sessions._live_session(key, now) == plain
    expected = {2} if connection.vendor == "postgresql" else set()
    assert sessions._live_session.prepared_shapes() == expected
    store = sessions.SessionStore("e" * 32)
    assert store.load() == {} and store.session_key is None  # expired: no session


def test_the_own_enrolment_is_the_officers_and_prepared(course_tree, per_officer, pan_officer):
    from courses.selectors import _prepared_own_enrolment, course_for_page

    services.enrolment_create(actor=per_officer, course=course_tree.course)
    for _ in range(2):
        _course, enrolment = course_for_page(per_officer, course_tree.module1)
        assert enrolment == Enrolment.objects.get(user=per_officer)
        assert course_for_page(pan_officer, course_tree.module1)[1] is None
    assert _prepared_own_enrolment.prepared_shapes() == {2}


def test_the_attempt_page_query_is_the_officers_own_and_prepared(assessment, per, pan):
    """The attempt with its sheet in one query (assessments.selectors.attempt_with_sheet):
    another officer's attempt is a 404 whatever the language, and the prepared statement
    answers what its queryset answers."""
    from django.http import Http404

    from assessments import preparation, selectors
    from assessments import services as assessment_services
    from assessments.models import AttemptSheet
    from assessments.sheet import digest

    officer = UserFactory(administration=per, roles={Role.OFFICER}, preferred_language="es")
    other = UserFactory(administration=pan, roles={Role.OFFICER})
    for person in (officer, other):
        services.enrolment_create(actor=person, course=assessment.tree.course)
    preparation.attempts_prepare(assessment=assessment.page)
    attempt = assessment_services.attempt_start(
        actor=officer, assessment=assessment.page, language="es"
    )
    assert AttemptSheet.objects.filter(attempt=attempt).exists()
    for _ in range(2):
        found, sheet = selectors.attempt_with_sheet(officer, attempt.pk, "es")
        assert found == attempt and found.assessment.pk == assessment.page.pk
        assert sheet.html == AttemptSheet.objects.get(attempt=attempt).html
        assert selectors.attempt_with_sheet(officer, attempt.pk, "en")[1] is None
        for language in ("es", "en"):
            with pytest.raises(Http404):
                selectors.attempt_with_sheet(other, attempt.pk, language)
    plain = selectors._attempt_for_page(attempt.pk, officer.pk, "es", digest()).get()
    prepared = selectors._prepared_attempt_for_page(attempt.pk, officer.pk, "es", digest())[0]
    assert (prepared.sheet_html, prepared.sheet_meta, prepared.sheet_answered) == (
        plain.sheet_html,
        plain.sheet_meta,
        plain.sheet_answered,
    )
    assert selectors._prepared_attempt_for_page.prepared_shapes() == {4}
    prepared_attempts = assessment_services._prepared_attempts_of
    if connection.vendor == "postgresql":  # Start's first read there
        assert prepared_attempts.prepared_shapes() == {2}
    assert prepared_attempts(officer.pk, attempt.assessment_key) == [attempt]
    assert prepared_attempts(other.pk, attempt.assessment_key) == []
