"""Time zones: which zone a person sees, the zones one may choose, and "today" as a whole
day in a person's zone.

Stored times stay UTC (``USE_TZ``). Each administration names its IANA zone; an officer
may choose another one (blank: the administration's). :class:`UserTimeZoneMiddleware`
(``lms.accounts.middleware``) activates :func:`zone_name_for` for every signed-in request,
so Django's ``|date`` and ``localtime`` already show local times; the ``lms_time`` template
library (``{{ moment|local }}``) adds the zone's name where it matters.

Due dates (``due_on``) are whole days in the officer's zone: a row is overdue once the
officer's local date is after its due date (:func:`past_due_q` in SQL,
:func:`local_date_for` in Python), not once UTC's date is.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import NotSupportedError
from django.db.models import CharField, DateField, DateTimeField, Func, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

DEFAULT_ZONE = "UTC"

# The westmost and eastmost offsets in use anywhere: every zone's local date lies between
# the dates of these two offsets, whatever the moment.
_WESTMOST = dt.timedelta(hours=-12)
_EASTMOST = dt.timedelta(hours=14)


@cache
def valid_zone_names() -> frozenset[str]:
    """IANA names one may choose: ``zoneinfo.available_timezones()`` without the POSIX
    fixed offsets such as ``Etc/GMT+5`` (which means UTC−5: people misread them, and
    SQLite's date helper reads the "+5" as an offset)."""
    return frozenset(name for name in zoneinfo.available_timezones() if not _has_offset(name))


def _has_offset(name: str) -> bool:
    return re.search(r"[+-][0-9]", name) is not None


def validate_time_zone(value: str) -> None:
    """Model and form validator: an IANA zone name, for example America/Lima."""
    if value not in valid_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a time zone name. Use an IANA name such as America/Lima."),
            code="invalid_time_zone",
            params={"value": value},
        )


@cache
def zone_choices() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """The zones to choose from, grouped by region (America first: the region served),
    each sorted by name; "UTC" alone under "Other"."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(valid_zone_names()):
        region, _sep, place = name.partition("/")
        if not place or region in {"Etc", "SystemV", "US", "Canada", "Brazil", "Chile", "Mexico"}:
            continue  # aliases and legacy names: every place is listed under its region
        groups.setdefault(region, []).append((name, place.replace("_", " ")))
    ordered = sorted(groups, key=lambda region: (region != "America", region))
    return (
        *((region, tuple(groups[region])) for region in ordered),
        ("Other", ((DEFAULT_ZONE, DEFAULT_ZONE),)),
    )


def zone_name_for(user: Any, administration: Any = None) -> str:
    """The zone a person sees: their own choice, else their administration's, else
    ``settings.TIME_ZONE``. Anonymous visitors get ``settings.TIME_ZONE``. Pass the
    person's ``administration`` when it is at hand but not loaded on the user (saves a
    query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return settings.TIME_ZONE
    if user.time_zone:
        return user.time_zone
    if administration is None and user.administration_id:
        administration = user.administration
    if administration is not None and administration.time_zone:
        return administration.time_zone
    return settings.TIME_ZONE


def zone_for(user: Any, administration: Any = None) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(zone_name_for(user, administration))


def administration_zone(administration: Any) -> zoneinfo.ZoneInfo:
    """The administration's zone (``settings.TIME_ZONE`` when none is given)."""
    name = getattr(administration, "time_zone", "") or settings.TIME_ZONE
    return zoneinfo.ZoneInfo(name)


def local_date_for(
    user: Any, now: dt.datetime | None = None, *, administration: Any = None
) -> dt.date:
    """Today (or ``now``'s date) in the person's zone."""
    return timezone.localdate(now or timezone.now(), zone_for(user, administration))


def local_date_in(zone: dt.tzinfo, now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or timezone.now(), zone)


DATE_ONLY_FORMATS = frozenset({"DATE_FORMAT", "SHORT_DATE_FORMAT"})


def named_moment(moment: dt.datetime, zone: dt.tzinfo, format_name: str = "DATETIME_FORMAT") -> str:
    """``moment`` in ``zone``, in the active language's ``format_name``, followed by the
    zone's name ("March 12, 2026, 2:05 p.m. (America/Lima)"); dates alone name no zone."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment, zone)
    text = formats.date_format(moment, format_name)
    if format_name in DATE_ONLY_FORMATS:
        return text
    # Translators: a date and time followed by the name of its time zone, for example
    # "March 12, 2026, 2:05 p.m. (America/Lima)".
    return gettext("%(moment)s (%(zone)s)") % {"moment": text, "zone": str(zone)}


def utc_offset_label(name: str, now: dt.datetime | None = None) -> str:
    """The zone's offset from UTC at ``now`` (default: now): "UTC−05:00" (a true minus
    sign), "UTC+00:00"."""
    moment = now or timezone.now()
    offset = moment.astimezone(zoneinfo.ZoneInfo(name)).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "\u2212"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_note(name: str, now: dt.datetime | None = None) -> str:
    """The sentence a page shows above its dates: which zone they are in, and its offset
    now ("Dates and times in America/Lima (UTC−05:00)."). Translated."""
    # Translators: above a page's dates and times; zone is an IANA name such as
    # America/Lima, offset its difference from UTC such as "UTC−05:00".
    return gettext("Dates and times in %(zone)s (%(offset)s).") % {
        "zone": name,
        "offset": utc_offset_label(name, now),
    }


# --- "today" in SQL ----------------------------------------------------------------------


class LocalDate(Func):
    """The calendar date of the moment ``moment`` in the zone named by the expression
    ``zone`` (a column: each row its own zone).

    PostgreSQL: ``moment AT TIME ZONE zone``. SQLite has no zone database: Django's own
    SQLite function ``django_datetime_cast_date(moment, zone, connection zone)`` (the one
    behind ``TruncDate`` with a zone) converts in Python with zoneinfo.
    """

    output_field = DateField()

    def __init__(self, moment: Any, zone: Any) -> None:
        super().__init__(moment, zone)

    def _parts(self, compiler: Any, connection: Any) -> tuple[str, list[Any], str, list[Any]]:
        moment, zone = self.get_source_expressions()
        moment_sql, moment_params = compiler.compile(moment)
        zone_sql, zone_params = compiler.compile(zone)
        return moment_sql, list(moment_params), zone_sql, list(zone_params)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        raise NotSupportedError("LocalDate runs on PostgreSQL and SQLite only.")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        moment_sql, moment_params, zone_sql, zone_params = self._parts(compiler, connection)
        return (
            f"(({moment_sql})::timestamptz AT TIME ZONE ({zone_sql}))::date",
            [*moment_params, *zone_params],
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        moment_sql, moment_params, zone_sql, zone_params = self._parts(compiler, connection)
        return (
            f"django_datetime_cast_date({moment_sql}, {zone_sql}, %s)",
            [*moment_params, *zone_params, connection.timezone_name],
        )


def zone_expression(user_path: str) -> Coalesce:
    """The zone of the person at ``user_path`` (``"officer"``, ``"records__officer"``, or
    ``""`` for the users table itself), as :func:`zone_name_for` chooses it."""
    prefix = f"{user_path}__" if user_path else ""
    return Coalesce(
        NullIf(f"{prefix}time_zone", Value("")),
        NullIf(f"{prefix}administration__time_zone", Value("")),
        Value(settings.TIME_ZONE),
        output_field=CharField(),
    )


def past_due_q(
    *, now: dt.datetime | None = None, due: str = "due_on", officer: str = "officer"
) -> Q:
    """Rows whose due date ``due`` is before today in the zone of the person at
    ``officer``: overdue once the officer's local day is after the due day.

    Due dates more than a day away from today hold the same answer in every zone, and are
    decided by a plain date comparison (which an index serves); only the day or two around
    today asks for each row's zone.
    """
    now = now or timezone.now()
    utc_now = now.astimezone(dt.UTC)
    earliest = (utc_now + _WESTMOST).date()  # the smallest local date anywhere
    latest = (utc_now + _EASTMOST).date()  # the largest
    local_today = LocalDate(Value(now, output_field=DateTimeField()), zone_expression(officer))
    return Q(**{f"{due}__lt": earliest}) | (
        Q(**{f"{due}__lt": latest}) & Q(**{f"{due}__lt": local_today})
    )
