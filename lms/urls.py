"""Site, admins, API and verification routes."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import admin_urls, media
from lms.accounts import views as account_views
from lms.admin_tenancy import guard_urlpatterns
from lms.home import routing

# Every admin view answers 404 for a URL naming what its user may not see (tenancy).
guard_urlpatterns(wagtailadmin_urls.urlpatterns)

urlpatterns = [
    # /healthz, /readyz, /metrics (lms/ops/): answered before the site's middleware.
    path("", include("lms.ops.urls")),
    # The admin's password reset, with the site's rules (lms/accounts/password_reset.py).
    path(
        "cms/password_reset/",
        account_views.AdminPasswordResetView.as_view(),
        name="wagtailadmin_password_reset",
    ),
    # A few admin views scoped to the author's administration, before Wagtail's own.
    path("cms/", include(admin_urls)),
    path("cms/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("lms.tracking.urls")),
    path("", include("lms.api.urls_pages")),
    path("", include("lms.scim.urls_pages")),
    path("", include("lms.audit.urls")),
    path("", include("lms.sso.urls")),
    path("", include("lms.mfa.urls")),
    path("", include("lms.accounts.urls")),
    path("", include("courses.urls")),
    path("", include("assessments.urls")),
    path("", include("certificates.urls")),
    path("", include("lms.home.urls")),
    path("api/v1/", include("lms.api.urls")),
    # SCIM 2.0 provisioning, bearer tokens bound to one administration (lms/scim/).
    path("scim/v2/", include("lms.scim.urls")),
]

# Public images only, from storage (lms/media.py): documents and other media are served by
# views that check who asks. A proxy may answer these addresses first from a local folder.
urlpatterns += [
    re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", media.serve_public_media),
]

# The error pages (lms/errors.py): branded and translated, JSON under /api/. The content
# origin has handlers of its own (lms/content_urls.py).
handler400 = "lms.errors.bad_request"
handler403 = "lms.errors.permission_denied"
handler404 = "lms.errors.page_not_found"
handler500 = "lms.errors.server_error"

# Wagtail's page tree last: it answers every path the routes above do not. Pages are found
# in one query by lms.home.routing, then served by Wagtail as usual.
urlpatterns += [
    re_path(r"^((?:[\w\-]+/)*)$", routing.serve, name="wagtail_serve"),
    path("", include(wagtail_urls)),
]
