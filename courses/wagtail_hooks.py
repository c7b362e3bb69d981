"""Wagtail wiring for courses: H5P snippets, and tenancy of pages, images and documents in
the admin (the rules are in ``courses.selectors``)."""

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.log_actions import LogFormatter
from wagtail.models import AbstractPage, Page
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from lms import admin_tenancy

from . import selectors, translation_admin
from .admin_views import (
    HOMEPAGE_PANEL_REPLACEMENTS,
    ExternalMediaHostViewSet,
    H5PActivityPermissionPolicy,
    H5PActivityViewSet,
    H5PLibraryPermissionPolicy,
    H5PLibraryViewSet,
    PlatformAdminsOnlyPermissionPolicy,
    TenantDocumentsAdminAPIViewSet,
    TenantImagesAdminAPIViewSet,
    TenantPagePermissionPolicy,
    TenantPagesAdminAPIViewSet,
)
from .models import ExternalMediaHost, H5PActivity, H5PLibrary
from .packages.h5p.services import LIBRARY_ROLLBACK_ACTION, LIBRARY_UPGRADE_ACTION

register_permission_policy(H5PActivity, H5PActivityPermissionPolicy(H5PActivity))
register_permission_policy(AbstractPage, TenantPagePermissionPolicy())
register_snippet(H5PActivityViewSet)
# Settings › H5P libraries: versions, usage, rollback; platform admins only (issue 12, 5).
register_permission_policy(H5PLibrary, H5PLibraryPermissionPolicy(H5PLibrary))
register_snippet(H5PLibraryViewSet)
# The hosts H5P content may load media from: global, platform admins only.
register_permission_policy(ExternalMediaHost, PlatformAdminsOnlyPermissionPolicy(ExternalMediaHost))
register_snippet(ExternalMediaHostViewSet)

# Object views naming a row the author may not see answer 404 (lms/admin_tenancy.py).
admin_tenancy.register(
    admin_tenancy.TenantScope(
        model=Page,
        visible=selectors.page_list_for_user,
        namespaces=("wagtailadmin_pages", "wagtailadmin_api:pages"),
        global_url_kwargs=(
            "page_id",
            "parent_page_id",
            "page_to_move_id",
            "destination_id",
            "page_pk",
        ),
        id_list_views=("wagtailadmin_choose_page_chosen_multiple",),
    )
)
admin_tenancy.register(
    admin_tenancy.TenantScope(
        model=get_document_model(),
        visible=lambda actor: get_document_model().objects.filter(
            collection__in=selectors.media_collection_list_for_user(actor)
        ),
        namespaces=("wagtaildocs", "wagtaildocs_chooser", "wagtailadmin_api:documents"),
        url_kwargs=("pk", "document_id", "doc_id"),
    )
)
admin_tenancy.register(
    admin_tenancy.TenantScope(
        model=get_image_model(),
        visible=lambda actor: get_image_model().objects.filter(
            collection__in=selectors.media_collection_list_for_user(actor)
        ),
        namespaces=("wagtailimages", "wagtailimages_chooser", "wagtailadmin_api:images"),
        url_kwargs=("pk", "image_id"),
    )
)
admin_tenancy.register(
    admin_tenancy.TenantScope(
        model=H5PActivity,
        visible=selectors.h5p_activity_list_for_user,
        namespaces=(
            "wagtailsnippets_courses_h5pactivity",
            "wagtailsnippetchoosers_courses_h5pactivity",
        ),
    )
)

# wagtail-localize's views: only for the pages the actor may edit, in every language.
admin_tenancy.register_namespace_guard(
    translation_admin.LOCALIZE_NAMESPACE, translation_admin.may_use_localize
)


@hooks.register("construct_page_chooser_queryset")
def scope_page_chooser(pages: QuerySet[Page], request: HttpRequest) -> QuerySet[Page]:
    return pages.filter(pk__in=selectors.page_list_for_user(request.user).values("pk"))


@hooks.register("construct_explorer_page_queryset")
def scope_explorer(
    parent_page: Page, pages: QuerySet[Page], request: HttpRequest
) -> QuerySet[Page]:
    return pages.filter(pk__in=selectors.page_list_for_user(request.user).values("pk"))


@hooks.register("construct_document_chooser_queryset")
def scope_document_chooser(documents: QuerySet, request: HttpRequest) -> QuerySet:
    return documents.filter(collection__in=selectors.media_collection_list_for_user(request.user))


@hooks.register("construct_image_chooser_queryset")
def scope_image_chooser(images: QuerySet, request: HttpRequest) -> QuerySet:
    return images.filter(collection__in=selectors.media_collection_list_for_user(request.user))


@hooks.register("construct_homepage_panels")
def scope_homepage_panels(request: HttpRequest, panels: list[Any]) -> None:
    for position, panel in enumerate(panels):
        replacement = HOMEPAGE_PANEL_REPLACEMENTS.get(type(panel))
        if replacement is not None:
            panels[position] = replacement()


# After Wagtail's own (order 0), so that these endpoints replace its pages, documents and
# images endpoints of the admin API.
@hooks.register("construct_admin_api", order=100)
def scope_admin_api(router: Any) -> None:
    router.register_endpoint("pages", TenantPagesAdminAPIViewSet)
    router.register_endpoint("documents", TenantDocumentsAdminAPIViewSet)
    router.register_endpoint("images", TenantImagesAdminAPIViewSet)


@hooks.register("before_serve_document")
def documents_for_their_readers(document: Any, request: HttpRequest) -> HttpResponse | None:
    """Documents are served to signed-in people who may see their collection: anonymous
    visitors are sent to sign in, people of another administration get 404 (as for a
    missing document). Wagtail's own collection privacy still applies after this."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not selectors.can_see_document(request.user, document):
        raise Http404
    return None


@hooks.register("register_log_actions")
def register_h5p_library_log_actions(actions: Any) -> None:
    """The history of an H5P library: which patch became current, from which."""

    class PatchFormatter(LogFormatter):  # type: ignore[misc]
        def format_message(self, log_entry: Any) -> str:
            data = log_entry.data or {}
            return _("Patch %(to)s made current (was %(from)s)") % {
                "to": data.get("to", "?"),
                "from": data.get("from", "?"),
            }

    actions.register_action(LIBRARY_UPGRADE_ACTION)(
        type("UpgradeFormatter", (PatchFormatter,), {"label": _("H5P library upgraded")})
    )
    actions.register_action(LIBRARY_ROLLBACK_ACTION)(
        type("RollbackFormatter", (PatchFormatter,), {"label": _("H5P library rolled back")})
    )


@hooks.register("construct_reports_menu")
def translations_report_in_the_readers_language(request: HttpRequest, items: list) -> None:
    """wagtail-localize labels its Reports › Translations item with ``gettext`` when the
    menu is first built, so every later reader saw the first reader's language: the label
    is made lazy, read in each request's language."""
    url = reverse("wagtail_localize:translations_report")
    for item in items:
        if item.url == url:
            item.label = _("Translations")
