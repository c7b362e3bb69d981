"""The lesson page's cache (lms/page_cache.py, courses/views.py): what authors change shows
at once, and nothing of one officer, administration or language reaches another."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from courses import services
from courses.models import LessonActivity, LessonPage
from courses.tests.fixtures import publish, text, translate
from lms.accounts import preferences
from lms.accounts.models import User

pytestmark = pytest.mark.django_db

LESSON2 = "/courses/detecting/landscape/live-channels/"


def _signed_in(user) -> Client:
    # A local address: the content origin where activities play is derived from it.
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def _page(client: Client, url: str = LESSON2) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _frame_tokens(html: str) -> list[str]:
    return re.findall(r'class="h5p-frame" src="[^"]*/c/([^/"]+)/h5p/player/"', html)


def test_two_officers_of_two_administrations_and_languages_see_only_their_own(
    course_tree, per_officer, pan_officer
):
    pan_officer.preferred_language = "en"
    pan_officer.save()
    for officer in (per_officer, pan_officer):
        services.enrolment_create(actor=officer, course=course_tree.course)
    # The Peruvian officer has finished the first lesson and saved the activity's state.
    per_client, pan_client = _signed_in(per_officer), _signed_in(pan_officer)
    _page(per_client, "/courses/detecting/landscape/typologies/")
    slot = LessonActivity.objects.get(lesson=course_tree.es.lesson2)
    services.h5p_state_save(
        actor=per_officer, slot=slot, data_type="state", sub_content_id="", data='{"per":1}'
    )

    # Each loads the same lesson twice, in turn, so each second view comes from the cache.
    pages = {}
    for _ in range(2):
        pages["per"] = _page(per_client)
        pages["pan"] = _page(pan_client)

    per, pan = pages["per"], pages["pan"]
    assert 'lang="es"' in per and "CEN, nCEN y CENcomm." in per
    assert 'lang="en"' in pan and "CEN, nCEN and CENcomm." in pan
    assert "CEN, nCEN and CENcomm." not in per and "CEN, nCEN y CENcomm." not in pan
    assert per_officer.full_name in per and per_officer.full_name not in pan
    assert pan_officer.full_name in pan and pan_officer.full_name not in per
    # Progress: the first lesson is completed for the Peruvian officer only.
    assert 'class="lesson-completed"' in per and 'class="lesson-completed"' not in pan
    # Saved state and the player frames' tokens are each officer's own.
    assert '{\\"per\\":1}' in per and '\\"per\\"' not in pan
    per_tokens, pan_tokens = _frame_tokens(per), _frame_tokens(pan)
    assert len(per_tokens) == len(pan_tokens) == 1
    assert per_tokens != pan_tokens
    assert per_tokens[0] not in pan and pan_tokens[0] not in per


def test_an_administrations_own_lesson_stays_hidden_once_cached(
    course_tree, per_officer, pan_officer
):
    per_client = _signed_in(per_officer)
    services.enrolment_create(actor=per_officer, course=course_tree.per_course)
    url = "/per/callao/port/port-control/"
    assert "PCU." in _page(per_client, url)
    assert "PCU." in _page(per_client, url)  # now cached
    assert _signed_in(pan_officer).get(url).status_code == 404


def test_what_authors_change_shows_at_once(course_tree, per_officer, activities):
    """A new revision, a new translation and a renamed H5P activity, each seen on the
    next view after a cached one."""
    client = _signed_in(per_officer)  # reads Spanish
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    lesson = LessonPage.objects.get(pk=course_tree.es.lesson2.pk)
    assert "CEN, nCEN y CENcomm." in _page(client)
    assert "CEN, nCEN y CENcomm." in _page(client)

    # A new revision of the lesson, published.
    lesson.body = [text("<p>Revisado: CENcomm.</p>"), *lesson.body.raw_data[1:]]
    publish(lesson)
    html = _page(client)
    assert "Revisado: CENcomm." in html and "CEN, nCEN y CENcomm." not in html

    # The activity renamed (its title is the frame's accessible name).
    activity = activities["es"]
    activity.title = "Canal en vivo, versión 2"
    activity.save()
    assert "Canal en vivo, versión 2" in _page(client)

    # A lesson first read in English (no Spanish yet), then translated.
    further = "/courses/detecting/detection/further-reading/"
    assert "<p>More.</p>" in _page(client, further)
    assert "<p>More.</p>" in _page(client, further)
    translate(
        course_tree.optional,
        Locale.objects.get(language_code="es"),
        title="Lecturas",
        body=[text("<p>Más.</p>")],
    )
    html = _page(client, further)
    assert "<p>Más.</p>" in html and "<p>More.</p>" not in html


def test_a_changed_language_preference_applies_at_once(course_tree, per_officer):
    client = _signed_in(per_officer)
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    assert 'lang="es"' in _page(client)
    # Saved elsewhere (the profile page, the admins, the API all save the user).
    officer = User.objects.get(pk=per_officer.pk)
    officer.preferred_language = "en"
    officer.save()
    assert 'lang="en"' in _page(client)
    # Written without a signal (officer imports use plain SQL), then forgotten.
    User.objects.filter(pk=per_officer.pk).update(preferred_language="es")
    preferences.forget([per_officer.pk])
    assert 'lang="es"' in _page(client)


def test_a_view_that_needs_no_user_does_not_load_it(course_tree, per_officer):
    """The language and zone come from the cache: only the session is read."""
    client = _signed_in(per_officer)
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    html = _page(client)  # fills the viewer's preferences
    script = re.search(r'<script src="(/h5p/messages/es/[0-9a-f]+\.js)"></script>', html)
    assert script, "the player's texts are a script of their own"
    with CaptureQueriesContext(connection) as context:
        response = client.get(script.group(1))
    assert response.status_code == 200
    assert [
        query["sql"] for query in context.captured_queries if "accounts_user" in query["sql"]
    ] == []
    assert len(context.captured_queries) == 1  # the session
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = response.content.decode()
    assert body.startswith("window.lmsH5pMessages = ")
    assert "Cargando la actividad" in body  # translated ("Loading the activity…")
    assert "missing_library" in body and "missing_library" not in html  # not in every page
