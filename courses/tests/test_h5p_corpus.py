"""Real ``.h5p`` packages made by H5P's own tools import; the broken ones are refused.

The corpus (``../shared/corpora/h5p``, see its ``MANIFEST.md``) holds official content
types exported with their libraries from h5p.org, other packages H5P's tools accept, and
deliberately broken packages from H5P's validator test suites. Every package is used as it
is. Only the broken ones are listed here (from the corpus README), each with the reason it
must be refused; every other file in the folder is discovered and must import through the
real upload service, as a platform administrator, into the test database and storage (the
test settings give each run a fresh temporary ``MEDIA_ROOT``).

``LMS_H5P_CORPUS`` (folders separated by ``os.pathsep``) points the same tests at other
folders of real packages, for acceptance runs with packages kept outside the project.
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import translation

from courses.models import ExternalMediaHost, H5PActivity, H5PLibrary
from courses.packages.h5p.policy import DETAILS, MESSAGES, SUPPORTED_CORE_API
from courses.packages.h5p.services import (
    LIBRARIES_PREFIX,
    PackageRefused,
    h5p_package_import,
    h5p_package_inspect,
)
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHARED_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "h5p"
FOLDERS = [
    Path(folder)
    for folder in os.environ.get("LMS_H5P_CORPUS", str(SHARED_CORPUS)).split(os.pathsep)
    if folder
]

# file name: (codes the refusal must include, core API version of the site or None)
BROKEN: dict[str, tuple[set[str], str | None]] = {
    "root__validator__2-invalid-libraries.h5p": (
        {"invalid_language_file", "invalid_library_json"},
        None,
    ),
    "root__validator__broken-h5p-json.h5p": ({"invalid_h5p_json"}, None),
    "root__validator__corrupt_archive.h5p": ({"not_a_zip"}, None),
    # H5P's own test refuses it on a site whose H5P core API is 1.1; its library asks for
    # 1.19, which this site's player (1.27) provides. See test_invalid_core_version_*.
    "root__validator__invalid-core-version.h5p": ({"core_api_unsupported"}, "1.1"),
    "root__validator__invalid-h5p-json-schema.h5p": ({"invalid_h5p_json"}, None),
    "root__validator__malformed-library-directory.h5p": ({"invalid_library_folder"}, None),
    "root__validator__missing-preloaded-js.h5p": ({"missing_preloaded_file"}, None),
    "h5p-express-adapter__validator__broken-content-json.h5p": ({"invalid_content_json"}, None),
    "h5p-express-adapter__validator__invalid-language-file-json.h5p": (
        {"invalid_language_file"},
        None,
    ),
    "h5p-express-adapter__validator__invalid-library-json.h5p": (
        {"invalid_library_json"},
        None,
    ),
    "h5p-svg-sanitizer__test__xss-svg.h5p": ({"svg_script"}, None),
}


# Packages whose content loads media from other hosts (issue 12, point 6): refused naming
# those hosts until a platform admin allows them, then imported. A YouTube address
# (youtu.be) also needs www.youtube.com, where YouTube's player comes from.
REMOTE_MEDIA: dict[str, set[str]] = {
    "h5p-html-exporter__hub-content__H5P.CoursePresentation.h5p": {"h5p.org"},
    "h5p-html-exporter__hub-content__H5P.InteractiveVideo.h5p": {"h5p.org"},
    "h5p-server__problem-cases__interactive-content-2260.h5p": {"youtu.be", "www.youtube.com"},
}


def allow_media_hosts(hosts: set[str] | list[str]) -> None:
    """What a platform admin does in Settings › External media hosts."""
    for host in hosts:
        ExternalMediaHost.objects.get_or_create(host=host)


def _discover() -> list[Path]:
    return sorted(path for folder in FOLDERS if folder.is_dir() for path in folder.glob("*.h5p"))


PACKAGES = _discover()
REAL = [path for path in PACKAGES if path.name not in BROKEN]
REFUSED = [path for path in PACKAGES if path.name in BROKEN]


def _ids(paths: list[Path]) -> list[str]:
    return [path.name.removesuffix(".h5p") for path in paths]


def _corpus(name: str) -> bytes:
    path = SHARED_CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file not found: {path}")
    return path.read_bytes()


@pytest.fixture(scope="module", autouse=True)
def _leave_storage_as_found():
    """The corpus stores thousands of library files in this run's MEDIA_ROOT: remove what
    this module wrote, so that other tests list and scan only their own files."""
    root = Path(django_settings.MEDIA_ROOT) / "h5p"
    before = {path for path in root.rglob("*")} if root.exists() else set()
    yield
    if not root.exists():
        return
    created = [path for path in root.rglob("*") if path not in before]
    for path in sorted(created, key=lambda item: len(item.parts), reverse=True):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()


@pytest.fixture
def installer(db):
    """A platform administrator: may install libraries, as on h5p.org."""
    return UserFactory(username="h5p.installer", roles={Role.PLATFORM_ADMIN})


def test_the_corpus_is_there():
    """The parametrised tests below would silently run nothing without the corpus."""
    if "LMS_H5P_CORPUS" in os.environ:
        assert PACKAGES, f"no .h5p file in {FOLDERS}"
        return
    assert SHARED_CORPUS.is_dir(), SHARED_CORPUS
    assert len(REAL) >= 40 and {path.name for path in REFUSED} == set(BROKEN)


@pytest.mark.parametrize("path", REAL, ids=_ids(REAL))
def test_real_package_is_accepted_and_imports(path, installer):
    data = path.read_bytes()
    report = h5p_package_inspect(data=data)
    if "LMS_H5P_CORPUS" not in os.environ:
        assert set(report.media_hosts) == REMOTE_MEDIA.get(path.name, set())
    if report.media_hosts:
        # Refused by default, naming every host; imported once they are allowed.
        assert report.codes == {"external_media_not_allowed"}
        with pytest.raises(PackageRefused) as refusal:
            h5p_package_import(actor=installer, data=data)
        assert refusal.value.codes == ["external_media_not_allowed"]
        assert all(host in refusal.value.messages[0] for host in report.media_hosts)
        assert not H5PActivity.objects.exists()
        allow_media_hosts(report.media_hosts)
        report = h5p_package_inspect(data=data)
    assert report.ok, [problem.message() for problem in report.problems]

    activity = h5p_package_import(actor=installer, data=data)

    assert report.main_key is not None
    main = activity.main_library
    assert (main.machine_name, main.major_version, main.minor_version) == report.main_key
    libraries = set(activity.libraries.values_list("machine_name", "major_version"))
    assert {(name, major) for name, major, _minor, _patch in report.libraries} <= libraries
    assert H5PLibrary.objects.count() == len(report.libraries)  # nothing installed before
    # Content is stored per activity, h5p.json beside it; junk and root files are not.
    with zipfile.ZipFile(path) as archive:
        names = {info.filename for info in archive.infolist() if not info.is_dir()}
    content = {name for name in report.files if name == "h5p.json" or name.startswith("content/")}
    assert "content/content.json" in content
    for name in content:
        assert default_storage.exists(f"{activity.storage_prefix}/{name}"), name
    for name in names - set(report.files):
        assert not default_storage.exists(f"{activity.storage_prefix}/{name}"), name
    # Libraries are stored once per patch (Machine.Name-x.y.z), the player's folder
    # (Machine.Name-x.y) naming the current patch.
    for library in H5PLibrary.objects.select_related("current"):
        assert library.storage_folder == f"{library.folder}.{library.patch_version}"
        assert default_storage.exists(f"{LIBRARIES_PREFIX}/{library.storage_folder}/library.json")


@pytest.mark.parametrize("path", REFUSED, ids=_ids(REFUSED))
def test_broken_package_is_refused_with_its_reason(path, installer, settings):
    expected, core_api = BROKEN[path.name]
    if core_api is not None:
        settings.LMS_H5P_CORE_API = core_api
    data = path.read_bytes()
    report = h5p_package_inspect(data=data)
    assert not report.ok
    assert expected <= report.codes, [problem.message() for problem in report.problems]
    with pytest.raises(PackageRefused) as refusal:
        h5p_package_import(actor=installer, data=data)
    assert expected <= set(refusal.value.codes)
    assert len(refusal.value.messages) == len(report.problems)
    assert not H5PActivity.objects.exists() and not H5PLibrary.objects.exists()


def test_broken_packages_say_why(installer):
    """The reasons an author reads, in English; the detail is named, not guessed."""
    reasons = {
        "root__validator__broken-h5p-json.h5p": (
            "The package description h5p.json is not valid: it is not valid JSON."
        ),
        "root__validator__invalid-h5p-json-schema.h5p": (
            "The package description h5p.json is not valid: the required field mainLibrary "
            "is missing."
        ),
        "h5p-express-adapter__validator__invalid-library-json.h5p": (
            "The library description H5P.GreetingCard-1.0/library.json is not valid: the "
            "required field majorVersion is missing."
        ),
        "h5p-express-adapter__validator__invalid-language-file-json.h5p": (
            "The language file H5P.GreetingCard-1.0/language/fr.json of the library "
            "H5P.GreetingCard-1.0 is not valid: it is not valid JSON."
        ),
        "root__validator__2-invalid-libraries.h5p": (
            "The language file H5P.GreetingCard-1.0/language/XXX!.json of the library "
            "H5P.GreetingCard-1.0 is not valid: its name is not a language code followed "
            "by .json."
        ),
        "root__validator__missing-preloaded-js.h5p": (
            "The library H5P.GreetingCard 1.0 needs the file "
            "H5P.GreetingCard-1.0/greetingcard.js, which is missing from the package."
        ),
        "h5p-svg-sanitizer__test__xss-svg.h5p": (
            "The image content/images/xss.svg contains active content (script). Images must "
            "not contain scripts or links to scripts."
        ),
        "root__validator__malformed-library-directory.h5p": (
            "The folder library! cannot be a library: library folders are named after the "
            "library, as Machine.Name-major.minor, with letters, digits, dots, dashes and "
            "underscores only."
        ),
    }
    for name, reason in reasons.items():
        with pytest.raises(PackageRefused) as refusal:
            h5p_package_import(actor=installer, data=_corpus(name))
        assert reason in refusal.value.messages, (name, refusal.value.messages)


def test_refusals_are_translated(installer, monkeypatch, settings):
    with translation.override("es"), pytest.raises(PackageRefused) as refusal:
        h5p_package_import(actor=installer, data=_corpus("root__validator__corrupt_archive.h5p"))
    assert refusal.value.messages == [
        "El archivo no es un paquete H5P: no se puede abrir como archivo ZIP."
    ]
    with translation.override("es"), pytest.raises(PackageRefused) as refusal:
        h5p_package_import(actor=installer, data=_corpus("root__validator__broken-h5p-json.h5p"))
    assert refusal.value.messages[0].startswith("La descripción del paquete h5p.json no es válida:")

    # Every message and every detail goes through gettext (the catalogue is filled apart).
    seen: list[str] = []

    def gettext(message: str) -> str:
        seen.append(message)
        return f"<{message}>"

    monkeypatch.setattr("courses.packages.h5p.services._", gettext)
    for name, (_codes, core_api) in BROKEN.items():
        settings.LMS_H5P_CORE_API = core_api
        with pytest.raises(PackageRefused) as refusal:
            h5p_package_import(actor=installer, data=_corpus(name))
        assert all(message.startswith("<") for message in refusal.value.messages), name
    assert set(seen) <= set(MESSAGES.values()) | DETAILS
    assert {
        MESSAGES[code]
        for code in (
            "invalid_language_file",
            "invalid_library_folder",
            "invalid_library_json",
            "missing_preloaded_file",
            "svg_script",
        )
    } <= set(seen)
    assert {"it is not valid JSON", "the required field {field} is missing"} <= set(seen)


def test_invalid_core_version_is_only_invalid_for_an_older_player(installer, settings):
    """The package's library asks for H5P core API 1.19 and nothing else is wrong with it:
    H5P's own test refuses it on a site set to core API 1.1. This site's player provides
    1.27, as do the official content types of the corpus (which ask for up to 1.24)."""
    data = _corpus("root__validator__invalid-core-version.h5p")
    assert SUPPORTED_CORE_API >= (1, 24)
    assert h5p_package_import(actor=installer, data=data)
    settings.LMS_H5P_CORE_API = "1.18"
    report = h5p_package_inspect(data=data)
    assert report.codes == {"core_api_unsupported"}
    assert report.problems[0].message() == (
        "The library H5P.GreetingCard 1.0 needs version 1.19 of the H5P core, which is newer "
        "than the version this site's player provides (1.18)."
    )


SHARING = [
    "h5p-html-exporter__hub-content__H5P.MultiChoice.h5p",
    "h5p-html-exporter__hub-content__H5P.TrueFalse.h5p",
]


def _keys() -> list[tuple[str, int, int]]:
    return list(H5PLibrary.objects.values_list("machine_name", "major_version", "minor_version"))


def test_libraries_are_stored_once_and_shared(installer):
    first, second = (_corpus(name) for name in SHARING)
    report_first = h5p_package_inspect(data=first)
    h5p_package_import(actor=installer, data=first)
    assert len(_keys()) == len(set(_keys())) == len(report_first.libraries)

    # The same package again: every library is reused, no row or file is added.
    report_again = h5p_package_inspect(data=first)
    assert report_again.ok and report_again.new_libraries == []
    before = set(_keys())
    again = h5p_package_import(actor=installer, data=first)
    assert set(_keys()) == before and len(_keys()) == len(before)
    assert again.libraries.count() == len(report_first.libraries)

    # Another package carrying some of the same library versions reuses them.
    report_second = h5p_package_inspect(data=second)
    shared = {version[:3] for version in report_second.libraries} & before
    assert shared, "the two packages share libraries (H5P.Question, H5P.JoubelUI...)"
    assert not shared & {version[:3] for version in report_second.new_libraries}
    other = h5p_package_import(actor=installer, data=second)
    assert (
        len(_keys()) == len(set(_keys())) == len(before | {v[:3] for v in report_second.libraries})
    )
    assert set(other.libraries.all()) & set(again.libraries.all())
    assert H5PActivity.objects.count() == 3


def test_authors_reuse_installed_libraries_but_cannot_bring_new_ones(installer, regional_author):
    first, second = (_corpus(name) for name in SHARING)
    with pytest.raises(PackageRefused) as refusal:
        h5p_package_import(actor=regional_author, data=first)
    assert refusal.value.codes == ["library_not_installed"]
    assert any(name.startswith("H5P.MultiChoice ") for name in refusal.value.missing_libraries)
    assert not H5PLibrary.objects.exists()

    h5p_package_import(actor=installer, data=first)  # a platform administrator installs them
    activity = h5p_package_import(actor=regional_author, data=first)
    assert activity.uploaded_by == regional_author
    with pytest.raises(PackageRefused) as refusal:  # TrueFalse itself is still new
        h5p_package_import(actor=regional_author, data=second)
    assert any(name.startswith("H5P.TrueFalse ") for name in refusal.value.missing_libraries)
    assert not any(name.startswith("H5P.Question ") for name in refusal.value.missing_libraries)


def test_the_whole_corpus_imports_in_one_site_quickly(installer):
    """Every real package into one database, libraries shared between them; the time
    spent is reported by pytest's --durations (the CI budget is shared)."""
    allow_media_hosts({host for hosts in REMOTE_MEDIA.values() for host in hosts})
    started = time.perf_counter()
    for path in REAL:
        h5p_package_import(actor=installer, data=path.read_bytes())
    elapsed = time.perf_counter() - started
    assert H5PActivity.objects.count() == len(REAL)
    keys = _keys()
    assert len(keys) == len(set(keys))  # each library version once
    assert elapsed < 120, f"importing {len(REAL)} packages took {elapsed:.1f} s"


def test_remote_media_is_refused_naming_its_hosts_until_allowed(installer):
    """Interactive videos pointing at YouTube or h5p.org: a clear refusal, in the author's
    language, until a platform admin allows the host; allowing another host is not enough."""
    data = _corpus("h5p-server__problem-cases__interactive-content-2260.h5p")
    with pytest.raises(PackageRefused) as refusal:
        h5p_package_import(actor=installer, data=data)
    assert refusal.value.messages == [
        "The content loads media from www.youtube.com, youtu.be, which this site does not "
        "allow. A platform administrator can allow a host under Settings › External media "
        "hosts; then upload the package again."
    ]
    allow_media_hosts(["www.youtube.com", "youtube.com"])  # not the host the package names
    with pytest.raises(PackageRefused) as refusal:
        h5p_package_import(actor=installer, data=data)
    assert "media from youtu.be, which" in refusal.value.messages[0]
    allow_media_hosts(["youtu.be"])
    assert h5p_package_import(actor=installer, data=data).main_library.machine_name


def test_h5p_import_command_takes_a_real_package(capsys):
    path = SHARED_CORPUS / "h5p-html-exporter__hub-content__H5P.Accordion.h5p"
    if not path.is_file():
        pytest.skip(f"corpus file not found: {path}")
    call_command("h5p_import", str(path))
    activity = H5PActivity.objects.get()
    assert activity.main_library.machine_name == "H5P.Accordion"
    assert "H5P.Accordion" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("h5p_import", str(SHARED_CORPUS / "root__validator__broken-h5p-json.h5p"))
