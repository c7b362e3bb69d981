"""SCORM packages in the Wagtail admin (upload, listing, inspection, tenancy) and from
the command line."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from courses.packages.scorm.models import ScormPackage
from courses.packages.scorm.services import scorm_package_delete, scorm_package_import

from .packages import CORPUS, package, storage_names, stored_files

pytestmark = pytest.mark.django_db

ADD_URL = "wagtailsnippets_scorm_scormpackage:add"
GOLF = "golf__RuntimeMinimumCalls_SCORM12.zip"


def _corpus(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file not found: {path}")
    return path.read_bytes()


def _upload(client, data, name="course.zip", **fields):
    return client.post(
        reverse(ADD_URL),
        {"package": SimpleUploadedFile(name, data, "application/zip"), "title": "", **fields},
    )


def _url(view: str, package: ScormPackage) -> str:
    return reverse(f"wagtailsnippets_scorm_scormpackage:{view}", args=[package.pk])


def test_a_training_manager_uploads_a_real_package_and_sees_its_outline(client, regional_author):
    client.force_login(regional_author)
    response = _upload(client, _corpus(GOLF))
    assert response.status_code == 302, response.content.decode()[:3000]
    package = ScormPackage.objects.get()
    assert package.title == "Golf Explained - Minimum Run-time Calls"
    assert (package.version, package.launchable_count, package.sco_count) == ("1.2", 18, 18)
    assert package.uploaded_by == regional_author and package.administration is None
    assert storage_names(package.storage_prefix)  # stored through the storage API

    listing = client.get(reverse("wagtailsnippets_scorm_scormpackage:list")).content.decode()
    assert "Golf Explained - Minimum Run-time Calls" in listing
    assert "SCORM 1.2" in listing and "18 (18 SCOs)" in listing

    inspect = client.get(_url("inspect", package))
    html = inspect.content.decode()
    assert inspect.status_code == 200
    assert "Playing the Game" in html and "Handicapping Example" in html
    assert "Playing/Playing.html" in html  # a launch address in the outline


def test_an_upload_lists_every_problem_on_the_form_and_stores_nothing(client, regional_author):
    client.force_login(regional_author)
    before = stored_files()
    bad = package({".htaccess": b"AddHandler php .html", "upload.php": b"<?php ?>"})
    response = _upload(client, bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The file .htaccess configures a web server" in html
    assert "The file upload.php is a server-side script" in html
    assert not ScormPackage.objects.exists() and stored_files() == before

    response = _upload(client, _corpus("moodle__badscorm.zip"))
    assert "inside the folder badscorm" in response.content.decode()
    assert not ScormPackage.objects.exists() and stored_files() == before


def test_authors_of_an_administration_upload_for_it_only(client, per, pan, per_author):
    client.force_login(per_author)
    response = _upload(client, package(), administration=pan.pk)
    assert response.status_code == 200
    assert not ScormPackage.objects.exists()
    response = _upload(client, package(), administration="")
    assert response.status_code == 200 and not ScormPackage.objects.exists()
    assert _upload(client, package(), administration=per.pk).status_code == 302
    assert ScormPackage.objects.get().administration == per


def test_an_author_of_pan_neither_sees_nor_changes_per_packages(client, per, pan, pan_author):
    per_package = scorm_package_import(
        actor=None, source=package(title="PER induction"), administration=per
    )
    scorm_package_import(actor=None, source=package(title="PAN induction"), administration=pan)
    client.force_login(pan_author)
    listing = client.get(reverse("wagtailsnippets_scorm_scormpackage:list")).content.decode()
    assert "PAN induction" in listing and "PER induction" not in listing
    chooser = client.get(reverse("wagtailsnippetchoosers_scorm_scormpackage:choose"))
    assert "PAN induction" in chooser.content.decode()
    assert "PER induction" not in chooser.content.decode()
    for view in ("edit", "inspect", "delete", "usage", "history"):
        assert client.get(_url(view, per_package)).status_code == 404, view
        assert client.post(_url(view, per_package), {"title": "Taken"}).status_code == 404, view
    chosen = reverse("wagtailsnippetchoosers_scorm_scormpackage:chosen", args=[per_package.pk])
    assert client.get(chosen).status_code == 404
    per_package.refresh_from_db()
    assert per_package.title == "PER induction"


def test_regional_packages_are_read_only_to_an_author_of_pan(client, pan_author, platform_admin):
    regional = scorm_package_import(actor=None, source=package(title="Regional course"))
    client.force_login(platform_admin)  # the positive control: the URLs exist
    for view in ("edit", "delete", "usage", "history", "inspect"):
        assert client.get(_url(view, regional)).status_code == 200, view

    client.force_login(pan_author)
    assert (
        "Regional course"
        in client.get(reverse("wagtailsnippets_scorm_scormpackage:list")).content.decode()
    )
    assert client.get(_url("inspect", regional)).status_code == 200
    for view in ("edit", "delete", "usage", "history"):
        assert client.get(_url(view, regional)).status_code in (403, 404), view
        response = client.post(_url(view, regional), {"title": "Taken", "administration": ""})
        assert response.status_code in (403, 404), view
    regional.refresh_from_db()
    assert (regional.title, regional.administration_id) == ("Regional course", None)
    assert ScormPackage.objects.count() == 1


def test_the_owner_edits_title_and_a_platform_admin_deletes_with_the_files(
    client, per, per_author, platform_admin, django_capture_on_commit_callbacks
):
    owned = scorm_package_import(actor=None, source=package(), administration=per)
    client.force_login(per_author)
    response = client.post(_url("edit", owned), {"title": "Callao port induction"})
    assert response.status_code == 302
    owned.refresh_from_db()
    assert owned.title == "Callao port induction" and owned.administration == per
    # Training managers hold no delete right (as for H5P): Wagtail sends them home.
    refused = client.post(_url("delete", owned))
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    assert ScormPackage.objects.filter(pk=owned.pk).exists()

    client.force_login(platform_admin)
    prefix = owned.storage_prefix
    assert storage_names(prefix)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_url("delete", owned)).status_code == 302
    assert not ScormPackage.objects.exists()
    assert storage_names(prefix) == set()


def test_the_delete_service_checks_the_actor(per, pan_author, platform_admin):
    from django.core.exceptions import PermissionDenied

    owned = scorm_package_import(actor=None, source=package(), administration=per)
    with pytest.raises(PermissionDenied):
        scorm_package_delete(actor=pan_author, package=owned)
    scorm_package_delete(actor=platform_admin, package=owned)
    assert not ScormPackage.objects.exists()


def test_the_import_service_checks_the_actor(per, pan, pan_author, per_officer):
    from django.core.exceptions import PermissionDenied

    for actor, owner in ((pan_author, per), (pan_author, None), (per_officer, per)):
        with pytest.raises(PermissionDenied):
            scorm_package_import(actor=actor, source=package(), administration=owner)
    assert scorm_package_import(actor=pan_author, source=package(), administration=pan)


def test_scorm_import_command(tmp_path, per, capsys):
    good = tmp_path / "golf.zip"
    good.write_bytes(_corpus(GOLF))
    call_command("scorm_import", str(good), "--administration", "per", "--title", "Golf")
    imported = ScormPackage.objects.get()
    assert imported.administration == per and imported.title == "Golf"
    output = capsys.readouterr().out
    assert "Imported “Golf”" in output and "Launchable items: 18 (18 SCOs)" in output

    before = stored_files()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_corpus("emp__InvalidFileReferences_SCORM12.zip"))
    with pytest.raises(CommandError) as refusal:
        call_command("scorm_import", str(bad))
    message = str(refusal.value)
    assert "[launch_file_missing]" in message and "[file_missing]" in message
    assert "content/nonexistent.js" in message
    with pytest.raises(CommandError, match="Unknown administration"):
        call_command("scorm_import", str(good), "--administration", "ZZZ")
    with pytest.raises(CommandError, match="No such file"):
        call_command("scorm_import", str(tmp_path / "missing.zip"))
    assert ScormPackage.objects.count() == 1 and stored_files() == before


def test_the_command_exits_non_zero_on_refusal(tmp_path, db, capsys):
    """As run from a shell (manage.py's own entry point): the exit status says so."""
    from courses.packages.scorm.management.commands.scorm_import import Command

    bad = tmp_path / "bad.zip"
    bad.write_bytes(_corpus("moodle__invalid.zip"))
    with pytest.raises(SystemExit) as exit_status:
        Command().run_from_argv(["manage.py", "scorm_import", str(bad)])
    assert exit_status.value.code != 0
    assert "[manifest_missing]" in capsys.readouterr().err


def test_the_listing_does_not_grow_in_queries_with_packages(client, per, per_author):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    listing = reverse("wagtailsnippets_scorm_scormpackage:list")
    scorm_package_import(actor=None, source=package(), administration=per)
    client.force_login(per_author)
    client.get(listing)  # warm caches (content types, site settings)
    with CaptureQueriesContext(connection) as one:
        assert client.get(listing).status_code == 200
    for _ in range(4):
        scorm_package_import(actor=None, source=package())
        scorm_package_import(actor=None, source=package(), administration=per)
    with CaptureQueriesContext(connection) as nine:
        html = client.get(listing).content.decode()
    assert html.count("Minimal course") >= 9
    assert len(nine) == len(one), [query["sql"] for query in nine.captured_queries]
