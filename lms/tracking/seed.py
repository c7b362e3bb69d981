"""Demo seed for tracking: enough officers, learning, certificates and assignments that
every dashboard figure, chart and compliance state is there to see.

- 200 synthetic officers in PER spread over its units (a few units are added: the Callao
  container terminals, ZOFRATACNA, ZED Paita, Puno and Iquitos), and 24-36 in PAN, BRA,
  CAN, COL, MEX and JAM, with names of each country, employee numbers, e-mails on a
  ``.invalid`` domain and the country's language. They never sign in: one unusable
  password, no hashing; the named demo accounts of :mod:`lms.accounts.demo` are the
  ones to sign in with.
- Per officer and regional programme a state drawn from a fixed ``random.Random``:
  certified (valid, expiring within 90 days, expired, renewed, revoked), studying,
  completed without passing, or not started; with the enrolments and graded attempts
  that led there. PER's own course adds completions spread over the last twelve months.
- Certificates through :func:`certificates.services.certificate_issue` (and
  ``certificate_revoke``), so their numbers, codes and PDFs are real; after the facts
  that earned them, so that re-evaluating anyone issues nothing more.
- Assignments through :func:`lms.tracking.assignments.assignment_create`, created as if
  some days ago (one is overdue, one withdrawn), and one applied officer import.

Enrolments and attempts are bulk-inserted (no domain signal fires; the assignments come
after them and see the completions). Idempotent: a row that exists (officer by username,
enrolment by officer and course, attempts by officer and assessment, certificates by
holder and programme, assignments by their note, the import by its checksum) is left as
it is, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TextIO

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from assessments.models import AssessmentPage, Attempt
from certificates.models import Certificate, Programme, ProgrammeRequirement
from certificates.services import add_months, certificate_issue, certificate_revoke
from courses.models import CoursePage, Enrolment
from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role
from lms.seeding import SeedReport

from .assignments import assignment_create, assignment_withdraw, assignments_sync
from .models import Assignment, OfficerAssignment, OfficerImport

SEED = 6  # issue 6: administration tracking
EMAIL_DOMAIN = "demo.customs-lms.invalid"
OWN_COURSE_SLUG = "callao-port-control-induction"  # PER's own course (courses seed)
DAY = dt.timedelta(days=1)


# --- units -----------------------------------------------------------------------------------


class UnitFact(NamedTuple):
    administration: str
    code: str
    name: str
    kind: str
    parent: str | None = None


EXTRA_UNITS: tuple[UnitFact, ...] = (
    UnitFact("PER", "CALLAO-MS", "Muelle Sur container terminal, Callao", "seaport", "CALLAO-MAR"),
    UnitFact("PER", "CALLAO-MN", "Muelle Norte terminal, Callao", "seaport", "CALLAO-MAR"),
    UnitFact("PER", "ZOFRATACNA", "ZOFRATACNA free trade zone", "ftz", "TACNA"),
    UnitFact("PER", "ZED-PAITA", "ZED Paita (former CETICOS) free trade zone", "ftz", "PAITA"),
    UnitFact("PER", "PUNO", "Puno – Desaguadero land border post", "land_border", "HQ"),
    UnitFact("PER", "IQUITOS", "Iquitos river customs office", "office", "HQ"),
    UnitFact("COL", "HQ", "Headquarters, Bogotá", "headquarters"),
    UnitFact("COL", "CTG", "Port of Cartagena", "seaport", "HQ"),
    UnitFact("COL", "BUN", "Port of Buenaventura", "seaport", "HQ"),
    UnitFact("COL", "BOG-AIR", "El Dorado airport, Bogotá", "airport", "HQ"),
    UnitFact("COL", "CUC", "Cúcuta land border post", "land_border", "HQ"),
    UnitFact("MEX", "HQ", "Headquarters, Mexico City", "headquarters"),
    UnitFact("MEX", "MZO", "Port of Manzanillo", "seaport", "HQ"),
    UnitFact("MEX", "LZC", "Port of Lázaro Cárdenas", "seaport", "HQ"),
    UnitFact("MEX", "AICM", "Mexico City international airport", "airport", "HQ"),
    UnitFact("MEX", "NLD", "Nuevo Laredo land border crossing", "land_border", "HQ"),
    UnitFact("MEX", "TIJ", "Tijuana land border crossing", "land_border", "HQ"),
)

# Synthetic officers per administration, spread over units by weight.
SPREAD: dict[str, tuple[tuple[str, int], ...]] = {
    "PER": (
        ("HQ", 20),
        ("CALLAO-MAR", 30),
        ("CALLAO-MS", 22),
        ("CALLAO-MN", 18),
        ("CALLAO-AIR", 34),
        ("TACNA", 26),
        ("ZOFRATACNA", 8),
        ("PAITA", 14),
        ("ZED-PAITA", 6),
        ("PUNO", 14),
        ("IQUITOS", 8),
    ),
    "PAN": (("HQ", 6), ("BALBOA", 9), ("MANZANILLO", 8), ("ZLC", 6), ("TOCUMEN", 7)),
    "BRA": (("HQ", 5), ("SANTOS", 10), ("GRU", 8), ("FOZ", 5), ("MANAUS", 4)),
    "CAN": (("HQ", 4), ("YVR-PORT", 6), ("YUL-PORT", 6), ("YYZ", 6), ("WINDSOR", 4)),
    "COL": (("HQ", 5), ("CTG", 7), ("BUN", 6), ("BOG-AIR", 5), ("CUC", 5)),
    "MEX": (("HQ", 4), ("MZO", 7), ("LZC", 5), ("AICM", 6), ("NLD", 4), ("TIJ", 4)),
    "JAM": (("HQ", 5), ("KGN-PORT", 8), ("KIN-AIR", 7), ("MBJ", 4)),
}

# How far each administration has got with the regional programmes (1: furthest).
MATURITY = {"PER": 1.0, "CAN": 0.9, "PAN": 0.8, "BRA": 0.7, "JAM": 0.6, "COL": 0.5, "MEX": 0.4}


# --- names -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Naming:
    language: str
    given: tuple[str, ...]
    surnames: tuple[str, ...]
    two_surnames: bool
    positions: tuple[str, ...]


POSITIONS_ES = (
    "Oficial de aduanas",
    "Especialista en aduanas",
    "Verificador",
    "Analista de riesgo",
    "Técnico aduanero",
    "Inspector de carga",
    "Supervisor de turno",
)
NAMINGS: dict[str, Naming] = {
    "PER": Naming(
        "es",
        (
            "Ana", "Luis", "José", "María", "Rosa", "Jorge", "Carmen", "Miguel", "Lucía",
            "Víctor", "Pedro", "Juana", "Julio", "Patricia", "César", "Gladys", "Raúl",
            "Milagros", "Edwin", "Yolanda", "Wilmer", "Katherine", "Percy", "Flor", "Hugo",
            "Sonia", "Renzo", "Giovanna", "Franco", "Elena", "Alberto", "Roxana", "Manuel",
            "Diana", "Óscar", "Silvia", "Javier", "Fiorella", "Ricardo", "Mónica",
        ),
        (
            "Quispe", "Mamani", "Huamán", "Flores", "Rojas", "Sánchez", "García", "Chávez",
            "Torres", "Ramírez", "Mendoza", "Vargas", "Castillo", "Condori", "Gutiérrez",
            "Apaza", "Cárdenas", "Ccori", "Ticona", "Paredes", "Salazar", "Vásquez", "Díaz",
            "Espinoza", "Ramos", "Cruz", "Huanca", "Pari", "Aguilar", "Medina", "Romero",
            "Zapata", "Valverde", "Cáceres", "Palomino", "Villanueva", "Yupanqui",
            "Chumpitaz", "Benavides", "Herrera",
        ),
        True,
        POSITIONS_ES,
    ),
    "PAN": Naming(
        "es",
        (
            "Yessenia", "Ricardo", "Itzel", "Aristides", "Marisol", "Eduardo", "Anayansi",
            "Rolando", "Yaritza", "Abdiel", "Kathia", "Omar", "Dayana", "Rubén", "Yamileth",
            "Ariel", "Edgardo", "Nitzia",
        ),
        (
            "González", "Rodríguez", "Pérez", "Batista", "Castillo", "Pinzón", "Córdoba",
            "Sánchez", "Morales", "De León", "Herrera", "Vásquez", "Barrios", "Araúz", "Jaén",
            "Samaniego", "Ríos", "Chen", "Ortega", "Guerra",
        ),
        True,
        POSITIONS_ES,
    ),
    "COL": Naming(
        "es",
        (
            "Andrés", "Natalia", "Juan Camilo", "Paola", "Sebastián", "Daniela", "Carlos Andrés",
            "Luisa Fernanda", "Jhon Jairo", "Diana Marcela", "Felipe", "Viviana", "Alejandro",
            "Catalina", "Mauricio", "Lina",
        ),
        (
            "Gómez", "Rodríguez", "López", "Martínez", "Hernández", "Ospina", "Restrepo",
            "Cardona", "Zuluaga", "Valencia", "Moreno", "Jaramillo", "Castaño", "Rincón",
            "Pardo", "Suárez", "Mejía", "Arango", "Quintero", "Ramírez",
        ),
        True,
        POSITIONS_ES,
    ),
    "MEX": Naming(
        "es",
        (
            "Guadalupe", "José Luis", "Alejandra", "Juan Carlos", "Verónica", "Arturo",
            "Fernanda", "Eduardo", "Ximena", "Héctor", "Adriana", "Ricardo", "Mariana",
            "Francisco", "Brenda", "Raúl",
        ),
        (
            "Hernández", "García", "Martínez", "López", "González", "Pérez", "Sánchez",
            "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Jiménez", "Reyes",
            "Díaz", "Torres", "Ortiz", "Domínguez", "Aguilar",
        ),
        True,
        POSITIONS_ES,
    ),
    "BRA": Naming(
        "pt-br",
        (
            "João", "Maria Eduarda", "Lucas", "Ana Clara", "Gabriel", "Juliana", "Rafael",
            "Fernanda", "Thiago", "Camila", "Bruno", "Larissa", "Felipe", "Patrícia",
            "Gustavo", "Beatriz", "Rodrigo", "Aline", "Marcelo", "Renata",
        ),
        (
            "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
            "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Araújo", "Barbosa",
            "Rocha", "Nascimento", "Moreira", "Cavalcanti",
        ),
        True,
        (
            "Auditor-Fiscal da Receita Federal",
            "Analista-Tributário",
            "Analista de risco aduaneiro",
            "Supervisor de despacho",
        ),
    ),
    "JAM": Naming(
        "en",
        (
            "Shanice", "Andre", "Kadian", "Marlon", "Tameka", "Dwayne", "Nadine", "Ricardo",
            "Simone", "Garfield", "Kerry-Ann", "Omar", "Tashana", "Devon", "Sasha-Gaye", "Ryan",
        ),
        (
            "Brown", "Williams", "Campbell", "Thompson", "Clarke", "Reid", "Grant", "Francis",
            "Morgan", "Henry", "Gordon", "Walker", "Bailey", "Stewart", "Edwards", "Powell",
            "McKenzie", "Lewis", "Robinson", "Spence",
        ),
        False,
        ("Customs officer", "Senior customs officer", "Revenue protection officer", "Analyst"),
    ),
    "CAN": Naming(
        "en",
        (
            "Emily", "Liam", "Olivia", "Noah", "Sarah", "Ethan", "Jessica", "Ryan", "Megan",
            "Tyler", "Priya", "Daniel",
        ),
        (
            "Smith", "MacDonald", "Wilson", "Martin", "Taylor", "Anderson", "Campbell",
            "Thompson", "Brown", "Singh", "Chen", "Nguyen",
        ),
        False,
        ("Border services officer", "Intelligence analyst", "Superintendent", "Trade officer"),
    ),
    "CAN-fr": Naming(
        "fr",
        (
            "Marie-Ève", "Jean-François", "Geneviève", "Mathieu", "Isabelle", "Étienne",
            "Catherine", "Sébastien", "Chloé", "Alexandre",
        ),
        (
            "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie",
            "Fortin", "Gagné", "Pelletier", "Bélanger",
        ),
        False,
        (
            "Agente des services frontaliers",
            "Analyste du renseignement",
            "Surintendant",
            "Agent commercial",
        ),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class OfficerFact:
    administration: str
    unit: str
    username: str
    full_name: str
    email: str
    employee_number: str
    position: str
    language: str


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def officer_facts() -> list[OfficerFact]:
    """Every synthetic officer, the same on every run."""
    facts: list[OfficerFact] = []
    for code, spread in SPREAD.items():
        rng = random.Random(f"{SEED}:names:{code}")  # noqa: S311 - demo data
        taken: set[str] = set()
        units = [unit for unit, count in spread for _n in range(count)]
        for index, unit in enumerate(units, start=1):
            naming = NAMINGS[code]
            if code == "CAN" and rng.random() < 0.4:
                naming = NAMINGS["CAN-fr"]
            while True:
                given = rng.choice(naming.given)
                surnames = rng.sample(naming.surnames, 2 if naming.two_surnames else 1)
                full_name = " ".join([given, *surnames])
                if full_name not in taken:
                    taken.add(full_name)
                    break
            email = f"{_ascii(given.split()[0])}.{_ascii(surnames[0])}.{index:03d}"
            facts.append(
                OfficerFact(
                    administration=code,
                    unit=unit,
                    username=f"{code.lower()}.officer.{index:03d}",
                    full_name=full_name,
                    email=f"{email}@{code.lower()}.{EMAIL_DOMAIN}",
                    employee_number=f"{code}-{2000 + index}",
                    position=rng.choice(naming.positions),
                    language=naming.language,
                )
            )
    return facts


# --- what each officer did -----------------------------------------------------------------------


@dataclass(frozen=True)
class Track:
    """A regional programme with its course and final assessment (per language)."""

    programme: Programme
    course_key: uuid.UUID
    courses: dict[str, CoursePage]
    assessment_key: uuid.UUID
    assessments: dict[str, AssessmentPage]


@dataclass
class Learning:
    """One officer's path through one course (and its programme, if any)."""

    state: str
    enrolled_at: dt.datetime
    last_activity_at: dt.datetime | None
    percent: int
    completed_at: dt.datetime | None = None
    attempts: list[tuple[dt.datetime, float]] = field(default_factory=list)  # (at, percent)
    issued_at: dt.datetime | None = None
    renewed_at: dt.datetime | None = None


# Chance that an officer is certified in a programme, before maturity and unit affinity.
CERTIFIED = {"customs-integrity": 0.12, "illicit-trade-analyst": 0.08, "ftz-aeo-controls": 0.04}
AFFINITY = {
    "ftz-aeo-controls": {"ftz": 3.0, "seaport": 1.5},
    "illicit-trade-analyst": {"land_border": 1.5, "seaport": 1.3},
}
MANAGED = {"PER", "PAN"}  # administrations with a demo manager (who revokes)


def _state(rng: random.Random, code: str, programme: str, unit_kind: str) -> str:
    maturity = MATURITY[code]
    affinity = AFFINITY.get(programme, {}).get(unit_kind, 1.0)
    weights = {
        "valid": CERTIFIED[programme] * maturity * affinity,
        "expiring": 0.02 * maturity,
        "expired": 0.02 * maturity,
        "renewed": 0.006 * maturity,
        "revoked": 0.005 if code in MANAGED else 0.0,
        "progress": 0.2,
        "completed": 0.06,
    }
    roll = rng.random()
    for state, weight in weights.items():
        if roll < weight:
            return state
        roll -= weight
    return "none"


def _between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    return start + (end - start) * rng.random()


def _studying(rng: random.Random, now: dt.datetime) -> Learning:
    enrolled = now - DAY * rng.uniform(5, 200)
    if rng.random() < 0.55:  # active in the last 30 days
        last = max(enrolled, now - DAY * rng.uniform(0.1, 29))
    else:
        last = _between(rng, enrolled, max(enrolled, now - DAY * 31))
    attempts = []
    if rng.random() < 0.25:  # tried the final assessment early and failed
        attempts.append((last, round(rng.uniform(30, 65), 1)))
    return Learning("progress", enrolled, last, rng.randint(5, 90), attempts=attempts)


def _completed(rng: random.Random, now: dt.datetime, state: str = "completed") -> Learning:
    completed = now - DAY * rng.uniform(0.2, 362)
    enrolled = completed - DAY * rng.uniform(10, 80)
    attempts = []
    if rng.random() < 0.6:  # failed the final assessment: no certificate
        attempts.append((completed + DAY * 0.05, round(rng.uniform(35, 68), 1)))
    return Learning(state, enrolled, completed, 100, completed, attempts)


def _certified(rng: random.Random, issued: dt.datetime, state: str) -> Learning:
    """Completed the course and passed the assessment; certified at ``issued``."""
    completed = issued - DAY * rng.uniform(0.5, 3)
    enrolled = completed - DAY * rng.uniform(14, 90)
    attempts = []
    if rng.random() < 0.3:  # passed at the second try
        attempts.append((completed - DAY * rng.uniform(2, 8), round(rng.uniform(45, 68), 1)))
    attempts.append((issued, round(rng.uniform(70, 98), 1)))
    return Learning(state, enrolled, issued, 100, completed, attempts, issued)


def learning_for(
    rng: random.Random, code: str, programme: Programme, unit_kind: str, now: dt.datetime
) -> Learning | None:
    """What the officer did about one regional programme, or None (not started)."""
    state = _state(rng, code, programme.code, unit_kind)
    months = programme.validity_months or 36
    if state == "none":
        return None
    if state == "progress":
        return _studying(rng, now)
    if state == "completed":
        return _completed(rng, now)
    if state == "valid":  # expires after the 90-day horizon
        issued = now - DAY * rng.uniform(4, months * 30.4 - 100)
    elif state == "revoked":
        issued = now - DAY * rng.uniform(30, 300)
    elif state == "expiring":  # expires in 5 to 85 days
        issued = add_months(now, -months) + DAY * rng.uniform(5, 85)
    elif state == "expired":  # expired 2 weeks to 10 months ago
        issued = add_months(now, -months) - DAY * rng.uniform(14, 300)
    else:  # renewed inside the window: the first expired soon after, the renewal is recent
        issued = add_months(now, -(months - 1)) - DAY * rng.uniform(0, 20)
    learning = _certified(rng, issued, state)
    if state == "renewed":
        learning.renewed_at = now - DAY * rng.uniform(5, 40)
        learning.attempts.append((learning.renewed_at, round(rng.uniform(72, 97), 1)))
        learning.last_activity_at = learning.renewed_at
    return learning


def own_course_learning(rng: random.Random, unit: str, now: dt.datetime) -> Learning | None:
    """PER's induction course: most Callao staff, half the others; mostly completed."""
    if rng.random() > (0.8 if unit.startswith("CALLAO") else 0.45):
        return None
    if rng.random() < 0.65:
        return _completed(rng, now)
    return _studying(rng, now)


# --- the seed -----------------------------------------------------------------------------------


def _units(report: SeedReport) -> dict[tuple[str, str], Unit]:
    administrations = {a.code: a for a in Administration.objects.filter(code__in=list(SPREAD))}
    units = {
        (unit.administration.code, unit.code): unit
        for unit in Unit.objects.filter(administration__code__in=list(SPREAD)).select_related(
            "administration"
        )
    }
    for fact in EXTRA_UNITS:  # parents come before their children
        if fact.administration not in administrations:
            continue
        parent = units.get((fact.administration, fact.parent)) if fact.parent else None
        existing = units.get((fact.administration, fact.code))
        if existing is not None:
            report["unchanged"] += 1
            continue
        units[(fact.administration, fact.code)] = Unit.objects.create(
            administration=administrations[fact.administration],
            code=fact.code,
            name=fact.name,
            kind=fact.kind,
            parent=parent,
            is_active=True,
        )
        report["created"] += 1
    return units


def _officers(
    facts: Sequence[OfficerFact], units: dict[tuple[str, str], Unit], report: SeedReport
) -> tuple[dict[str, User], list[int]]:
    """The synthetic officers by username (created when missing) and the new ones' ids."""
    usernames = [fact.username for fact in facts]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    password = make_password(None)  # unusable: these officers never sign in
    new = [
        User(
            username=fact.username,
            full_name=fact.full_name,
            email=fact.email,
            administration=units[(fact.administration, fact.unit)].administration,
            unit=units[(fact.administration, fact.unit)],
            employee_number=fact.employee_number,
            position=fact.position,
            preferred_language=fact.language,
            password=password,
            is_active=True,
        )
        for fact in facts
        if fact.username not in existing and (fact.administration, fact.unit) in units
    ]
    User.objects.bulk_create(new, batch_size=500)
    report["created"] += len(new)
    report["unchanged"] += len(existing)
    users = {user.username: user for user in User.objects.filter(username__in=usernames)}
    officers = Group.objects.get(name=Role.OFFICER.value)
    new_ids = [users[user.username].pk for user in new]
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=pk, group_id=officers.pk) for pk in new_ids],
        batch_size=500,
        ignore_conflicts=True,
    )
    return users, new_ids


def _tracks() -> list[Track]:
    tracks = []
    for programme in Programme.objects.filter(administration__isnull=True, is_active=True):
        rows = list(
            programme.requirements.filter(purpose=ProgrammeRequirement.Purpose.INITIAL)
            .select_related("course", "assessment")
            .order_by("sort_order")
        )
        course = next((row.course for row in rows if row.course_id), None)
        assessment = next((row.assessment for row in rows if row.assessment_id), None)
        if course is None or assessment is None:
            continue
        tracks.append(
            Track(
                programme,
                course.translation_key,
                {
                    page.locale.language_code: page
                    for page in CoursePage.objects.filter(
                        translation_key=course.translation_key
                    ).select_related("locale")
                },
                assessment.translation_key,
                {
                    page.locale.language_code: page
                    for page in AssessmentPage.objects.filter(
                        translation_key=assessment.translation_key
                    ).select_related("locale")
                },
            )
        )
    return sorted(tracks, key=lambda track: track.programme.code)


@dataclass
class Plan:
    """Everything the synthetic officers did, keyed by (username, course key)."""

    learning: dict[tuple[str, uuid.UUID], Learning] = field(default_factory=dict)
    certified: list[tuple[str, Track, Learning]] = field(default_factory=list)


def plan(
    facts: Sequence[OfficerFact],
    tracks: Sequence[Track],
    own_course_key: uuid.UUID | None,
    unit_kinds: dict[tuple[str, str], str],
    now: dt.datetime,
) -> Plan:
    result = Plan()
    for fact in facts:
        rng = random.Random(f"{SEED}:learning:{fact.username}")  # noqa: S311 - demo data
        kind = unit_kinds.get((fact.administration, fact.unit), "office")
        for track in tracks:
            learning = learning_for(rng, fact.administration, track.programme, kind, now)
            if learning is None:
                continue
            result.learning[(fact.username, track.course_key)] = learning
            if learning.issued_at is not None:
                result.certified.append((fact.username, track, learning))
        if own_course_key is not None and fact.administration == "PER":
            learning = own_course_learning(rng, fact.unit, now)
            if learning is not None:
                result.learning[(fact.username, own_course_key)] = learning
    return result


def _enrolments(
    planned: Plan,
    users: dict[str, User],
    courses: dict[uuid.UUID, dict[str, CoursePage]],
    report: SeedReport,
) -> None:
    ids = [user.pk for user in users.values()]
    existing = set(Enrolment.objects.filter(user_id__in=ids).values_list("user_id", "course_key"))
    rows: list[Enrolment] = []
    enrolled: list[dt.datetime] = []
    for (username, key), learning in planned.learning.items():
        user = users.get(username)
        if user is None or (user.pk, key) in existing:
            continue
        pages = courses[key]
        # PER's own course exists in Spanish only: every officer gets that version.
        page = (
            pages.get(user.preferred_language)
            or pages.get(settings.LANGUAGE_CODE)
            or next(iter(pages.values()))
        )
        rows.append(
            Enrolment(
                user=user,
                administration_id=user.administration_id,
                course=page,
                course_key=key,
                status=Enrolment.Status.COMPLETED
                if learning.completed_at
                else Enrolment.Status.ACTIVE,
                percent_complete=learning.percent,
                last_activity_at=learning.last_activity_at,
                completed_at=learning.completed_at,
            )
        )
        enrolled.append(learning.enrolled_at)
    Enrolment.objects.bulk_create(rows, batch_size=500)
    for row, when in zip(rows, enrolled, strict=True):  # auto_now_add set "now" on insert
        row.enrolled_at = when
    Enrolment.objects.bulk_update(rows, ["enrolled_at"], batch_size=500)
    report["created"] += len(rows)
    report["unchanged"] += len(existing)


def _attempts(
    planned: Plan, users: dict[str, User], tracks: Sequence[Track], report: SeedReport
) -> None:
    by_course = {track.course_key: track for track in tracks}
    ids = [user.pk for user in users.values()]
    existing = set(Attempt.objects.filter(user_id__in=ids).values_list("user_id", "assessment_key"))
    rows: list[Attempt] = []
    started: list[dt.datetime] = []
    for (username, key), learning in planned.learning.items():
        track = by_course.get(key)
        user = users.get(username)
        if track is None or user is None or (user.pk, track.assessment_key) in existing:
            continue
        page = track.assessments.get(user.preferred_language) or track.assessments["en"]
        for number, (at, percent) in enumerate(learning.attempts, start=1):
            max_score = 16.0
            rows.append(
                Attempt(
                    user=user,
                    administration_id=user.administration_id,
                    assessment=page,
                    assessment_key=track.assessment_key,
                    number=number,
                    status=Attempt.Status.SUBMITTED,
                    language=page.locale.language_code,
                    submitted_at=at,
                    score=round(max_score * percent / 100, 2),
                    max_score=max_score,
                    percent=percent,
                    passed=percent >= 70,
                    pass_mark=70,
                )
            )
            started.append(at - dt.timedelta(minutes=20 + (number * 7) % 25))
    Attempt.objects.bulk_create(rows, batch_size=500)
    for row, when in zip(rows, started, strict=True):  # auto_now_add set "now" on insert
        row.started_at = when
    Attempt.objects.bulk_update(rows, ["started_at"], batch_size=500)
    report["created"] += len(rows)
    report["unchanged"] += len(existing)


REVOCATION_REASON = (
    "Emitido por error: la evaluación final fue anulada tras una revisión interna que "
    "comprobó que la rindió otra persona."
)


def _managers() -> dict[int, User]:
    managers: dict[int, User] = {}
    for user in User.objects.filter(
        groups__name=Role.ADMINISTRATION_MANAGER.value, is_active=True
    ).order_by("pk"):
        managers.setdefault(user.administration_id, user)
    return managers


def _certificates(planned: Plan, users: dict[str, User], report: SeedReport) -> None:
    """Issue (and renew, and revoke) through the services; the PDFs are rendered by the
    task queued when the transaction commits."""
    holders = [users[name].pk for name, _track, _learning in planned.certified if name in users]
    held = set(
        Certificate.objects.filter(holder_id__in=holders).values_list("holder_id", "programme_id")
    )
    managers = _managers()
    for username, track, learning in planned.certified:
        holder = users.get(username)
        if holder is None or (holder.pk, track.programme.pk) in held:
            report["unchanged"] += 1
            continue
        certificate = certificate_issue(
            holder=holder, programme=track.programme, issued_at=learning.issued_at
        )
        report["created"] += 1
        if learning.state == "renewed":
            certificate_issue(
                holder=holder,
                programme=track.programme,
                issued_at=learning.renewed_at,
                previous=certificate,
            )
            report["created"] += 1
        elif learning.state == "revoked" and holder.administration_id in managers:
            certificate_revoke(
                actor=managers[holder.administration_id],
                certificate=certificate,
                reason=REVOCATION_REASON,
            )


# --- assignments and the import history ------------------------------------------------------


@dataclass(frozen=True)
class AssignmentFact:
    administration: str
    note: str
    created_days_ago: int
    due_in_days: int  # negative: already past
    programme: str | None = None
    course: str | None = None  # "integrity" / "illicit_trade" / "ftz_aeo" or OWN_COURSE_SLUG
    units: tuple[str, ...] = ()
    officers_of_unit: str | None = None  # a few named officers of this unit
    withdrawn_days_ago: int | None = None


ASSIGNMENTS: tuple[AssignmentFact, ...] = (
    AssignmentFact(
        "PER",
        "Curso obligatorio para todo el personal del terminal marítimo del Callao antes de "
        "la auditoría de integridad del próximo mes.",
        5,
        21,
        course="integrity",
        units=("CALLAO-MAR",),
    ),
    AssignmentFact(
        "PER",
        "Certificación de analista en comercio ilícito para el puesto de control de Tacna y "
        "ZOFRATACNA. El plazo ya venció: completen el curso y la evaluación final cuanto antes.",
        40,
        -10,
        programme="illicit-trade-analyst",
        units=("TACNA",),
    ),
    AssignmentFact(
        "PER",
        "Inducción para el personal recién incorporado al Muelle Sur.",
        2,
        7,
        course=OWN_COURSE_SLUG,
        officers_of_unit="CALLAO-MS",
    ),
    AssignmentFact(
        "PER",
        "Zonas francas y OEA para la ZED Paita (retirada: se incluirá en la programación "
        "regional del segundo semestre).",
        20,
        45,
        programme="ftz-aeo-controls",
        units=("PAITA",),
        withdrawn_days_ago=6,
    ),
    AssignmentFact(
        "PAN",
        "Integridad aduanera: obligatorio para el personal de Manzanillo y la Zona Libre de Colón.",
        12,
        30,
        programme="customs-integrity",
        units=("MANZANILLO",),
    ),
    AssignmentFact(
        "PAN",
        "Detección del comercio ilícito para el equipo de carga aérea de Tocumen.",
        35,
        -4,
        course="illicit_trade",
        units=("TOCUMEN",),
    ),
)


def _course_page(name: str, administration: Administration) -> CoursePage | None:
    pages = CoursePage.objects.filter(locale__language_code=administration.primary_language)
    if name == OWN_COURSE_SLUG:
        page = pages.filter(administration=administration).first()
        return page or CoursePage.objects.filter(slug=OWN_COURSE_SLUG).first()
    return pages.filter(track=name, administration__isnull=True).first()


def _assignments(
    users: dict[str, User],
    units: dict[tuple[str, str], Unit],
    managers: dict[int, User],
    now: dt.datetime,
    report: SeedReport,
) -> None:
    administrations = {u.administration.code: u.administration for u in units.values()}
    programmes = {p.code: p for p in Programme.objects.all()}
    for fact in ASSIGNMENTS:
        administration = administrations.get(fact.administration)
        manager = managers.get(administration.pk) if administration else None
        if administration is None or manager is None:
            continue
        if Assignment.objects.filter(administration=administration, note=fact.note).exists():
            report["unchanged"] += 1
            continue
        course = _course_page(fact.course, administration) if fact.course else None
        programme = programmes.get(fact.programme) if fact.programme else None
        if (course is None) == (programme is None):
            continue
        chosen_units = [
            units[(fact.administration, code)]
            for code in fact.units
            if (fact.administration, code) in units
        ]
        officers: list[User] = []
        if fact.officers_of_unit:
            unit = units.get((fact.administration, fact.officers_of_unit))
            done = set(
                Enrolment.objects.filter(
                    course_key=course.translation_key if course else None,
                    status=Enrolment.Status.COMPLETED,
                ).values_list("user_id", flat=True)
            )
            officers = sorted(
                (
                    user
                    for user in users.values()
                    if unit is not None and user.unit_id == unit.pk and user.pk not in done
                ),
                key=lambda user: user.username,
            )[:6]
        created = now - DAY * fact.created_days_ago
        assignment = assignment_create(
            actor=manager,
            administration=administration,
            due_on=timezone.localdate(now) + DAY * fact.due_in_days,
            course=course,
            programme=programme,
            units=chosen_units,
            officers=officers,
            note=fact.note,
            now=created,
        )
        Assignment.objects.filter(pk=assignment.pk).update(created_at=created)
        records = OfficerAssignment.objects.filter(assignment=assignment)
        records.update(assigned_at=created)
        if fact.due_in_days < 0:  # the reminders went out, before and after the due date
            due = timezone.make_aware(dt.datetime.combine(assignment.due_on, dt.time(7)))
            records.filter(completed_at__isnull=True).update(
                reminded_due_at=due - 7 * DAY, reminded_overdue_at=due + DAY
            )
        report["created"] += 1 + getattr(assignment, "targeted_count", 0)
        if fact.withdrawn_days_ago is not None:
            assignment_withdraw(
                actor=manager, assignment=assignment, now=now - DAY * fact.withdrawn_days_ago
            )


IMPORT_FILE = "padron-funcionarios-tacna-puno.xlsx"


def _officer_import(managers: dict[int, User], now: dt.datetime, report: SeedReport) -> None:
    administration = Administration.objects.filter(code="PER").first()
    manager = managers.get(administration.pk) if administration else None
    if manager is None:
        return
    sha256 = hashlib.sha256(f"customs-lms demo import {IMPORT_FILE}".encode()).hexdigest()
    if OfficerImport.objects.filter(administration=administration, sha256=sha256).exists():
        report["unchanged"] += 1
        return
    created = now - DAY * 45
    record = OfficerImport.objects.create(
        administration=administration,
        uploaded_by=manager,
        filename=IMPORT_FILE,
        sha256=sha256,
        size_bytes=18_342,
        status=OfficerImport.Status.APPLIED,
        row_count=42,
        created_count=36,
        updated_count=3,
        unchanged_count=1,
        rejected_count=2,
        invited_count=36,
        problems=[
            {"line": 17, "code": "unknown_unit", "params": {"value": "TAC-02"}},
            {"line": 31, "code": "bad_email", "params": {"value": "jquispe@sunat"}},
        ],
        send_invitations=True,
        applied_at=created + dt.timedelta(minutes=3),
        applied_by=manager,
    )
    OfficerImport.objects.filter(pk=record.pk).update(created_at=created)
    report["created"] += 1


def seed_demo(*, stdout: TextIO) -> None:
    report = SeedReport()
    now = timezone.now()
    # One transaction; the certificates' PDFs are rendered by the task queued on commit.
    with transaction.atomic():
        units = _units(report)
        facts = officer_facts()
        users, new_ids = _officers(facts, units, report)
        tracks = _tracks()
        own = CoursePage.objects.filter(slug=OWN_COURSE_SLUG).order_by("pk").first()
        courses = {track.course_key: track.courses for track in tracks}
        if own is not None:
            courses[own.translation_key] = {
                page.locale.language_code: page
                for page in CoursePage.objects.filter(
                    translation_key=own.translation_key
                ).select_related("locale")
            }
        kinds = {key: unit.kind for key, unit in units.items()}
        planned = plan(facts, tracks, own.translation_key if own else None, kinds, now)
        _enrolments(planned, users, courses, report)
        _attempts(planned, users, tracks, report)
        _certificates(planned, users, report)
        managers = _managers()
        if new_ids and Assignment.objects.exists():  # officers added to an existing demo
            assignments_sync(officer_ids=new_ids)
        _assignments(users, units, managers, now, report)
        _officer_import(managers, now, report)
    stdout.write(f"tracking: {report.line()} ({_summary(list(users.values()))})\n")


def _summary(users: Sequence[User]) -> str:
    ids = [user.pk for user in users]
    administrations = len({user.administration_id for user in users})
    return (
        f"{len(ids)} demo officers in {administrations} administrations; "
        f"{Enrolment.objects.filter(user_id__in=ids).count()} enrolments, "
        f"{Attempt.objects.filter(user_id__in=ids).count()} attempts, "
        f"{Certificate.objects.filter(holder_id__in=ids).count()} certificates; "
        f"{Assignment.objects.count()} assignments, {OfficerImport.objects.count()} imports"
    )
