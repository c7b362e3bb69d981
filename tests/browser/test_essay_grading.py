"""An officer writes an essay (word count shown as they type, a PDF attached) and submits:
the result waits for a grader and no certificate is issued. A training manager of the
officer's administration grades it with the rubric in the Wagtail admin; the attempt
then passes, the certificate is issued, and the officer's review shows the levels and
the comment."""

import pytest
from playwright.sync_api import expect

from assessments.models import Attempt, EssayFile, ManualGrade
from certificates.models import Certificate
from certificates.tests.fixtures import make_programme
from courses import services as course_services
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ESSAY = "The container held four hundred cartons of cigarettes, seized under article 189."


def test_manager_grades_an_essay_with_the_rubric_and_the_certificate_follows(
    browser, live_server, page, essay_assessment, per_officer, per_author, password
):
    make_programme(assessment=essay_assessment.page, min_score=80)
    per_officer.preferred_language = "en"
    per_officer.save()
    course_services.enrolment_create(actor=per_officer, course=essay_assessment.tree.course)

    # The officer answers both questions and submits.
    sign_in(page, per_officer.username, password)
    page.goto(essay_assessment.page.url)
    page.locator("[data-action=start-attempt]").click()
    expect(page.locator("[data-question]")).to_have_count(2)
    page.wait_for_load_state("load")
    choice = page.locator("[data-question][data-type=single_choice]")
    choice.get_by_label("CENcomm").check()
    expect(choice.locator("[data-save-status]")).to_have_attribute("data-state", "saved")

    essay = page.locator("[data-question][data-type=essay]")
    essay.get_by_label("Your answer").fill("Too short.")
    expect(essay.locator("[data-word-count]")).to_have_attribute("data-state", "too-few")
    essay.get_by_label("Your answer").fill(ESSAY)
    expect(essay.locator("[data-word-count]")).to_have_attribute("data-words", "12")
    expect(essay.locator("[data-word-count]")).to_have_attribute("data-state", "ok")
    essay.locator("[data-essay-file]").set_input_files(
        files=[{"name": "seizure-report.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    expect(essay.locator("[data-essay-files] li")).to_have_count(1)
    expect(essay.locator("[data-essay-files]")).to_contain_text("seizure-report.pdf")
    expect(essay.locator("[data-save-status]")).to_have_attribute("data-state", "saved")
    # Both the text and the file are in the saved answer (autosaved, no blur needed).
    attempt = Attempt.objects.get(user=per_officer)
    stored = attempt.responses.get(version__type="essay")
    key = EssayFile.objects.get(attempt=attempt).key
    assert stored.answer == {"text": ESSAY, "files": [key]}

    # A reload shows the text and the file again.
    page.reload()
    essay = page.locator("[data-question][data-type=essay]")
    expect(essay.get_by_label("Your answer")).to_have_value(ESSAY)
    expect(essay.locator("[data-essay-files]")).to_contain_text("seizure-report.pdf")

    page.locator("[data-action=submit-attempt]").click()
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "grading")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADING and attempt.passed is None
    assert not Certificate.objects.filter(holder=per_officer).exists()
    page.close()

    # The training manager of PER grades it in the admin, with the rubric.
    manager = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    manager.set_default_timeout(15_000)
    manager.goto("/cms/login/")
    manager.locator("#id_username").fill(per_author.username)
    manager.locator("#id_password").fill(password)
    manager.locator("form button[type=submit]").last.click()
    manager.wait_for_url("**/cms/")
    manager.get_by_role("link", name="Essays to grade").first.click()
    row = manager.locator("[data-queue-item]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Carlos Huamán Torres")
    expect(row).to_contain_text("Written assessment")
    expect(row.locator("[data-waited]")).not_to_be_empty()
    row.get_by_role("link", name="Grade").click()

    expect(manager.locator("[data-essay-text]")).to_contain_text("four hundred cartons")
    expect(manager.locator("[data-grader-info]")).to_contain_text("expect article 189")
    expect(manager.locator("[data-essay-files]")).to_contain_text("seizure-report.pdf")
    manager.get_by_label("All the facts").check()
    manager.get_by_label("Right article").check()
    manager.get_by_label("Comment to the officer").fill("Clear facts and the right article.")
    manager.locator("[data-action=save-grade]").click()
    expect(manager.locator(".messages")).to_contain_text("The grade was saved.")
    expect(manager.locator("[data-queue-empty]")).to_be_visible()
    manager.context.close()

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.percent == 100.0 and attempt.passed is True
    assert ManualGrade.objects.get().grader == per_author
    certificate = Certificate.objects.get(holder=per_officer)

    # The officer sees the result, the rubric levels and the comment, and the certificate.
    officer = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    officer.set_default_timeout(15_000)
    sign_in(officer, per_officer.username, password)
    officer.goto(f"/attempts/{attempt.pk}/result/")
    expect(officer.locator("[data-result]")).to_have_attribute("data-result", "passed")
    review = officer.locator("[data-essay-review]")
    expect(review.locator("[data-review-rubric]")).to_contain_text("All the facts")
    expect(review.locator("[data-review-rubric]")).to_contain_text("Right article")
    expect(review.locator("[data-grader-comment]")).to_contain_text("Clear facts")
    officer.goto("/certificates/")
    expect(officer.locator("main").get_by_text(certificate.code_display)).to_be_visible()
    officer.context.close()
