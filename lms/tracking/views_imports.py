"""The officer import pages: upload and history, preview, apply, discard, and the
template file. Thin: parse, call :mod:`lms.tracking.officers`, render.

Only the administration's managers and platform admins reach them; anyone else gets the
same 404 as for a missing administration or import."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import exporting, officers
from .forms_imports import OfficerImportForm
from .importing import COLUMNS, ImportFileError, ImportPlan
from .models import OfficerImport
from .selectors import access_tracked_administration

HISTORY_PAGE_SIZE = 25
PROBLEMS_PAGE_SIZE = 100
LISTED_ROWS = 200
"""Rows to create and to update listed on the preview; the rest are counted."""


def _detail_url(record: OfficerImport) -> str:
    return reverse("tracking:import", args=[record.administration.code, record.pk])


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def imports(request: HttpRequest, code: str) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    status = 200
    if request.method == "POST":
        form = OfficerImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                record = officers.officer_import_upload(
                    actor=request.user,
                    administration=administration,
                    file=upload,
                    filename=upload.name,
                    size=upload.size,
                    send_invitations=form.cleaned_data["send_invitations"],
                )
            except ImportFileError as error:
                form.add_error("file", error.translated(_))
            else:
                return HttpResponseRedirect(_detail_url(record))
        status = 400
    else:
        form = OfficerImportForm()
    history = Paginator(officers.officer_imports_of(administration), HISTORY_PAGE_SIZE)
    return render(
        request,
        "tracking/imports/list.html",
        {
            "administration": administration,
            "form": form,
            "page": history.get_page(request.GET.get("page")),
            "max_rows": settings.LMS_IMPORT_MAX_ROWS,
            "max_megabytes": f"{settings.LMS_IMPORT_MAX_BYTES / 1048576:g}",
        },
        status=status,
    )


def _language_names() -> dict[str, str]:
    return dict(settings.LANGUAGES)


def _updates(plan: ImportPlan) -> list[dict[str, Any]]:
    languages = _language_names()

    def shown(name: str, value: str) -> str:
        return languages.get(value, value) if name == "preferred_language" else value

    rows = []
    for planned in plan.updates[:LISTED_ROWS]:
        previous = planned.previous
        rows.append(
            {
                "planned": planned,
                "changes": [
                    {
                        "label": officers.field_label(name),
                        "before": shown(name, getattr(previous, name)) if previous else "",
                        "after": shown(name, getattr(planned, name)),
                    }
                    for name in planned.changed
                ],
            }
        )
    return rows


@login_required
@require_GET
def import_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The preview of a previewed import (planned against the data as it is now), else
    what the import did."""
    administration = access_tracked_administration(request.user, code)
    record = officers.access_officer_import(administration, pk)
    context: dict[str, Any] = {"administration": administration, "record": record}
    page_number = request.GET.get("page")
    if record.status == OfficerImport.Status.PREVIEWED:
        try:
            plan = officers.officer_import_plan(record)
        except ImportFileError as error:
            context["file_error"] = error.translated(_)
            plan = ImportPlan()
        except officers.ImportRefused as error:
            context["file_error"] = error.message
            plan = ImportPlan()
        counts = plan.counts()
        problems = Paginator(plan.rejected, PROBLEMS_PAGE_SIZE).get_page(page_number)
        languages = _language_names()
        context.update(
            preview=True,
            counts=counts,
            creates=[
                (planned, languages.get(planned.preferred_language, planned.preferred_language))
                for planned in plan.creates[:LISTED_ROWS]
            ],
            more_creates=max(0, counts["create"] - LISTED_ROWS),
            updates=_updates(plan),
            more_updates=max(0, counts["update"] - LISTED_ROWS),
            can_apply=plan.ok and "file_error" not in context,
            background=record.row_count > settings.LMS_IMPORT_TASK_ROWS,
        )
    else:
        counts = {
            "create": record.created_count,
            "update": record.updated_count,
            "unchanged": record.unchanged_count,
            "rejected": record.rejected_count,
        }
        problems = Paginator(record.problems, PROBLEMS_PAGE_SIZE).get_page(page_number)
        context.update(preview=False, counts=counts)
    context["problems"] = problems
    context["problem_rows"] = officers.problem_rows(problems.object_list)
    return render(request, "tracking/imports/detail.html", context)


@login_required
@require_POST
def import_apply(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    record = officers.access_officer_import(administration, pk)
    outcome = officers.officer_import_apply_request(actor=request.user, officer_import=record)
    if outcome.code in ("applied", "queued"):
        messages.success(request, outcome.message)
    else:
        messages.error(request, outcome.message)
    return HttpResponseRedirect(_detail_url(record))


@login_required
@require_POST
def import_discard(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    record = officers.access_officer_import(administration, pk)
    if officers.officer_import_discard(actor=request.user, officer_import=record):
        messages.success(request, _("The import has been discarded. No officer was changed."))
        return HttpResponseRedirect(reverse("tracking:imports", args=[administration.code]))
    messages.error(request, _("This import can no longer be discarded."))
    return HttpResponseRedirect(_detail_url(record))


TEMPLATE_HEADINGS: dict[str, str] = {
    "employee_number": gettext_noop("Employee number"),
    "full_name": gettext_noop("Full name"),
    "email": gettext_noop("E-mail"),
    "unit": gettext_noop("Unit"),
    "position": gettext_noop("Position"),
    "preferred_language": gettext_noop("Preferred language"),
    "username": gettext_noop("Username"),
}
"""The import template's heading of each column (translated when written)."""


@login_required
@require_GET
def import_template(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """An empty file with the column headings the import reads, in the manager's language
    (each is one of the headings the import accepts: ``importing.COLUMN_ALIASES``)."""
    administration = access_tracked_administration(request.user, code)
    filename = f"officers-{administration.code}.{fmt}"
    headings = [_(TEMPLATE_HEADINGS[column]) for column in COLUMNS]
    if fmt == "csv":
        chunks = exporting.csv_rows(headings, [])
        content_type = exporting.CSV_CONTENT_TYPE
    elif fmt == "xlsx":
        chunks = exporting.xlsx_stream(headings, [], sheet_title=_("Officers"))
        content_type = exporting.XLSX_CONTENT_TYPE
    else:
        raise Http404
    return exporting.streaming_response(chunks, filename=filename, content_type=content_type)
