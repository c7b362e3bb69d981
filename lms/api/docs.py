"""The API's documentation page (Swagger UI, served from our static files).

Swagger UI comes from ``drf-spectacular-sidecar`` (static files, no CDN). The split view
loads its start-up script from this same address (``?script``) instead of an inline
script, and our template replaces the library template's inline ``<style>`` with a
stylesheet, so the page works under the site's strict Content Security Policy.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
