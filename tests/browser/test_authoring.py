"""A training manager uploads an .h5p package in the Wagtail admin and places it in a
lesson; once the lesson is published, the activity has its slot for officers."""

import json

import pytest
from playwright.sync_api import expect

from courses.models import H5PActivity, LessonActivity
from courses.packages.h5p.services import h5p_package_import
from courses.packages.scorm.models import ScormPackage
from courses.packages.scorm.tests.packages import CORPUS as SCORM_CORPUS
from courses.services import author_groups_sync, enrolment_create
from courses.tests.fixtures import package
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_author_uploads_a_package_and_places_it_in_a_lesson(
    page, course_tree, regional_author, platform_admin, password
):
    h5p_package_import(actor=None, data=package(), title="Installed earlier")  # the library
    author_groups_sync()
    page.goto("/cms/login/")
    page.locator("#id_username").fill("author")
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/cms/")

    page.goto("/cms/snippets/courses/h5pactivity/add/")
    page.locator("input[name=package]").set_input_files(
        files=[
            {
                "name": "seal-check.h5p",
                "mimeType": "application/zip",
                "buffer": package(title="Which seal number is wrong?"),
            }
        ]
    )
    page.locator("button[type=submit]").filter(has_text="Save").first.click()
    expect(page.locator(".messages")).to_contain_text("Which seal number is wrong?")
    activity = H5PActivity.objects.get(title="Which seal number is wrong?")
    assert activity.uploaded_by == regional_author

    lesson = course_tree.lesson3
    page.goto(f"/cms/pages/{lesson.pk}/edit/")
    page.locator("button[title='Insert a block']").last.click()
    page.get_by_role("option", name="H5P activity").click()
    page.get_by_role("button", name="Choose H5P activity").click()
    page.get_by_role("link", name="Which seal number is wrong?").click()
    expect(page.locator("[data-chooser-title]").last).to_contain_text("Which seal number is wrong?")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messages")).to_contain_text("has been updated")
    # The edit view pings the server for concurrent editors; the live server shares the
    # in-memory SQLite connection with this thread, so leave the admin quiet before
    # writing here.
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")

    lesson.refresh_from_db()
    revision = lesson.get_latest_revision()
    blocks = revision.content["body"]
    blocks = blocks if isinstance(blocks, list) else json.loads(blocks)
    assert any(b["type"] == "h5p" and b["value"]["activity"] == activity.pk for b in blocks), blocks
    assert not LessonActivity.objects.filter(activity=activity).exists()  # not yet live

    revision.publish(user=platform_admin)  # a reviewer approves and publishes
    slot = LessonActivity.objects.get(activity=activity)
    assert slot.lesson_id == lesson.pk and slot.required


GOLF_12 = "golf__ContentPackagingSingleSCO_SCORM12.zip"


def test_author_of_one_administration_uploads_a_scorm_package_and_places_it_in_a_lesson(
    page, course_tree, per_author, per_officer, platform_admin, password
):
    """A real SCORM 1.2 package (Rustici's Golf example, unmodified) through the admin's
    upload form: stored for PER, listed, then chosen in a lesson block; once published,
    PER's officer gets its player."""
    catalogue = course_tree.course.get_parent().specific
    catalogue.administration = per_author.administration  # PER's own library of courses
    catalogue.save()
    author_groups_sync()
    page.goto("/cms/login/")
    page.locator("#id_username").fill("author.per")
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/cms/")

    page.goto("/cms/snippets/scorm/scormpackage/add/")
    page.locator("input[name=package]").set_input_files(str(SCORM_CORPUS / GOLF_12))
    page.locator("button[type=submit]").filter(has_text="Save").first.click()
    expect(page.locator(".messages")).to_be_visible()
    package = ScormPackage.objects.get()
    assert package.administration == per_author.administration
    assert package.uploaded_by == per_author and package.version == "1.2"
    expect(page.locator(".messages")).to_contain_text(package.title)
    page.goto("/cms/snippets/scorm/scormpackage/")
    expect(page.get_by_role("link", name=package.title)).to_be_visible()

    lesson = course_tree.lesson3
    page.goto(f"/cms/pages/{lesson.pk}/edit/")
    page.locator("button[title='Insert a block']").last.click()
    page.get_by_role("option", name="SCORM package").click()
    page.get_by_role("button", name="Choose SCORM package").click()
    page.get_by_role("link", name=package.title).click()
    expect(page.locator("[data-chooser-title]").last).to_contain_text(package.title)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messages")).to_contain_text("has been updated")
    page.wait_for_load_state("networkidle")  # see the test above
    page.goto("about:blank")

    lesson.refresh_from_db()
    revision = lesson.get_latest_revision()
    blocks = revision.content["body"]
    blocks = blocks if isinstance(blocks, list) else json.loads(blocks)
    assert any(b["type"] == "scorm" and b["value"]["package"] == package.pk for b in blocks), blocks
    revision.publish(user=platform_admin)  # a reviewer approves and publishes

    per_officer.preferred_language = "en"  # the English lesson holds the block
    per_officer.save()
    enrolment_create(actor=per_officer, course=course_tree.course)
    page.context.clear_cookies()
    sign_in(page, "officer.per", password)
    page.goto(lesson.url)
    expect(page.locator("[data-scorm-block] iframe")).to_have_count(1)
