"""The compliance matrix and the officer page: parse, call the selectors, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from certificates.models import Certificate
from lms.accounts.models import Unit

from . import selectors
from .filters import matrix_filters_from_query

PAGE_SIZE = 50


def _unit_choices(administration) -> list[tuple[int, str]]:
    """Units as an indented list, parents before their children (one query)."""
    units = list(Unit.objects.filter(administration=administration).order_by("name"))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    choices: list[tuple[int, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            choices.append((unit.pk, "\u2003" * depth + unit.name))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return choices


@login_required
def matrix(request: HttpRequest, code: str) -> HttpResponse:
    administration = selectors.access_tracked_administration(request.user, code)
    filters = matrix_filters_from_query(request.GET)
    columns = selectors.programme_columns(administration)
    officers = selectors.compliance_matrix(administration, columns, filters)
    page = Paginator(officers, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.matrix_rows(page.object_list, columns)
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    for key in ("page", "sort"):
        sort_query.pop(key, None)
    return render(
        request,
        "tracking/matrix.html",
        {
            "administration": administration,
            "filters": filters,
            "columns": columns,
            "rows": rows,
            "page": page,
            "units": _unit_choices(administration),
            "statuses": selectors.Status.choices(),
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "filtered": any((filters.unit, filters.programme, filters.status, filters.q)),
        },
    )


@login_required
def officer(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    administration = selectors.access_tracked_administration(request.user, code)
    overview = selectors.officer_overview(request.user, administration, pk)
    cells = zip(overview.columns, overview.row.cells if overview.row else [], strict=False)
    certificates = [
        (certificate, Certificate.Status(certificate.status).label)
        for certificate in overview.certificates
    ]
    return render(
        request,
        "tracking/officer.html",
        {
            "administration": administration,
            "overview": overview,
            "cells": list(cells),
            "certificates": certificates,
            "today": timezone.localdate(),
        },
    )
