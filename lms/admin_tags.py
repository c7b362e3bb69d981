"""Tags in the Wagtail admin, limited to what the author may see.

Tags are global in taggit: one ``Tag`` row is shared by every model and every
administration, so Wagtail's tag autocomplete and the "popular tags" of the images and
documents listings (and of the image chooser) would offer another administration's tags,
names that tell what it is working on. Here a tag is offered to an author only when it is
on a row the author may see: rows of tenant-owned models (those with a scope in
:mod:`lms.admin_tenancy`, or an ``administration``: see
:func:`lms.authoring.usable_rows`) that the author may use, or rows of other models.
A tag on nothing is offered to no one but regional authors and platform admins, who see
every tag, as in Wagtail.

The views replace Wagtail's at the same paths (``lms/admin_urls.py``).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from taggit.managers import TaggableManager
from taggit.models import Tag, TagBase
from wagtail.admin.views.tags import TAGS_AUTOCOMPLETE_LIMIT
from wagtail.documents.views import documents as document_views
from wagtail.images.views import chooser as image_chooser_views
from wagtail.images.views import images as image_views

from lms.accounts.selectors import is_regional_author
from lms.authoring import usable_rows


def _tagged_models(tag_model: type[TagBase]) -> list[tuple[type, Any]]:
    """(model, its TaggableManager) for every model tagged with ``tag_model``."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, TaggableManager) and field.remote_field.model is tag_model:
                found.append((model, field))
    return found


def _items_of(model: type, field: Any, rows: QuerySet | None) -> QuerySet:
    """The tagging rows (``through``) of ``model``'s ``rows`` (every row: ``None``)."""
    through = field.through
    if any(f.name == "content_type" for f in through._meta.get_fields()):
        items = through.objects.filter(content_type=ContentType.objects.get_for_model(model))
        return items if rows is None else items.filter(object_id__in=rows.values("pk"))
    return (
        through.objects.all() if rows is None else through.objects.filter(content_object__in=rows)
    )


def tag_list_for_user(actor: Any, tag_model: type[TagBase] = Tag) -> QuerySet[TagBase]:
    """The tags offered to the actor: every tag for regional authors; for anyone else those
    on a row they may see."""
    if is_regional_author(actor):
        return tag_model.objects.all()
    used = Q(pk__in=[])
    for model, field in _tagged_models(tag_model):
        used |= Q(pk__in=_items_of(model, field, usable_rows(actor, model)).values("tag_id"))
    return tag_model.objects.filter(used)


def popular_tags_for_user(actor: Any, model: type, count: int = 10) -> QuerySet[Tag]:
    """Wagtail's ``popular_tags_for_model``, counting only the rows the actor may see."""
    tags = Tag.objects.filter(
        taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(model)
    )
    rows = None if is_regional_author(actor) else usable_rows(actor, model)
    if rows is not None:
        tags = tags.filter(taggit_taggeditem_items__object_id__in=rows.values("pk"))
    return tags.annotate(item_count=Count("taggit_taggeditem_items")).order_by(
        "-item_count", "name"
    )[:count]


def tag_autocomplete(
    request: HttpRequest, app_name: str | None = None, model_name: str | None = None
) -> JsonResponse:
    """Wagtail's tag autocomplete (``?term=``), offering only :func:`tag_list_for_user`."""
    tag_model: type[TagBase] = Tag
    if app_name and model_name:
        try:
            content_type = ContentType.objects.get_by_natural_key(app_name, model_name)
        except ContentType.DoesNotExist as exc:
            raise Http404 from exc
        tag_model = content_type.model_class()
        if tag_model is None or not issubclass(tag_model, TagBase):
            raise Http404
    term = request.GET.get("term", "")
    if not term:
        return JsonResponse([], safe=False)
    names = (
        tag_list_for_user(request.user, tag_model)
        .filter(name__istartswith=term)
        .order_by("name")
        .values_list("name", flat=True)[:TAGS_AUTOCOMPLETE_LIMIT]
    )
    return JsonResponse(list(names), safe=False)


class _PopularTagsForUser:
    """A media listing's filters: the tag filter offers the popular tags of what the user
    may see (none: no tag filter)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        if "tag" not in self.filters:  # type: ignore[attr-defined]
            return
        tags = popular_tags_for_user(self.request.user, self._meta.model)  # type: ignore[attr-defined]
        if tags:
            self.filters["tag"].extra["choices"] = [(tag.name, tag.name) for tag in tags]  # type: ignore[attr-defined]
        else:
            del self.filters["tag"]  # type: ignore[attr-defined]


class TenantImagesFilterSet(_PopularTagsForUser, image_views.ImagesFilterSet):
    class Meta(image_views.ImagesFilterSet.Meta):
        pass


class TenantDocumentsFilterSet(_PopularTagsForUser, document_views.DocumentsFilterSet):
    class Meta(document_views.DocumentsFilterSet.Meta):
        pass


class TenantImagesIndexView(image_views.IndexView):
    filterset_class = TenantImagesFilterSet


class TenantDocumentsIndexView(document_views.IndexView):
    filterset_class = TenantDocumentsFilterSet


class TenantImageChooseView(image_chooser_views.ImageChooseView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["popular_tags"] = popular_tags_for_user(self.request.user, self.model)
        return context


class TenantImageChooserViewSet(image_chooser_views.ImageChooserViewSet):
    choose_view_class = TenantImageChooseView


# Wagtail's own image chooser, built again with the choose view above (not registered: it
# only gives lms/admin_urls.py that view, made exactly as Wagtail makes its own).
image_chooser = TenantImageChooserViewSet(
    "wagtailimages_chooser",
    model=image_chooser_views.viewset.model,
    url_prefix="images/chooser",
)
