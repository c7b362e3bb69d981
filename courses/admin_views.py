"""Wagtail admin for H5P activities: upload with validation, scoped to the author."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail.admin.api.views import PagesAdminAPIViewSet
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import chooser as page_chooser_views
from wagtail.admin.views import home as home_views
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.snippets.views import chooser as snippet_chooser_views
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.accounts.models import Administration
from lms.accounts.roles import Role, has_role
from lms.accounts.selectors import is_regional_author
from lms.viewsets import OwnerFieldMixin, OwnerRowActionsMixin, scoped_object_view

from . import selectors
from .models import ExternalMediaHost, H5PActivity, H5PLibrary, H5PLibraryVersion
from .models.external_media import normalise_host
from .packages.h5p.policy import PolicyLimits
from .packages.h5p.services import (
    PackageRefused,
    RollbackRefused,
    h5p_library_rollback,
    h5p_package_import,
    h5p_package_inspect,
    refusal_from,
)


class H5PActivityForm(OwnerFieldMixin, WagtailAdminModelForm):
    """Create: upload a package (validated before anything is stored). Edit: title and owner."""

    package = forms.FileField(
        label=_("H5P package"),
        required=False,
        help_text=_("An .h5p file exported from H5P or built by this platform."),
        widget=forms.ClearableFileInput(attrs={"accept": ".h5p"}),
    )

    class Meta:
        model = H5PActivity
        fields = ["title", "administration"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leave empty to use the title inside the package.")
        self.fix_owner_field(self.for_user)
        if self.instance.pk:
            del self.fields["package"]
        self._report = None

    def owner_choices(self, user: Any) -> QuerySet[Administration]:
        return selectors.owner_choices(user)

    def clean_package(self) -> Any:
        upload = self.cleaned_data.get("package")
        if self.instance.pk:
            return upload
        if upload is None:
            raise forms.ValidationError(_("Choose an .h5p file to upload."))
        if upload.size > PolicyLimits().max_package_bytes:
            raise forms.ValidationError(
                _("The package is too large. The largest package allowed is %(mb)s MB.")
                % {"mb": PolicyLimits().max_package_bytes // (1024 * 1024)}
            )
        data = upload.read()
        report = h5p_package_inspect(data=data)
        if not report.ok:
            raise forms.ValidationError(refusal_from(report).messages)
        self._data, self._report = data, report
        return upload

    def save(self, commit: bool = True) -> H5PActivity:
        if self.instance.pk:
            return super().save(commit=commit)
        try:
            activity = h5p_package_import(
                actor=self.for_user,
                data=self._data,
                title=self.cleaned_data.get("title", ""),
                administration=self.cleaned_data.get("administration"),
                report=self._report,
            )
        except PackageRefused as refusal:
            # Reached when the uploader may not install the package's new libraries.
            self.add_error("package", refusal.messages)
            raise forms.ValidationError(refusal.messages) from refusal
        # Newer library patches installed, or held back for a platform admin.
        self.library_messages = activity.library_upgrades.messages
        return activity

    def is_valid(self) -> bool:
        """Also refuses, before saving, a package whose new libraries the user may not
        install: the form shows the missing libraries instead of an error page."""
        valid = super().is_valid()
        if valid and self._report is not None and self._report.new_libraries:
            user = self.for_user
            if user is None or not user.has_perm("courses.install_h5plibrary"):
                names = ", ".join(
                    f"{name} {major}.{minor}.{patch}"
                    for name, major, minor, patch in self._report.new_libraries
                )
                self.add_error(
                    "package",
                    _(
                        "This package brings libraries that are not installed on this site: "
                        "%(libraries)s. Ask a platform administrator to install them (or to "
                        "upload this package), then try again."
                    )
                    % {"libraries": names},
                )
                return False
        return valid


# Actions that change an activity; any other (view, choose) only needs to see it.
CHANGING_ACTIONS = frozenset({"add", "change", "delete", "publish", "lock", "unlock"})


class H5PActivityPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, and tenancy: an author sees and chooses regional activities and
    their administration's, and changes only their administration's (regional activities
    are read-only to an author bound to one administration; regional authors change any)."""

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self._tenancy_allows(user, [action], instance) and self.user_has_permission(
            user, action
        )

    def user_has_any_permission_for_instance(self, user: Any, actions: Any, instance: Any) -> bool:
        return self._tenancy_allows(user, actions, instance) and self.user_has_any_permission(
            user, actions
        )

    @staticmethod
    def _tenancy_allows(user: Any, actions: Any, instance: Any) -> bool:
        if CHANGING_ACTIONS.intersection(actions):
            return selectors.can_edit_activity(user, instance)
        return selectors.can_see_activity(user, instance)

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet:
        scoped = (
            selectors.h5p_activity_editable_list_for_user
            if CHANGING_ACTIONS.intersection(actions)
            else selectors.h5p_activity_list_for_user
        )
        return (
            super()
            .instances_user_has_any_permission_for(user, actions)
            .filter(pk__in=scoped(user).values("pk"))
        )


def _scoped(view_class: type, allowed: Any = selectors.can_edit_activity) -> type:
    """An object view that answers 404, whatever the URL says, for an activity the author
    may not change (another administration's; for an author bound to one administration, a
    regional one: its usage lists other administrations' lessons), or with
    ``allowed=can_see_activity`` may not see (inspect)."""
    return scoped_object_view(view_class, allowed)


class _ScopedChoices:
    def get_object_list(self) -> QuerySet[H5PActivity]:
        return selectors.h5p_activity_list_for_user(self.request.user)  # type: ignore[attr-defined]


class _ScopedChosen:
    """The chooser's "chosen" views name only activities the author may use (another
    administration's answers as a missing one does)."""

    def get_object(self, pk: Any) -> H5PActivity:
        return selectors.h5p_activity_list_for_user(self.request.user).get(pk=pk)  # type: ignore[attr-defined]

    def get_objects(self, pks: Any) -> QuerySet[H5PActivity]:
        return selectors.h5p_activity_list_for_user(self.request.user).filter(pk__in=pks)  # type: ignore[attr-defined]


class H5PActivityChooserViewSet(snippet_chooser_views.SnippetChooserViewSet):
    """The chooser authors use in lessons offers regional activities and their own
    administration's, never another administration's."""

    choose_view_class = type(
        "H5PChooseView", (_ScopedChoices, snippet_chooser_views.ChooseView), {}
    )
    choose_results_view_class = type(
        "H5PChooseResultsView", (_ScopedChoices, snippet_chooser_views.ChooseResultsView), {}
    )
    chosen_view_class = type(
        "H5PChosenView", (_ScopedChosen, snippet_chooser_views.SnippetChosenView), {}
    )
    chosen_multiple_view_class = type(
        "H5PChosenMultipleView",
        (_ScopedChosen, snippet_chooser_views.SnippetChosenMultipleView),
        {},
    )


class H5PActivityFilterSet(WagtailFilterSet):
    """The listing's owner filter offers only the administrations whose activities the
    author may see."""

    administration = django_filters.ModelChoiceFilter(
        label=_("Owned by"),
        queryset=lambda request: selectors.owner_choices(request.user),
    )

    class Meta:
        model = H5PActivity
        fields = ["administration", "language"]


class H5PActivityIndexView(OwnerRowActionsMixin, snippet_views.IndexView):
    """Regional activities are listed to every author (they use them in lessons), with
    edit, copy and delete links only for those the author may change."""


class H5PActivityCreateView(snippet_views.CreateView):
    """The upload: also tells the author what happened to newer library patches the
    package carried (installed, or held back for a platform admin)."""

    def save_action(self) -> HttpResponse:
        for message in getattr(self.form, "library_messages", []):
            messages.warning(self.request, message)
        return super().save_action()


class H5PActivityViewSet(SnippetViewSet):
    model = H5PActivity
    index_view_class = H5PActivityIndexView
    add_view_class = H5PActivityCreateView
    chooser_viewset_class = H5PActivityChooserViewSet
    edit_view_class = _scoped(snippet_views.EditView)
    inspect_view_class = _scoped(snippet_views.InspectView, selectors.can_see_activity)
    delete_view_class = _scoped(snippet_views.DeleteView)
    copy_view_class = _scoped(snippet_views.CopyView)
    usage_view_class = _scoped(snippet_views.UsageView)
    history_view_class = _scoped(snippet_views.HistoryView)
    icon = "form"
    menu_label = _("H5P activities")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["title", "main_library", "administration", "language", "uploaded_at"]
    filterset_class = H5PActivityFilterSet
    search_fields = ["title"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "title",
        "main_library",
        "libraries",
        "language",
        "administration",
        "size_bytes",
        "uploaded_by",
        "uploaded_at",
        "uuid",
    ]
    panels = [FieldPanel("package"), FieldPanel("title"), FieldPanel("administration")]

    def get_form_class(self, for_update: bool = False) -> type[H5PActivityForm]:
        return H5PActivityForm

    def get_queryset(self, request: Any) -> QuerySet[H5PActivity]:
        return selectors.h5p_activity_list_for_user(request.user).select_related(
            "main_library", "administration"
        )


# --- pages: tenancy in the explorer, choosers, reports and dashboard ------------------------


class TenantPagePermissionPolicy(PagePermissionPolicy):
    """Wagtail's page permissions, and tenancy: whatever the groups grant, pages in another
    administration's catalogue are neither explorable nor listed (explorer, page search,
    admin pages API, site history, reports), for an author bound to one administration."""

    def explorable_instances(self, user: Any) -> QuerySet[Page]:
        return super().explorable_instances(user).filter(selectors.page_visibility_q(user))

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet[Page]:
        pages = super().instances_user_has_any_permission_for(user, actions)
        return pages.filter(selectors.page_visibility_q(user))


class TenantBrowseView(page_chooser_views.BrowseView):
    """The page chooser without a parent in the URL: with a page type, Wagtail starts at the
    common ancestor of every page of that type; here, of those the author may see (the
    parent's title is shown, so it must not be another administration's page)."""

    def get(self, request: HttpRequest, parent_page_id: int | None = None) -> HttpResponse:
        page_type = request.GET.get("page_type")
        if parent_page_id is None and page_type:
            try:
                desired = page_chooser_views.page_models_from_string(page_type)
            except (ValueError, LookupError) as exc:
                raise Http404 from exc
            if desired != (Page,):
                visible = selectors.page_list_for_user(request.user).type(*desired)
                parent = visible.first_common_ancestor() if visible.exists() else None
                root = parent or Page.get_first_root_node()
                return super().get(request, parent_page_id=root.pk)
        return super().get(request, parent_page_id=parent_page_id)


class TenantPageTypesUsageView(PageTypesUsageReportView):
    """The page types usage report counts, and names the last edited page of, only the pages
    the author may see."""

    def decorate_paginated_queryset(self, page_types: Any) -> Any:
        page_types = super().decorate_paginated_queryset(page_types)
        user = self.request.user
        if is_regional_author(user):
            return page_types
        visible = selectors.page_list_for_user(user)
        form = self.filters.form if self.filters is not None else None
        cleaned = form.cleaned_data if form is not None and form.is_valid() else {}
        if cleaned.get("page_locale"):
            visible = visible.filter(locale__language_code=cleaned["page_locale"])
        if cleaned.get("site"):
            visible = visible.filter(path__startswith=cleaned["site"])
        type_ids = [page_type.pk for page_type in page_types]
        counts = dict(
            visible.filter(content_type_id__in=type_ids)
            .values("content_type_id")
            .annotate(pages=Count("pk"))
            .values_list("content_type_id", "pages")
        )
        order = (F("latest_revision_created_at").desc(nulls_last=True), "title", "-pk")
        for page_type in page_types:
            page_type.count = counts.get(page_type.pk, 0)
            latest = visible.filter(content_type_id=page_type.pk).order_by(*order).first()
            page_type.last_edited_page = latest.specific if latest is not None else None
        return page_types


class TenantWorkflowObjectsToModeratePanel(home_views.WorkflowObjectsToModeratePanel):
    """ "Awaiting your review" lists only pages the reviewer may see (a review group may
    hold authors of several administrations)."""

    def get_context_data(self, parent_context: Any) -> Any:
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        pages = [s["obj"].pk for s in context["states"] if isinstance(s["obj"], Page)]
        visible = set(
            selectors.page_list_for_user(user).filter(pk__in=pages).values_list("pk", flat=True)
        )
        context["states"] = [
            s for s in context["states"] if not isinstance(s["obj"], Page) or s["obj"].pk in visible
        ]
        return context


class TenantRecentEditsPanel(home_views.RecentEditsPanel):
    """ "Your most recent edits", without pages the author may no longer see (after moving
    to another administration)."""

    def get_context_data(self, parent_context: Any) -> Any:
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        pages = [page.pk for _when, page in context["last_edits"]]
        visible = set(
            selectors.page_list_for_user(user).filter(pk__in=pages).values_list("pk", flat=True)
        )
        context["last_edits"] = [
            (when, page) for when, page in context["last_edits"] if page.pk in visible
        ]
        return context


HOMEPAGE_PANEL_REPLACEMENTS = {
    home_views.WorkflowObjectsToModeratePanel: TenantWorkflowObjectsToModeratePanel,
    home_views.RecentEditsPanel: TenantRecentEditsPanel,
}


# --- the admin API: pages, documents and images --------------------------------------------


class TenantPagesAdminAPIViewSet(PagesAdminAPIViewSet):
    """The admin pages API (the explorer menu) lists only pages the author may see."""

    def get_base_queryset(self) -> QuerySet[Page]:
        return super().get_base_queryset().filter(selectors.page_visibility_q(self.request.user))


class TenantDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    """The admin documents API lists only documents the author may choose."""

    def get_queryset(self) -> QuerySet:
        allowed = selectors.document_list_for_user(self.request.user)
        return super().get_queryset().filter(collection__in=allowed.values("collection"))


class TenantImagesAdminAPIViewSet(ImagesAdminAPIViewSet):
    """The admin images API lists only images the author may choose."""

    def get_queryset(self) -> QuerySet:
        allowed = selectors.image_list_for_user(self.request.user)
        return super().get_queryset().filter(collection__in=allowed.values("collection"))


# --- external media hosts: platform admins only (issue 12, point 6) ---------------------------


class PlatformAdminsOnlyPermissionPolicy(ModelPermissionPolicy):
    """Platform admins (and superusers) see and change every row; nobody else sees any,
    whatever model permissions a group holds. For global settings such as the hosts H5P
    content may load media from (no administration owns them)."""

    def _allowed(self, user: Any) -> bool:
        return has_role(user, Role.PLATFORM_ADMIN)

    def user_has_permission(self, user: Any, action: str) -> bool:
        return self._allowed(user)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return self._allowed(user)

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self._allowed(user)

    def user_has_any_permission_for_instance(self, user: Any, actions: Any, instance: Any) -> bool:
        return self._allowed(user)

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet:
        return self.model.objects.all() if self._allowed(user) else self.model.objects.none()

    def users_with_any_permission(self, actions: Any) -> QuerySet:
        from lms.accounts.models import User

        return User.objects.filter(
            Q(is_superuser=True) | Q(groups__name=Role.PLATFORM_ADMIN.value), is_active=True
        ).distinct()

    def users_with_any_permission_for_instance(self, actions: Any, instance: Any) -> QuerySet:
        return self.users_with_any_permission(actions)


class ExternalMediaHostForm(WagtailAdminModelForm):
    class Meta:
        model = ExternalMediaHost
        fields = ["host", "note"]

    def clean_host(self) -> str:
        return normalise_host(self.cleaned_data.get("host") or "")

    def save(self, commit: bool = True) -> ExternalMediaHost:
        if self.instance.pk is None:
            self.instance.added_by = self.for_user
        return super().save(commit=commit)


def _platform_admins_only(view_class: type) -> type:
    """The view, answering 404 (not Wagtail's redirect to the dashboard) to anyone but a
    platform admin: nobody else learns what the list holds."""

    class View(view_class):  # type: ignore[misc,valid-type]
        def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, Role.PLATFORM_ADMIN):
                raise Http404
            return super().dispatch(request, *args, **kwargs)

    View.__name__ = View.__qualname__ = f"PlatformAdminsOnly{view_class.__name__}"
    return View


class ExternalMediaHostViewSet(SnippetViewSet):
    """Settings › External media hosts: where H5P content may load media from."""

    model = ExternalMediaHost
    index_view_class = _platform_admins_only(snippet_views.IndexView)
    add_view_class = _platform_admins_only(snippet_views.CreateView)
    copy_view_class = _platform_admins_only(snippet_views.CopyView)
    edit_view_class = _platform_admins_only(snippet_views.EditView)
    delete_view_class = _platform_admins_only(snippet_views.DeleteView)
    usage_view_class = _platform_admins_only(snippet_views.UsageView)
    history_view_class = _platform_admins_only(snippet_views.HistoryView)
    inspect_view_class = _platform_admins_only(snippet_views.InspectView)
    icon = "globe"
    menu_label = _("External media hosts")
    add_to_settings_menu = True
    list_display = ["host", "note", "added_by", "added_at"]
    search_fields = ["host", "note"]
    panels = [FieldPanel("host"), FieldPanel("note")]

    def get_form_class(self, for_update: bool = False) -> type[ExternalMediaHostForm]:
        return ExternalMediaHostForm


# --- H5P libraries: versions, usage and rollback, platform admins only (issue 12, point 5) ----


class H5PLibraryPermissionPolicy(ModelPermissionPolicy):
    """Platform admins see the libraries; nobody adds, edits or deletes them here:
    libraries come with packages, and a platform admin changes which patch is current
    with the rollback view."""

    def _allowed(self, user: Any, actions: Any) -> bool:
        wanted = {actions} if isinstance(actions, str) else set(actions)
        return bool(wanted & {"view"}) and has_role(user, Role.PLATFORM_ADMIN)

    def user_has_permission(self, user: Any, action: str) -> bool:
        return self._allowed(user, action)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return self._allowed(user, actions)

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self._allowed(user, action)

    def user_has_any_permission_for_instance(self, user: Any, actions: Any, instance: Any) -> bool:
        return self._allowed(user, actions)

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet:
        if self._allowed(user, actions):
            return self.model.objects.all()
        return self.model.objects.none()

    def users_with_any_permission(self, actions: Any) -> QuerySet:
        from lms.accounts.models import User

        if "view" not in ({actions} if isinstance(actions, str) else set(actions)):
            return User.objects.none()
        return User.objects.filter(
            Q(is_superuser=True) | Q(groups__name=Role.PLATFORM_ADMIN.value), is_active=True
        ).distinct()

    def users_with_any_permission_for_instance(self, actions: Any, instance: Any) -> QuerySet:
        return self.users_with_any_permission(actions)


def _other_patches(library: H5PLibrary) -> str:
    return ", ".join(
        version.version for version in library.versions.all() if version.pk != library.current_id
    )


class H5PLibraryRollbackColumn(Column):
    """A link to the rollback page, for libraries with another installed patch."""

    cell_template_name = "courses/admin/h5p_library_rollback_cell.html"

    def get_cell_context_data(self, instance: Any, parent_context: Any) -> dict[str, Any]:
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = (
            reverse("wagtailsnippets_courses_h5plibrary:rollback", args=[instance.pk])
            if len(instance.versions.all()) > 1
            else ""
        )
        return context


class H5PLibraryIndexView(snippet_views.IndexView):
    default_ordering = "machine_name"

    def get_base_queryset(self) -> QuerySet[H5PLibrary]:
        return selectors.h5p_library_list_for_user(self.request.user)


class H5PLibraryHistoryView(snippet_views.HistoryView):
    """Upgrades and rollbacks, for those who may see libraries (nobody edits them)."""

    any_permission_required = ["view"]


class H5PLibraryViewSet(SnippetViewSet):
    """H5P libraries: name, current patch, other installed patches, how many activities
    use each (one query whatever their number), and a rollback to another patch."""

    model = H5PLibrary
    icon = "code"
    menu_label = _("H5P libraries")
    add_to_settings_menu = True
    index_view_class = _platform_admins_only(H5PLibraryIndexView)
    inspect_view_class = _platform_admins_only(snippet_views.InspectView)
    history_view_class = _platform_admins_only(H5PLibraryHistoryView)
    usage_view_class = _platform_admins_only(snippet_views.UsageView)
    add_view_class = _platform_admins_only(snippet_views.CreateView)
    edit_view_class = _platform_admins_only(snippet_views.EditView)
    delete_view_class = _platform_admins_only(snippet_views.DeleteView)
    copy_view_class = _platform_admins_only(snippet_views.CopyView)
    list_display = [
        TitleColumn(
            "machine_name",
            label=_("Machine name"),
            sort_key="machine_name",
            get_url=lambda library: reverse(
                "wagtailsnippets_courses_h5plibrary:inspect", args=[library.pk]
            ),
        ),
        Column("version", label=_("Current version")),
        Column("other_patches", label=_("Other installed patches"), accessor=_other_patches),
        Column("activity_count", label=_("Activities using it")),
        H5PLibraryRollbackColumn("rollback", label=_("Rollback")),
    ]
    search_fields = ["machine_name", "title"]
    inspect_view_enabled = True
    inspect_view_fields = ["machine_name", "title", "runnable", "installed_at", "installed_by"]

    def get_urlpatterns(self) -> list[Any]:
        return [
            *super().get_urlpatterns(),
            path("rollback/<int:pk>/", h5p_library_rollback_view, name="rollback"),
        ]


def h5p_library_rollback_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Make another installed patch of a library current: a confirmation page (GET) and
    the change (POST, with Django's CSRF check), platform admins only (404 for others)."""
    if not has_role(request.user, Role.PLATFORM_ADMIN):
        raise Http404
    library = get_object_or_404(
        selectors.h5p_library_list_for_user(request.user).select_related("current"), pk=pk
    )
    others = [version for version in library.versions.all() if version.pk != library.current_id]
    form = H5PLibraryRollbackForm(request.POST or None, versions=others)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        try:
            h5p_library_rollback(actor=request.user, library=library, version=version)
        except RollbackRefused as refusal:
            form.add_error("version", str(refusal))
        else:
            messages.success(
                request,
                _("%(library)s: every activity using it now plays patch %(version)s.")
                % {"library": library.machine_name, "version": version.version},
            )
            return redirect("wagtailsnippets_courses_h5plibrary:list")
    return TemplateResponse(
        request,
        "courses/admin/h5p_library_rollback.html",
        {"library": library, "form": form, "others": others},
    )


class H5PLibraryRollbackForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=H5PLibraryVersion.objects.none(),
        widget=forms.RadioSelect,
        label=_("Patch to make current"),
        empty_label=None,
    )

    def __init__(self, *args: Any, versions: list[H5PLibraryVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        field.queryset = H5PLibraryVersion.objects.filter(pk__in=[v.pk for v in versions])
        field.label_from_instance = lambda version: (
            _("%(version)s, installed %(date)s")
            % {
                "version": version.version,
                "date": date_format(version.installed_at, "SHORT_DATETIME_FORMAT"),
            }
        )
