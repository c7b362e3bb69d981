import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.models import H5PResult, H5PUserData, LessonActivity

pytestmark = pytest.mark.django_db
TRANSACTION_CONTROL = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b")


def statement(raw=1, maximum=1, **extra):
    body = {
        "actor": {"name": "Forged Person", "mbox": "mailto:forged@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": "http://example.org/x"},
        "result": {"score": {"raw": raw, "max": maximum}, "success": raw == maximum},
    }
    body.update(extra)
    return body


@pytest.fixture
def slot(course_tree):
    return LessonActivity.objects.get(lesson=course_tree.lesson2)


@pytest.fixture
def enrolled(client, course_tree, per_officer):
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    client.force_login(per_officer)
    return per_officer


def post(client, slot, body, **kwargs):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(f"/h5p/xapi/{slot.pk}/", data, content_type="application/json", **kwargs)


def test_statement_is_stored_for_the_signed_in_officer_not_its_actor(client, slot, enrolled):
    response = post(client, slot, statement(3, 4))
    assert response.status_code == 200 and response.json()["stored"] is True
    result = H5PResult.objects.get()
    assert result.user == enrolled
    assert (result.score_raw, result.score_max, result.score_scaled) == (3, 4, 0.75)
    assert "actor" not in result.statement
    assert result.administration == enrolled.administration


@pytest.mark.parametrize(("raw", "maximum"), [(7, 4), (-3, 4), (4.01, 4)])
def test_scores_outside_their_range_are_refused(client, slot, enrolled, raw, maximum):
    response = post(client, slot, statement(raw, maximum))
    assert response.status_code == 400
    assert "fuera de su rango" in response.json()["message"]  # the officer reads Spanish
    assert not H5PResult.objects.exists()


def test_floating_point_drift_is_clamped(client, slot, enrolled):
    assert post(client, slot, statement(4.000000001, 4)).status_code == 200
    assert H5PResult.objects.get().score_raw == 4


def test_a_scaled_score_outside_0_to_1_is_refused(client, slot, enrolled):
    body = statement(1, 1)
    body["result"]["score"]["scaled"] = 3
    assert post(client, slot, body).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        json.dumps({"verb": {}}).encode(),
        json.dumps(statement(1, 0)).encode(),
        json.dumps(statement(1, 10**9)).encode(),
        json.dumps(statement("one", 1)).encode(),
        json.dumps(statement(True, 1)).encode(),
        b'{"verb": {"id": "x/answered"}, "result": {"score": {"raw": NaN, "max": 1}}}',
        json.dumps({"verb": {"id": "x/answered"}, "result": "full marks"}).encode(),
    ],
)
def test_malformed_statements_get_400_and_change_nothing(client, slot, enrolled, body):
    response = post(client, slot, body)
    assert response.status_code == 400
    assert response.json()["success"] is False and response.json()["message"]
    assert not H5PResult.objects.exists()


def test_unscored_statements_are_accepted_but_not_stored(client, slot, enrolled):
    body = {"verb": {"id": "http://adlnet.gov/expapi/verbs/interacted"}}
    response = post(client, slot, body)
    assert response.status_code == 200 and response.json()["stored"] is False
    assert not H5PResult.objects.exists()


def test_huge_bodies_are_refused(client, slot, enrolled):
    body = statement()
    body["padding"] = "x" * (services.MAX_STATEMENT_BYTES + 10)
    assert post(client, slot, body).status_code == 413
    assert not H5PResult.objects.exists()


def test_anonymous_users_are_refused(client, slot):
    assert post(client, slot, statement()).status_code == 403
    assert client.get(f"/h5p/state/{slot.pk}/state/0/").status_code == 403


def test_not_enrolled_or_other_administration_gets_404(client, course_tree, slot, pan_officer):
    client.force_login(pan_officer)
    assert post(client, slot, statement()).status_code == 404
    assert client.get(f"/h5p/state/{slot.pk}/state/0/").status_code == 404
    assert post(client, type("S", (), {"pk": 999999})(), statement()).status_code == 404


def test_csrf_is_enforced(course_tree, slot, per_officer):
    services.enrolment_create(actor=per_officer, course=course_tree.course)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(per_officer)
    assert post(strict, slot, statement()).status_code == 403
    assert strict.post(f"/h5p/state/{slot.pk}/state/0/", {"data": "{}"}).status_code == 403


def test_state_follows_h5p_contract(client, slot, enrolled):
    url = f"/h5p/state/{slot.pk}/state/0/"
    assert client.get(url).json() == {"success": True, "data": False}
    saved = json.dumps({"answers": [1], "checked": True})
    response = client.post(url, {"data": saved, "preload": "1", "invalidate": "1"})
    assert response.json() == {"success": True}
    assert client.get(url).json() == {"success": True, "data": saved}
    client.post(url, {"data": "0", "preload": "1", "invalidate": "1"})
    assert client.get(url).json() == {"success": True, "data": False}


def test_state_refuses_bad_json_and_huge_state(client, slot, enrolled):
    url = f"/h5p/state/{slot.pk}/state/0/"
    assert client.post(url, {"data": "{oops"}).status_code == 400
    assert client.post(url, {}).status_code == 400
    huge = json.dumps({"x": "y" * (services.MAX_STATE_BYTES + 1)})
    assert client.post(url, {"data": huge}).status_code == 413
    assert not H5PUserData.objects.exists()


def test_state_is_private_to_each_officer(client, course_tree, slot, enrolled):
    from lms.accounts.tests.factories import officer

    url = f"/h5p/state/{slot.pk}/state/0/"
    client.post(url, {"data": '{"answers": [1]}'})
    colleague = officer(enrolled.administration)
    services.enrolment_create(actor=colleague, course=course_tree.course)
    client.force_login(colleague)
    assert client.get(url).json()["data"] is False


def test_state_is_preloaded_into_the_lesson_page(client, slot, enrolled):
    enrolled.preferred_language = "en"
    enrolled.save()
    client.post(f"/h5p/state/{slot.pk}/state/0/", {"data": '{"answers": [1], "checked": true}'})
    html = client.get("/courses/detecting/landscape/live-channels/").content.decode()
    assert '\\"answers\\": [1]' in html or '"answers": [1]' in html


@pytest.mark.django_db(transaction=True)
def test_a_statement_for_an_activity_in_progress_costs_at_most_six_queries(
    client, course_tree, per_officer
):
    enrolment = services.enrolment_create(actor=per_officer, course=course_tree.course)
    services.lesson_visit(actor=per_officer, enrolment=enrolment, lesson=course_tree.lesson2)
    slot = LessonActivity.objects.get(lesson=course_tree.lesson2)
    client.force_login(per_officer)
    assert post(client, slot, statement(1, 1)).status_code == 200  # completes the activity
    with CaptureQueriesContext(connection) as context:
        response = post(client, slot, statement(0, 1))
    assert response.status_code == 200
    # Transaction control (BEGIN/COMMIT, which SQLite logs and PostgreSQL does not) aside:
    # session, user, slot, progress row (locked), insert result, update progress.
    queries = [
        q["sql"] for q in context.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])
    ]
    assert len(queries) <= 6, "\n".join(q[:120] for q in queries)
    assert H5PResult.objects.count() == 2
