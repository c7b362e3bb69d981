"""The SCORM player on the content origin: the shell, the package's files, their policies,
and the tokens that open them (the rule that package content never runs on the officer's
page origin with its session cookie readable)."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from courses.packages.scorm import player
from lms.content_origin import content_token_mint

from .runtime import GOLF_12, enrol, scorm_course

pytestmark = pytest.mark.django_db

SITE = "127.0.0.1"
CONTENT = "localhost"
FRAME = re.compile(r'<iframe class="scorm-frame" src="([^"]+)" sandbox="([^"]+)"')


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def golf(home_page):
    return scorm_course(home_page, packages=[GOLF_12])


@pytest.fixture
def officer_client(golf, per_officer):
    enrol(per_officer, golf)
    client = Client()
    client.force_login(per_officer)
    return client


def frame_of(client, golf) -> tuple[str, str]:
    response = client.get(golf.lesson.url, HTTP_HOST=SITE)
    assert response.status_code == 200
    found = FRAME.search(response.content.decode())
    assert found, "no SCORM frame in the lesson page"
    return found.group(1), found.group(2)


def test_the_lesson_page_keeps_its_strict_policy_and_no_package_code(officer_client, golf):
    response = officer_client.get(golf.lesson.url, HTTP_HOST=SITE)
    header = response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in header and "'unsafe-inline'" not in header
    assert policy(response)["frame-src"] == ["'self'", "http://localhost"]
    html = response.content.decode()
    assert "scorm-again" not in html and "scorm12" not in html
    url, sandbox = frame_of(officer_client, golf)
    assert re.fullmatch(r"http://localhost/c/[\w:-]+/scorm/player/", url)
    assert sandbox == player.SCORM_SANDBOX
    assert "allow-top-navigation" not in sandbox


def test_the_shell_and_the_scos_files_run_under_their_own_policies(officer_client, golf):
    url, _sandbox = frame_of(officer_client, golf)
    path = urlsplit(url).path
    response = officer_client.get(path, HTTP_HOST=CONTENT)  # the session cookie is ignored
    assert response.status_code == 200 and not response.cookies
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["http://127.0.0.1"]
    assert directives["connect-src"] == ["'none'"]
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "/static/scorm-again/scorm12.min.js" in html and "/static/js/scorm-frame.js" in html
    package = golf.packages[0]
    base = path.removesuffix("player/") + f"content/{package.uuid}/"
    assert f'"contentBase": "{base}"' in html

    response = officer_client.get(base + "shared/launchpage.html", HTTP_HOST=CONTENT)
    assert response.status_code == 200 and not response.cookies
    directives = policy(response)
    assert "'unsafe-inline'" in directives["script-src"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'self'", "http://127.0.0.1"]
    assert directives["object-src"] == ["'none'"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert b"ScormProcessInitialize" in b"".join(response.streaming_content)
    for bad in ("../../settings.py", "shared/../../x", "missing.html"):
        assert officer_client.get(base + bad, HTTP_HOST=CONTENT).status_code == 404
    # The API's script is served there, and nothing of the site's but the players'.
    response = Client().get("/static/scorm-again/scorm12.min.js", HTTP_HOST=CONTENT)
    assert response.status_code == 200


def test_the_player_and_files_are_404_on_the_sites_origin(officer_client, golf):
    url, _sandbox = frame_of(officer_client, golf)
    path = urlsplit(url).path
    assert officer_client.get(path, HTTP_HOST=SITE).status_code == 404
    package = golf.packages[0]
    files = path.removesuffix("player/") + f"content/{package.uuid}/shared/launchpage.html"
    assert officer_client.get(files, HTTP_HOST=SITE).status_code == 404
    # and the commit endpoint is not on the content origin
    assert Client().post(f"/scorm/commit/{golf.slots[0].pk}/", HTTP_HOST=CONTENT).status_code == 404


def test_forged_expired_foreign_and_h5p_tokens_are_refused(
    officer_client, golf, per_officer, pan_officer, home_page, per
):
    url, _sandbox = frame_of(officer_client, golf)
    path = urlsplit(url).path
    token = path.split("/")[2]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert officer_client.get(path.replace(token, forged), HTTP_HOST=CONTENT).status_code == 404

    def token_for(user, slot, *, scope=None, now=None):
        return content_token_mint(
            user_id=user.pk,
            scope=scope or f"{player.SCOPE_PREFIX}{slot.pk}",
            main_origin="http://127.0.0.1",
            now=now,
        )

    slot = golf.slots[0]
    expired = token_for(per_officer, slot, now=time.time() - 5 * 60 * 60)
    assert Client().get(f"/c/{expired}/scorm/player/", HTTP_HOST=CONTENT).status_code == 403
    h5p_scope = token_for(per_officer, slot, scope=f"h5p:{slot.pk}")
    assert Client().get(f"/c/{h5p_scope}/scorm/player/", HTTP_HOST=CONTENT).status_code == 404
    # A token opens its own package's files only.
    other = scorm_course(home_page, packages=[GOLF_12], slug="other").packages[0]
    response = Client().get(
        f"/c/{token}/scorm/content/{other.uuid}/shared/launchpage.html", HTTP_HOST=CONTENT
    )
    assert response.status_code == 404
    # A package owned by PER: not for an officer of PAN, whoever minted the token.
    owned = scorm_course(home_page, packages=[GOLF_12], administration=per, slug="owned")
    owned_slot = owned.slots[0]
    for user, status in ((pan_officer, 404), (per_officer, 200)):
        minted = token_for(user, owned_slot)
        assert Client().get(f"/c/{minted}/scorm/player/", HTTP_HOST=CONTENT).status_code == status
    # An officer deactivated since: refused.
    cache.clear()
    per_officer.is_active = False
    per_officer.save()
    assert Client().get(path, HTTP_HOST=CONTENT).status_code == 404
