import pytest
from django.urls import reverse

from lms.accounts.roles import Role
from lms.accounts.tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def detail(code):
    return reverse("accounts:administration_detail", args=[code])


def test_pages_need_sign_in(client, per, per_officer):
    for url in [
        reverse("accounts:administrations"),
        detail("PER"),
        reverse("tracking:officer", args=["PER", per_officer.pk]),
        reverse("accounts:profile"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_manager_sees_own_people(client, per_manager, per_officer, pan_officer):
    client.force_login(per_manager)
    html = client.get(detail("PER")).content.decode()
    assert per_officer.full_name in html
    assert pan_officer.full_name not in html


def test_coordinator_sees_counts_but_no_names(client, coordinator, per_officer, pan_officer):
    client.force_login(coordinator)
    listing = client.get(reverse("accounts:administrations")).content.decode()
    assert "PER" in listing and "PAN" in listing
    page = client.get(detail("PER"))
    assert page.status_code == 200
    html = page.content.decode()
    assert per_officer.full_name not in html
    assert per_officer.employee_number not in html
    assert client.get(reverse("tracking:officer", args=["PER", per_officer.pk])).status_code == 404


def test_officer_cannot_open_administration_listing_of_people(client, per_officer, per):
    client.force_login(per_officer)
    html = client.get(detail("PER")).content.decode()
    assert "People" not in html


def test_profile_edit_validates_and_saves(client, per_officer):
    client.force_login(per_officer)
    url = reverse("accounts:profile")
    bad = client.post(url, {"full_name": "C", "email": "nope", "preferred_language": "es"})
    assert bad.status_code == 200
    assert "Introduzca una dirección de correo electrónico válida." in bad.content.decode()
    per_officer.refresh_from_db()
    assert per_officer.full_name == "Carlos Huamán Torres"
    ok = client.post(
        url, {"full_name": "Carlos H. Torres", "email": "c@example.org", "preferred_language": "en"}
    )
    assert ok.status_code == 302
    per_officer.refresh_from_db()
    assert (per_officer.full_name, per_officer.preferred_language) == ("Carlos H. Torres", "en")


def _people(administration, unit, count):
    for _ in range(count):
        UserFactory(administration=administration, unit=unit, roles={Role.OFFICER})


def test_query_counts_do_not_grow_with_rows(
    client, django_assert_max_num_queries, per, per_manager, coordinator
):
    unit = UnitFactory(administration=per)
    _people(per, unit, 2)
    pages = {
        per_manager: [detail("PER")],
        coordinator: [reverse("accounts:administrations"), detail("PER")],
    }
    baseline = {}
    for actor, urls in pages.items():
        client.force_login(actor)
        for url in urls:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            client.get(url)  # warm-up: creates the site settings row once
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            baseline[(actor.pk, url)] = len(ctx.captured_queries)
    for _ in range(3):
        UnitFactory(administration=per)
    _people(per, unit, 12)
    for actor, urls in pages.items():
        client.force_login(actor)
        for url in urls:
            with django_assert_max_num_queries(baseline[(actor.pk, url)]):
                assert client.get(url).status_code == 200
    # Pinned budgets: session, user (with administration and role names); the site and
    # its settings come from the cache; then the page's own data (administration, units,
    # people and their count).
    assert baseline == {
        (per_manager.pk, detail("PER")): 6,
        (coordinator.pk, reverse("accounts:administrations")): 3,
        (coordinator.pk, detail("PER")): 4,
    }
