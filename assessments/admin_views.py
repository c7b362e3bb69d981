"""Wagtail admin: question banks (scoped to the author) and item analysis."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import history as history_views
from wagtail.admin.views.generic import models as model_views
from wagtail.admin.views.generic import usage as usage_views
from wagtail.admin.viewsets.model import ModelViewSet

from courses.selectors import h5p_owner_choices
from lms.accounts.selectors import administration_list_for_user

from . import selectors
from .content import merged
from .grading import validate_question
from .models import AssessmentPage, Question, QuestionBank
from .portability import ImportRefused, questions_export, questions_import
from .services import question_version_save


def _scoped(view_class: type, bank_of: Any) -> type:
    """An object view that answers 404 for a bank (or a question of a bank) the author
    may not see, whatever the URL says."""

    def get_object(self: Any, *args: Any) -> Any:
        obj = super(scoped, self).get_object(*args)
        if not selectors.bank_list_for_user(self.request.user).filter(pk=bank_of(obj)).exists():
            raise Http404
        return obj

    scoped = type(f"Scoped{view_class.__name__}", (view_class,), {"get_object": get_object})
    return scoped


class BankIndexView(model_views.IndexView):
    def get_base_queryset(self) -> QuerySet[QuestionBank]:
        return selectors.bank_list_for_user(self.request.user).select_related("administration")


class QuestionIndexView(model_views.IndexView):
    def get_base_queryset(self) -> QuerySet[Question]:
        return Question.objects.filter(
            bank__in=selectors.bank_list_for_user(self.request.user)
        ).select_related("bank", "current_version")


def _scoped_object_views(bank_of: Any) -> type:
    """A viewset base whose object views (edit, delete, copy, history, usage, inspect)
    answer 404 outside the author's banks."""
    return type(
        "ScopedObjectViews",
        (),
        {
            "edit_view_class": _scoped(model_views.EditView, bank_of),
            "delete_view_class": _scoped(model_views.DeleteView, bank_of),
            "copy_view_class": _scoped(model_views.CopyView, bank_of),
            "history_view_class": _scoped(history_views.HistoryView, bank_of),
            "usage_view_class": _scoped(usage_views.UsageView, bank_of),
            "inspect_view_class": _scoped(model_views.InspectView, bank_of),
        },
    )


class QuestionBankForm(WagtailAdminModelForm):
    """An author of one administration keeps banks in that administration; regional
    authors may choose any, or none (a regional bank)."""

    class Meta:
        model = QuestionBank
        fields = ["title", "description", "administration"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.for_user
        field = self.fields["administration"]
        field.queryset = h5p_owner_choices(user) if user else field.queryset.none()
        if user is not None and user.administration_id is not None:
            field.required = True
            field.empty_label = None


class QuestionBankViewSet(_scoped_object_views(lambda bank: bank.pk), ModelViewSet):
    model = QuestionBank
    index_view_class = BankIndexView

    def get_form_class(self, for_update: bool = False) -> type[QuestionBankForm]:
        return QuestionBankForm

    icon = "list-ul"
    menu_label = _("Question banks")
    add_to_admin_menu = True
    menu_order = 260
    list_display = ["title", "administration", "created_at"]
    search_fields = ["title"]
    form_fields = ["title", "description", "administration"]


def item_analysis_view(request: HttpRequest, page_id: int) -> HttpResponse:
    page = get_object_or_404(AssessmentPage, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    administrations = administration_list_for_user(request.user)
    chosen = request.GET.get("administration")
    administration_id = None
    if chosen and request.user.administration_id is None:
        administration_id = administrations.filter(pk=chosen).values_list("pk", flat=True).first()
    report = selectors.item_analysis(request.user, page, administration_id=administration_id)
    return TemplateResponse(
        request,
        "assessments/admin/item_analysis.html",
        {
            "page": page,
            "report": report,
            "administrations": administrations if request.user.administration_id is None else [],
            "chosen": administration_id,
        },
    )


# --- questions ----------------------------------------------------------------------------


class QuestionForm(WagtailAdminModelForm):
    """Edit a question: its bank, identifier and tags, and its current content as JSON
    (answer key and structure; texts per language). Saving a version already drawn in an
    attempt makes a new version, so attempts keep what they drew."""

    qtype = forms.ChoiceField(label=_("Type"), choices=Question.Type.choices)
    points = forms.DecimalField(
        label=_("Points"), min_value=0.01, max_digits=6, decimal_places=2, initial=1
    )
    data = forms.JSONField(
        label=_("Answer key and structure (JSON)"),
        help_text=_("Ids, correct answers, tolerance, regions... See QUESTION_FORMAT.md."),
        widget=forms.Textarea(attrs={"rows": 10, "class": "monospace"}),
    )
    texts = forms.JSONField(
        label=_("Texts per language (JSON)"),
        help_text=_(
            'For example {"en": {"title": ..., "stem": ..., "options": {"a": {"text": ...}}}}.'
        ),
        widget=forms.Textarea(attrs={"rows": 14, "class": "monospace"}),
    )

    class Meta:
        model = Question
        fields = ["bank", "uid", "tags"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.for_user is not None:
            self.fields["bank"].queryset = selectors.bank_list_for_user(self.for_user)
        version = self.instance.current_version if self.instance.pk else None
        if version is not None:
            self.fields["qtype"].initial = version.type
            self.fields["points"].initial = version.points
            self.fields["data"].initial = version.data
            self.fields["texts"].initial = version.texts

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        qtype, data, texts = cleaned.get("qtype"), cleaned.get("data"), cleaned.get("texts")
        if qtype and isinstance(data, dict) and isinstance(texts, dict):
            if not texts:
                self.add_error("texts", _("Give the texts in at least one language."))
            for language, language_texts in texts.items():
                if not isinstance(language_texts, dict):
                    self.add_error("texts", _("The texts of each language must be an object."))
                    continue
                for problem in validate_question(qtype, merged(data, language_texts)):
                    self.add_error("data", f"{language}: {problem.translated(gettext)}")
        elif data is not None and not isinstance(data, dict):
            self.add_error("data", _("The answer key must be a JSON object."))
        return cleaned

    def save(self, commit: bool = True) -> Question:
        question = super().save(commit=True)
        question_version_save(
            actor=self.for_user,
            question=question,
            qtype=self.cleaned_data["qtype"],
            data=self.cleaned_data["data"],
            texts=self.cleaned_data["texts"],
            points=self.cleaned_data["points"],
        )
        return question


class QuestionViewSet(_scoped_object_views(lambda question: question.bank_id), ModelViewSet):
    model = Question
    index_view_class = QuestionIndexView
    icon = "help"
    menu_label = _("Questions")
    add_to_admin_menu = True
    menu_order = 261
    list_display = ["uid", "bank", "current_version"]
    list_filter = ["bank"]
    search_fields = ["uid"]
    form_fields = ["bank", "uid", "tags"]

    def get_form_class(self, for_update: bool = False) -> type[QuestionForm]:
        return QuestionForm


class QuestionImportForm(forms.Form):
    file = forms.FileField(label=_("File (GIFT or JSON)"))
    format = forms.ChoiceField(
        label=_("Format"), choices=[("gift", "GIFT (Moodle)"), ("json", "JSON")]
    )
    language = forms.ChoiceField(label=_("Language of the texts"), choices=settings.LANGUAGES)
    skip_bad = forms.BooleanField(
        label=_("Import the good questions and skip the rejected ones"), required=False
    )


def _bank_for(request: HttpRequest, bank_id: int) -> QuestionBank:
    bank = selectors.bank_list_for_user(request.user).filter(pk=bank_id).first()
    if bank is None:
        raise Http404
    return bank


def bank_import_view(request: HttpRequest, bank_id: int) -> HttpResponse:
    bank = _bank_for(request, bank_id)
    report = None
    if request.method == "POST":
        form = QuestionImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_IMPORT_BYTES:
                form.add_error("file", _("The file is too large (5 MB at most)."))
            else:
                try:
                    text = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    form.add_error("file", _("The file must be UTF-8 text."))
                else:
                    try:
                        report = questions_import(
                            actor=request.user,
                            bank=bank,
                            text=text,
                            fmt=form.cleaned_data["format"],
                            language=form.cleaned_data["language"],
                            skip_bad=form.cleaned_data["skip_bad"],
                        )
                    except ImportRefused as refusal:
                        report = refusal.report
                        form.add_error(
                            None,
                            _(
                                "Nothing was imported: fix the questions listed below, "
                                "or tick the box to skip them."
                            ),
                        )
                    else:
                        messages.success(
                            request,
                            _("Imported %(new)s questions, updated %(updated)s.")
                            % {"new": report.imported, "updated": report.updated},
                        )
    else:
        form = QuestionImportForm()
    return TemplateResponse(
        request,
        "assessments/admin/bank_import.html",
        {"bank": bank, "form": form, "report": report},
    )


def bank_export_view(request: HttpRequest, bank_id: int) -> HttpResponse:
    bank = _bank_for(request, bank_id)
    fmt = "gift" if request.GET.get("format") == "gift" else "json"
    text, skipped = questions_export(bank=bank, fmt=fmt, language=request.GET.get("language", "en"))
    response = HttpResponse(
        text, content_type="application/json" if fmt == "json" else "text/plain"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="bank-{bank.pk}.{"json" if fmt == "json" else "gift.txt"}"'
    )
    if skipped:
        response["X-Not-Exported"] = str(len(skipped))
    return response


MAX_IMPORT_BYTES = 5 * 1024 * 1024
