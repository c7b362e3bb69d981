"""Wagtail admin for SCORM packages: upload (validated before anything is stored, every
problem shown on the form), listing, inspection with the organization's outline, and
tenancy (an author bound to one administration sees regional packages and their own,
changes only their own)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views import chooser as snippet_chooser_views
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.models import CourseIndexPage, Track
from courses.selectors import owner_choices
from lms.accounts.models import Administration
from lms.viewsets import OwnerFieldMixin, OwnerRowActionsMixin, scoped_object_view

from ..base import PackageRefused
from . import selectors
from .models import ScormPackage
from .services import (
    catalogue_list_for_course_from_package,
    package_notes,
    refusal_from,
    scorm_course_create,
    scorm_package_import,
    scorm_package_inspect,
)


class ScormPackageForm(OwnerFieldMixin, WagtailAdminModelForm):
    """Create: upload a package (validated before anything is stored). Edit: title and
    owner."""

    package = forms.FileField(
        label=_("SCORM package"),
        required=False,
        help_text=_(
            "A .zip file exported as SCORM 1.2 or SCORM 2004, with imsmanifest.xml at its root."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    class Meta:
        model = ScormPackage
        fields = ["title", "administration"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leave empty to use the title inside the package.")
        self.fix_owner_field(self.for_user)
        if self.instance.pk:
            del self.fields["package"]

    def owner_choices(self, user: Any) -> QuerySet[Administration]:
        return owner_choices(user)

    def clean_package(self) -> Any:
        upload = self.cleaned_data.get("package")
        if self.instance.pk:
            return upload
        if upload is None:
            raise forms.ValidationError(_("Choose a SCORM .zip file to upload."))
        limit = settings.LMS_SCORM_MAX_PACKAGE_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The package is too large. The largest package allowed is %(size)s.")
                % {"size": filesizeformat(limit)}
            )
        upload.seek(0)
        report = scorm_package_inspect(source=upload.file)
        if not report.ok:
            raise forms.ValidationError(refusal_from(report).messages)
        return upload

    def save(self, commit: bool = True) -> ScormPackage:
        if self.instance.pk:
            return super().save(commit=commit)
        upload = self.cleaned_data["package"]
        upload.seek(0)
        try:
            return scorm_package_import(
                actor=self.for_user,
                source=upload.file,
                title=self.cleaned_data.get("title", ""),
                administration=self.cleaned_data.get("administration"),
            )
        except PackageRefused as refusal:  # the upload changed since it was checked
            self.add_error("package", refusal.messages)
            raise forms.ValidationError(refusal.messages) from refusal


# Actions that change a package; any other (view, choose) only needs to see it.
CHANGING_ACTIONS = frozenset({"add", "change", "delete", "publish", "lock", "unlock"})


class ScormPackagePermissionPolicy(ModelPermissionPolicy):
    """Model permissions, and tenancy (see :mod:`courses.packages.scorm.selectors`)."""

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
            return selectors.can_edit_package(user, instance)
        return selectors.can_see_package(user, instance)

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet:
        scoped = (
            selectors.scorm_package_editable_list_for_user
            if CHANGING_ACTIONS.intersection(actions)
            else selectors.scorm_package_list_for_user
        )
        return (
            super()
            .instances_user_has_any_permission_for(user, actions)
            .filter(pk__in=scoped(user).values("pk"))
        )


class _ScopedChoices:
    def get_object_list(self) -> QuerySet[ScormPackage]:
        return selectors.scorm_package_list_for_user(self.request.user)  # type: ignore[attr-defined]


class _ScopedChosen:
    """The chooser's "chosen" views name only packages the author may use (another
    administration's answers as a missing one does)."""

    def get_object(self, pk: Any) -> ScormPackage:
        return selectors.scorm_package_list_for_user(self.request.user).get(pk=pk)  # type: ignore[attr-defined]

    def get_objects(self, pks: Any) -> QuerySet[ScormPackage]:
        return selectors.scorm_package_list_for_user(self.request.user).filter(pk__in=pks)  # type: ignore[attr-defined]


class ScormPackageChooserViewSet(snippet_chooser_views.SnippetChooserViewSet):
    """The chooser of the lesson block offers regional packages and the author's
    administration's, never another administration's."""

    choose_view_class = type(
        "ScormChooseView", (_ScopedChoices, snippet_chooser_views.ChooseView), {}
    )
    choose_results_view_class = type(
        "ScormChooseResultsView", (_ScopedChoices, snippet_chooser_views.ChooseResultsView), {}
    )
    chosen_view_class = type(
        "ScormChosenView", (_ScopedChosen, snippet_chooser_views.SnippetChosenView), {}
    )
    chosen_multiple_view_class = type(
        "ScormChosenMultipleView",
        (_ScopedChosen, snippet_chooser_views.SnippetChosenMultipleView),
        {},
    )


class ScormPackageFilterSet(WagtailFilterSet):
    administration = django_filters.ModelChoiceFilter(
        label=_("Owned by"),
        queryset=lambda request: owner_choices(request.user),
    )

    class Meta:
        model = ScormPackage
        fields = ["administration", "version"]


class ScormPackageIndexView(OwnerRowActionsMixin, snippet_views.IndexView):
    """Regional packages are listed to every author (they use them in lessons), with
    edit, copy and delete links only for those the author may change."""

    def get_list_more_buttons(self, instance: ScormPackage) -> list:
        from wagtail.admin.ui.menus import MenuItem

        return [
            *super().get_list_more_buttons(instance),
            MenuItem(
                _("Make a course"),
                url=reverse("scorm_scormpackage_course:create", args=[instance.pk]),
                icon_name="doc-empty-inverse",
                priority=30,
            ),
        ]


class ScormPackageInspectView(snippet_views.InspectView):
    """The package's facts, its organization as an outline, and the import's notes."""

    extra_fields = {"outline": _("Outline"), "notes": _("Notes from the import")}

    def get_field_label(self, field_name: str, field: Any) -> str:
        if field_name in self.extra_fields:
            return str(self.extra_fields[field_name])
        return super().get_field_label(field_name, field)

    def get_outline_display_value(self) -> str:
        package = self.object
        organization = package.default_organization() or {}
        return render_to_string(
            "scorm/admin/outline.html",
            {"organization": organization, "items": package.outline(), "package": package},
        )

    def get_notes_display_value(self) -> str:
        return render_to_string("scorm/admin/notes.html", {"notes": package_notes(self.object)})

    def get_size_bytes_display_value(self) -> str:
        return filesizeformat(self.object.size_bytes)

    def get_unpacked_bytes_display_value(self) -> str:
        return filesizeformat(self.object.unpacked_bytes)

    def get_version_display_value(self) -> str:
        return self.object.version_label

    @cached_property
    def header_more_buttons(self) -> list:
        return [
            *super().header_more_buttons,
            Button(
                _("Make a course from this package"),
                url=reverse("scorm_scormpackage_course:create", args=[self.object.pk]),
                icon_name="doc-empty-inverse",
                priority=30,
            ),
        ]


def _scoped(view_class: type, allowed: Any = selectors.can_edit_package) -> type:
    """An object view answering 404 for a package the author may not change (or, with
    ``allowed=can_see_package``, see), whatever the URL says."""
    return scoped_object_view(view_class, allowed)


class ScormPackageViewSet(SnippetViewSet):
    model = ScormPackage
    index_view_class = ScormPackageIndexView
    chooser_viewset_class = ScormPackageChooserViewSet
    edit_view_class = _scoped(snippet_views.EditView)
    inspect_view_class = _scoped(ScormPackageInspectView, selectors.can_see_package)
    delete_view_class = _scoped(snippet_views.DeleteView)
    copy_view_enabled = False  # a copy would need the files stored again: upload anew
    usage_view_class = _scoped(snippet_views.UsageView)
    history_view_class = _scoped(snippet_views.HistoryView)
    icon = "folder-open-inverse"
    menu_label = _("SCORM packages")
    menu_order = 260
    add_to_admin_menu = True
    list_display = [
        "title",
        "version_label",
        "items_summary",
        "administration",
        "size_label",
        "uploaded_at",
    ]
    filterset_class = ScormPackageFilterSet
    search_fields = ["title"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "title",
        "version",
        "identifier",
        "launchable_count",
        "sco_count",
        "outline",
        "administration",
        "size_bytes",
        "unpacked_bytes",
        "file_count",
        "uploaded_by",
        "uploaded_at",
        "uuid",
        "notes",
    ]
    panels = [FieldPanel("package"), FieldPanel("title"), FieldPanel("administration")]

    def get_form_class(self, for_update: bool = False) -> type[ScormPackageForm]:
        return ScormPackageForm

    def get_queryset(self, request: Any) -> QuerySet[ScormPackage]:
        return (
            selectors.scorm_package_list_for_user(request.user)
            .select_related("administration")
            .defer("manifest")
        )


# --- make a course from a package (issue 12, point 7) -----------------------------------------


class CatalogueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.locale.language_code})"


class ScormCourseForm(forms.Form):
    """The catalogue the new course goes into (only those the author may add to) and its
    track."""

    catalogue = CatalogueChoiceField(
        label=_("Catalogue"),
        queryset=CourseIndexPage.objects.none(),
        empty_label=None,
        help_text=_("The course is created as a draft in this catalogue and owned like it."),
    )
    track = forms.ChoiceField(label=_("Track"), choices=Track.choices, initial=Track.ILLICIT_TRADE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = [page.pk for page in catalogue_list_for_course_from_package(user)]
        self.fields["catalogue"].queryset = (
            CourseIndexPage.objects.filter(pk__in=allowed).select_related("locale").order_by("path")
        )


def scorm_course_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a draft course whose outline is the package, then edit it."""
    package = selectors.access_scorm_package(request.user, pk)
    form = ScormCourseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            course = scorm_course_create(
                actor=request.user,
                package=package,
                catalogue=form.cleaned_data["catalogue"],
                track=form.cleaned_data["track"],
            )
        except PermissionDenied as refusal:
            form.add_error("catalogue", str(refusal) or gettext("Not allowed."))
        else:
            messages.success(
                request,
                gettext("Course “%(title)s” created as a draft from the SCORM package.")
                % {"title": course.title},
            )
            return redirect("wagtailadmin_pages:edit", course.pk)
    return TemplateResponse(
        request,
        "scorm/admin/course_create.html",
        {"package": package, "form": form},
    )
