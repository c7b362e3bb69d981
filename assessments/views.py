"""Officer-facing assessment pages and the autosave endpoint. Thin: parse, call, render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from . import next_steps, selectors, services, sheet
from . import types as question_types
from .content import merged, stem_html
from .grading import RESPONSE_ERROR_MESSAGES, ResponseError
from .models import AssessmentPage, Attempt
from .review import Situation, review_visibility
from .rules import assessment_rules, questions_kept_back

MAX_ANSWER_BYTES = 96 * 1024
"""An essay of 20,000 characters (types/essay.MAX_TEXT_CHARS) in UTF-8 JSON fits."""
MAX_SEQ = 2**31 - 1  # the largest value the database column holds on every backend
MAX_POSITION = 32767


def assessment_detail(request: HttpRequest, assessment: AssessmentPage) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    course, enrolment = selectors.assessment_context(request.user, assessment)
    attempts = list(selectors.attempt_list_for_user(request.user, assessment))
    open_attempt = next((a for a in attempts if a.status == Attempt.Status.OPEN), None)
    rules = assessment_rules(assessment)
    allowed, reason = services.attempts_allowed(assessment, attempts, timezone.now(), rules)
    return render(
        request,
        assessment.template,
        {
            "page": assessment,
            "self": assessment,
            "course": course,
            "enrolment": enrolment,
            "attempts": attempts,
            "open_attempt": open_attempt,
            "can_start": allowed and enrolment is not None,
            "reason": reason,
            "rules": rules,
        },
    )


@login_required
@require_POST
def start(request: HttpRequest, page_id: int) -> HttpResponse:
    assessment, rules, draws = selectors.live_assessment(page_id)
    course, enrolment = selectors.assessment_context(request.user, assessment)
    if enrolment is None:
        messages.info(request, _("Enrol in the course to sit its assessments."))
        return HttpResponseRedirect(course.url)
    try:
        attempt = services.attempt_start(
            actor=request.user,
            assessment=assessment,
            language=translation.get_language(),
            rules=rules,
            draws=draws,
        )
    except services.AttemptRefused as refusal:
        messages.error(request, refusal.message)
        return HttpResponseRedirect(assessment.url)
    return HttpResponseRedirect(reverse("assessments:attempt", args=[attempt.pk]))


@login_required
def attempt_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    # Rendered ahead while nothing is answered (assessments/sheet.py), else rendered here.
    attempt, ready = selectors.attempt_with_sheet(
        request.user, attempt_id, translation.get_language()
    )
    if attempt.status != Attempt.Status.OPEN:
        return HttpResponseRedirect(reverse("assessments:result", args=[attempt.pk]))
    if ready is not None:
        questions, types, positions = [], ready.meta["types"], ready.meta["positions"]
        seq = dict.fromkeys(positions, 0)
    else:
        questions = sheet.question_items(
            attempt.responses.select_related("version"), attempt.language
        )
        types = [q["type"] for q in questions]
        seq = {q["position"]: q["seq"] for q in questions}
    return render(
        request,
        "assessments/attempt.html",
        {
            "attempt": attempt,
            "assessment": attempt.assessment,
            "questions": questions,
            "sheet": mark_safe(ready.html) if ready is not None else None,  # noqa: S308 - ours
            "type_scripts": question_types.scripts_for(types),
            "attempt_settings": {
                "answerUrl": reverse("assessments:answer", args=[attempt.pk]),
                "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
                "serverNow": timezone.now().isoformat(),
                "storageKey": f"lms-attempt-{attempt.pk}",
                "seq": seq,
                "messages": {
                    "saved": _("Saved"),
                    "saving": _("Saving…"),
                    "unsaved": _("Not saved yet: it will be sent when the connection returns"),
                    "refused": _("Not saved"),
                    "timeUp": _("Time is up. Your saved answers will be graded."),
                    "remaining": _("Time remaining"),
                    "offline": _(
                        "You are offline. Your answers are kept on this device and sent "
                        "when the connection returns."
                    ),
                    "unsentBeforeSubmit": _(
                        "Answers not saved yet: %(count)s. Check your connection, "
                        "then submit again."
                    ),
                },
            },
        },
    )


def _error(message: str, status: int, code: str) -> JsonResponse:
    return JsonResponse({"saved": False, "code": code, "message": message}, status=status)


@require_POST
def answer(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Autosave one answer: {"position", "seq", "answer"}."""
    if not request.user.is_authenticated:
        return _error(_("Sign in first."), 403, "anonymous")
    if len(request.body) > MAX_ANSWER_BYTES:
        return _error(_("The answer is too large."), 413, "too_large")
    try:
        payload = json.loads(request.body)
        position, seq = int(payload["position"]), int(payload["seq"])
        given = payload["answer"]
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
        # OverflowError: a number like 1e999 where an integer belongs; RecursionError:
        # JSON nested deeper than the parser goes.
        return _error(_("The answer could not be read."), 400, "malformed")
    if not (1 <= position <= MAX_POSITION and 1 <= seq <= MAX_SEQ):
        return _error(_("The answer could not be read."), 400, "malformed")
    try:
        response, saved = services.response_save(
            actor=request.user, attempt_id=attempt_id, position=position, seq=seq, answer=given
        )
    except Http404:
        return _error(_("Not found."), 404, "not_found")
    except services.AttemptRefused as refusal:
        return _error(refusal.message, 409, refusal.code)
    except ResponseError as error:
        message = _(RESPONSE_ERROR_MESSAGES.get(error.code, "{code}")).format_map(
            {"code": error.code, **getattr(error, "params", {})}
        )
        return _error(message, 400, error.code)
    return JsonResponse({"saved": saved, "seq": response.seq, "stale": not saved})


@login_required
@require_POST
def submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.access_attempt(request.user, attempt_id)
    try:
        services.attempt_submit(actor=request.user, attempt_id=attempt.pk)
    except services.AttemptRefused as refusal:
        messages.error(request, refusal.message)
        return HttpResponseRedirect(reverse("assessments:attempt", args=[attempt.pk]))
    return HttpResponseRedirect(reverse("assessments:result", args=[attempt.pk]))


def _review_allowed(attempt: Attempt, assessment: AssessmentPage | None) -> tuple[bool, bool]:
    """(show score, show answers and feedback) under the assessment's review policy, the
    strictest of its translations' (they share their attempts)."""
    if assessment is None:
        return False, False
    rules = assessment_rules(assessment)
    used = list(
        Attempt.objects.filter(
            user_id=attempt.user_id, assessment_key=attempt.assessment_key
        ).values_list("status", flat=True)
    )
    visibility = review_visibility(
        Situation(
            policy=rules.review_policy,
            attempts_used=len(used),
            max_attempts=rules.max_attempts,
            attempt_open=Attempt.Status.OPEN in used,
            available_until=rules.available_until,
            now=timezone.now(),
        )
    )
    return visibility.score, visibility.answers


@login_required
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.access_attempt(request.user, attempt_id)
    if attempt.status == Attempt.Status.OPEN:
        return HttpResponseRedirect(reverse("assessments:attempt", args=[attempt.pk]))
    show_score, show_answers = _review_allowed(attempt, attempt.assessment)
    # Questions another assessment the officer may still sit can draw keep their answers.
    kept_back = questions_kept_back(request.user, attempt) if show_answers else {}
    sections: dict[str, dict[str, float]] = {}
    review = []
    for response in attempt.responses.select_related("version").order_by("position"):
        section = sections.setdefault(response.section, {"points": 0.0, "max": 0.0})
        section["points"] += response.points or 0
        section["max"] += response.max_points
        if show_answers and response.version.question_id not in kept_back:
            version = response.version
            texts = version.text_for(attempt.language)
            kind = question_types.get(version.type)
            question = merged(version.data, texts)
            review.append(
                {
                    "position": response.position,
                    "type": version.type,
                    "stem": kind.review_stem(stem_html(texts.get("stem", ""))),
                    "question": question,
                    "review": kind.review_view(
                        question, response.answer, stem=texts.get("stem", "")
                    ),
                    "feedback": texts.get("feedback", {}),
                    "answer": response.answer,
                    "fraction": response.fraction,
                    "points": response.points,
                    "max_points": response.max_points,
                }
            )
    return render(
        request,
        "assessments/result.html",
        {
            "attempt": attempt,
            "assessment": attempt.assessment,
            "show_score": show_score,
            "show_answers": show_answers and bool(review),
            "kept_back": len(kept_back),
            "kept_back_for": sorted(set(kept_back.values())),
            "sections": [
                {
                    "title": title,
                    **values,
                    "percent": round(100 * values["points"] / values["max"])
                    if values["max"]
                    else 0,
                }
                for title, values in sections.items()
            ],
            "review": review,
            "next_steps": next_steps.next_steps_for(request.user, attempt),
        },
    )


@login_required
@cache_control(private=True, max_age=86400)
def image(request: HttpRequest, name: str) -> HttpResponse:
    """A hotspot image generated by the platform (see assessments/images.py), or an image
    stored for a bank (assessments/question_images.py) when the user may see it: 404
    otherwise, as for an unknown name."""
    from .images import render_image
    from .question_images import question_image_for_user

    data = render_image(name)
    if data is not None:
        return HttpResponse(data, content_type="image/png")
    stored = question_image_for_user(request.user, name)
    if stored is None:
        raise Http404
    with stored.file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=stored.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
