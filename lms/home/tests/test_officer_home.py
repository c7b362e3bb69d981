"""The signed-in home: what an officer does next, built from real rows made through the
services (assignments, enrolments and lesson visits, attempts, certificates)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from certificates.tests.fixtures import issue, make_programme, pass_assessment
from courses import services as course_services
from courses.models import CoursePage, LessonPage, ModulePage
from courses.tests.fixtures import add, text
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory
from lms.tracking.models import OfficerAssignment
from lms.tracking.tests.test_assignments import assign, in_days

pytestmark = pytest.mark.django_db


def home(client, user, language="en"):
    client.force_login(user)
    client.cookies["lms_language"] = language
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def block(html: str, name: str) -> str:
    """The HTML of one block of the home (``data-home="name"``)."""
    match = re.search(rf'<section[^>]*data-home="{name}".*?</section>', html, re.S)
    assert match, f"no {name} block"
    return match.group(0)


def failed_attempt(officer, page):
    """Start and submit without answering: a fail, through the services."""
    attempt = assessment_services.attempt_start(actor=officer, assessment=page)
    return assessment_services.attempt_submit(actor=officer, attempt_id=attempt.pk)


def months_ago(months: int, days: int = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=round(months * 30.44) + days)


@pytest.fixture
def manager(per_manager):
    return per_manager


# --- assigned ------------------------------------------------------------------------------


def test_assignments_show_due_dates_overdue_first(
    client, home_page, per, pan, per_officer, pan_officer, manager
):
    soon = make_programme(code="soon", titles={"en": "Soon programme"})
    late = make_programme(code="late", titles={"en": "Late programme"})
    later = make_programme(code="later", titles={"en": "Later programme"})
    assign(manager, per, programme=later, officers=[per_officer], due_on=in_days(20))
    overdue = assign(manager, per, programme=late, officers=[per_officer], due_on=in_days(5))
    OfficerAssignment.objects.filter(assignment=overdue).update(due_on=in_days(-3))
    assign(manager, per, programme=soon, officers=[per_officer], due_on=in_days(2))
    pan_manager = UserFactory(administration=pan, roles={Role.ADMINISTRATION_MANAGER})
    secret = make_programme(code="pan-only", titles={"en": "Panama secret programme"})
    hidden = assign(pan_manager, pan, programme=secret, officers=[pan_officer], due_on=in_days(1))
    OfficerAssignment.objects.filter(assignment=hidden).update(due_on=in_days(-1))

    html = block(home(client, per_officer), "assigned")
    titles = re.findall(r"(Late|Soon|Later) programme", html)
    assert titles == ["Late", "Soon", "Later"]  # overdue first, then by due date
    assert html.count("data-overdue") == 1
    first = html.split("data-assigned=")[1]
    assert "Overdue" in first and "Late programme" in first
    assert "Panama secret programme" not in html


# --- courses in progress ------------------------------------------------------------------


def test_continue_links_to_the_next_lesson_not_completed(client, course_tree, per_officer):
    enrolment = course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    course_services.lesson_visit(
        actor=per_officer, enrolment=enrolment, lesson=course_tree.lesson1
    )  # no required activity: completed on visit
    html = block(home(client, per_officer), "continue")
    links = re.findall(r'data-continue href="([^"]+)"', html)
    assert links == [course_tree.lesson2.url]
    assert "Continue: Live channels" in html

    # In Spanish, the Spanish translation of the same next lesson.
    html = block(home(client, per_officer, "es"), "continue")
    assert re.findall(r'data-continue href="([^"]+)"', html) == [course_tree.es.lesson2.url]


def test_completed_lessons_move_the_continue_link_on(client, course_tree, per_officer):
    enrolment = course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    html = block(home(client, per_officer), "continue")
    assert re.findall(r'data-continue href="([^"]+)"', html) == [course_tree.lesson1.url]
    course_services.lesson_visit(actor=per_officer, enrolment=enrolment, lesson=course_tree.lesson1)
    course_services.lesson_visit(actor=per_officer, enrolment=enrolment, lesson=course_tree.lesson3)
    html = block(home(client, per_officer), "continue")
    # Lesson 2 waits for its H5P activity: it is still the next one, not lesson 3.
    assert re.findall(r'data-continue href="([^"]+)"', html) == [course_tree.lesson2.url]


# --- certificates to renew ----------------------------------------------------------------


def test_expiring_and_expired_certificates_show_how_to_renew(
    client, assessment, per_officer, pan_officer
):
    renewable = make_programme(code="renewable", assessment=assessment.page, min_score=80)
    expiring = issue(per_officer, renewable, issued_at=months_ago(36, days=-30))
    gone = make_programme(
        code="gone", course=assessment.tree.course, titles={"en": "Lapsed programme"}
    )
    expired = issue(per_officer, gone, issued_at=months_ago(37))
    fresh = make_programme(code="fresh", titles={"en": "Fresh programme"})
    issue(per_officer, fresh)  # valid for 36 months: nothing to do
    issue(
        pan_officer,
        make_programme(code="pan-cert", titles={"en": "Panama certificate"}),
        issued_at=months_ago(36, days=-10),
    )

    html = block(home(client, per_officer), "renewals")
    items = re.findall(r'data-certificate="(\d+)" data-status="(\w+)"', html)
    assert items == [(str(expired.pk), "expired"), (str(expiring.pk), "expiring")]
    assert f'data-renew href="{assessment.page.url}"' in html  # the assessment renews it
    assert f'data-renew href="{assessment.tree.course.url}"' in html
    assert "Fresh programme" not in html and "Panama certificate" not in html

    calendar = block(home(client, per_officer), "calendar")
    assert f'data-event="certificate-{expiring.pk}"' in calendar
    assert "Panama" not in calendar


# --- recent results -----------------------------------------------------------------------


def test_recent_results_show_pass_and_fail_with_links(
    client, assessment, per_officer, pan_officer, django_capture_on_commit_callbacks
):
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    course_services.enrolment_create(actor=pan_officer, course=assessment.tree.course)
    failed = failed_attempt(per_officer, assessment.page)
    passed = pass_assessment(per_officer, assessment.page)
    pan_attempt = failed_attempt(pan_officer, assessment.page)

    html = block(home(client, per_officer), "results")
    rows = re.findall(r'data-attempt="(\d+)" data-result="(\w+)"', html)
    assert rows == [(str(passed.pk), "passed"), (str(failed.pk), "failed")]  # newest first
    assert reverse("assessments:result", args=[passed.pk]) in html
    assert reverse("assessments:result", args=[failed.pk]) in html
    assert f'data-attempt="{pan_attempt.pk}"' not in html


def test_a_hidden_score_is_not_shown_on_the_home(client, assessment, per_officer):
    assessment.page.review_policy = "nothing"
    assessment.page.save_revision().publish()
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    attempt = failed_attempt(per_officer, assessment.page)
    html = block(home(client, per_officer), "results")
    assert f'data-attempt="{attempt.pk}" data-result="unknown"' in html
    assert "Not passed" not in html


# --- the result page leads on -------------------------------------------------------------


def test_a_failed_result_offers_another_attempt_and_the_course(client, assessment, per_officer):
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    attempt = failed_attempt(per_officer, assessment.page)
    client.force_login(per_officer)
    client.cookies["lms_language"] = "en"
    html = client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    steps = html[html.index("data-next-steps") :]
    assert 'data-next="retry"' in steps
    assert 'data-attempts-left="1"' in steps  # two allowed, one used
    assert reverse("assessments:start", args=[assessment.page.pk]) in steps
    assert f'href="{assessment.tree.course.url}"' in steps
    assert 'data-next="certificate"' not in steps

    # The last attempt used: no retry, the reason instead.
    second = failed_attempt(per_officer, assessment.page)
    html = client.get(reverse("assessments:result", args=[second.pk])).content.decode()
    steps = html[html.index("data-next-steps") :]
    assert 'data-next="retry"' not in steps
    assert 'data-next="no-retry"' in steps


def test_a_passed_result_leads_to_the_certificate_and_the_next_lesson(client, earned):
    client.force_login(earned.officer)
    client.cookies["lms_language"] = "en"
    html = client.get(reverse("assessments:result", args=[earned.attempt.pk])).content.decode()
    steps = html[html.index("data-next-steps") :]
    assert reverse("certificates:pdf", args=[earned.certificate.pk]) in steps
    assert 'data-next="retry"' not in steps
    tree = earned.programme.requirements.get().assessment.get_parent().get_parent()
    lesson1 = LessonPage.objects.get(slug="typologies", locale__language_code="en")
    assert f'data-next="item"><a href="{lesson1.url}"' in steps
    assert f'href="{tree.url}"' in steps


# --- roles and empty states ---------------------------------------------------------------


def test_managers_get_shortcuts_not_menu_boxes(client, home_page, per_manager, coordinator):
    html = home(client, per_manager)
    shortcuts = re.findall(r'data-shortcut="(\w+)"', html)
    assert shortcuts == ["assign", "matrix", "import"]
    assert reverse("tracking:assignment_new", args=["PER"]) in html
    assert 'data-home="' not in html  # no officer blocks for a manager who is no officer
    html = home(client, coordinator)
    assert re.findall(r'data-shortcut="(\w+)"', html) == ["regional_export"]


def test_an_officer_with_nothing_sees_empty_states_in_their_language(
    client, home_page, per_officer
):
    html = home(client, per_officer)
    assert re.findall(r'data-shortcut="(\w+)"', html) == []  # the menu is not repeated
    for name in ("assigned", "continue", "renewals", "results", "calendar"):
        assert 'class="home-empty"' in block(html, name)
    assert "Nothing is assigned to you at the moment." in html
    html = home(client, per_officer, "es")
    assert '<html lang="es">' in html
    assert "Por el momento no tiene nada asignado." in unescape(html)


# --- the calendar -------------------------------------------------------------------------


def test_the_calendar_lists_upcoming_due_dates_by_month(
    client, home_page, per, per_officer, manager
):
    programme = make_programme(code="cal", titles={"en": "Calendar programme"})
    other = make_programme(code="cal2", titles={"en": "Second programme"})
    first = assign(manager, per, programme=programme, officers=[per_officer], due_on=in_days(3))
    second = assign(manager, per, programme=other, officers=[per_officer], due_on=in_days(40))
    html = block(home(client, per_officer), "calendar")
    first_record = OfficerAssignment.objects.get(assignment=first)
    second_record = OfficerAssignment.objects.get(assignment=second)
    assert f'<time datetime="{in_days(3):%Y-%m-%d}">' in html
    assert html.index(f"assignment-{first_record.pk}") < html.index(
        f"assignment-{second_record.pk}"
    )
    assert html.count("<caption>") == (2 if in_days(3).month != in_days(40).month else 1)
    assert "Due: Calendar programme" in html


# --- query count --------------------------------------------------------------------------


# Session, user and the blocks of the home; the site, page routing and view
# restrictions come from the page cache (lms/page_cache.py), warmed by a first visit after
# every change of the page tree.
HOME_QUERIES = 17


def test_the_home_query_count_does_not_grow(
    client,
    assessment,
    per,
    per_officer,
    manager,
    django_assert_num_queries,
):
    tree = assessment.tree

    def load(n: int, start: int) -> None:
        for number in range(start, start + n):
            course = add(
                tree.index,
                CoursePage(
                    title=f"Course {number}",
                    slug=f"course-{number}",
                    summary="More.",
                    track="illicit_trade",
                    level="foundation",
                ),
            )
            module = add(course, ModulePage(title=f"Module {number}", slug=f"module-{number}"))
            add(
                module,
                LessonPage(
                    title=f"Lesson {number}", slug=f"lesson-{number}", body=[text("<p>Read.</p>")]
                ),
            )
            course_services.enrolment_create(actor=per_officer, course=course)
            assign(manager, per, course=course, officers=[per_officer], due_on=in_days(number))
            assigned = make_programme(code=f"a-{number}", titles={"en": f"Assigned {number}"})
            assign(manager, per, programme=assigned, officers=[per_officer], due_on=in_days(9))
            programme = make_programme(
                code=f"p-{number}", course=course, titles={"en": f"Programme {number}"}
            )
            issue(per_officer, programme, issued_at=months_ago(36, days=-20 - number))

    course_services.enrolment_create(actor=per_officer, course=tree.course)
    failed_attempt(per_officer, assessment.page)
    load(2, 0)
    home(client, per_officer)  # warm the site root paths cache
    with django_assert_num_queries(HOME_QUERIES):
        client.get("/")
    load(5, 2)
    pass_assessment(per_officer, assessment.page)
    home(client, per_officer)  # the page tree changed: warm the page cache again
    with django_assert_num_queries(HOME_QUERIES):
        html = client.get("/").content.decode()
    assert block(html, "continue").count("data-continue") == 6
    assert block(html, "assigned").count("data-assigned=") == 14
    assert block(html, "renewals").count("data-certificate=") == 7
    assert block(html, "results").count("data-attempt=") == 2
