"""The compliance matrix and the officer page: parse, call the selectors, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates.models import Certificate
from lms.accounts.models import Administration, Unit, User
from lms.accounts.selectors import access_officer
from lms.accounts.timezones import local_date_for

from . import selectors
from .filters import matrix_filters_from_query
from .officers import officer_invitations_send

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
            # The same rows as a list, for phones: each officer's states by programme.
            "listed": [(row.officer, list(zip(columns, row.cells, strict=True))) for row in rows],
            "page": page,
            "units": _unit_choices(administration),
            "statuses": selectors.Status.choices(),
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "filtered": any((filters.unit, filters.programme, filters.status, filters.q)),
        },
    )


def _language_shown(person: User, administration: Administration) -> str:
    """The officer's language as the page names it; an unset one ("not chosen", e.g.
    removed by SCIM) is the administration's, and says so."""
    if person.preferred_language:
        return person.get_preferred_language_display()
    language = person.interface_language(administration)
    name = dict(settings.LANGUAGES).get(language, language)
    return _("Same as the administration (%(language)s)") % {"language": name}


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
            # Due dates end at midnight in the officer's zone.
            "today": local_date_for(overview.officer, administration=administration),
            "can_invite": _can_invite(overview.officer),
            "language_shown": _language_shown(overview.officer, administration),
        },
    )


def _can_invite(person) -> bool:
    """An officer who has never signed in nor chosen a password can be invited again
    (the link of the first invitation expires)."""
    return bool(
        person.is_active
        and person.email
        and person.last_login is None
        and not person.has_usable_password()
    )


@login_required
@require_POST
def officer_invite(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    administration = selectors.access_tracked_administration(request.user, code)
    person = access_officer(request.user, pk, administration=administration)
    if _can_invite(person) and officer_invitations_send(officer_ids=[person.pk]):
        messages.success(
            request, _("A new invitation was e-mailed to %(email)s.") % {"email": person.email}
        )
    else:
        messages.error(
            request,
            _(
                "No invitation was sent: this person has signed in or chosen a password "
                "already, is deactivated, or has no e-mail address."
            ),
        )
    return redirect("tracking:officer", administration.code, person.pk)
