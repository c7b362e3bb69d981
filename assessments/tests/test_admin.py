import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Question, QuestionBank
from assessments.tests.test_portability import GIFT
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SINGLE = {
    "bank": None,
    "uid": "new-q",
    "tags": "topic:cen",
    "qtype": "single_choice",
    "points": "1",
    "data": json.dumps({"options": [{"id": "a"}, {"id": "b"}], "correct": "b"}),
    "texts": json.dumps(
        {
            "en": {
                "title": "T",
                "stem": "<p>Q?</p>",
                "options": {"a": {"text": "A"}, "b": {"text": "B"}},
            }
        }
    ),
}


def test_author_creates_and_edits_a_question_in_the_admin(client, regional_author, bank):
    client.force_login(regional_author)
    response = client.post("/cms/questions/new/", {**SINGLE, "bank": bank.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(uid="new-q")
    assert question.current_version.type == "single_choice"
    assert list(question.tags.names()) == ["topic:cen"]
    first = question.current_version
    first.used_at = first.created_at
    first.save()
    edited = {
        **SINGLE,
        "bank": bank.pk,
        "data": json.dumps({"options": [{"id": "a"}, {"id": "b"}], "correct": "a"}),
    }
    assert client.post(f"/cms/questions/edit/{question.pk}/", edited).status_code == 302
    question.refresh_from_db()
    assert question.current_version.number == 2 and question.current_version.data["correct"] == "a"


def test_invalid_question_is_refused_with_its_problems(client, regional_author, bank):
    client.force_login(regional_author)
    bad = {
        **SINGLE,
        "bank": bank.pk,
        "data": json.dumps({"options": [{"id": "a"}], "correct": "z"}),
    }
    response = client.post("/cms/questions/new/", bad)
    assert response.status_code == 200
    assert not Question.objects.filter(uid="new-q").exists()
    assert "en:" in response.content.decode()


def test_authors_of_one_administration_do_not_see_others_banks(client, per, pan):
    pan_bank = QuestionBank.objects.create(title="PAN bank", administration=pan)
    Question.objects.create(bank=pan_bank, uid="pan-only")
    author = UserFactory(administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(author)
    assert "pan-only" not in client.get("/cms/questions/").content.decode()
    question = Question.objects.get(uid="pan-only")
    assert client.get(f"/cms/questions/edit/{question.pk}/").status_code == 404
    assert client.get(f"/cms/banks/{pan_bank.pk}/import/").status_code == 404
    assert client.get(f"/cms/banks/{pan_bank.pk}/export/").status_code == 404


def test_import_screen_lists_rejected_lines_and_imports_nothing(client, regional_author, db):
    bank = QuestionBank.objects.create(title="Target")
    client.force_login(regional_author)
    upload = SimpleUploadedFile("bank.gift", GIFT.encode())
    response = client.post(
        f"/cms/banks/{bank.pk}/import/", {"file": upload, "format": "gift", "language": "en"}
    )
    assert response.status_code == 200
    assert "Line 4" in response.content.decode()
    assert not bank.questions.exists()
    upload = SimpleUploadedFile("bank.gift", GIFT.encode())
    client.post(
        f"/cms/banks/{bank.pk}/import/",
        {"file": upload, "format": "gift", "language": "en", "skip_bad": "on"},
    )
    assert bank.questions.count() == 2
    export = client.get(f"/cms/banks/{bank.pk}/export/?format=gift")
    assert export.status_code == 200 and b"::" in export.content


def test_authors_keep_banks_in_their_administration(client, per, pan):
    author = UserFactory(administration=per, roles={Role.TRAINING_MANAGER})
    client.force_login(author)
    refused = client.post(
        "/cms/question_banks/new/", {"title": "Sneaky", "description": "", "administration": pan.pk}
    )
    assert refused.status_code == 200
    assert not QuestionBank.objects.filter(title="Sneaky").exists()
    ok = client.post(
        "/cms/question_banks/new/", {"title": "Ours", "description": "", "administration": per.pk}
    )
    assert ok.status_code == 302
    assert QuestionBank.objects.get(title="Ours").administration == per


def test_an_assessment_cannot_draw_from_another_administrations_bank(course_tree, pan):
    from django.core.exceptions import ValidationError

    from assessments.models import AssessmentPage, DrawRule
    from assessments.tests.fixtures import make_bank
    from courses.models import ModulePage
    from courses.tests.fixtures import add

    per_module = ModulePage.objects.child_of(course_tree.per_course).first()
    page = AssessmentPage(title="PER exam", slug="per-exam")
    page.draw_rules = [DrawRule(bank=make_bank("Regional"), count=1)]
    add(per_module, page)  # a regional bank is fine
    page.draw_rules = [DrawRule(bank=make_bank("PAN only", administration=pan), count=1)]
    with pytest.raises(ValidationError, match="another administration"):
        page.full_clean()
