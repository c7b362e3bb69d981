"""Completion that means something (issue 12, point 3), through the real endpoint with the
statements H5P's official content types send: a scored block at its author's pass
threshold, types without a score by what they send, sub-content never alone, and the
default (any answer) as before."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.exceptions import ValidationError

from courses import services
from courses.blocks import H5PActivityBlock
from courses.models import H5PLibrary, LessonActivity, LessonProgress
from courses.packages.h5p import completion
from courses.packages.h5p.build import build_package
from courses.packages.h5p.services import h5p_package_import
from courses.tests.fixtures import QUESTION, publish
from courses.tests.h5p_statements import answered, h5p_statement

pytestmark = pytest.mark.django_db

SUB = "3f1c2b9e-5a4d-4e8f-9c0b-1d2e3f4a5b6c"


def post(client, slot, body):
    return client.post(f"/h5p/xapi/{slot.pk}/", json.dumps(body), content_type="application/json")


def as_type(activity, machine_name):
    """The activity played as another content type: a library row of that name, as an
    upload of such a package would install it (the statements are what decide)."""
    library = H5PLibrary.objects.create(
        machine_name=machine_name, major_version=1, minor_version=0, patch_version=0
    )
    activity.main_library = library
    activity.save(update_fields=["main_library"])


def author(lesson, **block):
    """The author edits the lesson's H5P block and publishes (slots are rebuilt)."""
    body = [dict(raw) for raw in lesson.body.raw_data]
    for raw in body:
        if raw["type"] == "h5p":
            raw["value"].update(block)
    lesson.body = body
    publish(lesson)
    return LessonActivity.objects.get(lesson=lesson)


@pytest.fixture
def officer(client, course_tree, per_officer):
    enrolment = services.enrolment_create(actor=per_officer, course=course_tree.course)
    services.lesson_visit(actor=per_officer, enrolment=enrolment, lesson=course_tree.lesson2)
    client.force_login(per_officer)
    return per_officer


def lesson_status(tree, user):
    progress = LessonProgress.objects.get(
        enrolment__user=user, lesson_key=tree.lesson2.translation_key
    )
    return progress.status


# --- scored types ---------------------------------------------------------------------------


def test_the_default_any_answer_completes_as_before(client, course_tree, officer):
    slot = LessonActivity.objects.get(lesson=course_tree.lesson2)
    assert (slot.completion, slot.pass_percent) == ("answer", None)
    assert post(client, slot, h5p_statement("attempted")).json()["completed"] is False
    assert post(client, slot, h5p_statement("interacted")).json()["completed"] is False
    assert lesson_status(course_tree, officer) == "started"
    response = post(client, slot, answered(0, 3))  # even a wrong answer
    assert response.json()["completed"] is True
    assert lesson_status(course_tree, officer) == "completed"


def test_a_pass_threshold_completes_at_or_above_it(client, course_tree, officer):
    slot = author(course_tree.lesson2, completion="pass", pass_percent=75)
    assert (slot.completion, slot.pass_percent) == ("pass", 75)
    assert post(client, slot, answered(2, 4)).json()["completed"] is False
    assert post(client, slot, answered(7, 10)).json()["completed"] is False
    assert lesson_status(course_tree, officer) == "started"
    assert post(client, slot, answered(3, 4)).json()["completed"] is True  # exactly 75 %
    assert lesson_status(course_tree, officer) == "completed"


def test_a_pass_threshold_reads_scaled_only_and_negative_scores(client, course_tree, officer):
    slot = author(course_tree.lesson2, completion="pass", pass_percent=60)
    negative = h5p_statement(
        "answered", score={"raw": 0, "min": -4, "max": 4}, completion=True
    )  # 50 %
    assert post(client, slot, negative).json()["completed"] is False
    scaled = h5p_statement("answered", score={"scaled": 0.6}, completion=True)
    assert post(client, slot, scaled).json()["completed"] is True


def test_sub_content_never_completes_a_block_alone(client, course_tree, officer):
    slot = LessonActivity.objects.get(lesson=course_tree.lesson2)
    as_type(slot.activity, "H5P.QuestionSet")
    # A question set's questions answer as sub-content (a parent, or InteractiveVideo's
    # interactions: a subContentId without a parent), even with full marks.
    for body in (
        answered(5, 5, library="H5P.MultiChoice-1.16", sub_content=SUB),
        answered(5, 5, library="H5P.MultiChoice-1.16", sub_content=SUB, parent=False),
        h5p_statement("completed", completion=True, sub_content=SUB),
    ):
        response = post(client, slot, body)
        assert response.status_code == 200 and response.json()["completed"] is False
    assert lesson_status(course_tree, officer) == "started"
    # The set's own result completes it.
    assert post(client, slot, answered(2, 3, library="H5P.QuestionSet-1.20")).json()["completed"]


def test_a_presentation_completes_at_its_last_slide_or_its_summary(client, course_tree, officer):
    slot = LessonActivity.objects.get(lesson=course_tree.lesson2)
    as_type(slot.activity, "H5P.CoursePresentation")
    slot = author(course_tree.lesson2)  # publishing reads its slides again
    LessonActivity.objects.filter(pk=slot.pk).update(steps=3)  # 3 slides

    def progressed(slide):
        return h5p_statement(
            "progressed", library="H5P.CoursePresentation-1.22", ending_point=slide
        )

    assert post(client, slot, progressed(2)).json()["completed"] is False
    assert post(client, slot, progressed(3)).json()["completed"] is True
    assert lesson_status(course_tree, officer) == "completed"


def test_a_presentation_reads_its_slides_from_the_package(course_tree, activities):
    content = {"presentation": {"slides": [{"elements": []}, {"elements": []}]}}
    assert completion.content_steps("H5P.CoursePresentation", content) == 2
    assert completion.content_steps("H5P.MultiChoice", content) is None
    # The project's own type is not a presentation: no steps on its slot.
    assert LessonActivity.objects.get(lesson=course_tree.lesson2).steps is None


def test_a_presentation_with_a_threshold_completes_on_its_scored_summary(
    client, course_tree, officer
):
    slot = LessonActivity.objects.get(lesson=course_tree.lesson2)
    as_type(slot.activity, "H5P.CoursePresentation")
    slot = author(course_tree.lesson2, completion="pass", pass_percent=50)
    LessonActivity.objects.filter(pk=slot.pk).update(steps=3)
    progressed = h5p_statement("progressed", library="H5P.CoursePresentation-1.22", ending_point=4)
    assert post(client, slot, progressed).json()["completed"] is False  # no score there
    summary = h5p_statement(
        "completed", library="H5P.CoursePresentation-1.22", score=(3, 24), completion=True
    )
    assert post(client, slot, summary).json()["completed"] is False  # 12.5 %
    summary = h5p_statement(
        "completed", library="H5P.CoursePresentation-1.22", score=(12, 24), completion=True
    )
    assert post(client, slot, summary).json()["completed"] is True


def test_nothing_to_score_cannot_fail_a_threshold(client, course_tree, officer):
    slot = LessonActivity.objects.get(lesson=course_tree.lesson2)
    as_type(slot.activity, "H5P.InteractiveVideo")
    slot = author(course_tree.lesson2, completion="pass", pass_percent=80)
    # A video without tasks: H5P sends 0 of 0 from its submit screen.
    empty = h5p_statement(
        "completed", library="H5P.InteractiveVideo-1.22", score=(0, 0), completion=True
    )
    assert post(client, slot, empty).json()["completed"] is True


# --- types without a score --------------------------------------------------------------------


def test_an_accordion_completes_when_shown(client, course_tree, officer):
    slot = LessonActivity.objects.get(lesson=course_tree.lesson2)
    as_type(slot.activity, "H5P.Accordion")
    slot = author(course_tree.lesson2)
    assert slot.required  # the lesson waits for it...
    consumed = h5p_statement(
        "http://activitystrea.ms/schema/1.0/consume",
        library="H5P.Accordion-1.0",
        completion=True,
    )
    assert post(client, slot, consumed).json()["completed"] is True  # ...until it is shown
    assert lesson_status(course_tree, officer) == "completed"


def test_agamotto_completes_when_every_image_was_seen_not_when_experienced(
    client, course_tree, officer
):
    slot = LessonActivity.objects.get(lesson=course_tree.lesson2)
    as_type(slot.activity, "H5P.Agamotto")
    slot = author(course_tree.lesson2)
    for verb in ("attempted", "experienced", "interacted"):
        body = h5p_statement(verb, library="H5P.Agamotto-1.5")
        assert post(client, slot, body).json()["completed"] is False
    assert lesson_status(course_tree, officer) == "started"
    body = h5p_statement("completed", library="H5P.Agamotto-1.5")
    assert post(client, slot, body).json()["completed"] is True


@pytest.mark.parametrize("machine_name", ["H5P.Dialogcards", "H5P.ImageHotspots", "H5P.Chart"])
def test_types_that_send_nothing_count_as_done_when_the_lesson_is_opened(
    client, course_tree, per_officer, machine_name
):
    slot = LessonActivity.objects.get(lesson=course_tree.lesson2)
    as_type(slot.activity, machine_name)
    slot = author(course_tree.lesson2)
    assert not slot.required  # the lesson cannot wait for a statement that never comes
    enrolment = services.enrolment_create(actor=per_officer, course=course_tree.course)
    status = services.lesson_visit(
        actor=per_officer, enrolment=enrolment, lesson=course_tree.lesson2
    )
    assert status == "completed"


def test_a_threshold_on_a_type_without_a_score_is_refused_to_the_author(activities):
    block = H5PActivityBlock()
    activity = activities["en"]
    value = block.to_python({"activity": activity.pk, "completion": "pass"})
    with pytest.raises(ValidationError) as refused:
        block.clean(value)
    assert "pass_percent" in refused.value.block_errors
    value = block.to_python({"activity": activity.pk, "completion": "pass", "pass_percent": 80})
    assert block.clean(value)["pass_percent"] == 80
    as_type(activity, "H5P.Dialogcards")
    value = block.to_python({"activity": activity.pk, "completion": "pass", "pass_percent": 80})
    with pytest.raises(ValidationError) as refused:
        block.clean(value)
    assert "completion" in refused.value.block_errors


def test_the_table_names_what_each_type_does():
    assert completion.type_rule("H5P.MultiChoice").scored  # unknown types give a score
    assert not completion.type_rule("H5P.Accordion").scored
    assert completion.type_rule("H5P.Dialogcards").silent
    assert completion.type_rule("H5P.CoursePresentation").slides
    assert all(rule.evidence for rule in completion.TYPE_RULES.values())


def test_old_blocks_keep_todays_rule(course_tree, activities):
    """Blocks written before authors could choose read as "any answer"."""
    rule = completion.BlockRule.from_block({"activity": activities["en"], "required": True})
    assert rule == completion.BlockRule(mode="answer", pass_percent=None)
    package = build_package(content=QUESTION["en"], title="Extra", language="en")
    extra = h5p_package_import(actor=None, data=package, title="Extra")
    lesson = course_tree.lesson3
    lesson.body = [
        *lesson.body.raw_data,
        {"type": "h5p", "value": {"activity": extra.pk}, "id": str(uuid.uuid4())},
    ]
    publish(lesson)
    slot = LessonActivity.objects.get(lesson=lesson)
    assert (slot.completion, slot.pass_percent, slot.required) == ("answer", None, True)
