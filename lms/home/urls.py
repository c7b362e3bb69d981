"""Routes of the officer's calendar (the home page itself is a Wagtail page)."""

from django.urls import path

from . import views

app_name = "home"

urlpatterns = [
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("my/calendar/", views.calendar_address, name="calendar_address"),
    path("my/calendar/off/", views.calendar_address_off, name="calendar_address_off"),
]
