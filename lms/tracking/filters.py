"""Reading the compliance matrix's filters from a query string, once, for the matrix page
and its exports (so that an export holds exactly the rows the page listed)."""

from __future__ import annotations

from collections.abc import Mapping

from .selectors import MatrixFilters

#: Longest search text kept; the rest is dropped.
MAX_QUERY_CHARS = 100
#: The largest id a (64-bit) database column holds; larger ids are refused or ignored
#: before they reach the database driver (which would overflow). Shared by the forms and
#: the API.
MAX_ID = 2**63 - 1
#: Longest programme code or status kept (both are short slugs).
MAX_SLUG_CHARS = 64


def _text(query: Mapping[str, str], name: str, limit: int) -> str:
    value = query.get(name) or ""
    return str(value).strip()[:limit]


def matrix_filters_from_query(query: Mapping[str, str]) -> MatrixFilters:
    """The filters in ``query`` (``request.GET``): ``unit`` (an id), ``programme`` (a
    code), ``status``, ``q`` and ``sort``.

    A unit that is not a positive whole number is ignored (no unit filter). Any other
    value is passed on as written: :func:`lms.tracking.selectors.compliance_matrix`
    answers no rows for an unknown unit, programme or status (never another
    administration's rows, since it starts from the administration's officers), and
    sorts by name when the sort is unknown.
    """
    raw_unit = _text(query, "unit", 20)
    unit = int(raw_unit) if raw_unit.isascii() and raw_unit.isdigit() else None
    if unit is not None and unit > MAX_ID:
        unit = None
    return MatrixFilters(
        unit=unit if unit else None,
        programme=_text(query, "programme", MAX_SLUG_CHARS) or None,
        status=_text(query, "status", MAX_SLUG_CHARS) or None,
        q=_text(query, "q", MAX_QUERY_CHARS),
        sort=_text(query, "sort", MAX_SLUG_CHARS) or "name",
    )
