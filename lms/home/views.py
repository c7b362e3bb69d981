"""The officer's calendar: the secret iCalendar feed and the page that makes, replaces
and turns off its address. Thin: parse, call a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.public_url import public_host, public_url

from . import calendar, ical, selectors
from .models import CalendarFeed


@require_GET
@cache_control(private=True, max_age=900)
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The officer's due dates as iCalendar; 404 for any token that is not current."""
    officer = calendar.calendar_feed_owner(token)
    if officer is None:
        raise Http404
    language = officer.interface_language()
    with translation.override(language):
        events = selectors.feed_events(officer, language=language)
        body = ical.render_calendar(
            [
                ical.AllDayEvent(
                    uid=f"{event.uid}@{public_host()}",
                    on=event.on,
                    summary=event.summary,
                    url=public_url(event.url) if event.url else "",
                )
                for event in events
            ],
            name=_("My training due dates"),
            stamp=timezone.now(),
        )
    response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="due-dates.ics"'
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def calendar_address(request: HttpRequest) -> HttpResponse:
    """GET: whether the officer has an address. POST: make a new one (replacing the old
    one) and show it, once."""
    if request.user.administration_id is None:
        raise Http404
    token = ""
    if request.method == "POST":
        token = calendar.calendar_feed_create(actor=request.user)
    feed = CalendarFeed.objects.filter(user_id=request.user.pk).first()
    feed_url = ""
    if token:
        feed_url = public_url(reverse("home:calendar_feed", args=[token]))
    return render(
        request,
        "home/calendar_address.html",
        {
            "feed": feed,
            "feed_url": feed_url,
            "webcal_url": feed_url.replace("https://", "webcal://", 1).replace(
                "http://", "webcal://", 1
            ),
        },
    )


@login_required
@require_POST
def calendar_address_off(request: HttpRequest) -> HttpResponse:
    if calendar.calendar_feed_revoke(actor=request.user):
        messages.success(request, _("Your calendar address is turned off."))
    return HttpResponseRedirect(reverse("home:calendar_address"))
