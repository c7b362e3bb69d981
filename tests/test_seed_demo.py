"""The whole demo seed: three regional tracks in English, Spanish, Brazilian Portuguese and
French, and PER's own course in Spanish and English,
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
    per_course = CoursePage.objects.get(administration__code="PER", locale__language_code="en")
    assert per_course.get_parent().specific.administration.code == "PER"
    per_languages = {page.locale.language_code for page in per_course.get_translations(True)}
    assert per_languages == {"en", "es"}  # a course in the languages its owner teaches in
    # Every lesson translation uses activities in its own language, sharing block ids.
    for slot in LessonActivity.objects.select_related("activity", "lesson__locale"):
        assert slot.activity.language == slot.lesson.locale.language_code
    assert H5PLibrary.objects.count() == 1  # one library, shared by every activity
    assert (
        H5PActivity.objects.filter(language="es").count()
        == H5PActivity.objects.filter(language="en").count()
    )
    regional_activities = H5PActivity.objects.filter(administration__isnull=True)
    english_activities = regional_activities.filter(language="en").count()
    for language in ("pt-br", "fr"):
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
    per_pages = set(
        per_course.get_parent().get_descendants(inclusive=True).values_list("pk", flat=True)
    )
    # (the assessments seed's pages are plain copies, current all the same)
    copies = set(Page.objects.type(AssessmentPage).values_list("pk", flat=True))
    for (page_id, language), state in states.items():
        if page_id in per_pages and language in ("pt-br", "fr"):
            assert state.status == Status.MISSING
        else:
            assert state.status == Status.CURRENT, (page_id, language)
            assert (state.translation_id is None) == (page_id in copies), (page_id, language)
    translated_slots = LessonActivity.objects.exclude(lesson__locale__language_code="en")
    assert SegmentOverride.objects.count() == translated_slots.count()
    # Review workflow on the catalogues (regional in four languages, PER's in two),
    # authors grouped by ownership.
    assert WorkflowPage.objects.filter(page__in=CourseIndexPage.objects.all()).count() == 6
    author = User.objects.get(username="author")
    assert author.groups.filter(name="Course authors · regional").exists()

    # Assessments: a bank per track of 16+ questions covering every type, a final
    # assessment in each regional course (both languages), finished demo attempts.
    from assessments.models import AssessmentPage, Attempt, QuestionBank

    banks = QuestionBank.objects.all()
    assert banks.count() == 3
    for bank in banks:
        assert bank.questions.count() >= 16
        for question in bank.questions.all():  # every question in the four languages
            assert set(question.current_version.texts) == {"en", "es", "pt-br", "fr"}, question
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
