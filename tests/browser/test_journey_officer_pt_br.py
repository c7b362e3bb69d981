"""A Brazilian officer's whole journey in Brazilian Portuguese, in one browser page whose
Accept-Language is pt-BR, on a phone: sign in, the home page (what to do next), the catalogue, a
search, the course, a text lesson, an H5P lesson (the player's frame loads), an
assessment answered by clicking, the result, its next step (the certificate's PDF), the
certificates page, the profile, where the officer picks another time zone, and the
public verification page, signed out. Every page: no English of the platform's own,
axe-core clean (WCAG A/AA), no sideways scroll. Known moments show in the officer's zone
(America/Sao_Paulo, then America/Manaus after the profile change) and, on the public
page, in the issuing administration's."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from wagtail.models import Locale

from assessments.models import AssessmentPage, Attempt, DrawRule, Question, QuestionBank
from assessments.services import question_version_save
from certificates.models import Certificate
from certificates.tests.fixtures import make_programme
from courses.packages.h5p.build import build_package
from courses.packages.h5p.services import h5p_package_import
from courses.tests.fixtures import add, text, translate
from lms.accounts.roles import Role
from lms.accounts.tests.factories import AdministrationFactory, UnitFactory, UserFactory
from tests.browser.conftest import sign_in
from tests.browser.journeys import new_journey_page, page_problems
from tests.browser.test_h5p_lesson import frame_of
from tests.english import content_texts

pytestmark = pytest.mark.django_db(transaction=True)

H5P_PT = {
    "question": "<p>Qual ferramenta é o canal ao vivo de uma operação?</p>",
    "multipleAnswers": False,
    "options": [
        {"text": "CEN", "correct": False, "feedback": "O CEN guarda apreensões."},
        {"text": "CENcomm", "correct": True, "feedback": "Sim: o canal fechado ao vivo."},
        {"text": "nCEN", "correct": False, "feedback": "O nCEN é nacional."},
    ],
}
# A known moment: 15:30 UTC is 12:30 in São Paulo and 11:30 in Manaus (no summer time).
MOMENT = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)


def question(bank, uid, qtype, data, en, pt):
    version = question_version_save(
        actor=None,
        question=Question.objects.create(bank=bank, uid=uid),
        qtype=qtype,
        data=data,
        texts={"en": {"title": uid, **en}, "pt-br": {"title": uid, **pt}},
    )
    return version


@pytest.fixture
def brazil(course_tree):
    """BRA (São Paulo's zone), its officer reading pt-br, and the course tree translated
    into Brazilian Portuguese with a Portuguese H5P activity and a final assessment whose
    pass earns a certificate."""
    bra = AdministrationFactory(
        code="BRA",
        name="Receita Federal do Brasil",
        country="Brazil",
        country_code="BR",
        official_languages=["pt-br"],
        time_zone="America/Sao_Paulo",
    )
    officer = UserFactory(
        username="officer.bra",
        full_name="Ana Paula Souza",
        administration=bra,
        unit=UnitFactory(administration=bra, code="SANTOS", name="Porto de Santos"),
        employee_number="BRA-1",
        preferred_language="pt-br",
        roles={Role.OFFICER},
    )
    bank = QuestionBank.objects.create(title="Banco")
    question(
        bank,
        "sc",
        "single_choice",
        {"options": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "correct": "b"},
        {
            "stem": "<p>Which tool is the live channel?</p>",
            "options": {"a": {"text": "CEN"}, "b": {"text": "CENcomm"}, "c": {"text": "nCEN"}},
        },
        {
            "stem": "<p>Qual ferramenta é o canal ao vivo?</p>",
            "options": {"a": {"text": "CEN"}, "b": {"text": "CENcomm"}, "c": {"text": "nCEN"}},
        },
    )
    question(
        bank,
        "tf",
        "true_false",
        {"correct": False},
        {"stem": "<p>The shipper usually organises it.</p>"},
        {"stem": "<p>O embarcador costuma organizá-lo.</p>"},
    )
    final = AssessmentPage(title="Final assessment", slug="final", pass_mark=60, max_attempts=2)
    final.draw_rules = [DrawRule(bank=bank, count=2, section="Tudo")]
    add(course_tree.module2, final)

    portuguese = Locale.objects.get(language_code="pt-br")
    activity = h5p_package_import(
        actor=None,
        data=build_package(content=H5P_PT, title="Canal ao vivo", language="pt-br"),
        title="KC pt-br",
    )
    pt = SimpleNamespace()
    pt.index = translate(course_tree.index, portuguese, title="Cursos")
    pt.course = translate(
        course_tree.course,
        portuguese,
        title="Detectar o comércio ilícito",
        summary="Sinais de alerta, ocultação e inteligência.",
    )
    pt.module1 = translate(course_tree.module1, portuguese, title="Panorama")
    pt.module2 = translate(course_tree.module2, portuguese, title="Detecção")
    pt.lesson1 = translate(
        course_tree.lesson1,
        portuguese,
        title="Tipologias",
        body=[text("<p>Contrabando e descaminho.</p>")],
    )
    pt.lesson2 = translate(
        course_tree.lesson2,
        portuguese,
        title="Canais ao vivo",
        body=[
            text("<p>CEN, nCEN e CENcomm.</p>"),
            {
                "type": "h5p",
                "value": {"activity": activity.pk, "required": True},
                "id": course_tree.block_id,
            },
        ],
    )
    pt.final = translate(final, portuguese, title="Avaliação final")
    programme = make_programme(
        code="analista",
        assessment=final,
        min_score=80,
        titles={
            "en": "Certified illicit trade analyst",
            "pt-br": "Analista certificado em comércio ilícito",
        },
    )
    return SimpleNamespace(bra=bra, officer=officer, pt=pt, programme=programme)


def test_a_brazilian_officer_goes_through_the_platform_in_portuguese(
    browser, live_server, brazil, password
):
    pt = brazil.pt
    content = content_texts() | {
        "Qual ferramenta é o canal ao vivo?",
        "O embarcador costuma organizá-lo.",
        "Analista certificado em comércio ilícito",
        "Receita Federal do Brasil",
        "Porto de Santos",
    }
    # On a phone, as officers in the field read: Portuguese runs longer than English.
    page = new_journey_page(
        browser, live_server, locale="pt-BR", zone="America/Sao_Paulo", width=390
    )
    problems: list[str] = []

    def check(**options):
        problems.extend(page_problems(page, "pt-br", content, **options))

    # Signing in: the anonymous page already speaks the browser's language.
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    check()
    sign_in(page, "officer.bra", password)

    # Home: what to do next.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    check()

    # Positive control: the check sees the platform's English when a page shows it.
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<p id=en>Sign in</p>')"
    )
    assert any("'Sign in'" in line for line in page_problems(page, "pt-br", content, axe=False))
    page.evaluate("document.getElementById('en').remove()")

    # The catalogue, in Portuguese, lists the Portuguese course.
    page.goto("/learning/catalogue/")
    expect(page.locator("main")).to_contain_text("Detectar o comércio ilícito")
    check()

    # A search in Portuguese finds the Portuguese lesson.
    search = page.locator("main form[role=search] input[type=search], input[name=q]").first
    search.fill("contrabando")
    search.press("Enter")
    expect(page.locator("main").get_by_role("link", name="Tipologias")).to_be_visible()
    check()

    # The course: enrol.
    page.goto(pt.course.url)
    expect(page.locator("h1")).to_have_text("Detectar o comércio ilícito")
    check()
    page.locator("[data-action=enrol]").click()
    expect(page.locator("[data-action=continue]")).to_be_visible()

    # A text lesson, then the H5P lesson: the player's frame loads, in Portuguese.
    page.goto(pt.lesson1.url)
    expect(page.locator("h1")).to_have_text("Tipologias")
    check()
    page.goto(pt.lesson2.url)
    expect(page.locator("[data-h5p-ready=true]")).to_have_count(1)
    expect(frame_of(page).get_by_text("Qual ferramenta é o canal ao vivo")).to_be_visible()
    check()

    # The assessment, answered by clicking.
    page.goto(pt.final.url)
    expect(page.locator("h1")).to_contain_text("Avaliação final")
    check()
    page.locator("[data-action=start-attempt]").click()
    expect(page.locator("[data-question]")).to_have_count(2)
    page.wait_for_load_state("load")
    check()
    single = page.locator("[data-question][data-type=single_choice]")
    single.get_by_label("CENcomm").click()
    expect(single.locator("[data-save-status]")).to_have_attribute("data-state", "saved")
    yes_no = page.locator("[data-question][data-type=true_false]")
    yes_no.get_by_label("Falso").click()
    expect(yes_no.locator("[data-save-status]")).to_have_attribute("data-state", "saved")
    page.locator("[data-action=submit-attempt]").click()

    # The result and its next step: the certificate just earned.
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "passed")
    check()
    certificate = Certificate.objects.get(holder=brazil.officer)
    Certificate.objects.filter(pk=certificate.pk).update(issued_at=MOMENT)
    Attempt.objects.filter(user=brazil.officer).update(started_at=MOMENT)
    with page.expect_download() as download:  # the next step: the certificate's PDF
        page.locator("[data-next=certificate] a").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.locator("[data-menu-button]").click()  # the phone's header menu
    page.locator("[data-nav=certificates]").click()
    expect(page.locator("main")).to_contain_text("Analista certificado em comércio ilícito")
    expect(page.locator("main")).to_contain_text(certificate.code_display)
    check()

    # The attempt's start in the officer's zone (the administration's: São Paulo).
    page.goto(pt.final.url)
    started = page.locator("[data-started]").first
    expect(started).to_contain_text("12:30")
    expect(started).to_contain_text("America/Sao_Paulo")

    # The profile: the officer picks Manaus; the attempt's start then reads 11:30.
    page.goto("/accounts/profile/")
    check()
    page.get_by_label("Fuso horário").select_option("America/Manaus")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("America/Manaus")
    check()
    brazil.officer.refresh_from_db()
    assert brazil.officer.time_zone == "America/Manaus"
    page.goto(pt.final.url)
    expect(started).to_contain_text("11:30")
    expect(started).to_contain_text("America/Manaus")

    # The verification page anyone can open, here signed out (the browser's language):
    # the moment in the issuing administration's zone, named.
    page.context.clear_cookies()
    page.goto(f"/verify/{certificate.code_display}/")
    expect(page.locator("[data-verification]")).to_have_attribute("data-verification", "valid")
    issued = page.locator("[data-field=issued]")
    expect(issued).to_contain_text("12:30")
    expect(issued).to_contain_text("America/Sao_Paulo")
    expect(issued).to_contain_text(re.compile("10 de março de 2026", re.IGNORECASE))
    check()
    page.context.close()

    assert problems == []
