"""Object storage, tested for real (issue 15, point 3): a SeaweedFS server started by the
tests (tests/s3_server.py) behind production's storage settings.

H5P content from the shared corpus and a SCORM package are imported into the bucket and
played from the content origin; a certificate PDF is rendered into it and downloaded; an
export is stored; images keep stable public addresses. Private objects are reachable only
through the application's checks or a signed address that expires: the bucket answers 403
to anyone else, and another administration's officer gets 404 from the application.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from courses.models import LessonActivity
from courses.packages.h5p import player as h5p_player
from courses.packages.h5p.services import h5p_package_import
from courses.packages.scorm import player as scorm_player
from courses.packages.scorm.services import scorm_package_files_delete
from courses.packages.scorm.tests import runtime as scorm_runtime
from courses.packages.scorm.tests.runtime import GOLF_12, enrol, scorm_course
from lms import storage
from lms.content_origin import content_token_mint
from lms.tracking import exporting

pytestmark = pytest.mark.django_db

SITE = "127.0.0.1"
CONTENT = "localhost"
ROOT = Path(__file__).resolve().parents[1]
# The shared corpora beside the checkout (../shared), or beside its parent for a worktree.
SHARED = [ROOT.parent / "shared", ROOT.parent.parent / "shared"]
CORPUS = next((folder for folder in SHARED if folder.is_dir()), SHARED[0]) / "corpora"
H5P_PACKAGE = CORPUS / "h5p" / "h5p-html-exporter__hub-content__H5P.ImageSlider.h5p"


def keys(server, prefix: str = "") -> list[str]:
    return server.names(prefix)


def direct_url(server, name: str) -> str:
    return server.direct_url(name)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- H5P content from the corpus, played from the content origin --------------------------


@pytest.mark.slow
def test_a_corpus_h5p_package_is_stored_in_the_bucket_and_plays_from_the_content_origin(
    object_storage, platform_admin, course_tree, per_officer, pan_officer, per
):
    data = H5P_PACKAGE.read_bytes()  # unmodified
    activity = h5p_package_import(actor=platform_admin, data=data, administration=per)
    content_keys = keys(object_storage, f"h5p/content/{activity.uuid}/")
    images = [key for key in content_keys if "/content/images/" in key]
    assert f"h5p/content/{activity.uuid}/content/content.json" in content_keys
    assert len(images) == 4
    assert keys(object_storage, "h5p/libraries/")
    assert not (Path(django_settings.MEDIA_ROOT) / "h5p" / "content" / str(activity.uuid)).exists()

    slot = LessonActivity.objects.create(
        lesson=course_tree.lesson2,
        block_id="corpus-slider",
        activity=activity,
        lesson_key=course_tree.lesson2.translation_key,
        course_key=course_tree.course.translation_key,
    )

    def token_for(user):
        return content_token_mint(
            user_id=user.pk, scope=h5p_player.slot_scope(slot.pk), main_origin=f"http://{SITE}"
        )

    from courses import services as course_services

    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    token = token_for(per_officer)
    shell = Client().get(f"/c/{token}/h5p/player/", HTTP_HOST=CONTENT)
    assert shell.status_code == 200
    found = re.search(
        r'<script id="h5p-frame-settings" type="application/json">(.*?)</script>',
        shell.content.decode(),
        re.S,
    )
    settings_ = json.loads(found.group(1))
    content = settings_["h5pJsonPath"]

    # The package's own files, streamed from the bucket by the application.
    response = Client().get(f"{content}/content/content.json", HTTP_HOST=CONTENT)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert body(response) == archive.read("content/content.json")
        image = images[0].split(f"{activity.uuid}/content/", 1)[1]
        response = Client().get(f"{content}/content/{image}", HTTP_HOST=CONTENT)
        assert response.status_code == 200
        assert body(response) == archive.read(f"content/{image}")
        h5p_json = json.loads(archive.read("h5p.json"))
    assert Client().get(f"{content}/h5p.json", HTTP_HOST=CONTENT).status_code == 200

    # Public to the player: the libraries, without a session, cacheable.
    main = next(
        dep
        for dep in h5p_json["preloadedDependencies"]
        if dep["machineName"] == h5p_json["mainLibrary"]
    )
    folder = f"{main['machineName']}-{main['majorVersion']}.{main['minorVersion']}"
    response = Client().get(
        f"{settings_['librariesPath']}/{folder}/library.json", HTTP_HOST=CONTENT
    )
    assert response.status_code == 200, (folder, keys(object_storage, "h5p/libraries/")[:50])
    assert json.loads(body(response))["machineName"] == main["machineName"]
    assert response["Cache-Control"].startswith("public")

    # Not for an officer of another administration, whoever minted the token; never from
    # the bucket without a signature.
    other = token_for(pan_officer)
    assert (
        Client().get(f"/c/{other}/h5p/content/{activity.uuid}/h5p.json", HTTP_HOST=CONTENT)
    ).status_code == 404
    status, _ = object_storage.get(direct_url(object_storage, images[0]))
    assert status == 403


# --- SCORM ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_scorm_packages_files_are_served_from_the_bucket(
    object_storage, home_page, per, per_officer, pan_officer, monkeypatch
):
    monkeypatch.setattr(scorm_runtime, "CORPUS", CORPUS / "scorm")  # found as above
    golf = scorm_course(home_page, packages=[GOLF_12], administration=per)
    package = golf.packages[0]
    stored = keys(object_storage, f"scorm/{package.uuid}/")
    assert f"scorm/{package.uuid}/shared/launchpage.html" in stored

    enrol(per_officer, golf)
    client = Client()
    client.force_login(per_officer)
    page = client.get(golf.lesson.url, HTTP_HOST=SITE)
    url = re.search(r'<iframe class="scorm-frame" src="([^"]+)"', page.content.decode()).group(1)
    base = urlsplit(url).path.removesuffix("player/") + f"content/{package.uuid}/"
    response = Client().get(base + "shared/launchpage.html", HTTP_HOST=CONTENT)
    assert response.status_code == 200
    assert b"ScormProcessInitialize" in body(response)
    assert Client().get(base + "missing.html", HTTP_HOST=CONTENT).status_code == 404

    foreign = content_token_mint(
        user_id=pan_officer.pk,
        scope=f"{scorm_player.SCOPE_PREFIX}{golf.slots[0].pk}",
        main_origin=f"http://{SITE}",
    )
    assert (
        Client()
        .get(f"/c/{foreign}/scorm/content/{package.uuid}/shared/launchpage.html", HTTP_HOST=CONTENT)
        .status_code
        == 404
    )
    status, _ = object_storage.get(direct_url(object_storage, stored[0]))
    assert status == 403

    # Deleting the package's files empties its prefix in the bucket.
    assert scorm_package_files_delete(prefix=f"scorm/{package.uuid}") == len(stored)
    assert keys(object_storage, f"scorm/{package.uuid}/") == []


# --- certificate PDFs and signed addresses ----------------------------------------------


@pytest.fixture
def earned_in_bucket(object_storage, request):
    """A certificate earned with the bucket as storage: its PDF is rendered into it."""
    return request.getfixturevalue("earned")


def test_a_certificate_pdf_is_written_to_the_bucket_and_downloaded_by_its_holder_only(
    earned_in_bucket, object_storage, pan_officer, per_officer
):
    certificate = earned_in_bucket.certificate
    certificate.refresh_from_db()
    events = list(certificate.events.values_list("kind", "detail"))
    assert certificate.pdf.name in keys(object_storage, "certificates/pdf/"), events
    pdf = reverse("certificates:pdf", args=[certificate.pk])

    client = Client()
    client.force_login(per_officer)
    response = client.get(pdf)
    assert response.status_code == 200
    downloaded = body(response)
    assert downloaded.startswith(b"%PDF")
    stored = object_storage.client().get_object(
        Bucket=object_storage.bucket, Key=object_storage.key(certificate.pdf.name)
    )
    assert stored["Body"].read() == downloaded

    client.force_login(pan_officer)
    assert client.get(pdf).status_code == 404
    anonymous = Client().get(pdf)
    assert anonymous.status_code == 302 and "%PDF" not in anonymous.content.decode()
    status, answer = object_storage.get(direct_url(object_storage, certificate.pdf.name))
    assert status == 403 and not answer.startswith(b"%PDF")


def test_a_signed_address_opens_a_private_object_until_it_expires(earned_in_bucket, object_storage):
    certificate = earned_in_bucket.certificate
    certificate.refresh_from_db()
    # Private objects are addressed only by signed URLs, LMS_SIGNED_URL_SECONDS long.
    assert "X-Amz-Expires=300" in default_storage.url(certificate.pdf.name)
    # Five seconds: long enough for the first read on a busy machine (one second was not,
    # once), short enough to wait out.
    signed_at = time.monotonic()
    url = default_storage.url(
        certificate.pdf.name,
        parameters={"ResponseContentDisposition": 'attachment; filename="certificate.pdf"'},
        expire=5,
    )
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=5" in url
    status, answer = object_storage.get(url)
    assert status == 200 and answer.startswith(b"%PDF")
    # Tampered: refused at once.
    status, _ = object_storage.get(url.replace("certificate.pdf", "other.pdf"))
    assert status == 403
    time.sleep(max(0.0, signed_at + 6.1 - time.monotonic()))
    status, answer = object_storage.get(url)
    assert status == 403 and b"expired" in answer.lower()


# --- exports --------------------------------------------------------------------------------


def test_an_export_is_stored_in_the_bucket_and_read_back(object_storage):
    """An XLSX export written through the storage API, as a mailed export is, under a
    random name: read back whole, private in the bucket."""
    header = ["Employee number", "Name"]
    rows = [[f"E{i:04}", f"=HYPERLINK(officer {i})"] for i in range(500)]
    content = b"".join(exporting.xlsx_stream(header, rows, sheet_title="Compliance"))
    name = default_storage.save(
        f"tracking/exports/PER/{secrets.token_hex(16)}.xlsx", ContentFile(content)
    )
    assert keys(object_storage, "tracking/exports/") == [name]
    with default_storage.open(name, "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).active
        values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(header) and len(values) == 501
    assert values[1] == ("E0000", "'=HYPERLINK(officer 0)")
    assert default_storage.save(name, ContentFile(b"x")) != name  # never overwritten
    status, _ = object_storage.get(direct_url(object_storage, name))
    assert status == 403


# --- public images ----------------------------------------------------------------------


def _png() -> bytes:
    from PIL import Image as PillowImage

    out = io.BytesIO()
    PillowImage.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_images_keep_stable_public_addresses_served_from_the_bucket(object_storage):
    from wagtail.images.models import Image

    image = Image.objects.create(title="X-ray", file=ImageFile(io.BytesIO(_png()), name="x.png"))
    assert image.file.name in keys(object_storage, "original_images/")
    assert image.file.url == f"/media/{image.file.name}"  # unsigned: cached pages keep it
    response = Client().get(image.file.url)
    assert response.status_code == 200 and body(response) == _png()
    assert response["Content-Type"] == "image/png"
    rendition = image.get_rendition("width-20")
    assert rendition.url.startswith("/media/images/")
    response = Client().get(rendition.url)
    assert response.status_code == 200 and body(response)[:4] == b"\x89PNG"
    # Only images: another stored object is not reachable by its name there.
    name = default_storage.save("tracking/exports/PER/a.csv", ContentFile(b"secret"))
    assert Client().get(f"/media/{name}").status_code == 404


# --- documents ----------------------------------------------------------------------------


def test_a_document_is_streamed_from_the_bucket_to_its_administration_only(
    object_storage, per, per_officer, pan_officer
):
    from wagtail.documents.models import Document

    from courses.services import media_collection_for

    document = Document.objects.create(
        title="Risk profile",
        file=ContentFile(b"%PDF-1.4 risk profile", name="risk.pdf"),
        collection=media_collection_for(per),
    )
    assert document.file.name in keys(object_storage, "documents/")
    client = Client()
    client.force_login(per_officer)
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 risk profile"
    client.force_login(pan_officer)
    assert client.get(document.url).status_code == 404
    assert Client().get(document.url).status_code == 302  # to the sign-in page
    assert Client().get(f"/media/{document.file.name}").status_code == 404
    status, _ = object_storage.get(direct_url(object_storage, document.file.name))
    assert status == 403


# --- readiness --------------------------------------------------------------------------------


def test_readyz_checks_the_object_storage(object_storage, settings):
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["storage"] == {"status": "ok"}
    assert keys(object_storage, "ops/") == []  # the scratch file is deleted

    broken = {**settings.STORAGES["default"]}
    broken["OPTIONS"] = {**broken["OPTIONS"], "secret_key": "wrong"}
    with override_settings(STORAGES={**settings.STORAGES, "default": broken}):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"status": "unavailable"}
    assert "wrong" not in response.content.decode()


# --- production settings and the deploy check ---------------------------------------------

STORE_AND_READ = (
    "import django; django.setup(); "
    "from django.core.checks import run_checks; "
    "from django.core.files.base import ContentFile; "
    "from django.core.files.storage import default_storage as s; "
    "name = s.save('ops/production.txt', ContentFile(b'from production')); "
    "print(type(s._wrapped).__name__, s.open(name).read().decode()); s.delete(name); "
    "print(*sorted(m.id for m in run_checks(include_deployment_checks=True) if m.id == 'lms.E203'))"
)


@pytest.mark.slow
def test_production_settings_select_the_object_storage_from_the_environment(object_storage):
    """A production process with the S3 variables set stores in the bucket (and deletes
    again), and its deploy check accepts several processes then."""
    from lms.accounts.tests.test_settings import GOOD_ENV
    from lms.ops.tests.test_operations_settings import manage

    env = {**GOOD_ENV, **object_storage.server.environment()}
    result = manage(env=env, python=STORE_AND_READ)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ObjectStorage", "from", "production"]
    client = object_storage.client()
    assert "Contents" not in client.list_objects_v2(Bucket=object_storage.bucket, Prefix="ops/")


def test_the_storage_check_accepts_object_storage_or_one_declared_process(settings):
    local = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    s3 = {"BACKEND": "lms.storage.ObjectStorage", "OPTIONS": {"bucket_name": "media"}}
    settings.STORAGES = {**settings.STORAGES, "default": local}
    for processes, expected in ((0, ["lms.E203"]), (4, ["lms.E203"]), (1, [])):
        settings.LMS_APP_PROCESSES = processes
        assert [error.id for error in storage.check_shared_storage()] == expected
    settings.LMS_APP_PROCESSES = 4
    settings.LMS_SINGLE_MACHINE = True  # several processes, one machine: one disk
    assert storage.check_shared_storage() == []
    settings.LMS_SINGLE_MACHINE = False
    settings.LMS_APP_PROCESSES = 0
    (error,) = storage.check_shared_storage()
    assert "several app processes" in error.msg
    assert "AWS_STORAGE_BUCKET_NAME" in error.hint and "WEB_CONCURRENCY=1" in error.hint
    assert "LMS_SINGLE_MACHINE=true" in error.hint
    settings.LMS_APP_PROCESSES = 4
    settings.STORAGES = {**settings.STORAGES, "default": s3}
    assert storage.check_shared_storage() == []
