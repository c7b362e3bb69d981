"""A SCORM package placed in a lesson: the lesson block, which plays it in the player
frame (the run-time itself: test_runtime.py)."""

from __future__ import annotations

import uuid

import pytest

from courses import services
from courses.blocks import LESSON_BLOCKS, ScormPackageBlock
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.packages.scorm.services import scorm_package_import
from courses.tests.fixtures import add
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

from .packages import package

pytestmark = pytest.mark.django_db


def _lesson(home_page, block_value):
    index = add(home_page, CourseIndexPage(title="Courses", slug="courses"))
    course = add(
        index,
        CoursePage(
            title="Golf", slug="golf", summary="S.", track="illicit_trade", level="foundation"
        ),
    )
    module = add(course, ModulePage(title="Basics", slug="basics"))
    lesson = add(
        module,
        LessonPage(
            title="Play",
            slug="play",
            body=[{"type": "scorm", "value": block_value, "id": str(uuid.uuid4())}],
        ),
    )
    return course, lesson


def test_lessons_offer_the_scorm_block():
    blocks = dict(LESSON_BLOCKS)
    assert isinstance(blocks["scorm"], ScormPackageBlock)
    child = blocks["scorm"].child_blocks
    assert child["package"].target_model._meta.label == "scorm.ScormPackage"
    assert child["required"].get_default() is True


def test_the_block_plays_the_package_in_a_frame(home_page, per, per_unit):
    officer = UserFactory(
        administration=per, unit=per_unit, preferred_language="en", roles={Role.OFFICER}
    )
    scorm = scorm_package_import(actor=None, source=package(), title="Golf basics")
    course, lesson = _lesson(home_page, {"package": scorm.pk, "required": True})
    services.enrolment_create(actor=officer, course=course)

    stored = LessonPage.objects.get(pk=lesson.pk).body[0]
    assert stored.block_type == "scorm" and stored.value["package"] == scorm

    from django.test import Client

    client = Client()
    client.force_login(officer)
    html = client.get(lesson.url, HTTP_HOST="127.0.0.1").content.decode()
    assert '<iframe class="scorm-frame" src="http://localhost/c/' in html
    assert "Golf basics" in html
    assert "Required activity" in html
    # Without a content origin (a host it cannot be derived from), the officer is told.
    html = client.get(lesson.url).content.decode()
    assert "this server has no address for activities configured" in html
