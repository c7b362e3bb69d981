import pytest
from wagtail.models import Site

from lms.home.models import HomePage, SiteSettings

pytestmark = pytest.mark.django_db


def test_home_page_in_each_language(client, home_page):
    assert "Customs Integrity &amp; Enforcement Academy" in client.get("/").content.decode()
    client.cookies["lms_language"] = "es"
    html = client.get("/").content.decode()
    assert "Academia de Integridad y Control Aduanero" in html
    client.cookies["lms_language"] = "pt-br"
    assert "Academia de Integridade e Controle Aduaneiro" in client.get("/").content.decode()
    client.cookies["lms_language"] = "fr"
    assert "Académie d&#x27;intégrité et de contrôle douanier" in client.get("/").content.decode()
    assert HomePage.objects.count() == 4


def test_site_settings_show_and_changes_appear_at_once(client, home_page):
    site = Site.objects.get(is_default_site=True)
    html = client.get("/").content.decode()
    assert "not WCO accreditation" in html  # the default notice, translated
    settings = SiteSettings.for_site(site)
    settings.platform_name = "Academia Aduanera Regional"
    settings.support_email = "ayuda@example.org"
    settings.save()
    html = client.get("/").content.decode()
    assert "Academia Aduanera Regional" in html and "mailto:ayuda@example.org" in html


def test_home_page_accepts_only_course_catalogues_below_it():
    from courses.models import CourseIndexPage

    assert HomePage.allowed_subpage_models() == [CourseIndexPage]
