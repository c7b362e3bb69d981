from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton

from lms import admin_tenancy

from . import selectors
from .admin_views import (
    QuestionBankViewSet,
    QuestionViewSet,
    bank_export_view,
    bank_import_view,
    bank_translation_export_view,
    bank_translation_import_view,
    item_analysis_view,
    question_import_view,
)
from .marking.admin_views import GradingMenuItem, grading_queue_view, grading_view
from .models import AssessmentPage, Question, QuestionBank

# Admin URLs naming a bank or question the author may not see answer 404 (their object views
# are also limited to the banks the author may change: admin_views.py).
admin_tenancy.register(
    admin_tenancy.TenantScope(
        model=QuestionBank,
        visible=selectors.bank_list_for_user,
        namespaces=("question_banks",),
        global_url_kwargs=("bank_id",),
    )
)
admin_tenancy.register(
    admin_tenancy.TenantScope(
        model=Question, visible=selectors.question_list_for_user, namespaces=("questions",)
    )
)


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
        path(
            "banks/<int:bank_id>/translations/<str:language>/export/",
            bank_translation_export_view,
            name="assessments_bank_translation_export",
        ),
        path(
            "banks/<int:bank_id>/translations/<str:language>/import/",
            bank_translation_import_view,
            name="assessments_bank_translation_import",
        ),
        path(
            "banks/imports/<int:import_id>/",
            question_import_view,
            name="assessments_question_import",
        ),
        path("grading/", grading_queue_view, name="assessments_grading_queue"),
        path("grading/<int:response_id>/", grading_view, name="assessments_grading"),
    ]


@hooks.register("register_admin_menu_item")
def grading_menu_item() -> GradingMenuItem:
    """Essays waiting for a grade: shown to those who grade (marking.selectors)."""
    return GradingMenuItem(
        _("Essays to grade"),
        reverse("assessments_grading_queue"),
        icon_name="edit",
        order=262,
    )


@hooks.register("register_page_listing_buttons")
def analysis_button(page, user, next_url=None):
    if isinstance(page.specific_deferred, AssessmentPage):
        yield ListingButton(
            _("Item analysis"),
            reverse("assessments_item_analysis", args=[page.pk]),
            priority=60,
        )
