"""The SCORM run-time on the server: slots, the commit endpoint, resume data, progress."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses.models import Enrolment, LessonProgress
from courses.packages.scorm.models import ScormRuntimeData, ScormSlot

from .runtime import GOLF_12, GOLF_2004_SEQUENCING, body, commit, enrol, scorm_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def golf(home_page):
    return scorm_course(home_page, packages=[GOLF_12])


@pytest.fixture
def slot(golf):
    return golf.slots[0]


@pytest.fixture
def client_per(per_officer, golf):
    enrol(per_officer, golf)
    client = Client()
    client.force_login(per_officer)
    return client


def stored(officer, slot):
    return ScormRuntimeData.objects.get(user=officer, package=slot.package)


def test_publishing_a_lesson_places_its_packages(golf):
    (slot,) = golf.slots
    assert slot.package == golf.packages[0] and slot.required
    assert slot.course_key == golf.course.translation_key
    golf.lesson.body = []
    golf.lesson.save_revision().publish()
    assert not ScormSlot.objects.filter(lesson=golf.lesson).exists()


def test_a_commit_is_stored_and_answers_the_navigation(client_per, per_officer, slot):
    response = commit(
        client_per,
        slot,
        body(
            slot,
            seq=5,
            cmi={
                "cmi.core.lesson_location": "page-2",
                "cmi.suspend_data": "A" * 4096,
                "cmi.core.lesson_status": "incomplete",
                "cmi.core.exit": "suspend",
                "cmi.core.session_time": "00:01:30",
                "cmi.interactions.0.id": "q1",
                "cmi.interactions.0.result": "correct",
            },
        ),
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["success"] and answer["seq"] == 5 and not answer["completed"]
    assert answer["navigation"]["completion"] == "incomplete"
    assert answer["launch"]["resume"] is True
    assert answer["launch"]["cmi"]["cmi.core.entry"] == "resume"
    assert answer["launch"]["cmi"]["cmi.core.lesson_location"] == "page-2"
    # The interactions come back too, so that the resumed SCO adds new ones after them.
    assert answer["launch"]["cmi"]["cmi.interactions.0.id"] == "q1"
    assert answer["launch"]["cmi"]["cmi.interactions.0.result"] == "correct"
    row = stored(per_officer, slot)
    assert row.suspend_data == "A" * 4096 and row.location == "page-2"
    assert row.administration == per_officer.administration
    assert row.interactions == [{"id": "q1", "result": "correct"}]
    assert row.session_seconds == 90


def test_sessions_add_up_and_a_finished_attempt_starts_afresh(client_per, per_officer, slot):
    cmi = {"cmi.core.session_time": "00:01:00", "cmi.core.lesson_status": "incomplete"}
    commit(client_per, slot, body(slot, seq=1, cmi=cmi))
    commit(client_per, slot, body(slot, seq=2, cmi={**cmi, "cmi.core.session_time": "00:02:00"}))
    # The same session's time is replaced, not added.
    assert stored(per_officer, slot).session_seconds == 120
    second = {
        "cmi.core.session_time": "00:00:30",
        "cmi.core.lesson_location": "p9",
        "cmi.core.exit": "",
    }
    commit(client_per, slot, body(slot, seq=3, session="s2", final=True, cmi=second))
    row = stored(per_officer, slot)
    assert (row.total_seconds, row.session_seconds, row.attempt_count) == (120, 30, 1)
    assert row.ended and row.location == "p9"
    # Ended without suspending: the next session is a new attempt, nothing carried over.
    commit(client_per, slot, body(slot, seq=4, session="s3", cmi={"cmi.core.exit": "suspend"}))
    row = stored(per_officer, slot)
    assert row.attempt_count == 2 and row.location == "" and row.total_seconds == 150


def test_a_passed_package_completes_the_lesson(
    client_per, per_officer, slot, golf, django_capture_on_commit_callbacks
):
    from courses import events

    announced = []

    def heard(sender, **kwargs):
        announced.append(kwargs)

    events.course_completed.connect(heard, dispatch_uid="test-scorm-course")
    events.lesson_completed.connect(heard, dispatch_uid="test-scorm-lesson")
    with django_capture_on_commit_callbacks(execute=True):
        response = commit(
            client_per,
            slot,
            body(
                slot,
                seq=1,
                final=True,
                cmi={"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"},
            ),
        )
    assert response.json()["completed"] is True
    enrolment = Enrolment.objects.get(user=per_officer)
    assert enrolment.lesson_status[str(golf.lesson.translation_key)] == "completed"
    progress = LessonProgress.objects.get(
        enrolment=enrolment, lesson_key=golf.lesson.translation_key
    )
    assert progress.completed_blocks == [slot.block_id]
    # The course's only required lesson: the course completes, and the domain signals that
    # programmes listen to are sent (after the commit).
    assert (enrolment.status, enrolment.percent_complete) == ("completed", 100)
    events.course_completed.disconnect(dispatch_uid="test-scorm-course")
    events.lesson_completed.disconnect(dispatch_uid="test-scorm-lesson")
    assert {"lesson_key", "course_key"} <= {key for kwargs in announced for key in kwargs}
    # A later commit (a retry, a new attempt) completes nothing twice.
    again = commit(client_per, slot, body(slot, seq=2, cmi={"cmi.core.lesson_status": "passed"}))
    assert again.json()["completed"] is True
    page = client_per.get(golf.lesson.url).content.decode()
    assert 'data-lesson-status="completed"' in page


def test_a_failed_attempt_does_not_complete_the_lesson(client_per, per_officer, slot, golf):
    commit(client_per, slot, body(slot, seq=1, cmi={"cmi.core.lesson_status": "failed"}))
    progress = LessonProgress.objects.get(lesson_key=golf.lesson.translation_key)
    assert progress.completed_blocks == [] and progress.status == "started"


def test_the_mastery_score_decides_pass_or_fail():
    from courses.packages.scorm.services import _apply_rules

    row = ScormRuntimeData(lesson_status="completed", score_raw=79)
    _apply_rules(row, {"mastery_score": 80.0}, "1.2")
    assert (row.lesson_status, row.success_status) == ("failed", "failed")
    row = ScormRuntimeData(lesson_status="completed", score_raw=80)
    _apply_rules(row, {"mastery_score": 80.0}, "1.2")
    assert (row.lesson_status, row.success_status) == ("passed", "passed")
    row = ScormRuntimeData(completion_status="completed", progress_measure=0.5)
    _apply_rules(row, {"completion_threshold": {"min_progress_measure": 0.8}}, "2004")
    assert row.completion_status == "incomplete"


# --- refusals --------------------------------------------------------------------------------


def test_an_older_commit_never_overwrites_a_newer_one(client_per, per_officer, slot):
    commit(client_per, slot, body(slot, seq=10, cmi={"cmi.core.lesson_location": "new"}))
    response = commit(client_per, slot, body(slot, seq=9, cmi={"cmi.core.lesson_location": "old"}))
    assert response.status_code == 409 and response.json()["stale"] is True
    response = commit(client_per, slot, body(slot, seq=10, cmi={"cmi.core.lesson_location": "x"}))
    assert response.status_code == 409
    assert stored(per_officer, slot).location == "new"


@pytest.mark.parametrize(
    ("cmi", "element", "code"),
    [
        ({"cmi.suspend_data": "x" * 4097}, "cmi.suspend_data", "too_long"),
        ({"cmi.core.student_id": "officer-1"}, "cmi.core.student_id", "read_only"),
        ({"cmi.core.total_time": "0100:00:00"}, "cmi.core.total_time", "read_only"),
        ({"cmi.core.lesson_status": "done"}, "cmi.core.lesson_status", "vocabulary"),
        ({"cmi.core.score.raw": "1000"}, "cmi.core.score.raw", "out_of_range"),
        ({"cmi.completion_status": "completed"}, "cmi.completion_status", "unknown"),
    ],
)
def test_bad_data_is_refused_with_a_reason_and_changes_nothing(
    client_per, per_officer, slot, cmi, element, code
):
    commit(client_per, slot, body(slot, seq=1, cmi={"cmi.core.lesson_location": "kept"}))
    response = commit(
        client_per, slot, body(slot, seq=2, cmi={"cmi.core.lesson_location": "lost", **cmi})
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["success"] is False and answer["message"]
    assert [(p["code"], p["element"]) for p in answer["problems"]] == [(code, element)]
    row = stored(per_officer, slot)
    assert (row.location, row.seq) == ("kept", 1)


@pytest.mark.parametrize(
    "payload",
    [
        b"{not json",
        b'{"seq": NaN}',
        b"[]",
        b'{"seq": 1, "item": "x", "session": "s1", "cmi": {}}',  # not an item of the package
        b'{"seq": 0, "item": "x", "session": "s1", "cmi": {}}',
        b'{"seq": true, "item": "x", "session": "s1", "cmi": {}}',
        b'{"seq": 1, "session": "s1", "cmi": {}}',
        b'{"seq": 1, "item": "x", "session": "a b", "cmi": {}}',
        b'{"seq": 1, "item": "x", "session": "s1", "cmi": []}',
        b'{"seq": 1, "item": "x", "session": "s1", "nav": "jump-away", "cmi": {}}',
        b'{"seq": 1, "item": "x", "session": "s1", "cmi": {"cmi.suspend_data": "\\u0000"}}',
    ],
)
def test_malformed_commits_are_refused(client_per, per_officer, slot, payload):
    response = commit(client_per, slot, payload)
    assert response.status_code == 400 and response.json()["message"]
    assert not ScormRuntimeData.objects.exists()


def test_an_oversized_body_is_refused(client_per, slot):
    huge = body(slot, seq=1, cmi={"cmi.suspend_data": "x" * 600_000})
    response = commit(client_per, slot, huge)
    assert response.status_code == 413
    assert not ScormRuntimeData.objects.exists()


def test_signed_out_requests_and_get_are_refused(slot, golf):
    client = Client()
    assert commit(client, slot, body(slot, seq=1, cmi={})).status_code == 403
    assert client.get(f"/scorm/commit/{slot.pk}/").status_code == 405


def test_without_the_csrf_token_a_commit_is_refused(per_officer, golf, slot):
    enrol(per_officer, golf)
    client = Client(enforce_csrf_checks=True)
    client.force_login(per_officer)
    assert commit(client, slot, body(slot, seq=1, cmi={})).status_code == 403
    assert not ScormRuntimeData.objects.exists()


def test_other_officers_and_administrations_get_404(home_page, golf, slot, pan_officer, per):
    from lms.accounts.roles import Role
    from lms.accounts.tests.factories import UserFactory

    # Not enrolled (another administration's officer, or a colleague not enrolled).
    client = Client()
    client.force_login(pan_officer)
    assert commit(client, slot, body(slot, seq=1, cmi={})).status_code == 404
    colleague = UserFactory(administration=per, roles={Role.OFFICER})
    client.force_login(colleague)
    assert commit(client, slot, body(slot, seq=1, cmi={})).status_code == 404
    assert commit(client, slot.__class__(pk=999999), {}).status_code == 404
    # A package owned by PER, placed in a course PAN's officer takes: still 404 for PAN.
    owned = scorm_course(home_page, packages=[GOLF_12], administration=per, slug="owned")
    enrol(pan_officer, owned)
    client.force_login(pan_officer)
    assert commit(client, owned.slots[0], body(owned.slots[0], seq=1, cmi={})).status_code == 404
    assert not ScormRuntimeData.objects.exists()


def test_each_officer_has_their_own_data(client_per, per_officer, slot, golf, per):
    from lms.accounts.roles import Role
    from lms.accounts.tests.factories import UserFactory

    colleague = UserFactory(administration=per, roles={Role.OFFICER})
    enrol(colleague, golf)
    other = Client()
    other.force_login(colleague)
    commit(client_per, slot, body(slot, seq=1, cmi={"cmi.core.lesson_location": "mine"}))
    commit(other, slot, body(slot, seq=1, cmi={"cmi.core.lesson_location": "theirs"}))
    assert stored(per_officer, slot).location == "mine"
    assert stored(colleague, slot).location == "theirs"


# --- cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("interactions", [1, 200])
def test_a_commit_costs_at_most_five_queries(
    client_per, slot, django_assert_num_queries, interactions
):
    def payload(seq, size):
        cmi = {"cmi.suspend_data": "d" * size, "cmi.core.lesson_status": "incomplete"}
        for n in range(interactions):
            cmi[f"cmi.interactions.{n}.id"] = f"q{n}"
            cmi[f"cmi.interactions.{n}.result"] = "correct"
        return body(slot, seq=seq, cmi=cmi)

    assert commit(client_per, slot, payload(1, 10)).status_code == 200
    # session, user, the slot (where enrolled, with the officer's completed blocks), the
    # officer's rows of the package (locked), the update: whatever the data's size.
    with django_assert_num_queries(5, exact=True):
        assert commit(client_per, slot, payload(2, 4000)).status_code == 200
    with CaptureQueriesContext(connection) as context:
        assert commit(client_per, slot, payload(3, 10)).status_code == 200
    assert len([q for q in context.captured_queries if "SAVEPOINT" not in q["sql"]]) <= 5


# --- the lesson page ---------------------------------------------------------------------------


def test_the_lesson_page_embeds_the_player_and_resume_data(client_per, per_officer, slot, golf):
    commit(
        client_per,
        slot,
        body(slot, seq=1, cmi={"cmi.core.lesson_location": "p4", "cmi.core.exit": "suspend"}),
    )
    response = client_per.get(golf.lesson.url, HTTP_HOST="127.0.0.1")
    html = response.content.decode()
    assert 'class="scorm-frame"' in html and "/scorm/player/" in html
    assert 'sandbox="allow-scripts allow-same-origin' in html
    assert "http://localhost" in html  # the content origin, not the site's
    settings = response.context["scorm_settings"]
    launch = next(iter(settings["blocks"].values()))
    data = launch["items"][launch["start"]]
    assert data["cmi"]["cmi.core.entry"] == "resume"
    assert data["cmi"]["cmi.core.lesson_location"] == "p4"
    assert data["cmi"]["cmi.core.student_id"] == f"officer-{per_officer.pk}"
    assert per_officer.email not in html


def test_a_sequenced_package_shows_its_table_of_contents(home_page, per_officer):
    tree = scorm_course(home_page, packages=[GOLF_2004_SEQUENCING])
    enrol(per_officer, tree)
    client = Client()
    client.force_login(per_officer)
    html = client.get(tree.lesson.url, HTTP_HOST="127.0.0.1").content.decode()
    assert 'class="scorm-toc"' in html
    assert 'data-scorm-item="playing_item" aria-current="step"' in html
    assert 'data-scorm-item="etuqiette_item" disabled' in html
    slot = tree.slots[0]
    answer = commit(
        client,
        slot,
        body(
            slot,
            seq=1,
            item="playing_item",
            final=True,
            nav="continue",
            cmi={"cmi.completion_status": "completed", "cmi.success_status": "passed"},
        ),
    ).json()
    assert answer["target"] == "etuqiette_item"
    assert answer["navigation"]["items"]["etuqiette_item"]["choosable"] is True
    assert answer["navigation"]["items"]["handicapping_item"]["choosable"] is False
    # A choice the sequencing does not allow is not delivered.
    refused = commit(
        client,
        slot,
        body(
            slot,
            seq=2,
            item="playing_item",
            nav="{target=assessment_item}choice",
            cmi={},
        ),
    ).json()
    assert refused["target"] is None


def test_the_lesson_page_costs_the_same_queries_for_one_package_or_three(home_page, per_officer):
    one = scorm_course(home_page, packages=[GOLF_12], slug="one")
    three = scorm_course(home_page, packages=[GOLF_12, GOLF_2004_SEQUENCING, GOLF_12], slug="three")
    client = Client()
    client.force_login(per_officer)
    counts = []
    for tree in (one, three):
        enrol(per_officer, tree)
        for slot in tree.slots:  # stored data for every SCO played
            for n, item in enumerate(slot.package.launchable_items()):
                commit(client, slot, body(slot, seq=n + 1, item=item["identifier"], cmi={}))
        client.get(tree.lesson.url, HTTP_HOST="127.0.0.1")
        with CaptureQueriesContext(connection) as context:
            response = client.get(tree.lesson.url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200
        assert response.content.decode().count('class="scorm-frame"') == len(tree.slots)
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1], counts


def test_an_asset_is_completed_when_delivered(home_page, per_officer):
    tree = scorm_course(
        home_page, packages=["golf__ContentPackagingOneFilePerSCO_SCORM20043rdEdition"]
    )
    enrol(per_officer, tree)
    client = Client()
    client.force_login(per_officer)
    slot = tree.slots[0]
    items = slot.package.launchable_items()
    assert all(item["scorm_type"] == "asset" for item in items)
    page = client.get(tree.lesson.url, HTTP_HOST="127.0.0.1")
    settings = next(iter(page.context["scorm_settings"]["blocks"].values()))
    assert settings["items"][items[0]["identifier"]]["asset"] is True
    for n, item in enumerate(items):
        answer = commit(
            client, slot, body(slot, seq=n + 1, item=item["identifier"], final=True, cmi={})
        ).json()
        assert answer["navigation"]["items"][item["identifier"]]["completion"] == "completed"
    assert answer["completed"] is True  # every page delivered: the package is done


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks need PostgreSQL (the CI leg runs it)"
)
def test_first_commits_from_several_tabs_at_once_are_all_answered(per_officer, golf):
    """Eight tabs of the same officer make the first commit of a SCO at the same moment,
    over HTTP: each is taken (200) or answered as older than one taken (409), never a
    500; one row, holding the newest sequence number taken."""
    import threading

    from django.db import connections

    (slot,) = golf.slots
    enrol(per_officer, golf)
    barrier = threading.Barrier(8)
    answers: dict[int, int] = {}

    def tab(seq: int) -> None:
        client = Client()
        client.force_login(per_officer)
        barrier.wait()
        try:
            response = commit(
                client,
                slot,
                body(slot, seq=seq, cmi={"cmi.core.lesson_location": f"page-{seq}"}),
            )
            answers[seq] = response.status_code
        finally:
            connections.close_all()

    tabs = [threading.Thread(target=tab, args=(seq,)) for seq in range(1, 9)]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join()
    assert len(answers) == 8 and set(answers.values()) <= {200, 409}, answers
    taken = [seq for seq, status in answers.items() if status == 200]
    rows = ScormRuntimeData.objects.filter(user=per_officer, package=slot.package)
    assert rows.count() == 1
    assert rows.get().seq == max(taken)
    assert rows.get().location == f"page-{max(taken)}"
