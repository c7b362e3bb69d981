"""Tenant isolation of the dashboard, the exports and the regional view.

PER's dashboard and exports are 404 for PAN's manager, for a PER officer and for a regional
coordinator (aggregates only: they never see an administration's people); the regional
pages are 404 for managers and officers, and open to coordinators."""

import pytest
from django.urls import reverse

from tests.tenancy import assert_hidden_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def per_dashboard_urls(per, per_officer):
    urls = [reverse("tracking:dashboard", args=[code]) for code in ("PER", "per")]
    for name in ("matrix_export", "progress_export", "scorm_export"):
        for fmt in ("csv", "xlsx"):
            urls.append(reverse(f"tracking:{name}", args=["PER", fmt]))
    urls.append(reverse("tracking:matrix_export", args=["PER", "csv"]) + "?status=valid&q=a")
    return urls


@pytest.fixture
def regional_urls(db):
    return [
        reverse("tracking:regional"),
        reverse("tracking:regional_export", args=["csv"]),
        reverse("tracking:regional_export", args=["xlsx"]),
    ]


@pytest.mark.parametrize("outsider", ["pan_manager", "per_officer", "coordinator"])
def test_per_dashboard_and_exports_are_hidden(
    client, per_dashboard_urls, per_manager, outsider, request
):
    assert_hidden_from(
        client,
        per_dashboard_urls,
        outsider=request.getfixturevalue(outsider),
        owner=per_manager,
    )


@pytest.mark.parametrize("outsider", ["per_manager", "pan_manager", "per_officer"])
def test_regional_pages_are_hidden_from_managers_and_officers(
    client, regional_urls, coordinator, outsider, request
):
    assert_hidden_from(
        client, regional_urls, outsider=request.getfixturevalue(outsider), owner=coordinator
    )


def test_platform_admins_reach_every_page(
    client, per_dashboard_urls, regional_urls, platform_admin
):
    client.force_login(platform_admin)
    for url in per_dashboard_urls + regional_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)


@pytest.mark.parametrize("outsider", ["pan_manager", "per_officer", "coordinator"])
def test_a_mailed_export_link_is_hidden(
    client,
    per_manager,
    per_officer,
    outsider,
    request,
    settings,
    django_capture_on_commit_callbacks,
):
    """A large administration's XLSX export, mailed as a link to PER's manager (issue 15)."""
    from lms.tracking.models import MailedExport

    settings.LMS_EXPORT_MAILED_ABOVE_OFFICERS = 0
    client.force_login(per_manager)
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.get(reverse("tracking:progress_export", args=["PER", "xlsx"]))
    assert asked.status_code == 202
    export = MailedExport.objects.get(requested_by=per_manager)
    link = reverse("tracking:mailed_export", args=[export.token])
    assert_hidden_from(
        client, [link], outsider=request.getfixturevalue(outsider), owner=per_manager
    )
