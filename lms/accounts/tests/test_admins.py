import pytest
from django.urls import reverse

from lms.accounts.models import Administration, User

pytestmark = pytest.mark.django_db


def test_django_admin_is_for_platform_admins_only(client, platform_admin, per_manager):
    client.force_login(per_manager)
    per_manager.is_staff = True
    per_manager.save()
    assert client.get("/django-admin/").status_code == 302  # to the admin login
    client.force_login(platform_admin)
    assert client.get("/django-admin/").status_code == 200


def test_wagtail_admin_refuses_officers_and_managers(client, per_officer, per_manager):
    for user in (per_officer, per_manager):
        client.force_login(user)
        assert client.get("/cms/").status_code == 302


def test_training_manager_reaches_the_wagtail_admin(client, regional_author, home_page):
    client.force_login(regional_author)
    assert client.get("/cms/").status_code == 200


def test_only_platform_admins_manage_administrations(client, regional_author, platform_admin, per):
    url = reverse("administrations:index")
    client.force_login(regional_author)
    assert client.get(url).status_code in (302, 403)
    client.force_login(platform_admin)
    response = client.get(url)
    assert response.status_code == 200
    assert "PER" in response.content.decode()


def test_platform_admin_creates_a_user_with_the_platform_fields(
    client, platform_admin, per, per_unit
):
    client.force_login(platform_admin)
    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "username": "officer.new",
            "email": "new@example.org",
            "full_name": "Ana Lucía Pérez Gómez",
            "preferred_language": "es",
            "administration": per.pk,
            "unit": per_unit.pk,
            "employee_number": "PER-77",
            "position": "Inspector",
            "password1": "Seal-number-mismatch-4",
            "password2": "Seal-number-mismatch-4",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="officer.new")
    assert (user.full_name, user.unit, user.employee_number) == (
        "Ana Lucía Pérez Gómez",
        per_unit,
        "PER-77",
    )


def test_wagtail_user_form_refuses_a_unit_of_another_administration(
    client, platform_admin, per, pan_unit
):
    client.force_login(platform_admin)
    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "username": "officer.bad",
            "email": "bad@example.org",
            "full_name": "Wrong Unit",
            "preferred_language": "es",
            "administration": per.pk,
            "unit": pan_unit.pk,
            "password1": "Seal-number-mismatch-4",
            "password2": "Seal-number-mismatch-4",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="officer.bad").exists()


def test_site_and_admin_send_their_content_security_policies(client, platform_admin, home_page):
    site = client.get("/")
    policy = site["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    client.force_login(platform_admin)
    admin = client.get("/cms/")
    assert "default-src 'self'" in admin["Content-Security-Policy"]
    assert "http" not in admin["Content-Security-Policy"]


def test_administration_admin_refuses_a_bad_code(client, platform_admin):
    client.force_login(platform_admin)
    response = client.post(
        reverse("administrations:add"),
        {
            "code": "pe",
            "name": "X",
            "country": "X",
            "country_code": "PE",
            "official_languages": '["es"]',
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert not Administration.objects.filter(name="X").exists()
