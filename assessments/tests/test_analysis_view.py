import pytest

from assessments import services
from assessments.models import AssessmentPage, DrawRule
from assessments.selectors import item_analysis
from assessments.tests.fixtures import QUESTIONS, make_bank
from courses import services as course_services
from courses.tests.fixtures import add
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(course_tree, per, pan):
    bank = make_bank("Three", questions={k: QUESTIONS["sc"] for k in ("qa", "qb", "qc")})
    page = AssessmentPage(title="Quiz", slug="quiz", pass_mark=50, shuffle_questions=False)
    page.draw_rules = [DrawRule(bank=bank, count=3)]
    add(course_tree.module1, page)
    strong = {"qa": "b", "qb": "b", "qc": "a"}
    weak = {"qa": "a", "qb": "a", "qc": "b"}
    for pattern, administration in ((strong, per), (strong, per), (weak, pan), (weak, pan)):
        officer = UserFactory(administration=administration, roles={Role.OFFICER})
        course_services.enrolment_create(actor=officer, course=course_tree.course)
        attempt = services.attempt_start(actor=officer, assessment=page)
        for response in attempt.responses.select_related("version__question"):
            services.response_save(
                actor=officer,
                attempt_id=attempt.pk,
                position=response.position,
                seq=1,
                answer={"option": pattern[response.version.question.uid]},
            )
        services.attempt_submit(actor=officer, attempt_id=attempt.pk)
    return page


def test_item_analysis_flags_negative_discrimination(graded, platform_admin):
    report = item_analysis(platform_admin, graded)
    assert report["attempts"] == 4 and report["pass_rate"] == 0.5
    items = {item["uid"]: item for item in report["items"]}
    assert items["qc"]["flagged"] and items["qc"]["discrimination"] < 0
    assert not items["qa"]["flagged"] and items["qa"]["facility"] == 0.5
    assert items["qa"]["options"] == {"a": 2, "b": 2}
    assert sum(count for _low, _high, count in report["distribution"]) == 4


def test_authors_of_one_administration_see_its_attempts_only(graded, per):
    author = UserFactory(administration=per, roles={Role.TRAINING_MANAGER})
    assert item_analysis(author, graded)["attempts"] == 2


def test_regional_authors_filter_by_administration(graded, pan, platform_admin):
    assert item_analysis(platform_admin, graded, administration_id=pan.pk)["attempts"] == 2


def test_analysis_page_in_the_admin(client, graded, platform_admin, pan, regional_author):
    client.force_login(platform_admin)
    url = f"/cms/assessments/{graded.pk}/analysis/"
    html = client.get(url).content.decode()
    assert 'data-flagged="true"' in html and 'data-attempts="4"' in html
    assert 'data-attempts="2"' in client.get(f"{url}?administration={pan.pk}").content.decode()
    client.force_login(regional_author)  # no page permission on this catalogue
    assert client.get(url).status_code in (302, 403)
