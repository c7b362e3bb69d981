"""Dates and times as the viewer reads them: ``{% load lms_time %}``.

``{{ moment|local }}`` is the moment in the active time zone (the viewer's, set by
``UserTimeZoneMiddleware``; inside ``{% timezone name %}`` that one), in the language's
format, with the zone named: "March 12, 2026, 2:05 p.m. (America/Lima)". The argument
chooses the format: ``"datetime"`` (the default), ``"short"`` (short date and time),
``"time"``, ``"date"`` and ``"short_date"`` (dates only: the zone is not named).

``{% zone_name %}`` is the active zone's name (for "Times in America/Lima").
``{% zone_note %}`` is the paragraph a page of dates shows at its top: "Dates and times in
America/Lima (UTC−05:00)." (translated; the offset is today's).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from lms.accounts.timezones import named_moment
from lms.accounts.timezones import zone_note as zone_sentence

register = template.Library()

FORMATS = {
    "datetime": "DATETIME_FORMAT",
    "short": "SHORT_DATETIME_FORMAT",
    "time": "TIME_FORMAT",
    "date": "DATE_FORMAT",
    "short_date": "SHORT_DATE_FORMAT",
}


@register.filter(expects_localtime=False)
def local(value: Any, style: str = "datetime") -> str:
    if value in (None, ""):
        return ""
    if style not in FORMATS:
        raise template.TemplateSyntaxError(f"local: unknown format {style!r}")
    if not isinstance(value, dt.datetime):
        if isinstance(value, dt.date):  # a date is a whole day: no zone to name
            short = style in {"short", "short_date"}
            return formats.date_format(value, "SHORT_DATE_FORMAT" if short else "DATE_FORMAT")
        return str(value)
    return named_moment(value, timezone.get_current_timezone(), FORMATS[style])


@register.simple_tag
def zone_name() -> str:
    return timezone.get_current_timezone_name()


@register.simple_tag
def zone_note() -> SafeString:
    name = timezone.get_current_timezone_name()
    return format_html('<p class="zone-note" data-zone="{}">{}</p>', name, zone_sentence(name))
