"""Reads for page translations (issue 14): is each language of a page current, outdated
or missing? One rule, used by the page editor's panel and by the Translations report.

Translations are made and synced with wagtail-localize: translating a page extracts its
text into a ``TranslationSource`` (its segments); "Sync translated pages" extracts it again
(``last_updated_at``); translators fill the segments (in the editor or by PO file) and the
translated page is published from them.

The rule, for a page in the default language and each other language of
``settings.LANGUAGES``:

* **missing**: no page of that language shares the page's ``translation_key`` (an alias,
  which shows the source's text, counts as missing);
* a translation synced with wagtail-localize is **current** when all of these hold, else
  **outdated**:

  1. the source has not been changed since it was last synced: the source page's last
     publication (its last revision when it was never published) is not later than the
     ``TranslationSource``'s ``last_updated_at`` (``SOURCE_CHANGED``);
  2. every text segment of the synced source has a translation in that language
     (``UNTRANSLATED``: a changed sentence needs translating again);
  3. the translated page has been published since the last sync and since the last change
     to its segments' translations (``NOT_PUBLISHED``: a PO uploaded but not published
     yet does not show on the site);

* a plain copy (made without wagtail-localize, as Wagtail's own "copy for translation"
  does) is **outdated** when the source was changed after the copy was last saved or
  published (``SOURCE_CHANGED``), else **current**: there is nothing finer to compare.

Dates rather than contents are compared: the source's content is not serialised for every
page of a report, and a republication that changed nothing marks the translations outdated
until the next sync (which costs the author one click and the translators nothing, as
unchanged segments keep their translations).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page
from wagtail.permissions import policy_registry
from wagtail_localize.models import StringSegment, StringTranslation, Translation, TranslationSource

from .models import CourseIndexPage
from .selectors import page_visibility_q

if TYPE_CHECKING:
    from lms.accounts.models import User


class Status(enum.StrEnum):
    CURRENT = "current"
    OUTDATED = "outdated"
    MISSING = "missing"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    Status.CURRENT: _("Up to date"),
    Status.OUTDATED: _("Outdated"),
    Status.MISSING: _("Missing"),
}


class Reason(enum.StrEnum):
    SOURCE_CHANGED = "source_changed"
    UNTRANSLATED = "untranslated"
    NOT_PUBLISHED = "not_published"


@dataclass(frozen=True)
class LanguageStatus:
    language: str  # a code of settings.LANGUAGES
    name: str
    status: Status
    reasons: tuple[Reason, ...] = ()
    page: Page | None = None  # the translated page
    translation_id: int | None = None  # wagtail-localize's Translation (synced)
    untranslated: int = 0  # text segments without a translation


@dataclass(frozen=True)
class PageTranslations:
    page: Page
    source_id: int | None  # wagtail-localize's TranslationSource, once translated with it
    languages: tuple[LanguageStatus, ...]

    @property
    def needs_work(self) -> bool:
        return any(entry.status != Status.CURRENT for entry in self.languages)


def target_languages() -> list[tuple[str, str]]:
    """The languages a page of the default language is translated into."""
    return [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _changed_at(page: Page) -> datetime | None:
    return page.last_published_at or page.latest_revision_created_at


def _latest(*moments: datetime | None) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def page_translation_statuses(pages: Sequence[Page]) -> list[PageTranslations]:
    """The status of every target language of each page (pages of the default language):
    six queries, whatever the number of pages. Callers scope ``pages`` to the actor."""
    if not pages:
        return []
    keys = [page.translation_key for page in pages]
    languages = target_languages()
    copies: dict[tuple, Page] = {}
    for copy in (
        Page.objects.filter(translation_key__in=keys, alias_of__isnull=True)
        .exclude(locale__language_code=settings.LANGUAGE_CODE)
        .select_related("locale")
        .only(
            "id",
            "title",
            "translation_key",
            "locale__language_code",
            "last_published_at",
            "latest_revision_created_at",
            "live",
        )
    ):
        copies[(copy.translation_key, copy.locale.language_code)] = copy
    sources = {
        source.object_id: source
        for source in TranslationSource.objects.filter(
            object_id__in=keys, locale__language_code=settings.LANGUAGE_CODE
        ).only("id", "object_id", "last_updated_at")
    }
    synced: dict[tuple[int, str], Translation] = {
        (translation.source_id, translation.target_locale.language_code): translation
        for translation in Translation.objects.filter(
            source__in=list(sources.values()), enabled=True
        ).select_related("target_locale")
    }
    segments: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for source_id, string_id, context_id in StringSegment.objects.filter(
        source__in=list(sources.values())
    ).values_list("source_id", "string_id", "context_id"):
        segments[source_id].add((string_id, context_id))
    done: dict[tuple[str, int, int], datetime] = {}
    for string_id, context_id, language, updated_at in StringTranslation.objects.filter(
        context__object_id__in=list(sources), has_error=False
    ).values_list("translation_of_id", "context_id", "locale__language_code", "updated_at"):
        done[(language, string_id, context_id)] = updated_at

    results = []
    for page in pages:
        source = sources.get(page.translation_key)
        entries = []
        for code, name in languages:
            copy = copies.get((page.translation_key, code))
            if copy is None:
                entries.append(LanguageStatus(code, name, Status.MISSING))
                continue
            translation = synced.get((source.pk, code)) if source else None
            reasons: list[Reason] = []
            changed = _changed_at(page)
            untranslated = 0
            if translation is None:
                copied = _latest(copy.latest_revision_created_at, copy.last_published_at)
                if changed and (copied is None or changed > copied):
                    reasons.append(Reason.SOURCE_CHANGED)
            else:
                if changed and changed > source.last_updated_at:
                    reasons.append(Reason.SOURCE_CHANGED)
                wanted = segments[source.pk]
                untranslated = sum(1 for s, c in wanted if (code, s, c) not in done)
                if untranslated:
                    reasons.append(Reason.UNTRANSLATED)
                latest_text = _latest(*(done.get((code, s, c)) for s, c in wanted))
                needed = _latest(source.last_updated_at, latest_text)
                if copy.last_published_at is None or copy.last_published_at < needed:
                    reasons.append(Reason.NOT_PUBLISHED)
            entries.append(
                LanguageStatus(
                    code,
                    name,
                    Status.OUTDATED if reasons else Status.CURRENT,
                    tuple(reasons),
                    copy,
                    translation.pk if translation else None,
                    untranslated,
                )
            )
        results.append(PageTranslations(page, source.pk if source else None, tuple(entries)))
    return results


def editable_source_pages_for_user(user: User) -> QuerySet[Page]:
    """Course pages of the default language the user may edit: the catalogues and every
    page under them (courses, modules, lessons, assessments), by Wagtail's page permissions
    and scoped to what the user may see. The pages whose translations they look after."""
    policy = policy_registry.get_by_type(Page)
    catalogues = CourseIndexPage.objects.filter(locale__language_code=settings.LANGUAGE_CODE)
    under_a_catalogue = Q(pk__in=[])
    for path in catalogues.values_list("path", flat=True):
        under_a_catalogue |= Q(path__startswith=path)
    return (
        policy.instances_user_has_permission_for(user, "change")
        .filter(page_visibility_q(user))
        .filter(under_a_catalogue, locale__language_code=settings.LANGUAGE_CODE)
    )


def translation_status_list_for_user(
    user: User, *, needs_work: bool = False, search: str = ""
) -> list[PageTranslations]:
    """The Translations report: every course page the user may edit, in tree order."""
    pages = editable_source_pages_for_user(user).order_by("path")
    if search:
        pages = pages.filter(title__icontains=search)
    statuses = page_translation_statuses(list(pages))
    return [entry for entry in statuses if entry.needs_work] if needs_work else statuses


def page_translation_status_for_user(user: User, page: Page) -> PageTranslations:
    """The languages of one page (of the default language): 404 for a page the user may
    not see, as for a missing one."""
    # Read again: the editor's page is built from its latest revision, whose dates may be
    # those of the revision rather than the page's.
    fresh = Page.objects.filter(page_visibility_q(user), pk=page.pk).first()
    if fresh is None:
        raise Http404
    return page_translation_statuses([fresh])[0]
