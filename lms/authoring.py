"""What a page may name: every chooser value and rich-text reference of a page form is one
the author may use.

A page's StreamFields and rich text name other rows by id: images, documents, H5P
activities, SCORM packages and other snippets in chooser blocks, pages, documents and
images in rich text (``<a linktype="page" id="…">``, ``<embed embedtype="image" …>``). The
chooser modals list only what the author may use, but a request can name any id. So
:class:`AuthoringPageForm`, the base form of every page type:

- refuses, when the form is cleaned, a reference to a row the author may not use (another
  administration's, or none at all), with an error on the block that names it (its number
  and kind), never the row's title;
- never shows such a row in the form either (an invalid request sent back, or a page saved
  before by someone who may use more): chooser blocks render it empty and rich text loses
  the link or embed;
- limits the page's own model choice fields (a foreign key to an image, a page…) to rows
  the author may use.

What "may use" means comes from one place, the tenancy registry of the admin
(:mod:`lms.admin_tenancy`): the rows a scope registered for the model (or a parent model:
every page type is a ``Page``) makes visible to the actor; for a model without a scope
but with an ``administration``, :func:`lms.accounts.selectors.authored_usable_q`; any other
model is not tenant-owned. References are found as Wagtail's reference index finds them
(``extract_references`` of fields and blocks), so a new block type is covered as soon as
Wagtail can index it. Regional authors and platform admins may use everything.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.forms import ModelChoiceField
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.fields import RichTextField, StreamField
from wagtail.rich_text import extract_references_from_rich_text

from lms.accounts.selectors import authored_usable_q, is_regional_author

Reference = tuple[type[Model], str]


def usable_rows(actor: Any, model: type[Model]) -> QuerySet | None:
    """Rows of ``model`` the actor may use in what they author, or ``None`` when the model
    is not tenant-owned (anything goes)."""
    from wagtail import hooks

    from lms import admin_tenancy

    hooks.search_for_hooks()  # the apps register their scopes from wagtail_hooks.py
    for candidate in model.__mro__:
        if isinstance(candidate, type) and issubclass(candidate, Model):
            scope = admin_tenancy.scope_for(candidate)
            if scope is not None:
                return scope.visible(actor)
    try:
        model._meta.get_field("administration")
    except FieldDoesNotExist:
        return None
    return model._default_manager.filter(authored_usable_q(actor))


def refused_references(actor: Any, references: Iterable[Reference]) -> set[Reference]:
    """The references (model, id) the actor may not use: another administration's rows,
    and ids that name nothing (the two answer alike)."""
    if is_regional_author(actor):
        return set()
    wanted: dict[type[Model], set[str]] = defaultdict(set)
    for model, object_id in references:
        wanted[model].add(str(object_id))
    refused: set[Reference] = set()
    for model, ids in wanted.items():
        rows = usable_rows(actor, model)
        if rows is None:
            continue
        keys: dict[Any, str] = {}
        for object_id in ids:
            try:
                keys[model._meta.pk.to_python(object_id)] = object_id
            except (TypeError, ValueError, ValidationError):
                refused.add((model, object_id))
        found = {str(pk) for pk in rows.filter(pk__in=list(keys)).values_list("pk", flat=True)}
        refused.update((model, object_id) for object_id in keys.values() if object_id not in found)
    return refused


# --- refusing: errors on the blocks that name what the author may not use -------------------

BLOCK_MESSAGE = _(
    "Block %(number)s (%(block)s): the %(kind)s it names is not available to you. "
    "Choose another, or remove it."
)
TEXT_MESSAGE = _(
    "This text links to or shows a %(kind)s that is not available to you: remove the link "
    "or choose another."
)


def _kind(model: type[Model]) -> str:
    return str(model._meta.verbose_name)


def _references(block: Any, value: Any, path: tuple = ()) -> Iterable[tuple]:
    """(model, id, path) of every reference in a block's value, the path giving the
    position of the block naming it (stream and list children by index, struct children by
    name): new blocks have no id yet. Leaves are read by their ``extract_references``."""
    if isinstance(block, blocks.StreamBlock):
        for index, child in enumerate(value or []):
            yield from _references(child.block, child.value, (*path, index))
    elif isinstance(block, blocks.ListBlock):
        for index, child in enumerate(value.bound_blocks if value is not None else []):
            yield from _references(block.child_block, child.value, (*path, index))
    elif isinstance(block, blocks.StructBlock) and isinstance(value, dict):
        for name, child in block.child_blocks.items():
            yield from _references(child, value.get(name), (*path, name))
    elif value is not None:
        for model, object_id, _model_path, _content_path in block.extract_references(value):
            yield model, str(object_id), path


def _error_at(block: Any, value: Any, node: dict[Any, Any]) -> ValidationError:
    """The error for ``block`` from a tree of messages (``None``: the block's own, other
    keys: its children's), shaped as Wagtail's own block errors so that each shows on the
    block it is about."""
    messages = list(dict.fromkeys(node.get(None, []))) or None
    children = {key: sub for key, sub in node.items() if key is not None}
    if isinstance(block, blocks.StreamBlock):
        errors = {
            index: _error_at(value[index].block, value[index].value, sub)
            for index, sub in children.items()
        }
        return StreamBlockValidationError(block_errors=errors, non_block_errors=messages)
    if isinstance(block, blocks.ListBlock):
        errors = {
            index: _error_at(block.child_block, value[index], sub)
            for index, sub in children.items()
        }
        return ListBlockValidationError(block_errors=errors, non_block_errors=messages)
    if isinstance(block, blocks.StructBlock) and children:
        errors = {
            name: _error_at(block.child_blocks[name], value.get(name), sub)
            for name, sub in children.items()
        }
        return StructBlockValidationError(block_errors=errors, non_block_errors=messages)
    return ValidationError(messages or [])


def stream_problems(actor: Any, value: Any) -> ValidationError | None:
    """The error for a StreamField value naming what the actor may not use, or ``None``."""
    found = list(_references(value.stream_block, value))
    refused = refused_references(actor, ((model, pk) for model, pk, _path in found))
    if not refused:
        return None
    tree: dict[Any, Any] = {}
    for model, pk, path in found:
        if (model, pk) not in refused:
            continue
        message = BLOCK_MESSAGE % {
            "number": path[0] + 1,
            "block": value[path[0]].block.label,
            "kind": _kind(model),
        }
        node = tree
        for key in path:
            node = node.setdefault(key, {})
        node.setdefault(None, []).append(message)
    return _error_at(value.stream_block, value, tree)


def text_problems(actor: Any, html: str) -> ValidationError | None:
    """The error for rich text naming what the actor may not use, or ``None``."""
    found = [(model, pk) for model, pk, _m, _c in extract_references_from_rich_text(html)]
    refused = refused_references(actor, found)
    if not refused:
        return None
    kinds = dict.fromkeys(_kind(model) for model, pk in found if (model, str(pk)) in refused)
    return ValidationError([TEXT_MESSAGE % {"kind": kind} for kind in kinds])


# --- showing: what the author may not use is never rendered in the form ---------------------

_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)
_EMBED = re.compile(r"<embed\b[^>]*>", re.IGNORECASE)


def scrub_rich_text(actor: Any, html: str) -> str:
    """``html`` without the links and embeds naming what the actor may not use (a link
    keeps its text)."""
    if not html or is_regional_author(actor):
        return html
    refused = refused_references(
        actor, ((model, pk) for model, pk, _m, _c in extract_references_from_rich_text(html))
    )
    if not refused:
        return html

    def names_refused(tag: str) -> bool:
        return any(
            (model, str(pk)) in refused
            for model, pk, _m, _c in extract_references_from_rich_text(tag)
        )

    html = _LINK.sub(lambda m: m.group(1) if names_refused(m.group(0)) else m.group(0), html)
    return _EMBED.sub(lambda m: "" if names_refused(m.group(0)) else m.group(0), html)


def _map_leaves(block: Any, raw: Any, visit: Callable[[Any, Any], Any]) -> Any:
    """``raw`` (a block's JSON value) with ``visit(block, raw)`` applied to every chooser
    and rich-text leaf."""
    if isinstance(block, blocks.StreamBlock):
        for item in raw or []:
            child = block.child_blocks.get(item.get("type"))
            if child is not None:
                item["value"] = _map_leaves(child, item.get("value"), visit)
        return raw
    if isinstance(block, blocks.ListBlock):
        items = raw or []
        for position, item in enumerate(items):
            if isinstance(item, dict) and item.get("type") == "item":
                item["value"] = _map_leaves(block.child_block, item.get("value"), visit)
            else:
                items[position] = _map_leaves(block.child_block, item, visit)
        return raw
    if isinstance(block, blocks.StructBlock):
        if isinstance(raw, dict):
            for name, child in block.child_blocks.items():
                if name in raw:
                    raw[name] = _map_leaves(child, raw[name], visit)
        return raw
    if isinstance(block, (blocks.ChooserBlock, blocks.RichTextBlock)):
        return visit(block, raw)
    return raw


def scrub_stream(actor: Any, stream_block: Any, value: Any) -> Any:
    """``value`` with every chooser naming what the actor may not use emptied and rich text
    scrubbed (:func:`scrub_rich_text`); ``value`` itself when there is nothing to scrub."""
    if value is None or is_regional_author(actor):
        return value
    raw = stream_block.get_prep_value(value)
    references: list[Reference] = []

    def collect(block: Any, leaf: Any) -> Any:
        if isinstance(block, blocks.ChooserBlock):
            if leaf not in (None, ""):
                references.append((block.model_class, str(leaf)))
        elif leaf:
            references.extend(
                (model, pk) for model, pk, _m, _c in extract_references_from_rich_text(leaf)
            )
        return leaf

    _map_leaves(stream_block, raw, collect)
    refused = refused_references(actor, references)
    if not refused:
        return value

    def scrub(block: Any, leaf: Any) -> Any:
        if isinstance(block, blocks.ChooserBlock):
            return None if (block.model_class, str(leaf)) in refused else leaf
        return scrub_rich_text(actor, leaf) if leaf else leaf

    return stream_block.to_python(_map_leaves(stream_block, raw, scrub))


def _scope_widget(widget: Any, actor: Any, model_field: Any) -> None:
    """Make a page field's widget render nothing the actor may not use."""
    if isinstance(model_field, StreamField) and hasattr(widget, "render_with_errors"):
        render_with_errors = widget.render_with_errors
        stream_block = model_field.stream_block

        def render_scrubbed(name: str, value: Any, *args: Any, **kwargs: Any) -> Any:
            scrubbed = scrub_stream(actor, stream_block, value)
            return render_with_errors(name, scrubbed, *args, **kwargs)

        widget.render_with_errors = render_scrubbed
    elif isinstance(model_field, RichTextField):
        format_value = widget.format_value
        widget.format_value = lambda value: format_value(
            scrub_rich_text(actor, value) if isinstance(value, str) else value
        )


def scope_choice_field(field: ModelChoiceField, rows: QuerySet) -> None:
    """Offer and accept only ``rows`` in a model choice field; its chooser widget (if it is
    one) shows no other row either, even when a request sent one."""
    field.queryset = field.queryset.filter(pk__in=rows.values("pk"))
    get_instance = getattr(field.widget, "get_instance", None)
    if get_instance is None:
        return

    def scoped_get_instance(value: Any) -> Any:
        key = getattr(value, "pk", value)
        if key in (None, ""):
            return get_instance(value)
        try:
            allowed = rows.filter(pk=key).exists()
        except (TypeError, ValueError, ValidationError):
            allowed = False
        return get_instance(value) if allowed else None

    field.widget.get_instance = scoped_get_instance


class AuthoringPageForm(WagtailAdminPageForm):
    """The base form of every page type: see the module's documentation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor = self.for_user
        if actor is None or is_regional_author(actor):
            return
        for name, field in self.fields.items():
            model_field = self._model_field(name)
            if model_field is not None:
                _scope_widget(field.widget, actor, model_field)
            if isinstance(field, ModelChoiceField):
                rows = usable_rows(actor, field.queryset.model)
                if rows is not None:
                    scope_choice_field(field, rows)

    def _model_field(self, name: str) -> Any:
        try:
            model_field = self._meta.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        return model_field if isinstance(model_field, (StreamField, RichTextField)) else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        actor = self.for_user
        if actor is None or is_regional_author(actor):
            return cleaned
        for name in list(self.fields):
            model_field = self._model_field(name)
            value = cleaned.get(name)
            if model_field is None or not value:
                continue
            if isinstance(model_field, StreamField):
                error = stream_problems(actor, value)
            else:
                error = text_problems(actor, str(value))
            if error is not None:
                self.add_error(name, error)
        return cleaned
