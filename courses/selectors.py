"""Reads for courses. Every selector that returns learner data takes the actor."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404
from wagtail.documents.models import AbstractDocument
from wagtail.models import Collection, Page

from lms import page_cache
from lms.accounts.roles import Role, has_role
from lms.accounts.selectors import (
    authored_editable_q,
    authored_usable_q,
    can_edit_authored,
    is_regional_author,
)
from lms.prepared import PreparedQuery

from .models import (
    AdministrationCollection,
    CourseIndexPage,
    CoursePage,
    Enrolment,
    H5PActivity,
    H5PLibrary,
    H5PLibraryVersion,
    H5PUserData,
    LessonActivity,
    LessonPage,
    ModulePage,
    SearchDocument,
)

if TYPE_CHECKING:
    from lms.accounts.models import Administration, User

NOT_CACHED = 0  # stands for "no such page" in the cache (which cannot keep None)


def _sees_everything(actor: User) -> bool:
    # Platform admins and regional training managers author and preview every course.
    return is_regional_author(actor)


def course_visibility_q(actor: User) -> Q:
    """Courses the actor may see: regional ones, and those of their own administration."""
    if _sees_everything(actor):
        return Q()
    if actor.is_authenticated and actor.administration_id is not None:
        return Q(administration__isnull=True) | Q(administration_id=actor.administration_id)
    return Q(administration__isnull=True)


def can_see_course(actor: User, course: CoursePage) -> bool:
    if course.administration_id is None or _sees_everything(actor):
        return True
    return actor.is_authenticated and actor.administration_id == course.administration_id


def access_catalogue(actor: User, index: CourseIndexPage) -> CourseIndexPage:
    if index.administration_id is None or _sees_everything(actor):
        return index
    if actor.is_authenticated and actor.administration_id == index.administration_id:
        return index
    raise Http404


def access_course(actor: User, course: CoursePage) -> CoursePage:
    if not can_see_course(actor, course):
        raise Http404
    return course


def course_list_for_user(
    actor: User,
    *,
    language: str = "",
    preferred_language: str = "",
    track: str = "",
    level: str = "",
    index: CourseIndexPage | None = None,
) -> list[CoursePage]:
    """Live courses the actor may take, one entry per course (not per translation).

    With ``language``, only courses available in that language. Otherwise each course is
    shown in ``preferred_language`` when translated, else in the default language, else
    in the language it exists in, so a course written only in Spanish still appears for
    a reader of English. One query. (Words are searched by :func:`page_search_for_user`.)
    """
    courses = (
        CoursePage.objects.live()
        .filter(course_visibility_q(actor))
        .select_related("administration", "locale")
    )
    if index is not None and index.administration_id is not None:
        courses = courses.filter(administration_id=index.administration_id)
    if track:
        courses = courses.filter(track=track)
    if level:
        courses = courses.filter(level=level)
    if language:
        courses = courses.filter(locale__language_code=language)
    order = [preferred_language, settings.LANGUAGE_CODE]

    def rank(course: CoursePage) -> int:
        code = course.locale.language_code
        return order.index(code) if code in order else len(order)

    chosen: dict[Any, CoursePage] = {}
    for course in courses:
        current = chosen.get(course.translation_key)
        if current is None or rank(course) < rank(current):
            chosen[course.translation_key] = course
    return sorted(chosen.values(), key=lambda course: (course.track, course.title))


def enrolment_for(actor: User, course: CoursePage) -> Enrolment | None:
    if not actor.is_authenticated:
        return None
    return Enrolment.objects.filter(user=actor, course_key=course.translation_key).first()


def enrolment_list_for_user(actor: User) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(user=actor)
        .select_related("course")
        .order_by("status", "-last_activity_at", "-enrolled_at")
    )


ENROLMENT_FIELDS = (
    "id",
    "user_id",
    "course_key",
    "administration_id",
    "course_id",
    "status",
    "percent_complete",
    "lesson_status",
)


def _course_of(actor: User, page: Page) -> CoursePage:
    """The course a module or lesson belongs to, from the page cache (it changes only when
    pages do); 404 when the actor may not see it (checked on every call)."""
    course_depth = page.depth - (1 if isinstance(page, ModulePage) else 2)
    path = page.path[: course_depth * Page.steplen]
    course = page_cache.remember(
        page_cache.key("course", path),
        lambda: CoursePage.objects.filter(path=path).first() or NOT_CACHED,
    )
    if not course:
        raise Http404
    return access_course(actor, course)


def _own_enrolment(user_id: int, course_key: uuid.UUID) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(user_id=user_id, course_key=course_key)
        .only(*ENROLMENT_FIELDS)
        .order_by("pk")[:1]
    )


#: Start, the attempt's course and the module pages run it: compiled once per connection.
_prepared_own_enrolment = PreparedQuery(
    Enrolment, _own_enrolment, lambda shape: ((1, uuid.UUID(int=1)), (2, uuid.UUID(int=2)))
)


def course_for_page(actor: User, page: Page) -> tuple[CoursePage, Enrolment | None]:
    """The course a module or lesson belongs to (from the page cache: it changes only
    when pages do), with the actor's enrolment in one small query; 404 when the actor may
    not see the course."""
    course = _course_of(actor, page)
    enrolment = None
    if actor.is_authenticated:
        found = _prepared_own_enrolment(actor.pk, course.translation_key)
        enrolment = found[0] if found else None
    if enrolment is not None:
        enrolment.lesson_status = enrolment.lesson_status or {}
    return course, enrolment


def _officer_state(user_id: int, course_key: uuid.UUID, *activity_ids: int) -> QuerySet[Enrolment]:
    """The officer's enrolment in a course with, as ``state_0``, ``state_1``..., their
    saved H5P state of each activity (one sub-select each)."""
    return (
        Enrolment.objects.filter(user_id=user_id, course_key=course_key)
        .only(*ENROLMENT_FIELDS)
        .annotate(
            **{
                f"state_{number}": Subquery(
                    H5PUserData.objects.filter(
                        user_id=OuterRef("user_id"),
                        activity_id=activity_id,
                        data_type="state",
                        sub_content_id="",
                    ).values("data")[:1]
                )
                for number, activity_id in enumerate(activity_ids)
            }
        )
        .order_by("pk")[:1]
    )


def _officer_state_probes(shape: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    activities = shape - 2
    return (
        (1, uuid.UUID(int=1), *range(1001, 1001 + activities)),
        (2, uuid.UUID(int=2), *range(2001, 2001 + activities)),
    )


#: Every lesson view runs it: compiled once per connection (lms/prepared.py).
_prepared_officer_state = PreparedQuery(Enrolment, _officer_state, _officer_state_probes)


def lesson_for_officer(
    actor: User, lesson: LessonPage
) -> tuple[CoursePage, Enrolment | None, dict[str, LessonActivity]]:
    """What the lesson page needs: its course (404 when the actor may not see it), the
    actor's enrolment and the lesson's H5P slots (each with its activity) with the actor's
    saved state. The course and the slots come from the page cache; everything of the
    officer (enrolment, progress, saved states) comes in one small query, the states as
    one sub-select per activity of the lesson. Without an enrolment the slots carry no
    state (the page is refused)."""
    course = _course_of(actor, lesson)
    slots = _cached_slots(lesson)
    enrolment = None
    if actor.is_authenticated:
        activity_ids = sorted({slot.activity_id for slot in slots})
        found = _prepared_officer_state(actor.pk, course.translation_key, *activity_ids)
        if found:
            enrolment = found[0]
            enrolment.lesson_status = enrolment.lesson_status or {}
            states = {
                activity_id: getattr(enrolment, f"state_{number}")
                for number, activity_id in enumerate(activity_ids)
            }
            for slot in slots:
                slot.saved_state = states[slot.activity_id]
    for slot in slots:
        if not hasattr(slot, "saved_state"):
            slot.saved_state = None
    return course, enrolment, {slot.block_id: slot for slot in slots}


@dataclass
class LessonEntry:
    lesson: Page
    status: str  # "", "started" or "completed"
    required: bool = True
    locked: bool = False


@dataclass
class ModuleEntry:
    module: Page
    lessons: list[LessonEntry] = field(default_factory=list)


@dataclass
class Outline:
    modules: list[ModuleEntry]
    lessons: list[LessonEntry]

    def next_lesson(self) -> LessonEntry | None:
        for entry in self.lessons:
            if entry.status != "completed" and not entry.locked:
                return entry
        return None

    def position(self, lesson: Page) -> tuple[LessonEntry | None, LessonEntry | None, int]:
        """(previous, next, 1-based index) of ``lesson`` in the course."""
        for number, entry in enumerate(self.lessons):
            if entry.lesson.pk == lesson.pk:
                previous = self.lessons[number - 1] if number else None
                following = self.lessons[number + 1] if number + 1 < len(self.lessons) else None
                return previous, following, number + 1
        return None, None, 0

    def entry(self, lesson: Page) -> LessonEntry | None:
        return next((entry for entry in self.lessons if entry.lesson.pk == lesson.pk), None)


def _outline_pages() -> QuerySet[Page]:
    return (
        Page.objects.live()
        .annotate(lesson_required=Coalesce(F("lessonpage__required"), Value(True)))
        .only("id", "title", "slug", "url_path", "path", "depth", "translation_key", "locale_id")
        .order_by("path")
    )


def _outline(course: CoursePage, pages: Iterable[Page], enrolment: Enrolment | None) -> Outline:
    statuses = enrolment.lesson_status if enrolment is not None else {}
    modules: list[ModuleEntry] = []
    lessons: list[LessonEntry] = []
    blocked = False
    for page in pages:
        if page.depth == course.depth + 1:
            modules.append(ModuleEntry(page))
        elif modules:
            status = statuses.get(str(page.translation_key), "")
            required = bool(page.lesson_required)
            entry = LessonEntry(page, status, required, locked=blocked and course.sequential)
            if required and status != "completed":
                blocked = True
            modules[-1].lessons.append(entry)
            lessons.append(entry)
    return Outline(modules, lessons)


def course_outline(course: CoursePage, enrolment: Enrolment | None) -> Outline:
    """Modules and lessons of a course in tree order with the officer's status. The pages
    come from the page cache (one query when the tree changed, whatever the size of the
    course); the statuses come with the enrolment."""
    pages = page_cache.remember(
        page_cache.key("outline", course.pk),
        lambda: list(
            _outline_pages().filter(
                path__startswith=course.path, depth__in=(course.depth + 1, course.depth + 2)
            )
        ),
    )
    return _outline(course, pages, enrolment)


def course_outlines(
    pairs: Sequence[tuple[CoursePage, Enrolment | None]],
) -> dict[int, Outline]:
    """:func:`course_outline` for several courses at once, by course page id: one query
    whatever the number of courses (the officer's home continues every course)."""
    if not pairs:
        return {}
    scope = Q()
    for course, _enrolment in pairs:
        scope |= Q(path__startswith=course.path, depth__in=(course.depth + 1, course.depth + 2))
    by_course: dict[int, list[Page]] = {course.pk: [] for course, _enrolment in pairs}
    prefixes = {course.path: course.pk for course, _enrolment in pairs}
    steplen = Page.steplen
    for page in _outline_pages().filter(scope):
        for depth in (page.depth - 1, page.depth - 2):
            owner = prefixes.get(page.path[: depth * steplen])
            if owner is not None:
                by_course[owner].append(page)
                break
    return {
        course.pk: _outline(course, by_course[course.pk], enrolment) for course, enrolment in pairs
    }


def _cached_slots(lesson: LessonPage) -> list[LessonActivity]:
    """The lesson's H5P slots with their activity, from the page cache (publishing the
    lesson or saving an activity starts a new generation)."""
    return page_cache.remember(
        page_cache.key("lesson-slots", lesson.pk),
        lambda: list(
            LessonActivity.objects.filter(lesson=lesson)
            .select_related("activity")
            .order_by("position")
        ),
    )


def can_see_activity(actor: User, activity: H5PActivity) -> bool:
    """May the actor play (and an author choose) the activity: regional ones and their
    administration's."""
    if activity.administration_id is None or _sees_everything(actor):
        return True
    return actor.is_authenticated and actor.administration_id == activity.administration_id


def can_edit_activity(actor: User, activity: H5PActivity) -> bool:
    """May the actor change the activity: regional authors any, an author bound to one
    administration only its activities (regional ones are read-only to them)."""
    return can_edit_authored(actor, activity.administration_id)


def h5p_activity_list_for_user(actor: User) -> QuerySet[H5PActivity]:
    """Activities an author may see and use: regional ones and their administration's."""
    return H5PActivity.objects.filter(authored_usable_q(actor))


def h5p_activity_editable_list_for_user(actor: User) -> QuerySet[H5PActivity]:
    """Activities an author may change, delete, copy (see :func:`can_edit_activity`)."""
    return H5PActivity.objects.filter(authored_editable_q(actor))


def h5p_library_list_for_user(actor: User) -> QuerySet[H5PLibrary]:
    """Installed H5P libraries with their current patch, every installed patch
    (``versions``, newest first) and ``activity_count`` (activities using them, as their
    main library or a dependency), in three queries whatever their number. Platform admins
    only: nobody else manages libraries, so nobody else gets any."""
    if not has_role(actor, Role.PLATFORM_ADMIN):
        return H5PLibrary.objects.none()
    return (
        H5PLibrary.objects.select_related("current")
        .annotate(activity_count=Count("activities", distinct=True))
        .prefetch_related(
            Prefetch("versions", queryset=H5PLibraryVersion.objects.order_by("-patch_version"))
        )
    )


def owner_choices(actor: User) -> QuerySet[Administration]:
    """Administrations an author may give a bank, programme or activity to (the empty
    choice, regional, is offered to regional authors only)."""
    from lms.accounts.models import Administration

    if actor.administration_id is None:
        return Administration.objects.filter(is_active=True)
    return Administration.objects.filter(pk=actor.administration_id)


# --- the Wagtail admin: pages and media -----------------------------------------------------


def _outside(paths: list[str]) -> Q:
    """Tree nodes (pages, collections) that are in none of the subtrees at ``paths``."""
    inside = Q(pk__in=[])
    for path in paths:
        inside |= Q(path__startswith=path)
    return ~inside


def page_visibility_q(actor: User) -> Q:
    """Pages the actor may see in the admin (lists, choosers, searches, reports, APIs):
    every page for regional authors; for anyone else every page except those in another
    administration's catalogue (drafts included), so an author bound to PAN sees the
    regional catalogue, PAN's and the pages above them, never PER's."""
    if _sees_everything(actor):
        return Q()
    foreign = CourseIndexPage.objects.filter(administration__isnull=False)
    if actor.is_authenticated and actor.administration_id is not None:
        foreign = foreign.exclude(administration_id=actor.administration_id)
    return _outside(list(foreign.values_list("path", flat=True)))


def page_list_for_user(actor: User) -> QuerySet[Page]:
    return Page.objects.filter(page_visibility_q(actor))


def can_see_page(actor: User, page: Page) -> bool:
    return page_list_for_user(actor).filter(pk=page.pk).exists()


def media_collection_list_for_user(actor: User) -> QuerySet[Collection]:
    """Collections whose images and documents the actor may see: every collection for
    regional authors; for anyone else every collection except another administration's
    (and its sub-collections). Choosing, adding and changing also need the collection
    permissions that ``courses.services.author_groups_sync`` grants."""
    if _sees_everything(actor):
        return Collection.objects.all()
    foreign = AdministrationCollection.objects.filter(administration__isnull=False)
    if actor.is_authenticated and actor.administration_id is not None:
        foreign = foreign.exclude(administration_id=actor.administration_id)
    return Collection.objects.filter(
        _outside(list(foreign.values_list("collection__path", flat=True)))
    )


def can_see_document(actor: User, document: AbstractDocument) -> bool:
    """Who may download a document: a signed-in person who may see its collection (an
    administration's documents: its people and regional staff; regional ones: anyone
    signed in)."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    return media_collection_list_for_user(actor).filter(pk=document.collection_id).exists()


def _media_list_for_user(model: type[Any], actor: User) -> QuerySet[Any]:
    from wagtail.permissions import policy_registry

    choosable = policy_registry.get_by_type(model).collections_user_has_any_permission_for(
        actor, ["choose", "change"]
    )
    return model.objects.filter(
        collection__in=choosable.filter(pk__in=media_collection_list_for_user(actor).values("pk"))
    )


def document_list_for_user(actor: User) -> QuerySet[AbstractDocument]:
    """Documents an author may see and choose in the admin (choosers, the admin API): in
    the collections their groups may choose from or change, never in another
    administration's collection."""
    from wagtail.documents import get_document_model

    return _media_list_for_user(get_document_model(), actor)


def image_list_for_user(actor: User) -> QuerySet[Any]:
    """Images an author may see and choose in the admin (as :func:`document_list_for_user`)."""
    from wagtail.images import get_image_model

    return _media_list_for_user(get_image_model(), actor)


# --- catalogue search -----------------------------------------------------------------------

HEADLINE_START, HEADLINE_STOP = "\u27e6", "\u27e7"  # ⟦ ⟧ around matches, escaped later


def _content_language(code: str) -> str | None:
    from wagtail.coreutils import get_supported_content_language_variant

    try:
        return get_supported_content_language_variant(code)
    except LookupError:
        return None


def reading_languages(actor: User, language: str) -> list[str]:
    """The content languages a search looks in, best first: the interface ``language``,
    then the official languages of the actor's administration that the platform has
    content in (Peru's Spanish for a Peruvian officer reading in English), then the
    platform's default language (every regional course is written in it first).

    Decision: an officer who types "precinto" with an English interface reads Spanish, so
    the Spanish lesson is found, labelled with its language; a language the officer has no
    tie to (French for that officer) is not searched, so its homographs do not crowd the
    results.
    """
    administration = getattr(actor, "administration", None)
    candidates = [
        language,
        *((administration.official_languages or []) if administration else []),
        settings.LANGUAGE_CODE,
    ]
    languages: list[str] = []
    for code in candidates:
        supported = _content_language(code)
        if supported and supported not in languages:
            languages.append(supported)
    return languages or [settings.LANGUAGE_CODE]


def _search_match_q(query: str, languages: Sequence[str]) -> Q:
    """Documents in one of ``languages`` whose text matches ``query``: on PostgreSQL each
    language's vector against the query parsed with that language's configuration (one
    GIN-indexed condition per language), on SQLite every term starting a folded word
    (read from the FTS5 index where there is one)."""
    from .search import fts_query, query_terms, sqlite_fts_ready

    if connection.vendor == "postgresql":
        match = Q(pk__in=[])
        for language in languages:
            match |= Q(language=language, vector=_search_query(query, language))
        return match
    match = Q(language__in=list(languages))
    terms = query_terms(query)
    if sqlite_fts_ready():
        return match & Q(
            pk__in=RawSQL(
                "SELECT rowid FROM courses_searchdocument_fts "
                "WHERE courses_searchdocument_fts MATCH %s",
                [fts_query(terms)],
            )
        )
    for term in terms:
        match &= Q(folded__contains=f" {term}")
    return match


def _search_query(query: str, language: str) -> Any:
    from django.contrib.postgres.search import SearchQuery

    from .search import config_for

    return SearchQuery(query, search_type="websearch", config=config_for(language))


def page_search_for_user(actor: User, *, query: str, language: str) -> QuerySet[SearchDocument]:
    """Live courses, modules and lessons whose text matches ``query``, in the languages
    the actor reads (:func:`reading_languages`: ``language`` first), limited to the
    courses the actor may see (:func:`course_visibility_q`: regional ones and their own
    administration's, never another's). Drafts are never in the index; a page whose
    course or module was unpublished is left out too.

    Order: documents in ``language`` first, then each other language in turn; within a
    language the best match first. A page that matches in several languages is listed
    once, in the best of them (a lesson found in English is not listed again in
    Spanish). Each document carries ``rank``, ``language_order`` (0 for ``language``) and,
    on PostgreSQL, ``headline`` (``ts_headline`` in the document's language, matches
    between ``HEADLINE_START`` and ``HEADLINE_STOP``, computed for the rows shown only);
    on SQLite ``courses.search`` cuts the snippet. One query for the visible courses, then
    one per page of results and the count.
    """
    from .search import query_terms

    terms = query_terms(query)
    if not terms:
        return SearchDocument.objects.none()
    languages = reading_languages(actor, language)
    # The courses the actor may see, read once (a short list of ids): the search query
    # then joins only what the results show, which keeps PostgreSQL's planning short.
    visible_courses = list(
        CoursePage.objects.live().filter(course_visibility_q(actor)).values_list("pk", flat=True)
    )
    shown = Q(
        Q(module__isnull=True) | Q(module__live=True),
        page__live=True,
        course_id__in=visible_courses,
    )
    # Listed in language n only when no better language's version of the same page
    # matches (translations share the page's translation key).
    once = Q(language=languages[0])
    for position, other in enumerate(languages[1:], start=1):
        better = SearchDocument.objects.filter(
            shown,
            _search_match_q(query, languages[:position]),
            page__translation_key=OuterRef("page__translation_key"),
        )
        once |= Q(language=other) & ~Exists(better)
    language_order = Case(
        *(When(language=code, then=Value(n)) for n, code in enumerate(languages)),
        default=Value(len(languages)),
    )
    documents = (
        SearchDocument.objects.filter(shown, _search_match_q(query, languages), once)
        .select_related("page", "course", "module")
        # What the results page shows and links to, nothing more (rows stay narrow).
        .only(
            "kind",
            "language",
            "title",
            "text",
            "page__url_path",
            "page__slug",
            "page__locale_id",
            "course__title",
            "module__title",
        )
        .annotate(language_order=language_order)
    )
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchHeadline, SearchRank

        from .search import config_for

        headline = Case(
            *(
                When(
                    language=code,
                    then=SearchHeadline(
                        "text",
                        _search_query(query, code),
                        config=config_for(code),
                        start_sel=HEADLINE_START,
                        stop_sel=HEADLINE_STOP,
                        max_words=35,
                        min_words=15,
                        max_fragments=2,
                    ),
                )
                for code in languages
            ),
            default=Value(""),
            output_field=TextField(),
        )
        rank = Case(
            *(
                When(language=code, then=SearchRank(F("vector"), _search_query(query, code)))
                for code in languages
            ),
            default=Value(0.0),
            output_field=FloatField(),
        )
        return (
            documents.annotate(rank=rank, headline=headline)
            .defer("text")
            .order_by("language_order", "-rank", "course__title", "page__path")
        )
    in_title = Value(0)
    for term in terms:
        in_title = in_title + Case(When(title__icontains=term, then=Value(1)), default=Value(0))
    return documents.annotate(rank=in_title).order_by(
        "language_order", "-rank", "course__title", "page__path"
    )
