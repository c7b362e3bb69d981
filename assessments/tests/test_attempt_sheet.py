"""The question sheet rendered ahead (issue 15, assessments/sheet.py): a draw prepared for
a synchronised start carries its sheet, rendered in the officer's language; the attempt
page serves it only while it is exactly what rendering now gives (nothing answered, same
language, same templates), byte for byte the same page; otherwise the page renders. A sheet
never outlives its draw's validity, and never reaches another officer."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import preparation, selectors, services, sheet
from assessments.models import Attempt, AttemptSheet, PreparedAttempt, Question, Response
from courses import services as course_services
from lms.accounts.tests.factories import officer as make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(assessment, per_officer):
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    return per_officer


def _started(client, officer, assessment) -> Attempt:
    client.force_login(officer)
    answer = client.post(reverse("assessments:start", args=[assessment.page.pk]))
    assert answer.status_code == 302, answer
    return Attempt.objects.get(user=officer, status=Attempt.Status.OPEN)


def _page(client, attempt: Attempt) -> str:
    answer = client.get(reverse("assessments:attempt", args=[attempt.pk]))
    assert answer.status_code == 200
    html = answer.content.decode()
    # What differs from one request to the next whatever renders the questions.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return re.sub(r'"serverNow": "[^"]+"', "NOW", html)


def test_the_prepared_sheet_is_served_and_is_the_page_rendered_now(client, assessment, officer):
    """Preparing renders the sheet in the officer's language (Spanish here); Start moves
    it with the draw; the page served from it equals, byte for byte, the page rendered
    from the attempt's rows once the sheet is gone."""
    assert preparation.attempts_prepare(assessment=assessment.page) == 1
    prepared = PreparedAttempt.objects.get(user=officer)
    assert prepared.sheet_language == "es" and prepared.sheet_digest == sheet.digest()
    assert "Pregunta 1" in prepared.sheet_html  # the legend, in the officer's language
    attempt = _started(client, officer, assessment)
    kept = AttemptSheet.objects.get(attempt=attempt)
    assert kept.html == prepared.sheet_html and kept.language == "es"
    assert selectors.attempt_sheet(attempt, "es") is not None

    served = _page(client, attempt)
    AttemptSheet.objects.filter(attempt=attempt).delete()
    rendered = _page(client, attempt)
    assert served == rendered
    # Every option is named by the attempt's own tokens, as the rendered page names them.
    tokens = {
        token
        for order in Response.objects.filter(attempt=attempt).values_list("option_order", flat=True)
        for token in (order or {}).get("tokens", {}).values()
    }
    assert tokens and all(token in served for token in tokens)


def test_the_sheet_is_one_query_and_spares_the_rows(client, assessment, officer):
    """Served from the sheet, the page reads no response or question version: three
    queries (session, user, the attempt with its sheet; the site comes from the cache);
    rendered, the rows with their versions come on top of the attempt's query, whose
    sheet was gone."""
    preparation.attempts_prepare(assessment=assessment.page)
    attempt = _started(client, officer, assessment)
    url = reverse("assessments:attempt", args=[attempt.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as served:
        assert client.get(url).status_code == 200
    AttemptSheet.objects.filter(attempt=attempt).delete()
    with CaptureQueriesContext(connection) as rendered:
        assert client.get(url).status_code == 200
    tables = " ".join(q["sql"] for q in served.captured_queries)
    assert "assessments_questionversion" not in tables
    assert "assessments_attemptsheet" in tables
    assert len(served) == 3, [q["sql"] for q in served.captured_queries]
    assert len(rendered) == 4


def test_a_saved_answer_is_shown_so_the_page_renders(client, assessment, officer):
    preparation.attempts_prepare(assessment=assessment.page)
    attempt = _started(client, officer, assessment)
    response = Response.objects.filter(attempt=attempt, version__type="true_false").get()
    body = {"position": response.position, "seq": 1, "answer": {"value": False}}
    saved = client.post(
        reverse("assessments:answer", args=[attempt.pk]),
        json.dumps(body),
        content_type="application/json",
    )
    assert saved.status_code == 200 and saved.json()["saved"], saved.content
    assert selectors.attempt_sheet(attempt, "es") is None
    page = _page(client, attempt)
    assert " checked" in page  # the saved answer, which the sheet rendered ahead lacks


def test_another_language_or_other_templates_render(client, assessment, officer):
    preparation.attempts_prepare(assessment=assessment.page)
    attempt = _started(client, officer, assessment)
    assert selectors.attempt_sheet(attempt, "es") is not None
    # The page in another language than the attempt's (the officer switched meanwhile).
    assert selectors.attempt_sheet(attempt, "en") is None
    # A deploy changed the templates between preparation and start.
    AttemptSheet.objects.filter(attempt=attempt).update(digest="0" * 32)
    assert selectors.attempt_sheet(attempt, "es") is None
    AttemptSheet.objects.filter(attempt=attempt).update(html="<li>stale</li>")
    assert "stale" not in _page(client, attempt)


def test_an_officer_without_a_language_of_their_own_gets_their_administrations(
    client, assessment, per
):
    """With no language chosen, an officer reads the platform in their administration's
    language: the sheet is rendered in it, and served."""
    newcomer = make_officer(per, preferred_language="")
    course_services.enrolment_create(actor=newcomer, course=assessment.tree.course)
    assert preparation.attempts_prepare(assessment=assessment.page) == 1
    prepared = PreparedAttempt.objects.get(user=newcomer)
    assert prepared.sheet_language == per.primary_language and prepared.sheet_html
    attempt = _started(client, newcomer, assessment)
    assert attempt.language == per.primary_language
    assert selectors.attempt_sheet(attempt, per.primary_language) is not None


def test_a_stale_draw_leaves_its_sheet_behind(assessment, officer):
    """A question edited after the draw discards the draw, and its sheet with it."""
    preparation.attempts_prepare(assessment=assessment.page)
    question = Question.objects.filter(bank=assessment.bank).first()
    version = question.current_version
    version.used_at = version.created_at  # used: an edit makes a new version
    version.save(update_fields=["used_at"])
    services.question_version_save(
        actor=None,
        question=question,
        qtype=version.type,
        data=version.data,
        texts={**version.texts, "en": {**version.texts["en"], "stem": "<p>Edited</p>"}},
        points=version.points,
    )
    attempt = services.attempt_start(actor=officer, assessment=assessment.page, language="es")
    assert not AttemptSheet.objects.filter(attempt=attempt).exists()
    assert selectors.attempt_sheet(attempt, "es") is None


def test_another_officer_never_sees_the_sheet(client, assessment, officer, per):
    preparation.attempts_prepare(assessment=assessment.page)
    attempt = _started(client, officer, assessment)
    colleague = make_officer(per, preferred_language="es")
    client.force_login(colleague)
    answer = client.get(reverse("assessments:attempt", args=[attempt.pk]))
    assert answer.status_code == 404
    assert AttemptSheet.objects.get(attempt=attempt).html not in answer.content.decode()


def test_sheets_of_attempts_no_longer_open_are_forgotten(client, assessment, officer):
    preparation.attempts_prepare(assessment=assessment.page)
    attempt = _started(client, officer, assessment)
    assert preparation.sheets_forget() == 0  # open: kept
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)
    assert preparation.sheets_forget() == 1
    assert not AttemptSheet.objects.exists()


def test_start_reads_the_page_and_its_rules_from_the_page_cache(client, assessment, officer, per):
    """After the first Start, the page and its rules come from the page cache: no page
    query. Publishing new rules or unpublishing the page takes effect at once."""
    from datetime import timedelta

    from django.utils import timezone

    url = reverse("assessments:start", args=[assessment.page.pk])
    first = make_officer(per, preferred_language="es")
    course_services.enrolment_create(actor=first, course=assessment.tree.course)
    client.force_login(first)
    assert client.post(url).status_code == 302
    client.force_login(officer)
    with CaptureQueriesContext(connection) as context:
        assert client.post(url).status_code == 302
    assert not [q for q in context.captured_queries if "wagtailcore_page" in q["sql"]]

    page = assessment.page.specific_class.objects.get(pk=assessment.page.pk)
    page.available_from = timezone.now() + timedelta(days=1)
    page.save_revision().publish()
    later = make_officer(per, preferred_language="es")
    course_services.enrolment_create(actor=later, course=assessment.tree.course)
    client.force_login(later)
    refused = client.post(url)
    assert refused.status_code == 302 and "/attempts/" not in refused["Location"]
    assert not Attempt.objects.filter(user=later).exists()

    page.unpublish()
    assert client.post(url).status_code == 404
