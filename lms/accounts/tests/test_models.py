import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lms.accounts.models import Administration
from lms.accounts.tests.factories import AdministrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_employee_number_is_unique_within_an_administration(per, pan):
    UserFactory(administration=per, employee_number="E-1")
    UserFactory(administration=pan, employee_number="E-1")  # another administration: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(administration=per, employee_number="E-1")


def test_blank_employee_numbers_do_not_collide(per):
    UserFactory(administration=per, employee_number="")
    UserFactory(administration=per, employee_number="")
    assert per.users.count() == 2


def test_administration_code_must_be_three_capitals():
    with pytest.raises(IntegrityError), transaction.atomic():
        Administration.objects.create(code="pe1", name="x", country="x", country_code="PE")
    administration = Administration(code="Per", name="x", country="x", country_code="PE")
    with pytest.raises(ValidationError) as excinfo:
        administration.full_clean()
    assert "code" in excinfo.value.message_dict


def test_unit_parent_must_share_the_administration(per, pan):
    parent = UnitFactory(administration=pan)
    unit = UnitFactory.build(administration=per, parent=parent, code="X")
    with pytest.raises(ValidationError) as excinfo:
        unit.full_clean()
    assert "parent" in excinfo.value.message_dict


def test_unit_cannot_be_nested_inside_itself(per):
    top = UnitFactory(administration=per)
    child = UnitFactory(administration=per, parent=top)
    top.parent = child
    with pytest.raises(ValidationError, match="inside itself"):
        top.full_clean()


def test_user_unit_must_belong_to_the_users_administration(per, pan):
    unit = UnitFactory(administration=pan)
    user = UserFactory.build(administration=per, unit=unit)
    with pytest.raises(ValidationError) as excinfo:
        user.clean()
    assert "unit" in excinfo.value.message_dict


def test_full_name_replaces_first_and_last_names():
    user = UserFactory.build(username="jp", full_name="João Pedro Almeida Santos")
    assert user.get_full_name() == "João Pedro Almeida Santos"
    assert user.get_short_name() == "João"
    assert not hasattr(user, "first_name") or user.first_name is None


def test_primary_language_is_the_first_supported_official_language():
    assert AdministrationFactory.build(official_languages=["nl"]).primary_language == "en"
    assert AdministrationFactory.build(official_languages=["gn", "es"]).primary_language == "es"
    assert AdministrationFactory.build(official_languages=["pt-br"]).primary_language == "pt-br"


def test_passwords_are_hashed_with_argon2(per_officer, password):
    per_officer.set_password(password)
    assert per_officer.password.startswith("argon2$")
