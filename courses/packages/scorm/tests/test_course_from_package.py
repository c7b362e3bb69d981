"""A SCORM package becomes a course (issue 12, point 7): a draft course in a catalogue the
author may add to, whose one module and one lesson play the package (its organization is
the outline), made from the package's admin pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.packages.scorm.models import ScormSlot
from courses.packages.scorm.services import scorm_course_create, scorm_package_import
from courses.services import author_groups_sync
from courses.tests.fixtures import add

from .packages import CORPUS
from .runtime import GOLF_2004_SEQUENCING

pytestmark = pytest.mark.django_db


def _import(administration=None):
    return scorm_package_import(
        actor=None,
        source=CORPUS / f"{GOLF_2004_SEQUENCING}.zip",
        title="Forced sequential",
        administration=administration,
    )


@pytest.fixture(name="catalogues")
def catalogues_fixture(home_page, per, pan):
    return {
        "regional": add(home_page, CourseIndexPage(title="Regional courses", slug="courses")),
        "per": add(home_page, CourseIndexPage(title="PER courses", slug="per", administration=per)),
        "pan": add(home_page, CourseIndexPage(title="PAN courses", slug="pan", administration=pan)),
    }


def _url(package) -> str:
    return reverse("scorm_scormpackage_course:create", args=[package.pk])


def test_a_multi_sco_package_becomes_a_draft_course_that_places_it_when_published(
    catalogues, per, per_author
):
    author_groups_sync()
    package = _import(per)
    assert not package.is_single_sco

    course = scorm_course_create(actor=per_author, package=package, catalogue=catalogues["per"])

    course = CoursePage.objects.get(pk=course.pk)
    assert not course.live and course.has_unpublished_changes
    assert course.get_parent().pk == catalogues["per"].pk
    assert course.title == "Forced sequential" and course.slug == "forced-sequential"
    assert course.summary and course.track and course.administration_id == per.pk
    modules = ModulePage.objects.child_of(course)
    assert modules.count() == 1
    lessons = LessonPage.objects.child_of(modules.get())
    assert lessons.count() == 1
    lesson = lessons.get()
    assert not lesson.live
    [block] = lesson.body
    assert block.block_type == "scorm"
    assert block.value["package"] == package and block.value["required"] is True
    assert not ScormSlot.objects.filter(lesson=lesson).exists()

    for page in (course, modules.get(), lesson):
        page.get_latest_revision().publish()
    slot = ScormSlot.objects.get(lesson=lesson)
    assert slot.package == package
    assert LessonPage.objects.get(pk=lesson.pk).live

    # The slug is made unique in the catalogue.
    again = scorm_course_create(actor=per_author, package=package, catalogue=catalogues["per"])
    assert again.slug == "forced-sequential-2"


def test_the_service_refuses_a_foreign_package_or_catalogue(catalogues, per, pan_author):
    author_groups_sync()
    with pytest.raises(PermissionDenied):
        scorm_course_create(actor=pan_author, package=_import(per), catalogue=catalogues["pan"])
    with pytest.raises(PermissionDenied):
        scorm_course_create(actor=pan_author, package=_import(), catalogue=catalogues["per"])
    with pytest.raises(PermissionDenied):  # regional: read-only to a bound author
        scorm_course_create(actor=pan_author, package=_import(), catalogue=catalogues["regional"])
    assert not CoursePage.objects.exists()


def test_an_author_makes_a_course_from_the_admin(catalogues, per, per_author):
    author_groups_sync()
    package = _import(per)
    client = Client()
    client.force_login(per_author)

    inspect = client.get(reverse("wagtailsnippets_scorm_scormpackage:inspect", args=[package.pk]))
    assert _url(package) in inspect.content.decode()
    listing = client.get(reverse("wagtailsnippets_scorm_scormpackage:list"))
    assert _url(package) in listing.content.decode()

    response = client.get(_url(package))
    assert response.status_code == 200
    offered = list(response.context["form"].fields["catalogue"].queryset)
    assert offered == [catalogues["per"]]
    html = response.content.decode()
    assert "PER courses" in html and "PAN courses" not in html
    assert "Regional courses" not in html

    response = client.post(
        _url(package), {"catalogue": catalogues["per"].pk, "track": "integrity"}, follow=True
    )
    course = CoursePage.objects.get()
    assert response.redirect_chain[-1][0] == reverse("wagtailadmin_pages:edit", args=[course.pk])
    assert response.status_code == 200
    assert "created as a draft" in response.content.decode()
    assert course.track == "integrity" and not course.live
    assert course.get_parent().pk == catalogues["per"].pk
    assert course.owner == per_author


def test_another_administration_cannot_use_the_package_or_the_catalogue(
    catalogues, per, pan, pan_author
):
    author_groups_sync()
    per_package = _import(per)
    pan_package = _import(pan)
    client = Client()
    client.force_login(pan_author)

    assert client.get(_url(per_package)).status_code == 404
    response = client.post(_url(per_package), {"catalogue": catalogues["pan"].pk})
    assert response.status_code == 404

    response = client.post(
        _url(pan_package), {"catalogue": catalogues["per"].pk, "track": "integrity"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["catalogue"]
    assert not CoursePage.objects.exists()

    response = client.post(
        _url(pan_package), {"catalogue": catalogues["pan"].pk, "track": "integrity"}
    )
    assert response.status_code == 302
    assert CoursePage.objects.get().get_parent().pk == catalogues["pan"].pk


def test_the_form_is_protected_against_csrf(catalogues, per, per_author):
    author_groups_sync()
    package = _import(per)
    client = Client(enforce_csrf_checks=True)
    client.force_login(per_author)
    response = client.post(_url(package), {"catalogue": catalogues["per"].pk})
    assert response.status_code == 403
    assert not CoursePage.objects.exists()
