import json
import re
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from courses import services
from courses.models import H5PResult, H5PUserData, LessonActivity, LessonProgress
from courses.models.h5p import H5PStatement, XAPIAccount
from courses.tests.h5p_statements import answered, h5p_statement

pytestmark = pytest.mark.django_db
TRANSACTION_CONTROL = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b")


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


def statement(raw=1, maximum=1, **extra):
    return answered(raw, maximum, **extra)


def test_statement_is_stored_whole_for_the_signed_in_officer_not_its_actor(
    client, slot, enrolled, pan_officer
):
    sent = statement(3, 4, actor={"mbox": "mailto:yessenia@ana.gob.pa", "objectType": "Agent"})
    response = post(client, slot, sent)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "stored": True,
        "id": sent["id"],
        "completed": True,
        "scaled": 0.75,
    }
    row = H5PStatement.objects.get()
    assert (row.user, row.administration, row.activity) == (
        enrolled,
        enrolled.administration,
        slot.activity,
    )
    account = XAPIAccount.objects.get(user=enrolled)
    stored = row.statement
    assert stored["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": settings.LMS_PUBLIC_URL, "name": str(account.name)},
    }
    # The opaque name is neither the username nor the e-mail address.
    assert enrolled.username not in json.dumps(stored) and "@" not in str(account.name)
    assert "yessenia" not in json.dumps(stored)
    for key in ("id", "verb", "object", "context", "result"):
        assert stored[key] == sent[key]  # whole
    assert stored["authority"]["account"]["name"] == "lms"
    assert stored["stored"] == stored["timestamp"] and stored["version"] == "1.0.3"
    result = H5PResult.objects.get()
    assert (result.user, result.score_raw, result.score_max, result.score_scaled) == (
        enrolled,
        3,
        4,
        0.75,
    )
    assert result.statement == row


def test_every_statement_is_stored_scored_or_not(client, slot, enrolled):
    for verb in ("attempted", "interacted"):
        response = post(client, slot, h5p_statement(verb))
        assert response.status_code == 200 and response.json()["stored"] is True
        assert response.json()["completed"] is False
    assert H5PStatement.objects.count() == 2
    assert not H5PResult.objects.exists()  # no score: nothing for the best result


def test_a_statement_without_an_id_gets_one(client, slot, enrolled):
    response = post(client, slot, statement(statement_id=None))
    assert response.status_code == 200
    row = H5PStatement.objects.get()
    assert str(row.statement_id) == response.json()["id"] == row.statement["id"]


def test_a_repeated_statement_is_stored_once(client, slot, enrolled):
    sent = statement(1, 2)
    first = post(client, slot, sent)
    again = post(client, slot, sent)
    assert first.json()["stored"] is True
    assert again.status_code == 200
    assert again.json() == {
        "success": True,
        "stored": False,
        "id": sent["id"],
        "completed": True,
        "duplicate": True,
    }
    assert H5PStatement.objects.count() == 1
    assert H5PResult.objects.count() == 1
    upper = {**sent, "id": sent["id"].upper()}  # the same UUID written in capitals
    assert post(client, slot, upper).json()["duplicate"] is True


def test_a_different_statement_under_a_used_id_is_refused(client, slot, enrolled):
    sent = statement(1, 2)
    post(client, slot, sent)
    changed = statement(2, 2, statement_id=sent["id"])
    response = post(client, slot, changed)
    assert response.status_code == 409
    assert H5PStatement.objects.get().statement["result"]["score"]["raw"] == 1
    assert H5PResult.objects.get().score_raw == 1


def test_another_officers_statement_id_is_refused_without_telling_whose(
    client, course_tree, slot, enrolled
):
    from lms.accounts.tests.factories import officer

    sent = statement(1, 2)
    post(client, slot, sent)
    colleague = officer(enrolled.administration)
    services.enrolment_create(actor=colleague, course=course_tree.course)
    client.force_login(colleague)
    response = post(client, slot, sent)  # the very same statement, replayed by another
    assert response.status_code == 409
    message = response.json()["message"]
    assert enrolled.username not in message and str(enrolled.pk) not in message
    # The same answer as for a different statement of one's own under a used id.
    own = statement(1, 2)
    post(client, slot, own)
    assert post(client, slot, statement(0, 2, statement_id=own["id"])).json() == response.json()
    assert not H5PStatement.objects.filter(user=colleague, statement_id=sent["id"]).exists()
    assert not H5PResult.objects.filter(user=colleague).exclude(statement__statement_id=own["id"])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (statement(7, 4), "raw_out_of_range"),
        (statement(1, 1, statement_id="42"), "not_uuid"),
        ({**statement(), "verb": {"id": "answered"}}, "not_iri"),
        (
            {**statement(), "object": {"id": "http://example.org/x", "objectType": "Agent"}},
            "not_activity",
        ),
        (h5p_statement("answered", score={"raw": 1, "max": 1, "scaled": 3}), "scaled_out_of_range"),
        (h5p_statement("answered", score={"raw": 1, "min": 1, "max": 1}), "min_not_below_max"),
        (h5p_statement("answered", score={"raw": "one", "max": 1}), "not_number"),
        ({**statement(), "padding": "x"}, "unknown_property"),
    ],
)
def test_malformed_statements_get_a_translated_400_and_change_nothing(
    client, slot, enrolled, body, code
):
    response = post(client, slot, body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["success"] is False and code in [p["code"] for p in answer["problems"]]
    assert answer["message"] == " ".join(p["message"] for p in answer["problems"])
    assert not H5PStatement.objects.exists() and not H5PResult.objects.exists()
    assert not LessonProgress.objects.exists()  # not even the lesson's start


def test_refusals_are_translated(client, slot, enrolled):
    response = post(client, slot, [statement()])  # a list, not one statement
    assert response.status_code == 400  # the officer reads Spanish:
    assert response.json()["message"] == "La declaración debe ser un objeto JSON."
    assert response.json()["problems"] == [
        {"code": "not_an_object", "path": "", "message": "La declaración debe ser un objeto JSON."}
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        json.dumps({"verb": {}}).encode(),
        b'{"verb": {"id": "http://adlnet.gov/expapi/verbs/answered"}, '
        b'"object": {"id": "http://x.org/a"}, "result": {"score": {"raw": NaN, "max": 1}}}',
        json.dumps({"verb": {"id": "x/answered"}, "result": "full marks"}).encode(),
    ],
)
def test_malformed_documents_get_400_and_change_nothing(client, slot, enrolled, body):
    response = post(client, slot, body)
    assert response.status_code == 400
    assert response.json()["success"] is False and response.json()["message"]
    assert not H5PStatement.objects.exists() and not H5PResult.objects.exists()


def test_huge_bodies_are_refused(client, slot, enrolled):
    body = statement()
    body["result"]["extensions"] = {
        "http://example.org/pad": "x" * (services.MAX_STATEMENT_BYTES + 10)
    }
    assert post(client, slot, body).status_code == 413
    assert not H5PStatement.objects.exists()


def test_the_best_score_is_kept_per_officer_and_activity(client, slot, enrolled):
    for raw in (1, 3, 2):
        post(client, slot, statement(raw, 4))
    result = H5PResult.objects.get()
    assert (result.score_raw, result.score_scaled) == (3, 0.75)
    assert result.statement.statement["result"]["score"]["raw"] == 3
    # Sub-content scores never touch it.
    post(client, slot, answered(4, 4, sub_content="0f9c1d4e-93a1-4ab0-8d4f-9f0b0c1e2d3a"))
    assert H5PResult.objects.get().score_raw == 3
    # A scaled-only score counts with its share.
    post(client, slot, h5p_statement("answered", score={"scaled": 0.9}, completion=True))
    result = H5PResult.objects.get()
    assert (result.score_raw, result.score_max, result.score_scaled) == (None, None, 0.9)


def test_anonymous_users_are_refused(client, slot):
    assert post(client, slot, statement()).status_code == 403
    assert client.get(f"/h5p/state/{slot.pk}/state/0/").status_code == 403


@pytest.fixture
def per_slot(course_tree, activities):
    """An H5P block in the course SUNAT (PER) owns."""
    from courses.tests.fixtures import publish

    lesson = course_tree.per_lesson
    lesson.body = [
        *lesson.body.raw_data,
        {"type": "h5p", "value": {"activity": activities["en"].pk}, "id": str(uuid.uuid4())},
    ]
    publish(lesson)
    return LessonActivity.objects.get(lesson=lesson)


def test_not_enrolled_or_other_administration_gets_404(
    client, course_tree, slot, per_slot, per_officer, pan_officer
):
    services.enrolment_create(actor=per_officer, course=course_tree.per_course)
    client.force_login(per_officer)
    assert post(client, per_slot, statement()).status_code == 200  # the positive control
    client.force_login(pan_officer)
    missing = post(client, type("S", (), {"pk": 999999})(), statement())
    # H5P's own JSON error at its endpoints, whatever the page's language or tokens: the
    # two answers compare whole, byte for byte, with nothing per-response in them.
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    with translation.override(pan_officer.preferred_language):  # the officer's language
        assert missing.json() == {"success": False, "message": gettext("Not found.")}
    for body in (statement(), b"{not json", statement(9, 1)):
        forbidden = post(client, per_slot, body)
        assert (forbidden.status_code, forbidden.content) == (404, missing.content)
    assert post(client, slot, statement()).status_code == 404  # regional, not enrolled
    assert client.get(f"/h5p/state/{slot.pk}/state/0/").status_code == 404
    assert H5PStatement.objects.filter(user=pan_officer).count() == 0
    assert H5PStatement.objects.count() == 1


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


def _counted(context):
    return [q["sql"] for q in context.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])]


@pytest.mark.django_db(transaction=True)
def test_a_statement_costs_a_fixed_number_of_queries(client, course_tree, per_officer):
    enrolment = services.enrolment_create(actor=per_officer, course=course_tree.course)
    services.lesson_visit(actor=per_officer, enrolment=enrolment, lesson=course_tree.lesson2)
    slot = LessonActivity.objects.get(lesson=course_tree.lesson2)
    client.force_login(per_officer)
    assert post(client, slot, statement(1, 2)).status_code == 200  # completes the activity
    for _ in range(5):  # more rows do not cost more queries
        post(client, slot, h5p_statement("interacted"))
    # Transaction control (BEGIN/COMMIT/SAVEPOINT, which SQLite logs and PostgreSQL does
    # not) aside: session, user, slot (with its type, where enrolled), progress row
    # (locked), the officer's xAPI account, insert the statement...
    with CaptureQueriesContext(connection) as context:
        response = post(client, slot, h5p_statement("interacted"))
    assert response.status_code == 200
    assert len(_counted(context)) == 6, "\n".join(q[:120] for q in _counted(context))
    # ... and for a better main-content score: the best result (locked), its update and
    # the progress row's scores.
    with CaptureQueriesContext(connection) as context:
        response = post(client, slot, statement(2, 2))
    assert response.status_code == 200
    assert len(_counted(context)) == 9, "\n".join(q[:120] for q in _counted(context))
    # A repeat: the failed insert and the stored statement to compare it with.
    sent = h5p_statement("interacted")
    post(client, slot, sent)
    with CaptureQueriesContext(connection) as context:
        response = post(client, slot, sent)
    assert response.json()["duplicate"] is True
    assert len(_counted(context)) == 7, "\n".join(q[:120] for q in _counted(context))
    assert H5PStatement.objects.count() == 9
