"""Factories for accounts rows. Business states are made by services, not here."""

from __future__ import annotations

from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role
from lms.accounts.services import user_set_roles

PASSWORD = "Correct-horse-battery-9"


@cache
def password_hash() -> str:
    """Hash once per test run: Argon2 is slow on purpose."""
    return make_password(PASSWORD)


class AdministrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Administration
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: "X" + chr(65 + (n // 26) % 26) + chr(65 + n % 26))
    name = factory.LazyAttribute(lambda o: f"Customs of {o.code}")
    country = factory.LazyAttribute(lambda o: f"Country {o.code}")
    country_code = "XX"
    official_languages = factory.LazyFunction(lambda: ["es"])


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    administration = factory.SubFactory(AdministrationFactory)
    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = Unit.Kind.SEAPORT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Person Number{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.LazyFunction(password_hash)
    preferred_language = "en"

    @factory.post_generation
    def roles(self, create: bool, extracted: set[Role] | None, **kwargs: object) -> None:
        if create and extracted:
            user_set_roles(actor=None, user=self, roles=set(extracted))


def officer(administration: Administration, **kwargs: object) -> User:
    return UserFactory(administration=administration, roles={Role.OFFICER}, **kwargs)


def manager(administration: Administration, **kwargs: object) -> User:
    return UserFactory(administration=administration, roles={Role.ADMINISTRATION_MANAGER}, **kwargs)
