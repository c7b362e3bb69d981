import io

import pytest
from django.db import connection

from lms.accounts.demo import ACCOUNTS
from lms.accounts.models import Administration, Unit, User
from lms.accounts.roles import Role, roles_of

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row the seed touches, as plain values."""
    tables = [
        "accounts_administration",
        "accounts_unit",
        "accounts_user",
        "accounts_user_groups",
        "auth_group",
        "auth_group_permissions",
        "wagtailcore_page",
        "wagtailcore_site",
        "wagtailcore_locale",
        "wagtailcore_revision",
    ]
    with connection.cursor() as cursor:
        result = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")
            result[table] = cursor.fetchall()
        return result


def seed():
    """The accounts and home parts of the demo seed (the whole command, with the course
    content, is exercised in tests/test_seed_demo.py)."""
    from lms.accounts.seed import seed_demo as seed_accounts
    from lms.home.seed import seed_demo as seed_home

    out = io.StringIO()
    seed_accounts(stdout=out)
    seed_home(stdout=out)
    return out.getvalue()


def test_seed_creates_the_administrations_units_and_accounts(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Local-demo-password-1")
    output = seed()
    assert Administration.objects.count() == 26
    assert Administration.objects.get(code="BES").country_code == "BQ"
    assert Administration.objects.get(code="CAN").official_languages == ["en", "fr"]
    for code in ("PER", "PAN", "BRA", "JAM", "CAN"):
        assert Unit.objects.filter(administration__code=code).count() >= 3
    assert Unit.objects.get(administration__code="PAN", code="ZLC").kind == "ftz"
    for fact in ACCOUNTS:
        user = User.objects.get(username=fact.username)
        assert user.check_password("Local-demo-password-1"), fact.username
        assert roles_of(user) >= fact.roles
    assert "accounts: " in output


def test_officers_get_their_administrations_language():
    seed()
    languages = dict(User.objects.values_list("username", "preferred_language"))
    assert languages["officer.per"] == "es"
    assert languages["officer.per2"] == "es"
    assert languages["officer.pan"] == "es"
    assert languages["officer.bra"] == "pt-br"
    assert languages["officer.jam"] == "en"


def test_roles_and_administrations_of_demo_accounts():
    seed()
    author = User.objects.get(username="author")
    assert roles_of(author) == {Role.TRAINING_MANAGER} and author.administration is None
    assert User.objects.get(username="manager.pan").administration.code == "PAN"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_seed_twice_changes_nothing():
    seed()
    first = snapshot()
    output = seed()
    assert snapshot() == first
    assert "accounts: 0 created, 0 updated" in output


def test_seed_repairs_a_changed_row():
    seed()
    Administration.objects.filter(code="PER").update(name="Changed")
    output = seed()
    assert Administration.objects.get(code="PER").name == "SUNAT – Aduanas"
    assert "1 updated" in output
