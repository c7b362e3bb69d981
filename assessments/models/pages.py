"""The assessment page: rules for drawing questions, timing, attempts and review."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from courses.models.pages import ViewRestrictionsInOneQuery, owner_of_position

from ..forms import AssessmentPageForm
from .banks import QuestionBank


class ReviewPolicy(models.TextChoices):
    """What officers see after submitting; the rule is ``assessments/review.py``."""

    NOTHING = "nothing", _("Nothing: no score, no answers")
    SCORE = "score", _("Score only")
    AFTER_LAST = (
        "after_last",
        _("Score; answers and feedback after the last attempt or when the window closes"),
    )
    AFTER_CLOSE = "after_close", _("Score; answers and feedback when the window closes")
    ANSWERS = (
        "answers",
        _("Score, answers and feedback after every attempt (gives them away for the next one)"),
    )


class AssessmentPage(ViewRestrictionsInOneQuery, Page):
    intro = RichTextField(_("instructions"), blank=True, features=["bold", "italic", "ul", "ol"])
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), null=True, blank=True, help_text=_("Empty: unlimited.")
    )
    delay_between_attempts_minutes = models.PositiveIntegerField(
        _("delay between attempts (minutes)"), default=0
    )
    available_from = models.DateTimeField(_("available from"), null=True, blank=True)
    available_until = models.DateTimeField(_("available until"), null=True, blank=True)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    review_policy = models.CharField(
        _("after submitting, show"),
        max_length=16,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.AFTER_LAST,
        help_text=_(
            "Answers shown while attempts remain help officers pass the next attempt "
            "without learning: keep them for after the last attempt."
        ),
    )
    required = models.BooleanField(
        _("required"), default=True, help_text=_("Counts towards completing the course.")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        InlinePanel("draw_rules", label=_("Questions drawn"), min_num=1),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("time_limit_minutes"),
                FieldPanel("max_attempts"),
                FieldPanel("delay_between_attempts_minutes"),
                FieldPanel("available_from"),
                FieldPanel("available_until"),
                FieldPanel("shuffle_questions"),
                FieldPanel("shuffle_options"),
                FieldPanel("review_policy"),
                FieldPanel("required"),
            ],
            heading=_("Rules"),
        ),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []
    template = "assessments/assessment_page.html"
    base_form_class = AssessmentPageForm

    class Meta:
        verbose_name = _("assessment")

    def clean(self) -> None:
        super().clean()
        if self.path:  # known once the page is in the tree
            owner = owner_of_position(self.path)
            for rule in self.draw_rules.all():
                bank_owner = rule.bank.administration_id if rule.bank_id else None
                if bank_owner is not None and bank_owner != owner:
                    raise ValidationError(
                        _("The bank “%(bank)s” belongs to another administration.")
                        % {"bank": rule.bank}
                    )
        if (
            self.available_from
            and self.available_until
            and self.available_until <= self.available_from
        ):
            raise ValidationError({"available_until": _("The window must close after it opens.")})

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from ..views import assessment_detail

        return assessment_detail(request, self)

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        """Wagtail's preview shows the draft as officers will see it (its template needs
        the course the page view adds; Wagtail's own preview passes none)."""
        from ..views import assessment_detail

        return assessment_detail(request, self)


class DrawRule(Orderable):
    """Draw ``count`` questions from ``bank`` (only those tagged ``tag`` when set)."""

    page = ParentalKey(AssessmentPage, on_delete=models.CASCADE, related_name="draw_rules")
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="+")
    tag = models.CharField(_("tag"), max_length=100, blank=True)
    count = models.PositiveSmallIntegerField(_("number of questions"), default=10)
    section = models.CharField(
        _("section title"), max_length=120, blank=True, help_text=_("Shown in the results.")
    )

    panels = [FieldPanel("bank"), FieldPanel("tag"), FieldPanel("count"), FieldPanel("section")]

    def __str__(self) -> str:
        return f"{self.count} × {self.bank}{f' #{self.tag}' if self.tag else ''}"
