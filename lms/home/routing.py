"""Page routing in one query, whatever the depth, with a language fallback.

Wagtail walks the tree one level per query and only inside the tree of the active
language. This view resolves the whole path at once among the site's home pages in every
language, prefers the active language, then the default one, then any, and hands the
result to Wagtail's own ``serve`` (hooks, view restrictions and ``Page.serve`` unchanged).
A page that exists only in Spanish is therefore reachable for a reader of English.
Paths it cannot resolve (for example routable sub-paths) fall through to Wagtail's walk.

The site of a host and the page found for a path are kept in the shared cache under the
page tree's generation (:mod:`lms.page_cache`): a request then reads only the page itself.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.utils import translation
from wagtail import views as wagtail_views
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult

from lms import page_cache

NOT_FOUND = 0


def site_for(request: HttpRequest) -> Site | None:
    """``Site.find_for_request`` through the cache (by host and port); Wagtail keeps the
    answer on the request, where its own code looks for it."""
    if not hasattr(request, "_wagtail_site"):
        hostname = split_domain_port(request._get_raw_host())[0]
        found = page_cache.remember(
            page_cache.key("site", hostname, request.get_port()),
            lambda: Site._find_for_request(request) or NOT_FOUND,
        )
        request._wagtail_site = found or None
    return request._wagtail_site


def resolve(request: HttpRequest, path: str) -> RouteResult | None:
    site = site_for(request)
    if site is None:
        return None
    suffix = "".join(f"{part}/" for part in path.split("/") if part)
    # Only paths that lead to a page are kept (any path can be asked for); the page itself
    # is kept, so that serving it costs no query here.
    route_key = page_cache.key("route", site.pk, translation.get_language(), suffix)
    page = cache.get(route_key)
    if page is None:
        found = _find(site, suffix)
        if found is None:
            return None
        page_id, content_type_id = found
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        page = model.objects.filter(pk=page_id, live=True).first() if model else None
        if page is None:
            return None
        cache.set(route_key, page, page_cache.ENTRY_SECONDS)
    return RouteResult(page)


def _find(site: Site, suffix: str) -> tuple[int, int] | None:
    """(id, content type id) of the live page at ``suffix`` under the site's roots."""
    roots = [root for root in Site.get_site_root_paths() if root.site_id == site.pk]
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
    return best.pk, best.content_type_id


def serve(request: HttpRequest, path: str) -> HttpResponse:
    if not hasattr(request, "_wagtail_route_for_request"):
        route = resolve(request, path)
        if route is not None:
            request._wagtail_route_for_request = route
    return wagtail_views.serve(request, path)
