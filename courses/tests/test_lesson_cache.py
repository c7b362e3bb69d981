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


# --- the page shell (courses/lesson_shell.py) ---------------------------------------------


def test_the_cached_page_refuses_as_before(course_tree, per_officer, pan_officer, per):
    """Once an officer's view filled the cache: an officer of the same administration not
    enrolled, another administration's officer, an unpublished lesson and a private one
    are refused exactly as without the cache."""
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    from lms.accounts.tests.factories import UserFactory

    services.enrolment_create(actor=per_officer, course=course_tree.per_course)
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    url = "/per/callao/port/port-control/"
    client = _signed_in(per_officer)
    assert "PCU." in _page(client, url) and "PCU." in _page(client, url)
    # Not enrolled (same administration): sent to the course to enrol, as before.
    colleague = _signed_in(UserFactory(administration=per, preferred_language="es"))
    response = colleague.get(url)
    assert response.status_code == 302 and response["Location"] == "/per/callao/"
    # Another administration: not found, enrolled or not.
    assert _signed_in(pan_officer).get(url).status_code == 404
    # Signed out: to the sign-in page.
    assert Client(HTTP_HOST="127.0.0.1").get(url).status_code == 302
    # A private lesson (one group only) and then an unpublished one.
    assert "CEN, nCEN y CENcomm." in _page(client)
    restriction = PageViewRestriction.objects.create(
        page=course_tree.es.lesson2, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="Investigators"))
    refused = client.get(LESSON2)
    assert refused.status_code != 200 and "CENcomm" not in refused.content.decode()
    restriction.delete()
    assert "CEN, nCEN y CENcomm." in _page(client)
    course_tree.per_lesson.unpublish()
    assert client.get(url).status_code == 404


def test_roles_site_settings_and_query_show_at_once(course_tree, per_officer, home_page):
    from django.contrib.auth.models import Group
    from wagtail.models import Site

    from lms.accounts.roles import Role
    from lms.home.models import SiteSettings

    client = _signed_in(per_officer)
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    html = _page(client) + _page(client)
    assert "/administration/" not in html and 'data-nav="administration"' not in html
    # A new role: the navigation it brings, on the next view.
    per_officer.groups.add(Group.objects.get(name=Role.ADMINISTRATION_MANAGER.value))
    assert 'data-nav="administration"' in _page(client)
    per_officer.groups.clear()
    assert 'data-nav="administration"' not in _page(client)
    # The site's footer, saved by a platform admin.
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.footer_text = "Aviso del sitio 2027"
    site_settings.save()
    assert "Aviso del sitio 2027" in _page(client)
    # The address with its query (the language form's return address) is this request's,
    # escaped, and does not reach the next request.
    html = _page(client, LESSON2 + '?from=<b>"x"</b>')
    assert 'value="/courses/detecting/landscape/live-channels/?from=%3Cb%3E%22x%22%3C/b%3E"' in html
    assert "?from=" not in _page(client)


def test_each_officer_gets_a_working_csrf_token_and_their_own_messages(
    course_tree, per_officer, per
):
    """The CSRF token filled into the cached page is the session's own (the forms post);
    a message shows once, to its officer only."""
    from lms.accounts.tests.factories import UserFactory

    other = UserFactory(administration=per, preferred_language="es", full_name="Rosa Quispe")
    clients = {}
    for officer in (per_officer, other):
        services.enrolment_create(actor=officer, course=course_tree.course)
        clients[officer.pk] = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
        clients[officer.pk].force_login(officer)
    for officer in (per_officer, other):
        html = _page(clients[officer.pk]) + _page(clients[officer.pk])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        assert officer.full_name in html
        switched = clients[officer.pk].post(
            "/language/", {"csrfmiddlewaretoken": token, "language": "fr", "next": LESSON2}
        )
        assert switched.status_code == 302, switched.status_code
        assert 'lang="fr"' in _page(clients[officer.pk])
    # A token of another session is refused.
    foreign = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', _page(clients[other.pk])
    ).group(1)
    refused = clients[per_officer.pk].post(
        "/language/", {"csrfmiddlewaretoken": foreign, "language": "es", "next": LESSON2}
    )
    assert refused.status_code == 403

    # A message (a sequential course sends the officer back to the lesson to finish).
    for officer in (per_officer, other):
        _page(clients[officer.pk], "/courses/detecting/landscape/typologies/")  # completed
    for course in (course_tree.course, course_tree.es.course):  # they now read French
        course.sequential = True
        publish(course)
    client = clients[per_officer.pk]
    response = client.get("/courses/detecting/detection/containers/")
    assert response.status_code == 302
    html = _page(client, response["Location"])
    assert 'class="messages"' in html
    assert 'class="messages"' not in _page(client)
    assert 'class="messages"' not in _page(clients[other.pk], response["Location"])


def test_the_page_is_served_while_redis_is_down_and_shared_when_it_is_up(
    course_tree, per_officer, pan_officer, settings, tmp_path
):
    """Production's cache: one Redis shared by two app processes' worth of clients; when
    it stops, the page is built from the database; when it is back, it is used again."""
    import time

    import redis

    from tests.topology import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    try:
        settings.CACHES = {
            "default": {
                "BACKEND": "lms.cache.FailSafeRedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"pause_after_error": 0.2},
            }
        }
        pan_officer.preferred_language = "en"
        pan_officer.save()
        for officer in (per_officer, pan_officer):
            services.enrolment_create(actor=officer, course=course_tree.course)
        per, pan = _signed_in(per_officer), _signed_in(pan_officer)
        first = _page(per)
        shared = redis.Redis.from_url(server.url)
        assert shared.keys("*lesson-page*"), "the page's shell is kept in Redis"
        assert per_officer.full_name in first
        token = _frame_tokens(first)[0]
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', first).group(1)
        # Nothing of the officer in any entry of the page cache (shell, body, outline...).
        for key in shared.keys("*lms:pages*"):
            value = shared.get(key)
            for own in (per_officer.full_name.encode(), token.encode(), csrf.encode()):
                assert own not in value, key
        english = _page(pan)
        assert pan_officer.full_name in english and "CEN, nCEN and CENcomm." in english
        server.stop()
        for _ in range(2):
            html = _page(per)
            assert "CEN, nCEN y CENcomm." in html and per_officer.full_name in html
        server.start()
        time.sleep(0.3)
        assert "CEN, nCEN y CENcomm." in _page(per)
    finally:
        server.stop()
