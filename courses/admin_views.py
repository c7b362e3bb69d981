"""Wagtail admin for H5P activities: upload with validation, scoped to the author."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views import chooser as snippet_chooser_views
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.accounts.models import Administration

from . import selectors
from .h5p.policy import PolicyLimits
from .models import H5PActivity, H5PLibrary
from .packages import PackageRefused, h5p_package_import, h5p_package_inspect, refusal_from


class H5PActivityForm(WagtailAdminModelForm):
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
        user = self.for_user
        allowed = selectors.h5p_owner_choices(user) if user else Administration.objects.none()
        self.fields["administration"].queryset = allowed
        if user is not None and user.administration_id is not None:
            self.fields["administration"].required = True
            self.fields["administration"].empty_label = None
        if self.instance.pk:
            del self.fields["package"]
        self._report = None

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
            return h5p_package_import(
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


class H5PActivityPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, and an activity of another administration is out of reach."""

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return selectors.can_see_activity(
            user, instance
        ) and super().user_has_permission_for_instance(user, action, instance)

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet:
        return (
            super()
            .instances_user_has_any_permission_for(user, actions)
            .filter(pk__in=selectors.h5p_activity_list_for_user(user).values("pk"))
        )


class OwnActivitiesOnly:
    """Object views (edit, inspect, delete, copy, usage, history) answer 404 for an
    activity of another administration, whatever the URL says."""

    def get_object(self, *args: Any) -> H5PActivity:
        activity = super().get_object(*args)  # type: ignore[misc]
        if not selectors.can_see_activity(self.request.user, activity):  # type: ignore[attr-defined]
            raise Http404
        return activity


def _scoped(view_class: type) -> type:
    return type(f"Scoped{view_class.__name__}", (OwnActivitiesOnly, view_class), {})


class _ScopedChoices:
    def get_object_list(self) -> QuerySet[H5PActivity]:
        return selectors.h5p_activity_list_for_user(self.request.user)  # type: ignore[attr-defined]


class H5PActivityChooserViewSet(snippet_chooser_views.SnippetChooserViewSet):
    """The chooser authors use in lessons offers regional activities and their own
    administration's, never another administration's."""

    choose_view_class = type(
        "H5PChooseView", (_ScopedChoices, snippet_chooser_views.ChooseView), {}
    )
    choose_results_view_class = type(
        "H5PChooseResultsView", (_ScopedChoices, snippet_chooser_views.ChooseResultsView), {}
    )


class H5PActivityViewSet(SnippetViewSet):
    model = H5PActivity
    chooser_viewset_class = H5PActivityChooserViewSet
    edit_view_class = _scoped(snippet_views.EditView)
    inspect_view_class = _scoped(snippet_views.InspectView)
    delete_view_class = _scoped(snippet_views.DeleteView)
    copy_view_class = _scoped(snippet_views.CopyView)
    usage_view_class = _scoped(snippet_views.UsageView)
    history_view_class = _scoped(snippet_views.HistoryView)
    icon = "form"
    menu_label = _("H5P activities")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["title", "main_library", "administration", "language", "uploaded_at"]
    list_filter = ["administration", "language"]
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


class H5PLibraryViewSet(SnippetViewSet):
    model = H5PLibrary
    icon = "code"
    menu_label = _("H5P libraries")
    add_to_admin_menu = False
    list_display = ["machine_name", "version", "title", "runnable", "installed_at"]
    search_fields = ["machine_name", "title"]
    inspect_view_enabled = True
