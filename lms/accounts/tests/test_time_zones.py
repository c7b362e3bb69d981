"""Time zones: validated names, the officer's choice on the profile, the platform admin's
on the administration, and the middleware's precedence (own, administration's, UTC)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lms.accounts.demo import ADMINISTRATIONS, TIME_ZONES
from lms.accounts.models import Administration, User
from lms.accounts.timezones import valid_zone_names, zone_name_for

pytestmark = pytest.mark.django_db


# --- the models ------------------------------------------------------------------------------


def test_existing_administrations_default_to_utc(per):
    assert Administration.objects.get(pk=per.pk).time_zone == "UTC"


@pytest.mark.parametrize("name", ["America/Lima", "America/Argentina/Buenos_Aires", "UTC"])
def test_iana_names_are_valid(per, name):
    per.time_zone = name
    per.full_clean()


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "america/lima", "", "Etc/GMT+5", "-05:00"])
def test_other_names_are_refused(per, per_officer, name):
    per.time_zone = name
    with pytest.raises(ValidationError) as error:
        per.full_clean()
    assert "time_zone" in error.value.message_dict
    if name:  # blank is allowed on the user: their administration's zone
        per_officer.time_zone = name
        with pytest.raises(ValidationError):
            per_officer.full_clean()


def test_a_user_may_leave_the_zone_empty(per_officer):
    per_officer.time_zone = ""
    per_officer.full_clean()


def test_zone_precedence(per, per_officer, coordinator):
    assert zone_name_for(per_officer) == "UTC"
    per.time_zone = "America/Lima"
    per.save()
    per_officer.refresh_from_db()
    assert zone_name_for(per_officer) == "America/Lima"
    per_officer.time_zone = "America/Panama"
    assert zone_name_for(per_officer) == "America/Panama"
    assert zone_name_for(coordinator) == "UTC"  # regional staff: no administration


def zones_by_country() -> dict[str, set[str]]:
    """The IANA database's own table of which zones are used in which country
    (``zone.tab``: ISO 3166 alpha-2 code, coordinates, zone name), read from the zone
    database the standard library uses."""
    import zoneinfo
    from pathlib import Path

    table = next(
        (Path(root) / "zone.tab" for root in zoneinfo.TZPATH if (Path(root) / "zone.tab").exists()),
        None,
    )
    assert table is not None, "the system's IANA zone database has no zone.tab"
    countries: dict[str, set[str]] = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            country, _where, name, *_comment = line.split("\t")
            countries.setdefault(country, set()).add(name)
    return countries


def test_every_demo_administration_has_a_zone_of_its_own_country():
    """All 26: a valid IANA name, not UTC, and one the zone database places in the
    administration's country (Bonaire: BQ, America/Kralendijk)."""
    from lms.accounts.seed import seed_demo

    assert set(TIME_ZONES) == {fact.code for fact in ADMINISTRATIONS}
    seed_demo(stdout=io.StringIO())
    zones = dict(Administration.objects.values_list("code", "time_zone"))
    assert zones["PER"] == "America/Lima"
    assert zones["PAN"] == "America/Panama"
    assert zones["BRA"] == "America/Sao_Paulo"
    assert zones["CAN"] == "America/Toronto"
    assert zones["JAM"] == "America/Jamaica"
    countries = zones_by_country()
    rows = list(Administration.objects.values_list("code", "country_code", "time_zone"))
    assert {code for code, _c, _z in rows} == {fact.code for fact in ADMINISTRATIONS}
    assert len(rows) == 26
    wrong = [
        (code, country, zone)
        for code, country, zone in rows
        if zone not in valid_zone_names()
        or zone == "UTC"
        or zone not in countries.get(country, set())
    ]
    assert wrong == []


# --- the middleware --------------------------------------------------------------------------


def shown_zone(client) -> str:
    """The zone the profile page says the local time is in (the request's active zone)."""
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    return response.context["form"].fields["time_zone"].help_text


def test_the_middleware_activates_own_then_administration_then_utc(
    client, per, per_officer, coordinator
):
    client.force_login(per_officer)
    assert "(UTC)" in shown_zone(client)
    per.time_zone = "America/Lima"
    per.save()
    assert "(America/Lima)" in shown_zone(client)
    # Saved as the profile page, the admins and the API save it (lms/accounts/preferences.py).
    officer = User.objects.get(pk=per_officer.pk)
    officer.time_zone = "America/Panama"
    officer.save()
    assert "(America/Panama)" in shown_zone(client)
    client.force_login(coordinator)
    assert "(UTC)" in shown_zone(client)
    # Only for the request: the next thing this thread does is in the default zone again.
    assert timezone.get_current_timezone_name() == "UTC"


# --- the profile -----------------------------------------------------------------------------


def test_the_profile_offers_zones_grouped_by_region_with_the_administrations_as_default(
    client, per, per_officer
):
    per.time_zone = "America/Lima"
    per.save()
    client.force_login(per_officer)
    html = client.get(reverse("accounts:profile"), headers={"accept-language": "en"}).content
    html = html.decode()
    assert '<optgroup label="America">' in html
    assert html.index('<optgroup label="America">') < html.index('<optgroup label="Europe">')
    assert '<option value="America/Lima">Lima (UTC−05:00)</option>' in html
    # Carlos's own language is Spanish: the empty choice names the administration's zone.
    # (The language has an empty choice too, before it: look inside the zone's select.)
    zones = html.split('name="time_zone"')[1]
    assert "America/Lima" in zones.split('<option value=""')[1].split("</option>")[0]


def test_the_profile_saves_a_zone_and_refuses_others(client, per_officer):
    client.force_login(per_officer)
    url = reverse("accounts:profile")
    base = {"full_name": "Carlos", "email": "c@example.org", "preferred_language": "en"}
    bad = client.post(url, {**base, "time_zone": "Mars/Olympus_Mons"})
    assert bad.status_code == 200
    # The form is refused in the language Carlos still has (Spanish): nothing was saved.
    assert "Elija una de las zonas horarias de la lista." in bad.content.decode()
    assert client.post(url, {**base, "time_zone": "America/Bogota"}).status_code == 302
    per_officer.refresh_from_db()
    assert per_officer.time_zone == "America/Bogota"
    assert client.post(url, {**base, "time_zone": ""}).status_code == 302
    per_officer.refresh_from_db()
    assert per_officer.time_zone == ""


# --- the platform admin ----------------------------------------------------------------------


def test_platform_admins_set_an_administrations_zone(client, platform_admin, per):
    client.force_login(platform_admin)
    url = reverse("administrations:edit", args=[per.pk])
    form = client.get(url).content.decode()
    assert 'name="time_zone"' in form and "America/Lima" in form
    data = {
        "code": "PER",
        "name": per.name,
        "country": per.country,
        "country_code": per.country_code,
        "official_languages": '["es"]',
        "grouping": "",
        "is_active": "on",
    }
    assert client.post(url, {**data, "time_zone": "Nowhere/Else"}).status_code == 200
    per.refresh_from_db()
    assert per.time_zone == "UTC"
    assert client.post(url, {**data, "time_zone": "America/Lima"}).status_code == 302
    per.refresh_from_db()
    assert per.time_zone == "America/Lima"


# --- the template library --------------------------------------------------------------------


def test_the_local_filter_names_the_active_zone():
    import datetime as dt

    from django.template import Context, Template

    template = Template(
        '{% load lms_time %}{{ m|local }}|{{ m|local:"short" }}|{{ m|local:"date" }}|'
        "{{ d|local }}|{% zone_name %}"
    )
    moment = dt.datetime(2026, 3, 12, 3, 30, tzinfo=dt.UTC)
    with timezone.override("America/Lima"):
        text = template.render(Context({"m": moment, "d": dt.date(2026, 3, 12)}))
    assert text.split("|") == [
        "March 11, 2026, 10:30 p.m. (America/Lima)",
        "03/11/2026 10:30 p.m. (America/Lima)",
        "March 11, 2026",
        "March 12, 2026",
        "America/Lima",
    ]
