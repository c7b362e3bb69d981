"""The whole demo seed: three regional tracks in English, Spanish, Brazilian Portuguese and
French, and PER's own course in Spanish only,
with H5P activities, review workflow and authoring permissions; a second run changes
nothing."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from wagtail.models import WorkflowPage

from assessments.grading import QUESTION_TYPES
from certificates.tests.demo_checks import TABLES as CERTIFICATE_TABLES
from certificates.tests.demo_checks import check_demo_certificates
from courses.models import (
    CourseIndexPage,
    CoursePage,
    H5PActivity,
    H5PLibrary,
    LessonActivity,
    LessonPage,
    ModulePage,
)
from lms.accounts.demo import ACCOUNTS
from lms.accounts.models import User
from lms.tracking.tests.demo_checks import TABLES as TRACKING_TABLES
from lms.tracking.tests.demo_checks import check_demo_tracking

pytestmark = pytest.mark.django_db

TABLES = [
    "accounts_user",
    "accounts_user_groups",
    "auth_group",
    "wagtailcore_page",
    "wagtailcore_revision",
    "wagtailcore_grouppagepermission",
    "wagtailcore_workflowpage",
    "courses_coursepage",
    "courses_lessonpage",
    "courses_h5pactivity",
    "courses_h5plibrary",
    "courses_lessonactivity",
    "assessments_questionbank",
    "assessments_question",
    "assessments_questionversion",
    "assessments_assessmentpage",
    "assessments_attempt",
    "assessments_response",
    "assessments_manualgrade",
]


def snapshot():
    with connection.cursor() as cursor:
        result = {}
        for table in TABLES + CERTIFICATE_TABLES + TRACKING_TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")
            result[table] = cursor.fetchall()
        return result


def seed(capture):
    """The whole demo seed, as ``make run`` runs it; what is queued for after the commit
    (each certificate's PDF) runs as it would outside the test's transaction."""
    out = io.StringIO()
    with capture(execute=True):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.slow
def test_demo_curriculum_in_four_languages_and_idempotent(
    django_capture_on_commit_callbacks,
):
    output = seed(django_capture_on_commit_callbacks)
    check_demo_certificates()
    check_demo_tracking()
    for fact in ACCOUNTS:  # the command prints the demo accounts
        assert fact.username in output
    regional = CoursePage.objects.filter(administration__isnull=True)
    for language in ("en", "es", "pt-br", "fr"):
        assert regional.filter(locale__language_code=language).count() == 3, language
    assert {c.track for c in regional} == {"illicit_trade", "integrity", "ftz_aeo"}
    for course in regional.filter(locale__language_code="en"):
        modules = ModulePage.objects.child_of(course)
        assert modules.count() >= 3, course
        for module in modules:
            assert 2 <= LessonPage.objects.child_of(module).count() <= 3, module
        lessons = LessonPage.objects.descendant_of(course)
        assert LessonActivity.objects.filter(lesson__in=lessons).exists(), course
        for language in ("es", "pt-br", "fr"):  # every page of the track, in every language
            for page in [course, *modules, *lessons]:
                translated = page.get_translations().filter(locale__language_code=language)
                assert translated.count() == 1, (page, language)
            title = course.get_translations().get(locale__language_code=language).title
            assert title != course.title, language
    per_course = CoursePage.objects.get(administration__code="PER")  # one language only
    assert per_course.locale.language_code == "es"
    assert per_course.get_parent().specific.administration.code == "PER"
    for page in LessonPage.objects.descendant_of(per_course, inclusive=False):
        assert not page.get_translations().exists(), page  # no other language of its pages
    assert set(
        H5PActivity.objects.filter(administration__code="PER").values_list("language", flat=True)
    ) == {"es"}
    # Every lesson translation uses activities in its own language, sharing block ids.
    for slot in LessonActivity.objects.select_related("activity", "lesson__locale"):
        assert slot.activity.language == slot.lesson.locale.language_code
    assert H5PLibrary.objects.count() == 1  # one library, shared by every activity
    regional_activities = H5PActivity.objects.filter(administration__isnull=True)
    english_activities = regional_activities.filter(language="en").count()
    for language in ("es", "pt-br", "fr"):
        assert regional_activities.filter(language=language).count() == english_activities
    # The hand-written translations are wagtail-localize translations, all up to date,
    # each lesson's H5P activities in its language (issue 14); PER's pages are missing in
    # the languages PER does not teach in.
    from wagtail.models import Page
    from wagtail_localize.models import SegmentOverride

    from assessments.models import AssessmentPage
    from courses.translations import Status, translation_status_list_for_user

    statuses = translation_status_list_for_user(User.objects.get(username="admin"))
    states = {
        (entry.page.pk, language.language): language
        for entry in statuses
        for language in entry.languages
    }
    assert len(statuses) >= 50
    # PER's catalogue (English and Spanish) and, under its Spanish version, its course.
    per_catalogues = Page.objects.filter(translation_key=per_course.get_parent().translation_key)
    per_pages = {
        page.pk
        for catalogue in per_catalogues
        for page in catalogue.get_descendants(inclusive=True)
    }
    # (the assessments seed's pages are plain copies, current all the same)
    copies = set(Page.objects.type(AssessmentPage).values_list("pk", flat=True))
    for (page_id, language), state in states.items():
        if page_id in per_pages and language in ("pt-br", "fr"):
            assert state.status == Status.MISSING
        else:
            assert state.status == Status.CURRENT, (page_id, language)
            assert (state.translation_id is None) == (page_id in copies), (page_id, language)
    # (PER's Spanish course is an original, not a translation: no override there)
    translated_slots = LessonActivity.objects.exclude(lesson__locale__language_code="en").exclude(
        lesson__pk__in=per_pages
    )
    assert SegmentOverride.objects.count() == translated_slots.count()
    # Review workflow on the catalogues (regional in four languages, PER's in two),
    # authors grouped by ownership.
    assert WorkflowPage.objects.filter(page__in=CourseIndexPage.objects.all()).count() == 6
    author = User.objects.get(username="author")
    assert author.groups.filter(name="Course authors · regional").exists()

    # Assessments: a bank per track of 16+ questions covering every type, a final
    # assessment in each regional course (both languages), finished demo attempts.
    from assessments.models import AssessmentPage, Attempt, QuestionBank
    from assessments.translation_status import question_statuses
    from certificates.models import Programme
    from certificates.translation_status import programme_statuses

    for programme in Programme.objects.prefetch_related("texts"):
        statuses = {str(item.status) for item in programme_statuses(programme)}
        assert "outdated" not in statuses and "source" in statuses, programme

    banks = QuestionBank.objects.all()
    assert banks.count() == 3
    for bank in banks:
        assert bank.questions.count() >= 16
        for question in bank.questions.all():  # every question in the four languages
            assert set(question.current_version.texts) == {"en", "es", "pt-br", "fr"}, question
            # ... each translation current: the demo starts clean (issue 14).
            statuses = {str(item.status) for item in question_statuses(question)}
            assert statuses == {"source", "current"}, question
    every_type = set(QUESTION_TYPES)
    assert {q.current_version.type for b in banks for q in b.questions.all()} == every_type
    for language in ("en", "es", "pt-br", "fr"):
        assert AssessmentPage.objects.filter(locale__language_code=language).count() == 3
    # Three attempts from one bank: answers only once none remains (issue 11).
    assert {(p.review_policy, p.max_attempts) for p in AssessmentPage.objects.all()} == {
        ("after_last", 3)
    }
    assert Attempt.objects.filter(status="submitted").count() >= 10
    # Essays: each integrity attempt draws the demo essay; the training manager of the
    # officer's administration (a regional author where it has none) grades all but one or
    # two, which wait in the grading queue of PER's training manager.
    from assessments.marking.selectors import grading_queue_for_user
    from assessments.models import ManualGrade, Response

    essays = Response.objects.filter(version__type="essay").select_related("attempt")
    assert essays.count() >= 3
    waiting = essays.filter(needs_grading=True, attempt__status="grading")
    assert 1 <= waiting.count() <= 2
    assert grading_queue_for_user(User.objects.get(username="author.per")).exists()
    grades = ManualGrade.objects.select_related("grader", "attempt")
    assert grades.count() == essays.count() - waiting.count()
    assert grades.filter(grader__username="author.per").exists()
    for grade in grades:
        assert grade.rubric and grade.comment and grade.current and not grade.regrade
        assert grade.grader.administration_id in (grade.attempt.administration_id, None)
        assert grade.attempt.status == "submitted" and grade.attempt.percent is not None

    first = snapshot()
    output = seed(django_capture_on_commit_callbacks)
    assert snapshot() == first
    assert "courses: 0 created, 0 updated" in output
    assert "assessments: 0 created, 0 updated" in output
    assert "certificates: 0 created, 0 updated" in output
    assert "tracking: 0 created, 0 updated" in output
    check_spanish_only_course_for_an_english_reader()


def check_spanish_only_course_for_an_english_reader():
    """PER's own course exists in Spanish only, yet a Peruvian officer who reads the
    interface in English sees it in PER's catalogue, labelled with its language, finds
    it by search, enrols and opens its lessons (issue 14, point 2)."""
    from django.test import Client

    from courses.models import Enrolment
    from lms.accounts.roles import Role
    from lms.accounts.services import user_set_roles

    per = CoursePage.objects.get(administration__code="PER")
    officer = User.objects.create_user(
        username="reader.en.per",
        password=None,
        administration=per.administration,
        preferred_language="en",
    )
    user_set_roles(actor=None, user=officer, roles={Role.OFFICER})
    client = Client()
    client.force_login(officer)
    catalogue = CourseIndexPage.objects.get(administration__code="PER", locale__language_code="en")
    html = client.get(catalogue.url).content.decode()
    card = html.split(f'data-course="{per.slug}"', 1)[1].split("</li>", 1)[0]
    assert per.title in card and '<span class="badge" lang="es">Español</span>' in card
    assert client.get(per.url).status_code == 200
    response = client.post(f"/learning/enrol/{per.pk}/")
    assert response.status_code == 302
    assert Enrolment.objects.filter(user=officer, course_key=per.translation_key).exists()
    lesson = LessonPage.objects.descendant_of(per).live().order_by("path").first()
    html = client.get(lesson.url).content.decode()
    assert lesson.title in html and "Callao" in html
    # The search finds it from an English interface, in Spanish (the only version).
    html = client.get("/learning/search/", {"q": "Unidad de Control Portuario"}).content.decode()
    assert f'data-page="{lesson.slug}"' in html and 'data-language="es"' in html
