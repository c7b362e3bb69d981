"""A minimal iCalendar (RFC 5545) writer for all-day events: pure, no ORM.

Only what the officer's due-date feed needs: a VCALENDAR of VEVENTs with UID, DTSTAMP,
all-day DTSTART/DTEND (``VALUE=DATE``), SUMMARY, optional DESCRIPTION and URL. Text
values are escaped (backslash, semicolon, comma, line breaks: section 3.3.11), lines end
with CRLF and are folded at 75 octets without splitting a UTF-8 character (3.1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

MAX_OCTETS = 75


@dataclass(frozen=True)
class AllDayEvent:
    uid: str
    on: dt.date
    summary: str
    url: str = ""
    description: str = ""


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as ``\\n``."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    # Other control characters are not allowed in TEXT (3.3.11): dropped.
    value = "".join(ch for ch in value if ch == "\n" or ch == "\t" or ord(ch) >= 0x20)
    return value.replace("\n", "\\n").replace("\x7f", "")


def fold(line: str) -> str:
    """``line`` folded into CRLF-separated lines of at most 75 octets, continuation
    lines starting with one space, never splitting a UTF-8 sequence."""
    encoded = line.encode("utf-8")
    if len(encoded) <= MAX_OCTETS:
        return line + "\r\n"
    parts: list[str] = []
    current, size, limit = [], 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1  # the leading space counts
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


def _date(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _uri(value: str) -> str:
    # A URI value is not TEXT: no escaping, but no line breaks either.
    return "".join(ch for ch in value if ord(ch) > 0x20 and ch != "\x7f")


def render_calendar(
    events: Iterable[AllDayEvent],
    *,
    name: str,
    stamp: dt.datetime,
    product: str = "-//Customs LMS//Due dates//EN",
) -> str:
    """The calendar as a string (encode it as UTF-8)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{product}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape_text(event.uid)}",
            f"DTSTAMP:{_utc(stamp)}",
            f"DTSTART;VALUE=DATE:{_date(event.on)}",
            f"DTEND;VALUE=DATE:{_date(event.on + dt.timedelta(days=1))}",
            f"SUMMARY:{escape_text(event.summary)}",
            "TRANSP:TRANSPARENT",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.url:
            lines.append(f"URL:{_uri(event.url)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
