from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton

from .admin_views import (
    QuestionBankViewSet,
    QuestionViewSet,
    bank_export_view,
    bank_import_view,
    item_analysis_view,
)
from .models import AssessmentPage


@hooks.register("register_admin_viewset")
def register_banks() -> QuestionBankViewSet:
    return QuestionBankViewSet("question_banks")


@hooks.register("register_admin_viewset")
def register_questions() -> QuestionViewSet:
    return QuestionViewSet("questions")


@hooks.register("register_admin_urls")
def analysis_urls() -> list:
    return [
        path(
            "assessments/<int:page_id>/analysis/",
            item_analysis_view,
            name="assessments_item_analysis",
        ),
        path("banks/<int:bank_id>/import/", bank_import_view, name="assessments_bank_import"),
        path("banks/<int:bank_id>/export/", bank_export_view, name="assessments_bank_export"),
    ]


@hooks.register("register_page_listing_buttons")
def analysis_button(page, user, next_url=None):
    if isinstance(page.specific_deferred, AssessmentPage):
        yield ListingButton(
            _("Item analysis"),
            reverse("assessments_item_analysis", args=[page.pk]),
            priority=60,
        )
