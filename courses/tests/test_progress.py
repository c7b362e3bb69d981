import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from courses import events, services
from courses.models import CoursePage, Enrolment, LessonActivity, LessonProgress
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def statement(raw=1, maximum=1, verb="answered", **result):
    return {
        "actor": {"name": "Someone Else", "mbox": "mailto:else@example.org"},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"id": "http://example.org/activity"},
        "result": {"score": {"raw": raw, "max": maximum, "min": 0}, **result},
    }


@pytest.fixture
def enrolment(course_tree, per_officer):
    return services.enrolment_create(actor=per_officer, course=course_tree.course)


def slot_of(tree):
    return LessonActivity.objects.get(lesson=tree.lesson2)


def test_enrolment_is_idempotent_and_snapshots_the_administration(course_tree, per_officer, per):
    first = services.enrolment_create(actor=per_officer, course=course_tree.course)
    again = services.enrolment_create(actor=per_officer, course=course_tree.es.course)
    assert first.pk == again.pk  # the Spanish translation is the same course
    assert first.administration == per
    assert Enrolment.objects.count() == 1


def test_closed_course_refuses_enrolment(course_tree, per_officer):
    CoursePage.objects.filter(pk=course_tree.course.pk).update(enrolment_open=False)
    course_tree.course.refresh_from_db()
    with pytest.raises(ValidationError, match="not open"):
        services.enrolment_create(actor=per_officer, course=course_tree.course)


def test_people_without_an_administration_cannot_enrol(course_tree, coordinator):
    with pytest.raises(PermissionDenied):
        services.enrolment_create(actor=coordinator, course=course_tree.course)


def test_officers_cannot_enrol_in_another_administrations_course(course_tree, pan_officer):
    with pytest.raises(Http404):
        services.enrolment_create(actor=pan_officer, course=course_tree.per_course)


def test_lesson_without_activities_completes_when_viewed(course_tree, per_officer, enrolment):
    status = services.lesson_visit(
        actor=per_officer, enrolment=enrolment, lesson=course_tree.lesson1
    )
    assert status == "completed"
    enrolment.refresh_from_db()
    assert enrolment.percent_complete == 33  # 1 of 3 required lessons
    progress = LessonProgress.objects.get(
        enrolment=enrolment, lesson_key=course_tree.lesson1.translation_key
    )
    assert progress.completed_at is not None and progress.viewed_at is not None


def test_lesson_with_a_required_activity_waits_for_it(course_tree, per_officer, enrolment):
    status = services.lesson_visit(
        actor=per_officer, enrolment=enrolment, lesson=course_tree.lesson2
    )
    assert status == "started"
    slot = slot_of(course_tree)
    services.h5p_statement_record(actor=per_officer, slot=slot, statement=statement(0, 1))
    enrolment.refresh_from_db()
    key = str(course_tree.lesson2.translation_key)
    # A scored answer completes the activity, even when wrong: it counts for progress only.
    assert enrolment.lesson_status[key] == "completed"


def test_course_completion_is_announced_once_after_commit(
    course_tree, per_officer, enrolment, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    events.course_completed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for lesson in (course_tree.lesson1, course_tree.lesson2, course_tree.lesson3):
                services.lesson_visit(actor=per_officer, enrolment=enrolment, lesson=lesson)
            assert received == []
            services.h5p_statement_record(
                actor=per_officer, slot=slot_of(course_tree), statement=statement()
            )
            # Again: the course is complete already, nothing more is announced.
            services.h5p_statement_record(
                actor=per_officer, slot=slot_of(course_tree), statement=statement()
            )
    finally:
        events.course_completed.disconnect(listener)
    assert len(received) == 1
    assert received[0]["course_key"] == course_tree.course.translation_key
    enrolment.refresh_from_db()
    assert enrolment.status == "completed" and enrolment.percent_complete == 100
    assert enrolment.completed_at is not None


def test_optional_lessons_do_not_count(course_tree, per_officer, enrolment):
    services.lesson_visit(actor=per_officer, enrolment=enrolment, lesson=course_tree.optional)
    enrolment.refresh_from_db()
    assert enrolment.percent_complete == 0


def test_progress_survives_a_change_of_language(course_tree, per_officer, enrolment):
    services.lesson_visit(actor=per_officer, enrolment=enrolment, lesson=course_tree.es.lesson1)
    enrolment.refresh_from_db()
    assert enrolment.lesson_status[str(course_tree.lesson1.translation_key)] == "completed"


def test_sequential_course_locks_later_lessons(client, course_tree, per_officer, enrolment):
    CoursePage.objects.filter(pk=course_tree.course.pk).update(sequential=True)
    per_officer.preferred_language = "en"
    per_officer.save()
    client.force_login(per_officer)
    response = client.get("/courses/detecting/detection/containers/")
    assert response.status_code == 302
    assert response["Location"] == "/courses/detecting/landscape/typologies/"
    assert client.get("/courses/detecting/landscape/typologies/").status_code == 200
    # Typologies is done; Live channels (its activity not yet answered) is next and open.
    assert client.get("/courses/detecting/landscape/live-channels/").status_code == 200
    assert client.get("/courses/detecting/detection/containers/").status_code == 302


def test_lesson_needs_enrolment(client, course_tree, per_officer):
    per_officer.preferred_language = "en"
    per_officer.save()
    client.force_login(per_officer)
    response = client.get("/courses/detecting/landscape/typologies/")
    assert response.status_code == 302 and response["Location"] == "/courses/detecting/"


def test_enrol_view_and_my_learning(client, course_tree, per_officer):
    per_officer.preferred_language = "en"
    per_officer.save()
    client.force_login(per_officer)
    response = client.post(f"/learning/enrol/{course_tree.course.pk}/")
    assert response.status_code == 302
    assert Enrolment.objects.filter(user=per_officer).count() == 1
    page = client.get("/learning/").content.decode()
    assert "Detecting illicit trade" in page and "What to do next" in page
    assert client.get(f"/learning/enrol/{course_tree.course.pk}/").status_code == 405


def test_enrol_view_hides_other_administrations_courses(client, course_tree, pan_officer):
    client.force_login(pan_officer)
    client.post(f"/learning/enrol/{course_tree.per_course.pk}/")
    assert not Enrolment.objects.filter(user=pan_officer).exists()


def test_my_learning_lists_only_my_enrolments(client, course_tree, per_officer):
    other = UserFactory(administration=per_officer.administration, roles={Role.OFFICER})
    services.enrolment_create(actor=other, course=course_tree.course)
    client.force_login(per_officer)
    assert "data-enrolment" not in client.get("/learning/").content.decode()


def test_course_page_shows_enrol_then_continue(client, course_tree, per_officer):
    per_officer.preferred_language = "en"
    per_officer.save()
    client.force_login(per_officer)
    assert 'data-action="enrol"' in client.get("/courses/detecting/").content.decode()
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    html = client.get("/courses/detecting/").content.decode()
    assert 'data-action="continue"' in html and "Typologies" in html
