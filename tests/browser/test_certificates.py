"""An officer passes the final assessment in the browser and gets a certificate: it
appears under "My certificates", its PDF downloads, the verification link opened without
signing in says valid; a manager of the same administration revokes it and the page says
revoked; the Open Badges credential verifies against the published key."""

import json

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates.models import Certificate
from tests.browser.conftest import sign_in
from tests.browser.test_assessment import answer_every_type, start_attempt

pytestmark = pytest.mark.django_db(transaction=True)


def test_certificate_from_the_assessment_to_revocation(
    browser, live_server, page, programme, assessment, per_officer, per_manager, password
):
    start_attempt(page, assessment, per_officer, password)
    answer_every_type(page)
    page.locator("[data-action=submit-attempt]").click()
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "passed")

    page.goto("/certificates/")
    certificate = Certificate.objects.get(holder=per_officer)
    card = page.locator("main").get_by_text(certificate.code_display)
    expect(card).to_be_visible()
    expect(page.locator("main")).to_contain_text("Certified illicit trade analyst")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").first.click()
    pdf = PdfReader(download_info.value.path())
    text = "".join(pdf.pages[0].extract_text().split())
    assert "CarlosHuamánTorres" in text and certificate.code_display in text

    with page.expect_download() as badge_info:
        page.get_by_role("link", name="Download the Open Badges credential").first.click()
    token = open(badge_info.value.path()).read().strip()  # noqa: SIM115
    page.close()  # the officer is done; one browser page talks to the server at a time

    # Anyone, without signing in, opens the verification link.
    stranger = browser.new_context(base_url=live_server.url).new_page()
    stranger.goto(f"/verify/{certificate.code_display}/")
    expect(stranger.locator("[data-verification]")).to_have_attribute("data-verification", "valid")
    expect(stranger.locator("main")).to_contain_text("Carlos Huamán Torres")

    # The Open Badges credential verifies against the key the issuer publishes.
    keys = KeySet.import_key_set(json.loads(stranger.request.get("/credentials/jwks.json").text()))
    claims = jwt.decode(token, keys, algorithms=["EdDSA"]).claims
    assert "OpenBadgeCredential" in claims["type"]
    assert claims["credentialSubject"]["achievement"]["name"] == "Certified illicit trade analyst"

    # A manager of the same administration revokes it.
    manager = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    sign_in(manager, "manager.per", password)
    manager.goto("/certificates/manage/")
    manager.get_by_role("link", name=certificate.number).click()
    manager.get_by_label("Reason for revoking").fill("Exam taken by another person")
    manager.get_by_role("button", name="Revoke the certificate").click()
    expect(manager.locator("[data-revoked-reason]")).to_have_text("Exam taken by another person")

    stranger.reload()
    expect(stranger.locator("[data-verification]")).to_have_attribute(
        "data-verification", "revoked"
    )
    expect(stranger.locator("main")).to_contain_text("Exam taken by another person")
    assert Certificate.objects.get(pk=certificate.pk).revoked_by == per_manager
    stranger.context.close()  # before the live server stops: no request left half-done
    manager.context.close()
