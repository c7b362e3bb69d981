"""Keyboard-only journeys (WCAG 2.2: 2.1.1 keyboard, 2.4.3 focus order, 2.4.7 focus
visible): an officer sits an exam, a manager filters the compliance matrix, a manager
imports officers, each with the keyboard alone. Every element focused on the way shows
a focus ring (an outline or a box shadow, read from the computed style), focus never
falls back to the page's body, and the filters are reached in the order they are read."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from assessments.models import AssessmentPage, Attempt, DrawRule
from assessments.tests.fixtures import QUESTIONS, make_bank
from certificates.tests.fixtures import make_programme
from courses import services as course_services
from courses.tests.fixtures import add
from lms.accounts.models import User
from lms.tracking.models import OfficerImport
from lms.tracking.tests.conftest import world  # noqa: F401  (the fixture)
from tests.browser.journeys import in_reading_order, tab_to

pytestmark = pytest.mark.django_db(transaction=True)


def keyboard_sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    tab_to(page, "#id_password")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def exam(course_tree, per_officer):
    """Four questions answered with the keyboard (choices, boxes, true or false, a
    number), in a fixed order, passed for a certificate."""
    bank = make_bank(questions={uid: QUESTIONS[uid] for uid in ("sc", "mr", "tf", "num")})
    page = AssessmentPage(
        title="Keyboard check",
        slug="keyboard",
        pass_mark=60,
        max_attempts=2,
        shuffle_options=False,  # the keys pressed below follow the authored order
    )
    page.draw_rules = [DrawRule(bank=bank, count=4, section="All")]
    add(course_tree.module2, page)
    make_programme(code="keyboard", assessment=page, min_score=80)
    per_officer.preferred_language = "en"
    per_officer.save(update_fields=["preferred_language"])
    course_services.enrolment_create(actor=per_officer, course=course_tree.course)
    return SimpleNamespace(page=page, officer=per_officer)


def saved(page, qtype: str) -> None:
    expect(
        page.locator(f"[data-question][data-type={qtype}] [data-save-status]")
    ).to_have_attribute("data-state", "saved")


def test_an_officer_sits_an_exam_with_the_keyboard_alone(page, exam, password):
    keyboard_sign_in(page, "officer.per", password)
    page.goto(exam.page.url)
    tab_to(page, "[data-action=start-attempt]")
    page.keyboard.press("Enter")
    expect(page.locator("[data-question]")).to_have_count(4)
    page.wait_for_load_state("load")

    types = page.locator("[data-question]").evaluate_all("qs => qs.map(q => q.dataset.type)")
    for qtype in types:  # in the page's order, Tab only goes forwards
        inside = f"[data-question][data-type={qtype}]"
        if qtype == "single_choice":  # options a, b, c: Space checks a, the arrow moves to b
            tab_to(page, f"{inside} input[type=radio]")
            page.keyboard.press("Space")
            page.keyboard.press("ArrowDown")
            expect(page.locator(inside).get_by_label("CENcomm")).to_be_checked()
        elif qtype == "multiple_response":  # boxes: the first two are right
            tab_to(page, f"{inside} input[type=checkbox]")
            page.keyboard.press("Space")
            tab_to(page, f"{inside} input[type=checkbox]:not(:checked)")
            page.keyboard.press("Space")
            expect(page.locator(inside).get_by_label("Odd route")).to_be_checked()
        elif qtype == "true_false":  # True, False: Space checks True, the arrow moves on
            tab_to(page, f"{inside} input[type=radio]")
            page.keyboard.press("Space")
            page.keyboard.press("ArrowDown")
            expect(page.locator(inside).get_by_label("False")).to_be_checked()
        else:
            tab_to(page, f"{inside} input")
            page.keyboard.type("5")
        page.keyboard.press("Tab")  # leaving the question sends its answer
        saved(page, qtype)

    tab_to(page, "[data-action=submit-attempt]")
    page.keyboard.press("Enter")
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "passed")
    attempt = Attempt.objects.get(user=exam.officer)
    assert (attempt.status, attempt.percent) == ("submitted", 100.0)
    # The next steps are reached and followed with the keyboard too.
    tab_to(page, "[data-next=item] a, [data-next=course] a")
    target = page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(target)


def test_a_manager_filters_the_compliance_matrix_with_the_keyboard(
    page,
    world,  # noqa: F811
    per_manager,
    password,
):
    keyboard_sign_in(page, per_manager.username, password)
    page.goto("/administrations/PER/compliance/")
    rows = page.locator("#compliance-matrix tbody tr")
    expect(rows).to_have_count(11)

    # The filters, reached with Tab in the order they are read.
    controls = ["#id_q", "#id_unit", "#id_programme", "#id_status"]
    boxes = [tab_to(page, control)[-1] for control in controls]
    button = tab_to(page, "#matrix-filters button[type=submit]")
    boxes.append(button[-1])
    assert len(button) == 1, [step["what"] for step in button]  # nothing in between
    assert in_reading_order(boxes), boxes

    # Status "Expiring" chosen by typing on the select, the form sent with Enter.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "id_status"
    page.keyboard.type("Expiri")
    expect(page.locator("#id_status")).to_have_value("expiring")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Beto Expiring")
    expect(page).to_have_url(re.compile(r"status=expiring"))

    # Then "In progress" with the arrow key, sent with Enter from the search field.
    tab_to(page, "#id_status")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_status")).to_have_value("in_progress")
    tab_to(page, "#id_q", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Elena Progress")
    expect(page).to_have_url(re.compile(r"status=in_progress"))


def test_a_manager_imports_officers_with_the_keyboard(
    page,
    world,  # noqa: F811
    per_manager,
    password,
    tmp_path,
):
    upload = tmp_path / "officers.csv"
    upload.write_text(
        "employee_number,full_name,email,unit\n"
        "NEW-1,Rosa Quispe Mamani,rosa.quispe@example.org,CALLAO\n"
        "NEW-2,Luis Ñahui Condori,not-an-email,CALLAO\n",
        encoding="utf-8",
    )
    before = User.objects.count()
    keyboard_sign_in(page, per_manager.username, password)
    page.goto("/administrations/PER/imports/")

    # The file input is reached with Tab and the file chosen on it; Space on the button
    # sends the form.
    tab_to(page, "#id_file")
    page.locator("*:focus").set_input_files(str(upload))
    tab_to(page, "main form[enctype] button[type=submit]")
    page.keyboard.press("Space")

    # The preview's summary: one row to create, one rejected, nothing written; its link
    # back to the upload is reached and followed with the keyboard.
    expect(page.locator("[data-count=create] dd")).to_have_text("1")
    expect(page.locator("[data-table=rejected] tbody tr")).to_have_count(1)
    assert User.objects.count() == before
    assert OfficerImport.objects.get().status == OfficerImport.Status.PREVIEWED
    tab_to(page, "[data-fix] a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/administrations/PER/imports/$"))
    expect(page.locator("#id_file")).to_be_visible()
