"""Wagtail admin: question banks (scoped to the author) and item analysis."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from lms.accounts.selectors import administration_list_for_user

from . import selectors
from .models import AssessmentPage, QuestionBank


class QuestionBankViewSet(ModelViewSet):
    model = QuestionBank
    icon = "list-ul"
    menu_label = _("Question banks")
    add_to_admin_menu = True
    menu_order = 260
    list_display = ["title", "administration", "created_at"]
    search_fields = ["title"]
    form_fields = ["title", "description", "administration"]

    def get_queryset(self, request: Any) -> QuerySet[QuestionBank]:
        return selectors.bank_list_for_user(request.user)


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
