"""Wagtail admin views replaced by versions scoped to the author's administration.

Included by ``lms/urls.py`` before Wagtail's admin, at the same paths, so these match
first; Wagtail's URL names still reverse to these paths. Like Wagtail's own admin views
they need admin access and are never cached.
"""

from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access

from courses.admin_views import TenantBrowseView, TenantPageTypesUsageView
from courses.translation_admin import translations_report
from lms.accounts.views import LogoutView
from lms.admin_tags import (
    TenantDocumentsIndexView,
    TenantImagesIndexView,
    image_chooser,
    tag_autocomplete,
)
from lms.admin_tenancy import TenantLogEntriesView, tenancy_guard


def _admin(view):
    return never_cache(tenancy_guard(require_admin_access(view)))


urlpatterns = [
    # Signing out of the admin is signing out of the site: a session opened through an
    # identity provider goes on to the provider's logout (lms/accounts/events.py).
    path("logout/", LogoutView.as_view()),
    path("choose-page/", _admin(TenantBrowseView.as_view())),
    path("reports/site-history/", _admin(TenantLogEntriesView.as_view())),
    path(
        "reports/site-history/results/",
        _admin(TenantLogEntriesView.as_view(results_only=True)),
    ),
    path("reports/page-types-usage/", _admin(TenantPageTypesUsageView.as_view())),
    path(
        "reports/page-types-usage/results/",
        _admin(TenantPageTypesUsageView.as_view(results_only=True)),
    ),
    # Translations: the course pages the author may edit, in place of wagtail-localize's
    # report of every translation (courses/translation_admin.py).
    path("localize/reports/translations/", _admin(translations_report)),
    path(
        "localize/reports/translations/results/",
        _admin(translations_report),
        {"results_only": True},
    ),
    # Tags: only those on what the author may see (lms/admin_tags.py).
    path("tag-autocomplete/", _admin(tag_autocomplete)),
    path("tag-autocomplete/<slug:app_name>/<slug:model_name>/", _admin(tag_autocomplete)),
    path("images/", _admin(TenantImagesIndexView.as_view())),
    path("images/results/", _admin(TenantImagesIndexView.as_view(results_only=True))),
    path("images/chooser/", _admin(image_chooser.choose_view)),
    path("documents/", _admin(TenantDocumentsIndexView.as_view())),
    path("documents/results/", _admin(TenantDocumentsIndexView.as_view(results_only=True))),
]
