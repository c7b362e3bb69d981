"""A training manager uploads an .h5p package in the Wagtail admin and places it in a
lesson; once the lesson is published, the activity has its slot for officers."""

import json

import pytest
from playwright.sync_api import expect

from courses.models import H5PActivity, LessonActivity
from courses.packages.h5p.services import h5p_package_import
from courses.services import author_groups_sync
from courses.tests.fixtures import package

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
