"""Assignment pages: the manager's list, form, detail and withdrawal, and the officer's
"Assigned to me". Thin: parse, call a selector or a service, render. Tenancy comes from
:func:`lms.tracking.selectors.access_tracked_administration` (404 for anyone but the
administration's managers and platform admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from . import assignments
from .forms_assignments import AssignmentForm, WithdrawForm
from .selectors import access_tracked_administration

PER_PAGE = 50


@login_required
@require_GET
def assignment_list(request: HttpRequest, code: str) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    queryset = assignments.assignment_list_for_user(request.user, administration)
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    rows = assignments.with_titles(list(page))
    return render(
        request,
        "tracking/assignments/list.html",
        {"administration": administration, "page": page, "rows": rows},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_new(request: HttpRequest, code: str) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    form = AssignmentForm(
        request.POST if request.method == "POST" else None, administration=administration
    )
    if request.method == "POST" and form.is_valid():
        try:
            assignment = assignments.assignment_create(
                actor=request.user, administration=administration, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = assignment.targeted_count
            messages.success(
                request,
                ngettext("Assigned to %(count)s officer.", "Assigned to %(count)s officers.", count)
                % {"count": count},
            )
            return HttpResponseRedirect(
                reverse("tracking:assignment", args=[administration.code, assignment.pk])
            )
    return render(
        request,
        "tracking/assignments/new.html",
        {"administration": administration, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_GET
def assignment_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    assignment = assignments.access_assignment(request.user, administration, pk)
    assignments.with_titles([assignment])
    records = assignments.assignment_records(request.user, assignment)
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tracking/assignments/detail.html",
        {
            "administration": administration,
            "assignment": assignment,
            "summary": assignments.assignment_summary(assignment),
            "page": page,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_withdraw(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    administration = access_tracked_administration(request.user, code)
    assignment = assignments.access_assignment(request.user, administration, pk)
    detail_url = reverse("tracking:assignment", args=[administration.code, assignment.pk])
    if assignment.withdrawn_at is not None:
        return HttpResponseRedirect(detail_url)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        assignments.assignment_withdraw(actor=request.user, assignment=assignment)
        messages.success(
            request, gettext("The assignment is withdrawn. Completed records are kept.")
        )
        return HttpResponseRedirect(detail_url)
    assignments.with_titles([assignment])
    return render(
        request,
        "tracking/assignments/withdraw.html",
        {
            "administration": administration,
            "assignment": assignment,
            "summary": assignments.assignment_summary(assignment),
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_GET
def my_assignments(request: HttpRequest) -> HttpResponse:
    if request.user.administration_id is None:
        raise Http404
    items = assignments.assignments_for_officer(request.user)
    return render(
        request,
        "tracking/assignments/mine.html",
        {
            "open_items": [item for item in items if item.completed_at is None],
            "done_items": [item for item in items if item.completed_at is not None],
        },
    )
