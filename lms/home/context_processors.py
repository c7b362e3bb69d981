"""The site of the request, found through the cache (:func:`lms.home.routing.site_for`)
before Wagtail's settings context processor asks for it: that processor would otherwise
look the site up in the database on every page Wagtail itself does not serve (the
attempt page, dashboards, accounts). The site's pages all read its settings (base.html);
the admins', which read none, are left alone."""

from __future__ import annotations

from django.http import HttpRequest

from .routing import site_for

ADMINS = ("/cms/", "/django-admin/")


def site(request: HttpRequest) -> dict[str, object]:
    if not request.path.startswith(ADMINS):
        site_for(request)
    return {}
