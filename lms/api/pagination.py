"""Page-number pagination with a capped page size.

``?page_size=`` defaults to 50 and is capped at 200 (asking for more gives 200). A
``page`` or ``page_size`` that is not a whole number of at least 1 (``0``, ``-1``,
``abc``) gets 400 with a message; a page past the last one gets DRF's 404 ("Invalid
page"), never a 500.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

WHOLE_NUMBER = re.compile(r"[0-9]+")
MAX_DIGITS = 12
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class ApiPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    @staticmethod
    def _whole_number(request: Any, name: str) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        if not WHOLE_NUMBER.fullmatch(raw):
            value = 0
        else:  # a number past any page or size is as good as this one (and int() stays cheap)
            value = int(raw) if len(raw) <= MAX_DIGITS else 10**MAX_DIGITS
        if value < 1:
            raise ValidationError({name: [_("Give a whole number of at least 1.")]})
        return value

    def get_page_size(self, request: Any) -> int:
        value = self._whole_number(request, self.page_size_query_param)
        if value is None:
            return self.page_size
        return min(value, self.max_page_size)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        if request.query_params.get(self.page_query_param) not in self.last_page_strings:
            self._whole_number(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)
