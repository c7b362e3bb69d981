"""Certification programmes in the Wagtail admin: created with their texts and requirement
rows in one form, rules checked before saving, scoped to the author's administration."""

from __future__ import annotations

import pytest

from assessments.models import AssessmentPage, DrawRule
from assessments.tests.fixtures import make_bank
from certificates.models import Programme
from certificates.selectors import programme_rule
from certificates.tests.fixtures import issue, make_programme
from courses.models import ModulePage
from courses.tests.fixtures import add
from lms.accounts.roles import Role

pytestmark = pytest.mark.django_db

PROGRAMME_PERMISSIONS = ["add_programme", "change_programme", "delete_programme", "view_programme"]


def test_training_managers_hold_the_programme_permissions(db):
    from lms.accounts.services import role_groups_sync

    group = role_groups_sync()[Role.TRAINING_MANAGER]
    held = set(
        group.permissions.filter(content_type__app_label="certificates").values_list(
            "codename", flat=True
        )
    )
    assert set(PROGRAMME_PERMISSIONS) <= held


def form_data(
    *,
    code: str = "illicit-trade-analyst",
    administration=None,
    texts: dict[str, str] | None = None,
    requirements: list[dict] | None = None,
    required_count: int | str = "",
    recert_required_count: int | str = "",
    text_ids: dict[str, int] | None = None,
) -> dict[str, str]:
    """The POST of the admin form, named the way Wagtail names its fields and inline
    formsets (``texts-0-language``, ``requirements-TOTAL_FORMS``...). Existing rows (an
    edit) come first and carry their ``id``: ``text_ids`` for texts, ``"id"`` (and
    ``"delete"``) in a requirement row."""
    text_ids = text_ids or {}
    texts = {"en": "Certified illicit trade analyst"} if texts is None else texts
    requirements = requirements or []
    data = {
        "code": code,
        "administration": str(administration.pk) if administration else "",
        "track": "illicit_trade",
        "validity_months": "36",
        "recert_window_days": "90",
        "required_count": str(required_count),
        "recert_required_count": str(recert_required_count),
        "is_active": "on",
        "texts-TOTAL_FORMS": str(len(texts)),
        "texts-INITIAL_FORMS": str(len(text_ids)),
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
        "requirements-TOTAL_FORMS": str(len(requirements)),
        "requirements-INITIAL_FORMS": str(sum(1 for row in requirements if row.get("id"))),
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
    }
    for index, (language, title) in enumerate(texts.items()):
        data |= {
            f"texts-{index}-id": str(text_ids.get(language, "")),
            f"texts-{index}-ORDER": str(index + 1),
            f"texts-{index}-DELETE": "",
            f"texts-{index}-language": language,
            f"texts-{index}-title": title,
            f"texts-{index}-description": f"{title}: red flags and concealment.",
        }
    for index, row in enumerate(requirements):
        data |= {
            f"requirements-{index}-id": str(row.get("id", "")),
            f"requirements-{index}-ORDER": str(index + 1),
            f"requirements-{index}-DELETE": "1" if row.get("delete") else "",
            f"requirements-{index}-purpose": row.get("purpose", "initial"),
            f"requirements-{index}-course": str(row["course"].pk) if row.get("course") else "",
            f"requirements-{index}-assessment": (
                str(row["assessment"].pk) if row.get("assessment") else ""
            ),
            f"requirements-{index}-min_score": str(row.get("min_score", "")),
        }
    return data


def test_regional_author_creates_a_programme_with_texts_and_requirements(
    client, regional_author, assessment
):
    client.force_login(regional_author)
    page = client.get("/cms/programmes/new/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("texts-TOTAL_FORMS", "requirements-__prefix__-course", "required_count"):
        assert f'name="{name}"' in html
    course = assessment.tree.course
    response = client.post(
        "/cms/programmes/new/",
        form_data(
            texts={
                "en": "Certified illicit trade analyst",
                "es": "Analista certificado en comercio ilícito",
            },
            requirements=[
                {"course": course},
                {"assessment": assessment.page, "min_score": 70},
            ],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    programme = Programme.objects.get(code="illicit-trade-analyst")
    assert programme.administration is None
    assert programme.validity_months == 36
    assert {t.language: t.title for t in programme.texts.all()} == {
        "en": "Certified illicit trade analyst",
        "es": "Analista certificado en comercio ilícito",
    }
    rule = programme_rule(programme, "initial")
    assert [(r.kind, r.key, r.min_score) for r in rule.requirements] == [
        ("course", str(course.translation_key), None),
        ("assessment", str(assessment.page.translation_key), 70),
    ]
    listing = client.get("/cms/programmes/").content.decode()
    assert "illicit-trade-analyst" in listing
    assert "Certified illicit trade analyst" in listing
    assert "36 months" in listing
    assert "Regional" in listing
    assert client.get(f"/cms/programmes/edit/{programme.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("rows", "counts", "message"),
    [
        (
            "course+assessment",
            {"required_count": 3},
            "The number of requirements to meet must be between 1 and 2; it is 3.",
        ),
        ("course with score", {}, "A minimum score applies only to assessments."),
        ("course and assessment in one row", {}, "Choose either a course or an assessment."),
        ("empty row", {}, "Choose either a course or an assessment."),
        ("no rows", {}, "First certification: Add at least one requirement."),
        (
            "same course twice",
            {},
            "First certification: Requirement 2 repeats the course of requirement 1.",
        ),
        (
            "course+assessment",
            {"recert_required_count": 1},
            "Leave this empty: there are no recertification requirements.",
        ),
    ],
)
def test_invalid_rules_are_refused_with_their_problems(
    client, regional_author, assessment, rows, counts, message
):
    course, exam = assessment.tree.course, assessment.page
    requirements = {
        "course+assessment": [{"course": course}, {"assessment": exam}],
        "course with score": [{"course": course, "min_score": 70}],
        "course and assessment in one row": [{"course": course, "assessment": exam}],
        "empty row": [{"min_score": 50}],
        "no rows": [],
        # The Spanish version is the same course: it counts once.
        "same course twice": [{"course": course}, {"course": assessment.tree.es.course}],
    }[rows]
    client.force_login(regional_author)
    response = client.post("/cms/programmes/new/", form_data(requirements=requirements, **counts))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Constraint" not in html  # the row's own message is enough
    assert not Programme.objects.exists()


def test_recertification_rule_is_checked_too(client, regional_author, assessment):
    client.force_login(regional_author)
    response = client.post(
        "/cms/programmes/new/",
        form_data(
            requirements=[
                {"assessment": assessment.page, "min_score": 80},
                {"assessment": assessment.page, "purpose": "recert", "min_score": 120},
            ]
        ),
    )
    assert response.status_code == 200
    assert (
        "Recertification: The minimum score of requirement 1 must be between 0 and 100"
        in response.content.decode()
    )
    assert not Programme.objects.exists()


def test_editing_checks_the_rows_that_remain(client, regional_author, assessment):
    course, exam = assessment.tree.course, assessment.page
    programme = make_programme(course=course, assessment=exam, min_score=70, titles={"en": "T"})
    Programme.objects.filter(pk=programme.pk).update(required_count=2)
    course_row, exam_row = programme.requirements.order_by("pk")
    text_ids = {"en": programme.texts.get().pk}
    client.force_login(regional_author)
    url = f"/cms/programmes/edit/{programme.pk}/"
    rows = [
        {"id": course_row.pk, "course": course},
        {"id": exam_row.pk, "assessment": exam, "min_score": 70, "delete": True},
    ]
    data = form_data(code=programme.code, texts={"en": "T"}, text_ids=text_ids, requirements=rows)
    refused = client.post(url, {**data, "required_count": "2"})
    assert refused.status_code == 200
    assert "must be between 1 and 1; it is 2." in refused.content.decode()
    assert programme.requirements.count() == 2

    saved = client.post(url, {**data, "required_count": "", "validity_months": "24"})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    programme.refresh_from_db()
    assert programme.validity_months == 24 and programme.required_count is None
    assert list(programme.requirements.values_list("course_id", flat=True)) == [course.pk]
    assert programme.texts.count() == 1


def test_an_author_of_one_administration_cannot_see_or_edit_anothers_programme(
    client, per_author, pan, per, assessment
):
    pan_programme = make_programme(code="pan-ftz", administration=pan, titles={"en": "PAN FTZ"})
    per_programme = make_programme(code="per-port", administration=per, titles={"en": "PER port"})
    regional = make_programme(code="regional-analyst", titles={"en": "Regional one"})
    client.force_login(per_author)

    listing = client.get("/cms/programmes/").content.decode()
    assert "per-port" in listing
    assert "pan-ftz" not in listing
    assert "regional-analyst" not in listing
    for programme in (pan_programme, regional):
        for action in ("edit", "delete", "copy", "history"):
            url = f"/cms/programmes/{action}/{programme.pk}/"
            assert client.get(url).status_code == 404, url
    assert client.get(f"/cms/programmes/edit/{per_programme.pk}/").status_code == 200
    refused = client.post(
        f"/cms/programmes/edit/{pan_programme.pk}/",
        form_data(code="pan-ftz", administration=pan, requirements=[{"course": None}]),
    )
    assert refused.status_code == 404

    # The administration field offers PER only, and creating for PAN is refused.
    add_page = client.get("/cms/programmes/new/").content.decode()
    assert f'value="{per.pk}"' in add_page and f'value="{pan.pk}"' not in add_page
    per_course = assessment.tree.per_course
    response = client.post(
        "/cms/programmes/new/",
        form_data(code="sneaky", administration=pan, requirements=[{"course": per_course}]),
    )
    assert response.status_code == 200
    assert not Programme.objects.filter(code="sneaky").exists()
    # Nor a regional programme (no administration).
    response = client.post(
        "/cms/programmes/new/",
        form_data(code="sneaky", requirements=[{"course": assessment.tree.course}]),
    )
    assert response.status_code == 200
    assert not Programme.objects.filter(code="sneaky").exists()

    # Their own: PER's course and the regional final assessment.
    response = client.post(
        "/cms/programmes/new/",
        form_data(
            code="per-callao",
            administration=per,
            requirements=[{"course": per_course}, {"assessment": assessment.page}],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Programme.objects.get(code="per-callao").administration == per


def test_requirements_must_be_usable_by_the_programmes_administration(
    client, regional_author, per, pan, assessment
):
    tree = assessment.tree
    per_module = ModulePage.objects.child_of(tree.per_course).first()
    per_exam = AssessmentPage(title="Callao exam", slug="callao-exam")
    per_exam.draw_rules = [DrawRule(bank=make_bank("PER bank", administration=per), count=1)]
    add(per_module, per_exam)
    client.force_login(regional_author)

    response = client.post(
        "/cms/programmes/new/",
        form_data(code="pan-one", administration=pan, requirements=[{"course": tree.per_course}]),
    )
    assert response.status_code == 200
    assert "belongs to another administration" in response.content.decode()

    response = client.post(
        "/cms/programmes/new/",
        form_data(code="pan-two", administration=pan, requirements=[{"assessment": per_exam}]),
    )
    assert response.status_code == 200
    assert "The assessment “Callao exam” belongs to another" in response.content.decode()

    response = client.post(
        "/cms/programmes/new/",
        form_data(code="regional-one", requirements=[{"assessment": per_exam}]),
    )
    assert response.status_code == 200
    assert "A regional programme can use only regional" in response.content.decode()
    assert not Programme.objects.exists()

    response = client.post(
        "/cms/programmes/new/",
        form_data(
            code="per-one",
            administration=per,
            requirements=[{"assessment": per_exam}, {"course": tree.course}],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]


def test_a_programme_with_certificates_is_not_deleted(
    client, regional_author, per_officer, assessment
):
    programme = make_programme(assessment=assessment.page)
    issue(per_officer, programme)
    client.force_login(regional_author)
    response = client.post(f"/cms/programmes/delete/{programme.pk}/")
    assert response.status_code == 302
    assert Programme.objects.filter(pk=programme.pk).exists()
    unused = make_programme(code="unused")
    assert client.post(f"/cms/programmes/delete/{unused.pk}/").status_code == 302
    assert not Programme.objects.filter(pk=unused.pk).exists()


def test_officers_and_managers_do_not_get_the_programmes_admin(client, per_manager, per_officer):
    for user in (per_manager, per_officer):
        client.force_login(user)
        assert client.get("/cms/programmes/").status_code in (302, 403)


def test_regional_programmes_refuse_every_change_from_an_author_of_one_administration(
    client, pan_author, regional_author, assessment
):
    regional = make_programme(code="regional-analyst", titles={"en": "Regional one"})
    urls = [
        f"/cms/programmes/{action}/{regional.pk}/"
        for action in ("edit", "delete", "copy", "history", "usage")
    ]
    client.force_login(regional_author)
    assert client.get(urls[0]).status_code == 200
    client.force_login(pan_author)
    data = form_data(code="regional-analyst", requirements=[{"course": assessment.tree.course}])
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    regional.refresh_from_db()
    assert regional.administration_id is None and Programme.objects.count() == 1


def test_a_programme_never_changes_owner_through_its_form(client, per_author, per, pan, assessment):
    programme = make_programme(code="per-port", administration=per, titles={"en": "PER port"})
    text_ids = dict(programme.texts.values_list("language", "pk"))
    client.force_login(per_author)
    url = f"/cms/programmes/edit/{programme.pk}/"
    for owner in (pan, None):
        response = client.post(
            url,
            form_data(
                code="per-port",
                administration=owner,
                texts={"en": "PER port"},
                text_ids=text_ids,
                requirements=[{"course": assessment.tree.course}],
            ),
        )
        assert response.status_code == 200
        assert "cannot be given to another administration" in response.content.decode()
        programme.refresh_from_db()
        assert programme.administration == per
