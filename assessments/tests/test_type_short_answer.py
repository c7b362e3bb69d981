"""Short answer (issue 13): accepted answers with credit and feedback, case, accents and
spaces on request, Moodle's wildcard, numbers and codes matched as such; the page never
sees the key; the review shows what matched; item analysis counts folded answers."""

from __future__ import annotations

import json
import random

import pytest

from assessments import services
from assessments.analysis import option_counts
from assessments.content import merged, public_view
from assessments.grading import (
    ResponseError,
    empty_response,
    grade,
    normalize_response,
    validate_question,
)
from assessments.models import Attempt
from assessments.tests.short_types_fixtures import SEAL, short_types_assessment
from assessments.types.short_answer import MAX_ANSWER_CHARS, is_code, matches
from courses import services as course_services

HS = {
    "answers": [
        {"id": "a1", "text": "6109.10", "fraction": 1, "feedback": "Cotton."},
        {"id": "a2", "text": "6109", "fraction": 0.5, "feedback": "Heading only."},
        {"id": "a3", "text": "8483.40", "fraction": 0, "feedback": "Gears."},
    ],
    "case_sensitive": False,
    "ignore_accents": False,
    "ignore_spaces": False,
}


def words(**options):
    return {
        "answers": [
            {"id": "a", "text": "Aduana", "fraction": 1},
            {"id": "b", "text": "bill of lading", "fraction": 1},
        ],
        **options,
    }


def fraction(data, text):
    return grade("short_answer", data, {"text": text}).fraction


# ------------------------------------------------------------------------------ validate


def test_valid_questions_and_their_problems():
    assert validate_question("short_answer", HS) == []
    assert (
        validate_question("short_answer", {"answers": [{"id": "a", "text": "x", "fraction": 1}]})
        == []
    )
    problems = " | ".join(validate_question("short_answer", {"answers": []}))
    assert "At least one accepted answer is needed" in problems
    bad = {
        "answers": [
            {"id": "a", "text": " ", "fraction": 0.5, "feedback": 3},
            {"id": "a", "text": "y", "fraction": 2},
            "z",
        ],
        "case_sensitive": "yes",
    }
    problems = " | ".join(validate_question("short_answer", bad))
    assert "Accepted answer 1 has no text" in problems
    assert "The feedback of accepted answer 1 must be text" in problems
    assert "The credit of accepted answer 2 must be a number from 0 to 1" in problems
    assert "Accepted answer 3 must be an object" in problems
    assert "“a” is used more than once" in problems
    assert "At least one accepted answer must give full credit (1)" in problems
    assert "“case_sensitive” must be true or false" in problems
    long = {"answers": [{"id": "a", "text": "x" * (MAX_ANSWER_CHARS + 1), "fraction": 1}]}
    assert "longer than 255 characters" in " ".join(validate_question("short_answer", long))


# ----------------------------------------------------------------------------- normalise


def test_the_response_is_the_text_as_typed_trimmed_and_capped():
    assert normalize_response("short_answer", HS, {"text": "  Pe-004512 \n"}) == {
        "text": "Pe-004512"
    }
    assert normalize_response("short_answer", HS, {"text": "a\tb\nc"}) == {"text": "a b c"}
    assert normalize_response("short_answer", HS, {"text": "   "}) == empty_response("short_answer")
    assert normalize_response("short_answer", HS, None) == {"text": ""}
    typed = "x" * MAX_ANSWER_CHARS
    assert normalize_response("short_answer", HS, {"text": f" {typed} "}) == {"text": typed}
    with pytest.raises(ResponseError) as refused:
        normalize_response("short_answer", HS, {"text": typed + "x"})
    assert refused.value.code == "too_long" and refused.value.params == {"limit": 255}
    for wrong in (3, ["a"], {"a": 1}, True):
        with pytest.raises(ResponseError) as refused:
            normalize_response("short_answer", HS, {"text": wrong})
        assert refused.value.code == "wrong_shape"
    with pytest.raises(ResponseError) as refused:
        normalize_response("short_answer", HS, {"answer": "6109"})
    assert refused.value.code == "unexpected_field"


def test_normalising_is_idempotent_on_random_text():
    rng = random.Random(13)
    alphabet = "aAéE 0123456789.,-*\\\t\n"
    for _ in range(500):
        typed = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        once = normalize_response("short_answer", HS, {"text": typed})
        assert normalize_response("short_answer", HS, once) == once
        assert grade("short_answer", HS, once) == grade("short_answer", HS, {"text": typed})


# ------------------------------------------------------------------------------- grading


def test_first_matching_answer_in_authored_order_gives_credit_and_feedback():
    result = grade("short_answer", HS, {"text": "6109.10"})
    assert result.fraction == 1.0 and result.correct
    assert result.detail["matched"] == "a1" and result.detail["feedback"] == "Cotton."
    half = grade("short_answer", HS, {"text": "6109"})
    assert half.fraction == 0.5 and half.detail["feedback"] == "Heading only."
    wrong = grade("short_answer", HS, {"text": "8483.40"})
    assert wrong.fraction == 0.0 and wrong.detail["matched"] == "a3"
    assert wrong.detail["feedback"] == "Gears."
    none = grade("short_answer", HS, {"text": "6110"})
    assert none.fraction == 0.0 and none.detail["matched"] is None
    # The review lists the answers that earn credit, never the wrong ones.
    assert [a["text"] for a in none.detail["accepted"]] == ["6109.10", "6109"]
    # Order decides: a catch-all first takes everything.
    first = {"answers": [{"id": "x", "text": "*", "fraction": 0.2}, *HS["answers"]]}
    assert fraction(first, "6109.10") == 0.2


def test_case_is_ignored_unless_the_question_asks():
    assert fraction(words(), "ADUANA") == 1.0
    assert fraction(words(case_sensitive=True), "ADUANA") == 0.0
    assert fraction(words(case_sensitive=True), "Aduana") == 1.0


def test_accents_and_inner_spaces_only_on_request():
    assert fraction(words(), "Adüana") == 0.0
    assert fraction(words(ignore_accents=True), "Adüana") == 1.0
    assert fraction(words(ignore_accents=True), "ADUÁNA") == 1.0
    assert fraction(words(), "billoflading") == 0.0
    assert fraction(words(ignore_spaces=True), "billoflading") == 1.0
    assert fraction(words(ignore_spaces=True), " bill  of   lading ") == 1.0
    # Runs of inner spaces are one space, and surrounding spaces never count.
    assert fraction(words(), "  bill   of lading ") == 1.0


def test_wildcards_as_moodle():
    data = {"answers": [{"id": "a", "text": "container *", "fraction": 1}]}
    assert fraction(data, "container seal") == 1.0
    assert fraction(data, "Container  doors") == 1.0
    assert fraction(data, "containerx") == 0.0  # the space before * counts
    data = {"answers": [{"id": "a", "text": "*seal*", "fraction": 1}]}
    assert fraction(data, "cloned seals") == 1.0 and fraction(data, "seal") == 1.0
    assert fraction(data, "lacre") == 0.0
    literal = {"answers": [{"id": "a", "text": "5\\*3", "fraction": 1}]}
    assert fraction(literal, "5*3") == 1.0
    assert fraction(literal, "5x3") == 0.0
    assert grade("short_answer", literal, {"text": "x"}).detail["accepted"][0]["text"] == "5*3"
    # Regular-expression characters in an answer are plain text.
    dots = {"answers": [{"id": "a", "text": "a.b*", "fraction": 1}]}
    assert fraction(dots, "a.bc") == 1.0 and fraction(dots, "axbc") == 0.0


def test_numbers_match_however_written():
    data = {"answers": [{"id": "a", "text": "3,5", "fraction": 1}]}
    for typed in ("3.5", "3,50", "+3.5", " 3.500 "):
        assert fraction(data, typed) == 1.0, typed
    for typed in ("35", "3.51", "3"):
        assert fraction(data, typed) == 0.0, typed
    # A decimal is not a code: its digits without the point are another number.
    assert fraction({"answers": [{"id": "a", "text": "3.50", "fraction": 1}]}, "350") == 0.0
    assert fraction({"answers": [{"id": "a", "text": "12.5", "fraction": 1}]}, "125") == 0.0


def test_codes_match_with_or_without_their_separators():
    for typed in ("8471.30", "847130", "8471 30", "8471-30", "8471,30"):
        assert matches("8471.30", typed, {}), typed
    assert not matches("8471.30", "84713", {})
    assert not matches("8471.30", "8471.31", {})
    for typed in ("PE-004512", "PE004512", "pe 004512", "PE/004512"):
        assert matches("PE-004512", typed, {}), typed
    assert not matches("PE-004512", "PE-4512", {})  # the zeros are part of the seal
    assert not matches("PE-004512", "pe004512", {"case_sensitive": True})
    assert matches("6109.10.00", "61091000", {})
    assert is_code("8471.30") and is_code("PE-004512") and is_code("6109.10.00")
    assert not is_code("3.50") and not is_code("12.5") and not is_code("bill of lading")
    assert fraction(HS, "6109 10") == 1.0 and fraction(HS, "610910") == 1.0


def test_a_blank_answer_scores_nothing_even_against_a_catch_all():
    data = {"answers": [{"id": "a", "text": "*", "fraction": 1}]}
    result = grade("short_answer", data, {"text": "  "})
    assert result.fraction == 0.0 and result.detail["blank"] is True


# --------------------------------------------------------------------- what the page sees


def test_the_public_view_never_shows_the_key():
    view = public_view("short_answer", SEAL[1], SEAL[2], {"tokens": {}})
    text = json.dumps(view)
    for secret in ("PE-004512", "PE-004", "009981", "fraction", "feedback", "seal on the doors"):
        assert secret not in text
    assert view["max_length"] == 255


def test_answer_feedback_per_language_merges_by_id():
    texts = {"stem": "<p>?</p>", "answers": {"a1": {"feedback": "El precinto de las puertas."}}}
    question = merged(SEAL[1], texts)
    assert question["answers"][0]["text"] == "PE-004512"  # the key stays the data's
    assert question["answers"][0]["feedback"] == "El precinto de las puertas."
    result = grade("short_answer", question, {"text": "pe004512"})
    assert result.detail["feedback"] == "El precinto de las puertas."


def test_item_analysis_counts_answers_folded():
    values = ["Seal", "seal ", "SEAL", "lacre", "", None, "  "]
    assert option_counts([{"text": v} for v in values], "short_answer") == {"seal": 3, "lacre": 1}


# ------------------------------------------------------------------ through the services

pytestmark = pytest.mark.django_db


@pytest.fixture
def typed(course_tree):
    return short_types_assessment(course_tree)


def sit(assessment, officer, answers):
    officer.preferred_language = "en"  # the result page below is read in English
    officer.save()
    course_services.enrolment_create(actor=officer, course=assessment.tree.course)
    attempt = services.attempt_start(actor=officer, assessment=assessment.page)
    for response in attempt.responses.select_related("version"):
        if response.version.type in answers:
            services.response_save(
                actor=officer,
                attempt_id=attempt.pk,
                position=response.position,
                seq=1,
                answer=answers[response.version.type],
            )
    services.attempt_submit(actor=officer, attempt_id=attempt.pk)
    return Attempt.objects.get(pk=attempt.pk)


def test_the_review_shows_the_answer_its_feedback_and_the_accepted_answers(
    client, typed, per_officer
):
    attempt = sit(
        typed,
        per_officer,
        {"short_answer": {"text": "PE-004913"}, "numeric": {"value": "0.6 t"}},
    )
    response = attempt.responses.get(version__type="short_answer")
    assert response.answer == {"text": "PE-004913"} and response.fraction == 0.5
    client.force_login(per_officer)
    page = client.get(f"/attempts/{attempt.pk}/result/").content.decode()
    review = page[page.index(f'data-review="{response.position}"') :]
    review = review[: review.index("</ul>")]
    assert "<span data-your-answer>PE-004913</span>" in review
    assert '<p class="feedback" data-answer-feedback>Read every digit.</p>' in review
    assert "<li>PE-004512</li><li>PE-004* (50 % of the points)</li>" in review
    assert "PE-009981" not in review  # a wrong answer is not an accepted one


def test_the_attempt_page_carries_no_key(client, typed, per_officer):
    course_services.enrolment_create(actor=per_officer, course=typed.tree.course)
    attempt = services.attempt_start(actor=per_officer, assessment=typed.page)
    client.force_login(per_officer)
    page = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert "data-short-answer" in page and "js/types/short_answer.js" in page
    for secret in ("PE-004512", "PE-004*", "PE-009981", "Read every digit", "6000", "0.001"):
        assert secret not in page
