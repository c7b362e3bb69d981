"""Wagtail admin: question banks (scoped to the author) and item analysis."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.html import json_script
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import history as history_views
from wagtail.admin.views.generic import models as model_views
from wagtail.admin.views.generic import usage as usage_views
from wagtail.admin.viewsets.model import ModelViewSet

from courses.selectors import owner_choices
from lms.accounts.models import Administration
from lms.accounts.selectors import administration_list_for_user
from lms.translation_status import show_in_confirm_field
from lms.viewsets import OwnerFieldMixin, OwnerRowActionsMixin, scoped_object_view

from . import selectors
from . import types as question_types
from .content import merged
from .grading import SCORING_RULES, validate_question, validate_stem
from .imports import question_import_progress, question_import_queue, question_imports_visible_to
from .models import AssessmentPage, Question, QuestionBank
from .models.banks import type_choices
from .portability import ImportRefused, detect_format, questions_export, questions_import
from .services import bank_owner_record, question_version_save
from .translation_po import (
    TranslationImportRefused,
    bank_translation_import,
    bank_translation_po,
)
from .translation_status import question_languages_summary, question_statuses


def _editable(view_class: type, bank_of: Any) -> type:
    """An object view that answers 404 for a bank (or a question of a bank) the author may
    not change, whatever the URL says: another administration's bank, and for an author
    bound to one administration a regional bank (read-only to them)."""
    return scoped_object_view(
        view_class,
        lambda user, obj: (
            selectors.bank_editable_list_for_user(user).filter(pk=bank_of(obj)).exists()
        ),
    )


class BankIndexView(OwnerRowActionsMixin, model_views.IndexView):
    def owner_of(self, instance: QuestionBank) -> int | None:
        return instance.administration_id

    def get_base_queryset(self) -> QuerySet[QuestionBank]:
        return selectors.bank_list_for_user(self.request.user).select_related("administration")


class QuestionIndexView(OwnerRowActionsMixin, model_views.IndexView):
    def owner_of(self, instance: Question) -> int | None:
        return instance.bank.administration_id

    def get_base_queryset(self) -> QuerySet[Question]:
        return selectors.question_list_for_user(self.request.user).select_related(
            "bank", "current_version"
        )


def _scoped_object_views(bank_of: Any) -> type:
    """A viewset base whose object views (edit, delete, copy, history, usage, inspect)
    answer 404 outside the banks the author may change. Usage is among them: a regional
    bank is used by the assessments of every administration."""
    return type(
        "ScopedObjectViews",
        (),
        {
            "edit_view_class": _editable(model_views.EditView, bank_of),
            "delete_view_class": _editable(model_views.DeleteView, bank_of),
            "copy_view_class": _editable(model_views.CopyView, bank_of),
            "history_view_class": _editable(history_views.HistoryView, bank_of),
            "usage_view_class": _editable(usage_views.UsageView, bank_of),
            "inspect_view_class": _editable(model_views.InspectView, bank_of),
        },
    )


class BankFilterSet(WagtailFilterSet):
    """The Questions listing's bank filter offers the banks the author may see."""

    bank = django_filters.ModelChoiceFilter(
        label=_("Question bank"),
        queryset=lambda request: selectors.bank_list_for_user(request.user),
    )

    class Meta:
        model = Question
        fields = ["bank"]


class QuestionBankForm(OwnerFieldMixin, WagtailAdminModelForm):
    """An author of one administration keeps banks in that administration; regional
    authors may choose any, or none (a regional bank)."""

    class Meta:
        model = QuestionBank
        fields = ["title", "description", "administration"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fix_owner_field(self.for_user)

    def owner_choices(self, user: Any) -> QuerySet[Administration]:
        return owner_choices(user)


class BankEditView(_editable(model_views.EditView, lambda bank: bank.pk)):
    """Saving a bank records a change of owner in the audit trail, in the same
    transaction (assessments.services.bank_owner_record)."""

    def save_instance(self) -> QuestionBank:
        with transaction.atomic():
            previous = (
                QuestionBank.objects.select_for_update()
                .filter(pk=self.object.pk)
                .values_list("administration_id", flat=True)
                .first()
            )
            instance = super().save_instance()
            bank_owner_record(
                actor=self.request.user, bank=instance, previous_administration_id=previous
            )
        return instance


class QuestionBankViewSet(_scoped_object_views(lambda bank: bank.pk), ModelViewSet):
    model = QuestionBank
    index_view_class = BankIndexView
    edit_view_class = BankEditView

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
    attempt makes a new version, so attempts keep what they drew.

    In the browser, ``static/js/question_editor.js`` hides the two JSON textareas and shows
    a structured editor per type (options, languages, hotspot regions drawn on the image)
    that writes the JSON back into them; the JSON stays what is submitted and validated.
    Its strings come from :attr:`editor_strings`, translated on the server."""

    class EditorTextarea(forms.Textarea):
        """A JSON textarea that the structured editor hides and keeps up to date. With
        ``island=True`` it is followed by the editor's settings and translated strings,
        as a ``<script type="application/json">`` data island."""

        @property
        def media(self) -> forms.Media:
            # Each type's own editor script registers before the editor starts.
            scripts = [qtype.editor_script for qtype in question_types.TYPES if qtype.editor_script]
            return forms.Media(
                js=[*scripts, "js/question_editor.js"], css={"all": ["css/question_editor.css"]}
            )

        def __init__(self, role: str, *, island: bool = False, rows: int = 10) -> None:
            attrs = {"rows": rows, "class": "monospace", "data-question-editor": role}
            super().__init__(attrs=attrs)
            self.island = island

        def render(
            self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
        ) -> str:
            html = super().render(name, value, attrs, renderer)
            if self.island:
                html += json_script(QuestionForm.editor_config(), "question-editor-config")
            return html

    editor_strings = {
        "editorHeading": _("Question content"),
        "severalAnswers": _("Several answers or units"),
        "jsonOnly": _(
            "Questions of this type are written in JSON below: the answer key and structure, "
            "then the texts per language. The fields are listed in QUESTION_FORMAT.md; "
            "a question that does not fit is refused with its problems when you save."
        ),
        "showJson": _("Show JSON"),
        "hideJson": _("Hide JSON"),
        "unreadable": _(
            "The JSON below cannot be read, so the question editor is off. Fix the JSON "
            "and the editor comes back."
        ),
        "problemsIntro": _("The question was not saved. Fix these problems:"),
        "languages": _("Languages of the texts"),
        "addLanguage": _("Add a language"),
        "add": _("Add"),
        "removeLanguage": _("Remove %(language)s"),
        "confirmRemoveLanguage": _("Remove all the texts in %(language)s?"),
        "title": _("Title"),
        "stem": _("Question"),
        "stemHelp": _(
            "Separate paragraphs with a blank line. HTML with p, strong, em, ul, ol and li "
            "is also accepted."
        ),
        "feedback": _("Feedback on the whole question"),
        "feedbackCorrect": _("When the answer is right"),
        "feedbackIncorrect": _("When the answer is wrong"),
        "feedbackPartial": _("When the answer is partly right"),
        "options": _("Options"),
        "optionsHelpSingle": _("Mark the one correct option."),
        "optionsHelpMultiple": _("Tick every correct option."),
        "optionN": _("Option %(n)s"),
        "text": _("Text"),
        "optionFeedback": _("Feedback for this option"),
        "correct": _("Correct"),
        "addOption": _("Add an option"),
        "moveUp": _("Move up"),
        "moveDown": _("Move down"),
        "remove": _("Remove"),
        "scoring": _("Scoring"),
        "scoring_all_or_nothing": _("All or nothing"),
        "scoring_right_minus_wrong": _("Right minus wrong (partial credit)"),
        "scoring_per_option": _(
            "Per option (partial credit; a blind guess earns about half, so use it for practice)"
        ),
        "scoring_adjacent_pairs": _("Adjacent pairs (partial credit)"),
        "scoring_per_premise": _("Per premise (partial credit)"),
        "correctAnswer": _("Correct answer"),
        "trueLabel": _("True"),
        "falseLabel": _("False"),
        "feedbackTrue": _("Feedback when the officer answers True"),
        "feedbackFalse": _("Feedback when the officer answers False"),
        "numericAnswer": _("Correct answer (number)"),
        "tolerance": _("Tolerance (±)"),
        "toleranceHelp": _(
            "Answers within the tolerance of the correct answer are right; 0 asks for the "
            "exact number."
        ),
        "unit": _("Unit (optional)"),
        "items": _("Items, in the correct order"),
        "itemsHelp": _("Officers see the items shuffled and put them back in this order."),
        "itemN": _("Item %(n)s"),
        "addItem": _("Add an item"),
        "premises": _("Premises"),
        "premiseN": _("Premise %(n)s"),
        "addPremise": _("Add a premise"),
        "correctResponse": _("Correct response"),
        "chooseResponse": _("Choose a response"),
        "responses": _("Responses"),
        "responsesHelp": _(
            "A response may be the right one for several premises; responses matched with "
            "no premise are distractors."
        ),
        "responseN": _("Response %(n)s"),
        "addResponse": _("Add a response"),
        "image": _("Image"),
        "imageName": _("Image"),
        "noImage": _("No image"),
        "imageWidth": _("Image width (pixels)"),
        "imageHeight": _("Image height (pixels)"),
        "imageAlt": _("Text alternative of the image"),
        "chooseImage": _("Choose an image (or give its width and height) to draw the regions."),
        "regions": _("Regions"),
        "drawingTools": _("Drawing tools"),
        "modeSelect": _("Select"),
        "modeRect": _("Draw a rectangle"),
        "modePolygon": _("Draw a polygon"),
        "closePolygon": _("Close polygon"),
        "cancelPolygon": _("Cancel polygon"),
        "deleteSelected": _("Delete the selected region"),
        "deleteRegion": _("Delete this region"),
        "drawHelp": _(
            "Rectangle: press and drag on the image. Polygon: click each corner, then "
            "double-click or press “Close polygon”. Select: click a region, then press "
            "Delete to remove it. Coordinates are in image pixels."
        ),
        "canvasLabel": _("Image with the regions"),
        "polygonProgress": _("Polygon: %(n)s points placed."),
        "polygonTooShort": _("A polygon needs at least 3 points."),
        "noRegions": _("No regions yet: draw one on the image or add a rectangle below."),
        "rectangleN": _("Rectangle %(id)s"),
        "polygonN": _("Polygon %(id)s"),
        "regionLabel": _("Label"),
        "x": _("Left (x)"),
        "y": _("Top (y)"),
        "width": _("Width"),
        "height": _("Height"),
        "points": _("Points (x,y separated by spaces)"),
        "addRectangleLegend": _("Add a rectangle by its coordinates (image pixels)"),
        "addRectangle": _("Add the rectangle"),
        "badRectangle": _("Give four numbers: x, y, and a width and a height greater than 0."),
        "hotspotScoring": _("Clicks and scoring"),
        "targets": _("Regions to find"),
        "targetsAny": _("Any one of them"),
        "targetsAll": _("All of them (partial credit)"),
        "maxClicks": _("Clicks allowed"),
        "penalty": _("Penalty per wrong click"),
        "penaltyHelp": _(
            "The penalty is a fraction of the question's points, from 0 to 1 (for example 0.25)."
        ),
    }

    @classmethod
    def editor_config(cls) -> dict[str, Any]:
        """What the structured editor needs, in the active language."""
        from .demo import images

        active = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        codes = [code for code, _name in settings.LANGUAGES]
        return {
            "strings": cls.editor_strings,
            "languages": [{"code": code, "name": name} for code, name in settings.LANGUAGES],
            "defaultLanguage": active if active in codes else settings.LANGUAGE_CODE,
            "primaryLanguage": settings.LANGUAGE_CODE,
            "scoring": SCORING_RULES,
            # Each type's editor strings (its script draws its part of the question).
            "typeStrings": {
                qtype.name: {key: gettext(text) for key, text in qtype.editor_strings.items()}
                for qtype in question_types.TYPES
                if qtype.editor_strings
            },
            "typeConfig": {
                qtype.name: qtype.editor_config()
                for qtype in question_types.TYPES
                if qtype.editor_config()
            },
            # Types that are never scored (a description): their points are 0.
            "unscored": [qtype.name for qtype in question_types.TYPES if not qtype.scored],
            # Types start from their skeleton (types the editor does not draw: as JSON).
            "skeletons": {
                qtype.name: {"data": data, "texts": texts}
                for qtype in question_types.TYPES
                for data, texts in [qtype.skeleton()]
            },
            # Hotspot images the platform generates, served where officers get them.
            "imageUrl": reverse("assessments:image", args=["__name__"]),
            "images": [
                {"name": name, "width": images.size(name)[0], "height": images.size(name)[1]}
                for name in images.NAMES
            ],
        }

    qtype = forms.ChoiceField(
        label=_("Type"),
        choices=type_choices,
        widget=forms.Select(attrs={"data-question-editor": "type"}),
    )
    # 0 only for a type that is never scored (a description): see clean().
    points = forms.DecimalField(
        label=_("Points"), min_value=0, max_digits=6, decimal_places=2, initial=1
    )
    data = forms.JSONField(
        # A description's data is {}: an empty key is valid, each type says what it needs.
        required=False,
        label=_("Answer key and structure (JSON)"),
        help_text=_("Ids, correct answers, tolerance, regions... See QUESTION_FORMAT.md."),
        widget=EditorTextarea("data", rows=10),
    )
    texts = forms.JSONField(
        label=_("Texts per language (JSON)"),
        help_text=_(
            'For example {"en": {"title": ..., "stem": ..., "options": {"a": {"text": ...}}}}.'
        ),
        widget=EditorTextarea("texts", island=True, rows=14),
    )
    confirm_translations = forms.MultipleChoiceField(
        label=_("Translations"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Question
        fields = ["bank", "uid", "tags"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A question goes only into a bank the author may change (never a regional bank
        # for an author bound to one administration).
        if self.for_user is not None:
            self.fields["bank"].queryset = selectors.bank_editable_list_for_user(self.for_user)
        else:
            self.fields["bank"].queryset = QuestionBank.objects.none()
        version = self.instance.current_version if self.instance.pk else None
        if version is not None:
            self.fields["qtype"].initial = version.type
            self.fields["points"].initial = version.points
            self.fields["data"].initial = version.data
            self.fields["texts"].initial = version.texts
        self._show_translation_status(version)

    def _show_translation_status(self, version: Any) -> None:
        """Each language's status, in words, and a box per outdated translation to confirm
        it still correct without changing it (assessments.translation_status)."""
        field = self.fields["confirm_translations"]
        if version is None:
            field.help_text = _("The languages' status shows once the question is saved.")
            return
        items = question_statuses(self.instance)
        show_in_confirm_field(field, items)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("data") is None and "data" not in self.errors:
            cleaned["data"] = {}
        qtype, data, texts = cleaned.get("qtype"), cleaned.get("data"), cleaned.get("texts")
        points = cleaned.get("points")
        if qtype in question_types.REGISTRY and points is not None:
            if not question_types.get(qtype).scored and points != 0:
                self.add_error("points", _("This type is not scored: its points must be 0."))
            elif question_types.get(qtype).scored and points < Decimal("0.01"):
                self.add_error("points", _("Give at least 0.01 points."))
        if qtype and isinstance(data, dict) and isinstance(texts, dict):
            if not texts:
                self.add_error("texts", _("Give the texts in at least one language."))
            for language, language_texts in texts.items():
                if not isinstance(language_texts, dict):
                    self.add_error("texts", _("The texts of each language must be an object."))
                    continue
                for problem in validate_question(qtype, merged(data, language_texts)):
                    self.add_error("data", f"{language}: {problem.translated(gettext)}")
                # The stem of each language against the key (a cloze marks its gaps).
                for problem in validate_stem(qtype, data, language_texts.get("stem", "")):
                    self.add_error("texts", f"{language}: {problem.translated(gettext)}")
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
            confirmed=self.cleaned_data.get("confirm_translations") or (),
        )
        return question


class QuestionViewSet(_scoped_object_views(lambda question: question.bank_id), ModelViewSet):
    model = Question
    index_view_class = QuestionIndexView
    icon = "help"
    menu_label = _("Questions")
    add_to_admin_menu = True
    menu_order = 261
    list_display = [
        "uid",
        "bank",
        "current_version",
        Column("languages", label=_("Languages"), accessor=question_languages_summary),
    ]
    filterset_class = BankFilterSet
    search_fields = ["uid"]
    form_fields = ["bank", "uid", "tags"]

    def get_form_class(self, for_update: bool = False) -> type[QuestionForm]:
        return QuestionForm


class QuestionImportForm(forms.Form):
    file = forms.FileField(label=_("File (Moodle XML, QTI, GIFT, Aiken or JSON)"))
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("auto", _("Detect from the file")),
            ("moodlexml", "Moodle XML"),
            ("qti", _("QTI 3.0 or 2.x (item or content package)")),
            ("gift", "GIFT (Moodle)"),
            ("aiken", "Aiken (Moodle)"),
            ("json", "JSON"),
        ],
        initial="auto",
    )
    language = forms.ChoiceField(label=_("Language of the texts"), choices=settings.LANGUAGES)
    skip_bad = forms.BooleanField(
        label=_("Import the good questions and skip the rejected ones"), required=False
    )


def _bank_for(request: HttpRequest, bank_id: int, *, editable: bool) -> QuestionBank:
    """The bank, if the author may see it (export) or change it (import); else 404."""
    banks = (
        selectors.bank_editable_list_for_user(request.user)
        if editable
        else selectors.bank_list_for_user(request.user)
    )
    bank = banks.filter(pk=bank_id).first()
    if bank is None:
        raise Http404
    return bank


def bank_import_view(request: HttpRequest, bank_id: int) -> HttpResponse:
    bank = _bank_for(request, bank_id, editable=True)
    report = None
    if request.method == "POST":
        form = QuestionImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            limit = settings.LMS_QUESTION_IMPORT_MAX_BYTES
            if upload.size > limit:
                form.add_error(
                    "file",
                    _("The file is too large (%(limit)s at most).")
                    % {"limit": filesizeformat(limit)},
                )
            else:
                data = upload.read()
                fmt = form.cleaned_data["format"]
                if fmt == "auto":
                    fmt = detect_format(data, upload.name or "")
                try:
                    # QTI reads bytes (a content package is a ZIP file); the others text.
                    text: str | bytes = data if fmt == "qti" else data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    form.add_error("file", _("The file must be UTF-8 text."))
                else:
                    if len(data) > settings.LMS_QUESTION_IMPORT_INLINE_BYTES:
                        # A large file is imported by the task worker; the author
                        # watches its progress on the import's own page.
                        job = question_import_queue(
                            actor=request.user,
                            bank=bank,
                            filename=upload.name or "questions",
                            data=data,
                            fmt=fmt,
                            language=form.cleaned_data["language"],
                            skip_bad=form.cleaned_data["skip_bad"],
                        )
                        return HttpResponseRedirect(
                            reverse("assessments_question_import", args=[job.pk])
                        )
                    try:
                        report = questions_import(
                            actor=request.user,
                            bank=bank,
                            text=text,
                            fmt=fmt,
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
        {"bank": bank, "form": form, "report": report, "languages": settings.LANGUAGES},
    )


def question_import_view(request: HttpRequest, import_id: int) -> HttpResponse:
    """A background import's progress and outcome, for whoever may change its bank."""
    job = (
        question_imports_visible_to(request.user)
        .select_related("bank")
        .filter(pk=import_id)
        .first()
    )
    if job is None:
        raise Http404
    done, total = question_import_progress(job)
    return TemplateResponse(
        request,
        "assessments/admin/question_import.html",
        {
            "job": job,
            "done": done,
            "total": total,
            "percent": int(100 * done / total) if total else 0,
        },
    )


def bank_export_view(request: HttpRequest, bank_id: int) -> HttpResponse:
    bank = _bank_for(request, bank_id, editable=False)
    fmt = request.GET.get("format")
    fmt = fmt if fmt in ("gift", "moodlexml", "qti") else "json"
    text, skipped = questions_export(bank=bank, fmt=fmt, language=request.GET.get("language", "en"))
    content_type, suffix = {
        "json": ("application/json", "json"),
        "gift": ("text/plain", "gift.txt"),
        "moodlexml": ("application/xml", "moodle.xml"),
        "qti": ("application/zip", "qti.zip"),
    }[fmt]
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="bank-{bank.pk}.{suffix}"'
    if skipped:
        response["X-Not-Exported"] = str(len(skipped))
    return response


# --- translations for outside translators (assessments.translation_po) ------------------


def _language(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise Http404
    return language


class TranslationImportForm(forms.Form):
    file = forms.FileField(label=_("Translated PO file"))


def bank_translation_export_view(request: HttpRequest, bank_id: int, language: str) -> HttpResponse:
    """The bank's texts to translate into ``language``, as a PO file (readers of the bank)."""
    bank = _bank_for(request, bank_id, editable=False)
    language = _language(language)
    response = HttpResponse(
        bank_translation_po(bank=bank, language=language),
        content_type="text/x-gettext-translation; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="bank-{bank.pk}-{language}.po"'
    return response


def bank_translation_import_view(request: HttpRequest, bank_id: int, language: str) -> HttpResponse:
    """Bring a translated PO file back (those who may change the bank)."""
    bank = _bank_for(request, bank_id, editable=True)
    language = _language(language)
    problems: list[str] = []
    report = None
    if request.method == "POST":
        form = TranslationImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            limit = settings.LMS_QUESTION_IMPORT_MAX_BYTES
            if upload.size > limit:
                form.add_error(
                    "file",
                    _("The file is too large (%(limit)s at most).")
                    % {"limit": filesizeformat(limit)},
                )
            else:
                try:
                    text = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    form.add_error("file", _("The file must be UTF-8 text."))
                else:
                    try:
                        report = bank_translation_import(
                            actor=request.user, bank=bank, language=language, text=text
                        )
                    except TranslationImportRefused as refusal:
                        problems = refusal.problems
                    else:
                        messages.success(
                            request,
                            _(
                                "Translations imported: %(translated)s questions changed, "
                                "%(confirmed)s confirmed, %(left)s left as they were."
                            )
                            % {
                                "translated": len(report.translated),
                                "confirmed": len(report.confirmed),
                                "left": len(report.left),
                            },
                        )
    else:
        form = TranslationImportForm()
    return TemplateResponse(
        request,
        "assessments/admin/bank_translation_import.html",
        {
            "bank": bank,
            "language": language,
            "language_name": dict(settings.LANGUAGES)[language],
            "languages": settings.LANGUAGES,
            "form": form,
            "problems": problems,
            "report": report,
        },
        status=400 if problems else 200,
    )
