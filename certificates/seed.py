"""Demo seed for certificates: a regional certification programme per track, in English and
Spanish, and certificates of the demo officers in every state a manager meets.

Each programme asks for the track's regional course and a score of at least 70 % in its
final assessment. Demo officers who passed a final assessment in the assessments seed
finish the course's lessons here and earn the certificate through the real evaluation;
the states that take months or years to reach (expiring soon, expired, renewed, revoked)
are issued with a backdated date to officers who have not finished that course, so that
evaluating them again never changes them.

Idempotent: programmes, texts and requirement rows that exist already are left as they
are (an author may have changed them), and an officer who holds any certificate of a
programme gets no other from the seed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple, TextIO

from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale

from assessments.models import AssessmentPage, Attempt
from assessments.seed import DEMO_OFFICERS
from courses.models import CoursePage, Enrolment, LessonActivity, LessonPage
from courses.services import enrolment_create, h5p_statement_record, lesson_visit
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.seeding import SeedReport

from .models import Certificate, Programme, ProgrammeRequirement, ProgrammeText
from .services import add_months, certificate_issue, certificate_revoke, certificates_evaluate
from .translation_status import programme_translations_record

MIN_SCORE = Decimal(70)
RECERT_WINDOW_DAYS = 90


class ProgrammeFact(NamedTuple):
    code: str
    track: str  # Programme.track
    course_track: str  # CoursePage.track of the regional course it asks for
    validity_months: int
    texts: dict[str, tuple[str, str]]  # language -> (title, description)


PROGRAMMES: tuple[ProgrammeFact, ...] = (
    ProgrammeFact(
        "illicit-trade-analyst",
        "illicit_trade",
        "illicit_trade",
        36,
        {
            "en": (
                "Certified illicit trade analyst",
                "For officers who completed the course Detecting illicit trade and scored at "
                "least 70 % in its final assessment. The holder cross-checks a paper trail for "
                "red flags in trader, route and value, recognises rip-on/rip-off and other "
                "container concealments, and knows how seizure data travels from national "
                "contact points through the RILOs to the WCO's Customs Enforcement Network.",
            ),
            "es": (
                "Analista certificado en comercio ilícito",
                "Para funcionarios que completaron el curso Detección del comercio ilícito y "
                "obtuvieron al menos un 70 % en su evaluación final. Quien lo posee contrasta "
                "la documentación en busca de señales de alerta sobre el operador, la ruta y "
                "el valor, reconoce el rip-on/rip-off y otros ocultamientos en contenedores, y "
                "sabe cómo llegan los datos de incautaciones desde los puntos de contacto "
                "nacionales, a través de las RILO, a la Red de Control Aduanero (CEN) de la OMA.",
            ),
            "pt-br": (
                "Analista certificado em comércio ilícito",
                "Para servidores que concluíram o curso Detecção do comércio ilícito e "
                "obtiveram pelo menos 70 % na avaliação final. O titular confronta a "
                "documentação em busca de sinais de alerta sobre o operador, a rota e o valor, "
                "reconhece o rip-on/rip-off e outras ocultações em contêineres e sabe como os "
                "dados de apreensões seguem dos pontos de contato nacionais, pelos RILO, até a "
                "Rede de Controle Aduaneiro (CEN) da OMA.",
            ),
            "fr": (
                "Analyste certifié du commerce illicite",
                "Pour les agents qui ont suivi le cours Détecter le commerce illicite et obtenu "
                "au moins 70 % à son évaluation finale. Le titulaire recoupe les documents pour "
                "repérer les signaux d'alerte sur l'opérateur, l'itinéraire et la valeur, "
                "reconnaît le rip-on/rip-off et les autres dissimulations en conteneur, et sait "
                "comment les données de saisies passent des points de contact nationaux, par "
                "les BRLR, au Réseau douanier de lutte contre la fraude (CEN) de l'OMD.",
            ),
        },
    ),
    ProgrammeFact(
        "customs-integrity",
        "integrity",
        "integrity",
        24,
        {
            "en": (
                "Customs integrity practitioner",
                "For officers who completed the course Integrity and corruption prevention and "
                "scored at least 70 % in its final assessment. The holder can name the ten key "
                "factors of the WCO Revised Arusha Declaration, follow the cycle of the "
                "Integrity Development Guide from self-assessment to evaluation, and take part "
                "in mapping corruption risks. Valid for two years, as integrity training is "
                "refreshed more often than other subjects.",
            ),
            "es": (
                "Profesional en integridad aduanera",
                "Para funcionarios que completaron el curso Integridad y prevención de la "
                "corrupción y obtuvieron al menos un 70 % en su evaluación final. Quien lo "
                "posee enumera los diez factores clave de la Declaración de Arusha revisada de "
                "la OMA, sigue el ciclo de la Guía para el Desarrollo de la Integridad desde la "
                "autoevaluación hasta la evaluación y participa en el mapeo de riesgos de "
                "corrupción. Vigente dos años: la formación en integridad se renueva con más "
                "frecuencia que otras materias.",
            ),
            "pt-br": (
                "Profissional em integridade aduaneira",
                "Para servidores que concluíram o curso Integridade e prevenção da corrupção e "
                "obtiveram pelo menos 70 % na avaliação final. O titular enumera os dez fatores "
                "principais da Declaração de Arusha Revisada da OMA, acompanha o ciclo do Guia "
                "de Desenvolvimento da Integridade, da autoavaliação à avaliação, e participa "
                "do mapeamento de riscos de corrupção. Válido por dois anos: a formação em "
                "integridade é renovada com mais frequência do que outras matérias.",
            ),
            "fr": (
                "Praticien de l'intégrité douanière",
                "Pour les agents qui ont suivi le cours Intégrité et prévention de la "
                "corruption et obtenu au moins 70 % à son évaluation finale. Le titulaire cite "
                "les dix facteurs clés de la Déclaration d'Arusha révisée de l'OMD, suit le "
                "cycle du Guide pour le développement de l'intégrité, de l'autoévaluation à "
                "l'évaluation, et participe à la cartographie des risques de corruption. "
                "Valable deux ans : la formation à l'intégrité se renouvelle plus souvent que "
                "les autres matières.",
            ),
        },
    ),
    ProgrammeFact(
        "ftz-aeo-controls",
        "ftz",
        "ftz_aeo",
        36,
        {
            "en": (
                "Free trade zone and AEO controls specialist",
                "For officers who completed the course Free trade zones and AEO and scored at "
                "least 70 % in its final assessment. The holder knows what the OECD Code of "
                "Conduct for Clean Free Trade Zones asks of a zone (unannounced checks, digital "
                "records of what is in the zone at any moment, no operators who cannot show "
                "compliance) and how Authorised Economic Operator programmes and mutual "
                "recognition work under the WCO SAFE Framework.",
            ),
            "es": (
                "Especialista en control de zonas francas y OEA",
                "Para funcionarios que completaron el curso Zonas francas y OEA y obtuvieron al "
                "menos un 70 % en su evaluación final. Quien lo posee sabe qué exige a una zona "
                "el Código de Conducta de la OCDE para Zonas Francas Limpias (controles sin "
                "previo aviso, registros digitales de lo que hay en la zona en todo momento, "
                "ningún operador que no demuestre cumplimiento) y cómo funcionan los programas "
                "de Operador Económico Autorizado y el reconocimiento mutuo en el Marco SAFE "
                "de la OMA.",
            ),
            "pt-br": (
                "Especialista em controle de zonas francas e OEA",
                "Para servidores que concluíram o curso Zonas francas e OEA e obtiveram pelo "
                "menos 70 % na avaliação final. O titular sabe o que o Código de Conduta da "
                "OCDE para Zonas Francas Limpas exige de uma zona (verificações sem aviso "
                "prévio, registros digitais do que há na zona a qualquer momento, nenhum "
                "operador que não demonstre conformidade) e como funcionam os programas de "
                "Operador Econômico Autorizado e o reconhecimento mútuo no Marco SAFE da OMA.",
            ),
            "fr": (
                "Spécialiste du contrôle des zones franches et des OEA",
                "Pour les agents qui ont suivi le cours Zones franches et OEA et obtenu au "
                "moins 70 % à son évaluation finale. Le titulaire sait ce que le Code de "
                "conduite de l'OCDE pour des zones franches propres exige d'une zone "
                "(contrôles inopinés, registres numériques de ce qui s'y trouve à tout moment, "
                "aucun opérateur incapable de prouver sa conformité) et comment fonctionnent "
                "les programmes d'opérateur économique agréé et la reconnaissance mutuelle dans "
                "le Cadre SAFE de l'OMD.",
            ),
        },
    ),
)


class CertificateFact(NamedTuple):
    """A backdated certificate: ``state`` is valid, expiring, expired, revoked or renewed;
    ``months_ago`` is when a valid or revoked one was issued."""

    username: str
    programme: str
    state: str
    months_ago: int = 0


BACKDATED: tuple[CertificateFact, ...] = (
    CertificateFact("officer.per", "illicit-trade-analyst", "valid", 8),
    CertificateFact("officer.pan", "illicit-trade-analyst", "valid", 3),
    CertificateFact("officer.jam", "illicit-trade-analyst", "valid", 20),
    CertificateFact("officer.per2", "customs-integrity", "expiring"),
    CertificateFact("officer.per2", "illicit-trade-analyst", "expired"),
    CertificateFact("officer.per", "customs-integrity", "revoked", 5),
    CertificateFact("officer.bra", "ftz-aeo-controls", "renewed"),
)
REVOCATION_REASON = (
    "Issued in error: the final assessment result was annulled after an internal review "
    "found that it had been taken on the holder's behalf."
)


# --- programmes ---------------------------------------------------------------------------


def _programme(fact: ProgrammeFact, report: SeedReport) -> Programme | None:
    course = CoursePage.objects.filter(
        track=fact.course_track, administration__isnull=True, locale__language_code="en"
    ).first()
    assessment = (
        AssessmentPage.objects.descendant_of(course).filter(locale__language_code="en").first()
        if course is not None
        else None
    )
    if course is None or assessment is None:
        return None  # the courses and assessments seeds come first; nothing to ask for
    programme = Programme.objects.filter(code=fact.code).first()
    if programme is None:
        programme = Programme.objects.create(
            code=fact.code,
            administration=None,
            track=fact.track,
            validity_months=fact.validity_months,
            recert_window_days=RECERT_WINDOW_DAYS,
            is_active=True,
        )
        report["created"] += 1
    else:
        report["unchanged"] += 1
    new_languages = []
    for position, (language, (title, description)) in enumerate(fact.texts.items()):
        _, created = ProgrammeText.objects.get_or_create(
            programme=programme,
            language=language,
            defaults={"title": title, "description": description, "sort_order": position},
        )
        report["created" if created else "unchanged"] += 1
        if created:
            new_languages.append(language)
    # The demo's translations start current (certificates.translation_status).
    programme_translations_record(programme=programme, changed=new_languages)
    if programme.requirements.exists():
        report["unchanged"] += 1
    else:
        ProgrammeRequirement.objects.create(programme=programme, course=course, sort_order=0)
        ProgrammeRequirement.objects.create(
            programme=programme, assessment=assessment, min_score=MIN_SCORE, sort_order=1
        )
        report["created"] += 2
    return programme


# --- certificates earned through the real evaluation ---------------------------------------

ANSWERED = {
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
    "object": {"id": "https://customs-lms.invalid/demo/activity"},
    "result": {"score": {"raw": 1, "max": 1, "min": 0}, "success": True, "completion": True},
}


def _finish_course(officer: User, course: CoursePage) -> None:
    """Open every lesson of the course (in the officer's language when translated) and
    answer its required activities, through the services a lesson page calls."""
    locale = Locale.objects.filter(language_code=officer.preferred_language).first()
    version = (course.get_translation_or_none(locale) if locale else None) or course
    enrolment = enrolment_create(actor=officer, course=version)
    for lesson in LessonPage.objects.live().descendant_of(version).order_by("path"):
        lesson_visit(actor=officer, enrolment=enrolment, lesson=lesson)
        for slot in LessonActivity.objects.filter(lesson=lesson, required=True):
            h5p_statement_record(actor=officer, slot=slot, statement=ANSWERED)
        enrolment.refresh_from_db()


def _earned(programmes: dict[str, Programme], report: SeedReport) -> None:
    """Demo officers who passed a final assessment with the programme's minimum score
    finish its course and are evaluated: the certificate is issued as it would be live."""
    backdated = {(fact.username, fact.programme) for fact in BACKDATED}
    for username in DEMO_OFFICERS:
        officer = User.objects.filter(username=username, is_active=True).first()
        if officer is None:
            continue
        for code, programme in programmes.items():
            if (username, code) in backdated or officer.certificates.filter(
                programme=programme
            ).exists():
                continue
            initial = [
                row
                for row in programme.requirements.all()
                if row.purpose == ProgrammeRequirement.Purpose.INITIAL
            ]
            course = next((row.course for row in initial if row.course_id), None)
            assessment = next((row.assessment for row in initial if row.assessment_id), None)
            if course is None or assessment is None:
                continue
            passed = Attempt.objects.filter(
                user=officer,
                assessment_key=assessment.translation_key,
                passed=True,
                percent__gte=MIN_SCORE,
            ).exists()
            completed = Enrolment.objects.filter(
                user=officer,
                course_key=course.translation_key,
                status=Enrolment.Status.COMPLETED,
            ).exists()
            if not passed or completed:
                continue
            _finish_course(officer, course)
            report["created"] += len(certificates_evaluate(holder_id=officer.pk))


# --- backdated certificates ---------------------------------------------------------------


def _manager_of(officer: User) -> User | None:
    return User.objects.filter(
        administration_id=officer.administration_id,
        groups__name=Role.ADMINISTRATION_MANAGER.value,
        is_active=True,
    ).first()


def _backdated(
    fact: CertificateFact, programme: Programme, now: datetime, report: SeedReport
) -> None:
    holder = User.objects.filter(username=fact.username, is_active=True).first()
    if holder is None:
        return
    if holder.certificates.filter(programme=programme).exists():
        report["unchanged"] += 1
        return
    months = programme.validity_months or 36
    if fact.state == "expiring":  # expires in about three weeks
        issued_at = add_months(now, -(months - 1)) - timedelta(days=10)
    elif fact.state == "expired":  # expired four months ago
        issued_at = add_months(now, -(months + 4))
    elif fact.state == "renewed":  # renewed inside the window, a fortnight ago
        first = certificate_issue(
            holder=holder, programme=programme, issued_at=add_months(now, -(months - 1))
        )
        certificate_issue(
            holder=holder, programme=programme, issued_at=now - timedelta(days=14), previous=first
        )
        report["created"] += 2
        return
    else:
        issued_at = add_months(now, -fact.months_ago)
    certificate = certificate_issue(holder=holder, programme=programme, issued_at=issued_at)
    report["created"] += 1
    if fact.state == "revoked":
        manager = _manager_of(holder)
        if manager is not None:
            certificate_revoke(actor=manager, certificate=certificate, reason=REVOCATION_REASON)


def _summary(programmes: dict[str, Programme], now: datetime) -> str:
    soon = now + timedelta(days=30)
    states = {"valid": 0, "expiring": 0, "expired": 0, "revoked": 0, "renewed": 0}
    certificates = Certificate.objects.filter(programme__in=programmes.values())
    for certificate in certificates.only("expires_at", "revoked_at", "superseded_at", "issued_at"):
        status = certificate.status_at(now)
        if status == Certificate.Status.SUPERSEDED:
            states["renewed"] += 1
        elif status == Certificate.Status.VALID and certificate.expires_at <= soon:
            states["expiring"] += 1
        else:
            states[str(status)] += 1
    parts = ", ".join(f"{count} {state}" for state, count in states.items())
    return f"{len(programmes)} programmes; {sum(states.values())} certificates: {parts}"


def seed_demo(*, stdout: TextIO) -> None:
    report = SeedReport()
    now = timezone.now()
    # One transaction; the PDFs are rendered by the task queued when it commits.
    with transaction.atomic():
        programmes = {}
        for fact in PROGRAMMES:
            programme = _programme(fact, report)
            if programme is not None:
                programmes[fact.code] = programme
        for fact in BACKDATED:
            if fact.programme in programmes:
                _backdated(fact, programmes[fact.programme], now, report)
        _earned(programmes, report)
    stdout.write(f"certificates: {report.line()} ({_summary(programmes, now)})\n")
