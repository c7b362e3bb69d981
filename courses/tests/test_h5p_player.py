"""H5P plays on the content origin, never on the site's (issue 12, points 2 and 6).

The site is requested at 127.0.0.1 and its content origin, derived in tests, is
http://localhost (lms/content_origin.py). What the browser does with these answers is
tested in tests/browser/test_h5p_player.py and test_h5p_corpus_player.py.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from courses import services
from courses.models import ExternalMediaHost, LessonActivity
from courses.packages.h5p import player
from courses.packages.h5p.services import h5p_package_import
from courses.tests.fixtures import package
from lms.content_origin import content_token_mint

pytestmark = pytest.mark.django_db

SITE = "127.0.0.1"
CONTENT = "localhost"
LESSON = "/courses/detecting/landscape/live-channels/"
FRAME = re.compile(
    r'<iframe class="h5p-frame" src="([^"]+)" sandbox="([^"]+)"[^>]* title="([^"]+)"'
)


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def slot(course_tree):
    return LessonActivity.objects.get(lesson=course_tree.lesson2)


@pytest.fixture
def enrolled(client, course_tree, per_officer):
    per_officer.preferred_language = "en"
    per_officer.save()
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)
    return per_officer


def frame_of(client) -> tuple[str, str, str]:
    response = client.get(LESSON, HTTP_HOST=SITE)
    assert response.status_code == 200
    found = FRAME.search(response.content.decode())
    assert found, "no player frame in the lesson page"
    return found.group(1), found.group(2), found.group(3)


def shell(client, url):
    return client.get(urlsplit(url).path, HTTP_HOST=CONTENT)


def shell_settings(response) -> dict:
    found = re.search(
        r'<script id="h5p-frame-settings" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def test_the_lesson_page_keeps_its_strict_policy_and_frames_the_content_origin(
    client, slot, enrolled
):
    response = client.get(LESSON, HTTP_HOST=SITE)
    directives = policy(response)
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert directives["frame-src"] == ["'self'", "http://localhost"]
    assert directives["script-src"][0] == "'self'"
    assert all(source.startswith("'nonce-") for source in directives["script-src"][1:])
    html = response.content.decode()
    assert "h5p-standalone" not in html  # no package code on the officer's page
    assert enrolled.email and enrolled.email not in html  # the frames need no e-mail address
    url, sandbox, title = frame_of(client)
    assert re.fullmatch(r"http://localhost/c/[\w:-]+/h5p/player/", url)
    assert sandbox == (
        "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox "
        "allow-downloads"
    )
    assert title == "Interactive activity: KC en"


def test_the_player_shell_runs_under_the_frames_policy_without_the_session(client, slot, enrolled):
    url, _sandbox, _title = frame_of(client)
    response = shell(client, url)  # the test client sends the session cookie: it is ignored
    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == ["'none'"]
    assert "'unsafe-eval'" in directives["script-src"]
    assert player.FRAME_INLINE_SCRIPT_HASH in directives["script-src"]
    assert directives["frame-ancestors"] == ["http://127.0.0.1"]
    for name in ("img-src", "media-src", "frame-src", "connect-src"):
        assert not [source for source in directives[name] if "." in source], name
    assert "X-Frame-Options" not in response  # framed by the lesson page (frame-ancestors)
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert not response.cookies
    settings = shell_settings(response)
    assert settings["mainOrigin"] == "http://127.0.0.1"
    assert settings["contentId"] == str(slot.pk)
    assert settings["mediaHosts"] == settings["blockedHosts"] == []

    # The package's files, under the same token; the libraries, public and cached.
    content = settings["h5pJsonPath"]
    assert content.startswith(urlsplit(url).path.removesuffix("player/") + "content/")
    response = client.get(f"{content}/content/content.json", HTTP_HOST=CONTENT)
    assert response.status_code == 200 and not response.cookies
    assert b"CENcomm" in b"".join(response.streaming_content)
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert policy(response)["default-src"] == ["'none'"]
    assert client.get(f"{content}/h5p.json", HTTP_HOST=CONTENT).status_code == 200
    assert client.get(f"{content}/../../settings.py", HTTP_HOST=CONTENT).status_code == 404
    assert client.get(f"{content}/content/missing.json", HTTP_HOST=CONTENT).status_code == 404
    library = f"{settings['librariesPath']}/CustomsLms.KnowledgeCheck-1.0/library.json"
    client.logout()
    response = Client().get(library, HTTP_HOST=CONTENT)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=86400"
    assert (
        Client().get(library.replace("library.json", "../x"), HTTP_HOST=CONTENT).status_code == 404
    )


def test_package_files_and_players_are_404_on_the_sites_origin(client, slot, enrolled):
    url, _sandbox, _title = frame_of(client)
    path = urlsplit(url).path
    content = shell_settings(shell(client, url))["h5pJsonPath"]
    for address in (
        path,
        f"{content}/content/content.json",
        "/h5p/libraries/CustomsLms.KnowledgeCheck-1.0/library.json",
        f"/h5p/content/{slot.activity.uuid}/content/content.json",
        f"/h5p/content/{slot.activity.uuid}/h5p.json",
    ):
        assert client.get(address, HTTP_HOST=SITE).status_code == 404, address


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/accounts/profile/",
        "/cms/",
        "/cms/login/",
        "/django-admin/",
        "/api/v1/",
        "/api/v1/schema/",
        "/learning/",
        "/courses/detecting/",
        "/verify/",
        "/documents/1/x.pdf",
        "/h5p/state/1/state/0/",
        "/static/css/site.css",
        "/static/js/h5p-player.js",
        "/static/drf-spectacular-sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/h5p-standalone/../js/h5p-player.js",
    ],
)
def test_the_content_origin_serves_nothing_but_content(client, per_officer, path):
    client.force_login(per_officer)  # a session cookie the browser would not even send there
    response = client.get(path, HTTP_HOST=CONTENT)
    assert response.status_code == 404
    assert not response.cookies
    assert (
        client.post("/h5p/xapi/1/", "{}", "application/json", HTTP_HOST=CONTENT).status_code == 404
    )


def test_the_content_origin_serves_the_players_files(client):
    for path in (
        "/static/h5p-standalone/main.bundle.js",
        "/static/h5p-standalone/frame.bundle.js",
        "/static/h5p-standalone/styles/h5p.css",
        "/static/js/h5p-frame.js",
        "/static/js/h5p-inner.js",
    ):
        assert client.get(path, HTTP_HOST=CONTENT).status_code == 200, path


def test_the_content_origin_never_redirects(client, slot, enrolled):
    url, _sandbox, _title = frame_of(client)
    response = client.get(urlsplit(url).path.removesuffix("/"), HTTP_HOST=CONTENT)
    assert response.status_code == 404  # not a redirect to add the slash


def test_forged_expired_and_foreign_tokens_are_refused(client, slot, enrolled, per, pan_officer):
    url, _sandbox, _title = frame_of(client)
    path = urlsplit(url).path
    token = path.split("/")[2]
    signature = token.rsplit(":", 1)[1]
    forged = token[: -len(signature)] + ("A" if signature[0] != "A" else "B") + signature[1:]
    assert client.get(path.replace(token, forged), HTTP_HOST=CONTENT).status_code == 404
    assert client.get(path.replace(token, "eyJ1IjoxfQ:x"), HTTP_HOST=CONTENT).status_code == 404

    def token_for(user, for_slot, now=None):
        return content_token_mint(
            user_id=user.pk,
            scope=player.slot_scope(for_slot.pk),
            main_origin="http://127.0.0.1",
            now=now,
        )

    old = time.time() - 5 * 60 * 60
    expired = token_for(enrolled, slot, now=old)
    assert client.get(f"/c/{expired}/h5p/player/", HTTP_HOST=CONTENT).status_code == 403

    # A token opens its own activity's files only.
    other = h5p_package_import(actor=None, data=package(title="Other"), title="Other")
    response = client.get(
        f"/c/{token}/h5p/content/{other.uuid}/content/content.json", HTTP_HOST=CONTENT
    )
    assert response.status_code == 404

    # An activity of PER, in a PER lesson: not for an officer of PAN, whoever minted it.
    own = h5p_package_import(actor=None, data=package(title="PER's"), administration=per)
    per_slot = LessonActivity.objects.create(
        lesson=slot.lesson,
        block_id="per-only",
        activity=own,
        lesson_key=slot.lesson_key,
        course_key=slot.course_key,
    )
    content = f"h5p/content/{own.uuid}/content/content.json"
    for user, status in ((pan_officer, 404), (enrolled, 200)):
        minted = token_for(user, per_slot)
        assert client.get(f"/c/{minted}/{content}", HTTP_HOST=CONTENT).status_code == status

    # An officer deactivated since: refused (within the minute the access is cached).
    cache.clear()
    enrolled.is_active = False
    enrolled.save()
    assert client.get(path, HTTP_HOST=CONTENT).status_code == 404


def test_the_frames_policy_allows_exactly_the_allowed_hosts(client, slot, enrolled):
    url, _sandbox, _title = frame_of(client)
    ExternalMediaHost.objects.create(host="h5p.org")
    ExternalMediaHost.objects.create(host="WWW.YouTube.com")
    directives = policy(shell(client, url))
    assert directives["img-src"] == ["'self'", "data:", "blob:", "h5p.org", "www.youtube.com"]
    assert directives["media-src"] == ["'self'", "blob:", "h5p.org", "www.youtube.com"]
    assert directives["frame-src"] == ["'self'", "h5p.org", "www.youtube.com"]
    assert directives["connect-src"] == ["'self'", "h5p.org", "www.youtube.com"]
    # Scripts only from the host of YouTube's player, not from every media host.
    assert "www.youtube.com" in directives["script-src"]
    assert "h5p.org" not in directives["script-src"]
    ExternalMediaHost.objects.filter(host="www.youtube.com").delete()
    directives = policy(shell(client, url))
    assert directives["media-src"] == ["'self'", "blob:", "h5p.org"]
    assert "www.youtube.com" not in directives["script-src"]


def test_an_activity_whose_hosts_were_removed_says_so(client, course_tree, enrolled, slot):
    """Imported while a platform admin allowed h5p.org, since removed: the frame's policy
    blocks the video and the shell names the host, for the officer to read."""
    from courses.tests.test_h5p_corpus import SHARED_CORPUS

    data = (SHARED_CORPUS / "h5p-html-exporter__hub-content__H5P.InteractiveVideo.h5p").read_bytes()
    ExternalMediaHost.objects.create(host="h5p.org")
    video = h5p_package_import(actor=None, data=data)
    LessonActivity.objects.filter(pk=slot.pk).update(activity=video)
    url, _sandbox, _title = frame_of(client)
    settings = shell_settings(shell(client, url))
    assert settings["mediaHosts"] == ["h5p.org"] and settings["blockedHosts"] == []
    ExternalMediaHost.objects.all().delete()
    response = shell(client, url)
    assert shell_settings(response)["blockedHosts"] == ["h5p.org"]
    assert policy(response)["media-src"] == ["'self'", "blob:"]


def test_a_site_without_a_content_origin_says_why_instead_of_playing(client, slot, enrolled):
    response = client.get(LESSON)  # "testserver": no content origin can be derived
    html = response.content.decode()
    assert 'class="h5p-frame"' not in html
    assert "This activity cannot be shown: this server has no address for activities" in html
