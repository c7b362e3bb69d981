"""A small course tree in English and Spanish with a real H5P activity, built the way
authors and the seed build them (pages published through Wagtail, package imported
through the same service as uploads)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from wagtail.models import Locale

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.packages.h5p.build import build_package
from courses.packages.h5p.services import h5p_package_import
from tests.quiet_indexing import quiet_indexing
from tests.replay import replayed

QUESTION = {
    "en": {
        "question": "<p>Which tool is the live channel of an operation?</p>",
        "multipleAnswers": False,
        "options": [
            {"text": "CEN", "correct": False, "feedback": "CEN stores seizures."},
            {"text": "CENcomm", "correct": True, "feedback": "Yes: the closed live channel."},
            {"text": "nCEN", "correct": False, "feedback": "nCEN is national."},
        ],
    },
    "es": {
        "question": "<p>¿Qué herramienta es el canal en vivo de una operación?</p>",
        "multipleAnswers": False,
        "options": [
            {"text": "CEN", "correct": False, "feedback": "CEN guarda incautaciones."},
            {"text": "CENcomm", "correct": True, "feedback": "Sí: el canal cerrado en vivo."},
            {"text": "nCEN", "correct": False, "feedback": "nCEN es nacional."},
        ],
    },
}


def package(language: str = "en", title: str = "Live channel") -> bytes:
    return build_package(content=QUESTION[language], title=title, language=language)


def publish(page):
    with quiet_indexing():
        page.save_revision().publish()
    return page


def add(parent, page):
    with quiet_indexing():
        parent.add_child(instance=page)
    return publish(page)


def translate(page, locale, **fields):
    with quiet_indexing():
        copy = page.copy_for_translation(locale, copy_parents=True)
    for name, value in fields.items():
        setattr(copy, name, value)
    return publish(copy)


@pytest.fixture
def activities(db):
    return {
        language: h5p_package_import(actor=None, data=package(language), title=f"KC {language}")
        for language in ("en", "es")
    }


def text(html):
    return {"type": "text", "value": html, "id": str(uuid.uuid4())}


@pytest.fixture
@replayed
def course_tree(home_page, activities, per):
    spanish = Locale.objects.get(language_code="es")
    index = add(home_page, CourseIndexPage(title="Courses", slug="courses"))
    course = add(
        index,
        CoursePage(
            title="Detecting illicit trade",
            slug="detecting",
            summary="Red flags, concealment and intelligence.",
            track="illicit_trade",
            level="foundation",
            estimated_hours=4,
        ),
    )
    translate(index, spanish, title="Cursos")
    translate(course, spanish, title="Detectar el comercio ilícito", summary="Señales de alerta.")
    module1 = add(course, ModulePage(title="Landscape", slug="landscape"))
    module2 = add(course, ModulePage(title="Detection", slug="detection"))
    lesson1 = add(
        module1,
        LessonPage(title="Typologies", slug="typologies", body=[text("<p>Smuggling.</p>")]),
    )
    block_id = str(uuid.uuid4())
    lesson2 = add(
        module1,
        LessonPage(
            title="Live channels",
            slug="live-channels",
            body=[
                text("<p>CEN, nCEN and CENcomm.</p>"),
                {
                    "type": "h5p",
                    "value": {"activity": activities["en"].pk, "required": True},
                    "id": block_id,
                },
            ],
        ),
    )
    lesson3 = add(
        module2,
        LessonPage(title="Containers", slug="containers", body=[text("<p>Rip-on/rip-off.</p>")]),
    )
    optional = add(
        module2,
        LessonPage(
            title="Further reading",
            slug="further-reading",
            required=False,
            body=[text("<p>More.</p>")],
        ),
    )
    es = SimpleNamespace()
    for name, page in {"module1": module1, "module2": module2}.items():
        setattr(es, name, translate(page, spanish, title=f"{page.title} (es)"))
    es.lesson1 = translate(lesson1, spanish, title="Tipologías")
    es.lesson2 = translate(
        lesson2,
        spanish,
        title="Canales en vivo",
        body=[
            text("<p>CEN, nCEN y CENcomm.</p>"),
            {
                "type": "h5p",
                "value": {"activity": activities["es"].pk, "required": True},
                "id": block_id,
            },
        ],
    )
    es.lesson3 = translate(lesson3, spanish, title="Contenedores")
    es.course = course.get_translation(spanish)

    per_index = add(
        home_page, CourseIndexPage(title="SUNAT courses", slug="per", administration=per)
    )
    per_course = add(
        per_index,
        CoursePage(
            title="Callao induction",
            slug="callao",
            summary="For Callao.",
            track="illicit_trade",
            level="foundation",
        ),
    )
    per_module = add(per_course, ModulePage(title="Port", slug="port"))
    per_lesson = add(
        per_module,
        LessonPage(title="Port control", slug="port-control", body=[text("<p>PCU.</p>")]),
    )
    return SimpleNamespace(
        index=index,
        course=course,
        module1=module1,
        module2=module2,
        lesson1=lesson1,
        lesson2=lesson2,
        lesson3=lesson3,
        optional=optional,
        block_id=block_id,
        es=es,
        per_index=per_index,
        per_course=per_course,
        per_lesson=per_lesson,
        activities=activities,
    )
