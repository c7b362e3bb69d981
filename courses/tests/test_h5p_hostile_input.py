"""Hostile input to the H5P endpoints answers 400 or 413, never 500, and stores nothing:
NUL in file paths, JSON nested thousands deep, NUL and lone surrogates in statements
(PostgreSQL refuses them), scores with hundreds of digits, bodies over the limit
(issue 11)."""

from __future__ import annotations

import json

import pytest

from courses import services
from courses.models import H5PResult, H5PUserData, LessonActivity
from courses.models.h5p import H5PStatement

pytestmark = pytest.mark.django_db

ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


@pytest.fixture
def slot(course_tree):
    return LessonActivity.objects.get(lesson=course_tree.lesson2)


@pytest.fixture
def enrolled(client, course_tree, per_officer):
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)
    return per_officer


def xapi(client, slot, body):
    return client.post(f"/h5p/xapi/{slot.pk}/", body, content_type="application/json")


def scored(**extra):
    return {"verb": {"id": ANSWERED}, "result": {"score": {"raw": 1, "max": 1}}, **extra}


@pytest.mark.parametrize(
    "path",
    [
        "/h5p/content/{uuid}/content/content.json%00.png",
        "/h5p/content/{uuid}/%00",
        "/h5p/libraries/H5P.KnowledgeCheck-1.0%00/library.json",
        "/h5p/libraries/H5P.KnowledgeCheck-1.0/x%00/../library.json",
    ],
)
def test_nul_in_h5p_file_paths_is_a_400(client, slot, enrolled, path):
    response = client.get(path.format(uuid=slot.activity.uuid))
    assert response.status_code == 400


@pytest.mark.parametrize("depth", [2_000, 30_000])
def test_deeply_nested_statements_are_a_400(client, slot, enrolled, depth):
    response = xapi(client, slot, "[" * depth + "]" * depth)
    assert response.status_code == 400
    assert response.json() == {  # the officer reads Spanish
        "success": False,
        "message": "El documento JSON está anidado a demasiada profundidad.",
    }
    assert not H5PResult.objects.exists() and not H5PStatement.objects.exists()


def test_a_hundred_thousand_brackets_are_refused_for_their_size(client, slot, enrolled):
    response = xapi(client, slot, "[" * 100_000)
    assert response.status_code == 413
    body = response.json()  # the officer reads Spanish
    assert body["success"] is False and "demasiado grande" in body["message"]


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(scored(extra="nul \u0000 inside")),
        json.dumps({**scored(), "object": {"id": "http://example.org/\u0000"}}),
        '{"verb": {"id": "' + ANSWERED + '"}, "result": {"score": {"raw": 1, "max": 1}}, '
        '"context": {"\\u0000": 1}}',
        '{"verb": {"id": "' + ANSWERED + '\\ud800"}, "result": {"score": {"raw": 1, "max": 1}}}',
    ],
    ids=["nul-value", "nul-object-id", "nul-key", "lone-surrogate"],
)
def test_text_the_database_cannot_store_is_a_400(client, slot, enrolled, body):
    response = xapi(client, slot, body)
    assert response.status_code == 400
    assert response.json()["message"] == (  # the officer reads Spanish
        "Los datos contienen un carácter no permitido (NUL, o la mitad de un par)."
    )
    assert not H5PResult.objects.exists() and not H5PStatement.objects.exists()


@pytest.mark.parametrize(
    "score",
    [
        '{"raw": 1' + "0" * 400 + ', "max": 1' + "0" * 400 + "}",
        '{"raw": NaN, "max": 1}',
        '{"raw": 1, "max": Infinity}',
    ],
    ids=["hundreds-of-digits", "nan", "infinity"],
)
def test_scores_that_are_not_finite_numbers_are_a_400(client, slot, enrolled, score):
    body = '{"verb": {"id": "' + ANSWERED + '"}, "result": {"score": ' + score + "}}"
    response = xapi(client, slot, body)
    assert response.status_code == 400
    assert not H5PResult.objects.exists() and not H5PStatement.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        "[" * 30_000 + "]" * 30_000,
        "[" * 150 + "]" * 150,
        '{"answers": ["\\u0000"]}',
        '{"answers": "\\udfff"}',
        '{"answers": NaN}',
        "{}\x00",
    ],
    ids=["deep", "deeper-than-h5p-needs", "nul-escape", "lone-surrogate", "nan", "nul"],
)
def test_saved_state_that_cannot_be_stored_or_read_back_is_a_400(client, slot, enrolled, data):
    url = f"/h5p/state/{slot.pk}/state/0/"
    response = client.post(url, {"data": data})
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert not H5PUserData.objects.exists()


def test_saved_state_over_the_size_limit_is_refused_before_it_is_read(client, slot, enrolled):
    url = f"/h5p/state/{slot.pk}/state/0/"
    response = client.post(
        url, "data=" + "x" * (services.MAX_STATE_BYTES + 2048), content_type=FORM
    )
    assert response.status_code == 413
    assert response.json()["success"] is False


def test_a_reasonable_state_is_still_saved(client, slot, enrolled):
    url = f"/h5p/state/{slot.pk}/state/0/"
    nested = json.dumps({"a": [{"b": [{"c": [1, 2, 3]}]}]})
    assert client.post(url, {"data": nested}).json() == {"success": True}
    assert client.get(url).json() == {"success": True, "data": nested}


FORM = "application/x-www-form-urlencoded"
