"""Demo seed for accounts: administrations, units, role groups and demo accounts."""

from __future__ import annotations

from typing import TextIO

from django.db import transaction

from lms.seeding import SeedReport, upsert
from lms.settings.env import ENV

from .demo import ACCOUNTS, ADMINISTRATIONS, DEFAULT_DEMO_PASSWORD, TIME_ZONES, UNITS
from .models import Administration, Unit, User
from .roles import Role, roles_of
from .services import role_groups_sync, user_set_roles


def demo_password() -> str:
    return ENV.str("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)


@transaction.atomic
def seed_demo(*, stdout: TextIO) -> None:
    report = SeedReport()
    role_groups_sync()
    administrations: dict[str, Administration] = {}
    for fact in ADMINISTRATIONS:
        administrations[fact.code] = upsert(
            Administration,
            {"code": fact.code},
            {
                "name": fact.name,
                "country": fact.country,
                "country_code": fact.country_code,
                "official_languages": list(fact.languages),
                "grouping": fact.grouping,
                "time_zone": TIME_ZONES[fact.code],
                "is_active": True,
            },
            report,
        )
    units: dict[tuple[str, str], Unit] = {}
    for fact in UNITS:  # parents come before their children in UNITS
        parent = units[(fact.administration, fact.parent)] if fact.parent else None
        units[(fact.administration, fact.code)] = upsert(
            Unit,
            {"administration": administrations[fact.administration], "code": fact.code},
            {"name": fact.name, "kind": fact.kind, "parent": parent, "is_active": True},
            report,
        )
    password = demo_password()
    for fact in ACCOUNTS:
        administration = administrations[fact.administration] if fact.administration else None
        is_admin = Role.PLATFORM_ADMIN in fact.roles
        user = upsert(
            User,
            {"username": fact.username},
            {
                "full_name": fact.full_name,
                "email": f"{fact.username}@demo.customs-lms.invalid",
                "administration": administration,
                "unit": units[(fact.administration, fact.unit)] if fact.unit else None,
                "employee_number": fact.employee_number,
                "position": fact.position,
                "preferred_language": fact.language
                or (administration.primary_language if administration else "en"),
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
            report,
        )
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        if roles_of(user) != fact.roles:
            user_set_roles(actor=None, user=user, roles=set(fact.roles))
    stdout.write(f"accounts: {report.line()}\n")
