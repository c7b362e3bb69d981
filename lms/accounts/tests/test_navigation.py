import pytest
from django.urls import reverse

from lms.accounts.context_processors import navigation_for

pytestmark = pytest.mark.django_db


def keys(user):
    return [item.key for item in navigation_for(user)]


def test_navigation_depends_on_the_role(
    per_officer, per_manager, coordinator, regional_author, platform_admin
):
    assert keys(per_officer) == [
        "home",
        "catalogue",
        "learning",
        "certificates",
        "assigned",
        "profile",
    ]
    assert keys(per_manager) == [
        "home",
        "catalogue",
        "learning",
        "certificates",
        "assigned",
        "administration",
        "certificates_manage",
        "profile",
    ]
    assert keys(coordinator) == ["home", "administrations", "regional", "profile"]
    assert keys(regional_author) == ["home", "catalogue", "cms", "profile"]
    assert keys(platform_admin) == [
        "home",
        "catalogue",
        "certificates_manage",
        "administrations",
        "regional",
        "cms",
        "platform",
        "profile",
    ]


def test_anonymous_navigation(client, home_page):
    from django.contrib.auth.models import AnonymousUser

    assert keys(AnonymousUser()) == ["home"]
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html
    assert 'data-nav="cms"' not in html


def test_manager_link_points_at_their_administration(per_manager):
    item = next(i for i in navigation_for(per_manager) if i.key == "administration")
    assert item.url == reverse("tracking:dashboard", args=["PER"])


def test_rendered_page_shows_the_role_navigation(client, home_page, per_manager):
    client.force_login(per_manager)
    html = client.get("/").content.decode()
    assert 'data-nav="administration"' in html
    assert 'data-nav="cms"' not in html
