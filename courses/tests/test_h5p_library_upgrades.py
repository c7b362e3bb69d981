"""Library upgrades (issue 12, point 5): a package carrying a newer patch of an installed
library installs it when a platform admin brings it, and every activity using that
major.minor then plays it; anyone else is told and nothing changes; a platform admin can
make another installed patch current again (rollback); the admin lists libraries with
their versions and usage.

Packages carrying a newer patch are made in the test from real ones (the project's own
content type, and an official one from the corpus): the library's ``patchVersion`` is
raised and a marker appended to its first preloaded script, so that the test can tell which
patch the content origin serves. The corpus folder itself is never written to.
"""

from __future__ import annotations

import importlib
import io
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import ModelLogEntry

from courses import services as course_services
from courses.models import H5PActivity, H5PLibrary, H5PLibraryVersion
from courses.packages.h5p.services import (
    LIBRARIES_PREFIX,
    LIBRARY_ROLLBACK_ACTION,
    LIBRARY_UPGRADE_ACTION,
    PackageRefused,
    RollbackRefused,
    h5p_library_rollback,
    h5p_package_import,
)
from courses.tests.fixtures import package

pytestmark = pytest.mark.django_db

KC = "CustomsLms.KnowledgeCheck"
KC_FOLDER = "CustomsLms.KnowledgeCheck-1.0"
SITE = "127.0.0.1"
CONTENT = "localhost"
LESSON = "/courses/detecting/landscape/live-channels/"
FRAME = re.compile(r'<iframe class="h5p-frame" src="([^"]+)"')
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "h5p"
TRUE_FALSE = CORPUS / "h5p-html-exporter__hub-content__H5P.TrueFalse.h5p"
LIST_URL = "wagtailsnippets_courses_h5plibrary:list"
ROLLBACK_URL = "wagtailsnippets_courses_h5plibrary:rollback"


def with_patch(
    data: bytes,
    machine_name: str,
    *,
    patch: int | None = None,
    marker: str = "",
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A copy of a package whose library ``machine_name`` has another ``patchVersion``
    (one more by default), ``marker`` appended to its first preloaded script and
    ``extra`` files added to its folder."""
    source = zipfile.ZipFile(io.BytesIO(data))
    folder = next(
        name.removesuffix("/library.json")
        for name in source.namelist()
        if name.count("/") == 1
        and name.endswith("/library.json")
        and json.loads(source.read(name))["machineName"] == machine_name
    )
    metadata = json.loads(source.read(f"{folder}/library.json"))
    metadata["patchVersion"] = metadata["patchVersion"] + 1 if patch is None else patch
    script = f"{folder}/{metadata['preloadedJs'][0]['path']}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info)
            if info.filename == f"{folder}/library.json":
                payload = json.dumps(metadata).encode()
            elif info.filename == script and marker:
                payload += f"\n/* {marker} */\n".encode()
            target.writestr(info, payload)
        for name, payload in (extra or {}).items():
            target.writestr(f"{folder}/{name}", payload)
    return out.getvalue()


def kc() -> H5PLibrary:
    return H5PLibrary.objects.select_related("current").get(machine_name=KC)


# --- playing: what the content origin serves to an existing activity ---------------------------


@pytest.fixture
def enrolled(client, course_tree, per_officer):
    per_officer.preferred_language = "en"
    per_officer.save()
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)
    return per_officer


def player_settings(client) -> dict:
    """The settings the lesson's player shell gives h5p-standalone, as an officer opens it."""
    page = client.get(LESSON, HTTP_HOST=SITE)
    assert page.status_code == 200
    url = FRAME.search(page.content.decode()).group(1)
    shell = client.get(urlsplit(url).path, HTTP_HOST=CONTENT)
    assert shell.status_code == 200
    found = re.search(
        r'<script id="h5p-frame-settings" type="application/json">(.*?)</script>',
        shell.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def served(path: str) -> tuple[bytes, str]:
    """A file from the content origin, as the player's frame asks for it (no session)."""
    response = Client().get(path, HTTP_HOST=CONTENT)
    assert response.status_code == 200, path
    return b"".join(response.streaming_content), response["Cache-Control"]


def script_path() -> str:
    return kc().library_json["preloadedJs"][0]["path"]


def test_an_upgrade_by_a_platform_admin_changes_what_every_activity_plays(
    client, course_tree, enrolled, platform_admin
):
    before = player_settings(client)["librariesPath"]
    library_json, caching = served(f"{before}/{KC_FOLDER}/library.json")
    assert json.loads(library_json)["patchVersion"] == 0
    assert caching == "public, max-age=86400"
    script, _caching = served(f"{before}/{KC_FOLDER}/{script_path()}")
    assert b"patch one" not in script

    upgraded = h5p_package_import(
        actor=platform_admin, data=with_patch(package(), KC, marker="patch one"), title="New"
    )

    assert upgraded.library_upgrades.installed == [f"{KC} 1.0.1"]
    assert "Newer patches installed" in upgraded.library_upgrades.messages[0]
    library = kc()
    assert library.version == "1.0.1" and library.current.folder == f"{KC_FOLDER}.1"
    assert library.library_json["patchVersion"] == 1
    assert sorted(library.versions.values_list("patch_version", flat=True)) == [0, 1]
    assert H5PLibrary.objects.count() == 1  # still one library for that major.minor
    assert set(course_tree.lesson2.activity_slots.get().activity.libraries.all()) == {library}
    # Both patches' files are kept, each in its own folder.
    assert default_storage.exists(f"{LIBRARIES_PREFIX}/{KC_FOLDER}.0/library.json")
    assert default_storage.exists(f"{LIBRARIES_PREFIX}/{KC_FOLDER}.1/library.json")

    # The officer's existing activity now loads the new patch, under a new address.
    after = player_settings(client)["librariesPath"]
    assert after != before
    library_json, caching = served(f"{after}/{KC_FOLDER}/library.json")
    assert json.loads(library_json)["patchVersion"] == 1
    assert caching == "public, max-age=86400"
    script, _caching = served(f"{after}/{KC_FOLDER}/{script_path()}")
    assert b"patch one" in script
    # The old address no longer names what is current: served briefly cached only.
    script, caching = served(f"{before}/{KC_FOLDER}/{script_path()}")
    assert b"patch one" in script and caching == "public, max-age=300"

    entry = ModelLogEntry.objects.get(action=LIBRARY_UPGRADE_ACTION)
    assert entry.object_id == str(library.pk) and entry.user_id == platform_admin.pk
    assert entry.data == {"from": "1.0.0", "to": "1.0.1"}
    assert "Patch 1.0.1 made current (was 1.0.0)" in entry.message


def test_a_newer_patch_from_anyone_else_is_reported_and_changes_nothing(
    client, course_tree, enrolled, regional_author, per_author
):
    before = player_settings(client)["librariesPath"]
    for author in (regional_author, per_author):
        activity = h5p_package_import(
            actor=author,
            data=with_patch(package(), KC, patch=4, marker="patch four"),
            title="Theirs",
            administration=author.administration,
        )
        # The activity imports, with the installed patch, and its author is told.
        assert activity.main_library == kc()
        outcome = activity.library_upgrades
        assert outcome.installed == [] and outcome.held_back == [(f"{KC} 1.0.4", "1.0.0")]
        assert outcome.messages == [
            "This package carries newer patches of libraries installed on this site: "
            f"{KC} 1.0.4 (installed: 1.0.0). The activity uses the installed patches; only a "
            "platform administrator can install the newer ones (by uploading this package)."
        ]
    library = kc()
    assert library.version == "1.0.0" and library.versions.count() == 1
    assert not default_storage.exists(f"{LIBRARIES_PREFIX}/{KC_FOLDER}.4/library.json")
    assert not ModelLogEntry.objects.filter(action=LIBRARY_UPGRADE_ACTION).exists()
    assert player_settings(client)["librariesPath"] == before
    script, _caching = served(f"{before}/{KC_FOLDER}/{script_path()}")
    assert b"patch four" not in script


def test_an_older_or_the_same_patch_uses_the_installed_one(platform_admin):
    h5p_package_import(actor=platform_admin, data=with_patch(package(), KC, patch=3))
    assert kc().version == "1.0.3"
    for patch in (3, 0, 2):  # the same, then older ones: never a downgrade
        activity = h5p_package_import(
            actor=platform_admin, data=with_patch(package(), KC, patch=patch)
        )
        assert activity.library_upgrades.messages == []
        assert activity.main_library.version == "1.0.3"
    assert list(kc().versions.values_list("patch_version", flat=True)) == [3]
    assert not default_storage.exists(f"{LIBRARIES_PREFIX}/{KC_FOLDER}.2/library.json")


def test_rollback_makes_the_previous_patch_current_again(
    client, course_tree, enrolled, platform_admin
):
    before = player_settings(client)["librariesPath"]
    h5p_package_import(actor=platform_admin, data=with_patch(package(), KC, marker="patch one"))
    upgraded = player_settings(client)["librariesPath"]
    previous = kc().versions.get(patch_version=0)

    library = h5p_library_rollback(actor=platform_admin, library=kc(), version=previous)

    assert library.version == "1.0.0" and kc().current == previous
    assert kc().library_json["patchVersion"] == 0
    # Back to the first patch's files, and to the address browsers cached them under.
    assert player_settings(client)["librariesPath"] == before
    script, _caching = served(f"{before}/{KC_FOLDER}/{script_path()}")
    assert b"patch one" not in script
    script, caching = served(f"{upgraded}/{KC_FOLDER}/{script_path()}")
    assert b"patch one" not in script and caching == "public, max-age=300"
    entry = ModelLogEntry.objects.get(action=LIBRARY_ROLLBACK_ACTION)
    assert entry.data == {"from": "1.0.1", "to": "1.0.0"}
    # And forward again: any installed patch can be made current.
    h5p_library_rollback(
        actor=platform_admin, library=kc(), version=kc().versions.get(patch_version=1)
    )
    assert kc().version == "1.0.1"
    with pytest.raises(RollbackRefused):
        h5p_library_rollback(actor=platform_admin, library=kc(), version=kc().current)


def test_only_platform_admins_roll_back(platform_admin, regional_author):
    h5p_package_import(actor=platform_admin, data=package())
    h5p_package_import(actor=platform_admin, data=with_patch(package(), KC))
    with pytest.raises(PermissionError):
        h5p_library_rollback(
            actor=regional_author, library=kc(), version=kc().versions.get(patch_version=0)
        )
    assert kc().version == "1.0.1"


def test_a_real_package_carrying_a_newer_patch_upgrades_every_activity(platform_admin):
    """An official content type from the corpus, re-packed with a newer patch."""
    if not TRUE_FALSE.is_file():
        pytest.skip(f"corpus file not found: {TRUE_FALSE}")
    original = TRUE_FALSE.read_bytes()
    first = h5p_package_import(actor=platform_admin, data=original)
    library = first.main_library
    patch = library.patch_version
    second = h5p_package_import(
        actor=platform_admin, data=with_patch(original, "H5P.TrueFalse", marker="newer patch")
    )
    library.refresh_from_db()
    assert second.main_library == library == first.main_library
    assert library.patch_version == patch + 1
    assert second.library_upgrades.installed == [f"H5P.TrueFalse {library.version}"]
    # Only the upgraded library got a second version; the others are used as installed.
    assert H5PLibraryVersion.objects.count() == H5PLibrary.objects.count() + 1
    script = library.library_json["preloadedJs"][0]["path"]
    stored = f"{LIBRARIES_PREFIX}/{library.storage_folder}/{script}"
    with default_storage.open(stored) as handle:
        assert b"newer patch" in handle.read()


@pytest.mark.parametrize(
    "extra",
    [
        {"shell.php": b"<?php system($_GET['c']); ?>"},
        {"icon.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'},
        {".htaccess": b"AddType application/x-httpd-php .js"},
    ],
    ids=["php", "svg-script", "htaccess"],
)
def test_a_hostile_new_patch_is_refused_like_any_library(platform_admin, extra):
    h5p_package_import(actor=platform_admin, data=package())
    hostile = with_patch(package(), KC, patch=66, extra=extra)
    with pytest.raises(PackageRefused):
        h5p_package_import(actor=platform_admin, data=hostile)
    assert kc().version == "1.0.0" and kc().versions.count() == 1
    assert not default_storage.exists(f"{LIBRARIES_PREFIX}/{KC_FOLDER}.66/library.json")
    assert H5PActivity.objects.count() == 1


def test_the_import_command_says_what_it_installed(capsys):
    h5p_package_import(actor=None, data=package())
    path = Path(default_storage.path("upgrade-test.h5p"))
    path.write_bytes(with_patch(package(), KC))
    try:
        call_command("h5p_import", str(path))
    finally:
        path.unlink()
    assert f"Newer patches installed; every activity using them now plays them: {KC} 1.0.1." in (
        capsys.readouterr().out
    )
    assert kc().version == "1.0.1"


def test_the_upload_view_tells_an_author_a_newer_patch_awaits_a_platform_admin(
    client, regional_author
):
    h5p_package_import(actor=None, data=package())
    client.force_login(regional_author)
    response = client.post(
        reverse("wagtailsnippets_courses_h5pactivity:add"),
        {"package": SimpleUploadedFile("a.h5p", with_patch(package(), KC)), "title": "Mine"},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "only a platform administrator can install the newer ones" in html
    assert H5PActivity.objects.filter(title="Mine").exists() and kc().version == "1.0.0"


# --- the admin: listing and rollback, platform admins only -------------------------------------


def test_the_listing_shows_versions_and_usage_in_a_fixed_number_of_queries(client, platform_admin):
    for number in range(3):
        h5p_package_import(actor=None, data=package(), title=f"KC {number}")
    h5p_package_import(actor=None, data=with_patch(package(), KC))
    client.force_login(platform_admin)
    url = reverse(LIST_URL)
    client.get(url)  # warm-up (sessions, site, content types)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(KC)}(?:(?!</tr>).)*</tr>", html, re.S)
    assert row, html[:3000]
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    ]
    assert "1.0.1" in cells and "1.0.0" in cells  # current, and the other installed patch
    assert "4" in cells  # activities using it
    assert reverse(ROLLBACK_URL, args=[kc().pk]) in row.group(0)

    if not TRUE_FALSE.is_file():
        pytest.skip(f"corpus file not found: {TRUE_FALSE}")
    h5p_package_import(actor=None, data=TRUE_FALSE.read_bytes())  # ten more libraries
    assert H5PLibrary.objects.count() > 5
    client.get(url)  # the first visit after a change fills the caches (the site's)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries), [
        query["sql"] for query in many.captured_queries
    ]


def test_rollback_in_the_admin_confirms_checks_csrf_and_logs(platform_admin):
    h5p_package_import(actor=None, data=package())
    h5p_package_import(actor=None, data=with_patch(package(), KC))
    previous = kc().versions.get(patch_version=0)
    client = Client(enforce_csrf_checks=True)
    client.force_login(platform_admin)
    url = reverse(ROLLBACK_URL, args=[kc().pk])
    confirmation = client.get(url)
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert "Yes, make this patch current" in html and f'value="{previous.pk}"' in html
    # Without the CSRF token: refused, nothing changes.
    assert client.post(url, {"version": previous.pk}).status_code == 403
    assert kc().version == "1.0.1"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(url, {"version": previous.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == reverse(LIST_URL)
    assert kc().version == "1.0.0"
    entry = ModelLogEntry.objects.get(action=LIBRARY_ROLLBACK_ACTION)
    assert entry.user_id == platform_admin.pk
    history = client.get(reverse("wagtailsnippets_courses_h5plibrary:history", args=[kc().pk]))
    assert "H5P library rolled back" in history.content.decode()
    # The current patch is not offered (nor accepted).
    response = client.post(url, {"version": previous.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and kc().version == "1.0.0"


@pytest.mark.parametrize(
    "who, refused",
    [
        # Authors use the admin: 404, as for a missing page (nothing is learnt).
        ("per_author", 404),
        ("regional_author", 404),
        # No admin access at all: Wagtail sends them to sign in, before any view runs.
        ("per_manager", 302),
        ("coordinator", 302),
    ],
)
def test_nobody_else_lists_libraries_or_rolls_back(client, request, who, refused):
    h5p_package_import(actor=None, data=package())
    h5p_package_import(actor=None, data=with_patch(package(), KC))
    previous = kc().versions.get(patch_version=0)
    client.force_login(request.getfixturevalue(who))
    urls = [reverse(LIST_URL), reverse(ROLLBACK_URL, args=[kc().pk])] + [
        reverse(f"wagtailsnippets_courses_h5plibrary:{name}", args=[kc().pk])
        for name in ("inspect", "history", "edit", "delete")
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == refused, url
        assert KC not in response.content.decode()
    response = client.post(reverse(ROLLBACK_URL, args=[kc().pk]), {"version": previous.pk})
    assert response.status_code == refused
    assert kc().version == "1.0.1"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    h5p_package_import(actor=None, data=package())
    h5p_package_import(actor=None, data=with_patch(package(), KC))
    previous = kc().versions.get(patch_version=0)
    for url in (reverse(LIST_URL), reverse(ROLLBACK_URL, args=[kc().pk])):
        response = client.get(url)
        assert response.status_code in (302, 404) and "login" in response.get("Location", "login")
    response = client.post(reverse(ROLLBACK_URL, args=[kc().pk]), {"version": previous.pk})
    assert response.status_code in (302, 404)
    assert kc().version == "1.0.1"


def test_platform_admins_cannot_add_edit_or_delete_libraries_by_hand(client, platform_admin):
    h5p_package_import(actor=None, data=package())
    client.force_login(platform_admin)
    assert client.get(reverse("wagtailsnippets_courses_h5plibrary:add")).status_code in (302, 403)
    for name in ("edit", "delete"):
        url = reverse(f"wagtailsnippets_courses_h5plibrary:{name}", args=[kc().pk])
        assert client.get(url).status_code in (302, 403), name
    assert client.post(
        reverse("wagtailsnippets_courses_h5plibrary:delete", args=[kc().pk])
    ).status_code in (302, 403)
    assert H5PLibrary.objects.exists()
    assert (
        client.get(
            reverse("wagtailsnippets_courses_h5plibrary:inspect", args=[kc().pk])
        ).status_code
        == 200
    )


def test_libraries_installed_before_versions_were_kept_still_play(client, course_tree, enrolled):
    """Migration 0007 records every library installed before it as one current version
    whose files stay where they were (Machine.Name-major.minor/), and they are served."""
    from django.apps import apps

    migration = importlib.import_module("courses.migrations.0007_h5p_library_versions")
    library = kc()
    old = f"{LIBRARIES_PREFIX}/{KC_FOLDER}"
    stored = f"{LIBRARIES_PREFIX}/{library.storage_folder}"
    for name in default_storage.listdir(stored)[1]:  # as the files were stored before
        with default_storage.open(f"{stored}/{name}") as handle:
            default_storage.save(f"{old}/{name}", handle)
        default_storage.delete(f"{stored}/{name}")
    H5PLibrary.objects.update(current=None)
    H5PLibraryVersion.objects.all().delete()

    migration.record_installed_versions(apps, None)

    library = kc()
    assert library.current.folder == KC_FOLDER and library.current.patch_version == 0
    assert library.current.library_json == library.library_json
    cache.clear()
    path = player_settings(client)["librariesPath"]
    library_json, _caching = served(f"{path}/{KC_FOLDER}/library.json")
    assert json.loads(library_json)["machineName"] == KC


def test_after_a_rollback_the_rolled_back_patch_comes_back_only_with_a_package(platform_admin):
    h5p_package_import(actor=platform_admin, data=package())
    h5p_package_import(actor=platform_admin, data=with_patch(package(), KC, patch=7))
    h5p_library_rollback(
        actor=platform_admin, library=kc(), version=kc().versions.get(patch_version=0)
    )
    h5p_package_import(actor=platform_admin, data=package())  # the current patch: no change
    assert kc().version == "1.0.0"
    again = h5p_package_import(actor=platform_admin, data=with_patch(package(), KC, patch=7))
    assert again.library_upgrades.installed == [f"{KC} 1.0.7"]
    assert kc().version == "1.0.7" and kc().versions.count() == 2  # the same version row
    assert ModelLogEntry.objects.filter(action=LIBRARY_UPGRADE_ACTION).count() == 2
