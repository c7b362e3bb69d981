"""Tenancy in the Wagtail admin: one gate for the object views, and the site history.

Wagtail does not isolate tenants: its object views (a page's history, a document's
"chosen" view, an image's preview, ...) take an id from the URL and check model or page
permissions at best. Each app registers here, from its ``wagtail_hooks.py``, the rows an
actor may see (:class:`TenantScope`: a selector) and the admin URLs that name such a row;
:func:`guard_urlpatterns` then wraps every admin view so that a URL naming a row the
actor may not see answers 404, exactly as a missing row does. Listings are scoped by the
apps themselves (hooks, viewsets, selectors); what a view may *change* is the view's
business.

Regional authors (platform admins, training managers without an administration) see
everything and pass straight through.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import ResolverMatch
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.models import Page, PageLogEntry

from lms.accounts.selectors import is_regional_author


@dataclass(frozen=True)
class TenantScope:
    """Rows of ``model`` an actor may see: ``visible(actor)``.

    An admin URL names such a row when its namespace is one of ``namespaces`` and one of
    ``url_kwargs`` is in the URL, or when one of ``global_url_kwargs`` is in any admin URL
    (pages: ``page_id``, ``parent_page_id``...). The ``id`` query parameters of the views
    named in ``id_list_views`` (and of Wagtail's bulk actions on ``model``) name rows too.
    """

    model: type[Model]
    visible: Callable[[Any], QuerySet]
    namespaces: tuple[str, ...] = ()
    url_kwargs: tuple[str, ...] = ("pk",)
    global_url_kwargs: tuple[str, ...] = ()
    id_list_views: tuple[str, ...] = ()

    def ids_in(self, match: ResolverMatch, request: HttpRequest) -> list[str]:
        ids = [str(match.kwargs[k]) for k in self.global_url_kwargs if k in match.kwargs]
        if match.namespace in self.namespaces:
            ids += [str(match.kwargs[k]) for k in self.url_kwargs if k in match.kwargs]
            if match.url_name and match.url_name.endswith("chosen_multiple"):
                ids += request.GET.getlist("id")
        if match.view_name in self.id_list_views:
            ids += request.GET.getlist("id")
        if match.url_name == "wagtail_bulk_action" and (
            match.kwargs.get("app_label"),
            match.kwargs.get("model_name"),
        ) == (self.model._meta.app_label, self.model._meta.model_name):
            ids += request.GET.getlist("id")
        return ids

    def all_visible(self, actor: Any, ids: Iterable[str]) -> bool:
        wanted = set(ids)
        try:
            keys = {self.model._meta.pk.to_python(value) for value in wanted}
        except Exception:  # not an id of this model: nothing to show either
            return False
        return self.visible(actor).filter(pk__in=keys).count() == len(keys)


_scopes: list[TenantScope] = []


def register(scope: TenantScope) -> None:
    """Register a scope (from an app's ``wagtail_hooks.py``); registering a model again
    replaces its scope."""
    _scopes[:] = [known for known in _scopes if known.model is not scope.model]
    _scopes.append(scope)


def scopes() -> tuple[TenantScope, ...]:
    return tuple(_scopes)


def scope_for(model: type[Model]) -> TenantScope | None:
    return next((scope for scope in _scopes if scope.model is model), None)


_namespace_guards: dict[str, Callable[[HttpRequest, ResolverMatch], bool]] = {}


def register_namespace_guard(
    namespace: str, allowed: Callable[[HttpRequest, ResolverMatch], bool]
) -> None:
    """Views of a namespace whose own checks are too weak (a third-party app that checks a
    model permission, not which object): ``allowed(request, match)`` decides for every
    user, regional authors included; a refusal answers 404."""
    _namespace_guards[namespace] = allowed


def refused(request: HttpRequest) -> bool:
    """Does this admin request name a row its user may not see?"""
    user = request.user
    match = request.resolver_match
    if match is None or not user.is_authenticated:
        return False
    guard = _namespace_guards.get(match.namespace)
    if guard is not None and not guard(request, match):
        return True
    if is_regional_author(user):
        return False
    for scope in _scopes:
        ids = scope.ids_in(match, request)
        if ids and not scope.all_visible(user, ids):
            return True
    return False


def tenancy_guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if refused(request):
            raise Http404
        return view(request, *args, **kwargs)

    guarded.tenancy_guarded = True  # type: ignore[attr-defined]
    return guarded


def guard_urlpatterns(urlpatterns: list) -> list:
    """Wrap every view of ``urlpatterns`` (includes walked) in :func:`tenancy_guard`,
    once."""
    for pattern in urlpatterns:
        if hasattr(pattern, "url_patterns"):
            guard_urlpatterns(pattern.url_patterns)
        callback = getattr(pattern, "callback", None)
        if callback is not None and not getattr(callback, "tenancy_guarded", False):
            pattern.callback = tenancy_guard(callback)
    return urlpatterns


def log_entries_q(actor: Any, log_model: type[Model]) -> Q:
    """Log entries about rows the actor may see: page entries of visible pages; other
    entries of registered models only for visible rows (entries of other models are left
    to Wagtail's model permissions)."""
    if is_regional_author(actor):
        return Q()
    if issubclass(log_model, PageLogEntry):
        scope = scope_for(Page)
        return Q(page_id__in=scope.visible(actor).values("pk")) if scope else Q()
    condition = Q()
    for scope in _scopes:
        if scope.model is Page:
            continue
        content_type = ContentType.objects.get_for_model(scope.model)
        visible_ids = (
            scope.visible(actor)
            .annotate(log_object_id=Cast("pk", output_field=CharField()))
            .values("log_object_id")
        )
        condition &= ~Q(content_type=content_type) | Q(object_id__in=visible_ids)
    return condition


class TenantLogEntriesView(LogEntriesView):
    """The site history report, limited to entries about what the actor may see."""

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        return queryset.filter(log_entries_q(self.request.user, queryset.model))
