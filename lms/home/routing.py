"""Page routing in one query, whatever the depth, with a language fallback.

Wagtail walks the tree one level per query and only inside the tree of the active
language. This view resolves the whole path at once among the site's home pages in every
language, prefers the active language, then the default one, then any, and hands the
result to Wagtail's own ``serve`` (hooks, view restrictions and ``Page.serve`` unchanged).
A page that exists only in Spanish is therefore reachable for a reader of English.
Paths it cannot resolve (for example routable sub-paths) fall through to Wagtail's walk.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from wagtail import views as wagtail_views
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult


def resolve(request: HttpRequest, path: str) -> RouteResult | None:
    site = Site.find_for_request(request)
    if site is None:
        return None
    roots = [root for root in Site.get_site_root_paths() if root.site_id == site.pk]
    suffix = "".join(f"{part}/" for part in path.split("/") if part)
    candidates = {root.root_path + suffix for root in roots}
    pages = list(
        Page.objects.filter(url_path__in=candidates, live=True)
        .select_related("locale")
        .only("id", "url_path", "content_type_id", "locale__language_code")
    )
    if not pages:
        return None
    preference = [translation.get_language(), settings.LANGUAGE_CODE]

    def rank(page: Page) -> int:
        code = page.locale.language_code
        return preference.index(code) if code in preference else len(preference)

    best = min(pages, key=rank)
    return RouteResult(best.specific)


def serve(request: HttpRequest, path: str) -> HttpResponse:
    if not hasattr(request, "_wagtail_route_for_request"):
        route = resolve(request, path)
        if route is not None:
            request._wagtail_route_for_request = route
    return wagtail_views.serve(request, path)
