"""Description (issue 13): a text block among the questions. No answer, never scored: it
adds nothing to an attempt's maximum, is shown without number, points or save status,
never counts as unanswered and is left out of item analysis; authors give it 0 points."""

from __future__ import annotations

import json

import pytest

from assessments import services
from assessments.grading import (
    ResponseError,
    empty_response,
    grade,
    is_blank,
    normalize_response,
    question_points,
    validate_question,
)
from assessments.models import Attempt, Question
from assessments.selectors import item_analysis
from assessments.tests.short_types_fixtures import short_types_assessment
from courses import services as course_services


def test_no_answer_key_and_no_answer():
    assert validate_question("description", {}) == []
    assert validate_question("description", {"moodle": {"kept": "1"}}) == []
    assert empty_response("description") == {"value": None}
    for blank in (None, {"value": None}, {"value": ""}, {"value": "  "}):
        assert normalize_response("description", {}, blank) == {"value": None}
        assert is_blank("description", normalize_response("description", {}, blank))
    for answer in ("read", 1, True, ["a"], {"x": 1}):
        with pytest.raises(ResponseError) as refused:
            normalize_response("description", {}, {"value": answer})
        assert refused.value.code == "wrong_shape"
    with pytest.raises(ResponseError) as refused:
        normalize_response("description", {}, {"text": "I read it"})
    assert refused.value.code == "unexpected_field"


def test_never_scored_and_worth_nothing():
    result = grade("description", {}, None)
    assert result.fraction == 0.0 and not result.correct and not result.pending
    assert question_points("description", 3) == 0.0
    assert question_points("short_answer", 3) == 3.0


pytestmark = pytest.mark.django_db


@pytest.fixture
def typed(course_tree):
    return short_types_assessment(course_tree)


def right_answers(officer, assessment):
    officer.preferred_language = "en"  # the pages below are read in English
    officer.save()
    course_services.enrolment_create(actor=officer, course=assessment.tree.course)
    attempt = services.attempt_start(actor=officer, assessment=assessment.page)
    answers = {"short_answer": {"text": "pe004512"}, "numeric": {"value": "600 kg"}}
    for response in attempt.responses.select_related("version"):
        if response.version.type in answers:
            services.response_save(
                actor=officer,
                attempt_id=attempt.pk,
                position=response.position,
                seq=1,
                answer=answers[response.version.type],
            )
    return attempt


def test_a_description_adds_nothing_to_the_maximum(typed, per_officer):
    version = Question.objects.get(bank=typed.bank, uid="case").current_version
    assert float(version.points) == 0.0  # saved with 0 points though given 1
    attempt = right_answers(per_officer, typed)
    response = attempt.responses.get(version__type="description")
    assert response.max_points == 0.0
    services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    attempt = Attempt.objects.get(pk=attempt.pk)
    # Two questions of 1 point answered rightly: 100 %, the description left out.
    assert (attempt.score, attempt.max_score, attempt.percent) == (2.0, 2.0, 100.0)
    assert attempt.passed
    response.refresh_from_db()
    assert response.points == 0.0 and response.answer is None


def test_a_description_counts_even_if_it_was_stored_with_points(typed, per_officer):
    """An older version stored with points (before this rule) still adds nothing."""
    version = Question.objects.get(bank=typed.bank, uid="case").current_version
    type(version).objects.filter(pk=version.pk).update(points=5)
    attempt = right_answers(per_officer, typed)
    services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert (attempt.max_score, attempt.percent) == (2.0, 100.0)


def test_the_attempt_page_shows_it_as_text(client, typed, per_officer):
    attempt = right_answers(per_officer, typed)
    response = attempt.responses.get(version__type="description")
    client.force_login(per_officer)
    page = client.get(f"/attempts/{attempt.pk}/").content.decode()
    start = page.index(f'data-position="{response.position}"')
    block = page[page.rindex("<li", 0, start) : page.index("</li>", start)]
    assert "data-unscored" in block and "CSQU 305438-3" in block
    assert "Question" not in block and "points" not in block
    assert "data-save-status" not in block and "<input" not in block
    # The two questions are numbered 1 and 2 whatever the description's place.
    assert page.count("Question 1 ·") == 1 and page.count("Question 2 ·") == 1
    assert "Question 3 ·" not in page
    # It is never sent: the attempt page's settings know it, but there is no answer.
    settings = json.loads(
        page.split('id="attempt-settings" type="application/json">')[1].split("<")[0]
    )
    assert str(response.position) in settings["seq"]


def test_the_result_page_and_item_analysis_leave_it_out(client, typed, per_officer, per_author):
    attempt = right_answers(per_officer, typed)
    services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    response = attempt.responses.get(version__type="description")
    client.force_login(per_officer)
    page = client.get(f"/attempts/{attempt.pk}/result/").content.decode()
    start = page.index(f'data-review="{response.position}"')
    block = page[start : page.index("</li>", start)]
    assert "CSQU 305438-3" in block and "points" not in block
    assert page.count("1.0 of 1.0 points") == 2
    report = item_analysis(per_author, typed.page)
    assert sorted(item["type"] for item in report["items"]) == ["numeric", "short_answer"]


def test_the_question_form_takes_0_points_for_descriptions_only(client, regional_author, bank):
    client.force_login(regional_author)

    def post(qtype, points, data):
        return client.post(
            "/cms/questions/new/",
            {
                "bank": bank.pk,
                "uid": f"{qtype}-{points}",
                "tags": "",
                "qtype": qtype,
                "points": points,
                "data": json.dumps(data),
                "texts": json.dumps({"en": {"title": "T", "stem": "<p>Read this.</p>"}}),
            },
        )

    assert post("description", "0", {}).status_code == 302
    assert float(Question.objects.get(uid="description-0").current_version.points) == 0
    refused = post("description", "1", {})
    assert refused.status_code == 200
    assert "This type is not scored: its points must be 0." in refused.content.decode()
    sample = {"answers": [{"id": "a1", "text": "CEN", "fraction": 1}]}
    refused = post("short_answer", "0", sample)
    assert refused.status_code == 200 and "Give at least 0.01 points." in refused.content.decode()
    assert post("short_answer", "1", sample).status_code == 302
    version = Question.objects.get(uid="short_answer-1").current_version
    assert version.type == "short_answer" and version.data == sample
