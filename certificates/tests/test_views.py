"""The officer's certificates page, the downloads, and the managers' pages with revocation."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale

from certificates import services
from certificates.models import Certificate, CertificateEvent
from certificates.tests.fixtures import issue, make_programme
from tests.tenancy import assert_hidden_from

pytestmark = pytest.mark.django_db

MINE = reverse("certificates:mine")
MANAGE = reverse("certificates:manage")


def months_ago(months: int):
    return services.add_months(timezone.now(), -months)


def urls_of(certificate: Certificate) -> dict[str, str]:
    return {
        name: reverse(f"certificates:{name}", args=[certificate.pk])
        for name in ("pdf", "badge", "manage_detail", "revoke")
    }


def html_of(response) -> str:
    return response.content.decode()


def b64json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# --- The officer ------------------------------------------------------------------------


def test_the_officer_sees_their_certificate_with_its_code_and_links(client, earned):
    certificate = earned.certificate
    client.force_login(earned.officer)
    response = client.get(MINE)
    assert response.status_code == 200
    html = html_of(response)
    assert f'data-certificate="{certificate.number}"' in html
    assert "Analista certificado en comercio ilícito" in html  # the officer reads Spanish
    assert certificate.code_display in html
    assert 'data-status="valid"' in html
    links = urls_of(certificate)
    assert f'href="{links["pdf"]}"' in html and f'href="{links["badge"]}"' in html
    assert f'href="{certificate.get_verify_path()}"' in html
    # The full verification link is in a read-only field, and the copy button needs JS.
    assert f'value="{services.verify_url(certificate)}" readonly' in html
    assert 'data-copy="verify-link-' in html and "js/certificates.js" in html
    assert 'data-nav="certificates"' in html  # the navigation leads here
    assert 'data-section="expiring"' not in html  # valid for three years yet


def test_another_officers_certificates_are_not_listed(client, earned, pan_officer):
    client.force_login(pan_officer)
    html = html_of(client.get(MINE))
    assert earned.certificate.number not in html
    assert earned.certificate.code_display not in html


def test_current_certificates_come_first_and_states_read_in_words(client, programme, per_officer):
    expired = issue(
        per_officer, make_programme(code="old", validity_months=12), issued_at=months_ago(30)
    )
    revoked = issue(per_officer, make_programme(code="gone"), issued_at=months_ago(2))
    services.certificate_revoke(
        actor=_platform_admin(), certificate=revoked, reason="Issued to the wrong person"
    )
    valid = issue(per_officer, programme, issued_at=months_ago(30))  # older, still valid
    client.force_login(per_officer)
    html = html_of(client.get(MINE))
    positions = [html.index(f'data-certificate="{c.number}"') for c in (valid, expired, revoked)]
    assert positions == sorted(positions)
    assert 'data-status="expired"' in html and 'data-status="revoked"' in html
    assert "Issued to the wrong person" in html


def test_expiring_soon_shows_how_to_renew(client, assessment, per_officer):
    course = assessment.tree.course
    programme = make_programme(
        code="renewable", course=course, recert_assessment=assessment.page, validity_months=36
    )
    certificate = issue(per_officer, programme, issued_at=months_ago(35))
    client.force_login(per_officer)
    html = html_of(client.get(MINE))
    section = html[html.index('data-section="expiring"') : html.index('id="certificates-heading"')]
    assert f'data-expiring="{certificate.number}"' in section
    # The recertification requirement (the assessment), not the first certification's course.
    assert f'href="{assessment.page.url}"' in section and "Final assessment" in section
    assert 'data-requirement="assessment" data-met="no"' in section
    assert 'data-requirement="course"' not in section
    assert 'data-progress="0/1"' in section
    assert 'data-status="expiring"' in html


def test_expiring_soon_without_recertification_rows_asks_the_first_ones_again(client, earned):
    """Only results since the window opened count towards the renewal."""
    from assessments.models import Attempt

    certificate = earned.certificate
    now = timezone.now()
    Certificate.objects.filter(pk=certificate.pk).update(expires_at=now + timedelta(days=10))
    attempt = Attempt.objects.filter(pk=earned.attempt.pk)
    attempt.update(submitted_at=now - timedelta(days=365))  # before the window opened
    client.force_login(earned.officer)

    def expiring_section() -> str:
        html = html_of(client.get(MINE))
        return html[html.index('data-section="expiring"') : html.index('id="certificates-heading"')]

    section = expiring_section()
    assert 'data-requirement="assessment" data-met="no"' in section
    assert 'data-progress="0/1"' in section
    attempt.update(submitted_at=now - timedelta(days=1))  # inside the window
    section = expiring_section()
    assert 'data-requirement="assessment" data-met="yes"' in section
    assert 'data-progress="1/1"' in section


def test_open_programmes_show_progress_and_link_in_the_officers_language(
    client, earned, assessment
):
    course = assessment.tree.course
    spanish_course = course.get_translation(Locale.objects.get(language_code="es"))
    other = make_programme(code="analyst-plus", course=course, assessment=assessment.page)
    client.force_login(earned.officer)
    html = html_of(client.get(MINE))
    section = html[html.index('data-section="available"') :]
    assert 'data-programme="analyst-plus"' in section
    assert f'data-programme="{earned.programme.code}"' not in section  # already held
    assert 'data-progress="1/2"' in section  # passed the assessment, course not completed
    assert 'data-requirement="assessment" data-met="yes"' in section
    assert 'data-requirement="course" data-met="no"' in section
    assert f'href="{spanish_course.url}"' in section
    assert "Detectar el comercio ilícito" in section
    assert other.pk


def test_query_count_does_not_grow_with_certificates(client, assessment, per_officer):
    programmes = [
        make_programme(
            code=f"programme-{n}",
            course=assessment.tree.course,
            recert_assessment=assessment.page,
        )
        for n in range(5)
    ]
    client.force_login(per_officer)

    def count() -> int:
        client.get(MINE)  # warm caches (site root paths, settings)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(MINE)
        assert response.status_code == 200
        return len(queries)

    issue(per_officer, programmes[0], issued_at=months_ago(35))  # expiring
    one = count()
    issue(per_officer, programmes[1], issued_at=months_ago(35))
    issue(per_officer, programmes[2], issued_at=months_ago(1))
    issue(per_officer, programmes[3], issued_at=months_ago(35))
    issue(per_officer, programmes[4], issued_at=months_ago(34))
    five = count()
    html = html_of(client.get(MINE))
    assert html.count("data-certificate=") == 5 and html.count("data-expiring=") == 4
    assert one == five
    # Session, user, certificates + texts, programmes + texts + requirements, completions,
    # results, requirement pages, site: 11 whatever the number of certificates.
    assert five <= 11, f"{five} queries"


# --- Downloads ----------------------------------------------------------------------------


def test_the_pdf_downloads(client, earned):
    certificate = earned.certificate
    client.force_login(earned.officer)
    response = client.get(urls_of(certificate)["pdf"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{certificate.number}.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_missing_pdf_is_rendered_on_demand(client, programme, per_officer):
    certificate = issue(per_officer, programme)  # no commit in the test: never rendered
    assert not certificate.pdf
    client.force_login(per_officer)
    response = client.get(urls_of(certificate)["pdf"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    certificate.refresh_from_db()
    assert certificate.pdf and certificate.events.filter(kind="rendered").exists()


def test_a_lost_pdf_file_is_rendered_again(client, earned):
    certificate = earned.certificate
    certificate.pdf.storage.delete(certificate.pdf.name)
    client.force_login(earned.officer)
    response = client.get(urls_of(certificate)["pdf"])
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_badge_downloads_as_a_signed_jwt(client, earned):
    certificate = earned.certificate
    client.force_login(earned.officer)
    response = client.get(urls_of(certificate)["badge"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    assert response["Content-Disposition"] == f'attachment; filename="{certificate.number}.jwt"'
    parts = response.content.decode().split(".")
    assert len(parts) == 3 and all(parts)
    assert b64json(parts[0])["alg"]
    assert str(certificate.uuid) in json.dumps(b64json(parts[1]))


def test_a_revoked_certificate_still_downloads(client, earned, per_manager):
    services.certificate_revoke(actor=per_manager, certificate=earned.certificate, reason="Fraud")
    client.force_login(earned.officer)
    assert client.get(urls_of(earned.certificate)["badge"]).status_code == 200
    assert client.get(urls_of(earned.certificate)["pdf"]).status_code == 200


def test_other_officers_get_404_for_the_downloads(client, earned, pan_officer, per_officer):
    from lms.accounts.roles import Role
    from lms.accounts.tests.factories import UserFactory

    colleague = UserFactory(administration=per_officer.administration, roles={Role.OFFICER})
    links = urls_of(earned.certificate)
    for outsider in (pan_officer, colleague):
        assert_hidden_from(
            client, [links["pdf"], links["badge"]], outsider=outsider, owner=earned.officer
        )


# --- Tenancy --------------------------------------------------------------------------------


def test_a_pan_manager_gets_404_for_a_per_certificate(client, earned, per_manager, pan_manager):
    certificate = earned.certificate
    links = urls_of(certificate)
    assert_hidden_from(
        client,
        [links["manage_detail"], links["pdf"], links["badge"]],
        outsider=pan_manager,
        owner=per_manager,
    )
    assert_hidden_from(client, [links["revoke"]], outsider=pan_manager, method="post")
    client.force_login(pan_manager)
    response = client.post(links["revoke"], {"reason": "Not theirs to revoke"})
    assert response.status_code == 404
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert not certificate.events.filter(kind="revoked").exists()


def test_a_per_certificate_is_never_in_the_pan_managers_list(
    client, earned, per_manager, pan_manager
):
    number = earned.certificate.number
    filters = [
        {},
        {"q": number},
        {"q": "Carlos"},
        {"q": number, "programme": earned.programme.pk},
        *(
            {"q": number, "status": status}
            for status in ("", "valid", "expiring", "expired", "revoked", "superseded")
        ),
        {"q": number, "page": "2"},
    ]
    client.force_login(per_manager)
    assert number in html_of(client.get(MANAGE, {"q": number}))  # the positive control
    client.force_login(pan_manager)
    for query in filters:
        response = client.get(MANAGE, query)
        assert response.status_code == 200, query
        html = html_of(response)
        assert f'data-certificate="{number}"' not in html, query
        assert 'data-count="0"' in html and "Huamán" not in html, query


# --- Managers ---------------------------------------------------------------------------------


def test_officers_coordinators_and_training_managers_get_404_on_the_manage_pages(
    client, earned, coordinator, regional_author
):
    links = urls_of(earned.certificate)
    for outsider in (earned.officer, coordinator, regional_author):
        assert_hidden_from(client, [MANAGE, links["manage_detail"]], outsider=outsider)
        assert_hidden_from(client, [links["revoke"]], outsider=outsider, method="post")
        client.force_login(outsider)
        assert client.post(links["revoke"], {"reason": "x"}).status_code == 404
    earned.certificate.refresh_from_db()
    assert earned.certificate.revoked_at is None


def test_the_manage_pages_need_a_sign_in(client, earned):
    links = urls_of(earned.certificate)
    for url in (MINE, MANAGE, links["manage_detail"], links["pdf"], links["badge"]):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_the_per_manager_lists_and_filters(client, earned, per_manager, programme, per_officer):
    revoked = issue(per_officer, make_programme(code="second"))
    services.certificate_revoke(actor=per_manager, certificate=revoked, reason="Mistake")
    client.force_login(per_manager)
    html = html_of(client.get(MANAGE))
    assert 'data-nav="certificates_manage"' in html
    assert earned.certificate.number in html and revoked.number in html
    assert "Carlos Huamán Torres" in html
    only_revoked = html_of(client.get(MANAGE, {"status": "revoked"}))
    assert revoked.number in only_revoked and earned.certificate.number not in only_revoked
    only_valid = html_of(client.get(MANAGE, {"status": "valid"}))
    assert earned.certificate.number in only_valid and revoked.number not in only_valid
    by_programme = html_of(client.get(MANAGE, {"programme": programme.pk}))
    assert earned.certificate.number in by_programme and revoked.number not in by_programme
    by_name = html_of(client.get(MANAGE, {"q": "huamán"}))
    assert earned.certificate.number in by_name
    nobody = html_of(client.get(MANAGE, {"q": "nobody at all"}))
    assert earned.certificate.number not in nobody
    junk = client.get(MANAGE, {"status": "bogus", "programme": "abc"})
    assert junk.status_code == 200 and earned.certificate.number in html_of(junk)


def test_the_expiring_filter_uses_each_programmes_window(
    client, programme, per_officer, per_manager
):
    soon = issue(per_officer, programme, issued_at=months_ago(35))
    later = issue(per_officer, make_programme(code="later"), issued_at=months_ago(20))
    client.force_login(per_manager)
    html = html_of(client.get(MANAGE, {"status": "expiring"}))
    assert soon.number in html and later.number not in html
    assert 'data-status="expiring"' in html


def test_the_platform_admin_sees_every_administration(
    client, earned, platform_admin, pan_officer, programme
):
    pan_certificate = issue(pan_officer, programme)
    client.force_login(platform_admin)
    html = html_of(client.get(MANAGE))
    assert earned.certificate.number in html and pan_certificate.number in html
    assert 'data-nav="certificates_manage"' in html


@pytest.mark.parametrize("page", ["-1", "0", "999999", "abc", "1.5", "", "9" * 40])
def test_pagination_abuse_never_fails(client, programme, per_officer, per_manager, page):
    for _n in range(51):
        issue(per_officer, programme, issued_at=months_ago(60))
    client.force_login(per_manager)
    response = client.get(MANAGE, {"page": page, "q": "PER"})
    assert response.status_code == 200
    html = html_of(response)
    assert html.count("data-certificate=") in (50, 1)
    assert 'data-count="51"' in html


def test_the_detail_shows_the_event_log_and_the_revoke_form(client, earned, per_manager):
    certificate = earned.certificate
    client.force_login(per_manager)
    html = html_of(client.get(urls_of(certificate)["manage_detail"]))
    assert certificate.code_display in html and "Carlos Huamán Torres" in html
    assert 'data-event="issued"' in html and 'data-event="rendered"' in html
    assert f'action="{urls_of(certificate)["revoke"]}"' in html
    assert 'name="reason"' in html


def test_a_platform_admin_revokes_and_a_coordinator_never_sees_the_form(
    client, earned, platform_admin
):
    client.force_login(platform_admin)
    response = client.post(urls_of(earned.certificate)["revoke"], {"reason": "Audit finding"})
    assert response.status_code == 302
    earned.certificate.refresh_from_db()
    assert earned.certificate.revoked_by == platform_admin


def test_the_per_manager_revokes_with_a_reason(client, earned, per_manager):
    certificate = earned.certificate
    links = urls_of(certificate)
    client.force_login(per_manager)
    response = client.post(links["revoke"], {"reason": "  Obtained by impersonation  "})
    assert response.status_code == 302 and response["Location"] == links["manage_detail"]
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert certificate.revoked_by == per_manager
    assert certificate.revoked_reason == "Obtained by impersonation"
    event = certificate.events.get(kind="revoked")
    assert event.actor == per_manager and event.detail["reason"] == "Obtained by impersonation"
    html = html_of(client.get(links["manage_detail"]))
    assert certificate.number in html and "is revoked" in html  # the success message
    assert 'data-status="revoked"' in html and 'data-event="revoked"' in html
    assert 'name="reason"' not in html  # nothing left to revoke


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_an_empty_reason_is_refused_and_changes_nothing(client, earned, per_manager, reason):
    certificate = earned.certificate
    client.force_login(per_manager)
    data = {} if reason is None else {"reason": reason}
    response = client.post(urls_of(certificate)["revoke"], data)
    assert response.status_code == 400
    assert 'name="reason"' in html_of(response)
    assert "Give the reason for revoking the certificate." in html_of(response)
    certificate.refresh_from_db()
    assert certificate.revoked_at is None and certificate.revoked_reason == ""
    assert not CertificateEvent.objects.filter(kind="revoked").exists()


def test_revoking_twice_is_refused_and_changes_nothing(client, earned, per_manager):
    certificate = earned.certificate
    url = urls_of(certificate)["revoke"]
    client.force_login(per_manager)
    assert client.post(url, {"reason": "First reason"}).status_code == 302
    certificate.refresh_from_db()
    revoked_at = certificate.revoked_at
    response = client.post(url, {"reason": "Second reason"})
    assert response.status_code == 400
    html = html_of(response)
    assert "data-error" in html and "This certificate is already revoked." in html
    certificate.refresh_from_db()
    assert certificate.revoked_at == revoked_at and certificate.revoked_reason == "First reason"
    assert certificate.events.filter(kind="revoked").count() == 1


def test_the_revoke_url_takes_only_posts(client, earned, per_manager):
    client.force_login(per_manager)
    assert client.get(urls_of(earned.certificate)["revoke"]).status_code == 405


def test_navigation_shows_certificate_links_by_role(client, home_page, per_officer, coordinator):
    client.force_login(per_officer)
    html = html_of(client.get("/"))
    assert 'data-nav="certificates"' in html and 'data-nav="certificates_manage"' not in html
    client.force_login(coordinator)
    html = html_of(client.get("/"))
    assert 'data-nav="certificates"' not in html and 'data-nav="certificates_manage"' not in html


def _platform_admin():
    from lms.accounts.roles import Role
    from lms.accounts.tests.factories import UserFactory

    return UserFactory(username="admin.revoker", is_superuser=True, roles={Role.PLATFORM_ADMIN})
