"""Demo seed for courses: the three regional tracks in English, Spanish, Brazilian
Portuguese and French, and PER's own course in Spanish only (a single-language course),
with H5P knowledge checks built from the project's own content type; the translations are
registered with wagtail-localize.

Content lives in ``courses/demo/`` (JSON written for this project). Idempotent: pages and
activities that exist already are left as they are.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import (
    GroupApprovalTask,
    Locale,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from lms.accounts.models import Administration, User
from lms.accounts.roles import Role
from lms.home.models import HomePage
from lms.seeding import SeedReport

from .models import CourseIndexPage, CoursePage, H5PActivity, LessonPage, ModulePage
from .packages.h5p.build import build_package
from .packages.h5p.services import h5p_package_import
from .services import author_groups_sync
from .translation_services import page_translations_adopt

COURSE_PAGES = (CourseIndexPage, CoursePage, ModulePage, LessonPage)
"""The pages this seed builds (assessment pages are the assessments seed's)."""
DEMO_DIR = Path(__file__).resolve().parent / "demo"
LANGUAGES = ("en", "es", "pt-br", "fr")
"""The demo's languages; a course, module, lesson or activity is written in its file's
``primary_language`` (English unless said) and translated into the others its file has."""
DEMO_NAMESPACE = uuid.UUID("0d6f4f3c-8f0e-4c55-9d1f-6a2f2f0c9a11")
CATALOGUE_TEXT = {
    "en": {"title": "Courses", "intro": "<p>Courses for officers of every administration.</p>"},
    "es": {
        "title": "Cursos",
        "intro": "<p>Cursos para los funcionarios de todas las administraciones.</p>",
    },
    "pt-br": {
        "title": "Cursos",
        "intro": "<p>Cursos para os servidores aduaneiros de todas as administrações.</p>",
    },
    "fr": {
        "title": "Cours",
        "intro": "<p>Des cours pour les agents des douanes de toutes les administrations.</p>",
    },
}
OWN_CATALOGUE_TEXT = {
    "en": {
        "title": "Courses of SUNAT – Aduanas",
        "intro": "<p>Courses for Peru's officers only.</p>",
    },
    "es": {
        "title": "Cursos de SUNAT – Aduanas",
        "intro": "<p>Cursos solo para los funcionarios del Perú.</p>",
    },
}


def _load(folder: str) -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text("utf-8")) for path in sorted((DEMO_DIR / folder).glob("*.json"))
    ]


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _child(parent: Page, model: type[Page], slug: str, report: SeedReport, **fields: Any) -> Page:
    existing = parent.get_children().filter(slug=slug).first()
    if existing is not None:
        report["unchanged"] += 1
        return existing.specific
    page = model(slug=slug, locale=parent.locale, **fields)
    parent.add_child(instance=page)
    _publish(page)
    report["created"] += 1
    return page


def _translation(page: Page, locale: Locale, fields: dict[str, Any], report: SeedReport) -> Page:
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        report["unchanged"] += 1
        return existing.specific
    translated = page.copy_for_translation(locale, copy_parents=True)
    for name, value in fields.items():
        setattr(translated, name, value)
    _publish(translated)
    report["created"] += 1
    return translated


def _source(spec: dict[str, Any]) -> str:
    """The language a demo course is written in (its pages' source locale)."""
    return spec.get("primary_language", "en")


def _activities(admin: User, report: SeedReport) -> dict[tuple[str, str], H5PActivity]:
    activities: dict[tuple[str, str], H5PActivity] = {}
    owners = {spec["key"]: None for spec in _load("activities")}
    for course in _load("tracks"):
        if course.get("owner"):
            for activity_key in _activity_keys(course):
                owners[activity_key] = course["owner"]
    for spec in _load("activities"):
        for language in (code for code in LANGUAGES if code in spec):
            content = dict(spec[language])
            title = content.pop("title")
            key = uuid.uuid5(DEMO_NAMESPACE, f"activity:{spec['key']}:{language}")
            activity = H5PActivity.objects.filter(uuid=key).first()
            if activity is None:
                owner = owners.get(spec["key"])
                activity = h5p_package_import(
                    actor=admin,
                    data=build_package(content=content, title=title, language=language),
                    title=title,
                    administration=Administration.objects.get(code=owner) if owner else None,
                    activity_uuid=key,
                )
                report["created"] += 1
            else:
                report["unchanged"] += 1
            activities[(spec["key"], language)] = activity
    return activities


def _activity_keys(course: dict[str, Any]) -> list[str]:
    return [
        block["activity"]
        for module in course["modules"]
        for lesson in module["lessons"]
        for block in lesson[_source(course)]["blocks"]
        if block["type"] == "h5p"
    ]


def _stream(blocks: list[dict[str, Any]], ids: list[str], language: str, activities: dict) -> list:
    stream = []
    for block, block_id in zip(blocks, ids, strict=True):
        kind = block["type"]
        if kind == "text":
            value: Any = block["html"]
        elif kind == "callout":
            value = {"kind": block["kind"], "title": block["title"], "body": block["html"]}
        elif kind == "glossary":
            value = {"term": block["term"], "definition": block["definition"]}
        elif kind == "scenario":
            value = {"title": block["title"], "body": block["html"]}
        elif kind == "h5p":
            activity = activities[(block["activity"], language)]
            value = {"activity": activity.pk, "required": block.get("required", True)}
        else:
            raise ValueError(f"Unknown block type {kind!r} in the demo content")
        stream.append({"type": kind, "value": value, "id": block_id})
    return stream


def _course(
    index: dict[str, Page], spec: dict[str, Any], activities: dict, report: SeedReport
) -> None:
    source = _source(spec)
    languages = [code for code in LANGUAGES if code in spec and code != source]
    course_fields = {
        lang: {
            "title": spec[lang]["title"],
            "summary": spec[lang]["summary"],
            # The same block ids in every language, as the lessons' blocks: each outcome
            # pairs with its translation (courses/translation_services.py).
            "outcomes": [
                {
                    "type": "outcome",
                    "value": text,
                    "id": str(uuid.uuid5(DEMO_NAMESPACE, f"{spec['slug']}/outcome/{n}")),
                }
                for n, text in enumerate(spec[lang]["outcomes"])
            ],
            "prerequisites": spec[lang].get("prerequisites", ""),
        }
        for lang in (source, *languages)
    }
    course = _child(
        index[source],
        CoursePage,
        spec["slug"],
        report,
        track=spec["track"],
        level=spec["level"],
        estimated_hours=spec["estimated_hours"],
        sequential=spec.get("sequential", False),
        **course_fields[source],
    )
    for lang in languages:
        _translation(course, index[lang].locale, course_fields[lang], report)
    for module_spec in spec["modules"]:
        module = _child(
            course,
            ModulePage,
            module_spec["slug"],
            report,
            title=module_spec[source]["title"],
            intro=module_spec[source].get("intro", ""),
        )
        for lang in (code for code in languages if code in module_spec):
            text = module_spec[lang]
            fields = {"title": text["title"], "intro": text.get("intro", "")}
            _translation(module, index[lang].locale, fields, report)
        for lesson_spec in module_spec["lessons"]:
            ids = [
                str(
                    uuid.uuid5(
                        DEMO_NAMESPACE,
                        f"{spec['slug']}/{module_spec['slug']}/{lesson_spec['slug']}/{n}",
                    )
                )
                for n in range(len(lesson_spec[source]["blocks"]))
            ]
            lesson = _child(
                module,
                LessonPage,
                lesson_spec["slug"],
                report,
                title=lesson_spec[source]["title"],
                estimated_minutes=lesson_spec.get("estimated_minutes", 15),
                required=lesson_spec.get("required", True),
                body=_stream(lesson_spec[source]["blocks"], ids, source, activities),
            )
            for lang in (code for code in languages if code in lesson_spec):
                text = lesson_spec[lang]
                fields = {
                    "title": text["title"],
                    "body": _stream(text["blocks"], ids, lang, activities),
                }
                _translation(lesson, index[lang].locale, fields, report)


def _catalogue(
    home: HomePage, slug: str, text: dict, administration: Administration | None, report: SeedReport
) -> dict[str, Page]:
    english = _child(
        home, CourseIndexPage, slug, report, administration=administration, **text["en"]
    )
    pages = {"en": english}
    for code in (code for code in LANGUAGES if code in text and code != "en"):
        locale = Locale.objects.get(language_code=code)
        pages[code] = _translation(english, locale, text[code], report)
    return pages


def _review_workflow(indexes: list[Page]) -> None:
    """Drafts of the demo catalogues go through review by the platform admins."""
    workflow, _created = Workflow.objects.get_or_create(name="Course review")
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        task, _new = GroupApprovalTask.objects.get_or_create(name="Review by platform admins")
        task.groups.set([Group.objects.get(name=Role.PLATFORM_ADMIN.value)])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for page in indexes:
        WorkflowPage.objects.get_or_create(page=page, defaults={"workflow": workflow})


@transaction.atomic
def seed_demo(*, stdout: TextIO) -> None:
    report = SeedReport()
    admin = User.objects.get(username="admin")
    home = HomePage.objects.get(locale__language_code="en")
    regional = _catalogue(home, "courses", CATALOGUE_TEXT, None, report)
    peru = _catalogue(
        home, "per", OWN_CATALOGUE_TEXT, Administration.objects.get(code="PER"), report
    )
    activities = _activities(admin, report)
    for spec in _load("tracks"):
        index = peru if spec.get("owner") == "PER" else regional
        _course(index, spec, activities, report)
    # The hand-written translations become wagtail-localize translations: synced, marked
    # outdated when the English changes (courses/translations.py).
    for english in (regional["en"], peru["en"]):
        pages = english.get_descendants(inclusive=True).type(*COURSE_PAGES).specific()
        for page in pages:
            if page_translations_adopt(actor=admin, page=page):
                report["updated"] += 1
    _review_workflow([*regional.values(), *peru.values()])
    author_groups_sync()
    stdout.write(f"courses: {report.line()}\n")
