"""Training managers edit only the catalogues granted to them; publication goes through
the review workflow; authors preview lessons."""

import pytest
from wagtail.models import Workflow, WorkflowPage
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from courses.models import LessonPage
from courses.services import author_groups_sync
from courses.tests.fixtures import add
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def authors(course_tree, per, regional_author):
    per_author = UserFactory(
        username="author.per", administration=per, roles={Role.TRAINING_MANAGER}
    )
    author_groups_sync()
    return {"regional": regional_author, "per": per_author}


def edit_url(page):
    return f"/cms/pages/{page.pk}/edit/"


def test_authors_edit_only_their_catalogue(client, course_tree, authors):
    client.force_login(authors["regional"])
    assert client.get(edit_url(course_tree.lesson1)).status_code == 200
    assert client.get(edit_url(course_tree.per_lesson)).status_code in (302, 403)
    client.force_login(authors["per"])
    assert client.get(edit_url(course_tree.per_lesson)).status_code == 200
    assert client.get(edit_url(course_tree.lesson1)).status_code in (302, 403)


def test_authors_cannot_publish_directly(course_tree, authors):
    permissions = course_tree.lesson1.permissions_for_user(authors["regional"])
    assert permissions.can_edit() and not permissions.can_publish()
    per_permissions = course_tree.per_lesson.permissions_for_user(authors["per"])
    assert per_permissions.can_edit() and not per_permissions.can_publish()


def test_losing_the_role_removes_authoring_rights(course_tree, authors):
    from lms.accounts.services import user_set_roles

    user_set_roles(actor=None, user=authors["per"], roles={Role.OFFICER})
    author_groups_sync()
    assert not course_tree.per_lesson.permissions_for_user(authors["per"]).can_edit()


def test_demo_review_workflow_sits_between_draft_and_publication(
    client, course_tree, authors, platform_admin
):
    from courses.seed import _review_workflow

    _review_workflow([course_tree.index])
    workflow = Workflow.objects.get(name="Course review")
    assert WorkflowPage.objects.get(page=course_tree.index).workflow == workflow
    assert [task.name for task in workflow.tasks.all()] == ["Review by platform admins"]
    lesson = course_tree.lesson1
    assert lesson.get_workflow() == workflow
    client.force_login(authors["regional"])
    data = nested_form_data(
        {
            "title": "Typologies (revised)",
            "slug": lesson.slug,
            "body": streamfield([("text", rich_text("<p>Smuggling, revised.</p>"))]),
            "estimated_minutes": "20",
            "required": "on",
            "action-submit": "1",
        }
    )
    response = client.post(edit_url(lesson), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson.refresh_from_db()
    assert lesson.title == "Typologies"  # the live version is unchanged
    assert lesson.has_unpublished_changes
    assert lesson.current_workflow_state is not None
    assert lesson.current_workflow_state.status == "in_progress"
    # A platform admin approves, and the revision goes live.
    task_state = lesson.current_workflow_state.current_task_state
    assert task_state.task.specific.user_can_access_editor(lesson, platform_admin)
    assert not task_state.task.specific.get_actions(lesson, authors["regional"])
    task_state.approve(user=platform_admin)
    lesson.refresh_from_db()
    assert lesson.title == "Typologies (revised)" and not lesson.has_unpublished_changes


def test_author_preview_names_the_activity_without_playing_it(client, course_tree, authors):
    client.force_login(authors["regional"])
    response = client.get(f"/cms/pages/{course_tree.lesson2.pk}/view_draft/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "KC en" in html and "data-h5p-player" not in html


def test_new_lessons_get_their_activity_slots_on_publish(course_tree, activities):
    from courses.models import LessonActivity

    lesson = add(
        course_tree.module2,
        LessonPage(
            title="New",
            slug="new",
            body=[{"type": "h5p", "value": {"activity": activities["en"].pk, "required": False}}],
        ),
    )
    slot = LessonActivity.objects.get(lesson=lesson)
    assert slot.required is False and slot.course_key == course_tree.course.translation_key
    lesson.body = []
    lesson.save_revision().publish()
    assert not LessonActivity.objects.filter(lesson=lesson).exists()


def test_authors_preview_modules_and_assessments(client, assessment, regional_author):
    """Wagtail's draft preview of a module and an assessment renders the page as officers
    see it (it was a 500: their templates need the course)."""
    author_groups_sync()
    client.force_login(regional_author)
    for page in (assessment.tree.module1, assessment.page):
        response = client.get(f"/cms/pages/{page.pk}/view_draft/")
        assert response.status_code == 200, page
        assert assessment.tree.course.title in response.content.decode()
