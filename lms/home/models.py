"""The site's home page and its settings, edited in the Wagtail admin."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page, Site

from lms import page_cache
from lms.accounts.models import Administration
from lms.authoring import AuthoringPageForm


class HomePage(Page):
    """The landing page of a site: what the platform is, and where to go next."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = RichTextField(
        _("body"), blank=True, features=["h2", "h3", "bold", "italic", "link", "ol", "ul"]
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage"]
    max_count_per_parent = 1
    template = "home/home_page.html"
    base_form_class = AuthoringPageForm

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from . import selectors  # the home reads every layer; imported when serving

        context = super().get_context(request, *args, **kwargs)
        user = request.user
        if user.is_authenticated:
            context["officer_home"] = selectors.officer_home(user)
            context["shortcuts"] = selectors.shortcuts_for(user)
        return context


class CalendarFeed(models.Model):
    """An officer's secret calendar address (iCalendar). Only a SHA-256 of the token is
    stored: the address is shown once, when it is made; making a new one or turning the
    feed off invalidates the old address at once. The feed answers only while the officer
    is active and still belongs to the administration they made it in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="+", db_index=True
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d}"


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    """What the public sees around every page."""

    platform_name = models.CharField(
        _("platform name"),
        max_length=120,
        blank=True,
        help_text=_("Leave empty to show the default name in each visitor's language."),
    )
    support_email = models.EmailField(_("support e-mail"), blank=True)
    footer_text = models.CharField(
        _("footer text"),
        max_length=300,
        blank=True,
        help_text=_("Leave empty to show the default notice in each visitor's language."),
    )

    panels = [FieldPanel("platform_name"), FieldPanel("support_email"), FieldPanel("footer_text")]

    class Meta:
        verbose_name = _("site settings")

    @classmethod
    def for_site(cls, site: Site) -> SiteSettings:
        """Read through the page cache (lms/page_cache.py): every page shows these
        settings. Saving them starts a new generation, so every process shows the new
        ones from its next request."""
        read = super().for_site
        return page_cache.remember(page_cache.key("site-settings", site.pk), lambda: read(site))


def forget_site_settings(sender: type, instance: SiteSettings, **kwargs: object) -> None:
    # Made on their first read (``for_site``), they were not cached anywhere before.
    if not kwargs.get("created"):
        page_cache.bump()


post_save.connect(forget_site_settings, sender=SiteSettings)
post_delete.connect(forget_site_settings, sender=SiteSettings)
