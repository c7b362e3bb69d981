"""Demo data for the accounts layer: the 26 administrations in scope, a few units, and the
demo accounts. Facts from the project's domain brief, section 3."""

from __future__ import annotations

from typing import NamedTuple

from .roles import Role


class AdministrationFact(NamedTuple):
    code: str
    country_code: str
    country: str
    name: str
    languages: tuple[str, ...]
    grouping: str


AMS = "Americas and Caribbean (AMS)"

ADMINISTRATIONS: tuple[AdministrationFact, ...] = (
    AdministrationFact("ARG", "AR", "Argentina", "Customs of Argentina", ("es",), AMS),
    AdministrationFact("BRB", "BB", "Barbados", "Customs of Barbados", ("en",), AMS),
    AdministrationFact("BOL", "BO", "Bolivia", "Aduana Nacional de Bolivia", ("es",), AMS),
    AdministrationFact(
        "BES",
        "BQ",
        "Bonaire",
        "Douane Caribisch Nederland",
        ("nl",),
        "Via the Netherlands (Europe)",
    ),
    AdministrationFact("BRA", "BR", "Brazil", "Receita Federal do Brasil", ("pt-br",), AMS),
    AdministrationFact("CAN", "CA", "Canada", "Canada Border Services Agency", ("en", "fr"), AMS),
    AdministrationFact(
        "CHL",
        "CL",
        "Chile",
        "Servicio Nacional de Aduanas de Chile",
        ("es",),
        f"{AMS}; RILO South America",
    ),
    AdministrationFact("COL", "CO", "Colombia", "DIAN Colombia", ("es",), AMS),
    AdministrationFact("CRI", "CR", "Costa Rica", "Customs of Costa Rica", ("es",), AMS),
    AdministrationFact("DMA", "DM", "Dominica", "Customs of Dominica", ("en",), "CCLEC"),
    AdministrationFact(
        "DOM",
        "DO",
        "Dominican Republic",
        "Dirección General de Aduanas (DGA)",
        ("es",),
        f"{AMS}; Regional Training Centre",
    ),
    AdministrationFact("ECU", "EC", "Ecuador", "SENAE Ecuador", ("es",), AMS),
    AdministrationFact("SLV", "SV", "El Salvador", "Customs of El Salvador", ("es",), AMS),
    AdministrationFact("GRD", "GD", "Grenada", "Customs of Grenada", ("en",), "CCLEC"),
    AdministrationFact("GTM", "GT", "Guatemala", "Customs of Guatemala", ("es",), AMS),
    AdministrationFact("JAM", "JM", "Jamaica", "Jamaica Customs Agency", ("en",), AMS),
    AdministrationFact("MEX", "MX", "Mexico", "Customs of Mexico", ("es",), AMS),
    AdministrationFact("NIC", "NI", "Nicaragua", "Customs of Nicaragua", ("es",), AMS),
    AdministrationFact("PAN", "PA", "Panama", "Autoridad Nacional de Aduanas (ANA)", ("es",), AMS),
    AdministrationFact("PRY", "PY", "Paraguay", "Customs of Paraguay", ("es", "gn"), AMS),
    AdministrationFact("PER", "PE", "Peru", "SUNAT – Aduanas", ("es", "qu", "ay"), AMS),
    AdministrationFact(
        "LCA", "LC", "Saint Lucia", "Customs of Saint Lucia", ("en",), f"{AMS}; CCLEC seat"
    ),
    AdministrationFact(
        "VCT",
        "VC",
        "Saint Vincent and the Grenadines",
        "Customs of Saint Vincent and the Grenadines",
        ("en",),
        AMS,
    ),
    AdministrationFact(
        "TTO", "TT", "Trinidad and Tobago", "Customs of Trinidad and Tobago", ("en",), AMS
    ),
    AdministrationFact(
        "URY",
        "UY",
        "Uruguay",
        "Customs of Uruguay",
        ("es",),
        f"{AMS}; Regional Office for Capacity Building",
    ),
    AdministrationFact("USA", "US", "United States", "Customs of the United States", ("en",), AMS),
)

TIME_ZONES: dict[str, str] = {
    # The IANA zone of each administration's headquarters (where its due dates end).
    "ARG": "America/Argentina/Buenos_Aires",
    "BRB": "America/Barbados",
    "BOL": "America/La_Paz",
    "BES": "America/Kralendijk",
    "BRA": "America/Sao_Paulo",
    "CAN": "America/Toronto",
    "CHL": "America/Santiago",
    "COL": "America/Bogota",
    "CRI": "America/Costa_Rica",
    "DMA": "America/Dominica",
    "DOM": "America/Santo_Domingo",
    "ECU": "America/Guayaquil",
    "SLV": "America/El_Salvador",
    "GRD": "America/Grenada",
    "GTM": "America/Guatemala",
    "JAM": "America/Jamaica",
    "MEX": "America/Mexico_City",
    "NIC": "America/Managua",
    "PAN": "America/Panama",
    "PRY": "America/Asuncion",
    "PER": "America/Lima",
    "LCA": "America/St_Lucia",
    "VCT": "America/St_Vincent",
    "TTO": "America/Port_of_Spain",
    "URY": "America/Montevideo",
    "USA": "America/New_York",
}


class UnitFact(NamedTuple):
    administration: str
    code: str
    name: str
    kind: str
    parent: str | None = None


UNITS: tuple[UnitFact, ...] = (
    UnitFact("PER", "HQ", "Headquarters, Lima", "headquarters"),
    UnitFact("PER", "CALLAO-MAR", "Maritime customs, Callao", "seaport", "HQ"),
    UnitFact("PER", "CALLAO-AIR", "Air customs, Jorge Chávez airport", "airport", "HQ"),
    UnitFact("PER", "TACNA", "Tacna land border post", "land_border", "HQ"),
    UnitFact("PER", "PAITA", "Paita customs office", "office", "HQ"),
    UnitFact("PAN", "HQ", "Headquarters, Panama City", "headquarters"),
    UnitFact("PAN", "BALBOA", "Balboa port", "seaport", "HQ"),
    UnitFact("PAN", "MANZANILLO", "Manzanillo port, Colón", "seaport", "HQ"),
    UnitFact("PAN", "ZLC", "Colón Free Zone", "ftz", "MANZANILLO"),
    UnitFact("PAN", "TOCUMEN", "Tocumen airport", "airport", "HQ"),
    UnitFact("BRA", "HQ", "Headquarters, Brasília", "headquarters"),
    UnitFact("BRA", "SANTOS", "Port of Santos", "seaport", "HQ"),
    UnitFact("BRA", "GRU", "Guarulhos airport", "airport", "HQ"),
    UnitFact("BRA", "FOZ", "Foz do Iguaçu land border post", "land_border", "HQ"),
    UnitFact("BRA", "MANAUS", "Manaus Free Zone", "ftz", "HQ"),
    UnitFact("JAM", "HQ", "Headquarters, Kingston", "headquarters"),
    UnitFact("JAM", "KGN-PORT", "Port of Kingston", "seaport", "HQ"),
    UnitFact("JAM", "KIN-AIR", "Norman Manley airport", "airport", "HQ"),
    UnitFact("JAM", "MBJ", "Montego Bay office", "office", "HQ"),
    UnitFact("CAN", "HQ", "Headquarters, Ottawa", "headquarters"),
    UnitFact("CAN", "YVR-PORT", "Port of Vancouver", "seaport", "HQ"),
    UnitFact("CAN", "YUL-PORT", "Port of Montréal", "seaport", "HQ"),
    UnitFact("CAN", "YYZ", "Toronto Pearson airport", "airport", "HQ"),
    UnitFact("CAN", "WINDSOR", "Windsor land border crossing", "land_border", "HQ"),
)


class AccountFact(NamedTuple):
    username: str
    full_name: str
    roles: frozenset[Role]
    administration: str | None = None
    unit: str | None = None
    employee_number: str = ""
    position: str = ""
    language: str | None = None  # None: the administration's primary language


ACCOUNTS: tuple[AccountFact, ...] = (
    AccountFact("admin", "Platform Administrator", frozenset({Role.PLATFORM_ADMIN}), language="en"),
    AccountFact(
        "author",
        "Alicia Moreno Vidal",
        frozenset({Role.TRAINING_MANAGER}),
        position="Regional training manager",
        language="en",
    ),
    AccountFact(
        "coordinator",
        "Daniel Osei-Brathwaite",
        frozenset({Role.REGIONAL_COORDINATOR}),
        position="Regional coordinator",
        language="en",
    ),
    AccountFact(
        "author.per",
        "Jorge Luis Mendoza Salas",
        frozenset({Role.TRAINING_MANAGER}),
        "PER",
        "HQ",
        "PER-0002",
        "Training manager (courses and question banks)",
    ),
    AccountFact(
        "author.pan",
        "Itzel Herrera Domínguez",
        frozenset({Role.TRAINING_MANAGER}),
        "PAN",
        "HQ",
        "PAN-0002",
        "Training manager (courses and question banks)",
    ),
    AccountFact(
        "manager.per",
        "Rosa Quispe Mamani",
        frozenset({Role.ADMINISTRATION_MANAGER}),
        "PER",
        "HQ",
        "PER-0001",
        "Head of training",
    ),
    AccountFact(
        "manager.pan",
        "Luis Batista Córdoba",
        frozenset({Role.ADMINISTRATION_MANAGER}),
        "PAN",
        "HQ",
        "PAN-0001",
        "Head of training",
    ),
    AccountFact(
        "officer.per",
        "Carlos Huamán Torres",
        frozenset({Role.OFFICER}),
        "PER",
        "CALLAO-MAR",
        "PER-1001",
        "Customs inspector",
    ),
    AccountFact(
        "officer.per2",
        "María Fernanda Rojas Paredes",
        frozenset({Role.OFFICER}),
        "PER",
        "CALLAO-AIR",
        "PER-1002",
        "Risk analyst",
    ),
    AccountFact(
        "officer.pan",
        "Yessenia Castillo Pinzón",
        frozenset({Role.OFFICER}),
        "PAN",
        "BALBOA",
        "PAN-1001",
        "Container profiler",
    ),
    AccountFact(
        "officer.bra",
        "João Pedro Almeida Santos",
        frozenset({Role.OFFICER}),
        "BRA",
        "SANTOS",
        "BRA-1001",
        "Auditor-Fiscal",
    ),
    AccountFact(
        "officer.jam",
        "Kimberley Campbell",
        frozenset({Role.OFFICER}),
        "JAM",
        "KGN-PORT",
        "JAM-1001",
        "Customs officer",
    ),
)

DEFAULT_DEMO_PASSWORD = "customs-demo-2026"
