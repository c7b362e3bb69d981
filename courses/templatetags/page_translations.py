"""``{% page_translations page as panel %}``: the state of a page's translations for the
page editor's status panel (courses/translation_admin.py)."""

from typing import Any

from django import template

from courses.translation_admin import translation_status_panel

register = template.Library()


@register.simple_tag(takes_context=True)
def page_translations(context: template.Context, page: Any) -> dict[str, Any] | None:
    request = context.get("request")
    if request is None or page is None:
        return None
    return translation_status_panel(request, page)
