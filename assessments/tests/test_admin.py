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


# --- regional banks are read-only to an author bound to one administration (issue 11) -----

GOOD_GIFT = "::Live channel:: Which tool is the live channel? {=CENcomm ~CEN ~nCEN}\n"


@pytest.fixture
def regional_bank(db):
    from assessments.tests.fixtures import make_bank

    return make_bank("Regional bank", questions={"tf": QUESTIONS_TF})


QUESTIONS_TF = ("true_false", {"correct": True}, {"stem": "<p>Regional?</p>"})


def _object_urls(prefix: str, pk: int) -> list[str]:
    return [f"/cms/{prefix}/{action}/{pk}/" for action in ("edit", "delete", "copy", "history")] + [
        f"/cms/{prefix}/usage/{pk}/"
    ]


def test_regional_banks_and_questions_refuse_every_change_from_a_bound_author(
    client, pan_author, regional_author, regional_bank
):
    question = regional_bank.questions.get()
    urls = [
        *_object_urls("question_banks", regional_bank.pk),
        *_object_urls("questions", question.pk),
        f"/cms/banks/{regional_bank.pk}/import/",
    ]
    client.force_login(regional_author)
    assert client.get(f"/cms/question_banks/edit/{regional_bank.pk}/").status_code == 200
    assert client.get(f"/cms/questions/edit/{question.pk}/").status_code == 200

    client.force_login(pan_author)
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "Taken"}).status_code == 404, url
    upload = SimpleUploadedFile("bank.gift", GOOD_GIFT.encode())
    response = client.post(
        f"/cms/banks/{regional_bank.pk}/import/",
        {"file": upload, "format": "gift", "language": "en"},
    )
    assert response.status_code == 404
    # Nor through the question form: a regional bank is not a bank they may add to.
    response = client.post("/cms/questions/new/", {**SINGLE, "bank": regional_bank.pk})
    assert response.status_code == 200
    regional_bank.refresh_from_db()
    assert regional_bank.title == "Regional bank" and regional_bank.administration_id is None
    assert list(regional_bank.questions.values_list("uid", flat=True)) == ["tf"]
    assert question.versions.count() == 1
    # They still see, export and draw from it.
    listing = client.get("/cms/question_banks/").content.decode()
    assert "Regional bank" in listing
    assert f"/cms/question_banks/edit/{regional_bank.pk}/" not in listing
    assert client.get(f"/cms/banks/{regional_bank.pk}/export/").status_code == 200


def test_questions_import_refuses_a_regional_bank_to_a_bound_author_with_a_reason(
    pan_author, regional_author, regional_bank, pan
):
    from django.core.exceptions import PermissionDenied
    from django.utils import translation

    from assessments.portability import questions_import
    from assessments.tests.fixtures import make_bank

    expected = {
        "en": "This is a regional question bank: only regional training managers and platform "
        "admins may change it. Your assessments can still draw from it.",
        "es": "Este es un banco de preguntas regional: solo los responsables de formación "
        "regionales y los administradores de la plataforma pueden modificarlo. Sus "
        "evaluaciones pueden seguir tomando preguntas de él.",
    }
    for language, words in expected.items():
        with translation.override(language), pytest.raises(PermissionDenied) as refusal:
            questions_import(actor=pan_author, bank=regional_bank, text=GOOD_GIFT, fmt="gift")
        assert str(refusal.value) == words
    assert regional_bank.questions.count() == 1
    own_bank = make_bank("PAN bank", administration=pan_author.administration, questions={})
    report = questions_import(actor=pan_author, bank=own_bank, text=GOOD_GIFT, fmt="gift")
    assert report.imported == 1
    report = questions_import(actor=regional_author, bank=regional_bank, text=GOOD_GIFT, fmt="gift")
    assert report.imported == 1


def test_the_import_command_acts_with_the_rights_of_the_user_it_is_given(
    tmp_path, pan_author, regional_bank
):
    from django.core.management import CommandError, call_command

    path = tmp_path / "bank.gift"
    path.write_text(GOOD_GIFT, "utf-8")
    with pytest.raises(CommandError, match="regional question bank"):
        call_command("questions_import", regional_bank.pk, str(path), "--as", "author.pan")
    assert regional_bank.questions.count() == 1
    with pytest.raises(CommandError, match="No active user"):
        call_command("questions_import", regional_bank.pk, str(path), "--as", "nobody")
    call_command("questions_import", regional_bank.pk, str(path))  # the operator
    assert regional_bank.questions.count() == 2


def test_a_bank_never_changes_owner_through_its_form(client, per, pan, per_author, regional_author):
    bank = QuestionBank.objects.create(title="PER bank", administration=per)
    client.force_login(per_author)
    form = client.get(f"/cms/question_banks/edit/{bank.pk}/").content.decode()
    assert f'value="{pan.pk}"' not in form and "disabled" in form
    for owner in (str(pan.pk), ""):
        response = client.post(
            f"/cms/question_banks/edit/{bank.pk}/",
            {"title": "Moved", "description": "", "administration": owner},
        )
        assert response.status_code == 200
        assert "cannot be given to another administration" in response.content.decode()
        bank.refresh_from_db()
        assert (bank.title, bank.administration) == ("PER bank", per)
    # Without the field (it is disabled in the browser), the bank stays PER's.
    response = client.post(f"/cms/question_banks/edit/{bank.pk}/", {"title": "Renamed"})
    assert response.status_code == 302
    bank.refresh_from_db()
    assert (bank.title, bank.administration) == ("Renamed", per)
    # A regional author may give it to another administration, or to the region.
    client.force_login(regional_author)
    response = client.post(
        f"/cms/question_banks/edit/{bank.pk}/",
        {"title": "Renamed", "description": "", "administration": str(pan.pk)},
    )
    assert response.status_code == 302
    bank.refresh_from_db()
    assert bank.administration == pan


def test_assessment_draw_rules_offer_regional_and_own_banks_only(
    client, course_tree, pan, per, pan_author, regional_bank
):
    from assessments.tests.fixtures import make_bank
    from courses.models import CourseIndexPage, CoursePage, ModulePage
    from courses.services import author_groups_sync
    from courses.tests.fixtures import add

    pan_index = add(
        course_tree.index.get_parent(),
        CourseIndexPage(title="PAN courses", slug="pan", administration=pan),
    )
    course = add(
        pan_index, CoursePage(title="PAN course", slug="c", summary="S.", track="illicit_trade")
    )
    module = add(course, ModulePage(title="PAN module", slug="m"))
    make_bank("PAN bank", administration=pan, questions={})
    make_bank("PER secret bank", administration=per, questions={})
    author_groups_sync()
    client.force_login(pan_author)
    form = client.get(f"/cms/pages/add/assessments/assessmentpage/{module.pk}/")
    assert form.status_code == 200
    html = form.content.decode()
    assert "Regional bank" in html and "PAN bank" in html
    assert "PER secret bank" not in html
