"""The officer's iCalendar feed: RFC 5545 content checked by a strict reader written here
(the ``icalendar`` package is not installed), and the secrecy of its address."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.tests.fixtures import issue, make_programme
from lms.home import ical
from lms.home.models import CalendarFeed
from lms.tracking.models import OfficerAssignment
from lms.tracking.tests.test_assignments import assign, in_days

# The site's public address (LMS_PUBLIC_URL): feed addresses, event URLs and UIDs use it.
PUBLIC = "https://training.customs.example"

# --- a strict reader ----------------------------------------------------------------------

NAME = re.compile(r"^[A-Za-z0-9-]+$")
STAMP = re.compile(r"^\d{8}T\d{6}Z$")
DATE = re.compile(r"^\d{8}$")


def unescape_text(value: str) -> str:
    out, index = [], 0
    while index < len(value):
        char = value[index]
        if char == "\\":
            following = value[index + 1]
            assert following in "\\;,nN", f"bad escape \\{following}"
            out.append("\n" if following in "nN" else following)
            index += 2
            continue
        assert char not in ";,", f"unescaped {char!r} in TEXT {value!r}"
        out.append(char)
        index += 1
    return "".join(out)


def read_calendar(body: bytes) -> list[dict[str, tuple[dict[str, str], str]]]:
    """The VEVENTs of an iCalendar stream, each {name: (params, raw value)}, after checking
    line endings, line lengths, folding, nesting and the required properties."""
    assert body.endswith(b"\r\n")
    physical = body.split(b"\r\n")[:-1]
    for line in physical:
        assert b"\n" not in line and b"\r" not in line, "bare line break"
        assert len(line) <= 75, f"line longer than 75 octets: {line!r}"
        line.decode("utf-8")  # each folded line is valid UTF-8 on its own
    text = body.decode("utf-8")
    logical = re.sub(r"\r\n[ \t]", "", text).split("\r\n")[:-1]
    assert logical[0] == "BEGIN:VCALENDAR" and logical[-1] == "END:VCALENDAR"
    calendar: dict[str, str] = {}
    events: list[dict[str, tuple[dict[str, str], str]]] = []
    current: dict[str, tuple[dict[str, str], str]] | None = None
    for line in logical[1:-1]:
        head, sep, value = line.partition(":")
        assert sep, f"no value in {line!r}"
        name, *raw_params = head.split(";")
        assert NAME.match(name), name
        params = dict(param.split("=", 1) for param in raw_params)
        if line == "BEGIN:VEVENT":
            assert current is None, "nested VEVENT"
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            for required in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
                assert required in current, f"VEVENT without {required}"
            assert STAMP.match(current["DTSTAMP"][1])
            assert current["DTSTART"][0] == {"VALUE": "DATE"}
            assert DATE.match(current["DTSTART"][1])
            events.append(current)
            current = None
        elif current is not None:
            assert name not in current, f"{name} twice in a VEVENT"
            current[name] = (params, value)
        else:
            calendar[name] = value
    assert current is None
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return events


def date_of(value: str) -> dt.date:
    return dt.datetime.strptime(value, "%Y%m%d").date()


# --- the pure writer ----------------------------------------------------------------------


def test_text_is_escaped_and_long_lines_fold_between_characters():
    summary = "Ports, borders; a \\ back-slash\nand " + "évaluation à l’importation " * 6
    body = ical.render_calendar(
        [
            ical.AllDayEvent(
                uid="x-1@test", on=dt.date(2027, 2, 28), summary=summary, url="https://h/a,b"
            )
        ],
        name="Dates; mine",
        stamp=dt.datetime(2027, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    ).encode()
    (event,) = read_calendar(body)
    assert unescape_text(event["SUMMARY"][1]) == summary
    assert event["DTSTART"][1] == "20270228" and event["DTEND"][1] == "20270301"
    assert event["DTSTAMP"][1] == "20270102T030405Z"
    assert event["URL"][1] == "https://h/a,b"  # a URI, not TEXT: not escaped
    assert b"\r\n " in body  # the summary was folded


def test_folding_counts_octets_not_characters():
    line = "SUMMARY:" + "é" * 100  # 2 octets each
    folded = ical.fold(line)
    parts = folded.split("\r\n")[:-1]
    assert all(len(part.encode()) <= 75 for part in parts)
    assert "".join(part[1:] if n else part for n, part in enumerate(parts)) == line


# --- the feed -----------------------------------------------------------------------------


def make_address(client, officer) -> str:
    client.force_login(officer)
    response = client.post(reverse("home:calendar_address"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    url = re.search(r'value="([^"]+\.ics)" data-feed-url', response.content.decode()).group(1)
    client.logout()
    assert url.startswith(PUBLIC + "/")  # the public address, whatever host was asked
    return url.removeprefix(PUBLIC)


@pytest.fixture(autouse=True)
def _public_address(settings):
    settings.LMS_PUBLIC_URL = PUBLIC


@pytest.fixture
def dates(per, pan, per_officer, pan_officer, per_manager, pan_manager):
    long_title = "Contrôle des conteneurs, ports; frontières — évaluation approfondie " * 2
    programme = make_programme(code="feed", titles={"en": long_title.strip()})
    due = assign(per_manager, per, programme=programme, officers=[per_officer], due_on=in_days(9))
    late = make_programme(code="late", titles={"en": "Late one"})
    overdue = assign(per_manager, per, programme=late, officers=[per_officer], due_on=in_days(1))
    OfficerAssignment.objects.filter(assignment=overdue).update(due_on=in_days(-2))
    certificate = issue(per_officer, make_programme(code="held", titles={"en": "Held one"}))
    pan_programme = make_programme(code="pan-feed", titles={"en": "Panama only"})
    assign(pan_manager, pan, programme=pan_programme, officers=[pan_officer], due_on=in_days(4))
    return {
        "title": long_title.strip(),
        "due": OfficerAssignment.objects.get(assignment=due),
        "overdue": OfficerAssignment.objects.get(assignment=overdue),
        "certificate": certificate,
    }


@pytest.mark.django_db
def test_the_feed_serves_the_officers_due_dates(client, dates, per_officer):
    url = make_address(client, per_officer)
    response = client.get(url)  # no session: the token is the credential
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = {event["UID"][1]: event for event in read_calendar(response.content)}
    due = events[f"assignment-{dates['due'].pk}@training.customs.example"]
    # The officer reads Spanish; the programme has only an English title.
    assert unescape_text(due["SUMMARY"][1]).endswith(dates["title"])
    assert date_of(due["DTSTART"][1]) == in_days(9)
    assert due["URL"][1] == PUBLIC + reverse("certificates:mine")
    overdue = events[f"assignment-{dates['overdue'].pk}@training.customs.example"]
    assert date_of(overdue["DTSTART"][1]) == in_days(-2)
    certificate = events[f"certificate-{dates['certificate'].pk}@training.customs.example"]
    assert date_of(certificate["DTSTART"][1]) == timezone.localdate(dates["certificate"].expires_at)
    assert len(events) == 3
    assert "Panama only" not in response.content.decode()


@pytest.mark.django_db
def test_the_address_is_secret_and_replaceable(client, dates, per_officer, pan_officer):
    assert client.get(reverse("home:calendar_feed", args=["not-a-token"])).status_code == 404
    per_url = make_address(client, per_officer)
    pan_url = make_address(client, pan_officer)
    # Only a digest is stored.
    token = per_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarFeed.objects.filter(token_hash=token).exists()
    assert len(token) >= 43  # 256 bits

    pan_body = client.get(pan_url).content.decode()
    assert "Panama only" in pan_body and "Late one" not in pan_body
    assert "Late one" in client.get(per_url).content.decode()

    # A new address stops the old one.
    new_url = make_address(client, per_officer)
    assert new_url != per_url
    assert client.get(per_url).status_code == 404
    assert client.get(new_url).status_code == 200
    # The home says the address is on, and never shows it again.
    client.force_login(per_officer)
    html = client.get(reverse("home:calendar_address")).content.decode()
    assert new_url not in html and "data-feed-url" not in html
    # Turned off: gone.
    client.post(reverse("home:calendar_address_off"))
    assert client.get(new_url).status_code == 404
    assert client.get(pan_url).status_code == 200


@pytest.mark.django_db
def test_a_transferred_or_deactivated_officer_feed_stops(client, dates, per_officer, pan):
    url = make_address(client, per_officer)
    per_officer.is_active = False
    per_officer.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404
    per_officer.is_active = True
    per_officer.administration = pan
    per_officer.save(update_fields=["is_active", "administration"])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_address_needs_an_administration(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("home:calendar_address")).status_code == 404
    assert client.post(reverse("home:calendar_address")).status_code == 404
