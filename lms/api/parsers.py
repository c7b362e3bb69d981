"""The API's request parser: JSON, refusing documents nested too deeply with a 400."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class ApiJSONParser(JSONParser):
    """DRF's JSON parser, except that a document nested deeper than Python's recursion
    limit (``[[[[...]]]]`` thousands deep) is a parse error, not a server error."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("The JSON document is nested too deeply.")) from exc
