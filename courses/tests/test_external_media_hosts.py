"""Settings › External media hosts: only platform admins allow a host; an upload whose
media is on a host nobody allowed is refused naming it, and accepted once it is allowed
(issue 12, point 6)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import ExternalMediaHost
from courses.tests.test_h5p_corpus import SHARED_CORPUS
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VIDEO = "h5p-html-exporter__hub-content__H5P.InteractiveVideo.h5p"
INDEX = "/cms/snippets/courses/externalmediahost/"


@pytest.fixture
def platform_admin_role(db):
    """A platform admin by role (not a superuser)."""
    return UserFactory(username="platform.admin", is_staff=True, roles={Role.PLATFORM_ADMIN})


def upload(client, data: bytes, name: str = "video.h5p"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("wagtailsnippets_courses_h5pactivity:add"),
        {"package": SimpleUploadedFile(name, data), "title": "", "administration": ""},
    )


def test_only_platform_admins_edit_the_list(
    client, per_author, regional_author, platform_admin_role
):
    host = ExternalMediaHost.objects.create(host="h5p.org")
    urls = [
        INDEX,
        f"{INDEX}add/",
        f"{INDEX}edit/{host.pk}/",
        f"{INDEX}delete/{host.pk}/",
        f"{INDEX}inspect/{host.pk}/",
        f"{INDEX}history/{host.pk}/",
        f"{INDEX}usage/{host.pk}/",
        f"{INDEX}results/",
    ]
    for author in (per_author, regional_author):
        client.force_login(author)
        for url in urls:
            assert client.get(url).status_code == 404, (author, url)
        response = client.post(f"{INDEX}add/", {"host": "evil.example", "note": ""})
        assert response.status_code == 404
        client.post(f"{INDEX}delete/{host.pk}/")
        assert list(ExternalMediaHost.objects.values_list("host", flat=True)) == ["h5p.org"]
        # Nor do they see it in the admin's menu.
        assert INDEX not in client.get("/cms/").content.decode()

    client.force_login(platform_admin_role)
    assert client.get(INDEX).status_code == 200
    assert INDEX in client.get("/cms/").content.decode()
    response = client.post(f"{INDEX}add/", {"host": " WWW.YouTube.com. ", "note": "YouTube"})
    assert response.status_code == 302
    added = ExternalMediaHost.objects.get(host="www.youtube.com")
    assert added.added_by == platform_admin_role
    response = client.post(f"{INDEX}add/", {"host": "https://youtu.be/x", "note": ""})
    assert response.status_code == 200  # the form again, with the reason
    assert "Enter a host name only" in response.content.decode()
    assert client.post(f"{INDEX}delete/{host.pk}/").status_code == 302
    assert not ExternalMediaHost.objects.filter(host="h5p.org").exists()


def test_an_upload_with_media_on_a_host_nobody_allowed_is_refused_naming_it(
    client, platform_admin_role
):
    data = (SHARED_CORPUS / VIDEO).read_bytes()
    client.force_login(platform_admin_role)
    response = upload(client, data)
    assert response.status_code == 200
    assert (
        "The content loads media from h5p.org, which this site does not allow."
        in response.content.decode()
    )
    client.post(f"{INDEX}add/", {"host": "h5p.org", "note": "H5P's sample video"})
    response = upload(client, data)
    assert response.status_code == 302, response.content.decode()[:2000]
