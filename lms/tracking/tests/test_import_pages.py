"""The officer import pages: upload, preview, apply, discard, history and template."""

from __future__ import annotations

import io
import time

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory
from lms.tracking.models import OfficerImport

pytestmark = pytest.mark.django_db

HEADER = "employee_number,full_name,email,unit,position,preferred_language\n"
PER_IMPORTS = reverse("tracking:imports", args=["PER"])


def csv_file(text: str, *, header: str = HEADER, encoding: str = "utf-8", name="officers.csv"):
    return SimpleUploadedFile(name, (header + text).encode(encoding), content_type="text/csv")


def upload(client, file, *, invitations: bool = True, code: str = "PER"):
    data = {"file": file}
    if invitations:
        data["send_invitations"] = "on"
    return client.post(reverse("tracking:imports", args=[code]), data)


def detail_url(record: OfficerImport) -> str:
    return reverse("tracking:import", args=[record.administration.code, record.pk])


def apply_url(record: OfficerImport) -> str:
    return reverse("tracking:import_apply", args=[record.administration.code, record.pk])


@pytest.fixture
def manager_client(client, per_manager, per_unit):
    client.force_login(per_manager)
    return client


def latest() -> OfficerImport:
    return OfficerImport.objects.latest("pk")


# --- upload and preview -----------------------------------------------------------------


def test_upload_previews_without_writing(manager_client, per, per_officer, per_manager):
    before = User.objects.count()
    response = upload(
        manager_client,
        csv_file(
            "PER-1,Carlos Renamed,officer.per@example.org,CALLAO,,es\n"
            "PER-2,Ana Quispe,ana@example.org,CALLAO,Analyst,es\n"
            "PER-3,Luis Rojas,luis@example.org,,,\n"
        ),
    )
    record = latest()
    assert response.status_code == 302
    assert response["Location"] == detail_url(record)
    assert User.objects.count() == before
    assert (record.status, record.uploaded_by, record.filename) == (
        "previewed",
        per_manager,
        "officers.csv",
    )
    assert (record.created_count, record.updated_count, record.unchanged_count) == (2, 1, 0)
    assert record.row_count == 3
    assert record.file.name.startswith("tracking/imports/PER/")
    assert "officers" not in record.file.name.rsplit("/", 1)[1]  # a random name

    page = manager_client.get(detail_url(record))
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["counts"] == {"create": 2, "update": 1, "unchanged": 0, "rejected": 0}
    assert 'data-action="apply"' in html
    assert "Ana Quispe" in html and "Luis Rojas" in html
    assert "Carlos Renamed" in html and "Carlos Huamán Torres" in html  # before → after
    assert User.objects.count() == before


def test_a_bad_row_is_listed_and_nothing_can_be_applied(
    manager_client, per, per_officer, django_capture_on_commit_callbacks
):
    before = list(User.objects.order_by("pk").values_list("pk", "full_name", "email"))
    upload(
        manager_client,
        csv_file(
            "PER-1,Carlos Renamed,officer.per@example.org,,,\n"
            ",No Number,nonumber@example.org,,,\n"
            "PER-4,Bad Mail,not-an-address,,,\n"
            "PER-5,Far Away,far@example.org,NOWHERE,,\n"
            "PER-6,Twice,twice@example.org,,,\n"
            "PER-6,Twice Again,twice2@example.org,,,\n"
        ),
    )
    record = latest()
    assert record.rejected_count == 4
    assert {(p["line"], p["code"]) for p in record.problems} == {
        (3, "missing_employee_number"),
        (4, "bad_email"),
        (5, "unknown_unit"),
        (7, "duplicate_employee_number"),
    }
    html = manager_client.get(detail_url(record)).content.decode()
    assert 'data-action="apply"' not in html
    assert "Fix the file and upload it again." in html
    assert 'data-line="3"' in html and "The employee number is missing." in html
    assert "“not-an-address” is not a valid e-mail address." in html
    assert "There is no unit with the code “NOWHERE” in this administration." in html
    assert "The employee number “PER-6” is also on line 6." in html

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(apply_url(record), follow=True)
    assert "The file has rejected rows. Nothing was written" in response.content.decode()
    assert list(User.objects.order_by("pk").values_list("pk", "full_name", "email")) == before
    record.refresh_from_db()
    assert record.status == "previewed"


def test_rejections_that_appear_after_the_preview_refuse_the_apply(
    manager_client, per, per_officer
):
    upload(manager_client, csv_file("N1,Ana,ana@example.org,,,\nN2,Luis,luis@example.org,,,\n"))
    record = latest()
    UserFactory(username="someone", administration=per, email="luis@example.org")  # meanwhile
    before = User.objects.count()
    response = manager_client.post(apply_url(record), follow=True)
    assert "some rows are now rejected" in response.content.decode()
    assert User.objects.count() == before
    record.refresh_from_db()
    assert record.status == "refused"
    assert [p["code"] for p in record.problems] == ["email_taken"]
    html = manager_client.get(detail_url(record)).content.decode()
    assert "already belongs to another user" in html
    assert 'data-action="apply"' not in html


def test_apply_writes_once_and_records_who_and_when(
    manager_client, per, per_officer, per_manager, django_capture_on_commit_callbacks
):
    upload(
        manager_client,
        csv_file("PER-1,Carlos Renamed,officer.per@example.org,,,\nN1,Ana,ana@example.org,,,\n"),
    )
    record = latest()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(apply_url(record), follow=True)
    assert "The import has been applied." in response.content.decode()
    record.refresh_from_db()
    assert record.status == "applied"
    assert (record.created_count, record.updated_count, record.invited_count) == (1, 1, 1)
    assert record.applied_by == per_manager and record.applied_at is not None
    per_officer.refresh_from_db()
    assert per_officer.full_name == "Carlos Renamed"
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    count = User.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        again = manager_client.post(apply_url(record), follow=True)
    assert "no longer waiting to be applied" in again.content.decode()
    assert User.objects.count() == count
    assert len(mail.outbox) == 1

    result = manager_client.get(detail_url(record))
    assert result.context["counts"]["create"] == 1
    assert 'data-count="invited"' in result.content.decode()

    history = manager_client.get(PER_IMPORTS).content.decode()
    assert f'data-import="{record.pk}" data-status="applied"' in history
    assert per_manager.get_full_name() in history


def test_invitations_can_be_left_out(manager_client, per, django_capture_on_commit_callbacks):
    upload(manager_client, csv_file("N1,Ana,ana@example.org,,,\n"), invitations=False)
    record = latest()
    assert record.send_invitations is False
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(apply_url(record))
    assert User.objects.filter(employee_number="N1").exists()
    assert mail.outbox == []


def test_large_files_are_applied_by_a_task(
    manager_client, per, settings, django_capture_on_commit_callbacks
):
    settings.LMS_IMPORT_TASK_ROWS = 2
    upload(
        manager_client, csv_file("".join(f"N{i},Name {i},n{i}@example.org,,,\n" for i in range(3)))
    )
    record = latest()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = manager_client.post(apply_url(record), follow=True)
    assert "being applied in the background" in response.content.decode()
    record.refresh_from_db()
    assert record.status == "queued"
    assert not User.objects.filter(employee_number="N0").exists()
    # A second click while queued does nothing.
    manager_client.post(apply_url(record))
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    record.refresh_from_db()
    assert record.status == "applied"
    assert User.objects.filter(administration=per, employee_number__startswith="N").count() == 3
    assert len(mail.outbox) == 3


def test_a_lost_file_fails_the_apply_and_writes_nothing(manager_client, per):
    upload(manager_client, csv_file("N1,Ana,ana@example.org,,,\n"))
    record = latest()
    record.file.storage.delete(record.file.name)
    page = manager_client.get(detail_url(record)).content.decode()
    assert "The uploaded file is no longer available. Upload it again." in page
    assert 'data-action="apply"' not in page
    response = manager_client.post(apply_url(record), follow=True)
    assert "The uploaded file is no longer available." in response.content.decode()
    assert "The import could not be applied." in response.content.decode()  # the page
    record.refresh_from_db()
    assert record.status == "failed"
    assert not User.objects.filter(employee_number="N1").exists()


def test_discard(manager_client, per, django_capture_on_commit_callbacks):
    upload(manager_client, csv_file("N1,Ana,ana@example.org,,,\n"))
    record = latest()
    storage, name = record.file.storage, record.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("tracking:import_discard", args=["PER", record.pk]), follow=True
        )
    assert "The import has been discarded." in response.content.decode()
    record.refresh_from_db()
    assert record.status == "discarded"
    assert not storage.exists(name)
    manager_client.post(apply_url(record))
    assert not User.objects.filter(employee_number="N1").exists()


# --- encodings and formats ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("latin-1", b"")],
    ids=["utf-8", "utf-8-bom", "latin-1"],
)
def test_names_with_accents_round_trip(manager_client, per, encoding, prefix):
    text = HEADER + "N1,José Núñez,jose@example.org,,,\nN2,João Gonçalves,joao@example.org,,,\n"
    file = SimpleUploadedFile("officers.csv", prefix + text.encode(encoding))
    upload(manager_client, file, invitations=False)
    record = latest()
    assert "José Núñez" in manager_client.get(detail_url(record)).content.decode()
    manager_client.post(apply_url(record))
    names = set(User.objects.filter(administration=per).values_list("full_name", flat=True))
    assert {"José Núñez", "João Gonçalves"} <= names


def test_xlsx_upload(manager_client, per):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Número de empleado", "Nombre completo", "Correo electrónico", "Unidad"])
    sheet.append([12345, "José Núñez", "jose@example.org", "CALLAO"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(manager_client, SimpleUploadedFile("officers.xlsx", buffer.getvalue()))
    record = latest()
    assert record.file.name.endswith(".xlsx")
    manager_client.post(apply_url(record))
    officer = User.objects.get(administration=per, employee_number="12345")
    assert (officer.full_name, officer.unit.code) == ("José Núñez", "CALLAO")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"%PDF-1.4 binary", "is not a CSV or Excel (.xlsx) file"),
        ("officers.csv", b"", "The file is empty."),
        ("officers.csv", b"   \n\n", "The file is empty."),
        (
            "officers.csv",
            b"code,name,mail\n1,Ana,ana@example.org\n",
            "The file is missing required columns",
        ),
        ("officers.csv", HEADER.encode(), "The file has column headings but no officers below"),
    ],
    ids=["pdf", "empty", "blank", "wrong-headers", "no-rows"],
)
def test_files_that_cannot_be_imported_are_explained(manager_client, per, name, content, message):
    response = upload(manager_client, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OfficerImport.objects.exists()


def test_too_large_files_are_refused(manager_client, per, settings):
    settings.LMS_IMPORT_MAX_BYTES = 1024 * 1024
    rows = "".join(f"N{i},Name {i},name{i}@example.org,,,\n" for i in range(40_000))
    response = upload(manager_client, csv_file(rows))
    assert response.status_code == 400
    assert "The file is too large" in response.content.decode()
    assert "The limit is 1 MB." in response.content.decode()
    assert not OfficerImport.objects.exists()


def test_too_many_rows_are_refused(manager_client, per, settings):
    settings.LMS_IMPORT_MAX_ROWS = 2
    response = upload(
        manager_client, csv_file("".join(f"N{i},N,n{i}@example.org,,,\n" for i in range(3)))
    )
    assert response.status_code == 400
    assert "more than 2 rows of officers" in response.content.decode()


def test_no_file(manager_client, per):
    response = manager_client.post(PER_IMPORTS, {})
    assert response.status_code == 400
    assert "Choose a CSV or Excel (.xlsx) file to upload." in response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_has_the_accepted_headings(manager_client, per, fmt):
    from lms.tracking.importing import ImportFileError, read_table

    response = manager_client.get(reverse("tracking:import_template", args=["PER", fmt]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    with pytest.raises(ImportFileError) as error:  # the headings are read; no rows below
        read_table(data, f"template.{fmt}")
    assert error.value.code == "no_rows"
    if fmt == "csv":
        assert data.decode("utf-8-sig").strip() == (
            "Employee number,Full name,E-mail,Unit,Position,Preferred language,Username"
        )


@pytest.mark.parametrize("language", ["en", "es", "pt-br", "fr"])
def test_template_headings_are_in_the_managers_language_and_read_back(
    client, per, per_manager, language
):
    from lms.tracking.importing import COLUMNS, read_table

    per_manager.preferred_language = language
    per_manager.save(update_fields=["preferred_language"])
    client.force_login(per_manager)
    response = client.get(reverse("tracking:import_template", args=["PER", "csv"]))
    header = b"".join(response.streaming_content).decode("utf-8-sig").strip()
    expected = {
        "es": "Número de empleado,Nombre completo,Correo electrónico,Unidad,Cargo,"
        "Idioma preferido,Nombre de usuario",
        "fr": "Matricule,Nom complet,Courriel,Unité,Poste,Langue préférée,Nom d'utilisateur",
    }
    if language in expected:
        assert header == expected[language]
    # Every heading of the template is one the import reads, in every language.
    table = read_table(f"{header}\r\nPER-9,Ana,ana@x.org,,,,\r\n".encode(), "t.csv")
    assert table.columns == COLUMNS


def test_template_in_an_unknown_format_is_404(manager_client, per):
    response = manager_client.get(reverse("tracking:import_template", args=["PER", "pdf"]))
    assert response.status_code == 404


# --- query counts -----------------------------------------------------------------------


def test_history_query_count_does_not_grow(manager_client, per, per_manager):
    def make(count: int) -> None:
        OfficerImport.objects.bulk_create(
            OfficerImport(
                administration=per, uploaded_by=per_manager, filename=f"f{i}.csv", sha256="0"
            )
            for i in range(count)
        )

    manager_client.get(PER_IMPORTS)  # the first request of a session warms caches
    counts = []
    for size in (2, 24):
        make(size)
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(PER_IMPORTS)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8


def test_preview_query_count_does_not_grow(manager_client, per, per_officer):
    manager_client.get(PER_IMPORTS)  # the first request of a session warms caches
    counts = []
    for size in (3, 300):
        rows = "".join(
            f"N{size}-{i},Name {i},n{size}.{i}@example.org,CALLAO,,\n" for i in range(size)
        )
        upload(manager_client, csv_file(rows + ",bad,row,,,\n"))
        record = latest()
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(detail_url(record))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10


# --- 50,000 officers --------------------------------------------------------------------


@pytest.mark.slow
def test_fifty_thousand_officers(manager_client, per, django_capture_on_commit_callbacks):
    rows = "".join(
        f"E{i:06d},Officer Número {i},officer{i}@aduanas.example.org,CALLAO,Inspector,es\n"
        for i in range(50_000)
    )
    start = time.perf_counter()
    response = upload(manager_client, csv_file(rows), invitations=False)
    uploaded = time.perf_counter()
    assert response.status_code == 302
    record = latest()
    assert record.created_count == 50_000
    preview = manager_client.get(detail_url(record))
    assert preview.context["more_creates"] == 50_000 - 200
    previewed = time.perf_counter()
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        manager_client.post(apply_url(record))
    applied = time.perf_counter()
    print(
        f"\n50,000 officers: upload {uploaded - start:.1f} s, preview {previewed - uploaded:.1f}"
        f" s, apply {applied - previewed:.1f} s ({len(queries)} queries)"
    )
    record.refresh_from_db()
    assert record.status == "applied"
    assert record.created_count == 50_000
    assert (
        User.objects.filter(administration=per, groups__name=Role.OFFICER.value).count() >= 50_000
    )
    # Constant per batch of rows, not per row: about 20 for the writes, and the rest for
    # assignments_sync, a few per 2,000 officers.
    assert len(queries) <= 250
    assert applied - start < 60


def test_import_files_are_stored_under_random_names(client, per, per_manager):
    """The name a manager gave the file never becomes a storage path (a proxy serving the
    media folder would otherwise make it guessable; review after issue 11)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from lms.tracking.models import OfficerImport

    client.force_login(per_manager)
    data = b"employee_number,full_name,email\nPER-9,Nueva Persona,nueva@example.org\n"
    client.post(
        reverse("tracking:imports", args=["PER"]),
        {"file": SimpleUploadedFile("personal-PER-2026.csv", data, content_type="text/csv")},
    )
    record = OfficerImport.objects.get()
    assert record.filename == "personal-PER-2026.csv"
    assert "personal" not in record.file.name and record.file.name.endswith(".csv")
