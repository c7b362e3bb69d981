"""The compliance matrix page and the officer page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lms.tracking.tests.conftest import officer

pytestmark = pytest.mark.django_db


def matrix_url(query: str = "") -> str:
    return reverse("tracking:matrix", args=["PER"]) + (f"?{query}" if query else "")


def names_in(html: str) -> list[str]:
    return re.findall(
        r'<th scope="row"><a href="/administrations/PER/officers/\d+/">([^<]+)</a>', html
    )


def test_manager_sees_every_state_with_its_label(client, world, per_manager):
    client.force_login(per_manager)
    response = client.get(matrix_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert len(names_in(html)) == 11
    for status in ("valid", "expiring", "expired", "overdue", "in_progress", "not_started"):
        assert f'data-status="{status}"' in html
    assert "Pan Person" not in html
    assert 'data-count="11"' in html


def test_filtering_to_expiring_certificates(client, world, per_manager):
    client.force_login(per_manager)
    html = client.get(matrix_url("status=expiring")).content.decode()
    assert names_in(html) == ["Beto Expiring"]
    assert "until" in html
    # The export links carry the same filters.
    assert "/compliance/export.csv/?status=expiring" in html


def test_sorting_and_pagination(client, world, per_manager):
    client.force_login(per_manager)
    html = client.get(matrix_url("sort=-name")).content.decode()
    names = names_in(html)
    assert names == sorted(names, reverse=True)
    html = client.get(matrix_url("programme=integrity&sort=status")).content.decode()
    assert names_in(html)[:2] == ["Dario Overdue", "Karla Both"] or names_in(html)[0] in {
        "Dario Overdue",
        "Karla Both",
    }
    for index in range(45):
        officer(world.per, world.lima, f"Zz Extra {index:02}", f"Z-{index}")
    first = client.get(matrix_url()).content.decode()
    second = client.get(matrix_url("page=2")).content.decode()
    assert len(names_in(first)) == 50 and len(names_in(second)) == 6
    assert "Page 2 of 2" in second


@pytest.mark.parametrize(
    "query",
    [
        "page=-1",
        "page=abc",
        "page=99999",
        "unit=abc",
        "unit=-5",
        "sort=password",
        "status=%00",
        "q=" + "x" * 5000,
        "programme=../../etc",
        "unit=99999999999999999999",
    ],
)
def test_bad_query_values_never_break_the_page(client, world, per_manager, query):
    client.force_login(per_manager)
    # A NUL anywhere in an address is refused before any view (lms/middleware.py).
    expected = 400 if "%00" in query else 200
    assert client.get(matrix_url(query)).status_code == expected


def test_query_count_does_not_grow_with_officers(
    client, world, per_manager, django_assert_max_num_queries
):
    client.force_login(per_manager)
    with django_assert_max_num_queries(16) as small:
        client.get(matrix_url())
    for index in range(40):
        officer(world.per, world.lima, f"More {index}", f"M-{index}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(matrix_url())


def test_officer_page_shows_compliance_assignments_certificates_and_courses(
    client, world, per_manager
):
    client.force_login(per_manager)
    person = world.people.expired_overdue
    html = client.get(reverse("tracking:officer", args=["PER", person.pk])).content.decode()
    assert person.full_name in html
    assert 'data-status="overdue"' in html
    assert "Overdue" in html
    assert "Detecting illicit trade" in html  # the assigned course
    assert "PER-" in html  # the expired certificate's number
    person = world.people.progress
    html = client.get(reverse("tracking:officer", args=["PER", person.pk])).content.decode()
    assert 'data-status="in_progress"' in html
    assert "0 %" in html


def test_officer_page_summarises_graded_attempts(client, per_manager, earned):
    client.force_login(per_manager)
    html = client.get(reverse("tracking:officer", args=["PER", earned.officer.pk])).content.decode()
    assert 'id="attempts-heading"' in html
    section = html.split('id="attempts-heading"')[1].split("</section>")[0]
    assert "No graded attempts." not in section
    assert ">1<" in section  # one attempt
    assert "Yes" in section  # passed


def test_people_without_the_right_get_404(client, world, pan_manager, coordinator):
    person = world.people.valid
    for user in (pan_manager, coordinator, person):
        client.force_login(user)
        assert client.get(matrix_url()).status_code == 404
        assert client.get(reverse("tracking:officer", args=["PER", person.pk])).status_code == 404
    client.force_login(pan_manager)
    assert client.get(reverse("tracking:officer", args=["PAN", person.pk])).status_code == 404


def test_manager_sends_a_new_invitation_to_an_officer_who_never_signed_in(
    client, per_manager, per, per_unit, mailoutbox
):
    person = officer(per, per_unit, "Rosa Quispe", "Q-1", email="rosa@example.org")
    person.set_unusable_password()
    person.save()
    client.force_login(per_manager)
    page = reverse("tracking:officer", args=["PER", person.pk])
    assert 'data-action="invite"' in client.get(page).content.decode()
    response = client.post(reverse("tracking:officer_invite", args=["PER", person.pk]))
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["rosa@example.org"]
    assert "/accounts/reset/" in mailoutbox[0].body
    # Once they have chosen a password, nothing is sent and the button is gone.
    person.set_password("a long enough passphrase")
    person.save()
    client.post(reverse("tracking:officer_invite", args=["PER", person.pk]))
    assert len(mailoutbox) == 1
    assert 'data-action="invite"' not in client.get(page).content.decode()


def test_invitations_are_404_for_other_administrations(client, pan_manager, per, per_unit):
    person = officer(per, per_unit, "Rosa Quispe", "Q-1", email="rosa@example.org")
    client.force_login(pan_manager)
    url = reverse("tracking:officer_invite", args=["PER", person.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code in (404, 405)


def test_an_assignment_naming_a_unit_id_beyond_64_bits_is_a_form_error(client, world, per_manager):
    from lms.tracking.models import Assignment

    client.force_login(per_manager)
    before = Assignment.objects.count()
    response = client.post(
        reverse("tracking:assignment_new", args=["PER"]),
        {
            "programme": world.programme.pk,
            "units": ["99999999999999999999"],
            "due_on": "2031-01-31",
        },
    )
    assert response.status_code == 400  # the form again, with the error
    assert "99999999999999999999" in response.content.decode()
    assert Assignment.objects.count() == before


def test_programme_titles_follow_the_readers_language(client, world, per_manager):
    per_manager.preferred_language = "es"
    per_manager.save()
    client.force_login(per_manager)
    html = client.get(matrix_url()).content.decode()
    assert "Analista certificado en comercio ilícito" in html
    assert "Certified illicit trade analyst" not in html


def test_officer_page_names_an_unset_language_as_the_administrations(
    client, per, per_unit, per_manager
):
    client.force_login(per_manager)
    unset = officer(per, per_unit, "Ana Ríos", "PER-90", preferred_language="")
    chosen = officer(per, per_unit, "Luis Paz", "PER-91", preferred_language="fr")

    def language_of(person) -> str:
        html = client.get(reverse("tracking:officer", args=["PER", person.pk])).content.decode()
        return re.search(r'<dd data-field="language">([^<]*)</dd>', html).group(1)

    # PER's official language is Spanish: the officer who chose none reads in it.
    assert language_of(unset) == "Same as the administration (Español)"
    assert language_of(chosen) == "Français"
