"""Officer import uploads: files far over LMS_IMPORT_MAX_BYTES are refused with 413 before
the form is parsed; files larger than other requests but within the limit are imported
(issue 11)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.tracking.models import OfficerImport

pytestmark = pytest.mark.django_db

HEADER = "employee_number,full_name,email,unit,position,preferred_language\n"
MiB = 1024 * 1024


def rows(count: int) -> bytes:
    lines = "".join(
        f"N{i},Name {i},name{i}@example.org,CALLAO,Inspector,es\n" for i in range(count)
    )
    return (HEADER + lines).encode()


@pytest.fixture
def manager_client(client, per_manager, per_unit):
    client.force_login(per_manager)
    return client


def test_a_file_larger_than_ordinary_requests_is_still_previewed(manager_client, settings):
    data = rows(30_000)
    assert settings.LMS_REQUEST_MAX_BYTES < len(data) < settings.LMS_IMPORT_MAX_BYTES
    response = manager_client.post(
        reverse("tracking:imports", args=["PER"]),
        {"file": SimpleUploadedFile("officers.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 302
    assert OfficerImport.objects.get().row_count == 30_000


def test_a_file_far_over_the_import_limit_is_refused_before_it_is_parsed(manager_client, settings):
    settings.LMS_IMPORT_MAX_BYTES = 100 * 1024
    data = rows(40_000)  # about 2 MB: over the limit and the room for the form around it
    response = manager_client.post(
        reverse("tracking:imports", args=["PER"]),
        {"file": SimpleUploadedFile("officers.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 413
    assert "The request is too large" in response.content.decode()
    assert not OfficerImport.objects.exists()
