"""The grading queue and the grading page, in the Wagtail admin (training managers)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.admin.menu import MenuItem

from ..content import merged, stem_html
from ..models import Attempt, Response
from ..templatetags.essays import rubric_rows
from ..types.essay import rubric_criteria, rubric_maximum, word_count
from . import selectors, services

QUEUE_PAGE_SIZE = 50


class GradingMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return selectors.can_grade(request.user)


def _officer_label(actor: Any, attempt: Attempt) -> str:
    if selectors.shows_officer_name(actor, attempt):
        return attempt.user.full_name or attempt.user.get_username()
    return _("Officer of %(administration)s, attempt %(number)s") % {
        "administration": attempt.administration.code,
        "number": attempt.pk,
    }


def _texts(response: Response) -> dict[str, Any]:
    """The question's texts in the grader's language when written in it, else the
    officer's."""
    version = response.version
    language = (translation.get_language() or "").split("-")[0]
    if language and language in (version.texts or {}):
        return version.text_for(language)
    return version.text_for(response.attempt.language)


def grading_queue_view(request: HttpRequest) -> HttpResponse:
    if not selectors.can_grade(request.user):
        raise Http404
    page = Paginator(selectors.grading_queue_for_user(request.user), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    rows = [
        {
            "response": response,
            "attempt": response.attempt,
            "waited": now - response.attempt.submitted_at
            if response.attempt.submitted_at
            else None,
            "assessment": response.attempt.assessment.title
            if response.attempt.assessment
            else _("An assessment no longer published"),
            "officer": _officer_label(request.user, response.attempt),
            "question": response.version.text_for(response.attempt.language).get("title", ""),
        }
        for response in page.object_list
    ]
    return TemplateResponse(
        request, "assessments/admin/grading_queue.html", {"page": page, "rows": rows}
    )


def _rubric_from(request: HttpRequest, data: dict[str, Any]) -> dict[str, str]:
    return {
        str(criterion.get("id")): request.POST.get(f"criterion-{criterion.get('id')}", "")
        for criterion in rubric_criteria(data)
    }


def grading_view(request: HttpRequest, response_id: int) -> HttpResponse:
    response = selectors.access_gradable_response(request.user, response_id)
    attempt = response.attempt
    data = merged(response.version.data, {})
    status = 200
    error = ""
    if request.method == "POST":
        try:
            based_on = int(request.POST.get("based_on") or 0) or None
        except ValueError:
            based_on = -1
        fraction: Any = None
        if not rubric_criteria(data):
            try:
                given = float(request.POST.get("points", "").replace(",", "."))
                maximum = float(response.version.points)
                fraction = given / maximum if maximum else None
            except ValueError:
                fraction = None
        try:
            services.essay_grade_save(
                actor=request.user,
                response_id=response.pk,
                rubric=_rubric_from(request, data),
                fraction=fraction,
                comment=request.POST.get("comment", ""),
                based_on=based_on,
            )
        except services.GradingRefused as refusal:
            error, status = refusal.message, 400
            response = selectors.access_gradable_response(request.user, response_id)
            attempt = response.attempt
        else:
            messages.success(request, _("The grade was saved."))
            return HttpResponseRedirect(reverse("assessments_grading_queue"))
    history = list(selectors.grade_history(response))
    current = next((g for g in reversed(history) if g.current), None)
    chosen = current.rubric if current else {}
    if status == 400 and rubric_criteria(data):
        chosen = {k: v for k, v in _rubric_from(request, data).items() if v}
    texts = _texts(response)
    answer = response.answer or {}
    return TemplateResponse(
        request,
        "assessments/admin/grading.html",
        {
            "response": response,
            "attempt": attempt,
            "officer": _officer_label(request.user, attempt),
            "assessment": attempt.assessment,
            "stem": stem_html(texts.get("stem", "")),
            "title": texts.get("title", ""),
            "grader_info": stem_html(data.get("grader_info") or ""),
            "text": answer.get("text", ""),
            "words": word_count(answer.get("text", "")),
            "min_words": data.get("min_words"),
            "max_words": data.get("max_words"),
            "files": selectors.essay_files_of(response),
            "rubric": rubric_rows(data, chosen),
            "rubric_max": float(rubric_maximum(data)),
            "max_points": float(response.version.points),
            "points_given": request.POST.get("points")
            if status == 400
            else (current.points if current else ""),
            "comment": request.POST.get("comment", "")
            if status == 400
            else (current.comment if current else ""),
            "current": current,
            "history": history,
            "error": error,
            "completed": attempt.status != Attempt.Status.GRADING,
            "waiting_others": Response.objects.filter(attempt=attempt, needs_grading=True)
            .exclude(pk=response.pk)
            .count(),
        },
        status=status,
    )
