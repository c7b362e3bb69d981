"""A course with SCORM packages from the corpus placed in a lesson, built the way authors
build it (pages published through Wagtail, packages imported through the upload service)."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

from courses import services as courses_services
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.packages.scorm.models import ScormSlot
from courses.packages.scorm.services import scorm_package_import
from courses.tests.fixtures import add

from .packages import CORPUS

GOLF_12 = "golf__RuntimeBasicCalls_SCORM12"
GOLF_2004_SEQUENCING = "golf__SequencingForcedSequential_SCORM20043rdEdition"


def scorm_course(
    home_page, *, packages: list[str], administration=None, required: bool = True, slug="golf"
):
    """A course whose second lesson holds one SCORM block per package (the first is text:
    the lesson under test is not the first one opened)."""
    imported = [
        scorm_package_import(
            actor=None,
            source=CORPUS / f"{name}.zip",
            title=name.split("__")[1],
            administration=administration,
        )
        for name in packages
    ]
    index = add(home_page, CourseIndexPage(title="Courses", slug=f"courses-{slug}"))
    course = add(
        index,
        CoursePage(
            title="Golf", slug=slug, summary="S.", track="illicit_trade", level="foundation"
        ),
    )
    module = add(course, ModulePage(title="Basics", slug="basics"))
    intro = add(
        module,
        LessonPage(
            title="Intro",
            slug="intro",
            required=False,
            body=[{"type": "text", "value": "<p>Welcome</p>", "id": str(uuid.uuid4())}],
        ),
    )
    lesson = add(
        module,
        LessonPage(
            title="Play",
            slug="play",
            body=[
                {
                    "type": "scorm",
                    "value": {"package": package.pk, "required": required},
                    "id": str(uuid.uuid4()),
                }
                for package in imported
            ],
        ),
    )
    slots = list(ScormSlot.objects.filter(lesson=lesson).order_by("position"))
    return SimpleNamespace(
        course=course, intro=intro, lesson=lesson, packages=imported, slots=slots
    )


def enrol(officer, tree):
    enrolment = courses_services.enrolment_create(actor=officer, course=tree.course)
    courses_services.lesson_visit(actor=officer, enrolment=enrolment, lesson=tree.lesson)
    return enrolment


def commit(client, slot, body: dict, **extra):
    return client.post(
        f"/scorm/commit/{slot.pk}/",
        data=json.dumps(body) if not isinstance(body, (bytes, str)) else body,
        content_type="application/json",
        **extra,
    )


def body(slot, *, seq: int, cmi: dict, item: str | None = None, **fields) -> dict:
    item = item or slot.package.launchable_items()[0]["identifier"]
    return {"seq": seq, "item": item, "session": "s1", "cmi": cmi, **fields}
