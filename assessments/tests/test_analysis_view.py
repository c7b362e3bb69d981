import pytest

from assessments.selectors import item_analysis
from lms.accounts.roles import Role
from lms.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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
