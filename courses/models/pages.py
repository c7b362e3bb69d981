"""Wagtail pages: catalogue -> course -> module -> lesson.

A course is regional (no administration) or owned by one administration: it is owned when
it sits under an administration's own course index. Pages are translated with Wagtail's
localisation; every translation shares the ``translation_key`` that learning records use.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from lms import page_cache
from lms.accounts.models import Administration
from lms.authoring import AuthoringPageForm

from ..admin_forms import CourseIndexPageForm
from ..blocks import LESSON_BLOCKS


class Track(models.TextChoices):
    ILLICIT_TRADE = "illicit_trade", _("Detecting illicit trade")
    INTEGRITY = "integrity", _("Integrity and corruption prevention")
    FTZ_AEO = "ftz_aeo", _("Free trade zones and AEO")


class Level(models.TextChoices):
    FOUNDATION = "foundation", _("Foundation")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class ViewRestrictionsInOneQuery:
    """Wagtail checks privacy restrictions of a page and its ancestors on every view, in
    two queries; the ancestors' paths are known from the page's own path, so one will do
    (restrictions set on the source of an aliased ancestor are included)."""

    def get_view_restrictions(self) -> models.QuerySet[PageViewRestriction]:
        """The queryset comes filled from the page cache (:mod:`lms.page_cache`: saving
        any restriction or page starts a new generation), so serving a page reads none;
        a derived queryset (``order_by``, ``filter``) queries as usual."""
        paths = [self.path[:end] for end in range(Page.steplen, len(self.path) + 1, Page.steplen)]

        def restrictions() -> models.QuerySet[PageViewRestriction]:
            return PageViewRestriction.objects.filter(
                models.Q(page__path__in=paths) | models.Q(page__aliases__path__in=paths)
            ).distinct()

        found = page_cache.remember(
            page_cache.key("view-restrictions", self.path), lambda: list(restrictions())
        )
        # Most pages have none: then no queryset need be built (a derived one is empty
        # too, as it is for this generation of the tree).
        queryset = restrictions() if found else PageViewRestriction.objects.none()
        queryset._result_cache = found
        return queryset


class CourseIndexPage(ViewRestrictionsInOneQuery, Page):
    """The catalogue. With an administration set, that administration's own library of
    courses: only its people see it and what is under it."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="course_indexes",
        verbose_name=_("owned by"),
        help_text=_("Leave empty for the regional catalogue."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("administration")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    template = "courses/course_index_page.html"
    base_form_class = CourseIndexPageForm

    class Meta:
        verbose_name = _("course catalogue")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from ..views import catalogue

        return catalogue(request, self)


class CoursePage(ViewRestrictionsInOneQuery, Page):
    summary = models.TextField(_("summary"), max_length=600)
    outcomes = StreamField(
        [("outcome", blocks.CharBlock(label=_("Outcome"), max_length=300))],
        verbose_name=_("learning outcomes"),
        blank=True,
    )
    track = models.CharField(_("track"), max_length=20, choices=Track.choices, db_index=True)
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.FOUNDATION
    )
    estimated_hours = models.DecimalField(
        _("estimated hours"), max_digits=4, decimal_places=1, default=1
    )
    prerequisites = models.TextField(_("prerequisites"), blank=True)
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="courses",
        verbose_name=_("owned by"),
        help_text=_("Set from the catalogue the course sits in."),
    )
    enrolment_open = models.BooleanField(_("open for enrolment"), default=True)
    sequential = models.BooleanField(
        _("lessons in order"),
        default=False,
        help_text=_("Officers must complete each required lesson before the next one."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("outcomes"),
        MultiFieldPanel(
            [
                FieldPanel("track"),
                FieldPanel("level"),
                FieldPanel("estimated_hours"),
                FieldPanel("prerequisites"),
                FieldPanel("enrolment_open"),
                FieldPanel("sequential"),
            ],
            heading=_("About the course"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.AutocompleteField("summary"),
        index.FilterField("track"),
        index.FilterField("level"),
        index.FilterField("administration_id"),
        index.FilterField("locale_id"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]
    template = "courses/course_page.html"
    base_form_class = AuthoringPageForm

    class Meta:
        verbose_name = _("course")

    def clean(self) -> None:
        """Ownership follows the tree: a course belongs to the administration of the
        catalogue it sits in (checked again when pages move, see ``services``)."""
        super().clean()
        if self.path:  # set by treebeard before the first save, so also on creation
            self.administration_id = owner_of_position(self.path)

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from ..views import course_detail

        return course_detail(request, self)


def owner_of_position(path: str) -> int | None:
    """The administration owning the catalogue that is an ancestor of ``path``."""
    ancestor_paths = [path[:i] for i in range(Page.steplen, len(path), Page.steplen)]
    return (
        CourseIndexPage.objects.filter(path__in=ancestor_paths)
        .values_list("administration_id", flat=True)
        .first()
    )


class ModulePage(ViewRestrictionsInOneQuery, Page):
    intro = models.TextField(_("introduction"), blank=True, max_length=600)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["courses.CoursePage"]
    # No subpage_types: lessons and (from the assessments app) assessments declare this
    # page as their parent, so courses need not name a higher layer.
    template = "courses/module_page.html"
    base_form_class = AuthoringPageForm

    class Meta:
        verbose_name = _("module")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from ..views import module_detail

        return module_detail(request, self)

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        """Wagtail's preview shows the draft as officers will see it (its template needs
        the course and outline the page view adds; Wagtail's own preview passes none)."""
        from ..views import module_detail

        return module_detail(request, self)


class LessonPage(ViewRestrictionsInOneQuery, Page):
    body = StreamField(LESSON_BLOCKS, verbose_name=_("body"))
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=15)
    required = models.BooleanField(
        _("required"), default=True, help_text=_("Counts towards completing the course.")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("body"),
        FieldPanel("estimated_minutes"),
        FieldPanel("required"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []
    template = "courses/lesson_page.html"
    base_form_class = AuthoringPageForm

    class Meta:
        verbose_name = _("lesson")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from ..views import lesson_detail

        return lesson_detail(request, self)

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        from ..views import lesson_preview

        return lesson_preview(request, self)

    def h5p_blocks(self) -> list[tuple[str, Any]]:
        """(block id, block value) of every H5P activity in the body, in order."""
        return [(block.id, block.value) for block in self.body if block.block_type == "h5p"]
