"""Uploading H5P packages: the same validation everywhere, shared libraries, nothing
left behind on refusal, and the library-install permission."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from courses.models import H5PActivity, H5PLibrary
from courses.packages.h5p import hostile
from courses.packages.h5p.services import PackageRefused, h5p_package_import
from courses.tests.fixtures import package
from courses.tests.test_h5p_policy import HOSTILE
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD_URL = "wagtailsnippets_courses_h5pactivity:add"


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "h5p"
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def test_ten_activities_share_one_stored_library(db):
    before = stored_files()
    for number in range(10):
        h5p_package_import(actor=None, data=package(title=f"Q{number}"), title=f"Q{number}")
    assert H5PLibrary.objects.count() == 1
    library_files = {
        f for f in stored_files() if f.startswith("libraries/CustomsLms.KnowledgeCheck-1.0.0/")
    }
    assert len(library_files) == 4  # library.json, semantics.json, one JS, one CSS
    new_content = {f.split("/")[1] for f in stored_files() - before if f.startswith("content/")}
    assert new_content == {str(a.uuid) for a in H5PActivity.objects.all()}
    assert H5PActivity.objects.count() == 10
    assert all(a.libraries.count() == 1 for a in H5PActivity.objects.all())


@pytest.mark.parametrize(
    "case", [name for name, (_b, _c, limits) in HOSTILE.items() if limits is None]
)
def test_hostile_packages_are_refused_and_leave_nothing_behind(case):
    builder, expected, _limits = HOSTILE[case]
    before = stored_files()
    with pytest.raises(PackageRefused) as refusal:
        h5p_package_import(actor=None, data=builder())
    assert refusal.value.messages and all(refusal.value.messages)
    assert expected <= set(refusal.value.codes)
    assert stored_files() == before
    assert not H5PActivity.objects.exists() and not H5PLibrary.objects.exists()


def test_library_files_are_never_overwritten_or_removed(db, monkeypatch):
    """A failed import that brought a new library leaves the shared library files alone."""
    h5p_package_import(actor=None, data=package(), title="First")
    library = {f for f in stored_files() if f.startswith("libraries/")}

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    H5PActivity.objects.all().delete()
    H5PLibrary.objects.all().delete()  # as if the library were new again
    script = "h5p/libraries/CustomsLms.KnowledgeCheck-1.0.0/knowledge-check.js"
    default_storage.delete(script)
    default_storage.save(script, ContentFile(b"/* another copy of this version */"))
    monkeypatch.setattr(H5PActivity.objects, "create", broken)
    with pytest.raises(RuntimeError):
        h5p_package_import(actor=None, data=package(), title="Second")
    assert {f for f in stored_files() if f.startswith("libraries/")} == library
    with default_storage.open(script) as stored:  # kept as it was, not overwritten
        assert stored.read() == b"/* another copy of this version */"
    default_storage.delete(script)
    monkeypatch.undo()
    h5p_package_import(actor=None, data=package(), title="Third")  # puts it back for others
    assert default_storage.exists(script)


def test_a_failed_import_removes_only_what_it_wrote(db, monkeypatch):
    h5p_package_import(actor=None, data=package(), title="First")
    library_before = {f for f in stored_files() if f.startswith("libraries/")}
    before = stored_files()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(H5PActivity.objects, "create", broken)
    with pytest.raises(RuntimeError):
        h5p_package_import(actor=None, data=package(), title="Second")
    assert stored_files() == before
    assert {f for f in stored_files() if f.startswith("libraries/")} == library_before


def test_refusal_messages_are_translated(db):
    from django.utils import translation

    with translation.override("es"), pytest.raises(PackageRefused) as refusal:
        h5p_package_import(actor=None, data=hostile.without_file("h5p.json"))
    assert "no tiene ningún archivo h5p.json" in " ".join(refusal.value.messages)


def test_new_libraries_need_the_install_permission(regional_author):
    before = stored_files()
    with pytest.raises(PackageRefused) as refusal:
        h5p_package_import(actor=regional_author, data=package())
    assert refusal.value.missing_libraries == ["CustomsLms.KnowledgeCheck 1.0.0"]
    assert stored_files() == before
    h5p_package_import(actor=None, data=package())  # installed by an operator
    activity = h5p_package_import(actor=regional_author, data=package(), title="Mine")
    assert activity.uploaded_by == regional_author


def _upload(client, data, **fields):
    return client.post(
        reverse(ADD_URL),
        {"package": SimpleUploadedFile("activity.h5p", data), "title": "", **fields},
    )


def test_platform_admin_uploads_in_the_wagtail_admin_and_sees_the_result(client, platform_admin):
    client.force_login(platform_admin)
    response = _upload(client, package(title="Live channel"))
    assert response.status_code == 302, response.content.decode()[:3000]
    activity = H5PActivity.objects.get()
    assert activity.title == "Live channel"
    inspect = client.get(reverse("wagtailsnippets_courses_h5pactivity:inspect", args=[activity.pk]))
    html = inspect.content.decode()
    assert "CustomsLms.KnowledgeCheck 1.0.0" in html


def test_admin_upload_lists_every_problem_and_stores_nothing(client, platform_admin):
    client.force_login(platform_admin)
    before = stored_files()
    bad = hostile.zip_files(
        {**hostile.valid_files(), "content/.htaccess": b"x", "content/evil.js": b"alert(1)"}
    )
    response = _upload(client, bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert ".htaccess" in html and "content/evil.js" in html
    assert not H5PActivity.objects.exists() and stored_files() == before


def test_author_without_install_permission_is_told_which_libraries_are_missing(
    client, regional_author
):
    client.force_login(regional_author)
    before = stored_files()
    response = _upload(client, package())
    assert response.status_code == 200
    assert "CustomsLms.KnowledgeCheck 1.0.0" in response.content.decode()
    assert not H5PActivity.objects.exists() and stored_files() == before


def test_authors_of_an_administration_upload_for_it_only(client, per, pan):
    h5p_package_import(actor=None, data=package())
    author = UserFactory(administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(author)
    response = _upload(client, package(), administration=pan.pk)
    assert response.status_code == 200
    assert H5PActivity.objects.count() == 1
    assert _upload(client, package(), administration=per.pk).status_code == 302
    assert H5PActivity.objects.filter(administration=per).count() == 1


def test_admin_listing_is_scoped_to_the_author(client, per, pan):
    h5p_package_import(actor=None, data=package(), title="Regional one")
    pan_activity = h5p_package_import(
        actor=None, data=package(), title="PAN only", administration=pan
    )
    author = UserFactory(administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(author)
    html = client.get(reverse("wagtailsnippets_courses_h5pactivity:list")).content.decode()
    assert "Regional one" in html and "PAN only" not in html
    for view in ("edit", "inspect", "delete", "usage", "history"):
        url = reverse(f"wagtailsnippets_courses_h5pactivity:{view}", args=[pan_activity.pk])
        assert client.get(url).status_code == 404, view


def test_h5p_import_command(tmp_path, per, capsys):
    good = tmp_path / "good.h5p"
    good.write_bytes(package(title="From the command line"))
    call_command("h5p_import", str(good), "--administration", "per")
    activity = H5PActivity.objects.get()
    assert activity.administration == per and activity.title == "From the command line"
    bad = tmp_path / "bad.h5p"
    bad.write_bytes(hostile.without_file("h5p.json"))
    with pytest.raises(CommandError, match=r"no h5p\.json"):
        call_command("h5p_import", str(bad))
    with pytest.raises(CommandError, match="Unknown administration"):
        call_command("h5p_import", str(good), "--administration", "ZZZ")
    assert H5PActivity.objects.count() == 1


def test_lesson_chooser_offers_only_usable_activities(client, per, pan):
    h5p_package_import(actor=None, data=package(), title="Regional one")
    h5p_package_import(actor=None, data=package(), title="PAN only", administration=pan)
    author = UserFactory(administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(author)
    html = client.get(reverse("wagtailsnippetchoosers_courses_h5pactivity:choose")).content.decode()
    assert "Regional one" in html and "PAN only" not in html


def test_h5p_build_command_builds_a_package_that_imports(tmp_path, db):
    from courses.seed import DEMO_DIR

    out = tmp_path / "typology.h5p"
    call_command(
        "h5p_build",
        str(DEMO_DIR / "activities" / "typology-match.json"),
        str(out),
        "--language",
        "es",
    )
    call_command("h5p_import", str(out))
    activity = H5PActivity.objects.get()
    assert activity.language == "es"
    broken = tmp_path / "broken.json"
    broken.write_text('{"en": {"title": "No question"}}')
    with pytest.raises(CommandError, match="title and a question"):
        call_command("h5p_build", str(broken), str(tmp_path / "x.h5p"))
    invalid = tmp_path / "invalid.json"
    invalid.write_text('{"title": "Bad", "question": "<p>Q</p>", "options": []}')
    with pytest.raises(CommandError, match="not make a valid package"):
        call_command("h5p_build", str(invalid), str(tmp_path / "y.h5p"))


def _probe_files(folder: str) -> dict[str, bytes]:
    """The hostile builder's valid package, with a library name no other test uses (so
    that its files, once stored, never stand in for the real KnowledgeCheck)."""
    files = hostile.valid_files()
    probe = "CustomsLms.PolicyProbe"
    return {
        name.replace(hostile.LIBRARY_DIR, folder, 1): payload.replace(
            hostile.LIBRARY.encode(), probe.encode()
        )
        for name, payload in files.items()
    }


def test_library_folder_named_after_its_machine_name_is_stored_under_its_version(db):
    """H5P allows a library folder named Machine.Name; it is stored under its full version
    (Machine.Name-major.minor.patch), which the player's Machine.Name-major.minor names."""
    before = stored_files()
    activity = h5p_package_import(
        actor=None, data=hostile.zip_files(_probe_files("CustomsLms.PolicyProbe"))
    )
    new = stored_files() - before
    assert activity.main_library.folder == "CustomsLms.PolicyProbe-1.0"
    assert {f for f in new if f.startswith("libraries/")} == {
        f"libraries/CustomsLms.PolicyProbe-1.0.2/{name}"
        for name in ("library.json", "semantics.json", "knowledge-check.js", "knowledge-check.css")
    }
    for name in new:
        (Path(settings.MEDIA_ROOT) / "h5p" / name).unlink()


def test_junk_root_files_and_underscore_names_are_not_stored(db):
    files = {
        **_probe_files("CustomsLms.PolicyProbe-1.0"),
        "__MACOSX/._h5p.json": b"\x00\x05\x16\x07",
        "content/.DS_Store": b"Bud1",
        "content/images/._customs-seal.png": b"\x00\x05\x16\x07",
        "README.md": b"# About",
        "_notes/draft.txt": b"x",
        "content/_draft.png": b"x",
        "CustomsLms.PolicyProbe-1.0/_src/x.ts": b"x",
        "CustomsLms.PolicyProbe-1.0/README.md": b"# Inert files in libraries are kept",
    }
    before = stored_files()
    activity = h5p_package_import(actor=None, data=hostile.zip_files(files))
    new = stored_files() - before
    content = {f.removeprefix(f"content/{activity.uuid}/") for f in new if f.startswith("content/")}
    assert content == {"h5p.json", "content/content.json", "content/images/customs-seal.png"}
    assert "libraries/CustomsLms.PolicyProbe-1.0.2/README.md" in new
    assert not any("_src" in f or "MACOSX" in f or "DS_Store" in f for f in new)
    for name in new:
        (Path(settings.MEDIA_ROOT) / "h5p" / name).unlink()


@pytest.mark.parametrize("name", ["_draft.png", "images/_thumb.png"])
def test_builder_refuses_names_h5p_would_skip(name):
    """The builder never makes a package whose media H5P would leave out."""
    from courses.packages.h5p.build import build_package

    with pytest.raises(ValueError):
        build_package(content={}, title="T", language="en", extra_files={name: b"x"})
