"""Tenancy in the Wagtail admin (issue 11): an author bound to one administration (PAN)
never sees another administration's (PER's) titles, cannot change regional content, and
documents are served only to the people who may see them.

The crawl enumerates the admin's URL patterns from the resolver, so pages added to the
admin later are crawled too. Every PER object carries :data:`MARKER` in its title; the
crawl searches with :data:`QUERY` (the marker in lower case, so that a search box echoing
the query does not count) and asserts that the marker is absent from every response. The
same crawl as PER's own author is the positive control: it must find the marker on the
listings, choosers, searches, reports and APIs, so that a broken URL cannot pass.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import polib
import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.log_actions import log
from wagtail.models import (
    GroupApprovalTask,
    Locale,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)
from wagtail_localize.models import StringTranslation, Translation
from wagtail_localize.operations import TranslationCreator

from assessments.models import AssessmentPage, DrawRule, QuestionImport
from assessments.tests.essay_fixtures import ESSAY, ESSAY_TEXT, essay_page, essay_response, sit
from assessments.tests.fixtures import make_bank
from assessments.translation_po import bank_translation_po
from certificates.tests.fixtures import make_programme
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.packages.h5p.services import h5p_package_import
from courses.packages.scorm.services import scorm_package_import
from courses.packages.scorm.tests.packages import package as scorm_package
from courses.services import author_groups_sync, media_collection_for
from courses.tests.fixtures import add, package, translate
from lms.accounts.roles import Role

pytestmark = pytest.mark.django_db

MARKER = "ZZPERSECRET"
QUERY = MARKER.lower()
DOCUMENT_BYTES = b"%PDF-1.4 ZZPERSECRET body of PER's circular\n"


def _text(html: str) -> dict[str, Any]:
    return {"type": "text", "value": html, "id": str(uuid.uuid4())}


def _question(uid: str) -> dict[str, tuple]:
    return {
        uid: (
            "true_false",
            {"correct": True},
            {"stem": f"<p>{uid}?</p>"},
        )
    }


@pytest.fixture(name="world")
def world_fixture(
    home_page, per, pan, per_author, pan_author, regional_author, platform_admin, per_officer
):
    """Regional, PER and PAN content of every kind the admin shows; PER's titles carry the
    marker (published pages, a draft, a locked page, a page in moderation, a bank and its
    question, an H5P activity, a SCORM package, a document, an image, a programme, log
    entries, a background question import and an essay waiting for a grader)."""
    regional_index = add(home_page, CourseIndexPage(title="Regional courses", slug="courses"))
    pan_index = add(home_page, CourseIndexPage(title="PAN courses", slug="pan", administration=pan))
    per_index = add(
        home_page, CourseIndexPage(title=f"{MARKER} catalogue", slug="per", administration=per)
    )
    course_fields = {"summary": "S.", "track": "illicit_trade", "level": "foundation"}
    per_course = add(per_index, CoursePage(title=f"{MARKER} course", slug="c", **course_fields))
    per_module = add(per_course, ModulePage(title=f"{MARKER} module", slug="m"))
    per_lesson = add(
        per_module, LessonPage(title=f"{MARKER} lesson", slug="l", body=[_text("<p>x</p>")])
    )
    per_draft = LessonPage(title=f"{MARKER} draft", slug="d", body=[_text("<p>y</p>")], live=False)
    per_module.add_child(instance=per_draft)
    per_draft.save_revision(user=per_author)
    pan_course = add(pan_index, CoursePage(title="PAN course", slug="c", **course_fields))
    pan_module = add(pan_course, ModulePage(title="PAN module", slug="m"))
    regional_course = add(
        regional_index, CoursePage(title="Open course", slug="o", **course_fields)
    )
    regional_module = add(regional_course, ModulePage(title="Open module", slug="m"))

    per_bank = make_bank(f"{MARKER} bank", administration=per, questions=_question(f"{MARKER}-q"))
    pan_bank = make_bank("PAN bank", administration=pan, questions=_question("pan-q"))
    regional_bank = make_bank("Regional bank", questions=_question("regional-q"))
    per_exam = AssessmentPage(title=f"{MARKER} exam", slug="exam")
    per_exam.draw_rules = [DrawRule(bank=per_bank, count=1)]
    add(per_module, per_exam)
    pan_exam = AssessmentPage(title="PAN exam", slug="exam")
    pan_exam.draw_rules = [DrawRule(bank=regional_bank, count=1)]
    add(pan_module, pan_exam)

    # The review workflow, with a PER draft in moderation and a locked PER page.
    workflow = Workflow.objects.create(name="Course review")
    task = GroupApprovalTask.objects.create(name="Review by platform admins")
    # Every training manager reviews: the reviewers' dashboard and the workflow views must
    # still show each author only what they may see.
    task.groups.set(Group.objects.filter(name__in=[Role.PLATFORM_ADMIN, Role.TRAINING_MANAGER]))
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=home_page)
    # Both catalogues exist in Spanish (as in the demo), so that their authors may edit the
    # Spanish pages that wagtail-localize makes below.
    spanish = Locale.objects.get(language_code="es")
    translate(per_index, spanish, title=f"{MARKER} catálogo")
    translate(regional_index, spanish, title="Cursos regionales")
    author_groups_sync()
    # Translations through wagtail-localize (issue 14): PER's lesson (its texts, and so its
    # PO file, carry the marker) and a regional module, into Spanish.
    TranslationCreator(per_author, [spanish]).create_translations(per_lesson)
    TranslationCreator(regional_author, [spanish]).create_translations(regional_module)
    per_translation = Translation.objects.get(source__object_id=per_lesson.translation_key)
    regional_translation = Translation.objects.get(
        source__object_id=regional_module.translation_key
    )
    workflow_state = workflow.start(per_draft, per_author)
    per_lesson.locked, per_lesson.locked_by, per_lesson.locked_at = True, per_author, timezone.now()
    per_lesson.save()

    per_activity = h5p_package_import(
        actor=None, data=package(), title=f"{MARKER} activity", administration=per
    )
    pan_activity = h5p_package_import(
        actor=None, data=package(), title="PAN activity", administration=pan
    )
    regional_activity = h5p_package_import(actor=None, data=package(), title="Regional activity")
    per_scorm = scorm_package_import(
        actor=None, source=scorm_package(), title=f"{MARKER} SCORM package", administration=per
    )
    pan_scorm = scorm_package_import(
        actor=None, source=scorm_package(), title="PAN SCORM package", administration=pan
    )
    regional_scorm = scorm_package_import(
        actor=None, source=scorm_package(), title="Regional SCORM package"
    )

    Document, Image = get_document_model(), get_image_model()
    per_document = Document.objects.create(
        title=f"{MARKER} document",
        file=ContentFile(DOCUMENT_BYTES, name="per-circular.pdf"),
        collection=media_collection_for(per),
        uploaded_by_user=per_author,
    )
    regional_document = Document.objects.create(
        title="Regional document",
        file=ContentFile(b"regional", name="regional.pdf"),
        collection=media_collection_for(None),
    )
    per_image = Image.objects.create(
        title=f"{MARKER} image",
        file=get_test_image_file("per.png"),
        collection=media_collection_for(per),
        uploaded_by_user=per_author,
    )
    per_programme = make_programme(
        code="per-port", administration=per, titles={"en": f"{MARKER} programme"}
    )
    regional_programme = make_programme(code="regional-prog", titles={"en": "Open programme"})
    for instance in (
        per_bank,
        per_activity,
        per_scorm,
        per_document,
        per_image,
        per_programme,
        per_index,
    ):
        log(instance=instance, action="wagtail.create", user=per_author)
    log(instance=per_bank.questions.get(), action="wagtail.edit", user=per_author)
    # Tags are global rows (taggit): PER's are named with the marker, on a question, an
    # image and a document only, so only what shows PER's rows may show them.
    per_bank.questions.get().tags.add(f"{MARKER}-operation")
    per_image.tags.add(f"{MARKER}-image-tag")
    per_document.tags.add(f"{MARKER}-document-tag")
    pan_bank.questions.get().tags.add("pan-operation")

    # A question import of PER's bank, and an essay of a PER officer waiting for a grade
    # (its stem and answer carry the marker).
    per_import = QuestionImport.objects.create(
        bank=per_bank,
        uploaded_by=per_author,
        filename=f"{MARKER}.xml",
        format="moodlexml",
        status=QuestionImport.Status.DONE,
        total=1,
        processed=1,
        rejected=[[3, f"{MARKER} refused question", "error"]],
    )
    essay_stem = {"stem": f"<p>{MARKER} essay: describe the seizure.</p>"}
    essay_bank = make_bank(
        f"{MARKER} essays",
        administration=per,
        questions={"essay": (ESSAY[0], ESSAY[1], essay_stem)},
    )
    per_written = essay_page(per_module, essay_bank, slug="written", count=1)
    per_written.title = f"{MARKER} written assessment"
    per_written.save()
    per_essay = essay_response(
        sit(
            per_officer,
            SimpleNamespace(page=per_written, tree=SimpleNamespace(course=per_course)),
            text=f"{MARKER} answer: {ESSAY_TEXT}",
        )
    )
    assert per_essay.needs_grading

    return SimpleNamespace(
        per_translation=per_translation,
        regional_translation=regional_translation,
        per_import=per_import,
        per_essay=per_essay,
        per_pages=[per_index, per_course, per_module, per_lesson, per_draft, per_exam, per_written],
        pan_pages=[pan_index, pan_course, pan_module, pan_exam],
        regional_pages=[regional_index, regional_course, regional_module],
        per_bank=per_bank,
        pan_bank=pan_bank,
        regional_bank=regional_bank,
        per_activity=per_activity,
        pan_activity=pan_activity,
        regional_activity=regional_activity,
        per_scorm=per_scorm,
        pan_scorm=pan_scorm,
        regional_scorm=regional_scorm,
        per_document=per_document,
        regional_document=regional_document,
        per_image=per_image,
        per_programme=per_programme,
        regional_programme=regional_programme,
        workflow=workflow,
        task=task,
        workflow_state=workflow_state,
    )


# --- the crawl ------------------------------------------------------------------------------

# URL names the crawl leaves out, and why.
SKIPPED = {
    "wagtailadmin_logout": "ends the crawl's session",
    "wagtailadmin_error_test": "raises an error on purpose (Wagtail's 500 page test)",
    "wagtailadmin_password_reset_confirm": "needs a signed reset token; shows no content",
}


# Errors the crawl knows of that are no tenancy matter (reported in issue 11's notes).
KNOWN_ERRORS: dict[str, str] = {}


@dataclass
class Target:
    name: str
    url: str
    searchable: bool = False
    listing: bool = False  # a URL without parameters


@dataclass
class CrawlResult:
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    found: set[str] = field(default_factory=set)
    statuses: dict[str, int] = field(default_factory=dict)


def _patterns(patterns: list, prefix: str = "", namespace: str = "", params: tuple = ()):
    """(route, full URL name, parameter names) of every pattern, includes walked."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = ":".join(filter(None, [namespace, entry.namespace]))
            yield from _patterns(
                entry.url_patterns,
                prefix + str(entry.pattern),
                ns,
                params + _parameters(entry.pattern),
            )
        elif isinstance(entry, URLPattern):
            name = ":".join(filter(None, [namespace, entry.name])) if entry.name else ""
            yield prefix + str(entry.pattern), name, params + _parameters(entry.pattern)


def _parameters(pattern: Any) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return tuple(pattern.regex.groupindex)
    return ()


def _ids(world: SimpleNamespace, names: list[str]) -> list[int]:
    found: list[int] = []
    for name in names:
        value = getattr(world, name)
        found.extend(item.pk for item in (value if isinstance(value, list) else [value]))
    return found


def crawl_targets(world: SimpleNamespace) -> list[Target]:
    """Every admin URL: those without parameters (plain, with a search matching PER's
    titles, and with the ids of PER's objects as ``?id=``), and those with parameters filled
    with the ids of PER's objects, of the crawling author's own and of regional ones (their
    forms offer choices, and choices must be scoped too). A URL is varied one parameter at
    a time; one answering 200 is also requested with the search."""
    own_and_regional = {
        "pages": _ids(world, ["pan_pages", "regional_pages"]),
        "question_banks": _ids(world, ["pan_bank", "regional_bank"]),
        "questions": [world.pan_bank.questions.get().pk, world.regional_bank.questions.get().pk],
        "h5pactivity": _ids(world, ["pan_activity", "regional_activity"]),
        "scormpackage": _ids(world, ["pan_scorm", "regional_scorm"]),
        "wagtaildocs": _ids(world, ["regional_document"]),
        "wagtailimages": [],
        "programmes": _ids(world, ["regional_programme"]),
        "imports": [],
        "essays": [],
    }
    per = {
        "pages": _ids(world, ["per_pages"]),
        "question_banks": _ids(world, ["per_bank"]),
        "questions": [world.per_bank.questions.get().pk],
        "h5pactivity": _ids(world, ["per_activity"]),
        "scormpackage": _ids(world, ["per_scorm"]),
        "wagtaildocs": _ids(world, ["per_document"]),
        "wagtailimages": _ids(world, ["per_image"]),
        "programmes": _ids(world, ["per_programme"]),
        "imports": _ids(world, ["per_import"]),
        "essays": _ids(world, ["per_essay"]),
    }
    aliases = {
        "assessments_question_import": "imports",
        "assessments_grading": "essays",
        "assessments_bank": "question_banks",
        "wagtailimages": "wagtailimages",
        "wagtaildocs": "wagtaildocs",
        "page": "pages",
        "explore": "pages",
        "forms": "pages",
        "translation": "pages",
        "item_analysis": "pages",
        "workflows:remove": "pages",
    }
    root = Page.get_first_root_node().pk
    every_per_id = sorted({pk for ids in per.values() for pk in ids} - {root})
    revisions = list(
        itertools.chain.from_iterable(
            page.revisions.values_list("pk", flat=True) for page in world.per_pages
        )
    )
    task_states = list(world.workflow_state.task_states.values_list("pk", flat=True))
    page_models = [
        (model._meta.app_label, model._meta.model_name)
        for model in (CourseIndexPage, CoursePage, ModulePage, LessonPage, AssessmentPage)
    ]

    def kind_of(name: str) -> str | None:
        for key in per:
            if key in name:
                return key
        return next((kind for alias, kind in aliases.items() if alias in name), None)

    per_translation = world.per_translation
    localize_ids = {
        "translation_id": [per_translation.pk, world.regional_translation.pk],
        "translation_source_id": [per_translation.source_id, world.regional_translation.source_id],
        "string_segment_id": list(
            per_translation.source.stringsegment_set.values_list("pk", flat=True)
        ),
        "overridable_segment_id": [1],
        "mode": ["preview"],
    }

    def ids_for(name: str, parameter: str) -> list[Any]:
        if parameter in localize_ids:
            return localize_ids[parameter]
        if parameter == "revision_id":
            return revisions
        if parameter == "task_state_id":
            return task_states
        if parameter == "workflow_state_id":
            return [world.workflow_state.pk]
        if parameter == "task_id" and "workflow_preview" in name:
            return [world.task.pk]
        kind = kind_of(name)
        if kind is None:
            return every_per_id
        return per[kind] + own_and_regional[kind]

    def per_ids_for(name: str) -> list[int]:
        kind = kind_of(name)
        return [pk for pk in (per[kind] if kind else every_per_id) if pk != root]

    def values_for(name: str, parameter: str) -> list[Any]:
        if parameter in {"content_type_app_name", "app_label", "app_name"}:
            return [None]  # filled with the model name
        if parameter in {"content_type_model_name", "model_name"}:
            return [("taggit", "tag")] if "tag_autocomplete" in name else page_models
        if parameter == "filter_spec":
            return ["original"]
        if parameter in {"revision_id_a", "revision_id_b"}:
            return ["earliest" if parameter.endswith("a") else "latest"]
        if parameter == "action_name":
            return ["approve", "reject"]
        if parameter == "language":  # a bank's translations (assessments.translation_po)
            return ["es"]
        return ids_for(name, parameter)

    def url_for(name: str, parameters: tuple[str, ...], values: tuple[Any, ...]) -> str:
        kwargs: dict[str, Any] = {}
        for parameter, value in zip(parameters, values, strict=True):
            if isinstance(value, tuple):
                app_parameter = {
                    "content_type_model_name": "content_type_app_name",
                    "model_name": "app_label" if "app_label" in parameters else "app_name",
                }[parameter]
                kwargs[app_parameter], kwargs[parameter] = value
            elif value is not None:
                kwargs[parameter] = value
        return reverse(name, kwargs=kwargs)

    targets: list[Target] = []
    for route, name, parameters in _patterns(get_resolver().url_patterns):
        if not route.startswith("cms/") or not name or name in SKIPPED:
            continue
        if name == "wagtail_bulk_action":
            for model in apps.get_models():
                app_label, model_name = model._meta.app_label, model._meta.model_name
                actions = bulk_action_registry.get_bulk_actions_for_model(app_label, model_name)
                ids = per_ids_for(
                    {"page": "page", "document": "wagtaildocs", "image": "wagtailimages"}.get(
                        model_name, model_name
                    )
                )
                query = "?" + "&".join(f"id={pk}" for pk in ids)
                for action in actions:
                    url = reverse(name, args=[app_label, model_name, action.action_type])
                    targets.append(Target(name, url + query))
            continue
        if not parameters:
            url = reverse(name)
            ids = "?" + "&".join(f"id={pk}" for pk in per_ids_for(name))
            targets += [
                Target(name, url, searchable=True, listing=True),
                Target(name, f"{url}?search={QUERY}"),
            ]
            if "autocomplete" in name:  # autocompletes read ?term=
                targets.append(Target(name, f"{url}?term={QUERY[:5]}"))
            targets.append(Target(name, url + ids))
            continue
        choices = [values_for(name, parameter) for parameter in parameters]
        first = tuple(options[0] for options in choices)
        seen: set[str] = set()
        for position, options in enumerate(choices):
            for option in options:
                values = (*first[:position], option, *first[position + 1 :])
                url = url_for(name, parameters, values)
                if url not in seen:
                    seen.add(url)
                    targets.append(Target(name, url, searchable=True))
                    if "autocomplete" in name:
                        targets.append(Target(name, f"{url}?term={QUERY[:5]}"))
    return targets


def crawl(client: Client, user: Any, targets: list[Target]) -> CrawlResult:
    client.force_login(user)
    client.raise_request_exception = False
    result = CrawlResult()

    def fetch(name: str, url: str) -> int:
        response = client.get(url)
        result.statuses[url] = response.status_code
        if response.status_code >= 500 and name not in KNOWN_ERRORS:
            result.errors.append(f"{url}: {response.status_code}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if MARKER.encode() in body:
            result.leaks.append(f"{url} ({response.status_code})")
            result.found.add(name)
        return response.status_code

    for target in targets:
        status = fetch(target.name, target.url)
        if status == 200 and target.searchable:
            separator = "&" if "?" in target.url else "?"
            fetch(target.name, f"{target.url}{separator}q={QUERY}")
    client.logout()
    return result


# Where PER's own author must find the marker (the positive control).
EXPECTED_FOR_OWNER = {
    "assessments_question_import",
    "assessments_bank_translation_export",
    "assessments_bank_translation_import",
    "assessments_grading",
    "assessments_grading_queue",
    "wagtailadmin_tag_autocomplete",
    "wagtailadmin_choose_page_search",
    "wagtailadmin_pages:search",
    "wagtailadmin_pages:search_results",
    "wagtailadmin_api:pages:listing",
    "wagtailadmin_api:documents:listing",
    "wagtailadmin_api:images:listing",
    "wagtailadmin_reports:site_history",
    "wagtailadmin_reports:site_history_results",
    "wagtailadmin_reports:locked_pages",
    "question_banks:index",
    "questions:index",
    "programmes:index",
    "wagtailsnippets_courses_h5pactivity:list",
    "wagtailsnippetchoosers_courses_h5pactivity:choose",
    "wagtailsnippetchoosers_courses_h5pactivity:chosen",
    "wagtaildocs:index",
    "wagtaildocs_chooser:choose",
    "wagtailimages:index",
    "wagtailimages_chooser:choose",
    "wagtailadmin_explore",
    "wagtailadmin_pages:edit",
    "question_banks:edit",
    "questions:edit",
    "wagtailsnippets_courses_h5pactivity:edit",
    "wagtailsnippets_scorm_scormpackage:list",
    "wagtailsnippetchoosers_scorm_scormpackage:choose",
    "wagtailsnippetchoosers_scorm_scormpackage:chosen",
    "wagtailsnippets_scorm_scormpackage:edit",
    # Page translations (wagtail-localize, issue 14): the report, the sync and translate
    # forms, the PO file of PER's lesson.
    "wagtail_localize:translations_report",
    "wagtail_localize:translations_report_results",
    "wagtail_localize:submit_page_translation",
    "wagtail_localize:update_translations",
    "wagtail_localize:download_pofile",
}


@pytest.mark.slow
def test_an_author_of_one_administration_sees_no_title_of_another_in_the_admin(
    client, world, pan_author, per_author
):
    targets = crawl_targets(world)
    assert len(targets) > 300, "the crawl found too few admin URLs"
    bulk = {t.url.split("?")[0] for t in targets if t.name == "wagtail_bulk_action"}
    assert {
        "/cms/bulk/wagtailcore/page/delete/",
        "/cms/bulk/wagtaildocs/document/delete/",
        "/cms/bulk/wagtailimages/image/delete/",
        "/cms/bulk/courses/h5pactivity/delete/",
        "/cms/bulk/scorm/scormpackage/delete/",
    } <= bulk, "the crawl lost the bulk actions"

    outsider = crawl(client, pan_author, targets)
    # The positive control needs only the URLs where PER's titles belong (the whole
    # crawl twice would double the suite's longest test for no more assurance).
    owner = crawl(client, per_author, [t for t in targets if t.name in EXPECTED_FOR_OWNER])

    assert not outsider.errors, "\n".join(outsider.errors)
    assert not outsider.leaks, f"{MARKER} shown to author.pan:\n" + "\n".join(outsider.leaks)
    assert not owner.errors, "\n".join(owner.errors)
    missing = EXPECTED_FOR_OWNER - owner.found
    assert not missing, f"positive control: author.per does not see {MARKER} at {missing}"
    # The same listings answer author.pan too (hidden, not broken).
    listings = [t.url for t in targets if t.name in EXPECTED_FOR_OWNER and t.listing]
    assert len(listings) >= 15
    broken = [url for url in listings if outsider.statuses[url] != 200]
    assert not broken, broken


# --- regional content is read-only to an author of one administration ------------------------


def _regional_object_urls(world: SimpleNamespace) -> list[str]:
    bank = world.regional_bank
    question = bank.questions.get()
    activity = world.regional_activity
    programme = world.regional_programme
    urls = [f"/cms/banks/{bank.pk}/import/", f"/cms/banks/{bank.pk}/translations/es/import/"]
    for prefix, pk in (
        ("question_banks", bank.pk),
        ("questions", question.pk),
        ("programmes", programme.pk),
        ("snippets/courses/h5pactivity", activity.pk),
    ):
        for action in ("edit", "delete", "copy", "history", "usage"):
            urls.append(f"/cms/{prefix}/{action}/{pk}/")
    for action in ("edit", "delete", "history", "usage"):  # SCORM packages are not copied
        urls.append(f"/cms/snippets/scorm/scormpackage/{action}/{world.regional_scorm.pk}/")
    return urls


def test_regional_content_refuses_every_change_from_an_author_of_one_administration(
    client, world, pan_author, platform_admin
):
    bank, activity, scorm = world.regional_bank, world.regional_activity, world.regional_scorm
    question = bank.questions.get()
    urls = _regional_object_urls(world)
    client.force_login(platform_admin)  # the positive control: these URLs exist
    for url in urls:
        assert client.get(url).status_code == 200, url

    client.force_login(pan_author)
    refused = {}
    for url in urls:
        for method in ("get", "post"):
            status = getattr(client, method)(
                url, {"title": "Taken", "administration": ""}
            ).status_code
            if status not in (403, 404):
                refused[f"{method.upper()} {url}"] = status
    assert not refused, refused
    # A filled translation file is refused too (the bank is not theirs to change).
    po = polib.pofile(bank_translation_po(bank=bank, language="es"))
    for entry in po:
        entry.msgstr = f"{entry.msgid} (es)"
    sent = client.post(
        f"/cms/banks/{bank.pk}/translations/es/import/",
        {"file": SimpleUploadedFile("bank.po", str(po).encode())},
    )
    assert sent.status_code == 404
    bank.refresh_from_db()
    activity.refresh_from_db()
    assert (bank.title, bank.administration_id) == ("Regional bank", None)
    assert (activity.title, activity.administration_id) == ("Regional activity", None)
    scorm.refresh_from_db()
    assert (scorm.title, scorm.administration_id) == ("Regional SCORM package", None)
    assert bank.questions.get() == question and question.versions.count() == 1
    # Reading stays: the bank exports, the activity is inspected, both are listed.
    assert client.get(f"/cms/banks/{bank.pk}/export/").status_code == 200
    translations = client.get(f"/cms/banks/{bank.pk}/translations/es/export/")
    assert translations.status_code == 200 and b'msgctxt "regional-q:stem"' in translations.content
    inspect = f"/cms/snippets/courses/h5pactivity/inspect/{activity.pk}/"
    assert client.get(inspect).status_code == 200
    inspect = f"/cms/snippets/scorm/scormpackage/inspect/{scorm.pk}/"
    assert client.get(inspect).status_code == 200
    assert "Regional bank" in client.get("/cms/question_banks/").content.decode()


def test_regional_translations_refuse_every_change_from_an_author_of_one_administration(
    client, world, pan_author, platform_admin
):
    """wagtail-localize's views check a model permission at best: the guard
    (courses/translation_admin.py) lets through only those who may edit the pages."""
    translation = world.regional_translation
    spanish_module = translation.get_target_instance()
    segment = translation.source.stringsegment_set.first()
    urls = [
        f"/cms/localize/submit/page/{world.regional_pages[1].pk}/",
        f"/cms/localize/update/{translation.source_id}/",
        f"/cms/localize/translate/{translation.pk}/strings/{segment.pk}/edit/",
        f"/cms/localize/translate/{translation.pk}/pofile/download/",
        f"/cms/localize/translate/{translation.pk}/pofile/upload/",
        f"/cms/localize/translate/{translation.pk}/preview/",
        f"/cms/localize/translate/{translation.pk}/disable/",
        f"/cms/localize/page/{spanish_module.pk}/convert_to_alias/",
    ]
    client.force_login(platform_admin)  # the positive control: these URLs answer
    answers = {url: client.get(url).status_code for url in urls}
    assert all(status in (200, 302, 405) for status in answers.values()), answers

    client.force_login(pan_author)
    locales = list(Locale.objects.exclude(language_code="en").values_list("pk", flat=True))
    data = {
        "locales": locales,
        "publish_translations": "on",
        "value": "Taken",
        "action": "publish",
        "file": ContentFile(b'msgid ""\nmsgstr ""\n', name="taken.po"),
    }
    refused = {}
    for url in urls:
        for method in ("get", "post"):
            status = getattr(client, method)(url, data if method == "post" else {}).status_code
            if status not in (403, 404):
                refused[f"{method.upper()} {url}"] = status
            data["file"].seek(0)
    assert not refused, refused
    translation.refresh_from_db()
    spanish_module.refresh_from_db()
    assert translation.enabled and spanish_module.title == "Open module"
    assert not StringTranslation.objects.filter(context__object_id=translation.source.object_id)
    assert world.regional_pages[1].get_translations().count() == 1  # Spanish only


# --- documents --------------------------------------------------------------------------------


def test_documents_are_served_only_to_signed_in_readers_of_their_administration(
    client, world, per_officer, pan_officer, per_author
):
    from django.conf import settings

    document = world.per_document
    url = document.url
    assert url == f"/documents/{document.pk}/{document.filename}"

    response = client.get(url)  # anonymous: sent to sign in
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))

    client.force_login(pan_officer)
    assert client.get(url).status_code == 404
    client.force_login(pan_officer)
    regional = client.get(world.regional_document.url)
    assert regional.status_code == 200 and b"".join(regional.streaming_content) == b"regional"

    for reader in (per_officer, per_author):
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == DOCUMENT_BYTES

    # Not by its file name under MEDIA_URL either.
    client.logout()
    assert client.get(f"{settings.MEDIA_URL}{document.file.name}").status_code == 404


def test_the_development_media_view_serves_images_only(world, rf):
    from django.http import Http404

    from lms.media import serve_public_media

    image = world.per_image.file.name
    assert image.startswith("original_images/")
    assert serve_public_media(rf.get("/"), image).status_code == 200
    for path in (world.per_document.file.name, "certificates/pdf/x.pdf", "images/../documents/x"):
        with pytest.raises(Http404):
            serve_public_media(rf.get("/"), path)


def test_a_lesson_shows_its_document_to_the_owning_administrations_officers(
    client, world, per_officer
):
    from courses import services

    per_course = world.per_pages[1]
    module = world.per_pages[2]
    lesson = add(
        module,
        LessonPage(
            title="Circulars",
            slug="circulars",
            body=[
                {
                    "type": "document",
                    "value": {"document": world.per_document.pk, "description": "The circular"},
                    "id": str(uuid.uuid4()),
                }
            ],
        ),
    )
    services.enrolment_create(actor=per_officer, course=per_course)
    client.force_login(per_officer)
    page = client.get(lesson.url)
    assert page.status_code == 200
    assert world.per_document.url in page.content.decode()
    download = client.get(world.per_document.url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == DOCUMENT_BYTES
