"""XLSX exports of large administrations: built by a task, mailed as a link that only
the requester can follow (issue 15)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from lms.accounts.roles import Role
from lms.accounts.tests.factories import AdministrationFactory, UserFactory, manager, officer
from lms.tracking.mailed_exports import mailed_exports_delete_expired
from lms.tracking.models import MailedExport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.LMS_EXPORT_MAILED_ABOVE_OFFICERS = 2


@pytest.fixture
def large():
    administration = AdministrationFactory(code="XLG")
    names = [officer(administration, full_name=f"Officer Large{n}").full_name for n in range(3)]
    return administration, names


def export_url(administration, kind: str = "matrix_export", fmt: str = "xlsx") -> str:
    return reverse(f"tracking:{kind}", args=[administration.code, fmt])


def request_export(client, user, url, on_commit) -> str:
    """Ask for the export as ``user``; returns the link mailed to them."""
    client.force_login(user)
    with on_commit(execute=True):
        response = client.get(url)
    assert response.status_code == 202
    assert user.email in response.content.decode()
    [message] = [m for m in mail.outbox if user.email in m.to]
    [link] = re.findall(r"https?://\S+/exports/[0-9a-f-]+/", message.body)
    return urlsplit(link).path


def sheet_text(content: bytes) -> str:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


def test_a_large_xlsx_export_is_mailed_as_a_link_for_the_requester_only(
    client, large, django_capture_on_commit_callbacks
):
    administration, names = large
    requester = manager(administration)
    path = request_export(
        client, requester, export_url(administration), django_capture_on_commit_callbacks
    )

    response = client.get(path)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "XLG-compliance" in response["Content-Disposition"]
    text = sheet_text(b"".join(response.streaming_content))
    assert all(name in text for name in names)

    # Nobody else follows the link: another administration's manager, a colleague of the
    # same administration, one of its officers, a regional coordinator, or a stranger.
    other = AdministrationFactory(code="XOT")
    for intruder in (
        manager(other),
        manager(administration),
        officer(administration),
        UserFactory(roles={Role.REGIONAL_COORDINATOR}),
    ):
        client.force_login(intruder)
        assert client.get(path).status_code == 404
    client.logout()
    assert client.get(path).status_code == 302  # to the sign-in page

    # The requester no longer manages the administration: the link stops working.
    requester.administration = other
    requester.save(update_fields=["administration"])
    client.force_login(requester)
    assert client.get(path).status_code == 404


def test_another_administrations_manager_cannot_ask_for_its_export(client, large):
    administration, _names = large
    client.force_login(manager(AdministrationFactory(code="XOT")))
    assert client.get(export_url(administration)).status_code == 404
    assert not MailedExport.objects.exists() and not mail.outbox


def test_small_exports_and_csv_still_stream_at_once(client, large):
    administration, names = large
    client.force_login(manager(administration))
    csv = client.get(export_url(administration, "progress_export", "csv"))
    assert csv.status_code == 200 and csv.streaming
    with override_settings(LMS_EXPORT_MAILED_ABOVE_OFFICERS=10):
        xlsx = client.get(export_url(administration))
    assert xlsx.status_code == 200
    assert names[0] in sheet_text(b"".join(xlsx.streaming_content))
    assert not MailedExport.objects.exists()


def test_expired_exports_are_deleted_with_their_files(
    client, large, django_capture_on_commit_callbacks
):
    administration, _names = large
    requester = manager(administration)
    path = request_export(
        client,
        requester,
        export_url(administration, "progress_export"),
        django_capture_on_commit_callbacks,
    )
    export = MailedExport.objects.get()
    storage, name = export.file.storage, export.file.name
    assert storage.exists(name)
    assert mailed_exports_delete_expired(now=timezone.now() + timedelta(days=6)) == 0
    assert mailed_exports_delete_expired(now=timezone.now() + timedelta(days=8)) == 1
    assert not storage.exists(name) and not MailedExport.objects.exists()
    assert client.get(path).status_code == 404


def test_a_second_click_while_it_is_built_queues_nothing_more(client, large):
    administration, _names = large
    client.force_login(manager(administration))
    for _ in range(2):
        assert client.get(export_url(administration)).status_code == 202
    assert MailedExport.objects.count() == 1  # its task waits for the commit: still queued
