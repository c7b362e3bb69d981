"""The tenant-isolation matrix: one administration's data is 404 for another's manager."""

import pytest
from django.urls import reverse

from tests.tenancy import assert_hidden_from, assert_not_found_by_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def per_urls(per, per_officer, per_manager):
    """Every URL that shows PER's learner or administration data. Later features add theirs."""
    return [
        reverse("accounts:administration_detail", args=["PER"]),
        reverse("accounts:administration_detail", args=["per"]),
        reverse("tracking:officer", args=["PER", per_officer.pk]),
        reverse("tracking:officer", args=["PER", per_manager.pk]),
        reverse("tracking:matrix", args=["PER"]),
        reverse("tracking:matrix", args=["per"]) + "?status=valid",
        reverse("audit:trail", args=["PER"]),
        reverse("audit:trail", args=["PER"]) + "?action=api_token.create",
        reverse("audit:trail_export", args=["PER"]),
        reverse("scim_pages:tokens", args=["PER"]),
    ]


@pytest.fixture
def per_course_urls(course_tree, per):
    """PER's own courses: the catalogue, course, module and lesson pages. (The files of an
    activity owned by PER are served on the content origin only, to the holder of a token
    the lesson page mints: courses/tests/test_h5p_player.py refuses PAN's officers there.)"""
    return [
        "/per/",
        "/per/callao/",
        "/per/callao/port/",
        "/per/callao/port/port-control/",
    ]


def test_pan_manager_gets_404_for_every_per_url(client, per_urls, per_manager, pan_manager):
    assert_hidden_from(client, per_urls, outsider=pan_manager, owner=per_manager)


def test_pan_people_get_404_for_every_per_course_url(
    client, per_course_urls, course_tree, per_officer, pan_officer, pan_manager
):
    from courses import services

    services.enrolment_create(actor=per_officer, course=course_tree.per_course)
    for outsider in (pan_officer, pan_manager):
        assert_hidden_from(client, per_course_urls, outsider=outsider, owner=per_officer)


def test_pan_people_find_nothing_of_per_courses_by_search(
    client, course_tree, per_officer, pan_officer, pan_manager
):
    """The catalogue search: words that appear only in PER's own course (its lesson's
    text, its title) find nothing for PAN's people; PER's officer finds them."""
    words = ["PCU", "Callao induction"]
    for outsider in (pan_officer, pan_manager):
        assert_not_found_by_search(client, words, outsider=outsider, owner=per_officer)


def test_search_helper_reports_a_leak(client, course_tree, per_officer, pan_officer):
    """The helper must fail when the outsider finds the words (here: a regional course)."""
    with pytest.raises(AssertionError, match="found it"):
        assert_not_found_by_search(client, ["Smuggling"], outsider=pan_officer, owner=per_officer)


def test_per_officer_gets_404_for_their_colleagues_records(client, per, per_officer, per_manager):
    assert_hidden_from(
        client,
        [reverse("tracking:officer", args=["PER", per_manager.pk])],
        outsider=per_officer,
    )


def test_officer_url_under_the_wrong_administration_is_404(
    client, per_officer, per_manager, pan_manager, pan
):
    # PAN's manager asks for a PER officer through PAN's own path.
    assert_hidden_from(
        client,
        [reverse("tracking:officer", args=["PAN", per_officer.pk])],
        outsider=pan_manager,
    )


def test_helper_reports_a_leak(client, per, per_manager, pan_manager):
    """The helper must fail when a URL is not hidden (here: the public home page)."""
    with pytest.raises(AssertionError, match="expected 404"):
        assert_hidden_from(client, ["/accounts/profile/"], outsider=pan_manager)


def test_attempt_urls_are_404_for_everyone_but_the_officer(
    client, assessment, per_officer, pan_manager, per_manager
):
    from assessments import services as assessment_services
    from courses import services

    services.enrolment_create(actor=per_officer, course=assessment.tree.course)
    attempt = assessment_services.attempt_start(actor=per_officer, assessment=assessment.page)
    urls = [f"/attempts/{attempt.pk}/"]
    assert_hidden_from(client, urls, outsider=pan_manager, owner=per_officer)
    assert_hidden_from(client, urls, outsider=per_manager)
    assessment_services.attempt_submit(actor=per_officer, attempt_id=attempt.pk)
    assert_hidden_from(
        client, [f"/attempts/{attempt.pk}/result/"], outsider=pan_manager, owner=per_officer
    )


@pytest.fixture
def per_certificate_urls(earned):
    """A PER officer's certificate: the managers' page and the downloads."""
    pk = earned.certificate.pk
    return [
        reverse("certificates:manage_detail", args=[pk]),
        reverse("certificates:pdf", args=[pk]),
        reverse("certificates:badge", args=[pk]),
    ]


def test_pan_people_get_404_for_every_per_certificate_url(
    client, per_certificate_urls, earned, per_manager, pan_manager, pan_officer
):
    assert_hidden_from(client, per_certificate_urls, outsider=pan_manager, owner=per_manager)
    downloads = per_certificate_urls[1:]
    assert_hidden_from(client, downloads, outsider=pan_officer, owner=earned.officer)
    revoke = reverse("certificates:revoke", args=[earned.certificate.pk])
    assert_hidden_from(client, [revoke], outsider=pan_manager, method="post")
    earned.certificate.refresh_from_db()
    assert earned.certificate.revoked_at is None
