"""Hostile input on the officer's side: autosave numbers and JSON that once gave 500s,
and question stems that carried links and redirects into the exam page."""

from __future__ import annotations

import json

import pytest

from assessments import services
from assessments.content import stem_html
from assessments.models import Attempt, Question, QuestionBank
from assessments.portability import questions_import
from courses import services as course_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(assessment, per_officer, client):
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    client.force_login(per_officer)
    return services.attempt_start(actor=per_officer, assessment=assessment.page)


def post(client, attempt, body):
    return client.post(
        f"/attempts/{attempt.pk}/answer/",
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"position": 1, "seq": 2**31, "answer": {"value": True}},
        {"position": 1, "seq": 2**63, "answer": None},
        {"position": 1, "seq": 10**30, "answer": None},
        {"position": 1, "seq": 0, "answer": None},
        {"position": 1, "seq": -5, "answer": None},
        {"position": 2**40, "seq": 1, "answer": None},
        {"position": 0, "seq": 1, "answer": None},
        '{"position": 1, "seq": 1e999, "answer": null}',
        '{"position": 1, "seq": 1, "answer": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"position": 1, "seq": 1, "answer": ' + '{"a":' * 2000 + "1" + "}" * 2000 + "}",
        '{"position": "1\\u0000", "seq": 1, "answer": null}',
        "[1, 2, 3]",
        "",
        "\x00\x01",
    ],
)
def test_malformed_autosaves_answer_400_and_change_nothing(client, attempt, body):
    reply = post(client, attempt, body)
    assert reply.status_code == 400, reply.content[:200]
    assert reply.json()["code"] == "malformed"
    assert not attempt.responses.exclude(seq=0).exists()


def test_the_largest_seq_is_accepted(client, attempt):
    response = attempt.responses.get(version__type="true_false")
    reply = post(
        client,
        attempt,
        {"position": response.position, "seq": 2**31 - 1, "answer": {"value": False}},
    )
    assert reply.status_code == 200 and reply.json()["seq"] == 2**31 - 1


HOSTILE = (
    '<p>Which <a href="https://phish.example/login">document</a> is false?'
    '<meta http-equiv="refresh" content="0;url=https://phish.example">'
    '<script>alert(1)</script><img src=x onerror="alert(2)">'
    '<iframe src="https://phish.example"></iframe><form action="https://x"><input></form>'
    '<p style="position:fixed" onclick="x()">Read <strong>carefully</strong></p>'
    "<svg><use href='#x'/></svg><!-- note --></p>"
)


def test_stem_html_keeps_text_and_formatting_only():
    clean = stem_html(HOSTILE)
    for gone in (
        "<a",
        "href",
        "meta",
        "refresh",
        "script",
        "alert",
        "<img",
        "onerror",
        "iframe",
        "<form",
        "<input",
        "style",
        "onclick",
        "<svg",
        "<!--",
    ):
        assert gone not in clean, gone
    assert "document" in clean and "<strong>carefully</strong>" in clean
    assert stem_html(clean) == clean  # idempotent


def test_stems_are_cleaned_when_saved_from_the_editor_and_shown_clean(
    client, assessment, per_officer, regional_author
):
    """The question editor's save path stores a clean stem; the officer's page shows it."""
    question = Question.objects.get(bank=assessment.bank, uid="sc")
    version = question.current_version
    texts = {"en": {**version.texts["en"], "stem": HOSTILE}}
    services.question_version_save(
        actor=regional_author, question=question, qtype=version.type, data=version.data, texts=texts
    )
    question.refresh_from_db()
    stored = question.current_version.texts["en"]["stem"]
    assert stored == stem_html(HOSTILE) and "phish" not in stored
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    client.force_login(per_officer)
    client.post(f"/assessments/{assessment.page.pk}/start/")
    attempt = Attempt.objects.get(user=per_officer)
    html = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert "phish.example" not in html and "http-equiv" not in html
    assert "<strong>carefully</strong>" in html


def test_a_stem_stored_raw_before_the_fix_is_cleaned_when_shown(client, assessment, per_officer):
    """Versions saved before cleaning existed (or written around the services) are
    cleaned again when shown, on the attempt page and in the review."""
    question = Question.objects.get(bank=assessment.bank, uid="sc")
    version = question.current_version
    version.texts = {"en": {**version.texts["en"], "stem": HOSTILE}}
    version.save(update_fields=["texts"])  # raw, around the service on purpose
    course_services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    client.force_login(per_officer)
    client.post(f"/assessments/{assessment.page.pk}/start/")
    attempt = Attempt.objects.get(user=per_officer)
    assert "phish.example" not in client.get(f"/attempts/{attempt.pk}/").content.decode()
    client.post(f"/attempts/{attempt.pk}/submit/")
    assessment.page.review_policy = "answers"
    assessment.page.save()
    review = client.get(f"/attempts/{attempt.pk}/result/").content.decode()
    assert "data-review=" in review and "phish.example" not in review


@pytest.mark.parametrize("fmt", ["gift", "json"])
def test_stems_are_cleaned_on_import(regional_author, fmt):
    bank = QuestionBank.objects.create(title="Imported")
    if fmt == "gift":
        text = (
            '::q1::[html]<p>Pick <a href\\="https\\://phish.example">one</a>'
            '<meta http-equiv\\="refresh" content\\="0"></p>{=right ~wrong}\n'
        )
    else:
        text = json.dumps(
            {
                "format": "customs-lms-questions",
                "version": 1,
                "bank": {"title": "Imported"},
                "questions": [
                    {"uid": "q1", "type": "true_false", "stem": HOSTILE, "data": {"correct": True}}
                ],
            }
        )
    report = questions_import(
        actor=regional_author, bank=bank, text=text, fmt=fmt, language="en", skip_bad=False
    )
    assert report.imported == 1, report
    stem = bank.questions.get().current_version.texts["en"]["stem"]
    assert "phish" not in stem and "meta" not in stem and "script" not in stem
