"""Officer imports are one administration's data: PER's import pages answer 404 to PAN's
manager, to officers (even PER's) and to regional coordinators, for reading and writing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.accounts.models import User
from lms.tracking.models import OfficerImport
from tests.tenancy import assert_hidden_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def per_import(client, per, per_manager, per_officer):
    client.force_login(per_manager)
    client.post(
        reverse("tracking:imports", args=["PER"]),
        {
            "file": SimpleUploadedFile(
                "officers.csv",
                b"employee_number,full_name,email\nPER-1,Renamed,officer.per@example.org\n"
                b"N1,New Person,new@example.org\n",
            )
        },
    )
    client.logout()
    return OfficerImport.objects.get(administration=per)


@pytest.fixture
def per_import_urls(per_import):
    return [
        reverse("tracking:imports", args=["PER"]),
        reverse("tracking:imports", args=["per"]),
        reverse("tracking:import", args=["PER", per_import.pk]),
        reverse("tracking:import_template", args=["PER", "csv"]),
        reverse("tracking:import_template", args=["PER", "xlsx"]),
    ]


def test_pan_manager_officers_and_coordinators_get_404(
    client, per_import_urls, per_manager, pan_manager, per_officer, pan_officer, coordinator
):
    for outsider in (pan_manager, per_officer, pan_officer, coordinator):
        assert_hidden_from(client, per_import_urls, outsider=outsider, owner=per_manager)


def test_a_platform_admin_reaches_them(client, per_import_urls, platform_admin):
    client.force_login(platform_admin)
    for url in per_import_urls:
        assert client.get(url).status_code == 200


def test_per_import_under_pan_code_is_404_even_for_pan_manager(client, per_import, pan_manager):
    client.force_login(pan_manager)
    assert client.get(reverse("tracking:import", args=["PAN", per_import.pk])).status_code == 404


def test_outsiders_cannot_apply_discard_or_upload(
    client, per, per_import, pan_manager, per_officer
):
    before = list(User.objects.order_by("pk").values_list("pk", "full_name"))
    for outsider in (pan_manager, per_officer):
        client.force_login(outsider)
        for name in ("tracking:import_apply", "tracking:import_discard"):
            for code in ("PER", "PAN"):
                response = client.post(reverse(name, args=[code, per_import.pk]))
                assert response.status_code == 404, (outsider, name, code)
        response = client.post(
            reverse("tracking:imports", args=["PER"]),
            {
                "file": SimpleUploadedFile(
                    "o.csv", b"employee_number,full_name,email\nX,Y,y@z.org\n"
                )
            },
        )
        assert response.status_code == 404
    per_import.refresh_from_db()
    assert per_import.status == "previewed"
    assert OfficerImport.objects.count() == 1
    assert list(User.objects.order_by("pk").values_list("pk", "full_name")) == before
