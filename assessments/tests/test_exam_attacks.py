"""Attacks a security review made on the exam after issue 11, each repeated here and
refused (each test failed before its fix):

1. The autosave's "duplicate" refusal names the *authored* id of the repeated ordering
   item (``«i3» appears more than once``), so the page's opaque tokens can be mapped back
   to authored ids, which for ordering questions are written in the correct order.
2. Translations of one assessment share their attempts (``translation_key``) but each
   kept its own rules: the review of an attempt sat on one translation followed that
   page's ``max_attempts`` while a start on the other followed the other's, so an officer
   could read the answers and then sit one more attempt. Rules are now the strictest of
   the translations (``assessments/rules.py``).
3. Ticking every option of a multiple-response question earned partial credit.
4. A practice quiz drawing from the final exam's bank showed the final's answers.
"""

from __future__ import annotations

import json
import re

import pytest

from assessments import services
from assessments.models import AssessmentPage, Attempt, DrawRule
from assessments.tests.fixtures import make_bank
from courses import services as course_services
from courses.tests.fixtures import add, translate

pytestmark = pytest.mark.django_db

ORDERING = {
    # As the question editor, the GIFT importer and the demo banks write them: ids
    # i1..iN in the correct order.
    "steps": (
        "ordering",
        {
            "items": [{"id": f"i{n}"} for n in range(1, 6)],
            "correct_order": [f"i{n}" for n in range(1, 6)],
            "scoring": "all_or_nothing",
        },
        {
            "stem": "<p>Put the steps in order.</p>",
            "items": {f"i{n}": {"text": f"Step text {n}"} for n in range(1, 6)},
        },
    )
}


def _send(client, attempt, position, seq, answer):
    return client.post(
        f"/attempts/{attempt.pk}/answer/",
        json.dumps({"position": position, "seq": seq, "answer": answer}),
        content_type="application/json",
    )


def test_duplicate_refusal_does_not_reveal_authored_ordering_ids(client, course_tree, per_officer):
    bank = make_bank("Ordering", questions=ORDERING)
    page = AssessmentPage(title="Order", slug="order", pass_mark=100, max_attempts=1)
    page.draw_rules = [DrawRule(bank=bank, count=1)]
    add(course_tree.module2, page)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)
    client.post(f"/assessments/{page.pk}/start/")
    attempt = Attempt.objects.get(user=per_officer)

    # What the browser has: the attempt page's tokens, nothing else.
    html = client.get(f"/attempts/{attempt.pk}/").content.decode()
    tokens = re.findall(r'<li data-id="([a-z0-9]+)"', html)
    assert len(tokens) == 5

    # The attack: send each token repeated; the refusal names the authored id behind it.
    authored = {}
    for seq, token in enumerate(tokens, start=1):
        reply = _send(client, attempt, 1, seq, {"order": [token] * len(tokens)}).json()
        assert reply["code"] == "duplicate"
        found = re.search(r"«([^»]+)»|“([^”]+)”", reply["message"])
        authored[token] = next(group for group in found.groups() if group)
    # Every refusal names the token the browser sent, never what stands behind it.
    assert authored == {token: token for token in tokens}
    # And refusals of other kinds say nothing of the key either.
    reply = _send(client, attempt, 1, 50, {"order": tokens[:2]}).json()
    assert reply["code"] == "incomplete_order"
    assert not re.search(r"\bi[1-5]\b", reply["message"])


def test_translations_do_not_give_answers_then_another_attempt(client, course_tree, per_officer):
    """The English page allows 3 attempts; its Spanish translation (edited separately, as
    Wagtail lets authors do) allows 1. Attempts count across both."""
    from wagtail.models import Locale

    bank = make_bank("Shared")
    english = AssessmentPage(
        title="Final", slug="final", pass_mark=100, max_attempts=3, review_policy="after_last"
    )
    english.draw_rules = [DrawRule(bank=bank, count=3)]
    add(course_tree.module2, english)
    spanish = translate(english, Locale.objects.get(language_code="es"), title="Final (es)")
    spanish.max_attempts = 1
    spanish.save_revision().publish()
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)

    # One attempt on the Spanish page: "no attempt remains" there, so its review shows
    # the answers...
    client.post(f"/assessments/{spanish.pk}/start/")
    first = Attempt.objects.get(user=per_officer)
    client.post(f"/attempts/{first.pk}/submit/")
    review = client.get(f"/attempts/{first.pk}/result/")
    answers_shown = review.context["show_answers"]

    # ...and the English page still starts a second attempt on the same key.
    client.post(f"/assessments/{english.pk}/start/")
    attempts = Attempt.objects.filter(user=per_officer).count()

    assert not (answers_shown and attempts > 1), (
        "answers shown after attempt 1, then attempt 2 started on the other translation"
    )


def test_service_view_of_the_same_rule(course_tree, per_officer):
    """The same hole through the services (no HTTP): the start is judged by the page
    posted to, the review by the page the attempt was sat on."""
    from wagtail.models import Locale

    bank = make_bank("Shared2")
    english = AssessmentPage(title="F2", slug="f2", max_attempts=2)
    english.draw_rules = [DrawRule(bank=bank, count=2)]
    add(course_tree.module2, english)
    spanish = translate(english, Locale.objects.get(language_code="es"), title="F2 es")
    spanish.max_attempts = None  # unlimited on one translation only
    spanish.save_revision().publish()
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    refused = 0
    for _ in range(4):
        try:
            attempt = services.attempt_start(actor=per_officer, assessment=spanish)
        except services.AttemptRefused:
            refused += 1
            continue
        services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    assert refused == 2
    used = Attempt.objects.filter(user=per_officer, assessment_key=english.translation_key)
    assert used.count() <= english.max_attempts, f"{used.count()} attempts on a 2-attempt exam"


def test_ticking_every_option_earns_nothing_under_right_minus_wrong():
    """The demo's multiple-response questions have 4 correct options of 6 (and 3 of 5).
    Ticking every option, without reading, earned half the points under right_minus_wrong
    (each wrong tick cost 1/correct instead of 1/wrong). per_option classifies each option
    and so pays any blind strategy about half by its nature: the editor says so."""
    from assessments.grading import grade

    options = [{"id": f"o{n}"} for n in range(6)]
    answer = {"options": [o["id"] for o in options]}
    earned = {
        rule: grade(
            "multiple_response",
            {"options": options, "correct": ["o0", "o1", "o2", "o3"], "scoring": rule},
            answer,
        ).fraction
        for rule in ("right_minus_wrong",)
    }
    assert all(fraction == 0 for fraction in earned.values()), earned


def test_a_practice_quiz_on_the_final_exams_bank_does_not_give_its_answers(
    client, course_tree, per_officer
):
    """The review policy is judged per assessment, but questions belong to banks that
    several assessments draw from. A one-attempt practice quiz (default policy: answers
    after the last attempt) on the final exam's bank shows the final's answers while the
    final still has every attempt left. Any training manager of an administration can set
    this up over a regional bank (their assessments draw from regional banks)."""
    bank = make_bank("Final bank")
    final = AssessmentPage(title="Final", slug="final-x", max_attempts=3, pass_mark=70)
    final.draw_rules = [DrawRule(bank=bank, count=7)]
    add(course_tree.module2, final)
    practice = AssessmentPage(title="Practice", slug="practice", max_attempts=1)
    practice.draw_rules = [DrawRule(bank=bank, count=7)]
    add(course_tree.module1, practice)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)
    client.post(f"/assessments/{practice.pk}/start/")
    attempt = Attempt.objects.get(user=per_officer)
    client.post(f"/attempts/{attempt.pk}/submit/")
    review = client.get(f"/attempts/{attempt.pk}/result/")
    final_attempts_left = (
        final.max_attempts
        - Attempt.objects.filter(user=per_officer, assessment_key=final.translation_key).count()
    )
    assert not (review.context["show_answers"] and final_attempts_left), (
        f"answers of the final's bank shown with {final_attempts_left} final attempts left"
    )


def test_kept_back_answers_show_once_the_other_assessment_is_used_up(
    client, course_tree, per_officer
):
    """The practice quiz's answers come back when the final can no longer be sat, and an
    assessment of another administration never keeps them back."""
    bank = make_bank("Final bank 2")
    final = AssessmentPage(title="Final", slug="final-y", max_attempts=1, pass_mark=70)
    final.draw_rules = [DrawRule(bank=bank, count=7)]
    add(course_tree.module2, final)
    practice = AssessmentPage(title="Practice", slug="practice-y", max_attempts=1)
    practice.draw_rules = [DrawRule(bank=bank, count=7)]
    add(course_tree.module1, practice)
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)
    client.post(f"/assessments/{practice.pk}/start/")
    attempt = Attempt.objects.get(user=per_officer)
    client.post(f"/attempts/{attempt.pk}/submit/")
    held = client.get(f"/attempts/{attempt.pk}/result/")
    assert not held.context["show_answers"] and held.context["kept_back"] == 7
    assert "Final" in held.content.decode()
    final_attempt = services.attempt_start(actor=per_officer, assessment=final)
    services.attempt_submit(actor=per_officer, attempt_id=final_attempt.pk)
    shown = client.get(f"/attempts/{attempt.pk}/result/")
    assert shown.context["show_answers"] and shown.context["kept_back"] == 0
