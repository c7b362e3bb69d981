"""Wagtail admin: certification programmes, scoped to what the author may edit.

Platform admins and regional training managers (no administration) see and edit every
programme; a training manager of one administration sees, edits and creates only their
administration's programmes, and another administration's programme answers 404 whatever
the URL says.

The form checks the requirement rows before anything is saved: each row names a course or
an assessment (not both) that the author may see (another page, another administration's
draft included, is no choice at all, and its title is never shown), the page is one the
programme's administration may use (its own catalogue or the regional one), and the rules
for the first certification and, when there are recertification rows, for renewal pass
:func:`certificates.requirements.rule_problems`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views.generic import history as history_views
from wagtail.admin.views.generic import models as model_views
from wagtail.admin.views.generic import usage as usage_views
from wagtail.admin.viewsets.model import ModelViewSet

from courses.models.pages import owner_of_position
from courses.selectors import owner_choices
from lms.authoring import scope_choice_field
from lms.translation_status import show_in_confirm_field
from lms.viewsets import OwnerFieldMixin, scoped_object_view

from .models import Programme, ProgrammeRequirement
from .requirements import Kind, Requirement, Rule, rule_problems
from .selectors import programme_list_for_user
from .translation_status import (
    programme_languages_summary,
    programme_statuses,
    programme_translations_record,
)

INITIAL = ProgrammeRequirement.Purpose.INITIAL
RECERT = ProgrammeRequirement.Purpose.RECERT


def _scoped(view_class: type) -> type:
    """An object view that answers 404 for a programme the author may not edit."""
    return scoped_object_view(
        view_class,
        lambda user, obj: programme_list_for_user(user).filter(pk=obj.pk).exists(),
    )


class ProgrammeIndexView(model_views.IndexView):
    def get_base_queryset(self) -> QuerySet[Programme]:
        return (
            programme_list_for_user(self.request.user)
            .select_related("administration")
            .prefetch_related("texts")
        )


class ProgrammeDeleteView(model_views.DeleteView):
    """Certificates keep their programme: one that has issued any cannot be deleted (it
    can be made inactive)."""

    def form_valid(self, form: BaseForm) -> HttpResponse:
        if self.object.certificates.exists():
            messages.error(
                self.request,
                gettext(
                    "This programme has issued certificates, so it cannot be deleted. "
                    "Make it inactive instead."
                ),
            )
            return redirect(self.edit_url_name, self.object.pk)
        return super().form_valid(form)


def _title(programme: Programme) -> str:
    return programme.title_for(translation.get_language())


def _owner(programme: Programme) -> str:
    return str(programme.administration) if programme.administration_id else gettext("Regional")


def _validity(programme: Programme) -> str:
    months = programme.validity_months
    if not months:
        return gettext("Does not expire")
    return ngettext("%(months)s month", "%(months)s months", months) % {"months": months}


class ProgrammeForm(OwnerFieldMixin, WagtailAdminModelForm):
    """A training manager of one administration keeps programmes in it; regional authors
    may choose any administration, or none (a regional programme).

    Under the texts, each language's translation status (current, outdated, missing: see
    :mod:`certificates.translation_status`) and a box per outdated translation to confirm
    it still correct without changing it."""

    confirm_translations = forms.MultipleChoiceField(
        label=_("Translations"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages' status shows once the programme is saved."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self._show_translation_status()
        user = self.for_user
        self.fix_owner_field(user)
        if user is None or user.administration_id is None:
            self.fields["administration"].empty_label = gettext(
                "Regional (open to every administration)"
            )
        requirements = self.formsets.get("requirements")
        if requirements is not None:
            requirements.form = _requirement_form_for(requirements.form, user)
        for form in requirements.forms if requirements is not None else ():
            # ProgrammeRequirement.clean says in words what this database constraint
            # guards (a course or an assessment, not both): one message is enough.
            form.validate_constraints = _constraints_checked_by_clean

    def _show_translation_status(self) -> None:
        field = self.fields["confirm_translations"]
        items = programme_statuses(self.instance)
        show_in_confirm_field(field, items)

    def save(self, commit: bool = True) -> Any:
        """Saves, then records which translations were written (or confirmed) from the
        current source text."""
        texts = self.formsets.get("texts")
        changed = [
            form.cleaned_data["language"]
            for form in (texts.forms if texts is not None else ())
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.has_changed()
            and form.cleaned_data.get("language")
        ]
        programme = super().save(commit=commit)
        if commit:
            programme_translations_record(
                programme=programme,
                changed=changed,
                confirmed=self.cleaned_data.get("confirm_translations") or (),
            )
        return programme

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        formset = self.formsets.get("requirements")
        if formset is None or "administration" not in cleaned:
            return cleaned
        formset.is_valid()  # each row's own checks; their errors show on the row
        owner = cleaned["administration"].pk if cleaned["administration"] else None
        rows: dict[str, list[BaseForm]] = {INITIAL: [], RECERT: []}
        for form in _live_rows(formset):
            self._check_ownership(form, owner)
            purpose = form.cleaned_data.get("purpose") or INITIAL
            rows.setdefault(purpose, []).append(form)
        for purpose, count_field in (
            (INITIAL, "required_count"),
            (RECERT, "recert_required_count"),
        ):
            forms = rows[purpose]
            if purpose == RECERT and not forms:
                if cleaned.get(count_field) is not None:
                    self.add_error(
                        count_field,
                        gettext("Leave this empty: there are no recertification requirements."),
                    )
                continue
            rule = Rule(tuple(_requirement(form) for form in forms), cleaned.get(count_field))
            label = ProgrammeRequirement.Purpose(purpose).label
            for problem in rule_problems(rule):
                if problem.code == "missing_key":
                    continue  # the row itself says it names nothing
                self.add_error(
                    None,
                    gettext("%(purpose)s: %(problem)s")
                    % {
                        "purpose": label,
                        "problem": gettext(problem.template).format(**problem.params),
                    },
                )
        return cleaned

    @staticmethod
    def _check_ownership(form: BaseForm, owner: int | None) -> None:
        """A row may use a regional course or assessment, or one of the programme's own
        administration (an assessment belongs to the catalogue above its course)."""
        data = form.cleaned_data
        items: list[tuple[str, Any, Callable[[Any], int | None]]] = [
            ("course", data.get("course"), lambda page: page.administration_id),
            ("assessment", data.get("assessment"), lambda page: owner_of_position(page.path)),
        ]
        for name, page, owner_of in items:
            if page is None:
                continue
            page_owner = owner_of(page)
            if page_owner is None or page_owner == owner:
                continue
            if owner is None:
                message = gettext(
                    "A regional programme can use only regional courses and assessments."
                )
            elif name == "course":
                message = gettext(
                    "The course “%(title)s” belongs to another administration's catalogue."
                ) % {"title": page.title}
            else:
                message = gettext(
                    "The assessment “%(title)s” belongs to another administration's catalogue."
                ) % {"title": page.title}
            form.add_error(name, message)

    def owner_choices(self, user: Any) -> Any:
        return owner_choices(user)


def _requirement_form_for(form_class: type, user: Any) -> type:
    """The requirement rows' form for ``user``: the course and assessment choosers offer,
    accept and show only the pages the author may see (another administration's page, a
    draft included, answers as a missing one does: Django's "Select a valid choice", with no
    title). A class of this form's own, so that the class every request shares is left
    alone."""
    from assessments.models import AssessmentPage
    from courses.models import CoursePage
    from courses.selectors import page_visibility_q

    visible = page_visibility_q(user) if user is not None else Q(pk__in=[])
    scoped = type(form_class.__name__, (form_class,), {})
    fields = dict(scoped.base_fields)
    for name, model in (("course", CoursePage), ("assessment", AssessmentPage)):
        if name in fields:
            fields[name] = copy.deepcopy(fields[name])
            scope_choice_field(fields[name], model.objects.filter(visible))
    scoped.base_fields = fields
    return scoped


def _constraints_checked_by_clean() -> None:
    return None


def _live_rows(formset: Any) -> list[BaseForm]:
    """The requirement rows that will be kept, in the order the author gave them."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):  # a blank added row, or one marked for deletion
            continue
        order = data.get("ORDER")
        rows.append((index if order is None else order, index, form))
    return [form for _order, _index, form in sorted(rows, key=lambda row: row[:2])]


def _requirement(form: BaseForm) -> Requirement:
    data = form.cleaned_data
    course, assessment = data.get("course"), data.get("assessment")
    if course is not None:
        return Requirement(Kind.COURSE, str(course.translation_key), data.get("min_score"))
    if assessment is not None:
        return Requirement(Kind.ASSESSMENT, str(assessment.translation_key), data.get("min_score"))
    return Requirement(Kind.ASSESSMENT, "", data.get("min_score"))


class ProgrammeViewSet(ModelViewSet):
    model = Programme
    index_view_class = ProgrammeIndexView
    edit_view_class = _scoped(model_views.EditView)
    delete_view_class = _scoped(ProgrammeDeleteView)
    copy_view_class = _scoped(model_views.CopyView)
    history_view_class = _scoped(history_views.HistoryView)
    usage_view_class = _scoped(usage_views.UsageView)
    inspect_view_class = _scoped(model_views.InspectView)
    edit_handler = ObjectList(
        [
            *(
                panel
                for existing in Programme.panels
                for panel in (
                    [existing, FieldPanel("confirm_translations")]
                    if isinstance(existing, InlinePanel) and existing.relation_name == "texts"
                    else [existing]
                )
            )
        ],
        base_form_class=ProgrammeForm,
    )

    icon = "tasks"
    menu_label = _("Certification programmes")
    add_to_admin_menu = True
    menu_order = 270
    list_display = [
        "code",
        Column("title", label=_("Title"), accessor=_title),
        Column("administration", label=_("Administration"), accessor=_owner),
        Column("validity", label=_("Validity"), accessor=_validity),
        Column("languages", label=_("Languages"), accessor=programme_languages_summary),
        BooleanColumn("is_active", label=_("Active")),
    ]
    list_filter = ["track", "is_active"]
    search_fields = ["code"]
