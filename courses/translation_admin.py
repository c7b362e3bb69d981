"""Page translations in the Wagtail admin (issue 14): the Translations report, the status
of a page's languages in its editor's status panel, and who may use wagtail-localize.

* The report (Reports › Translations, ``/cms/localize/reports/translations/``) replaces
  wagtail-localize's own, which lists every translation of every administration: it lists
  the course pages the author may edit, with each language's status and the link that
  helps (translate, sync, edit the translation). Routed by ``lms/admin_urls.py``.
* The page editor's status panel shows the same statuses
  (``templates/wagtailadmin/shared/side_panels/includes/status/locale.html`` calls
  :func:`translation_status_panel` through the ``page_translations`` template tag).
* wagtail-localize's own views check the ``submit_translation`` permission at best, not
  which page: :func:`may_use_localize` lets a request through only when the actor may edit
  every page of the translation it names (registered with ``lms.admin_tenancy`` from
  ``courses/wagtail_hooks.py``), so an author of one administration can neither read nor
  change another's translations, nor change regional content through them.

The statuses come from ``courses.translations`` (the rule is written down there).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import ResolverMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET
from wagtail.models import Page
from wagtail.permissions import policy_registry
from wagtail_localize.models import Translation, TranslationSource

from .selectors import page_visibility_q
from .translations import (
    LanguageStatus,
    PageTranslations,
    Reason,
    Status,
    page_translation_status_for_user,
    translation_status_list_for_user,
)

LOCALIZE_NAMESPACE = "wagtail_localize"


# --- who may use wagtail-localize -----------------------------------------------------------


def _translation_keys(match: ResolverMatch) -> list[Any] | None:
    """The translation keys of the pages a wagtail-localize URL names (None: a URL that
    names an id that does not exist)."""
    kwargs = match.kwargs
    keys: list[Any] = []
    if "page_id" in kwargs:
        key = Page.objects.filter(pk=kwargs["page_id"]).values_list("translation_key").first()
        if key is None:
            return None
        keys.append(key[0])
    if "translation_source_id" in kwargs:
        source = TranslationSource.objects.filter(pk=kwargs["translation_source_id"])
        key = source.values_list("object_id").first()
        if key is None:
            return None
        keys.append(key[0])
    if "translation_id" in kwargs:
        translation = Translation.objects.filter(pk=kwargs["translation_id"])
        key = translation.values_list("source__object_id").first()
        if key is None:
            return None
        keys.append(key[0])
    return keys


def may_use_localize(request: HttpRequest, match: ResolverMatch) -> bool:
    """May the actor edit every page (in every language) of the translation this
    wagtail-localize URL names? URLs naming no page (its JavaScript catalogue) pass; the
    snippet views pass to wagtail-localize, which answers 404 as no snippet of this
    platform is translatable."""
    keys = _translation_keys(match)
    if keys is None:
        return False
    if not keys:
        return True
    # Syncing may publish every translation at once: only for those who may publish them
    # (authors publish through the review workflow).
    action = (
        "publish"
        if request.method == "POST" and request.POST.get("publish_translations")
        else "change"
    )
    pages = Page.objects.filter(translation_key__in=keys)
    allowed = policy_registry.get_by_type(Page).instances_user_has_permission_for(
        request.user, action
    )
    allowed = allowed.filter(page_visibility_q(request.user))
    every = pages.count()
    return every > 0 and allowed.filter(pk__in=pages.values("pk")).count() == every


# --- the report and the editor's panel ------------------------------------------------------


def _link(entry: PageTranslations, language: LanguageStatus) -> tuple[str, str] | None:
    """The action that helps, as (label, URL)."""
    if language.status == Status.MISSING:
        url = reverse("wagtail_localize:submit_page_translation", args=[entry.page.pk])
        return _("Translate"), url
    if Reason.SOURCE_CHANGED in language.reasons and language.translation_id is not None:
        url = reverse("wagtail_localize:update_translations", args=[entry.source_id])
        return _("Sync"), url
    if language.page is not None:
        return _("Edit translation"), reverse("wagtailadmin_pages:edit", args=[language.page.pk])
    return None


def _reasons(language: LanguageStatus) -> str:
    parts = []
    if Reason.SOURCE_CHANGED in language.reasons:
        parts.append(_("the source page changed since the translation was synced"))
    if Reason.UNTRANSLATED in language.reasons:
        count = language.untranslated
        parts.append(
            ngettext("%(count)s text to translate", "%(count)s texts to translate", count)
            % {"count": count}
        )
    if Reason.NOT_PUBLISHED in language.reasons:
        parts.append(_("translations not yet published"))
    return "; ".join(parts)


def _rows(statuses: list[PageTranslations]) -> list[dict[str, Any]]:
    rows = []
    for entry in statuses:
        cells = []
        for language in entry.languages:
            link = _link(entry, language)
            cells.append(
                {
                    "language": language,
                    "label": language.status.label,
                    "reasons": _reasons(language),
                    "action": link[0] if link else "",
                    "url": link[1] if link else "",
                }
            )
        rows.append(
            {
                "page": entry.page,
                "depth": max(entry.page.depth - 3, 0),
                "edit_url": reverse("wagtailadmin_pages:edit", args=[entry.page.pk]),
                "cells": cells,
                "needs_work": entry.needs_work,
            }
        )
    return rows


@require_GET
def translations_report(request: HttpRequest, results_only: bool = False) -> HttpResponse:
    """Reports › Translations: the course pages the author may edit, each language's
    status. ``?outdated=1`` keeps the pages with a missing or outdated language."""
    needs_work = request.GET.get("outdated") == "1"
    statuses = translation_status_list_for_user(request.user, needs_work=needs_work)
    languages = [name for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    return render(
        request,
        "courses/admin/translations_report.html",
        {"rows": _rows(statuses), "languages": languages, "needs_work": needs_work},
    )


def translation_status_panel(request: HttpRequest, page: Page) -> dict[str, Any] | None:
    """The status panel's lines for a page of the default language (None for a new page,
    a page of another language, or one the user may not see)."""
    if page.pk is None or page.locale.language_code != settings.LANGUAGE_CODE:
        return None
    statuses = page_translation_status_for_user(request.user, page)
    return {"row": _rows([statuses])[0]}
