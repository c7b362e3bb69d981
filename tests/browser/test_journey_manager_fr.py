"""A French-speaking manager's whole journey in French (a Haiti-like administration), in
one browser page: sign in, the dashboard and its charts, the compliance matrix and its
filter, an officer's page, a course assigned with a due date, an officer import written
under the French headings of the downloaded template (previewed, then applied), the
matrix exported as CSV and XLSX with French headings; then the same administration's
training manager in the Wagtail admin, in French: the pages listing, a lesson's editor,
the question banks. Every site page: no English of the platform's own, axe-core clean
(WCAG A/AA), no sideways scroll; admin pages: no English of the platform's own."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from assessments.tests.fixtures import make_bank
from certificates.tests.fixtures import issue, make_programme
from courses.models import CourseIndexPage, CoursePage, Enrolment, LessonPage, ModulePage
from courses.services import author_groups_sync
from courses.tests.fixtures import add, text
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accounts.tests.factories import AdministrationFactory, UnitFactory, UserFactory
from lms.tracking.models import OfficerAssignment, OfficerImport
from lms.tracking.tests.conftest import ago, officer, overdue_assignment
from tests.browser.conftest import sign_in
from tests.browser.journeys import new_journey_page, page_problems
from tests.english import content_texts, leaks

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def haiti(course_tree, django_capture_on_commit_callbacks):
    """HTI: four officers in different states of a programme on the regional course, its
    manager and its training manager (both reading French), its own catalogue and bank."""
    hti = AdministrationFactory(
        code="HTI",
        name="Administration générale des douanes",
        country="Haiti",
        country_code="HT",
        official_languages=["fr"],
        time_zone="America/Port-au-Prince",
    )
    port = UnitFactory(administration=hti, code="PAP", name="Port-au-Prince")
    cap = UnitFactory(administration=hti, code="CAP", name="Cap-Haïtien")
    course = course_tree.course
    programme = make_programme(
        code="integrite",
        course=course,
        titles={"en": "Customs integrity", "fr": "Intégrité douanière"},
    )
    people = SimpleNamespace(
        valid=officer(hti, port, "Marie Valide", "HT-1", preferred_language="fr"),
        expiring=officer(hti, cap, "Jean Bientôt", "HT-2", preferred_language="fr"),
        overdue=officer(hti, cap, "Rose Retard", "HT-3", preferred_language="fr"),
        nothing=officer(hti, port, "Paul Rien", "HT-4", preferred_language="fr"),
    )
    with django_capture_on_commit_callbacks(execute=False):
        issue(people.valid, programme, issued_at=ago(30))
        issue(people.expiring, programme, issued_at=ago(36 * 30 - 20))
    overdue_assignment(people.overdue, programme=programme)
    Enrolment.objects.create(  # completed this month: every chart has data
        user=people.valid,
        administration=hti,
        course=course,
        course_key=course.translation_key,
        status=Enrolment.Status.COMPLETED,
        percent_complete=100,
        completed_at=timezone.now(),
    )
    manager = UserFactory(
        username="manager.hti",
        administration=hti,
        preferred_language="fr",
        roles={Role.ADMINISTRATION_MANAGER},
    )
    author = UserFactory(
        username="author.hti",
        administration=hti,
        preferred_language="fr",
        roles={Role.TRAINING_MANAGER},
    )
    index = add(
        course_tree.index.get_parent(),
        CourseIndexPage(title="Cours de l'AGD", slug="hti", administration=hti),
    )
    own_course = add(
        index,
        CoursePage(
            title="Accueil au port",
            slug="accueil",
            summary="Pour Port-au-Prince.",
            track="illicit_trade",
            level="foundation",
        ),
    )
    module = add(own_course, ModulePage(title="Le port", slug="port"))
    lesson = add(
        module,
        LessonPage(title="Contrôle portuaire", slug="controle", body=[text("<p>UCP.</p>")]),
    )
    bank = make_bank(title="Banque AGD", administration=hti)
    author_groups_sync()
    UserProfile.get_for_user(author).__class__.objects.filter(user=author).update(
        preferred_language="fr"
    )
    return SimpleNamespace(
        hti=hti,
        port=port,
        programme=programme,
        people=people,
        manager=manager,
        author=author,
        index=index,
        lesson=lesson,
        bank=bank,
        course=course,
    )


def test_a_french_speaking_manager_goes_through_the_platform_in_french(
    browser, live_server, haiti, password, tmp_path
):
    content = content_texts() | {
        haiti.hti.name,
        "Intégrité douanière",
        "Banque AGD",
        *(person.full_name for person in vars(haiti.people).values()),
    }
    page = new_journey_page(browser, live_server, locale="fr-CA")
    problems: list[str] = []

    def check(**options):
        problems.extend(page_problems(page, "fr", content, **options))

    def download(locator) -> tuple[str, str]:
        with page.expect_download() as info:
            locator.click()
        return info.value.suggested_filename, info.value.path()

    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    check()
    sign_in(page, "manager.hti", password)
    check()

    # The dashboard and its three charts.
    page.locator("[data-nav=administration]").click()
    expect(page).to_have_url(f"{live_server.url}/administrations/HTI/dashboard/")
    expect(page.locator("[data-figure=officers] .tile-value")).to_have_text("4")
    charts = page.locator("main svg[role=img]:visible")
    expect(charts).to_have_count(3)
    for index in range(3):
        box = charts.nth(index).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
    check()

    # The compliance matrix, filtered to the certificates that expire soon.
    page.locator("nav.admin-tabs").get_by_role("link", name="Conformité").click()
    rows = page.locator("#compliance-matrix tbody tr")
    expect(rows).to_have_count(4)
    check()
    page.locator("#id_status").select_option("expiring")
    page.locator("#matrix-filters button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Jean Bientôt")
    check()

    # The matrix exported as it is filtered: CSV and XLSX, headed in French.
    name, path = download(page.locator("[data-export=csv]"))
    assert name.endswith(".csv")
    with open(path, encoding="utf-8-sig") as exported:
        text_csv = exported.read()
    table = list(csv.reader(io.StringIO(text_csv)))
    assert table[0][:2] == ["Matricule", "Nom"], table[0]
    assert len(table) == 2 and "Jean Bientôt" in table[1]
    problems.extend(f"matrix CSV: {leak}" for leak in leaks(text_csv, "fr", content, csv_file=True))
    name, path = download(page.locator("[data-export=xlsx]"))
    assert name.endswith(".xlsx")
    with open(path, "rb") as workbook:
        sheet = openpyxl.load_workbook(io.BytesIO(workbook.read()), read_only=True).active
    heading = [cell for cell in next(sheet.iter_rows(values_only=True))]
    assert heading[:2] == ["Matricule", "Nom"], heading
    as_csv = io.StringIO()
    csv.writer(as_csv).writerows(sheet.iter_rows(values_only=True))
    problems.extend(
        f"matrix XLSX: {leak}" for leak in leaks(as_csv.getvalue(), "fr", content, csv_file=True)
    )

    # The officer's page.
    rows.first.get_by_role("link", name="Jean Bientôt").click()
    expect(page.locator("h1")).to_contain_text("Jean Bientôt")
    check()

    # A course assigned to that officer, with a due date.
    page.locator("nav.admin-tabs").get_by_role("link", name="Affectations").click()
    check()
    page.locator("main a[href$='/assignments/new/']").click()
    check()
    page.locator("#id_course").select_option(str(haiti.course.pk))
    page.locator("#id_officers").fill("HT-2")
    page.locator("#id_due_on").fill("2031-03-31")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Jean Bientôt")
    check()
    assigned = OfficerAssignment.objects.get(officer=haiti.people.expiring, due_on="2031-03-31")
    assert (assigned.administration, assigned.due_on) == (haiti.hti, dt.date(2031, 3, 31))

    # The import: the template downloaded in French, filled in, previewed and applied.
    page.locator("nav.admin-tabs").get_by_role("link", name="Importer des agents").click()
    check()
    name, path = download(page.locator("[data-template=csv]"))
    with open(path, encoding="utf-8-sig") as template:
        headings = next(csv.reader(template))
    assert headings[:3] == ["Matricule", "Nom complet", "Courriel"], headings
    values = {
        "Matricule": "HT-9",
        "Nom complet": "Nadège Pierre-Louis",
        "Courriel": "nadege.pierre@example.org",
        "Unité": "PAP",
    }
    upload = tmp_path / "agents.csv"
    with open(upload, "w", encoding="utf-8", newline="") as filled:
        writer = csv.writer(filled)
        writer.writerow(headings)
        writer.writerow([values.get(heading, "") for heading in headings])
    page.locator("#id_file").set_input_files(str(upload))
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page.locator("[data-count=create] dd")).to_have_text("1")
    expect(page.locator("[data-count=rejected] dd")).to_have_text("0")
    check()
    page.locator("[data-action=apply]").click()
    expect(page.locator("[data-status=applied]").first).to_be_visible()
    check()
    created = User.objects.get(employee_number="HT-9")
    assert (created.administration, created.unit) == (haiti.hti, haiti.port)
    assert OfficerImport.objects.get(administration=haiti.hti).status == "applied"

    # The training manager in the Wagtail admin, in French.
    page.context.clear_cookies()
    page.goto("/cms/login/")
    page.locator("#id_username").fill("author.hti")
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/cms/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    check(axe=False)
    page.goto(f"/cms/pages/{haiti.lesson.get_parent().pk}/")
    expect(page.locator("main")).to_contain_text("Contrôle portuaire")
    check(axe=False)
    page.goto(f"/cms/pages/{haiti.lesson.pk}/edit/")
    expect(page.locator("#id_title, input[name=title]").first).to_have_value("Contrôle portuaire")
    check(axe=False)
    page.goto("/cms/question_banks/")
    expect(page.locator("main")).to_contain_text("Banque AGD")
    check(axe=False)
    page.context.close()

    assert problems == []
